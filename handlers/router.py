"""Who answers a message. Each feature module owns a ``Router(name=...)`` and registers on it by
decorator; ``handlers.intents`` combines them, in one visible place, into the router the core uses:

- ``@router.command("thu_tuc", "thutuc", vi=..., en=...)``: a slash command ("/thu_tuc câu hỏi";
  ``ctx.args`` is the rest); the first name is the listed one, with its menu descriptions;
- ``@router.payload("p")``: a button payload "p:<rest>" (``ctx.args`` is the rest);
- ``@router.pending(Verify)``: the next message of a chat waiting for that step (a ``Pending``
  subclass; ``ctx.wait_for(Verify(code=...))`` sets it); the handler gets the typed step and
  returns None to let the message through;
- ``@router.detect(priority)``: a predicate tried on free text, lowest priority first;
- ``@router.fallback``: free text nobody else took (the procedure question).

Two features claiming one command, payload prefix, pending kind, detector priority, or the
fallback is a ``RouterClash`` when the routers are combined, at import.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import ClassVar, Self, get_type_hints

from handlers.deps import Deps
from handlers.types import Incoming, Reply
from knowledge.calendar import CalendarRangeError, check_supported, to_local

CLOCK_SKEW = timedelta(minutes=5)  # a platform's clock may be this far ahead of ours
Handler = Callable[["Context"], Awaitable[list[Reply] | None]]
Predicate = Callable[["Context"], bool]
StepHandler = Callable[["Context", "Pending"], Awaitable[list[Reply] | None]]


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
        """"vi" or "en": what the replies of this turn are written in (``handlers.i18n``)."""
        from handlers.i18n import chat_language

        return chat_language(self)

    @property
    def index(self):
        return self.deps.catalogue.index

    def wait_for(self, step: Pending) -> None:
        """The chat's next message answers ``step`` (the core dates it, and drops it once lapsed)."""
        self.state["pending"] = step.to_dict()

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


@dataclass(kw_only=True)
class Pending:
    """A step waiting for the chat's next message ("the 4 digits", "the new reason"). Each kind is a
    subclass naming its ``kind`` and its fields; in the conversation state it is the plain dict it
    always was, ``{"kind": "verify", "code": ..., "since": iso}`` ("since" is the core's)."""

    kind: ClassVar[str]

    def to_dict(self) -> dict:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {"kind": self.kind, **{k: v for k, v in values.items() if v is not None}}

    @classmethod
    def from_dict(cls, data: object) -> Self | None:
        """The step a stored dict holds; None when it is not this kind or its fields are missing or
        of another type (a state written by an older or broken version). Unknown keys are ignored.
        Fields are of plain types (``str``, ``int``, ``str | None``): what JSON gives back."""
        if not isinstance(data, dict) or data.get("kind") != cls.kind:
            return None
        hints = get_type_hints(cls)
        values = {}
        for f in fields(cls):
            if f.name in data:
                if not isinstance(data[f.name], hints[f.name]):
                    return None
                values[f.name] = data[f.name]
        try:
            return cls(**values)
        except TypeError:  # a required field missing
            return None


@dataclass(frozen=True)
class Command:
    """A slash command: its name, the aliases also accepted (never listed), and what the menus and
    the help say of it. No description: not listed (``/lang``)."""

    names: tuple[str, ...]
    handler: Handler
    vi: str = ""
    en: str = ""
    officials: bool = False  # an official's command (refused elsewhere), not a citizen's

    @property
    def name(self) -> str:
        return self.names[0]


class RouterClash(Exception):
    """Two features claim the same command, payload prefix, pending kind, priority or the fallback."""


_COMMAND_NAME = re.compile(r"[a-z_]{1,32}")  # what the core's command pattern reads, and Telegram allows


class Router:
    """One feature's entry points (``Router(name="dossier")``); ``Router.combine`` joins the
    features' routers into the one the core dispatches on."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.commands: dict[str, Command] = {}  # every name and alias
        self.payloads: dict[str, Handler] = {}
        self.pendings: dict[str, tuple[type[Pending], StepHandler]] = {}
        self.detectors: list[tuple[int, Predicate, Handler]] = []
        self.fallback_handler: Handler | None = None
        self._owners: dict[tuple[str, object], str] = {}  # what is registered -> the router that did

    def _claim(self, what: str, key: object, owner: str | None = None) -> None:
        owner = owner or self.name
        if (what, key) in self._owners:
            raise RouterClash(f"{what} {key!r} is registered by both {self._owners[what, key]!r} and {owner!r}")
        self._owners[what, key] = owner

    def command(self, *names: str, vi: str = "", en: str = "", officials: bool = False):
        """``@router.command("tra_cuu", "tracuu", vi=..., en=...)``: the first name is the listed one."""
        if not names or not all(_COMMAND_NAME.fullmatch(n) for n in names):
            raise ValueError(f"{self.name}: command names {names!r}: one or more, each a-z and _, up to 32")
        if bool(vi) != bool(en):
            raise ValueError(f"{self.name}: /{names[0]} needs its description in both Vietnamese and English")

        def register(handler: Handler) -> Handler:
            entry = Command(names, handler, vi, en, officials)
            for name in names:
                self._claim("command", name)
                self.commands[name] = entry
            return handler

        return register

    def payload(self, prefix: str):
        if not prefix or ":" in prefix:
            raise ValueError(f"{self.name}: payload prefix {prefix!r}")

        def register(handler: Handler) -> Handler:
            self._claim("payload", prefix)
            self.payloads[prefix] = handler
            return handler

        return register

    def pending(self, step: type[Pending]):
        """The handler of the next message while ``step`` waits; it is given the typed step."""
        def register(handler: StepHandler) -> StepHandler:
            self._claim("pending", step.kind)
            self.pendings[step.kind] = (step, handler)
            return handler

        return register

    def detect(self, priority: int, predicate: Predicate):
        """Free text: the predicates are tried by priority, lowest first; one priority, one
        detector (the order never depends on how the routers were combined)."""
        def register(handler: Handler) -> Handler:
            self._claim("detector priority", priority)
            self.detectors.append((priority, predicate, handler))
            self.detectors.sort(key=lambda entry: entry[0])
            return handler

        return register

    def fallback(self, handler: Handler) -> Handler:
        self._claim("fallback", "free text")
        self.fallback_handler = handler
        return handler

    @classmethod
    def combine(cls, *routers: Router, name: str = "root") -> Router:
        """One router holding every one of ``routers``' entries; a clash raises ``RouterClash``."""
        root = cls(name)
        for router in routers:
            for (what, key), owner in router._owners.items():
                root._claim(what, key, owner)
            root.commands.update(router.commands)
            root.payloads.update(router.payloads)
            root.pendings.update(router.pendings)
            root.detectors.extend(router.detectors)
            root.fallback_handler = router.fallback_handler or root.fallback_handler
        root.detectors.sort(key=lambda entry: entry[0])
        return root

    def listed(self, *, officials: bool = False) -> list[Command]:
        """The commands with a description, in registration order: the citizens' (or the officials')."""
        return [c for c in dict.fromkeys(self.commands.values()) if c.vi and c.officials == officials]
