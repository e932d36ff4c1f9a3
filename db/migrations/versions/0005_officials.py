"""officials, invites and linked chats; reminders; apology letters; the outbox; citizens'
subscriptions and ratings; event-log cursors; two indexes on dossiers for statistics by agency

Revision ID: 0005_officials
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005_officials"
down_revision = "0001"
branch_labels = None
depends_on = "0003_dossiers"  # foreign keys to dossiers: applied after that branch

# Byte order on PostgreSQL, like dossiers.agency_code.
AGENCY_CODE = sa.String(48).with_variant(sa.String(48, collation="C"), "postgresql")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _moment(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), autoincrement=True, nullable=False)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], ondelete=ondelete,
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "officials",
        _id(),
        sa.Column("agency_code", AGENCY_CODE, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("muted", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _moment("created_at", nullable=False),
        _moment("revoked_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_officials")),
    )
    op.create_index("ix_officials_agency_code", "officials", ["agency_code"])
    op.create_table(
        "official_invites",
        _id(),
        sa.Column("official_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        _moment("expires_at", nullable=False),
        _moment("used_at"),
        _moment("created_at", nullable=False),
        _fk("official_invites", "official_id", "officials", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_official_invites")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_official_invites_code_hash")),
    )
    op.create_index(op.f("ix_official_invites_official_id"), "official_invites", ["official_id"])
    op.create_table(
        "official_chats",
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("official_id", sa.Integer(), nullable=False),
        _moment("linked_at", nullable=False),
        _moment("last_seen_at", nullable=False),
        _fk("official_chats", "official_id", "officials", "CASCADE"),
        sa.PrimaryKeyConstraint("channel", "chat_id", name=op.f("pk_official_chats")),
    )
    op.create_index(op.f("ix_official_chats_official_id"), "official_chats", ["official_id"])

    op.create_table(
        "reminders",
        _id(),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("official_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        _moment("planned_at", nullable=False),
        _fk("reminders", "dossier_id", "dossiers", "CASCADE"),
        _fk("reminders", "official_id", "officials", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint("dossier_id", "official_id", "kind", "day",
                            name=op.f("uq_reminders_dossier_id_official_id_kind_day")),
    )
    op.create_index("ix_reminders_official_day", "reminders", ["official_id", "day"])
    op.create_table(
        "apologies",
        _id(),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("agency_code", AGENCY_CODE, nullable=False),
        sa.Column("official_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        _moment("new_due_at", nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        _moment("drafted_at", nullable=False),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("approved_by_name", sa.Text(), nullable=False),
        _moment("approved_at"),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        _fk("apologies", "dossier_id", "dossiers", "CASCADE"),
        _fk("apologies", "official_id", "officials", "SET NULL"),
        _fk("apologies", "approved_by", "officials", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apologies")),
        sa.UniqueConstraint("dossier_id", name=op.f("uq_apologies_dossier_id")),
    )
    op.create_index("ix_apologies_agency_status", "apologies", ["agency_code", "status"])

    op.create_table(
        "outbox",
        _id(),
        sa.Column("dedupe_key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("official_id", sa.Integer(), nullable=True),
        sa.Column("dossier_id", sa.Integer(), nullable=True),
        sa.Column("replies", JSON, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _moment("next_attempt_at", nullable=False),
        _moment("lease_until"),
        sa.Column("claim_token", sa.String(32), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("fallback_of", sa.Integer(), nullable=True),
        _moment("created_at", nullable=False),
        _moment("sent_at"),
        _fk("outbox", "official_id", "officials", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    op.create_index("ix_outbox_status_next", "outbox", ["status", "next_attempt_at"])

    op.create_table(
        "dossier_subscriptions",
        _id(),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        _moment("created_at", nullable=False),
        _fk("dossier_subscriptions", "dossier_id", "dossiers", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_subscriptions")),
        sa.UniqueConstraint("dossier_id", "channel", "chat_id",
                            name=op.f("uq_dossier_subscriptions_dossier_id_channel_chat_id")),
    )
    op.create_index("ix_dossier_subscriptions_chat", "dossier_subscriptions", ["channel", "chat_id"])
    op.create_table(
        "dossier_ratings",
        _id(),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("agency_code", AGENCY_CODE, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("level", sa.String(12), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        _moment("rated_at", nullable=False),
        _fk("dossier_ratings", "dossier_id", "dossiers", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_ratings")),
        sa.UniqueConstraint("dossier_id", "channel", "chat_id",
                            name=op.f("uq_dossier_ratings_dossier_id_channel_chat_id")),
    )
    op.create_index("ix_dossier_ratings_agency_rated", "dossier_ratings", ["agency_code", "rated_at"])
    op.create_table(
        "event_cursors",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        _moment("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_event_cursors")),
    )
    # Citizens' notices start with the status changes recorded from now on (no replay of the past).
    op.execute(
        "INSERT INTO event_cursors (name, last_id, updated_at) "
        "SELECT 'status_notices', COALESCE(MAX(id), 0), CURRENT_TIMESTAMP FROM dossier_status_history"
    )

    # Officials' statistics by agency and month.
    op.create_index("ix_dossiers_agency_received", "dossiers", ["agency_code", "received_at"])
    op.create_index("ix_dossiers_agency_finished", "dossiers", ["agency_code", "finished_at"])


def downgrade() -> None:
    op.drop_index("ix_dossiers_agency_finished", table_name="dossiers")
    op.drop_index("ix_dossiers_agency_received", table_name="dossiers")
    for table in ("event_cursors", "dossier_ratings", "dossier_subscriptions", "outbox", "apologies", "reminders",
                  "official_chats", "official_invites", "officials"):
        op.drop_table(table)
