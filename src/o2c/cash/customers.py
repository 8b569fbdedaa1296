"""Recognising the payer: remitter accounts, learned aliases and fuzzy names.

Banks truncate and abbreviate the originator's name (``EASTBROOK GEN HOSP``, ``MMS PAYABLES``,
``LAKESHORE RMC``), so the name comparison works token by token: a payer token meets a name token
when they are equal, when one is a typo of the other (rapidfuzz), when it is a prefix or an
abbreviation (letters in order, same first letter: ``HLTH`` / ``HEALTH``) or when it spells the
initials of a run of name tokens (``RMC`` / ``Regional Medical Center``). The directory keeps an
inverted index so that one payer is compared with a handful of customers, not with all of them.
"""
from __future__ import annotations

import heapq
import re
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz

from o2c.cash.model import BankAccount, CustomerProfile
from o2c.cash.normalize import NameTokens, alias_key, compact, name_tokens


@dataclass(frozen=True, slots=True)
class CustomerCandidate:
    """One customer the payer could be, how sure we are, and why."""

    customer_id: str
    confidence: float
    source: str       # account | alias | name | reference
    detail: str = ""


def account_key(account: str | None, routing: str | None = None) -> str | None:
    """Routing and account compacted; an IBAN (which embeds the bank) stands alone."""
    if not account:
        return None
    acct = compact(account)
    if not acct:
        return None
    return f"{compact(routing)}:{acct}" if routing and not acct[:2].isalpha() else acct


def _is_abbreviation(short: str, full: str) -> bool:
    """``HLTH`` abbreviates ``HEALTH``: same first letter, letters appear in order, shorter."""
    if len(short) < 2 or len(short) >= len(full) or short[0] != full[0]:
        return False
    pos = 0
    for ch in short:
        pos = full.find(ch, pos) + 1
        if pos == 0:
            return False
    return True


def _token_score(payer: str, name: str) -> float:
    """How well one payer token stands for one name token, 0..1."""
    if payer == name:
        return 1.0
    if len(payer) >= 3 and name.startswith(payer):
        return 0.95
    if _is_abbreviation(payer, name):
        return 0.9 if len(payer) >= 3 else 0.75
    if min(len(payer), len(name)) >= 5:
        ratio = fuzz.ratio(payer, name) / 100.0
        if ratio >= 0.85:
            return ratio * 0.95
    return 0.0


def _acronym_span(token: str, names: tuple[str, ...], used: set[int]) -> list[int] | None:
    """Indexes of a run of unused name tokens whose initials spell ``token`` (``RMC``)."""
    size = len(token)
    if size < 2:
        return None
    for start in range(len(names) - size + 1):
        span = list(range(start, start + size))
        if any(i in used for i in span):
            continue
        if "".join(names[i][0] for i in span) == token:
            return span
    return None


def name_similarity(payer: NameTokens, name: NameTokens) -> float:
    """Similarity of a payer name and a customer name, 0..1, symmetric in coverage.

    Each payer token takes its best unused name token (or an acronym run); the score weighs how
    much of the payer name was explained and how much of the customer name was found, so a
    truncated name (``TRI STATE ORTHOPAEDIC RESEARCH``) still scores high while a shared city word
    alone (``PINECREST HEALTH SYSTEM`` vs ``Pinecrest University Hospital``) does not.
    """
    if not payer.tokens or not name.tokens:
        return 0.0
    used: set[int] = set()
    payer_hits = 0.0
    for token in payer.tokens:
        best, best_i = 0.0, -1
        for i, cand in enumerate(name.tokens):
            if i in used:
                continue
            score = _token_score(token, cand)
            if score > best:
                best, best_i = score, i
        if best > 0:
            used.add(best_i)
            payer_hits += best
            continue
        span = _acronym_span(token, name.tokens, used)
        if span:
            used.update(span)
            payer_hits += 0.9
    payer_cover = payer_hits / len(payer.tokens)
    name_cover = len(used) / len(name.tokens)
    return round(0.65 * payer_cover + 0.35 * name_cover, 4)


