"""handoffs: a citizen's live conversation with an official (``db.models.handoff``)

Revision ID: 0017_handoffs
Revises: 0016_dashboard_links
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_handoffs"
down_revision = "0016_dashboard_links"
branch_labels = None
depends_on = None

AGENCY_CODE = sa.String(48).with_variant(sa.String(48, collation="C"), "postgresql")
OPEN = "status IN ('waiting', 'live')"
LIVE = "status = 'live'"


def _moment(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("agency_code", AGENCY_CODE, nullable=True),
        sa.Column("dossier_code", sa.String(48), nullable=True),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("official_id", sa.Integer(), nullable=True),
        sa.Column("official_name", sa.Text(), nullable=False),
        sa.Column("official_channel", sa.String(16), nullable=True),
        sa.Column("official_chat_id", sa.String(64), nullable=True),
        sa.Column("messages", sa.Integer(), nullable=False),
        _moment("requested_at", nullable=False),
        _moment("taken_at"),
        _moment("last_activity_at", nullable=False),
        _moment("ended_at"),
        sa.Column("ended_by", sa.String(8), nullable=True),
        sa.Column("feedback_code", sa.String(20), nullable=True),
        _moment("created_at", nullable=False),
        sa.ForeignKeyConstraint(["official_id"], ["officials.id"], ondelete="SET NULL",
                                name=op.f("fk_handoffs_official_id_officials")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoffs")),
    )
    op.create_index("ux_handoffs_open_chat", "handoffs", ["channel", "chat_id"], unique=True,
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
    op.create_index("ux_handoffs_live_official", "handoffs", ["official_id"], unique=True,
                    sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))
    op.create_index("ix_handoffs_open_activity", "handoffs", ["status", "last_activity_at"],
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))


def downgrade() -> None:
    op.drop_index("ix_handoffs_open_activity", table_name="handoffs")
    op.drop_index("ux_handoffs_live_official", table_name="handoffs")
    op.drop_index("ux_handoffs_open_chat", table_name="handoffs")
    op.drop_table("handoffs")
