"""failed second-factor answers by dossier code: the limit that holds across chats

Revision ID: 0006_dossier_verify_code
Revises: 0003_dossiers
Create Date: 2026-11-22
"""

from alembic import op

revision = "0006_dossier_verify_code"
down_revision = "0003_dossiers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_dossier_verify_failures_code_at", "dossier_verify_failures", ["code", "at"])


def downgrade() -> None:
    op.drop_index("ix_dossier_verify_failures_code_at", table_name="dossier_verify_failures")
