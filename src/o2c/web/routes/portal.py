"""The rep's phone flow: report what was used in a case, or send a photo of the implant record.

A typed report is written out as the short text a rep would otherwise text in ("Used at Harbor View,
Dr. Patel, on 2026-11-19 ... 1x K-1001 lot L44512 sn S1") and goes through intake like any message,
on channel "portal" and with the rep's own address as the sender, so the same reading, resolution
and rules apply and the stored document shows exactly what the rep submitted. A photo is ingested
as it is.
"""
from __future__ import annotations

from datetime import datetime, timezone

from fastapi import APIRouter, Depends, File, Request, UploadFile
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from o2c.storage import schema as t
from o2c.web.auth import require
from o2c.web.errors import ApiError
from o2c.web.render import page
from o2c.web.routes.api_intake import ingest
from o2c.web.routes.common import read_upload, redact, uow
from o2c.web.users import User

router = APIRouter(include_in_schema=False)
require_usage = require("usage")
ROWS = 4


def usage_text(facility: str, physician: str, day: str, case_id: str, patient_ref: str, items: list[dict],
               note: str = "") -> str:
    """The report as one message; empty parts are left out rather than invented."""
    head = ["Used (bill only)"]
    if facility:
        head.append(f"at {facility.strip()},")
    if physician:
        name = physician.strip()
        head.append(name if name.lower().startswith("dr") else f"Dr. {name},")
    if day:
        head.append(f"on {day.strip()}.")
    lines = [" ".join(head).rstrip(",")]
    if case_id:
        lines.append(f"Case {case_id.strip()}.")
    if patient_ref:
        lines.append(f"MRN {patient_ref.strip()}")
    for item in items:
        text = f"{item['quantity'] or 1}x {item['item']}"
        if item.get("lot"):
            text += f" lot {item['lot']}"
        if item.get("serial"):
            text += f" sn {item['serial']}"
        lines.append(text)
    if note:
        lines.append(note.strip())
    return "\n".join(lines) + "\n"


def form_items(form) -> list[dict]:
    items = []
    for n in range(ROWS):
        item = str(form.get(f"item{n}") or "").strip()
        if item:
            items.append({"item": item, "quantity": str(form.get(f"qty{n}") or "").strip(),
                          "lot": str(form.get(f"lot{n}") or "").strip(),
                          "serial": str(form.get(f"serial{n}") or "").strip()})
    return items


def rep_address(request: Request, user: User) -> str:
    """The rep's e-mail (or phone) from master data, so resolution knows who reported; else the login."""
    if user.rep_id:
        with uow(request, user, read_only=True) as work:
            row = work.conn.execute(select(t.reps.c.email, t.reps.c.phone)
                                    .where(t.reps.c.rep_id == user.rep_id)).first()
        if row and (row.email or row.phone):
            return row.email or row.phone
    return user.username


@router.get("/report")
def report_form(request: Request, user: User = Depends(require_usage)):
    return page(request, "report.html", {"rows": range(ROWS), "result": None})


@router.post("/report")
async def report(request: Request, photo: UploadFile = File(None), user: User = Depends(require_usage)):
    form = await request.form()
    items = form_items(form)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    if photo is not None and photo.filename:
        data, name = await read_upload(photo, "photo")
        name = f"portal-{user.username}-{stamp}-{name}"
    elif items:
        text = usage_text(*(str(form.get(k) or "") for k in ("facility", "physician", "date", "case_id",
                                                            "patient_ref")), items, str(form.get("note") or ""))
        data, name = text.encode("utf-8"), f"portal-{user.username}-{stamp}.txt"
    else:
        raise ApiError(422, "empty_report", "add at least one item, or a photo of the implant record")
    sender = await run_in_threadpool(rep_address, request, user)
    result = await run_in_threadpool(ingest, request, user, data, name, channel="portal", sender=sender,
                                     received_at=None)
    return page(request, "report.html", {"rows": range(ROWS), "result": redact(result, user)})
