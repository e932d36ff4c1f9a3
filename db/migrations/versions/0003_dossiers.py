"""dossiers, their status history, per-chat verification and rate-limit records

Revision ID: 0003_dossiers
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_dossiers"
down_revision = "0001"
branch_labels = None
depends_on = None

RUNNING = "status IN (2, 4)"
# Byte order on PostgreSQL: an agency-code prefix is then an index range whatever the collation.
AGENCY_CODE = sa.String(48).with_variant(sa.String(48, collation="C"), "postgresql")  # the clock runs: reminders and overdue sweeps look only at these


def _moment(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "dossiers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(48), nullable=False),
        sa.Column("code_tail", sa.String(11), nullable=False),
        sa.Column("procedure_code", sa.String(32), nullable=True),
        sa.Column("agency_code", AGENCY_CODE, nullable=False),
        sa.Column("agency_name", sa.Text(), nullable=False),
        sa.Column("applicant_name", sa.Text(), nullable=False),
        sa.Column("applicant_phone", sa.String(16), nullable=True),
        sa.Column("applicant_id_number", sa.String(20), nullable=True),
        sa.Column("channel", sa.String(8), nullable=True),
        _moment("received_at", nullable=False),
        sa.Column("processing_days", sa.Float(), nullable=True),
        sa.Column("processing_unit", sa.String(16), nullable=True),
        _moment("due_at"),
        _moment("due_at_given"),
        _moment("due_at_computed"),
        sa.Column("due_mismatch", sa.Boolean(), nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=False),
        _moment("status_at", nullable=False),
        _moment("finished_at"),
        _moment("returned_at"),
        _moment("rescheduled_due_at"),
        sa.Column("rescheduled_reason", sa.Text(), nullable=True),
        _moment("rescheduled_at"),
        sa.Column("source", sa.String(16), nullable=False),
        _moment("created_at", nullable=False),
        _moment("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossiers")),
        sa.UniqueConstraint("code", name=op.f("uq_dossiers_code")),
    )
    op.create_index(op.f("ix_dossiers_code_tail"), "dossiers", ["code_tail"])
    op.create_index(
        "ix_dossiers_running_due", "dossiers", ["due_at"],
        sqlite_where=sa.text(RUNNING), postgresql_where=sa.text(RUNNING),
    )
    op.create_index(
        "ix_dossiers_running_agency_due", "dossiers", ["agency_code", "due_at"],
        sqlite_where=sa.text(RUNNING), postgresql_where=sa.text(RUNNING),
    )
    op.create_table(
        "dossier_status_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=False),
        _moment("at", nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        _moment("recorded_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], ondelete="CASCADE",
            name=op.f("fk_dossier_status_history_dossier_id_dossiers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_status_history")),
        sa.UniqueConstraint("dossier_id", "status", "at", name=op.f("uq_dossier_status_history_dossier_id_status_at")),
    )
    op.create_index("ix_dossier_status_history_dossier_at", "dossier_status_history", ["dossier_id", "at"])
    op.create_table(
        "dossier_access",
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("code", sa.String(48), nullable=False),
        _moment("until", nullable=False),
        sa.PrimaryKeyConstraint("channel", "chat_id", "code", name=op.f("pk_dossier_access")),
    )
    op.create_table(
        "dossier_lookups",
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("code", sa.String(48), nullable=False),
        _moment("at", nullable=False),
        sa.PrimaryKeyConstraint("channel", "chat_id", "code", name=op.f("pk_dossier_lookups")),
    )
    op.create_table(
        "dossier_verify_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("code", sa.String(48), nullable=False),
        _moment("at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_verify_failures")),
    )
    op.create_index(
        "ix_dossier_verify_failures_chat_at", "dossier_verify_failures", ["channel", "chat_id", "at"]
    )


def downgrade() -> None:
    op.drop_table("dossier_verify_failures")
    op.drop_table("dossier_lookups")
    op.drop_table("dossier_access")
    op.drop_table("dossier_status_history")
    op.drop_table("dossiers")
