"""All tables. Each domain keeps its tables in its own module; importing this package registers
them all on ``Base.metadata`` (Alembic and the tests rely on that)."""

from db.models.base import Base
from db.models.catalogue import ProcedureRow
from db.models.channels import ZaloToken
from db.models.catalogue_sync import CatalogueSyncItem, CatalogueSyncRun
from db.models.conversation import ChatState
from db.models.dashboard import DashboardLink
from db.models.inbox import InboxMessage
from db.models.dossiers import Dossier, DossierAccess, DossierLookup, DossierStatusEvent, DossierVerifyFailure
from db.models.feedback import Feedback, FeedbackDeadline, FeedbackSequence
from db.models.handoff import Handoff
from db.models.officials import Official, OfficialChat, OfficialInvite
from db.models.outbox import OutboxMessage
from db.models.reminders import Apology, Reminder
from db.models.subscriptions import DossierRating, DossierSubscription, EventCursor

__all__ = ["Base", "CatalogueSyncItem", "CatalogueSyncRun", "ChatState", "DashboardLink", "Dossier", "DossierAccess", "DossierLookup",
           "DossierStatusEvent", "DossierVerifyFailure", "Feedback", "FeedbackDeadline", "FeedbackSequence",
           "Handoff", "InboxMessage", "ProcedureRow", "ZaloToken",
           "Apology", "DossierRating", "DossierSubscription", "EventCursor", "Official", "OfficialChat", "OfficialInvite",
           "OutboxMessage", "Reminder"]
