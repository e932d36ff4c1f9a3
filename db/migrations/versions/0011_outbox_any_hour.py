"""outbox: a row planned to go at any hour (``motcua reminders sweep --ignore-quiet-hours``): the
dispatcher does not hold it back for quiet hours, whatever its own settings

Revision ID: 0011_outbox_any_hour
Revises: 0010_one_head
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_outbox_any_hour"
down_revision = "0010_one_head"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("any_hour", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("any_hour")
