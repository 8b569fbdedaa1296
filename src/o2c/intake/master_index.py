"""An immutable in-memory snapshot of master data, shaped for reading documents.

Extraction reads text written by people and machines who do not know our ids: a buyer writes
"Northfield Mem", a fax turns 7103-1204 into "71O3 1204", a rep texts "dr vasquez". The index
answers those questions quickly: every exact key (EDI id, e-mail, phone, catalog number, GTIN,
customer part number) is a dict built once; fuzzy scoring (rapidfuzz) only runs when the exact
lookups found nothing. It never guesses below a threshold: an unknown stays unknown.

Learned aliases (a sender address that an operator tied to a customer, a customer part number an
operator mapped to an item) are part of the snapshot, so corrections people make are remembered
the next time the same text arrives.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Mapping

from rapidfuzz import fuzz, process

Row = Mapping[str, str]

#: words that say what kind of organisation it is, not which one; dropped before names are compared.
_GENERIC_WORDS = {
    "hospital", "hosp", "medical", "center", "centre", "ctr", "med", "the", "of", "and", "health",
    "healthcare", "system", "inc", "llc", "corp", "corporation", "co", "ltd", "lp", "llp", "pc", "pa",
    "incorporated", "company",
}
#: abbreviations people use for the distinguishing words of a name.
_WORD_FORMS = {
    "mem": "memorial", "meml": "memorial", "reg": "regional", "regl": "regional", "rgnl": "regional",
    "univ": "university", "u": "university", "gen": "general", "genl": "general", "st": "saint",
    "saint": "saint", "ste": "saint", "comm": "community", "cmty": "community", "cty": "county",
    "co.": "county", "orthopaedic": "ortho", "orthopedic": "ortho", "orthopaedics": "ortho",
    "orthopedics": "ortho", "ortho": "ortho", "surg": "surgery", "surgical": "surgery", "ctr.": "center",
    "inst": "institute", "outpt": "outpatient", "asc": "asc", "clin": "clinic", "dist": "distribution",
    "distributors": "distribution", "distributor": "distribution", "svcs": "services", "mt": "mount",
}
_TITLES = {"dr", "doctor", "md", "do", "mr", "mrs", "ms", "prof", "phd", "dpm", "pa", "np", "facs", "jr", "sr"}
_NAME_THRESHOLD = 82.0
_DESCRIPTION_THRESHOLD = 88.0


@dataclass(frozen=True, slots=True)
class Match:
    """A resolved id with how sure we are (0..1) and which rule found it (for warnings and audit)."""

    id: str
    score: float
    how: str


# ------------------------------------------------------------------ normalisers
def catalog_key(text: str | None) -> str:
    """Catalog numbers as printers, faxes and people mangle them: case, dashes, dots, spaces and
    the O/0 and I/L/1 confusions do not tell two items apart, so they are folded away."""
    if not text:
        return ""
    key = re.sub(r"[^0-9A-Za-z]", "", str(text)).upper()
    return key.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


def gtin14(text: str | None) -> str:
    """GTIN-8/12/13/14 padded to 14 digits, the form UDI-DIs are stored in."""
    digits = re.sub(r"\D", "", text or "")
    return digits.zfill(14) if 8 <= len(digits) <= 14 else ""


def phone_key(text: str | None) -> str:
    """The last ten digits: +1 (503) 555-0119, 503.555.0119 and +15035550119 are one phone."""
    digits = re.sub(r"\D", "", text or "")
    return digits[-10:] if len(digits) >= 7 else ""


def email_key(text: str | None) -> str:
    match = re.search(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", text or "")
    return match.group(0).lower() if match else ""


def name_key(text: str | None) -> str:
    """An organisation name reduced to its distinguishing words ("St. Brendan Medical Center, Inc."
    -> "saint brendan"), so that a legal suffix or a generic word never decides a match."""
    words = re.findall(r"[a-z0-9]+", (text or "").lower().replace("&", " and "))
    out = []
    for word in words:
        word = _WORD_FORMS.get(word, word)
        if word not in _GENERIC_WORDS:
            out.append(word)
    return " ".join(out)


def person_words(text: str | None) -> list[str]:
    """A person's name without titles or degrees: "Dr. G. Lambert, MD" -> ["g", "lambert"]."""
    text = re.sub(r"(?i)\bdr\.?(?=[a-z])", "dr ", text or "")
    # "De. Grace Holloway": a title whose "r" handwriting OCR misread, before two more names
    text = re.sub(r"^\W*D[a-z]\.\s+(?=\S+\s+\S)", "Dr ", text)
    words = re.findall(r"[a-z][a-z'-]*", text.lower())
    return [w.replace("'", "") for w in words if w not in _TITLES]


