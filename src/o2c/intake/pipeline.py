"""The extraction pipeline: bytes of one incoming document in, the section-2 extraction dict out.

``extract`` sniffs what arrived (X12 by its ISA header, e-mail by its headers, an SMS text, a PDF,
an image, a spreadsheet), hands it to the reader for that kind, then resolves the result against
master data and scores it. It never raises on bad input: a document it cannot read comes back as
``document_type: "unknown"`` with no lines and a warning naming the problem, because the caller
(the CLI, the inbox worker, the HTTP route) decides what to do with it.

``run_corpus`` and ``python -m o2c.intake.pipeline CORPUS OUT.jsonl`` run the whole synthetic
corpus in manifest order and print the scorer's figures, so accuracy is measured the same way by
everybody.
"""
from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from o2c.intake import messages
from o2c.intake.master_index import MasterIndex
from o2c.intake.resolve import resolve

KINDS = ("x12", "email", "mbox", "sms", "pdf", "image", "spreadsheet", "text", "unknown")
_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"GIF8", b"BM")
_EMAIL_HEADERS = re.compile(rb"(?im)^(?:from|to|subject|date|message-id|mime-version|received|return-path|"
                            rb"content-type|delivered-to):[ \t]")
_CHANNEL_BY_KIND = {"x12": "edi", "email": "email", "mbox": "email", "sms": "sms"}
#: how much each field's confidence weighs in the document's (lines weigh most: they are the order).
_WEIGHTS = {"customer_id": 2.0, "site_id": 1.0, "lines": 3.0, "procedure.physician_id": 0.5, "rep_id": 0.5,
            "reader": 2.0}


# ------------------------------------------------------------------ sniffing
def sniff(data: bytes, filename: str = "") -> str:
    """What kind of document the bytes are, by content first and by file name second."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    name = filename.lower()
    if head.startswith((b"ISA", b"\xc9\xe2\xc1")) and len(head) > 106:   # "ISA" in ASCII or EBCDIC (cp500)
        return "x12"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return "image"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0") or name.endswith((".xlsx", ".xls", ".csv")):
        return "spreadsheet"
    if name.endswith(".mbox") or (head.startswith(b"From ") and _EMAIL_HEADERS.search(head)):
        return "mbox"
    if name.endswith((".eml", ".msg")) or len(_EMAIL_HEADERS.findall(head[:2048])) >= 2:
        return "email"
    if name.endswith((".edi", ".x12", ".850")) and b"ISA" in head[:200]:
        return "x12"
    if name.endswith((".txt", ".sms")):
        return "sms"
    if _is_text(head):
        return "text"
    return "unknown"


def _is_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t\f")
    return bool(text.strip()) and controls == 0


# ------------------------------------------------------------------ readers
class Unsupported(Exception):
    """A reader for this kind of document is not installed (yet)."""


def _read_x12(data: bytes, filename: str, part: int | None = None) -> dict:
    """The extraction of an interchange's 850; ``part`` (1-based, in file order) picks one of several."""
    try:
        from o2c.formats.x12.extraction import po850_to_extraction
        from o2c.formats.x12.po850 import read_850
    except ImportError as exc:
        raise Unsupported(f"X12 reading is unsupported yet ({exc})") from None
    if part is not None:
        raw = po850_to_extraction(read_850_part(data, filename, part), filename)
        raw["edi"]["transaction_no"] = part
    else:
        orders = read_850(data, filename)
        if not orders:
            raise ValueError("no 850 purchase order in the interchange")
        raw = po850_to_extraction(orders[0], filename)
        if len(orders) > 1:
            raw.setdefault("warnings", []).append(f"interchange holds {len(orders)} orders; only the first is here")
    for line in raw.get("lines") or []:
        if line.get("item_raw") and line.get("description") and line["item_raw"] != line["description"]:
            line["catalog_raw"] = line["item_raw"]
            line["item_raw"] = f"{line['item_raw']} {line['description']}"
    return raw


