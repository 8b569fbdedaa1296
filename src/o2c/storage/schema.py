"""The database schema (SQLAlchemy Core), one section per business capability.

Conventions that keep money and stock exact on SQLite and PostgreSQL alike:
- ``*_minor`` columns are integer minor units (cents) of settled amounts;
- ``ExactDecimal`` columns hold unit prices and rates (text on SQLite, NUMERIC on PostgreSQL);
- stock quantities are integers in the item's stocking unit of measure;
- timestamps are UTC (``UTCDateTime``), business dates are ``Date``.
Alembic migrations in ``o2c/storage/migrations`` create and evolve these tables; this module is
their source of truth for autogeneration.
"""
from __future__ import annotations

from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, Column, Date, ForeignKey, Index, Integer,
                        LargeBinary, MetaData, String, Table, Text, UniqueConstraint)

from o2c.storage.types import ExactDecimal, PatientJSON, SealedBlob, UTCDateTime

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

ID = String(64)

# --- master data -------------------------------------------------------------------------------
customers = Table(
    "customers", metadata,
    Column("customer_id", ID, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False, server_default="other"),
    Column("gpo_id", ID),
    Column("email", String(200)),
    Column("phone", String(40)),
    Column("payment_terms", String(40), nullable=False, server_default="NET30"),
    Column("credit_limit", ExactDecimal()),
    Column("currency", String(3), nullable=False, server_default="USD"),
    Column("edi_id", String(40)),
    Column("tax_rate", ExactDecimal(), nullable=False, server_default="0"),
    Column("on_hold", Boolean, nullable=False, server_default="0"),
    Column("attributes", JSON, nullable=False, default=dict),
)