def address_key(text: str | None) -> str:
    words = re.findall(r"[a-z0-9]+", (text or "").lower())
    forms = {"street": "st", "avenue": "ave", "drive": "dr", "road": "rd", "boulevard": "blvd",
             "place": "pl", "north": "n", "south": "s", "east": "e", "west": "w", "suite": "ste",
             "circle": "cir", "lane": "ln", "court": "ct", "parkway": "pkwy"}
    return " ".join(forms.get(w, w) for w in words)


def _truthy(value: str | None) -> bool:
    return str(value or "").strip().lower() in {"true", "1", "yes", "y", "t"}


# ------------------------------------------------------------------ the index
@dataclass(frozen=True)
class MasterIndex:
    """Master data rows by id plus the lookup dicts built from them. Build with ``from_rows`` or
    ``from_csv_dir``; ``with_aliases`` returns a new snapshot with learned aliases added."""

    customers: Mapping[str, Row]
    sites: Mapping[str, Row]
    items: Mapping[str, Row]
    physicians: Mapping[str, Row]
    reps: Mapping[str, Row]
    locations: Mapping[str, Row]
    contracts: tuple[Row, ...]
    customer_items: tuple[Row, ...]
    sender_aliases: Mapping[str, str]
    item_aliases: Mapping[tuple[str, str], str]
    #: units on hand at consignment closets and rep trunks: {location_id, item_id, lot, serial, quantity}
    inventory: tuple[Row, ...] = ()
    _idx: dict = field(repr=False, compare=False, default_factory=dict)

    # -------------------------------------------------------------- construction
    @classmethod
    def from_rows(cls, *, customers: Iterable[Row] = (), sites: Iterable[Row] = (), items: Iterable[Row] = (),
                  customer_items: Iterable[Row] = (), physicians: Iterable[Row] = (), reps: Iterable[Row] = (),
                  locations: Iterable[Row] = (), contracts: Iterable[Row] = (),
                  aliases: Mapping | None = None, inventory: Iterable[Row] = ()) -> "MasterIndex":
        """Rows are plain dicts keyed by the column names of the master data contract (spec section 1).
        ``aliases`` may hold ``{"senders": {address: customer_id}, "customer_items": {(customer_id,
        ref): item_id}}``."""
        def by(rows: Iterable[Row], key: str) -> Mapping[str, Row]:
            return MappingProxyType({str(r[key]).strip(): MappingProxyType(dict(r)) for r in rows if r.get(key)})

        aliases = aliases or {}
        index = cls(
            customers=by(customers, "customer_id"), sites=by(sites, "site_id"), items=by(items, "item_id"),
            physicians=by(physicians, "physician_id"), reps=by(reps, "rep_id"),
            locations=by(locations, "location_id"),
            contracts=tuple(MappingProxyType(dict(r)) for r in contracts),
            customer_items=tuple(MappingProxyType(dict(r)) for r in customer_items),
            sender_aliases=MappingProxyType({email_key(k) or phone_key(k) or k.lower(): v
                                             for k, v in (aliases.get("senders") or {}).items()}),
            item_aliases=MappingProxyType({(c, catalog_key(r)): i
                                           for (c, r), i in (aliases.get("customer_items") or {}).items()}),
            inventory=_on_hand(inventory),
        )
        index._build()
        return index

    @classmethod
    def from_csv_dir(cls, path: str | Path, aliases: Mapping | None = None) -> "MasterIndex":
        """Read the master data CSV folder (every file optional), as tools and tests hold it."""
        folder = Path(path)

        def rows(name: str) -> list[dict]:
            file = folder / f"{name}.csv"
            if not file.is_file():
                return []
            with file.open(encoding="utf-8-sig", newline="") as handle:
                return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(handle)]

        return cls.from_rows(customers=rows("customers"), sites=rows("sites"), items=rows("items"),
                             customer_items=rows("customer_items"), physicians=rows("physicians"),
                             reps=rows("reps"), locations=rows("locations"), contracts=rows("contracts"),
                             aliases=aliases, inventory=rows("inventory"))

    def with_aliases(self, *, senders: Mapping[str, str] | None = None,
                     customer_items: Mapping[tuple[str, str], str] | None = None) -> "MasterIndex":
        """A new snapshot that also knows these learned aliases (this one stays unchanged)."""
        merged_senders = dict(self.sender_aliases)
        merged_senders.update({email_key(k) or phone_key(k) or k.lower(): v for k, v in (senders or {}).items()})
        merged_items = dict(self.item_aliases)
        merged_items.update({(c, catalog_key(r)): i for (c, r), i in (customer_items or {}).items()})
        index = MasterIndex(self.customers, self.sites, self.items, self.physicians, self.reps, self.locations,
                            self.contracts, self.customer_items, MappingProxyType(merged_senders),
                            MappingProxyType(merged_items), self.inventory)
        index._build()
        return index

    def with_inventory(self, rows: Iterable[Row]) -> "MasterIndex":
        """A new snapshot with these units on hand (stock moves all day; master data seldom): the
        lookups built from master data are shared, not rebuilt."""
        index = MasterIndex(self.customers, self.sites, self.items, self.physicians, self.reps, self.locations,
                            self.contracts, self.customer_items, self.sender_aliases, self.item_aliases,
                            _on_hand(rows))
        index._idx.update(self._idx)
        return index

    def _build(self) -> None:
        """Every exact lookup dict, built once so that a document costs dict hits, not scans."""
        ix = self._idx
        ix["edi"] = {c["edi_id"].strip().upper(): cid for cid, c in self.customers.items() if c.get("edi_id")}
        ix["email"] = {email_key(c.get("email")): cid for cid, c in self.customers.items() if email_key(c.get("email"))}
        domains: dict[str, set[str]] = {}
        for cid, c in self.customers.items():
            if email_key(c.get("email")):
                domains.setdefault(email_key(c["email"]).split("@")[1], set()).add(cid)
        ix["domain"] = domains
        ix["phone"] = {phone_key(c.get("phone")): cid for cid, c in self.customers.items() if phone_key(c.get("phone"))}
        ix["rep_phone"] = {phone_key(r.get("phone")): rid for rid, r in self.reps.items() if phone_key(r.get("phone"))}
        ix["rep_email"] = {email_key(r.get("email")): rid for rid, r in self.reps.items() if email_key(r.get("email"))}
        ix["catalog"] = {catalog_key(iid): iid for iid in self.items}
        ix["gtin"] = {gtin14(i.get("gtin")): iid for iid, i in self.items.items() if gtin14(i.get("gtin"))}
        refs: dict[tuple[str, str], str] = {}
        any_ref: dict[str, set[str]] = {}
        for row in self.customer_items:
            key = catalog_key(row.get("customer_item_ref"))
            if key and row.get("item_id") in self.items:
                refs[(row["customer_id"], key)] = row["item_id"]
                any_ref.setdefault(key, set()).add(row["item_id"])
        refs.update(self.item_aliases)
        ix["customer_ref"], ix["any_ref"] = refs, any_ref
        ix["descriptions"] = {iid: name_key(i.get("description")) or i.get("description", "").lower()
                              for iid, i in self.items.items()}
        # names people use for a place: the customer's name and each site's name (with and without
        # its " - Receiving" suffix); each maps to (customer_id, site_id or None).
        names: dict[str, tuple[str, str | None]] = {}
        for cid, c in self.customers.items():
            names.setdefault(name_key(c.get("name")), (cid, None))
        for sid, s in self.sites.items():
            full = name_key(s.get("name"))
            if full and full not in names:
                names[full] = (s["customer_id"], sid)
            base = name_key(re.split(r"\s+[-–]\s+", s.get("name", ""))[0])
            if base and base not in names:
                names[base] = (s["customer_id"], sid)
        names.pop("", None)
        ix["names"] = names
        ix["name_keys"] = list(names)
        sites_by_customer: dict[str, list[str]] = {}
        for sid, s in self.sites.items():
            sites_by_customer.setdefault(s["customer_id"], []).append(sid)
        ix["sites_of"] = sites_by_customer

    # -------------------------------------------------------------- customers
    def customer_by_edi(self, edi_id: str | None) -> Match | None:
        cid = self._idx["edi"].get((edi_id or "").strip().upper())
        return Match(cid, 1.0, "edi_id") if cid else None

    def customer_by_email(self, address: str | None) -> Match | None:
        """Exact address (learned aliases first), else the domain when only one customer uses it."""
        key = email_key(address)
        if not key:
            return None
        if key in self.sender_aliases:
            return Match(self.sender_aliases[key], 1.0, "sender_alias")
        if key in self._idx["email"]:
            return Match(self._idx["email"][key], 1.0, "email")
        owners = self._idx["domain"].get(key.split("@")[1], set())
        if len(owners) == 1:
            return Match(next(iter(owners)), 0.95, "email_domain")
        return None

    def customer_by_phone(self, phone: str | None) -> Match | None:
        key = phone_key(phone)
        if key and key in self.sender_aliases:
            return Match(self.sender_aliases[key], 1.0, "sender_alias")
        cid = self._idx["phone"].get(key) if key else None
        return Match(cid, 1.0, "phone") if cid else None

    def place_by_name(self, text: str | None, customer_id: str | None = None) -> tuple[Match, str | None] | None:
        """A customer (and the site, when the text names one) from a name as people write it:
        "northfoeld mem", "Pinecrest Ortho Pavilion", "ST BRENDAN MED CTR". Returns the customer
        match and the site id (or None)."""
        key = name_key(text)
        if len(key) < 3:
            return None
        names = self._idx["names"]
        if key in names and (customer_id is None or names[key][0] == customer_id):
            cid, sid = names[key]
            return Match(cid, 1.0, "name"), sid
        choices = self._idx["name_keys"]
        if customer_id is not None:
            choices = [k for k in choices if names[k][0] == customer_id]
        best = process.extract(key, choices, scorer=_name_score, limit=2, score_cutoff=_NAME_THRESHOLD)
        if not best:
            return None
        (name, score, _), *rest = best
        # two different customers scoring alike is ambiguity, not a match
        if rest and names[rest[0][0]][0] != names[name][0] and rest[0][1] >= score - 3:
            return None
        cid, sid = names[name]
        return Match(cid, round(score / 100, 3), "name_fuzzy"), sid

    def customer_by_name(self, text: str | None) -> Match | None:
        found = self.place_by_name(text)
        return found[0] if found else None

    def customer_by_address(self, text: str | None) -> Match | None:
        """The customer whose site address the text contains (street line and postal code)."""
        site = self.site_by_address(text)
        return Match(self.sites[site.id]["customer_id"], site.score, "address") if site else None

    # -------------------------------------------------------------- sites
    def sites_of(self, customer_id: str | None, kind: str | None = None) -> list[str]:
        sids = self._idx["sites_of"].get(customer_id or "", [])
        return [s for s in sids if kind is None or self.sites[s].get("kind") == kind]

    def site_by_address(self, text: str | None, customer_id: str | None = None) -> Match | None:
        key = address_key(text)
        if not key:
            return None
        scored = []
        for sid in (self.sites_of(customer_id) if customer_id else self.sites):
            site = self.sites[sid]
            street = address_key(site.get("address1"))
            if street and street in key:
                score = 0.9 + (0.05 if site.get("postal_code") and site["postal_code"] in key else 0.0)
                scored.append((score, sid))
        if not scored:
            return None
        scored.sort(reverse=True)
        return Match(scored[0][1], scored[0][0], "address")

    def site_for(self, customer_id: str | None, text: str | None, *, prefer_kind: str | None = None) -> Match | None:
        """The customer's site a ship-to or facility text names. Name words ("Receiving",
        "Pavilion") and the street address both count; among equal candidates the preferred kind
        wins; a customer with a single site of that kind gets it when the text says nothing
        better."""
        candidates = self.sites_of(customer_id)
        if not candidates:
            return None
        text_name = name_key(re.split(r"[,\n]", text or "")[0])
        text_addr = address_key(text)
        scored = []
        for sid in candidates:
            site = self.sites[sid]
            score = 0.0
            if text_name:
                score += fuzz.token_sort_ratio(text_name, name_key(site.get("name"))) / 100
            street = address_key(site.get("address1"))
            if street and text_addr:
                if street in text_addr:
                    score += 0.6
                elif fuzz.token_set_ratio(street, text_addr) >= 90:  # OCR interleaved the columns
                    score += 0.45
                extra = address_key(site.get("address2"))
                if extra and extra in text_addr:
                    score += 0.1
                postal = (site.get("postal_code") or "").strip()
                if postal and re.search(rf"\b{re.escape(postal)}\b", text_addr):
                    score += 0.2
            if prefer_kind and site.get("kind") == prefer_kind:
                score += 0.15
            scored.append((score, sid))
        scored.sort(key=lambda s: (-s[0], s[1]))
        best_score, best = scored[0]
        if text and (text_name or text_addr) and best_score >= 0.75:
            tie = len(scored) > 1 and scored[1][0] >= best_score - 0.02
            return Match(best, 0.7 if tie else min(1.0, 0.5 + best_score / 3), "site_text")
        if prefer_kind:
            of_kind = self.sites_of(customer_id, prefer_kind)
            if len(of_kind) == 1:
                return Match(of_kind[0], 0.8, f"only_{prefer_kind}")
        return None

    # -------------------------------------------------------------- items
    def item_by_catalog(self, text: str | None) -> Match | None:
        key = catalog_key(text)
        iid = self._idx["catalog"].get(key) if key else None
        if not iid:
            return None
        exact = str(text).strip().upper() == iid.upper()
        return Match(iid, 1.0 if exact else 0.95, "catalog" if exact else "catalog_folded")

    def item_by_gtin(self, gtin: str | None) -> Match | None:
        iid = self._idx["gtin"].get(gtin14(gtin))
        return Match(iid, 1.0, "gtin") if iid else None

    def item_by_customer_ref(self, customer_id: str | None, ref: str | None) -> Match | None:
        """The customer's own part number; without a known customer only a number that a single
        item answers to across all customers is accepted."""
        key = catalog_key(ref)
        if not key:
            return None
        if customer_id:
            iid = self._idx["customer_ref"].get((customer_id, key))
            return Match(iid, 1.0, "customer_item_ref") if iid else None
        owners = self._idx["any_ref"].get(key, set())
        return Match(next(iter(owners)), 0.85, "customer_item_ref_any") if len(owners) == 1 else None

    def item_by_description(self, text: str | None) -> Match | None:
        """Fuzzy description match, used only when no number on the line identified the item."""
        key = name_key(text) or (text or "").lower()
        if len(key) < 6:
            return None
        best = process.extract(key, self._idx["descriptions"], scorer=fuzz.token_sort_ratio, limit=2,
                               score_cutoff=_DESCRIPTION_THRESHOLD)
        if not best:
            return None
        (_, score, iid), *rest = best
        if rest and rest[0][1] >= score - 1:  # "SHELL 52MM" vs "SHELL 54MM": too close to call
            return None
        return Match(iid, round(score / 100 * 0.9, 3), "description_fuzzy")

    def is_item_token(self, token: str, customer_id: str | None = None) -> bool:
        """True when the token is one of our catalog numbers or a known customer part number."""
        key = catalog_key(token)
        if key in self._idx["catalog"]:
            return True
        if customer_id:
            return (customer_id, key) in self._idx["customer_ref"]
        return key in self._idx["any_ref"]

    # -------------------------------------------------------------- people
    def physician_by_name(self, text: str | None, *, site_id: str | None = None,
                          customer_id: str | None = None) -> Match | None:
        """"dr vasquez", "Dr G Lambert", "Grace Reinholt, MD": last name (fuzzy for typos), and a
        first name or initial when given must agree. The site's physicians are tried first, then the
        customer's, then everyone when exactly one physician fits."""
        words = person_words(text)
        if not words:
            return None
        pools = []
        if site_id:
            pools.append([p for p, r in self.physicians.items() if r.get("site_id") == site_id])
        if customer_id:
            sids = set(self.sites_of(customer_id))
            pools.append([p for p, r in self.physicians.items() if r.get("site_id") in sids])
        pools.append(list(self.physicians))
        for level, pool in enumerate(pools):
            hits = [(s, p) for p in pool if (s := _person_score(words, self.physicians[p].get("name"))) >= 0.85]
            if not hits:
                continue
            hits.sort(reverse=True)
            if len(hits) > 1 and hits[1][0] >= hits[0][0] - 0.02:
                if level == len(pools) - 1:
                    return None
                continue
            score = hits[0][0] * (1.0 if level < len(pools) - 1 or not (site_id or customer_id) else 0.8)
            return Match(hits[0][1], round(score, 3), "physician_name")
        return None

    def rep_by_phone(self, phone: str | None) -> Match | None:
        rid = self._idx["rep_phone"].get(phone_key(phone)) if phone_key(phone) else None
        return Match(rid, 1.0, "rep_phone") if rid else None

    def rep_by_email(self, address: str | None) -> Match | None:
        rid = self._idx["rep_email"].get(email_key(address)) if email_key(address) else None
        return Match(rid, 1.0, "rep_email") if rid else None

    def rep_by_name(self, text: str | None, *, customer_id: str | None = None,
                    site_id: str | None = None) -> Match | None:
        """The rep a written name names, or None when none or several fit (``rep_candidates``)."""
        found = self.rep_candidates(text, customer_id=customer_id, site_id=site_id)
        return found[0] if len(found) == 1 else None

    def rep_candidates(self, text: str | None, *, customer_id: str | None = None,
                       site_id: str | None = None) -> list[Match]:
        """Reps a name as written (often by hand, then OCR'd) may mean, best first; one element
        when the answer is clear, several when it is ambiguous, none when nothing fits.

        First and last name agreeing is a match; a surname that agrees while the given name was
        misread ("Deck Holt") is a weaker one; a single name alone (surname or given name) counts
        only when no other rep shares it. Reps whose territory covers the facility's state are
        asked first, so a name common to two territories is settled by where the surgery was."""
        words = person_words(text)
        if not words:
            return []
        scored = [(s, kind, rid) for rid, r in self.reps.items()
                  for s, kind in [_handwritten_person_score(words, r.get("name"))] if s > 0]
        states = self._states_of(customer_id, site_id)
        local = [x for x in scored if states and _territory_covers(self.reps[x[2]].get("territory"), states)]
        # a given name alone says little: it counts only among the reps of the facility's territory
        far = [x for x in scored if x[1] != "given"]
        for pool, factor in ((local, 1.0), (far, 0.95 if states else 1.0)):
            if not pool:
                continue
            pool = sorted(pool, reverse=True)
            close = [x for x in pool if x[0] >= pool[0][0] - 0.05]
            how = "rep_name" if len(close) == 1 else "rep_name_ambiguous"
            return [Match(rid, round(score * factor, 3), how) for score, _, rid in close]
        return []

    def _states_of(self, customer_id: str | None, site_id: str | None) -> set[str]:
        """The state codes of the site (or of all the customer's sites)."""
        sids = [site_id] if site_id in self.sites else self.sites_of(customer_id)
        return {str(self.sites[s].get("state") or "").strip().upper() for s in sids} - {""}

    # -------------------------------------------------------------- places of use
    def usage_locations(self, site_id: str | None, rep_id: str | None) -> list[str]:
        """Where used product comes from: the facility's consignment closets and the rep's trunk."""
        return sorted(lid for lid, loc in self.locations.items()
                      if (loc.get("kind") == "consignment" and site_id and loc.get("site_id") == site_id)
                      or (loc.get("kind") == "trunk" and rep_id and loc.get("rep_id") == rep_id))

    def covering_trunks(self, site_id: str | None) -> dict[str, str]:
        """The trunks (location id -> rep id) of the reps whose territory covers the site's state."""
        states = self._states_of(None, site_id) if site_id in self.sites else set()
        if not states:
            return {}
        return {lid: loc["rep_id"] for lid, loc in sorted(self.locations.items())
                if loc.get("kind") == "trunk" and loc.get("rep_id") in self.reps
                and _territory_covers(self.reps[loc["rep_id"]].get("territory"), states)}

    def units_fitting(self, locations: Iterable[str], *, item_id: str | None = None, lot: str | None = None,
                      serial: str | None = None) -> list[Row]:
        """Units on hand at these locations whose lot and serial a misread could have come from: the
        same after folding OCR confusions, a letter prefix missing ("46947" for L48947), or one
        character wrong, dropped or added in the digits. Every value given must fit; at least one of
        lot and serial must be read with four or more digits."""
        if not any(sum(ch.isdigit() for ch in v or "") >= 4 for v in (lot, serial)):
            return []
        places = set(locations)
        return [u for u in self.inventory if u.get("location_id") in places
                and (not item_id or u.get("item_id") == item_id)
                and (not lot or near_reading(lot, u.get("lot"))) and (not serial or near_reading(serial, u.get("serial")))]

    def units_printed_as(self, locations: Iterable[str], *, item_id: str, lot: str | None,
                         serial: str | None) -> list[Row]:
        """Units of this item on hand at these locations that a printed lot (and serial) as OCR read
        it may be: character for character the same, or a glyph OCR confuses in print ("1" for the
        "L" of L99343, "0" for "O", "5" for "S"), or the lot's letter prefix lost whole ("70374" for
        L70374, its digits all read). Stricter than ``units_fitting``: nothing dropped,
        added or changed beyond those glyphs, and a serial read must agree as well."""
        if not lot or sum(ch.isdigit() for ch in lot) < 4:
            return []
        places = set(locations)
        return [u for u in self.inventory if u.get("location_id") in places and u.get("item_id") == item_id
                and (printed_reading(lot, u.get("lot")) or lost_prefix(lot, u.get("lot")))
                and (not serial or not u.get("serial") or printed_reading(serial, u.get("serial")))]

    def consignment_location(self, site_id: str | None) -> str | None:
        for lid, loc in self.locations.items():
            if loc.get("kind") == "consignment" and site_id and loc.get("site_id") == site_id:
                return lid
        return None

    def item(self, item_id: str | None) -> Row | None:
        return self.items.get(item_id or "")

    def is_rep_address(self, sender: str | None) -> bool:
        return bool(self.rep_by_email(sender) or self.rep_by_phone(sender))

    def flag(self, item_id: str, column: str) -> bool:
        return _truthy((self.items.get(item_id) or {}).get(column))


