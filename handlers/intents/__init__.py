"""Every feature's handlers, one module per feature, each with its own ``Router``; ``router`` is
them combined, the one the core dispatches on. A feature is added here, in the list below: the
order is the command menu's; a command, payload prefix, pending kind or detector priority claimed
twice is a ``RouterClash`` at import."""

from handlers.intents import apology, dossier, feedback, handoff, officials, procedure, report, smalltalk, subscriptions
from handlers.router import Router

router = Router.combine(
    smalltalk.router,  # /start, /help, small talk
    procedure.router,  # procedure questions (the fallback for free text)
    dossier.router,  # dossier status by code, its second factor
    subscriptions.router,  # /theo_doi and the satisfaction rating
    feedback.router,  # PAKN: citizens file, officials answer with /tra_loi
    handoff.router,  # /can_bo: a live conversation with an official, else PAKN
    officials.router,  # /lienket and the officials' commands
    apology.router,  # /xin_loi
    report.router,  # /bao_cao: the monthly report with its charts
)
