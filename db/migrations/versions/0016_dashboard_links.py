"""dashboard links: the one-time signed links to the officials' web view (``db.models.dashboard``)

Revision ID: 0016_dashboard_links
Revises: 0015_feedback
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_dashboard_links"
down_revision = "0015_feedback"
branch_labels = None
depends_on = None


def _moment(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "dashboard_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("official_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        _moment("created_at", nullable=False),
        _moment("expires_at", nullable=False),
        _moment("used_at"),
        sa.ForeignKeyConstraint(["official_id"], ["officials.id"], ondelete="CASCADE",
                                name=op.f("fk_dashboard_links_official_id_officials")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_dashboard_links_token_hash")),
    )
    op.create_index(op.f("ix_dashboard_links_official_id"), "dashboard_links", ["official_id"])
    op.create_index(op.f("ix_dashboard_links_expires_at"), "dashboard_links", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_dashboard_links_expires_at"), table_name="dashboard_links")
    op.drop_index(op.f("ix_dashboard_links_official_id"), table_name="dashboard_links")
    op.drop_table("dashboard_links")
