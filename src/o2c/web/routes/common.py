"""What the route modules share: a unit of work acting as the user, patient-data redaction, uploads."""
from __future__ import annotations

from copy import deepcopy

from fastapi import Request, UploadFile

from o2c.storage.uow import unit_of_work
from o2c.web.auth import allowed
from o2c.web.errors import ApiError
from o2c.web.users import User

REDACTED = "[redacted]"
CHANNELS = ("email", "fax", "sms", "portal", "edi", "upload")


def uow(request: Request, user: User | None, *, read_only: bool = False, actor: str | None = None):
    """One transaction in which everything is audited with the calling user as the actor."""
    return unit_of_work(actor or (user.actor if user else "system"), url=request.app.state.database_url,
                        read_only=read_only)


def redact(data, user: User):
    """A copy of a result with patient references hidden from roles that need not see them."""
    if allowed(user, "phi") or not isinstance(data, (dict, list)):
        return data
    data = deepcopy(data)
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "patient_ref" and value:
                    node[key] = REDACTED
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, (dict, list)))
    return data


async def read_upload(upload: UploadFile | None, field: str = "file") -> tuple[bytes, str]:
    """The bytes and a safe file name of an uploaded file; refuses an empty or missing one."""
    if upload is None or not upload.filename:
        raise ApiError(422, "missing_file", f"attach a file in the {field!r} field")
    data = await upload.read()
    if not data:
        raise ApiError(422, "empty_file", f"{upload.filename} is empty")
    name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1][:200] or "upload"
    return data, name


def check_channel(channel: str | None) -> str | None:
    if channel and channel not in CHANNELS:
        raise ApiError(422, "invalid_channel", f"channel must be one of {', '.join(CHANNELS)}")
    return channel or None


def media_type(data: bytes, filename: str) -> str:
    """How to show stored bytes inline: PDFs and images as themselves, everything else as text."""
    head = data[:16]
    if head.startswith(b"%PDF"):
        return "application/pdf"
    for magic, kind in ((b"\x89PNG", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif"),
                        (b"II*\x00", "image/tiff"), (b"MM\x00*", "image/tiff")):
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "text/plain; charset=utf-8"