# ------------------------------------------------------------------ interchanges of several 850s
#: A stored document that is one 850 of several in an interchange is named ``FILE#850-N`` (N: its
#: place among the file's 850s, 1-based): the bytes stay the whole interchange, the name says which part.
PART_MARK = "#850-"


def x12_parts(data: bytes, filename: str = "", *, is_item: Callable[[str], bool] | None = None) -> list[dict]:
    """Where each 850 of an X12 file sits when the file holds more than one (a "mailbag": several
    ST/SE sets, groups or interchanges), in file order; [] for one 850, none, or bytes that are not X12.
    Each entry: transaction_no (1-based), interchange_control, group_control, transaction_control.

    An e-mail whose only order content is one X12 attachment of several 850s has that attachment's
    parts (each entry also names the ``attachment``); an e-mail that carries anything else that could
    be an order (body lines read with ``is_item``, a PDF, an image, another attachment) has none."""
    kind = sniff(data, filename)
    if kind == "email":
        found = email_mailbag(data, filename)
        if found is None or other_order_content(found[0], found[1], is_item):
            return []
        return [{**part, "attachment": found[1].filename} for part in found[2]]
    if kind != "x12":
        return []
    try:
        from o2c.formats.x12 import read_x12
        parsed = read_x12(data, filename or "<input>", strict=False)
    except Exception:  # noqa: BLE001 - unreadable envelopes: the whole file is one document, refused as such
        return []
    sets = list(parsed.transactions("850"))
    if len(sets) < 2:
        return []
    return [{"transaction_no": n, "interchange_control": interchange.control_number,
             "group_control": group.control_number, "transaction_control": transaction.control_number}
            for n, (interchange, group, transaction) in enumerate(sets, start=1)]


def email_mailbag(data: bytes, filename: str = "") -> tuple[messages.EmailParts, messages.Attachment, list[dict]] | None:
    """(the e-mail, its first X12 attachment holding several 850s, that attachment's parts), or None
    when the bytes are not an e-mail or none of its attachments holds more than one 850."""
    if sniff(data, filename) != "email":
        return None
    try:
        parts = messages.parse_email(data)
    except Exception:  # noqa: BLE001 - an unreadable e-mail is one document, read (and refused) as such
        return None
    for attachment in parts.attachments:
        found = x12_parts(attachment.data, attachment.filename) if sniff(attachment.data, attachment.filename) == "x12" \
            else []
        if found:
            return parts, attachment, found
    return None


def other_order_content(parts: messages.EmailParts, attachment: messages.Attachment,
                        is_item: Callable[[str], bool] | None = None) -> list[str]:
    """What else in the e-mail could be an order besides ``attachment``: order lines in the body, any
    attachment a reader would try (PDF, image, spreadsheet, X12, an attached e-mail)."""
    other = [f"attachment {a.filename}" for a in parts.attachments
             if a is not attachment and sniff(a.data, a.filename) in ("x12", "pdf", "image", "spreadsheet", "email")]
    if messages.parse_lines(messages.dequote(parts.body), is_item):
        other.insert(0, "order lines in the body")
    return other


def _mailbag_warning(data: bytes, filename: str, is_item: Callable[[str], bool] | None) -> str | None:
    """Why an e-mail with an X12 attachment of several 850s is read as one document, or None."""
    found = email_mailbag(data, filename)
    if found is None:
        return None
    other = other_order_content(found[0], found[1], is_item)
    if not other:
        return None
    return (f"attachment {found[1].filename} holds {len(found[2])} purchase orders, but the e-mail also carries "
            f"{', '.join(other)}: it is read as one document and its other purchase orders are not taken in; "
            "send the interchange on its own to take in every order")


