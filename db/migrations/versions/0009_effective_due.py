"""dossiers: the running dossiers by agency and EFFECTIVE due time — the apology letter's new
appointment when one was set, else the original due time — for the reminder sweep, /tre_han and
/sap_den_han (``db.scoped_dossiers.EFFECTIVE_DUE``; the query must spell the same expression)

An expression index, declared here only (the dossiers model belongs to the dossier feature).

Revision ID: 0009_effective_due
Revises: 0005_officials
Create Date: 2026-11-24
"""

from alembic import op

revision = "0009_effective_due"
down_revision = "0005_officials"
branch_labels = None
depends_on = None

NAME = "ix_dossiers_running_agency_effective_due"


def upgrade() -> None:
    op.execute(f"CREATE INDEX {NAME} ON dossiers (agency_code, (coalesce(rescheduled_due_at, due_at))) "
               "WHERE status IN (2, 4)")


def downgrade() -> None:
    op.execute(f"DROP INDEX {NAME}")
