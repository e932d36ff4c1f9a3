"""Prometheus metrics of the service (one registry per application, so tests and several apps in
one process do not share counters)."""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

from knowledge.channels import CAPABILITIES

disable_created_metrics()  # the *_created series only add noise to every scrape

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.messages_in = Counter(
            "motcua_messages_in", "Messages received from users, per channel", ["channel"], registry=self.registry
        )
        self.messages_out = Counter(
            "motcua_messages_out", "Messages sent to users (each part of a split reply), per channel", ["channel"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "motcua_reply_seconds", "From receiving a message to its replies being sent, per channel", ["channel"],
            buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        self.errors = Counter(
            "motcua_errors", "Failures, per channel and stage (handle, send, webhook)", ["channel", "stage"],
            registry=self.registry,
        )
        self.rejected = Counter(
            "motcua_webhook_rejected", "Webhook requests refused (bad signature, stale, malformed, too large)",
            ["channel", "reason"], registry=self.registry,
        )
        self.duplicates = Counter(
            "motcua_webhook_duplicates", "Webhook events already processed (platform retries, replicas)", ["channel"],
            registry=self.registry,
        )
        self.outbox_backlog = Gauge(
            "motcua_outbox_backlog", "Notifications and reminders waiting to be sent", registry=self.registry
        )
        self.outbox_sent = Counter(
            "motcua_outbox_messages", "Outbox deliveries by channel and outcome (sent, retry, failed)",
            ["channel", "outcome"], registry=self.registry,
        )
        for channel in CAPABILITIES:
            self.messages_in.labels(channel)
            self.messages_out.labels(channel)

    def render(self) -> bytes:
        return generate_latest(self.registry)