def _on_hand(rows: Iterable[Row]) -> tuple[Row, ...]:
    out = []
    for r in rows:
        try:
            if int(str(r.get("quantity") or "1").split(".")[0]) <= 0:
                continue
        except ValueError:
            continue
        out.append(MappingProxyType(dict(r)))
    return tuple(out)


#: letters OCR makes of digits in handwritten numbers.
_DIGIT_FOLD = str.maketrans({"S": "5", "B": "8", "G": "6", "Z": "2", "Q": "0", "D": "0", "T": "7"})


#: glyph classes OCR confuses in printed (not handwritten) text: each class folds to one key.
_PRINT_FOLD = str.maketrans({"L": "1", "I": "1", "|": "1", "O": "0", "Q": "0", "D": "0", "S": "5", "B": "8",
                             "Z": "2", "G": "6"})


def printed_reading(read: str | None, actual: str | None) -> bool:
    """Whether a printed code as OCR read it is this one: the same letters and digits, each position
    equal or a glyph pair OCR confuses in print (1/L/I, 0/O, 5/S, 8/B, 2/Z, 6/G)."""
    r = re.sub(r"[^0-9A-Za-z|]", "", str(read or "")).upper()
    a = re.sub(r"[^0-9A-Za-z]", "", str(actual or "")).upper()
    return bool(r) and len(r) == len(a) and r.translate(_PRINT_FOLD) == a.translate(_PRINT_FOLD)


