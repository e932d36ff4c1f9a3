"""outbox: an index of the rows still open per chat (a chat's next row is claimed only once the
earlier ones are settled)

Revision ID: 0006_outbox_order
Revises: 0005_officials
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_outbox_order"
down_revision = "0005_officials"
branch_labels = None
depends_on = None

OPEN = "status IN ('planned', 'sending')"  # literal, like the claim's test, so both databases use the index


def upgrade() -> None:
    op.create_index("ix_outbox_open_chat", "outbox", ["channel", "chat_id", "id"],
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))


def downgrade() -> None:
    op.drop_index("ix_outbox_open_chat", table_name="outbox")
