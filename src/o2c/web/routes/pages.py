"""The dashboard: login, the exception queue and its items, orders, AR aging, upload.

Pages call the same use cases as the API. Form posts redirect back (post/redirect/get) with a short
message, so reloading a page never repeats an action.
"""
from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal
from typing import Optional
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from o2c.intake import queue
from o2c.intake.queue import HEADER_FIELDS, LINE_FIELDS
from o2c.kernel.dates import parse_date
from o2c.kernel.errors import O2CError
from o2c.web.auth import SESSION_COOKIE, make_session, require
from o2c.web.charts import bar_chart
from o2c.web.render import page
from o2c.web.routes.api_intake import ingest
from o2c.web.routes.api_sales import aging_report, list_orders, order_detail
from o2c.web.routes.common import check_channel, media_type, read_upload, redact, uow
from o2c.web.users import User, authenticate

router = APIRouter(include_in_schema=False)
LOGIN_COOKIE = "o2c_login"


def back(path: str, message: str | None = None, error: str | None = None) -> RedirectResponse:
    query = "&".join(f"{k}={quote(v)}" for k, v in (("msg", message), ("err", error)) if v)
    return RedirectResponse(path + (f"?{query}" if query else ""), status_code=303)


def _safe_next(target: str | None) -> str:
    """Only local paths: a login link must not send people to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


# ------------------------------------------------------------------ login
@router.get("/login")
async def login_form(request: Request, next: Optional[str] = None, err: Optional[str] = None):
    nonce = secrets.token_urlsafe(16)
    response = page(request, "login.html", {"next": _safe_next(next), "login_nonce": nonce, "error": err})
    response.set_cookie(LOGIN_COOKIE, nonce, httponly=True, samesite="strict", max_age=900,
                        secure=request.app.state.config.cookie_secure)
    return response


@router.post("/login")
async def login(request: Request, username: str = Form(""), password: str = Form(""), next: str = Form("/"),
                login_nonce: str = Form("")):
    cookie = request.cookies.get(LOGIN_COOKIE)
    if not cookie or not secrets.compare_digest(cookie, login_nonce):
        return back("/login", error="the login form expired: please try again")

    def check():
        with uow(request, None, actor="web") as work:
            return authenticate(work, username, password)

    user = await run_in_threadpool(check)
    if user is None:
        return RedirectResponse(f"/login?next={quote(_safe_next(next))}&err={quote('unknown user or wrong password')}",
                                status_code=303)
    state = request.app.state
    response = RedirectResponse(_safe_next(next) if next != "/" else ("/report" if user.role == "rep" else "/queue"),
                                status_code=303)
    response.set_cookie(SESSION_COOKIE, make_session(state.signing_key, user.user_id, state.config.session_hours),
                        httponly=True, samesite="lax", secure=state.config.cookie_secure,
                        max_age=int(state.config.session_hours * 3600))
    response.delete_cookie(LOGIN_COOKIE)
    return response


@router.post("/logout")
async def logout(request: Request, user: User = Depends(require("any"))):
    def record():
        with uow(request, user) as work:
            work.audit("logout", "user", user.username, {})

    await run_in_threadpool(record)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
async def home(request: Request, user: User = Depends(require("any"))):
    return RedirectResponse("/report" if user.role == "rep" else "/queue", status_code=303)


# ------------------------------------------------------------------ the queue
@router.get("/queue")
def queue_list(request: Request, code: Optional[str] = None, status: str = "open", msg: Optional[str] = None,
               user: User = Depends(require("read"))):
    with uow(request, user, read_only=True) as work:
        entries = queue.list_queue(work.conn, code=code or None, status=status)
        counts = queue.summary(work.conn)
    return page(request, "queue.html", {"entries": entries, "counts": counts, "code": code or "", "status": status,
                                        "msg": msg})


def _document_text(data: bytes, filename: str) -> str | None:
    """The readable text of an e-mail or SMS for the item page (PDFs and images are shown inline)."""
    if not media_type(data, filename).startswith("text/"):
        return None
    from o2c.intake.pipeline import sniff
    if sniff(data, filename) in ("email", "mbox"):
        from o2c.intake.messages import parse_email
        try:
            parts = parse_email(data)
            head = f"From: {parts.sender or ''}\nSubject: {getattr(parts, 'subject', '') or ''}\n\n"
            attached = "".join(f"\n[attachment: {a.filename}]" for a in parts.attachments)
            return (head + (parts.body or "") + attached)[:20000]
        except Exception:  # noqa: BLE001 - fall back to the raw text
            pass
    return data.decode("utf-8", errors="replace")[:20000]


@router.get("/queue/{document_id}")
def queue_item(request: Request, document_id: str, msg: Optional[str] = None, err: Optional[str] = None,
               user: User = Depends(require("read"))):
    from o2c.intake.queue import _document
    with uow(request, user, read_only=True) as work:
        item = redact(queue.show(work.conn, document_id), user)
        doc = _document(work.conn, document_id)
    kind = media_type(doc["content"], doc["filename"])
    extraction = item.get("extraction") or {}
    return page(request, "item.html", {
        "item": item, "extraction": extraction, "procedure": extraction.get("procedure") or {},
        "lines": [l for l in extraction.get("lines") or [] if isinstance(l, dict)],
        "header_fields": HEADER_FIELDS, "line_fields": LINE_FIELDS, "kind": kind,
        "text": _document_text(doc["content"], doc["filename"]), "msg": msg, "error": err,
        "open": item["status"] in queue.OPEN_STATUSES})


def _current(extraction: dict, name: str):
    if name.startswith("procedure."):
        return (extraction.get("procedure") or {}).get(name.split(".", 1)[1])
    return extraction.get(name)


def corrections(form, extraction: dict) -> tuple[dict, dict]:
    """Only the fields the person changed: ``h.<field>`` for the header, ``l.<n>.<field>`` for lines."""
    header, lines = {}, {}
    by_no = {int(l.get("line_no") or n): l for n, l in enumerate(extraction.get("lines") or [], start=1)
             if isinstance(l, dict)}
    for key, value in form.items():
        value = str(value).strip() or None
        if key.startswith("h.") and key[2:] in HEADER_FIELDS:
            if value != (str(_current(extraction, key[2:])) if _current(extraction, key[2:]) is not None else None):
                header[key[2:]] = value
        elif key.startswith("l.") and key.count(".") == 2:
            _, number, name = key.split(".")
            if not number.isdigit() or name not in LINE_FIELDS:
                continue
            old = (by_no.get(int(number)) or {}).get(name)
            if value != (str(old) if old is not None else None):
                lines.setdefault(int(number), {})[name] = value
    return header, lines


def _act(request: Request, user: User, document_id: str, action, done: str):
    try:
        with uow(request, user) as work:
            result = action(work)
    except O2CError as err:
        problems = "; ".join(str(p) for p in err.problems)
        return back(f"/queue/{document_id}", error=str(err).splitlines()[0] + (f": {problems}" if problems else ""))
    order = f", order {result['order_id']}" if result.get("order_id") else ""
    return back(f"/queue/{document_id}", message=f"{done}: {result['status']}{order}")


@router.post("/queue/{document_id}/correct")
async def queue_correct(request: Request, document_id: str, user: User = Depends(require("queue"))):
    form = await request.form()

    def run():
        with uow(request, user, read_only=True) as work:
            extraction = queue.show(work.conn, document_id)["extraction"] or {}
        header, lines = corrections(form, extraction)
        return _act(request, user, document_id, lambda w: queue.correct(w, document_id, header=header, lines=lines),
                    "corrected")

    return await run_in_threadpool(run)


@router.post("/queue/{document_id}/approve")
def queue_approve(request: Request, document_id: str, user: User = Depends(require("queue"))):
    return _act(request, user, document_id, lambda w: queue.approve(w, document_id), "approved")


@router.post("/queue/{document_id}/reject")
def queue_reject(request: Request, document_id: str, reason: str = Form(""), user: User = Depends(require("queue"))):
    return _act(request, user, document_id, lambda w: queue.reject(w, document_id, reason), "rejected")


@router.post("/queue/{document_id}/rerun")
def queue_rerun(request: Request, document_id: str, user: User = Depends(require("queue"))):
    return _act(request, user, document_id, lambda w: queue.rerun(w, document_id), "read again")


# ------------------------------------------------------------------ orders and receivables
@router.get("/orders")
def orders_page(request: Request, status: Optional[str] = None, user: User = Depends(require("read"))):
    with uow(request, user, read_only=True) as work:
        rows = list_orders(work.conn, status=status or None, customer_id=None, limit=200)
    return page(request, "orders.html", {"orders": rows, "status": status or ""})


@router.get("/orders/{order_id}")
def order_page(request: Request, order_id: str, user: User = Depends(require("read"))):
    with uow(request, user, read_only=True) as work:
        detail = redact(order_detail(work.conn, order_id), user)
    return page(request, "order.html", {"order": detail})


@router.get("/aging")
def aging_page(request: Request, as_of: Optional[str] = None, user: User = Depends(require("read"))):
    day = parse_date(as_of, "as_of") if as_of else date.today()
    with uow(request, user, read_only=True) as work:
        report = aging_report(work.conn, day)
    bars = [(bucket, Decimal(report["totals"][bucket])) for bucket in report["buckets"]]
    chart = bar_chart(bars, title=f"Open receivables by age as of {day}")
    return page(request, "aging.html", {"report": report, "chart": chart})


# ------------------------------------------------------------------ upload
@router.get("/upload")
def upload_form(request: Request, user: User = Depends(require("intake"))):
    return page(request, "upload.html", {"result": None})


@router.post("/upload")
async def upload(request: Request, file: UploadFile = File(None), channel: str = Form("upload"),
                 sender: str = Form(""), user: User = Depends(require("intake"))):
    data, name = await read_upload(file)
    result = await run_in_threadpool(ingest, request, user, data, name, channel=check_channel(channel) or "upload",
                                     sender=sender, received_at=None)
    request.app.state.wake_worker()
    return page(request, "upload.html", {"result": redact(result, user)})