def lost_prefix(read: str | None, actual: str | None) -> bool:
    """Whether a lot read as digits only is this one with its letter prefix lost: "70374" for
    L70374. Every digit (four or more) must be read, in print (up to glyphs OCR confuses)."""
    r = re.sub(r"[^0-9A-Za-z|]", "", str(read or "")).upper()
    m = re.fullmatch(r"([A-Z]+)([0-9]{4,})", re.sub(r"[^0-9A-Za-z]", "", str(actual or "")).upper())
    return bool(m) and r.isdigit() and printed_reading(r, m.group(2))


def serial_near_miss(read: str | None, actual: str | None) -> bool:
    """Whether a printed serial as OCR read it is within a near miss of this one: the same length
    (one character more or less), at most two characters different after folding the glyphs OCR
    confuses in print, and at least four characters of a serial of six or more. "SN56859" for
    SN568590 is; "SN73" for SN730534 or "reseed" for SN330771 are not. A reading that is itself a
    well-formed serial of the same shape (letters and digits where the unit's are: "SN205228" for
    SN205229) is not garbled but may be another unit of the lot, so it is no near miss."""
    from rapidfuzz.distance import Levenshtein

    raw_r = re.sub(r"[^0-9A-Za-z]", "", str(read or "")).upper()
    raw_a = re.sub(r"[^0-9A-Za-z]", "", str(actual or "")).upper()
    if _shape(raw_r) == _shape(raw_a):
        return False
    r, a = raw_r.translate(_PRINT_FOLD), raw_a.translate(_PRINT_FOLD)
    if len(a) < 6 or abs(len(r) - len(a)) > 1 or r == a:
        return False
    return Levenshtein.distance(r, a) <= 2