def part_count(data: bytes, filename: str = "") -> int:
    """How many 850s a stored part's bytes hold: an X12 file's, or an e-mail's X12 attachment's (whatever
    else the e-mail carries: the split was decided when it arrived)."""
    if sniff(data, filename) == "email":
        found = email_mailbag(data, filename)
        return len(found[2]) if found else 0
    return len(x12_parts(data, filename))


def part_name(filename: str, part: int) -> str:
    return f"{filename}{PART_MARK}{part}"


def split_part(filename: str, data: bytes | None = None) -> tuple[str, int | None]:
    """(the file's own name, which 850 of it) for a stored part's name; (filename, None) otherwise.
    With ``data`` the mark counts only when the bytes do hold several 850s (a file that is merely
    named like a part is not one)."""
    base, mark, tail = filename.rpartition(PART_MARK)
    if not mark or not tail.isdigit() or int(tail) < 1:
        return filename, None
    if data is not None and int(tail) > part_count(data, base):
        return filename, None
    return base, int(tail)


def read_850_part(data: bytes, filename: str, part: int):
    """The ``part``-th 850 of the file (1-based). Raises ``X12Error`` when that set, its group or its
    interchange has an envelope fault (the 997 rejects it too) or its content cannot be read; the
    file's other 850s are not affected."""
    from o2c.formats.x12 import X12Error, parse_850, read_x12
    from o2c.formats.x12.reader import group_syntax_errors, interchange_syntax_errors, set_syntax_errors
    sets = list(read_x12(data, filename, strict=False).transactions("850"))
    if not 1 <= part <= len(sets):
        raise X12Error(f"the interchange holds {len(sets)} purchase orders, not {part}", source=filename)
    interchange, group, transaction = sets[part - 1]
    faults = [f"set {code}" for code in set_syntax_errors(transaction)]
    faults += [f"group {code}" for code in group_syntax_errors(group)]
    faults += [f"interchange {code}" for code in interchange_syntax_errors(interchange)]
    if faults:
        raise X12Error(f"{transaction.header}: 850 {transaction.control_number!r} (purchase order {part} of "
                       f"{len(sets)}) has envelope faults ({', '.join(faults)})", source=filename,
                       code="x12_envelope")
    return parse_850(interchange, group, transaction, filename)


def _read_pages(data: bytes, filename: str) -> dict:
    """PDFs, scans, photos and spreadsheets: engineer P's acquisition and layout parser."""
    try:
        from o2c.intake.layout import parse_page_document  # type: ignore[import-not-found]
        from o2c.intake.text import acquire
    except ImportError as exc:
        raise Unsupported(f"page documents are unsupported yet ({exc})") from None
    check_dimensions(data)
    pages = acquire(data, filename)
    raw = parse_page_document(pages)
    # hook: hybrid PDFs (Factur-X/ZUGFeRD/Order-X/UBL attached) - the embedded XML wins, see o2c.intake.embedded
    from o2c.intake.embedded import merge_embedded, read_embedded
    raw = merge_embedded(raw, read_embedded(data))
    # hook: an invoice whose seller is printed only as an image (letterhead, footer) - pages.invoice_header
    from o2c.intake.pages.invoice_header import seller_from_images
    raw = seller_from_images(data, raw)
    raw["_text"] = pages.text  # for the optional language-model extractor; popped before resolution
    return raw


def _read_email(data: bytes, filename: str, master: MasterIndex, received_at: datetime | None,
                part: int | None = None) -> tuple[dict, messages.EmailParts]:
    """The e-mail's extraction; with ``part``, of that 850 of its X12 attachment (see ``x12_parts``)."""
    parts = messages.parse_email(data)
    if received_at and not parts.sent_at:
        parts.sent_at = received_at

    def attachment(blob: bytes, name: str) -> dict:
        return _read_attachment(blob, name, master, part)

    raw = messages.email_to_raw(parts, is_item=master.is_item_token, read_attachment=attachment)
    if part is None:
        warning = _mailbag_warning(data, filename, master.is_item_token)
        if warning:
            raw.setdefault("warnings", []).append(warning)
    return raw, parts


