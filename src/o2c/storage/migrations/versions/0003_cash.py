"""cash: exception queue, deductions, and a covering index for aging

Payments the matcher cannot decide are queued with their ranked suggestions (``cash_exceptions``);
amounts payers keep back are claims to resolve (``cash_deductions``) while the invoice stays open.
``ix_invoices_aging`` covers what aging reads so it never visits the invoice rows.

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa
import o2c.storage.types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'cash_exceptions',
        sa.Column('exception_id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('payment_id', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('customer_id', sa.String(length=64), nullable=True),
        sa.Column('suggestions', sa.JSON(), nullable=False),
        sa.Column('created_at', o2c.storage.types.UTCDateTime(), nullable=False),
        sa.Column('resolved_at', o2c.storage.types.UTCDateTime(), nullable=True),
        sa.Column('resolved_by', sa.String(length=120), nullable=True),
        sa.Column('resolution', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['payment_id'], ['payments.payment_id'],
                                name=op.f('fk_cash_exceptions_payment_id_payments')),
        sa.PrimaryKeyConstraint('exception_id', name=op.f('pk_cash_exceptions')),
        sa.UniqueConstraint('payment_id', name=op.f('uq_cash_exceptions_payment_id')),
    )
    op.create_index('ix_cash_exceptions_status', 'cash_exceptions', ['status', 'exception_id'], unique=False)
    op.create_table(
        'cash_deductions',
        sa.Column('deduction_id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('payment_id', sa.String(length=64), nullable=False),
        sa.Column('invoice_number', sa.String(length=40), nullable=False),
        sa.Column('amount_minor', sa.BigInteger(), nullable=False),
        sa.Column('reason', sa.String(length=120), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('created_at', o2c.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['invoice_number'], ['invoices.invoice_number'],
                                name=op.f('fk_cash_deductions_invoice_number_invoices')),
        sa.ForeignKeyConstraint(['payment_id'], ['payments.payment_id'],
                                name=op.f('fk_cash_deductions_payment_id_payments')),
        sa.PrimaryKeyConstraint('deduction_id', name=op.f('pk_cash_deductions')),
    )
    op.create_index(op.f('ix_cash_deductions_payment_id'), 'cash_deductions', ['payment_id'], unique=False)
    op.create_index(op.f('ix_cash_deductions_invoice_number'), 'cash_deductions', ['invoice_number'], unique=False)
    op.create_index('ix_invoices_aging', 'invoices', ['customer_id', 'due_date', 'issue_date', 'open_minor'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_invoices_aging', table_name='invoices')
    op.drop_index(op.f('ix_cash_deductions_invoice_number'), table_name='cash_deductions')
    op.drop_index(op.f('ix_cash_deductions_payment_id'), table_name='cash_deductions')
    op.drop_table('cash_deductions')
    op.drop_index('ix_cash_exceptions_status', table_name='cash_exceptions')
    op.drop_table('cash_exceptions')
