"""Intake over HTTP: upload documents, read them back, and work the exception queue.

The queue's id is the document id (a queue entry is a document with open exceptions), so
``/api/exceptions/{id}`` and ``/api/documents/{id}`` name the same thing from two angles.
"""
from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from o2c.intake import queue
from o2c.intake.service import ingest_documents
from o2c.web.auth import require
from o2c.web.routes.common import check_channel, media_type, read_upload, redact, uow
from o2c.web.users import User

router = APIRouter(prefix="/api", tags=["intake"])


def ingest(request: Request, user: User, data: bytes, filename: str, *, channel: str | None,
           sender: str | None, received_at: str | None) -> dict:
    """One document through intake as the user; the spec's ingest result. An X12 file of several 850s
    becomes a document per 850: the answer is the first's result with ``parts``, every 850's result."""
    with uow(request, user) as work:
        results = ingest_documents(work, data, filename, channel=channel, sender=sender or None,
                                   received_at=received_at or None)
    first = results[0].as_dict()
    return {**first, "parts": [r.as_dict() for r in results]} if len(results) > 1 else first


@router.post("/documents", summary="Upload a document: extract, validate, create the order or queue it")
async def upload_document(request: Request, file: UploadFile = File(...), channel: Optional[str] = Form(None),
                          sender: Optional[str] = Form(None), received_at: Optional[str] = Form(None),
                          user: User = Depends(require("intake"))) -> dict:
    data, name = await read_upload(file)
    result = await run_in_threadpool(ingest, request, user, data, name, channel=check_channel(channel) or "upload",
                                     sender=sender, received_at=received_at)
    return redact(result, user)


@router.get("/documents/{document_id}", summary="A document: where it came from, what was read, its exceptions")
def get_document(request: Request, document_id: str, user: User = Depends(require("read"))) -> dict:
    with uow(request, user, read_only=True) as work:
        return redact(queue.show(work.conn, document_id), user)


@router.get("/documents/{document_id}/content", summary="The document's original bytes, for inline viewing")
def document_content(request: Request, document_id: str, user: User = Depends(require("read"))):
    from o2c.intake.queue import _document
    with uow(request, user, read_only=True) as work:
        doc = _document(work.conn, document_id)
    kind = media_type(doc["content"], doc["filename"])
    return Response(doc["content"], media_type=kind, headers={
        "Content-Disposition": "inline", "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
        "Cache-Control": "private, no-store"})


@router.get("/exceptions", summary="The exception queue (filter by code and status: open, resolved, rejected, all)")
def list_exceptions(request: Request, code: Optional[str] = None, status: str = "open",
                    user: User = Depends(require("read"))) -> list[dict]:
    with uow(request, user, read_only=True) as work:
        return queue.list_queue(work.conn, code=code, status=status)


@router.get("/exceptions/{document_id}", summary="One queue entry")
def get_exception(request: Request, document_id: str, user: User = Depends(require("read"))) -> dict:
    return get_document(request, document_id, user)


class Correction(BaseModel):
    header: dict[str, Optional[str]] = Field(default_factory=dict,
                                             description="customer_id, po_number, procedure.date ...")
    lines: dict[int, dict[str, Optional[str]]] = Field(default_factory=dict,
                                                       description="line number -> {item_id, quantity ...}")


class Rejection(BaseModel):
    reason: str


@router.post("/exceptions/{document_id}/correct", summary="Correct read fields, learn from them, judge again")
def correct(request: Request, document_id: str, body: Correction, user: User = Depends(require("queue"))) -> dict:
    with uow(request, user) as work:
        return redact(queue.correct(work, document_id, header=body.header, lines=body.lines), user)


@router.post("/exceptions/{document_id}/approve", summary="Accept the judgement calls and create the order")
def approve(request: Request, document_id: str, user: User = Depends(require("queue"))) -> dict:
    with uow(request, user) as work:
        return redact(queue.approve(work, document_id), user)


@router.post("/exceptions/{document_id}/reject", summary="Refuse the document for good, with a reason")
def reject(request: Request, document_id: str, body: Rejection, user: User = Depends(require("queue"))) -> dict:
    with uow(request, user) as work:
        return redact(queue.reject(work, document_id, body.reason), user)


@router.post("/exceptions/{document_id}/rerun", summary="Read the stored document again with today's master data")
def rerun(request: Request, document_id: str, user: User = Depends(require("queue"))) -> dict:
    with uow(request, user) as work:
        return redact(queue.rerun(work, document_id), user)
