"""Learning from confirmed matches: what to remember so the next payment from this payer matches itself.

A person confirming a match (or an automatic match later confirmed) tells us three reusable facts:
the payer name the bank printed belongs to the customer, the remitter account belongs to it, and the
way it writes invoice references. They are returned as plain values; the caller stores them (in the
customer profile) and feeds them back through ``CustomerDirectory``. Nothing here writes anywhere.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from o2c.cash.customers import CustomerDirectory, account_key
from o2c.cash.model import BankAccount
from o2c.cash.normalize import alias_key, compact, core_key, ocr_key
from o2c.cash.payment import IncomingPayment
from o2c.cash.remittance import stated_lines


@dataclass(frozen=True, slots=True)
class Learned:
    """Facts worth remembering about a customer after a confirmed payment."""

    customer_id: str
    aliases: tuple[str, ...] = ()
    accounts: tuple[BankAccount, ...] = ()
    reference_patterns: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.aliases or self.accounts or self.reference_patterns)


def reference_shape(ref: str) -> str:
    """A regex for how a payer writes references: letters literal, digit runs by length.

    ``INV204049`` -> ``INV\\d{6}``; ``inv 68252`` -> ``INV\\ \\d{5}``. Matching is done on the
    upper-cased reference, so the pattern is upper-case too.
    """
    parts = []
    for run in re.finditer(r"\d+|[A-Z]+|[^\dA-Z]", ref.strip().upper()):
        text = run.group(0)
        parts.append(rf"\d{{{len(text)}}}" if text.isdigit() else re.escape(text))
    return "".join(parts)


def _same_invoice(ref: str, invoice_number: str) -> bool:
    return any(f(ref) and f(ref) == f(invoice_number) for f in (compact, core_key, ocr_key))


def learn_from_confirmation(payment: IncomingPayment, customer_id: str, invoice_numbers: list[str] | tuple[str, ...],
                            directory: CustomerDirectory | None = None) -> Learned:
    """What a confirmed match of ``payment`` to ``customer_id``'s ``invoice_numbers`` teaches.

    Only new facts are returned: the payer name when it is not already the customer's name or a
    known alias, the account when it is not known, and reference shapes that differ from the
    invoice numbers themselves (an exact reference needs no pattern).
    """
    profile = directory.profiles.get(customer_id) if directory else None
    known_names = {alias_key(n) for n in ((profile.name, *profile.aliases) if profile else ())}
    aliases = ()
    if payment.payer_name and alias_key(payment.payer_name) and alias_key(payment.payer_name) not in known_names:
        aliases = (payment.payer_name.strip(),)
    accounts = ()
    if payment.payer_account:
        known = {account_key(a.account, a.routing) for a in (profile.accounts if profile else ())}
        if account_key(payment.payer_account, payment.payer_routing) not in known:
            accounts = (BankAccount(payment.payer_account.strip(), payment.payer_routing),)
    patterns: list[str] = []
    known_patterns = set(profile.reference_patterns) if profile else set()
    for line in stated_lines(payment):
        ref = line.reference
        if not ref or any(ref.strip().upper() == n.upper() for n in invoice_numbers):
            continue
        if any(_same_invoice(ref, n) for n in invoice_numbers):
            shape = reference_shape(ref)
            if shape not in known_patterns and shape not in patterns:
                patterns.append(shape)
    return Learned(customer_id, aliases, accounts, tuple(patterns))


def remember(directory: CustomerDirectory, learned: Learned) -> None:
    """Feed learned facts back into a directory (what the caller does after storing them)."""
    for alias in learned.aliases:
        directory.learn_alias(learned.customer_id, alias)
    for account in learned.accounts:
        directory.learn_account(learned.customer_id, account)
    if learned.reference_patterns:
        directory.learn_patterns(learned.customer_id, learned.reference_patterns)
