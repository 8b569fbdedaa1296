"""Index invoices by issue date: aging asks whether anything was issued after its as-of date.

Revision ID: 0007
Revises: 0006
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_invoices_issue_date", "invoices", ["issue_date"])


def downgrade() -> None:
    op.drop_index("ix_invoices_issue_date", table_name="invoices")
