"""The platform-neutral conversation core: ``await handle(Incoming(...), deps) -> list[Reply]``."""

from handlers.types import Button, Incoming, Reply

__all__ = ["Button", "Deps", "Incoming", "Reply", "handle"]


def __getattr__(name: str):
    # Lazy, so that importing the small types does not pull in the database layer.
    if name == "handle":
        from handlers.core import handle

        return handle
    if name == "Deps":
        from handlers.deps import Deps

        return Deps
    raise AttributeError(name)
