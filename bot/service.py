"""What every channel shares inside ``motcua run``: the core's dependencies, the settings,
metrics, the enabled channels and the message pipeline (``bot.pipeline``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.metrics import Metrics
from handlers.deps import Deps

if TYPE_CHECKING:
    from bot.outbox import OutboxDispatcher
    from bot.channels.base import Channel
    from bot.pipeline import Pipeline


@dataclass
class Service:
    settings: Settings
    deps: Deps
    metrics: Metrics = field(default_factory=Metrics)
    # The enabled channels by name (bot/channels/): the outbox sends through them.
    channels: dict[str, Channel] = field(default_factory=dict)
    dispatcher: OutboxDispatcher | None = None  # delivers the outbox (bot.scheduler)
    _pipeline: Pipeline | None = field(default=None, repr=False)

    @property
    def pipeline(self) -> Pipeline:
        if self._pipeline is None:
            from bot.pipeline import Pipeline

            s = self.settings
            self._pipeline = Pipeline(self, lease=s.inbox_lease_seconds, concurrency=s.inbox_concurrency,
                                      poll=s.inbox_poll_seconds)
        return self._pipeline
