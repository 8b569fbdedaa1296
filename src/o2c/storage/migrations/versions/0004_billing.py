"""billing: the tax rate and early-payment discount an invoice was issued with, credit memo and rebill
links, credit applications and the dispatch log

An invoice must keep the terms it was issued on even when the customer's master data changes later:
the discount a payer may take and the tax a credit memo gives back are those of the original invoice.

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa
import o2c.storage.types


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tax_rate', o2c.storage.types.ExactDecimal(), nullable=True))
        batch_op.add_column(sa.Column('discount_percent', o2c.storage.types.ExactDecimal(), nullable=True))
        batch_op.add_column(sa.Column('discount_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('discount_minor', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('linked_credit_memo', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('sent_at', o2c.storage.types.UTCDateTime(), nullable=True))
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('original_line_no', sa.Integer(), nullable=True))
    op.create_table('credit_applications',
    sa.Column('application_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('credit_memo', sa.String(length=40), nullable=False),
    sa.Column('invoice_number', sa.String(length=40), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('at', o2c.storage.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_credit_applications_positive_amount')),
    sa.ForeignKeyConstraint(['credit_memo'], ['invoices.invoice_number'],
                            name=op.f('fk_credit_applications_credit_memo_invoices')),
    sa.ForeignKeyConstraint(['invoice_number'], ['invoices.invoice_number'],
                            name=op.f('fk_credit_applications_invoice_number_invoices')),
    sa.PrimaryKeyConstraint('application_id', name=op.f('pk_credit_applications'))
    )
    with op.batch_alter_table('credit_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_applications_credit_memo'), ['credit_memo'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_applications_invoice_number'), ['invoice_number'], unique=False)
    op.create_table('invoice_dispatches',
    sa.Column('dispatch_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('invoice_number', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('recipient', sa.String(length=200), nullable=True),
    sa.Column('message_id', sa.String(length=200), nullable=True),
    sa.Column('at', o2c.storage.types.UTCDateTime(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['invoice_number'], ['invoices.invoice_number'],
                            name=op.f('fk_invoice_dispatches_invoice_number_invoices')),
    sa.PrimaryKeyConstraint('dispatch_id', name=op.f('pk_invoice_dispatches'))
    )
    with op.batch_alter_table('invoice_dispatches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_dispatches_invoice_number'), ['invoice_number'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('invoice_dispatches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_dispatches_invoice_number'))
    op.drop_table('invoice_dispatches')
    with op.batch_alter_table('credit_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_applications_invoice_number'))
        batch_op.drop_index(batch_op.f('ix_credit_applications_credit_memo'))
    op.drop_table('credit_applications')
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.drop_column('original_line_no')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        for column in ('sent_at', 'note', 'linked_credit_memo', 'discount_minor', 'discount_until',
                       'discount_percent', 'tax_rate'):
            batch_op.drop_column(column)
