"""intake: what each document asks for (customer, PO, order type, procedure date, lines key)

Duplicate detection ("same PO from this customer", "the same order by EDI and by e-mail") must be an
index lookup, not a scan of every stored extraction; these columns hold the keys it needs.

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document_type', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('order_type', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('customer_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('po_number', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('procedure_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('lines_key', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_documents_customer_po', ['customer_id', 'po_number'], unique=False)
        batch_op.create_index('ix_documents_customer_lines', ['customer_id', 'lines_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_customer_lines')
        batch_op.drop_index('ix_documents_customer_po')
        for column in ('lines_key', 'procedure_date', 'po_number', 'customer_id', 'order_type', 'document_type'):
            batch_op.drop_column(column)