def _shape(text: str) -> str:
    return "".join("9" if ch.isdigit() else "A" if ch.isalpha() else "." for ch in text)


def near_reading(read: str | None, actual: str | None) -> bool:
    """Whether a lot or serial as read may be this one: its digits (after the letter prefix, which
    handwriting and OCR often lose) within one edit of the actual digits, or equal after folding."""
    from rapidfuzz.distance import Levenshtein

    r, a = catalog_key(read), catalog_key(actual)
    if not r or not a:
        return False
    if r == a:
        return True
    reads, actuals = _cores(read), _cores(actual)
    if not any(sum(ch.isdigit() for ch in c) >= 4 for c in reads) or not any(len(c) >= 4 for c in actuals):
        return False
    return any(Levenshtein.distance(x, y) <= 1 for x in reads for y in actuals if len(x) >= 4 and len(y) >= 4)


def _cores(text: str | None) -> set[str]:
    """The part after the letter prefix, with the prefix cut before and after folding (an "I" may
    be the prefix's last letter or a "1" of the number), digit-like letters folded to digits."""
    raw = re.sub(r"[^0-9A-Za-z]", "", str(text or "")).upper()
    cut_first = catalog_key(re.sub(r"^[A-Z]+", "", raw))
    fold_first = re.sub(r"^[A-Z]+", "", catalog_key(raw))
    return {c.translate(_DIGIT_FOLD) for c in (cut_first, fold_first) if c}


