"""one head again: the catalogue, dossier, channel and officials branches joined, so an operator's
``alembic upgrade head`` and ``alembic current`` name a single revision

Revision ID: 0010_one_head
Revises: 0002_catalogue_sync, 0006_dossier_verify_code, 0007_outbox_parts, 0008_zalo_refresh_claim,
    0009_effective_due
Create Date: 2026-11-22
"""

revision = "0010_one_head"
down_revision = ("0002_catalogue_sync", "0006_dossier_verify_code", "0007_outbox_parts",
                 "0008_zalo_refresh_claim", "0009_effective_due")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
