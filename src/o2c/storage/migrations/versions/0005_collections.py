"""collections: dunning letters, promises to pay, disputes and deductions, credit holds

Collections keeps its own history (which level each invoice reached, which promise was broken, why
a customer went on hold) so that dunning never repeats a level, and holds and releases can be
explained and audited.

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa
import o2c.storage.types


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dunning_letters',
    sa.Column('letter_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('level', sa.String(length=40), nullable=False),
    sa.Column('letter_date', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('total_minor', sa.BigInteger(), nullable=False),
    sa.Column('fee_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', o2c.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.customer_id'],
                            name=op.f('fk_dunning_letters_customer_id_customers')),
    sa.PrimaryKeyConstraint('letter_id', name=op.f('pk_dunning_letters'))
    )
    op.create_index(op.f('ix_dunning_letters_customer_id'), 'dunning_letters', ['customer_id'], unique=False)
    op.create_table('dunning_items',
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('invoice_number', sa.String(length=40), nullable=False),
    sa.Column('level', sa.String(length=40), nullable=False),
    sa.Column('level_no', sa.Integer(), nullable=False),
    sa.Column('open_minor', sa.BigInteger(), nullable=False),
    sa.Column('days_past_due', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['letter_id'], ['dunning_letters.letter_id'],
                            name=op.f('fk_dunning_items_letter_id_dunning_letters')),
    sa.ForeignKeyConstraint(['invoice_number'], ['invoices.invoice_number'],
                            name=op.f('fk_dunning_items_invoice_number_invoices')),
    sa.PrimaryKeyConstraint('letter_id', 'invoice_number', name=op.f('pk_dunning_items')),
    sa.UniqueConstraint('invoice_number', 'level', name='uq_dunning_items_invoice_level')
    )
    op.create_table('promises',
    sa.Column('promise_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('promised_date', sa.Date(), nullable=False),
    sa.Column('contact', sa.String(length=200), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('made_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('paid_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('evaluated_on', sa.Date(), nullable=True),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', o2c.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_promises_positive_amount')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.customer_id'],
                            name=op.f('fk_promises_customer_id_customers')),
    sa.PrimaryKeyConstraint('promise_id', name=op.f('pk_promises'))
    )
    op.create_index(op.f('ix_promises_customer_id'), 'promises', ['customer_id'], unique=False)
    op.create_table('promise_invoices',
    sa.Column('promise_id', sa.Integer(), nullable=False),
    sa.Column('invoice_number', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['promise_id'], ['promises.promise_id'],
                            name=op.f('fk_promise_invoices_promise_id_promises')),
    sa.ForeignKeyConstraint(['invoice_number'], ['invoices.invoice_number'],
                            name=op.f('fk_promise_invoices_invoice_number_invoices')),
    sa.PrimaryKeyConstraint('promise_id', 'invoice_number', name=op.f('pk_promise_invoices'))
    )
    op.create_table('disputes',
    sa.Column('dispute_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('invoice_number', sa.String(length=40), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('reason_code', sa.String(length=30), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('owner', sa.String(length=120), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('cash_deduction_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.String(length=20), nullable=True),
    sa.Column('credit_memo_number', sa.String(length=40), nullable=True),
    sa.Column('written_off_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('resolved_on', sa.Date(), nullable=True),
    sa.Column('resolved_by', sa.String(length=120), nullable=True),
    sa.Column('created_at', o2c.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['invoice_number'], ['invoices.invoice_number'],
                            name=op.f('fk_disputes_invoice_number_invoices')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.customer_id'],
                            name=op.f('fk_disputes_customer_id_customers')),
    sa.PrimaryKeyConstraint('dispute_id', name=op.f('pk_disputes'))
    )
    op.create_index(op.f('ix_disputes_invoice_number'), 'disputes', ['invoice_number'], unique=False)
    op.create_index(op.f('ix_disputes_customer_id'), 'disputes', ['customer_id'], unique=False)
    op.create_index('ix_disputes_status', 'disputes', ['status', 'invoice_number'], unique=False)
    op.create_table('credit_holds',
    sa.Column('hold_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('set_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('ended_by', sa.String(length=120), nullable=True),
    sa.Column('created_at', o2c.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.customer_id'],
                            name=op.f('fk_credit_holds_customer_id_customers')),
    sa.PrimaryKeyConstraint('hold_id', name=op.f('pk_credit_holds'))
    )
    op.create_index(op.f('ix_credit_holds_customer_id'), 'credit_holds', ['customer_id'], unique=False)
    op.create_table('credit_release_requests',
    sa.Column('request_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_by', sa.String(length=120), nullable=False),
    sa.Column('requested_on', sa.Date(), nullable=False),
    sa.Column('approved_by', sa.String(length=120), nullable=True),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('override_until', sa.Date(), nullable=True),
    sa.Column('created_at', o2c.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.customer_id'],
                            name=op.f('fk_credit_release_requests_customer_id_customers')),
    sa.PrimaryKeyConstraint('request_id', name=op.f('pk_credit_release_requests'))
    )
    op.create_index(op.f('ix_credit_release_requests_customer_id'), 'credit_release_requests', ['customer_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_table('credit_release_requests')
    op.drop_table('credit_holds')
    op.drop_table('disputes')
    op.drop_table('promise_invoices')
    op.drop_table('promises')
    op.drop_table('dunning_items')
    op.drop_table('dunning_letters')