def _name_score(query: str, choice: str, **_: object) -> float:
    """Name similarity that tolerates typos ("northfoeld") and word order, and rewards a query
    whose words are all present in a longer name ("holloway county" in "holloway county")."""
    if not query or not choice:
        return 0.0
    whole = max(fuzz.ratio(query, choice), fuzz.token_sort_ratio(query, choice))
    qwords, cwords = query.split(), choice.split()
    if len(qwords) < len(cwords):
        # every typed word matches some word of the name: a shortened name, slightly less sure
        per_word = [max(fuzz.ratio(q, c) for c in cwords) for q in qwords]
        if min(per_word) >= 80 and len(qwords) >= max(1, len(cwords) - 1):
            whole = max(whole, sum(per_word) / len(per_word) - 6)
    return whole


def _handwritten_person_score(words: list[str], full_name: str | None) -> tuple[float, str]:
    """(0..1, kind) for a name read from handwriting. "full": both names agree, the surname
    similarity; "surname": the surname alone (the given name misread or absent), 0.85 of it;
    "given": the given name alone, 0.75 of it. A word under 0.8 similarity is neither name."""
    name = person_words(full_name)
    if not name or not words:
        return 0.0, ""
    first, last = name[0], name[-1]
    last_sim, at = max((fuzz.ratio(w, last) / 100, i) for i, w in enumerate(words))
    others = [w for i, w in enumerate(words) if i != at]
    first_sim = max((fuzz.ratio(w, first) / 100 for w in others if len(w) > 1), default=0.0)
    if len(name) > 1 and any(w == first[0] for w in others):
        first_sim = max(first_sim, 0.9)  # an initial
    if len(name) > 1 and last_sim >= 0.8 and first_sim >= 0.75:
        return min(1.0, last_sim + 0.02), "full"
    if last_sim >= 0.85:
        return last_sim * 0.85, "surname"
    given_alone = max(fuzz.ratio(w, first) / 100 for w in words)
    if len(name) > 1 and given_alone >= 0.85:
        return given_alone * 0.75, "given"
    return 0.0, ""