sites = Table(
    "sites", metadata,
    Column("site_id", ID, primary_key=True),
    Column("customer_id", ID, ForeignKey("customers.customer_id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("address1", String(200)), Column("address2", String(200)), Column("city", String(100)),
    Column("state", String(40)), Column("postal_code", String(20)), Column("country", String(2)),
    Column("kind", String(20)),
    Column("attributes", JSON, nullable=False, default=dict),
)

items = Table(
    "items", metadata,
    Column("item_id", ID, primary_key=True),
    Column("description", String(300), nullable=False),
    Column("gtin", String(14), unique=True),
    Column("uom", String(10), nullable=False, server_default="EA"),
    Column("pack_size", Integer, nullable=False, server_default="1"),
    Column("list_price", ExactDecimal()),
    Column("standard_cost", ExactDecimal()),
    Column("lot_controlled", Boolean, nullable=False, server_default="0"),
    Column("serial_controlled", Boolean, nullable=False, server_default="0"),
    Column("shelf_life_days", Integer),
    Column("tracked_device", Boolean, nullable=False, server_default="0"),
    Column("is_kit", Boolean, nullable=False, server_default="0"),
    Column("attributes", JSON, nullable=False, default=dict),
)

kit_components = Table(
    "kit_components", metadata,
    Column("kit_id", ID, ForeignKey("items.item_id"), primary_key=True),
    Column("item_id", ID, ForeignKey("items.item_id"), primary_key=True),
    Column("quantity", Integer, nullable=False),
)

customer_items = Table(
    "customer_items", metadata,
    Column("customer_id", ID, ForeignKey("customers.customer_id"), primary_key=True),
    Column("customer_item_ref", String(80), primary_key=True),
    Column("item_id", ID, ForeignKey("items.item_id"), nullable=False),
    Column("learned", Boolean, nullable=False, server_default="0"),
)

contracts = Table(
    "contracts", metadata,
    Column("contract_id", ID, primary_key=True),
    Column("item_id", ID, ForeignKey("items.item_id"), nullable=False, index=True),
    Column("unit_price", ExactDecimal(), nullable=False),
    Column("gpo_id", ID),
    Column("customer_id", ID, ForeignKey("customers.customer_id")),
    Column("uom", String(10)),
    Column("min_quantity", Integer, nullable=False, server_default="1"),
    Column("start_date", Date),
    Column("end_date", Date),
    Column("attributes", JSON, nullable=False, default=dict),
)

reps = Table(
    "reps", metadata,
    Column("rep_id", ID, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("phone", String(40)), Column("email", String(200)), Column("agency", String(200)),
    Column("territory", String(200)), Column("kind", String(20)),
    Column("attributes", JSON, nullable=False, default=dict),
)

locations = Table(
    "locations", metadata,
    Column("location_id", ID, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("customer_id", ID, ForeignKey("customers.customer_id")),
    Column("site_id", ID, ForeignKey("sites.site_id")),
    Column("rep_id", ID, ForeignKey("reps.rep_id")),
    Column("attributes", JSON, nullable=False, default=dict),
)

par_levels = Table(
    "par_levels", metadata,
    Column("location_id", ID, ForeignKey("locations.location_id"), primary_key=True),
    Column("item_id", ID, ForeignKey("items.item_id"), primary_key=True),
    Column("par", Integer, nullable=False),
    Column("max", Integer),
)

physicians = Table(
    "physicians", metadata,
    Column("physician_id", ID, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("npi", String(10)),
    Column("site_id", ID, ForeignKey("sites.site_id")),
    Column("attributes", JSON, nullable=False, default=dict),
)

# Which master-data rows a load put in place, so that loading the same folder again is a no-op and
# a load can tell what it changed.
load_runs = Table(
    "load_runs", metadata,
    Column("load_id", Integer, primary_key=True, autoincrement=True),
    Column("source", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("summary", JSON, nullable=False),
)

# --- inventory ---------------------------------------------------------------------------------
stock_moves = Table(
    "stock_moves", metadata,
    Column("move_id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", String(30), nullable=False),   # opening, receipt, ship, transfer, consume, adjust, return
    Column("item_id", ID, ForeignKey("items.item_id"), nullable=False),
    Column("from_location", ID, nullable=False),
    Column("to_location", ID, nullable=False),
    Column("lot", String(60)), Column("serial", String(60)), Column("expiry", Date),
    Column("owner", ID, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("order_id", ID), Column("shipment_id", ID),
    Column("document_ref", String(120)),
    CheckConstraint("quantity > 0", name="positive_quantity"),
    Index("ix_stock_moves_lot", "lot"),
    Index("ix_stock_moves_serial", "serial"),
)

# On-hand per (item, location, lot, serial, owner): a projection of stock_moves kept in the same
# transaction. The CHECK constraints are the last line of defence: stock never goes negative and
# never more is allocated than is there, even if two processes race.
stock_balances = Table(
    "stock_balances", metadata,
    Column("balance_id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", ID, ForeignKey("items.item_id"), nullable=False),
    Column("location_id", ID, nullable=False),
    Column("lot", String(60), nullable=False, server_default=""),
    Column("serial", String(60), nullable=False, server_default=""),
    Column("owner", ID, nullable=False),
    Column("expiry", Date),
    Column("quantity", Integer, nullable=False, server_default="0"),
    Column("allocated", Integer, nullable=False, server_default="0"),
    UniqueConstraint("item_id", "location_id", "lot", "serial", "owner", name="uq_stock_balances_key"),
    CheckConstraint("quantity >= 0", name="not_negative"),
    CheckConstraint("allocated >= 0 AND allocated <= quantity", name="allocated_within_on_hand"),
    Index("ix_stock_balances_item_location", "item_id", "location_id"),
)

# --- orders and fulfilment ---------------------------------------------------------------------
orders = Table(
    "orders", metadata,
    Column("order_id", ID, primary_key=True),
    Column("order_type", String(30), nullable=False),   # stock | consignment_replenishment | bill_only
    Column("customer_id", ID, ForeignKey("customers.customer_id"), nullable=False, index=True),
    Column("site_id", ID, ForeignKey("sites.site_id")),
    Column("po_number", String(80), index=True),
    Column("status", String(20), nullable=False),
    Column("order_date", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("source_document_id", ID),
    Column("ship_from", ID),
    Column("freight_minor", BigInteger, nullable=False, server_default="0"),
    Column("procedure", PatientJSON()),
    Column("created_at", UTCDateTime, nullable=False),
)

order_lines = Table(
    "order_lines", metadata,
    Column("order_id", ID, ForeignKey("orders.order_id"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("item_id", ID, ForeignKey("items.item_id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("uom", String(10), nullable=False),
    Column("unit_price", ExactDecimal(), nullable=False),
    Column("price_source", String(30), nullable=False),
    Column("contract_id", ID),
    Column("lot", String(60)), Column("serial", String(60)),
    Column("qty_allocated", Integer, nullable=False, server_default="0"),
    Column("qty_shipped", Integer, nullable=False, server_default="0"),
    Column("qty_invoiced", Integer, nullable=False, server_default="0"),
    Column("qty_cancelled", Integer, nullable=False, server_default="0"),
    CheckConstraint("quantity > 0", name="positive_quantity"),
)

allocations = Table(
    "allocations", metadata,
    Column("allocation_id", Integer, primary_key=True, autoincrement=True),
    Column("order_id", ID, nullable=False, index=True),
    Column("line_no", Integer, nullable=False),
    Column("balance_id", Integer, ForeignKey("stock_balances.balance_id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("shipped", Integer, nullable=False, server_default="0"),
)

shipments = Table(
    "shipments", metadata,
    Column("shipment_id", ID, primary_key=True),
    Column("order_id", ID, ForeignKey("orders.order_id"), nullable=False, index=True),
    Column("shipped_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime),
    Column("carrier", String(60)), Column("tracking", String(80)),
    Column("status", String(20), nullable=False),
)

shipment_lines = Table(
    "shipment_lines", metadata,
    Column("shipment_id", ID, ForeignKey("shipments.shipment_id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("line_no", Integer, nullable=False),
    Column("item_id", ID, nullable=False),
    Column("lot", String(60)), Column("serial", String(60)), Column("expiry", Date),
    Column("quantity", Integer, nullable=False),
    Column("cost_minor", BigInteger, nullable=False, server_default="0"),
)

# --- billing -----------------------------------------------------------------------------------
invoice_series = Table(
    "invoice_series", metadata,
    Column("series", String(20), primary_key=True),
    Column("prefix", String(20), nullable=False),
    Column("next_number", BigInteger, nullable=False),
)

invoices = Table(
    "invoices", metadata,
    Column("invoice_number", String(40), primary_key=True),
    Column("series", String(20)),
    Column("kind", String(20), nullable=False),          # invoice | credit_memo | opening
    Column("customer_id", ID, ForeignKey("customers.customer_id"), nullable=False, index=True),
    Column("order_id", ID), Column("shipment_id", ID),
    Column("po_number", String(80)),
    Column("issue_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("payment_terms", String(40)),
    Column("currency", String(3), nullable=False),
    Column("subtotal_minor", BigInteger, nullable=False),
    Column("freight_minor", BigInteger, nullable=False, server_default="0"),
    Column("tax_minor", BigInteger, nullable=False, server_default="0"),
    Column("total_minor", BigInteger, nullable=False),
    Column("open_minor", BigInteger, nullable=False),
    Column("status", String(20), nullable=False),        # open | paid | void | credited
    Column("original_invoice", String(40)),
    Column("reason_code", String(40)),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_invoices_open", "status", "due_date"),
    Index("ix_invoices_issue_date", "issue_date"),
)

invoice_lines = Table(
    "invoice_lines", metadata,
    Column("invoice_number", String(40), ForeignKey("invoices.invoice_number"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("order_line_no", Integer),
    Column("item_id", ID, nullable=False),
    Column("description", String(300), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("uom", String(10), nullable=False),
    Column("unit_price", ExactDecimal(), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("lot", String(60)), Column("serial", String(60)), Column("expiry", Date),
)

# --- cash --------------------------------------------------------------------------------------
payments = Table(
    "payments", metadata,
    Column("payment_id", ID, primary_key=True),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("source", Text),
    Column("format", String(20)),
    Column("bank_ref", String(120)),
    Column("customer_id", ID, ForeignKey("customers.customer_id")),
    Column("payer_name", String(200)),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("value_date", Date, nullable=False),
    Column("unapplied_minor", BigInteger, nullable=False),
    Column("status", String(20), nullable=False),    # applied | partial | unapplied | exception
    Column("details", JSON, nullable=False, default=dict),
    Column("created_at", UTCDateTime, nullable=False),
)

payment_applications = Table(
    "payment_applications", metadata,
    Column("application_id", Integer, primary_key=True, autoincrement=True),
    Column("payment_id", ID, ForeignKey("payments.payment_id"), nullable=False, index=True),
    Column("invoice_number", String(40), ForeignKey("invoices.invoice_number"), nullable=False, index=True),
    Column("amount_minor", BigInteger, nullable=False),
    Column("discount_minor", BigInteger, nullable=False, server_default="0"),
    Column("deduction_minor", BigInteger, nullable=False, server_default="0"),
    Column("reason_code", String(60)),
    Column("applied_by", String(80), nullable=False),
    Column("at", UTCDateTime, nullable=False),
)

# --- ledger ------------------------------------------------------------------------------------
journal_entries = Table(
    "journal_entries", metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("event", String(40), nullable=False),
    Column("document_ref", String(120), nullable=False),
    Column("posted_at", UTCDateTime, nullable=False),
    Column("business_date", Date, nullable=False),
)

journal_lines = Table(
    "journal_lines", metadata,
    Column("line_id", Integer, primary_key=True, autoincrement=True),
    Column("entry_id", Integer, ForeignKey("journal_entries.entry_id"), nullable=False, index=True),
    Column("account", String(60), nullable=False, index=True),
    Column("debit_minor", BigInteger, nullable=False, server_default="0"),
    Column("credit_minor", BigInteger, nullable=False, server_default="0"),
    Column("customer_id", ID),
)

# --- audit and outbox --------------------------------------------------------------------------
audit_log = Table(
    "audit_log", metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", String(40), nullable=False),      # ISO text, hashed exactly as stored
    Column("actor", String(120), nullable=False),
    Column("action", String(60), nullable=False),
    Column("entity", String(40), nullable=False),
    Column("entity_id", String(120), nullable=False),
    Column("document_ref", String(200)),
    Column("payload", Text, nullable=False),        # canonical JSON text
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_log_entity", "entity", "entity_id"),
)

# One row: the head of the audit chain, updated with every append. Deleting the newest audit rows is
# detected because the head no longer matches the last row.
audit_head = Table(
    "audit_head", metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

outbox = Table(
    "outbox", metadata,
    Column("event_id", String(36), primary_key=True),
    Column("event_type", String(60), nullable=False, index=True),
    Column("aggregate", String(40), nullable=False),
    Column("aggregate_id", String(120), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Index("ix_outbox_unpublished", "published_at", "created_at"),
)

# --- intake ------------------------------------------------------------------------------------
documents = Table(
    "documents", metadata,
    Column("document_id", ID, primary_key=True),
    Column("content_hash", String(64), nullable=False, index=True),
    Column("filename", Text, nullable=False),
    Column("channel", String(20), nullable=False),
    Column("sender", String(200)),
    Column("received_at", UTCDateTime, nullable=False),
    Column("size", Integer, nullable=False),
    Column("content", SealedBlob(), nullable=False),
    Column("status", String(20), nullable=False),   # created | exception | duplicate | rejected | resolved
    Column("extraction", PatientJSON()),
    Column("order_id", ID),
    Column("created_at", UTCDateTime, nullable=False),
    # What the document asks for, kept beside the JSON so duplicate checks are index lookups (0002).
    Column("document_type", String(30)),
    Column("order_type", String(30)),
    Column("customer_id", ID),
    Column("po_number", String(80)),
    Column("procedure_date", Date),
    Column("lines_key", String(64)),          # hash of the per-item quantities: same order, any channel
    Index("ix_documents_customer_po", "customer_id", "po_number"),
    Index("ix_documents_customer_lines", "customer_id", "lines_key"),
)

intake_exceptions = Table(
    "intake_exceptions", metadata,
    Column("exception_id", Integer, primary_key=True, autoincrement=True),
    Column("document_id", ID, ForeignKey("documents.document_id"), nullable=False, index=True),
    Column("code", String(40), nullable=False, index=True),
    Column("message", Text, nullable=False),
    Column("field", String(80)),
    Column("line_no", Integer),
    Column("status", String(20), nullable=False),   # open | resolved | rejected
    Column("created_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime),
    Column("resolved_by", String(120)),
)

learned_aliases = Table(
    "learned_aliases", metadata,
    Column("kind", String(30), primary_key=True),     # sender_customer, payer_customer, account_customer ...
    Column("alias", String(200), primary_key=True),
    Column("target", String(120), nullable=False),
    Column("learned_at", UTCDateTime, nullable=False),
    Column("learned_by", String(120), nullable=False),
)

# --- cash (0003) -------------------------------------------------------------------------------
# Payments the matcher could not decide wait here for a person, with the ranked suggestions it had;
# confirming one applies the payment and teaches the matcher the payer (``learned_aliases``).
cash_exceptions = Table(
    "cash_exceptions", metadata,
    Column("exception_id", Integer, primary_key=True, autoincrement=True),
    Column("payment_id", ID, ForeignKey("payments.payment_id"), nullable=False, unique=True),
    Column("status", String(20), nullable=False),    # open | confirmed | rejected
    Column("reason", Text, nullable=False),
    Column("customer_id", ID),                        # the matcher's best guess, when it had one
    Column("suggestions", JSON, nullable=False),      # [{"confidence", "strategy", "explanation", "applications"}]
    Column("created_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime),
    Column("resolved_by", String(120)),
    Column("resolution", JSON),
    Index("ix_cash_exceptions_status", "status", "exception_id"),
)

# What a payer kept back on an invoice and why (pricing dispute, returned goods...). The invoice stays
# open for that amount; the claim is here so collections can accept, dispute or write it off.
cash_deductions = Table(
    "cash_deductions", metadata,
    Column("deduction_id", Integer, primary_key=True, autoincrement=True),
    Column("payment_id", ID, ForeignKey("payments.payment_id"), nullable=False, index=True),
    Column("invoice_number", String(40), ForeignKey("invoices.invoice_number"), nullable=False, index=True),
    Column("amount_minor", BigInteger, nullable=False),
    Column("reason", String(120)),
    Column("status", String(20), nullable=False),    # open | accepted | disputed | written_off
    Column("created_at", UTCDateTime, nullable=False),
)

# Aging reads customer, dates and open amount of every open invoice: with them all in one index it
# never touches the table, which keeps it as fast as a bare per-customer sum over a million items.
Index("ix_invoices_aging", invoices.c.customer_id, invoices.c.due_date, invoices.c.issue_date,
      invoices.c.open_minor)

# --- billing (0004) ----------------------------------------------------------------------------
# What an invoice must remember of the moment it was issued (the tax rate and the early-payment
# discount it offered), how credit memos and rebills link to what they correct, and every dispatch.
# Columns are appended to ``invoices``/``invoice_lines`` here so that the tables above stay as 0001
# created them; migration 0004 adds the same columns.
invoices.append_column(Column("tax_rate", ExactDecimal()))             # the customer's rate when issued
invoices.append_column(Column("discount_percent", ExactDecimal()))     # 2 for "2/10 NET30"
invoices.append_column(Column("discount_until", Date))                 # last day the discount may be taken
invoices.append_column(Column("discount_minor", BigInteger, nullable=False, server_default="0"))
invoices.append_column(Column("linked_credit_memo", String(40)))       # a rebill: the credit memo it follows
invoices.append_column(Column("note", Text))
invoices.append_column(Column("sent_at", UTCDateTime))
invoice_lines.append_column(Column("original_line_no", Integer))       # a credit memo line: the line it credits

# A credit memo settling (part of) the invoice it corrects: the original's open amount goes down and
# the credit memo's (negative) open amount goes up by the same figure, so AR is unchanged.
credit_applications = Table(
    "credit_applications", metadata,
    Column("application_id", Integer, primary_key=True, autoincrement=True),
    Column("credit_memo", String(40), ForeignKey("invoices.invoice_number"), nullable=False, index=True),
    Column("invoice_number", String(40), ForeignKey("invoices.invoice_number"), nullable=False, index=True),
    Column("amount_minor", BigInteger, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    CheckConstraint("amount_minor > 0", name="positive_amount"),
)

# Every time a billing document left the building: by e-mail, as an EDI file, as UBL.
invoice_dispatches = Table(
    "invoice_dispatches", metadata,
    Column("dispatch_id", Integer, primary_key=True, autoincrement=True),
    Column("invoice_number", String(40), ForeignKey("invoices.invoice_number"), nullable=False, index=True),
    Column("channel", String(20), nullable=False),          # email | x12 | ubl | pdf
    Column("recipient", String(200)),
    Column("message_id", String(200)),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(120), nullable=False),
)

# --- collections (0005) ------------------------------------------------------------------------
# Dunning, promises to pay, disputes and deductions, credit holds. Written by o2c.receivables.

# One letter to one customer at one dunning level; the PDF is kept so it can be re-sent or shown.
dunning_letters = Table(
    "dunning_letters", metadata,
    Column("letter_id", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", ID, ForeignKey("customers.customer_id"), nullable=False, index=True),
    Column("level", String(40), nullable=False),
    Column("letter_date", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    Column("fee_minor", BigInteger, nullable=False, server_default="0"),
    Column("channel", String(20), nullable=False),
    Column("status", String(20), nullable=False),        # rendered | sent | failed
    Column("message_id", String(200)),
    Column("error", Text),
    Column("pdf", LargeBinary),
    Column("created_at", UTCDateTime, nullable=False),
)

# Which invoice reached which level in which letter. The unique key is the "never the same level
# twice" rule, enforced by the database even if two runs race.
dunning_items = Table(
    "dunning_items", metadata,
    Column("letter_id", Integer, ForeignKey("dunning_letters.letter_id"), primary_key=True),
    Column("invoice_number", String(40), ForeignKey("invoices.invoice_number"), primary_key=True),
    Column("level", String(40), nullable=False),
    Column("level_no", Integer, nullable=False),
    Column("open_minor", BigInteger, nullable=False),
    Column("days_past_due", Integer, nullable=False),
    Column("reason", String(40), nullable=False),        # days_past_due | broken_promise
    UniqueConstraint("invoice_number", "level", name="uq_dunning_items_invoice_level"),
)

promises = Table(
    "promises", metadata,
    Column("promise_id", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", ID, ForeignKey("customers.customer_id"), nullable=False, index=True),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("promised_date", Date, nullable=False),
    Column("contact", String(200)),
    Column("note", Text),
    Column("made_on", Date, nullable=False),
    Column("status", String(20), nullable=False),        # open | kept | broken
    Column("paid_minor", BigInteger, nullable=False, server_default="0"),
    Column("evaluated_on", Date),
    Column("created_by", String(120), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("amount_minor > 0", name="positive_amount"),
)

promise_invoices = Table(
    "promise_invoices", metadata,
    Column("promise_id", Integer, ForeignKey("promises.promise_id"), primary_key=True),
    Column("invoice_number", String(40), ForeignKey("invoices.invoice_number"), primary_key=True),
)

disputes = Table(
    "disputes", metadata,
    Column("dispute_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),          # dispute | deduction
    Column("invoice_number", String(40), ForeignKey("invoices.invoice_number"), nullable=False, index=True),
    Column("customer_id", ID, ForeignKey("customers.customer_id"), nullable=False, index=True),
    Column("reason_code", String(30), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("owner", String(120), nullable=False),
    Column("note", Text),
    Column("status", String(20), nullable=False),        # open | resolved
    Column("opened_on", Date, nullable=False),
    Column("cash_deduction_id", Integer),                # the cash_deductions claim a deduction came from
    Column("resolution", String(20)),                    # credit_memo | customer_paid | write_off
    Column("credit_memo_number", String(40)),
    Column("written_off_minor", BigInteger, nullable=False, server_default="0"),
    Column("resolved_on", Date),
    Column("resolved_by", String(120)),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_disputes_status", "status", "invoice_number"),
)

# An automatic credit hold and why; manual holds (customers.on_hold set by hand) have no row here.
credit_holds = Table(
    "credit_holds", metadata,
    Column("hold_id", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", ID, ForeignKey("customers.customer_id"), nullable=False, index=True),
    Column("status", String(20), nullable=False),        # active | cleared | released
    Column("reasons", JSON, nullable=False),
    Column("set_on", Date, nullable=False),
    Column("ended_on", Date),
    Column("ended_by", String(120)),
    Column("created_at", UTCDateTime, nullable=False),
)

credit_release_requests = Table(
    "credit_release_requests", metadata,
    Column("request_id", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", ID, ForeignKey("customers.customer_id"), nullable=False, index=True),
    Column("status", String(20), nullable=False),        # pending | approved
    Column("reason", Text, nullable=False),
    Column("requested_by", String(120), nullable=False),
    Column("requested_on", Date, nullable=False),
    Column("approved_by", String(120)),
    Column("approved_on", Date),
    Column("override_until", Date),                      # holds are not re-set automatically before this
    Column("created_at", UTCDateTime, nullable=False),
)

# --- web (0006) --------------------------------------------------------------------------------
# People and machines that use the web application, and the durable job queue behind `o2c worker`.
users = Table(
    "users", metadata,
    Column("user_id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("role", String(20), nullable=False),          # admin | operations | finance | rep | viewer
    Column("password_hash", String(300), nullable=False),
    Column("rep_id", ID),                                 # a rep's own record: usage reports name the rep
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_login_at", UTCDateTime),
)

# Tokens are stored as SHA-256 digests only: a copy of the database does not let anyone call the API.
api_tokens = Table(
    "api_tokens", metadata,
    Column("token_id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.user_id"), nullable=False, index=True),
    Column("label", String(120), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
)

# Secrets the application makes for itself (the session-signing key), shared by every process.
app_secrets = Table(
    "app_secrets", metadata,
    Column("name", String(60), primary_key=True),
    Column("value", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

jobs = Table(
    "jobs", metadata,
    Column("job_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(60), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("idempotency_key", String(200), unique=True),
    Column("status", String(20), nullable=False),        # queued | running | done | failed
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("max_attempts", Integer, nullable=False, server_default="5"),
    Column("run_after", UTCDateTime, nullable=False),
    Column("locked_by", String(120)),
    Column("locked_at", UTCDateTime),
    Column("last_error", Text),
    Column("result", JSON),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Index("ix_jobs_ready", "status", "run_after"),
)
