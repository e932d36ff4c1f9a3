"""Settings from the environment (``MOTCUA_*``), one object for the whole process.

Secrets are ``SecretStr`` so that printing or logging the settings never shows them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MOTCUA_", env_file=None, extra="ignore")

    # Storage
    data_dir: Path = Path("data")
    database_url: str | None = None  # default: sqlite+aiosqlite under data_dir

    # Time zone of every agency served (Vietnam has one).
    timezone: str = "Asia/Ho_Chi_Minh"

    # Administrator's working-calendar file (TOML, same format as knowledge/data/calendar.toml):
    # newly announced days off and make-up days, per-agency office hours, without a release.
    calendar_file: Path | None = None

    # Search: the hand-curated everyday names (knowledge/data/common_procedures.txt); off (0) to
    # measure, or to serve, the search without them.
    search_curated: bool = True

    # HTTP service (`motcua run`)
    http_host: str = "127.0.0.1"
    http_port: int = 8080

    # Telegram
    telegram_token: SecretStr | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_mode: str = "webhook"  # webhook | polling
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None

    # Zalo Official Account
    zalo_app_id: str | None = None
    zalo_oa_secret_key: SecretStr | None = None
    zalo_app_secret: SecretStr | None = None
    zalo_access_token: SecretStr | None = None
    zalo_refresh_token: SecretStr | None = None
    zalo_api_base: str = "https://openapi.zalo.me"
    zalo_oauth_base: str = "https://oauth.zaloapp.com"
    zalo_webhook_max_age_seconds: int = 300  # webhook events older than this are refused as replays

    # Dossier backends
    ingest_token: SecretStr | None = None
    backend_url: str | None = None

    # Web chat: messages per client IP per minute (in memory, per replica; sessions are chosen by the
    # browser, so this is what holds against a script rotating them). Behind a reverse proxy, name the
    # header it sets (X-Forwarded-For: its last entry is used; X-Real-IP) — else every citizen is the proxy.
    webchat_per_ip_per_minute: int = 120
    webchat_client_ip_header: str | None = None

    # The inbox (bot/pipeline.py): every message stored before it is acknowledged, answered by workers
    inbox_lease_seconds: float = 60.0  # a message left "working" by a dead process is answered again after this
    inbox_concurrency: int = 32  # messages answered at once per process
    inbox_poll_seconds: float = 1.0  # how often the inbox is looked at when nothing woke the worker

    # Web chat: the sites allowed to embed it (their origins, e.g. https://dichvucong.example.gov.vn,
    # comma-separated); the service's own origin is always allowed.
    webchat_origins: str = ""

    # The officials' web view (/dashboard, docs/officials.md "Dashboard"): the service's public base URL
    # (the links the bot sends start with it) and the secret that signs the links and the session
    # cookies — the same on every replica. Both unset (or either): no links are offered, no /dashboard.
    public_url: str | None = None  # e.g. https://motcua.example.gov.vn
    dashboard_secret: SecretStr | None = None  # at least 32 characters (`openssl rand -hex 32`)
    dashboard_session_hours: float = Field(8.0, gt=0, le=24)

    # Officials' reminders, citizens' notices and the outbox (docs/officials.md)
    reminder_sweep_seconds: float = 300.0  # how often `motcua run` sweeps (0: never; `motcua reminders sweep` then)
    reminder_due_within_days: int = 1  # "due soon": within N working days
    reminder_escalate_after_days: int = 2  # heads hear of dossiers overdue by more than M working days
    reminders_ignore_quiet_hours: bool = False  # plan outside office hours too (tests, demonstrations)
    citizen_notify_hours: str = "07:00-21:00"  # the rating question and "due soon" only then (Vietnam time)
    apology_extra_days: int = 3  # default new appointment of an apology letter, in working days
    # Feedback (PAKN, docs/feedback.md): working days to answer, counted from the day after receipt;
    # an agency may set its own (`motcua feedback deadline`).
    feedback_days: int = Field(10, ge=1, le=90)
    # Live handoffs to an official (/can_bo, docs/officials.md "Handoff"): minutes a request waits for
    # an official to take it before it becomes a PAKN item; idle minutes that end a live one; how
    # often `motcua run` checks both (0: never).
    handoff_wait_minutes: int = Field(3, ge=1, le=60)
    handoff_idle_minutes: int = Field(15, ge=1, le=240)
    handoff_sweep_seconds: float = 20.0
    notify_poll_seconds: float = 2.0  # how often the status-event log is read for citizens' notices
    notify_safety_seconds: float = 60.0  # the event cursor trails by this much (see db/subscriptions_repo.py)
    outbox_poll_seconds: float = 1.0
    outbox_batch: int = 50
    outbox_lease_seconds: float = 120.0  # a row left "sending" by a dead process is sent again after this
    outbox_concurrency: int = 8  # chats sent to at once (also the most messages a crash can duplicate)
    outbox_per_chat_seconds: float = 1.0  # at most one message per chat per this many seconds
    outbox_max_attempts: int = 10
    outbox_backoff_seconds: float = 5.0  # first retry delay, doubled each attempt (at most an hour)

    @property
    def dashboard_enabled(self) -> bool:
        return bool(self.public_url and self.dashboard_secret and self.dashboard_secret.get_secret_value())

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'motcua.db').as_posix()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