#: US state codes and names, to tell which reps' territories cover a facility.
_STATES = {
    "AL": "alabama", "AK": "alaska", "AZ": "arizona", "AR": "arkansas", "CA": "california", "CO": "colorado",
    "CT": "connecticut", "DE": "delaware", "DC": "district of columbia", "FL": "florida", "GA": "georgia",
    "HI": "hawaii", "ID": "idaho", "IL": "illinois", "IN": "indiana", "IA": "iowa", "KS": "kansas",
    "KY": "kentucky", "LA": "louisiana", "ME": "maine", "MD": "maryland", "MA": "massachusetts",
    "MI": "michigan", "MN": "minnesota", "MS": "mississippi", "MO": "missouri", "MT": "montana",
    "NE": "nebraska", "NV": "nevada", "NH": "new hampshire", "NJ": "new jersey", "NM": "new mexico",
    "NY": "new york", "NC": "north carolina", "ND": "north dakota", "OH": "ohio", "OK": "oklahoma",
    "OR": "oregon", "PA": "pennsylvania", "RI": "rhode island", "SC": "south carolina", "SD": "south dakota",
    "TN": "tennessee", "TX": "texas", "UT": "utah", "VT": "vermont", "VA": "virginia", "WA": "washington",
    "WV": "west virginia", "WI": "wisconsin", "WY": "wyoming",
}
_COMPASS = {"north", "south", "east", "west", "new", "northern", "southern", "eastern", "western"}