def _read_attachment(blob: bytes, name: str, master: MasterIndex, part: int | None = None) -> dict:
    """An e-mail attachment through the reader for its kind (an X12 one: its ``part``-th 850 when
    given); unreadable ones only warn."""
    kind = sniff(blob, name)
    try:
        if kind == "x12":
            return _read_x12(blob, name, part)
        if kind in ("pdf", "image", "spreadsheet"):
            return _read_pages(blob, name)
        if kind == "email":
            raw, _ = _read_email(blob, name, master, None)
            return raw
    except Unsupported as exc:
        return {"lines": [], "warnings": [str(exc)]}
    except Exception as exc:  # noqa: BLE001 - one bad attachment must not lose the e-mail
        return {"lines": [], "warnings": [f"could not read: {reason(exc)}"]}
    return {}


# ------------------------------------------------------------------ limits
#: the most pixels a page may have when rendered for OCR (Pillow's own decompression-bomb threshold):
#: an A3 scan at 300 dpi is 17 million; a page claiming more is refused before any pixel is made.
MAX_PIXELS = 89_478_485
#: the most pages (PDF) or frames (TIFF) one document may have: a purchase order or a fax of 300 pages
#: is a mistake or an attack, and reading it would hold the intake for minutes. Split such a file.
MAX_PAGES = 300


class TooLarge(ValueError):
    """A page or image whose size would take the machine's memory, refused before it is decoded."""


def check_dimensions(data: bytes) -> None:
    """Refuse an image or PDF page that claims more pixels than ``MAX_PIXELS`` (a 50000 x 50000 PNG of
    a few bytes, a PDF page 200 inches wide), reading only the headers."""
    head = data[:16]
    if head.startswith(b"%PDF"):
        _check_pdf_pages(data)
    elif head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        _check_image(data)


def _check_image(data: bytes) -> None:
    import io
    import warnings
    from PIL import Image
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                frames = getattr(image, "n_frames", 1)
    except Image.DecompressionBombError:
        raise TooLarge(f"the image claims more than {2 * MAX_PIXELS:,} pixels; the limit is {MAX_PIXELS:,}") from None
    except Exception:  # noqa: BLE001 - not readable as an image at all: the reader says why
        return
    if width * height > MAX_PIXELS:
        raise TooLarge(f"the image claims {width} x {height} pixels; the limit is {MAX_PIXELS:,}")
    if frames > MAX_PAGES:
        raise TooLarge(f"the image has {frames} pages; at most {MAX_PAGES} are read in one document: split the file")


def _check_pdf_pages(data: bytes) -> None:
    try:
        import pypdfium2
        from o2c.intake.text import PDF_RENDER_DPI
        document = pypdfium2.PdfDocument(data)
    except Exception:  # noqa: BLE001 - a PDF pdfium cannot open is the text reader's to judge
        return
    try:
        if len(document) > MAX_PAGES:
            raise TooLarge(f"the PDF has {len(document)} pages; at most {MAX_PAGES} are read in one document: "
                           "split the file")
        for number in range(len(document)):
            width, height = document[number].get_size()
            pixels = abs(width * height) * (PDF_RENDER_DPI / 72) ** 2
            if not math.isfinite(pixels) or pixels > MAX_PIXELS:
                raise TooLarge(f"page {number + 1} is {abs(width) / 72:.0f} x {abs(height) / 72:.0f} inches, "
                               f"too large to read (more than {MAX_PIXELS:,} pixels at {PDF_RENDER_DPI} dpi)")
    finally:
        document.close()


def reason(exc: BaseException) -> str:
    """What went wrong, in words a person can act on: never empty, no memory addresses."""
    if isinstance(exc, MemoryError):
        return "the document is too large to read in the memory available"
    text = re.sub(r"\s*<[\w.]+ object at 0x[0-9a-f]+>", "", str(exc)).strip()
    return text or type(exc).__name__


