"""Every feature's handlers; importing this package registers them on ``handlers.router.router``.
One module per feature, each with its own entry points."""

from handlers.intents import dossier, procedure, smalltalk  # noqa: F401
from handlers.intents import apology, officials, subscriptions  # noqa: F401  (after dossier: /ho_so is the officials')