def _territory_covers(territory: str | None, states: set[str]) -> bool:
    """Whether a territory as written ("Ohio / Kentucky", "Northern California", "Carolinas", "WI")
    names one of the state codes: by code, by full name, or by the name's distinctive word."""
    text = (territory or "").lower()
    codes = set(re.findall(r"\b[A-Z]{2}\b", territory or ""))
    words = re.findall(r"[a-z]+", text)
    for code in states:
        name = _STATES.get(code)
        if code in codes or (name and name in text):
            return True
        core = [w for w in (name or "").split() if w not in _COMPASS]
        if core and all(any(t.startswith(c) and len(t) <= len(c) + 1 for t in words) for c in core):
            return True
    return False


def _person_score(words: list[str], full_name: str | None) -> float:
    """0..1: last name similarity, vetoed when a given first name or initial disagrees."""
    name = person_words(full_name)
    if not name or not words:
        return 0.0
    last, first = name[-1], name[0]
    # "Reinholt Grace" or a single surname: the typed word that best fits the last name is it
    similarity, at = max((fuzz.ratio(w, last) / 100, i) for i, w in enumerate(words))
    others = [w for i, w in enumerate(words) if i != at]
    if others and len(name) > 1:
        # the given name or initial must agree; a stray word before it (a title read as "De.", a
        # glyph of the box) is no given name
        if not any(_given_agrees(w, first) for w in others):
            return 0.0
        similarity = min(1.0, similarity + 0.02)
    return similarity


def _given_agrees(word: str, first: str) -> bool:
    if len(word) == 1:
        return word == first[0]
    return fuzz.ratio(word, first) >= 75 or first.startswith(word)