# ------------------------------------------------------------------ the pipeline
def extract(data: bytes, filename: str, *, master: MasterIndex, channel: str | None = None,
            sender: str | None = None, received_at: datetime | str | None = None,
            sidecar: dict | None = None, part: int | None = None) -> dict:
    """The section-2 extraction of one document (with ``part``: of that 850 of an X12 file holding
    several, see ``x12_parts``). Never raises for bad input."""
    when = _when(received_at)
    try:
        kind = sniff(data, filename)
        raw, sender, when, inferred = _read(kind, data, filename, master, sender, when, sidecar, part)
    except Unsupported as exc:
        return _unknown(filename, channel, str(exc))
    except Exception as exc:  # noqa: BLE001 - the caller gets a refusal it can show, not a traceback
        return _unknown(filename, channel, f"could not read {filename}: {reason(exc)}")
    # hook: the optional language-model extractor fills what the rules left unread (o2c.intake.llm, off by default)
    from o2c.intake import llm
    raw = llm.fill_raw(raw, kind, data)
    try:
        doc = resolve(raw, master, sender=sender, channel=channel or inferred, received_at=when)
    except Exception as exc:  # noqa: BLE001
        doc = dict(raw)
        doc.setdefault("warnings", []).append(f"resolution failed: {reason(exc)}")
    return llm.hold_for_check(_finish(doc, filename, channel or inferred))


def _read(kind: str, data: bytes, filename: str, master: MasterIndex, sender: str | None,
          when: datetime | None, sidecar: dict | None,
          part: int | None = None) -> tuple[dict, str | None, datetime | None, str | None]:
    """Raw dict, effective sender, received time and the channel the kind implies."""
    if kind == "x12":
        raw = _read_x12(data, filename, part)
        edi = raw.get("edi") or {}
        return raw, sender or edi.get("sender_id"), when, "edi"
    if kind in ("email", "mbox"):
        blobs = messages.split_mbox(data) if kind == "mbox" else [data]
        raw, parts = _read_email(blobs[0], filename, master, when, part if kind == "email" else None)
        if len(blobs) > 1:
            raw["warnings"].append(f"mailbox holds {len(blobs)} messages; only the first is here")
        effective = parts.original_sender or sender or parts.sender
        return raw, effective, when or parts.sent_at, "email"
    if kind in ("sms", "text"):
        text = data.decode("utf-8", errors="replace")
        raw = messages.sms_to_raw(text, sidecar, sender=sender, received_at=when, is_item=master.is_item_token)
        meta_time = messages._parse_time(str(sidecar["received_at"])) if sidecar and sidecar.get("received_at") else None
        return raw, raw.get("sender_raw"), when or meta_time, "sms" if kind == "sms" or sidecar else None
    if kind in ("pdf", "image", "spreadsheet"):
        return _read_pages(data, filename), sender, when, "upload"
    raise ValueError("unrecognised document format")


def _finish(doc: dict, filename: str, channel: str | None) -> dict:
    doc["source"] = filename
    doc["channel"] = channel or doc.get("channel")
    doc["confidence"] = document_confidence(doc)
    for key in ("sender_raw", "catalog_raw", "description_raw"):
        doc.pop(key, None)
    for line in doc.get("lines") or []:
        if isinstance(line, dict):
            line.pop("catalog_raw", None)
            line.pop("description_raw", None)
    return doc


def _unknown(filename: str, channel: str | None, problem: str) -> dict:
    doc = messages._empty_raw("unknown")
    doc.update(source=filename, channel=channel, confidence=0.0, warnings=[problem])
    return doc


