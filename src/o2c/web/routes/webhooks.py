"""Inbound webhooks. They carry no session or token: each proves its origin by a signature instead,
checked before anything is read or stored (an unsigned or wrongly signed call gets 403)."""
from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from o2c.intake.channels import twilio
from o2c.storage.uow import unit_of_work

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
log = logging.getLogger("o2c.web.webhooks")


def public_url(request: Request) -> str:
    """The URL as the caller addressed it: the configured public base (behind a proxy) or our own."""
    base = request.app.state.config.public_url
    if not base:
        return str(request.url)
    query = f"?{request.url.query}" if request.url.query else ""
    return base.rstrip("/") + request.url.path + query


def _xml(text: str, status: int = 200) -> Response:
    return Response(text, status_code=status, media_type="application/xml")


@router.post("/twilio/sms", summary="Incoming SMS/MMS from Twilio (X-Twilio-Signature checked); TwiML reply")
async def twilio_sms(request: Request):
    form = await request.form()
    pairs = twilio.form_pairs(form)
    token = request.app.state.config.twilio_auth_token
    signature = request.headers.get("x-twilio-signature")
    if signature is not None and not signature.isascii():
        signature = None     # a signature is base64; anything else cannot match (and hmac refuses to compare it)
    if not twilio.validate_signature(token, public_url(request), pairs, signature):
        log.warning("refused a Twilio webhook with a missing or invalid signature")
        return _xml('<?xml version="1.0" encoding="UTF-8"?><Response></Response>', 403)
    fields = dict(pairs)

    def work():
        with unit_of_work("channel:sms", url=request.app.state.database_url) as uow:
            return twilio.receive_sms(uow, fields)

    outcome = await run_in_threadpool(work)
    request.app.state.wake_worker()
    return _xml(twilio.twiml(outcome.reply))
