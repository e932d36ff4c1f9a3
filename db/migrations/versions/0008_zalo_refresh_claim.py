"""zalo_tokens: who is refreshing the pair, until when (SQLite replicas refresh one at a time
without holding a write transaction across the OAuth call)

Revision ID: 0008_zalo_refresh_claim
Revises: 0004_channels
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_zalo_refresh_claim"
down_revision = "0004_channels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("zalo_tokens") as batch:
        batch.add_column(sa.Column("refreshing_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("zalo_tokens") as batch:
        batch.drop_column("refreshing_until")
