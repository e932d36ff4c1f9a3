"""Every feature's handlers; importing this package registers them on ``handlers.router.router``.
One module per feature, each with its own entry points."""

from handlers.intents import dossier, procedure, smalltalk  # noqa: F401
from handlers.intents import apology, officials, subscriptions  # noqa: F401  (after dossier: /ho_so is the officials')
from handlers.intents import feedback  # noqa: F401  (PAKN: citizens file, officials answer with /tra_loi)
from handlers.intents import report  # noqa: F401  (/bao_cao: the monthly report with its charts)