class CustomerDirectory:
    """Index over customer profiles for the three ways a payer is recognised.

    Built once per run; lookups by account and alias are dictionary hits, name lookups compare the
    payer with the few customers sharing a token prefix and are cached per payer name, since the
    same payers pay again and again.
    """

    def __init__(self, profiles: list[CustomerProfile] | tuple[CustomerProfile, ...] = ()):
        self.profiles: dict[str, CustomerProfile] = {}
        self._accounts: dict[str, set[str]] = defaultdict(set)
        self._bare_accounts: dict[str, set[str]] = defaultdict(set)
        self._aliases: dict[str, set[str]] = defaultdict(set)
        self._names: dict[str, list[NameTokens]] = defaultdict(list)
        self._prefix: dict[str, set[str]] = defaultdict(set)
        self._cache: dict[str, list[CustomerCandidate]] = {}
        self.patterns: dict[str, tuple[re.Pattern, ...]] = {}
        for profile in profiles:
            self.add(profile)

    def add(self, profile: CustomerProfile) -> None:
        """Register (or extend) a customer; learned aliases and accounts are added the same way."""
        self.profiles[profile.customer_id] = profile
        for acct in profile.accounts:
            key = account_key(acct.account, acct.routing)
            if key:
                self._accounts[key].add(profile.customer_id)
                self._bare_accounts[account_key(acct.account)].add(profile.customer_id)
        for alias in profile.aliases:
            self._aliases[alias_key(alias)].add(profile.customer_id)
        if profile.reference_patterns:
            self.patterns[profile.customer_id] = tuple(re.compile(p) for p in profile.reference_patterns)
        self._names[profile.customer_id] = []
        for text in (profile.name, *profile.aliases):
            tokens = name_tokens(text)
            self._names[profile.customer_id].append(tokens)
            for tok in tokens.tokens:
                self._prefix[tok[:3]].add(profile.customer_id)
            for start in range(len(tokens.tokens)):
                for end in range(start + 2, len(tokens.tokens) + 1):
                    self._prefix["#" + tokens.initials[start:end]].add(profile.customer_id)
        self._cache.clear()

    def learn_alias(self, customer_id: str, alias: str) -> None:
        profile = self.profiles[customer_id]
        self.add(CustomerProfile(profile.customer_id, profile.name, (*profile.aliases, alias),
                                 profile.accounts, profile.reference_patterns, profile.terms))

    def learn_account(self, customer_id: str, account: BankAccount) -> None:
        profile = self.profiles[customer_id]
        self.add(CustomerProfile(profile.customer_id, profile.name, profile.aliases,
                                 (*profile.accounts, account), profile.reference_patterns, profile.terms))

    def learn_patterns(self, customer_id: str, patterns: tuple[str, ...]) -> None:
        profile = self.profiles[customer_id]
        merged = tuple(dict.fromkeys((*profile.reference_patterns, *patterns)))
        self.add(CustomerProfile(profile.customer_id, profile.name, profile.aliases, profile.accounts,
                                 merged, profile.terms))

    # ------------------------------------------------------------ lookups

    def by_account(self, account: str | None, routing: str | None = None) -> list[CustomerCandidate]:
        """Exact remitter account. Routing plus account is near proof; the account number alone (a
        file without routing, or another routing) is good evidence; an account shared by several
        customers proves nothing."""
        full = account_key(account, routing)
        if not full:
            return []
        hits, conf = set(self._accounts.get(full, ())), 0.99
        if not hits:
            hits = set(self._bare_accounts.get(account_key(account), ()))
            conf = 0.95 if routing is None else 0.8
        if len(hits) > 1:
            conf = 0.5
        return [CustomerCandidate(cid, conf, "account", f"remitter account {account}") for cid in sorted(hits)]

    def by_alias(self, payer_name: str | None) -> list[CustomerCandidate]:
        if not payer_name:
            return []
        hits = self._aliases.get(alias_key(payer_name), set())
        conf = 0.97 if len(hits) == 1 else 0.5
        return [CustomerCandidate(cid, conf, "alias", f"learned alias {payer_name!r}") for cid in sorted(hits)]

    def _shortlist(self, payer: NameTokens, size: int = 15) -> list[str]:
        """The few customers most worth comparing: those sharing the rarest token prefixes or
        initials runs with the payer (each shared key weighs 1/how many customers have it).

        A directory of thousands of hospitals then costs a couple of dozen comparisons per new
        payer name instead of one per customer.
        """
        keys = {tok[:3] for tok in payer.tokens} | {"#" + tok for tok in payer.tokens if 2 <= len(tok) <= 5}
        lists = sorted((ids for ids in (self._prefix.get(k) for k in keys) if ids), key=len)
        if not lists:
            return []
        common = max(50, len(self.profiles) // 20, len(lists[0]))
        weight: dict[str, float] = defaultdict(float)
        for ids in lists:
            if len(ids) > common:
                break
            share = 1.0 / len(ids)
            for cid in ids:
                weight[cid] += share
        return heapq.nsmallest(size, weight, key=lambda cid: (-weight[cid], cid))

    def by_name(self, payer_name: str | None, limit: int = 5) -> list[CustomerCandidate]:
        """Customers whose name resembles the payer's, best first, with a similarity as confidence."""
        if not payer_name:
            return []
        cached = self._cache.get(payer_name)
        if cached is not None:
            return cached
        payer = name_tokens(payer_name)
        shortlist = self._shortlist(payer)
        scored = []
        for cid in shortlist:
            best = max(name_similarity(payer, names) for names in self._names[cid])
            if best >= 0.5:
                scored.append(CustomerCandidate(cid, best, "name", f"payer name {payer_name!r} ~ "
                                                f"{self.profiles[cid].name!r} ({best:.2f})"))
        scored.sort(key=lambda c: (-c.confidence, c.customer_id))
        result = scored[:limit]
        self._cache[payer_name] = result
        return result
