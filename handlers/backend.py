"""The one-stop system the core may pull a dossier from when it is not in the database (optional per
deployment; ``Deps.backend``). The core sees only this protocol: the HTTP client is ``bot.backend``."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from knowledge.dossiers.schema import DossierIn


class BackendUnavailable(Exception):
    """The backend did not give a usable answer in time (down, slow, errors, garbage, circuit open).
    The message is for logs; citizens are told the system is busy."""


@runtime_checkable
class DossierBackend(Protocol):
    async def fetch(self, code: str) -> DossierIn | None:
        """The dossier with this canonical code, None when the backend does not know it; raises
        ``BackendUnavailable`` otherwise."""
        ...
