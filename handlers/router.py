"""Who answers a message. Feature modules register their handlers here by decorator:

- ``@router.command("thu_tuc")``: a slash command ("/thu_tuc câu hỏi"; ``ctx.args`` is the rest);
- ``@router.payload("p")``: a button payload "p:<rest>" (``ctx.args`` is the rest);
- ``@router.pending("verify")``: the next message of a chat whose state has
  ``state["pending"]["kind"] == "verify"`` (return None to let the message through);
- ``@router.detect(priority)``: a predicate tried on free text, lowest priority first;
- ``@router.fallback``: free text nobody else took (the procedure question).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from handlers.deps import Deps
from handlers.types import Incoming, Reply
from knowledge.calendar import CalendarRangeError, check_supported, to_local

CLOCK_SKEW = timedelta(minutes=5)  # a platform's clock may be this far ahead of ours
Handler = Callable[["Context"], Awaitable[list[Reply] | None]]
Predicate = Callable[["Context"], bool]


@dataclass
class Context:
    incoming: Incoming
    deps: Deps
    state: dict  # this chat's conversation state; changes are saved after the reply
    text: str  # the message, cleaned (NFC) and bounded
    command: str | None = None  # "thu_tuc" for "/thu_tuc ..."
    args: str = ""  # what follows the command, or the rest of a button payload
    notes: list[str] = field(default_factory=list)

    @property
    def lang(self) -> str:
        return self.state.get("lang") or ("en" if self.incoming.locale.startswith("en") else "vi")

    @property
    def index(self):
        return self.deps.catalogue.index

    def now(self) -> datetime:
        """When the platform received the message; the clock when it does not say, or says what
        no platform could (a Telegram update's ``date`` is any integer): a moment later than the
        clock, or one the calendar cannot count from."""
        clock = self.deps.clock()
        at = self.incoming.at
        try:
            if at is not None and to_local(check_supported(at)) <= clock + CLOCK_SKEW:
                return at
        except CalendarRangeError:
            pass
        return clock


class Router:
    def __init__(self) -> None:
        self.commands: dict[str, Handler] = {}
        self.payloads: dict[str, Handler] = {}
        self.pendings: dict[str, Handler] = {}
        self.detectors: list[tuple[int, Predicate, Handler]] = []
        self.fallback_handler: Handler | None = None

    def command(self, *names: str):
        def register(handler: Handler) -> Handler:
            for name in names:
                self.commands[name] = handler
            return handler

        return register

    def payload(self, prefix: str):
        def register(handler: Handler) -> Handler:
            self.payloads[prefix] = handler
            return handler

        return register

    def pending(self, kind: str):
        def register(handler: Handler) -> Handler:
            self.pendings[kind] = handler
            return handler

        return register

    def detect(self, priority: int, predicate: Predicate):
        def register(handler: Handler) -> Handler:
            self.detectors.append((priority, predicate, handler))
            self.detectors.sort(key=lambda entry: entry[0])
            return handler

        return register

    def fallback(self, handler: Handler) -> Handler:
        self.fallback_handler = handler
        return handler


router = Router()
