"""foundation schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 04:15:45.640287
"""
from alembic import op
import sqlalchemy as sa
import o2c.storage.types


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    op.create_table('audit_log',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('at', sa.String(length=40), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=120), nullable=False),
    sa.Column('document_ref', sa.String(length=200), nullable=True),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_entity', ['entity', 'entity_id'], unique=False)

    op.create_table('customers',
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), server_default='other', nullable=False),
    sa.Column('gpo_id', sa.String(length=64), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('payment_terms', sa.String(length=40), server_default='NET30', nullable=False),
    sa.Column('credit_limit', o2c.storage.types.ExactDecimal(length=40), nullable=True),
    sa.Column('currency', sa.String(length=3), server_default='USD', nullable=False),
    sa.Column('edi_id', sa.String(length=40), nullable=True),
    sa.Column('tax_rate', o2c.storage.types.ExactDecimal(length=40), server_default='0', nullable=False),
    sa.Column('on_hold', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_customers'))
    )
    op.create_table('documents',
    sa.Column('document_id', sa.String(length=64), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.Text(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('sender', sa.String(length=200), nullable=True),
    sa.Column('received_at', o2c.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('extraction', sa.JSON(), nullable=True),
    sa.Column('order_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', o2c.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('document_id', name=op.f('pk_documents'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_content_hash'), ['content_hash'], unique=False)

    op.create_table('invoice_series',
    sa.Column('series', sa.String(length=20), nullable=False),
    sa.Column('prefix', sa.String(length=20), nullable=False),
    sa.Column('next_number', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('series', name=op.f('pk_invoice_series'))
    )
    op.create_table('items',
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=True),
    sa.Column('uom', sa.String(length=10), server_default='EA', nullable=False),
    sa.Column('pack_size', sa.Integer(), server_default='1', nullable=False),
    sa.Column('list_price', o2c.storage.types.ExactDecimal(length=40), nullable=True),
    sa.Column('standard_cost', o2c.storage.types.ExactDecimal(length=40), nullable=True),
    sa.Column('lot_controlled', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('serial_controlled', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('shelf_life_days', sa.Integer(), nullable=True),
    sa.Column('tracked_device', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('is_kit', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('item_id', name=op.f('pk_items')),
    sa.UniqueConstraint('gtin', name=op.f('uq_items_gtin'))
    )
    op.create_table('journal_entries',
    sa.Column('entry_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('document_ref', sa.String(length=120), nullable=False),
    sa.Column('posted_at', o2c.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_journal_entries'))
    )
    op.create_table('learned_aliases',
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('alias', sa.String(length=200), nullable=False),
    sa.Column('target', sa.String(length=120), nullable=False),
    sa.Column('learned_at', o2c.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('learned_by', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'alias', name=op.f('pk_learned_aliases'))
    )
    op.create_table('load_runs',
    sa.Column('load_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('at', o2c.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('load_id', name=op.f('pk_load_runs'))
    )
    op.create_table('outbox',
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('event_type', sa.String(length=60), nullable=False),
    sa.Column('aggregate', sa.String(length=40), nullable=False),
    sa.Column('aggregate_id', sa.String(length=120), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', o2c.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', o2c.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_outbox'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_event_type'), ['event_type'], unique=False)
        batch_op.create_index('ix_outbox_unpublished', ['published_at', 'created_at'], unique=False)

    op.create_table('reps',
    sa.Column('rep_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('agency', sa.String(length=200), nullable=True),
    sa.Column('territory', sa.String(length=200), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=True),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('rep_id', name=op.f('pk_reps'))
    )
    op.create_table('contracts',
    sa.Column('contract_id', sa.String(length=64), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('unit_price', o2c.storage.types.ExactDecimal(length=40), nullable=False),
    sa.Column('gpo_id', sa.String(length=64), nullable=True),
    sa.Column('customer_id', sa.String(length=64), nullable=True),
    sa.Column('uom', sa.String(length=10), nullable=True),
    sa.Column('min_quantity', sa.Integer(), server_default='1', nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.customer_id'], name=op.f('fk_contracts_customer_id_customers')),
    sa.ForeignKeyConstraint(['item_id'], ['items.item_id'], name=op.f('fk_contracts_item_id_items')),
    sa.PrimaryKeyConstraint('contract_id', name=op.f('pk_contracts'))
    )
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contracts_item_id'), ['item_id'], unique=False)

    op.create_table('customer_items',
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('customer_item_ref', sa.String(length=80), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('learned', sa.Boolean(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.customer_id'], name=op.f('fk_customer_items_customer_id_customers')),
    sa.ForeignKeyConstraint(['item_id'], ['items.item_id'], name=op.f('fk_customer_items_item_id_items')),
    sa.PrimaryKeyConstraint('customer_id', 'customer_item_ref', name=op.f('pk_customer_items'))
    )
    op.create_table('intake_exceptions',
    sa.Column('exception_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('document_id', sa.String(length=64), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('field', sa.String(length=80), nullable=True),
    sa.Column('line_no', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', o2c.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', o2c.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.String(length=120), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.document_id'], name=op.f('fk_intake_exceptions_document_id_documents')),
    sa.PrimaryKeyConstraint('exception_id', name=op.f('pk_intake_exceptions'))
    )
    with op.batch_alter_table('intake_exceptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_exceptions_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_intake_exceptions_document_id'), ['document_id'], unique=False)

    op.create_table('invoices',
    sa.Column('invoice_number', sa.String(length=40), nullable=False),
    sa.Column('series', sa.String(length=20), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('order_id', sa.String(length=64), nullable=True),
    sa.Column('shipment_id', sa.String(length=64), nullable=True),
    sa.Column('po_number', sa.String(length=80), nullable=True),
    sa.Column('issue_date', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('payment_terms', sa.String(length=40), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('subtotal_minor', sa.BigInteger(), nullable=False),
    sa.Column('freight_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('tax_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('total_minor', sa.BigInteger(), nullable=False),
    sa.Column('open_minor', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('original_invoice', sa.String(length=40), nullable=True),
    sa.Column('reason_code', sa.String(length=40), nullable=True),
    sa.Column('created_at', o2c.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.customer_id'], name=op.f('fk_invoices_customer_id_customers')),
    sa.PrimaryKeyConstraint('invoice_number', name=op.f('pk_invoices'))
    )
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoices_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_invoices_open', ['status', 'due_date'], unique=False)

    op.create_table('journal_lines',
    sa.Column('line_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=60), nullable=False),
    sa.Column('debit_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('credit_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.entry_id'], name=op.f('fk_journal_lines_entry_id_journal_entries')),
    sa.PrimaryKeyConstraint('line_id', name=op.f('pk_journal_lines'))
    )
    with op.batch_alter_table('journal_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journal_lines_account'), ['account'], unique=False)
        batch_op.create_index(batch_op.f('ix_journal_lines_entry_id'), ['entry_id'], unique=False)

    op.create_table('kit_components',
    sa.Column('kit_id', sa.String(length=64), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.item_id'], name=op.f('fk_kit_components_item_id_items')),
    sa.ForeignKeyConstraint(['kit_id'], ['items.item_id'], name=op.f('fk_kit_components_kit_id_items')),
    sa.PrimaryKeyConstraint('kit_id', 'item_id', name=op.f('pk_kit_components'))
    )
    op.create_table('payments',
    sa.Column('payment_id', sa.String(length=64), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('format', sa.String(length=20), nullable=True),
    sa.Column('bank_ref', sa.String(length=120), nullable=True),
    sa.Column('customer_id', sa.String(length=64), nullable=True),
    sa.Column('payer_name', sa.String(length=200), nullable=True),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('value_date', sa.Date(), nullable=False),
    sa.Column('unapplied_minor', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_at', o2c.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.customer_id'], name=op.f('fk_payments_customer_id_customers')),
    sa.PrimaryKeyConstraint('payment_id', name=op.f('pk_payments')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_payments_idempotency_key'))
    )
    op.create_table('sites',
    sa.Column('site_id', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address1', sa.String(length=200), nullable=True),
    sa.Column('address2', sa.String(length=200), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=True),
    sa.Column('state', sa.String(length=40), nullable=True),
    sa.Column('postal_code', sa.String(length=20), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=True),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.customer_id'], name=op.f('fk_sites_customer_id_customers')),
    sa.PrimaryKeyConstraint('site_id', name=op.f('pk_sites'))
    )
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sites_customer_id'), ['customer_id'], unique=False)

    op.create_table('stock_balances',
    sa.Column('balance_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('location_id', sa.String(length=64), nullable=False),
    sa.Column('lot', sa.String(length=60), server_default='', nullable=False),
    sa.Column('serial', sa.String(length=60), server_default='', nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('expiry', sa.Date(), nullable=True),
    sa.Column('quantity', sa.Integer(), server_default='0', nullable=False),
    sa.Column('allocated', sa.Integer(), server_default='0', nullable=False),
    sa.CheckConstraint('allocated >= 0 AND allocated <= quantity', name=op.f('ck_stock_balances_allocated_within_on_hand')),
    sa.CheckConstraint('quantity >= 0', name=op.f('ck_stock_balances_not_negative')),
    sa.ForeignKeyConstraint(['item_id'], ['items.item_id'], name=op.f('fk_stock_balances_item_id_items')),
    sa.PrimaryKeyConstraint('balance_id', name=op.f('pk_stock_balances')),
    sa.UniqueConstraint('item_id', 'location_id', 'lot', 'serial', 'owner', name='uq_stock_balances_key')
    )
    with op.batch_alter_table('stock_balances', schema=None) as batch_op:
        batch_op.create_index('ix_stock_balances_item_location', ['item_id', 'location_id'], unique=False)

    op.create_table('stock_moves',
    sa.Column('move_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', o2c.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('from_location', sa.String(length=64), nullable=False),
    sa.Column('to_location', sa.String(length=64), nullable=False),
    sa.Column('lot', sa.String(length=60), nullable=True),
    sa.Column('serial', sa.String(length=60), nullable=True),
    sa.Column('expiry', sa.Date(), nullable=True),
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.String(length=64), nullable=True),
    sa.Column('shipment_id', sa.String(length=64), nullable=True),
    sa.Column('document_ref', sa.String(length=120), nullable=True),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_stock_moves_positive_quantity')),
    sa.ForeignKeyConstraint(['item_id'], ['items.item_id'], name=op.f('fk_stock_moves_item_id_items')),
    sa.PrimaryKeyConstraint('move_id', name=op.f('pk_stock_moves'))
    )
    with op.batch_alter_table('stock_moves', schema=None) as batch_op:
        batch_op.create_index('ix_stock_moves_lot', ['lot'], unique=False)
        batch_op.create_index('ix_stock_moves_serial', ['serial'], unique=False)

    op.create_table('allocations',
    sa.Column('allocation_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('order_id', sa.String(length=64), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('balance_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('shipped', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['balance_id'], ['stock_balances.balance_id'], name=op.f('fk_allocations_balance_id_stock_balances')),
    sa.PrimaryKeyConstraint('allocation_id', name=op.f('pk_allocations'))
    )
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocations_order_id'), ['order_id'], unique=False)

    op.create_table('invoice_lines',
    sa.Column('invoice_number', sa.String(length=40), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('order_line_no', sa.Integer(), nullable=True),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('uom', sa.String(length=10), nullable=False),
    sa.Column('unit_price', o2c.storage.types.ExactDecimal(length=40), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('lot', sa.String(length=60), nullable=True),
    sa.Column('serial', sa.String(length=60), nullable=True),
    sa.Column('expiry', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['invoice_number'], ['invoices.invoice_number'], name=op.f('fk_invoice_lines_invoice_number_invoices')),
    sa.PrimaryKeyConstraint('invoice_number', 'line_no', name=op.f('pk_invoice_lines'))
    )
    op.create_table('locations',
    sa.Column('location_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=True),
    sa.Column('site_id', sa.String(length=64), nullable=True),
    sa.Column('rep_id', sa.String(length=64), nullable=True),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.customer_id'], name=op.f('fk_locations_customer_id_customers')),
    sa.ForeignKeyConstraint(['rep_id'], ['reps.rep_id'], name=op.f('fk_locations_rep_id_reps')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.site_id'], name=op.f('fk_locations_site_id_sites')),
    sa.PrimaryKeyConstraint('location_id', name=op.f('pk_locations'))
    )
    op.create_table('orders',
    sa.Column('order_id', sa.String(length=64), nullable=False),
    sa.Column('order_type', sa.String(length=30), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('site_id', sa.String(length=64), nullable=True),
    sa.Column('po_number', sa.String(length=80), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('order_date', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('source_document_id', sa.String(length=64), nullable=True),
    sa.Column('ship_from', sa.String(length=64), nullable=True),
    sa.Column('freight_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('procedure', sa.JSON(), nullable=True),
    sa.Column('created_at', o2c.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.customer_id'], name=op.f('fk_orders_customer_id_customers')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.site_id'], name=op.f('fk_orders_site_id_sites')),
    sa.PrimaryKeyConstraint('order_id', name=op.f('pk_orders'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_orders_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_orders_po_number'), ['po_number'], unique=False)

    op.create_table('payment_applications',
    sa.Column('application_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('payment_id', sa.String(length=64), nullable=False),
    sa.Column('invoice_number', sa.String(length=40), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('discount_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('deduction_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('reason_code', sa.String(length=60), nullable=True),
    sa.Column('applied_by', sa.String(length=80), nullable=False),
    sa.Column('at', o2c.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['invoice_number'], ['invoices.invoice_number'], name=op.f('fk_payment_applications_invoice_number_invoices')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.payment_id'], name=op.f('fk_payment_applications_payment_id_payments')),
    sa.PrimaryKeyConstraint('application_id', name=op.f('pk_payment_applications'))
    )
    with op.batch_alter_table('payment_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_applications_invoice_number'), ['invoice_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_applications_payment_id'), ['payment_id'], unique=False)

    op.create_table('physicians',
    sa.Column('physician_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('npi', sa.String(length=10), nullable=True),
    sa.Column('site_id', sa.String(length=64), nullable=True),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.site_id'], name=op.f('fk_physicians_site_id_sites')),
    sa.PrimaryKeyConstraint('physician_id', name=op.f('pk_physicians'))
    )
    op.create_table('order_lines',
    sa.Column('order_id', sa.String(length=64), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('uom', sa.String(length=10), nullable=False),
    sa.Column('unit_price', o2c.storage.types.ExactDecimal(length=40), nullable=False),
    sa.Column('price_source', sa.String(length=30), nullable=False),
    sa.Column('contract_id', sa.String(length=64), nullable=True),
    sa.Column('lot', sa.String(length=60), nullable=True),
    sa.Column('serial', sa.String(length=60), nullable=True),
    sa.Column('qty_allocated', sa.Integer(), server_default='0', nullable=False),
    sa.Column('qty_shipped', sa.Integer(), server_default='0', nullable=False),
    sa.Column('qty_invoiced', sa.Integer(), server_default='0', nullable=False),
    sa.Column('qty_cancelled', sa.Integer(), server_default='0', nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_order_lines_positive_quantity')),
    sa.ForeignKeyConstraint(['item_id'], ['items.item_id'], name=op.f('fk_order_lines_item_id_items')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.order_id'], name=op.f('fk_order_lines_order_id_orders')),
    sa.PrimaryKeyConstraint('order_id', 'line_no', name=op.f('pk_order_lines'))
    )
    op.create_table('par_levels',
    sa.Column('location_id', sa.String(length=64), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('par', sa.Integer(), nullable=False),
    sa.Column('max', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['items.item_id'], name=op.f('fk_par_levels_item_id_items')),
    sa.ForeignKeyConstraint(['location_id'], ['locations.location_id'], name=op.f('fk_par_levels_location_id_locations')),
    sa.PrimaryKeyConstraint('location_id', 'item_id', name=op.f('pk_par_levels'))
    )
    op.create_table('shipments',
    sa.Column('shipment_id', sa.String(length=64), nullable=False),
    sa.Column('order_id', sa.String(length=64), nullable=False),
    sa.Column('shipped_at', o2c.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', o2c.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('carrier', sa.String(length=60), nullable=True),
    sa.Column('tracking', sa.String(length=80), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.order_id'], name=op.f('fk_shipments_order_id_orders')),
    sa.PrimaryKeyConstraint('shipment_id', name=op.f('pk_shipments'))
    )
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shipments_order_id'), ['order_id'], unique=False)

    op.create_table('shipment_lines',
    sa.Column('shipment_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('lot', sa.String(length=60), nullable=True),
    sa.Column('serial', sa.String(length=60), nullable=True),
    sa.Column('expiry', sa.Date(), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('cost_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipments.shipment_id'], name=op.f('fk_shipment_lines_shipment_id_shipments')),
    sa.PrimaryKeyConstraint('shipment_id', 'seq', name=op.f('pk_shipment_lines'))
    )


def downgrade() -> None:
    op.drop_table('shipment_lines')
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shipments_order_id'))

    op.drop_table('shipments')
    op.drop_table('par_levels')
    op.drop_table('order_lines')
    op.drop_table('physicians')
    with op.batch_alter_table('payment_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_applications_payment_id'))
        batch_op.drop_index(batch_op.f('ix_payment_applications_invoice_number'))

    op.drop_table('payment_applications')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_po_number'))
        batch_op.drop_index(batch_op.f('ix_orders_customer_id'))

    op.drop_table('orders')
    op.drop_table('locations')
    op.drop_table('invoice_lines')
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocations_order_id'))

    op.drop_table('allocations')
    with op.batch_alter_table('stock_moves', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_moves_serial')
        batch_op.drop_index('ix_stock_moves_lot')

    op.drop_table('stock_moves')
    with op.batch_alter_table('stock_balances', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_balances_item_location')

    op.drop_table('stock_balances')
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sites_customer_id'))

    op.drop_table('sites')
    op.drop_table('payments')
    op.drop_table('kit_components')
    with op.batch_alter_table('journal_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journal_lines_entry_id'))
        batch_op.drop_index(batch_op.f('ix_journal_lines_account'))

    op.drop_table('journal_lines')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index('ix_invoices_open')
        batch_op.drop_index(batch_op.f('ix_invoices_customer_id'))

    op.drop_table('invoices')
    with op.batch_alter_table('intake_exceptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_exceptions_document_id'))
        batch_op.drop_index(batch_op.f('ix_intake_exceptions_code'))

    op.drop_table('intake_exceptions')
    op.drop_table('customer_items')
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contracts_item_id'))

    op.drop_table('contracts')
    op.drop_table('reps')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_unpublished')
        batch_op.drop_index(batch_op.f('ix_outbox_event_type'))

    op.drop_table('outbox')
    op.drop_table('load_runs')
    op.drop_table('learned_aliases')
    op.drop_table('journal_entries')
    op.drop_table('items')
    op.drop_table('invoice_series')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_content_hash'))

    op.drop_table('documents')
    op.drop_table('customers')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_entity')

    op.drop_table('audit_log')
    op.drop_table('audit_head')
