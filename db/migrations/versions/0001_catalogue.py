"""catalogue and chat state

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "chat_state",
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("state", JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "chat_id", name=op.f("pk_chat_state")),
    )
    op.create_table(
        "procedures",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_folded", sa.Text(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_rank", sa.Integer(), nullable=False),
        sa.Column("detailed", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(24), nullable=True),
        sa.Column("field", sa.Text(), nullable=True),
        sa.Column("record", JSON, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("retrieved_at", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_procedures")),
    )
    op.create_index(op.f("ix_procedures_updated_at"), "procedures", ["updated_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_procedures_updated_at"), table_name="procedures")
    op.drop_table("procedures")
    op.drop_table("chat_state")
