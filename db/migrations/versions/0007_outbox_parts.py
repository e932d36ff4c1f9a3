"""outbox: how many leading parts of a long message were delivered (a retry skips them)

Revision ID: 0007_outbox_parts
Revises: 0006_outbox_order
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_outbox_parts"
down_revision = "0006_outbox_order"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("parts_sent", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("parts_sent")
