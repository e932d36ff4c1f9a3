"""feedback (PAKN): the items, the per-day sequence of their tracking codes, each agency's own
handling time (``db.models.feedback``)

Revision ID: 0015_feedback
Revises: 0014_verify_client
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_feedback"
down_revision = "0014_verify_client"
branch_labels = None
depends_on = None

# Byte order on PostgreSQL, like dossiers.agency_code.
AGENCY_CODE = sa.String(48).with_variant(sa.String(48, collation="C"), "postgresql")
OPEN = "status = 'open'"


def _moment(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("topic", sa.String(12), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("dossier_code", sa.String(48), nullable=True),
        sa.Column("procedure_code", sa.String(32), nullable=True),
        sa.Column("agency_code", AGENCY_CODE, nullable=True),
        sa.Column("agency_name", sa.Text(), nullable=False),
        sa.Column("routed_province", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        _moment("received_at", nullable=False),
        sa.Column("due_days", sa.SmallInteger(), nullable=False),
        _moment("due_at", nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        _moment("answered_at"),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("answered_by_name", sa.Text(), nullable=False),
        sa.Column("rating", sa.String(12), nullable=True),
        _moment("rated_at"),
        _moment("reminded_soon_at"),
        _moment("reminded_overdue_at"),
        _moment("created_at", nullable=False),
        sa.ForeignKeyConstraint(["answered_by"], ["officials.id"], ondelete="SET NULL",
                                name=op.f("fk_feedback_answered_by_officials")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sa.UniqueConstraint("code", name=op.f("uq_feedback_code")),
    )
    op.create_index("ix_feedback_open_due", "feedback", ["due_at"], sqlite_where=sa.text(OPEN),
                    postgresql_where=sa.text(OPEN))
    op.create_index("ix_feedback_agency_received", "feedback", ["agency_code", "received_at"])
    op.create_index("ix_feedback_chat_received", "feedback", ["channel", "chat_id", "received_at"])
    op.create_table(
        "feedback_sequences",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_feedback_sequences")),
    )
    op.create_table(
        "feedback_deadlines",
        sa.Column("agency_code", AGENCY_CODE, nullable=False),
        sa.Column("days", sa.SmallInteger(), nullable=False),
        _moment("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("agency_code", name=op.f("pk_feedback_deadlines")),
    )


def downgrade() -> None:
    op.drop_table("feedback_deadlines")
    op.drop_table("feedback_sequences")
    op.drop_index("ix_feedback_chat_received", table_name="feedback")
    op.drop_index("ix_feedback_agency_received", table_name="feedback")
    op.drop_index("ix_feedback_open_due", table_name="feedback")
    op.drop_table("feedback")
