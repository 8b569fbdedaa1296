"""Request body size limit, enforced before any route reads the body.

A declared ``Content-Length`` over the limit is refused at once; a chunked body is counted as it
streams and cut off when it passes the limit. Either way the client gets 413 with a JSON message
naming the limit, and nothing is stored.
"""
from __future__ import annotations

import json

from fastapi import HTTPException

MB = 1024 * 1024


class TooLarge(HTTPException):
    """An HTTP error so that the framework's body reader passes it on instead of calling it a parse error."""

    def __init__(self, limit: int):
        size = f"{limit / MB:g} MB" if limit >= MB else f"{limit} bytes"
        super().__init__(413, f"the upload is larger than the limit of {size}")


def _message(limit: int) -> bytes:
    size = f"{limit / MB:g} MB" if limit >= MB else f"{limit} bytes"
    return json.dumps({"error": "too_large", "message": f"the upload is larger than the limit of {size}",
                       "problems": []}).encode()


class BodyLimit:
    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def _refuse(self, send) -> None:
        payload = _message(self.limit)
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": payload})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await self._refuse(send)
        seen = 0
        started = False

        async def counting_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise TooLarge(self.limit)
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except TooLarge:
            if not started:
                await self._refuse(send)
