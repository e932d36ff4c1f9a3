"""catalogue sync state: resumable fetches from a portal-API endpoint

Revision ID: 0002_catalogue_sync
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_catalogue_sync"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalogue_sync_runs",
        sa.Column("base_url", sa.String(512), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("base_url", name=op.f("pk_catalogue_sync_runs")),
    )
    op.create_table(
        "catalogue_sync_items",
        sa.Column("base_url", sa.String(512), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("etag", sa.String(256), nullable=True),
        sa.Column("remote_updated", sa.String(64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("base_url", "code", name=op.f("pk_catalogue_sync_items")),
    )


def downgrade() -> None:
    op.drop_table("catalogue_sync_items")
    op.drop_table("catalogue_sync_runs")