def _when(value: datetime | str | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return messages._parse_time(str(value))


def document_confidence(doc: dict) -> float:
    """One 0..1 figure for the document: a weighted geometric mean of field confidences (a weak
    field pulls it down more than an average would), times a small penalty per warning, and zero
    when nothing was read. Missing customer or lines count as zero confidence for that field."""
    if not doc.get("lines"):
        return 0.0
    fields = dict(doc.get("field_confidence") or {})
    fields.setdefault("customer_id", 0.05 if not doc.get("customer_id") else 1.0)
    fields.setdefault("site_id", 0.3 if not doc.get("site_id") else 1.0)
    fields.setdefault("lines", 0.05)
    reader = doc.get("reader_confidence")
    if reader is None and isinstance(doc.get("confidence"), (int, float)):
        reader = float(doc["confidence"])
    fields["reader"] = reader if reader is not None else 0.9
    total = weight = 0.0
    for key, value in fields.items():
        w = _WEIGHTS.get(key, 0.5)
        total += w * math.log(max(0.01, min(1.0, float(value))))
        weight += w
    score = math.exp(total / weight) if weight else 0.0
    score *= 0.98 ** len(doc.get("warnings") or [])
    return round(max(0.0, min(1.0, score)), 3)


def extract_path(path: str | Path, *, master: MasterIndex, channel: str | None = None, sender: str | None = None,
                 received_at: datetime | str | None = None, source: str | None = None) -> dict:
    """``extract`` for a file on disk; an SMS's ``.meta.json`` sidecar beside it is read too."""
    file = Path(path)
    shown = source if source is not None else str(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        return _unknown(shown, channel, f"cannot read {shown}: {exc.strerror or exc}")
    sidecar = None
    meta = file.with_name(file.name.split(".")[0] + ".meta.json")
    if file.suffix.lower() == ".txt" and meta.is_file():
        sidecar = messages.read_sidecar(meta.read_bytes())
    channel = channel or (sidecar or {}).get("channel")
    return extract(data, shown, master=master, channel=channel, sender=sender, received_at=received_at,
                   sidecar=sidecar)


def run_corpus(corpus_dir: str | Path, *, kinds: Callable[[str], bool] | None = None) -> list[dict]:
    """Every document of a corpus folder (master/, docs/, manifest.json) in manifest order."""
    root = Path(corpus_dir)
    master = MasterIndex.from_csv_dir(root / "master")
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    outputs = []
    for entry in manifest.get("documents", []):
        if kinds is not None and not kinds(entry["file"]):
            continue
        outputs.append(extract_path(root / entry["file"], master=master, channel=entry.get("channel"),
                                    sender=entry.get("from"), received_at=entry.get("received_at"),
                                    source=entry["file"]))
    return outputs


def main(argv: list[str] | None = None) -> int:
    """``python -m o2c.intake.pipeline CORPUS_DIR OUT.jsonl``: extract the corpus and score it."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print("usage: python -m o2c.intake.pipeline CORPUS_DIR OUT.jsonl", file=sys.stderr)
        return 2
    corpus, out = Path(args[0]), Path(args[1])
    started = datetime.now(timezone.utc)
    outputs = run_corpus(corpus)
    with out.open("w", encoding="utf-8") as handle:
        for doc in outputs:
            handle.write(json.dumps(doc, ensure_ascii=False, default=str) + "\n")
    seconds = (datetime.now(timezone.utc) - started).total_seconds()
    print(f"{len(outputs)} documents in {seconds:.1f} s -> {out}")
    scorer = _scorer(corpus)
    if scorer is None:
        print("score_extraction.py not found; not scored")
        return 0
    result = subprocess.run([sys.executable, str(scorer), str(out), str(corpus / "truth")], check=False)
    return result.returncode


def _scorer(corpus: Path) -> Path | None:
    for folder in [corpus, *corpus.parents]:
        candidate = folder / "tools" / "score_extraction.py"
        if candidate.is_file():
            return candidate
    return None


if __name__ == "__main__":
    sys.exit(main())
