"""dossier_verify_failures: the client network (IPv4 /24, IPv6 /64) of each wrong second-factor
answer, so that guessing is bounded per client across sessions and channels.

Revision ID: 0014_verify_client
Revises: 0013_inbox
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_verify_client"
down_revision = "0013_inbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dossier_verify_failures") as batch:
        batch.add_column(sa.Column("client", sa.String(64), nullable=True))
    op.create_index("ix_dossier_verify_failures_client_at", "dossier_verify_failures", ["client", "at"])


def downgrade() -> None:
    op.drop_index("ix_dossier_verify_failures_client_at", table_name="dossier_verify_failures")
    with op.batch_alter_table("dossier_verify_failures") as batch:
        batch.drop_column("client")
