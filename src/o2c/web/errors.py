"""Errors as JSON with stable codes for the API, as a page for the dashboard; never a traceback.

``{"error": "<code>", "message": "...", "problems": [...]}``. The status follows the error's type:
not found 404, conflict 409, refused input 422, other refusals 400, not logged in 401, not allowed
403, too large 413. An unexpected error is logged with a reference (type only: messages may hold
patient data) and the caller gets that reference to quote.
"""
from __future__ import annotations

import logging
import uuid
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from o2c.kernel.errors import Conflict, InvalidValue, NotFound, O2CError, ValidationFailed
from o2c.web.auth import Forbidden, NotAuthenticated

log = logging.getLogger("o2c.web")


class ApiError(Exception):
    """A refusal from the web layer itself (bad upload, feature not installed...)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith(("/api/", "/webhooks/")) or "application/json" in request.headers.get("accept", "")


def body(code: str, message: str, problems: list[str] | None = None) -> dict:
    return {"error": code, "message": message, "problems": problems or []}


def status_for(err: O2CError) -> int:
    if isinstance(err, NotFound):
        return 404
    if isinstance(err, Conflict):
        return 409
    if isinstance(err, (InvalidValue, ValidationFailed)):
        return 422
    return 400


def respond(request: Request, status: int, code: str, message: str, problems: list[str] | None = None):
    if wants_json(request):
        return JSONResponse(body(code, message, problems), status_code=status)
    from o2c.web.render import error_page
    return error_page(request, status, code, message, problems)


def install(app: FastAPI) -> None:
    @app.exception_handler(O2CError)
    async def _o2c(request: Request, err: O2CError):
        return respond(request, status_for(err), err.code, str(err).splitlines()[0], [str(p) for p in err.problems])

    @app.exception_handler(ApiError)
    async def _api(request: Request, err: ApiError):
        return respond(request, err.status, err.code, err.message)

    @app.exception_handler(NotAuthenticated)
    async def _anonymous(request: Request, _err: NotAuthenticated):
        if wants_json(request):
            return JSONResponse(body("not_authenticated", "log in or send an API token (Authorization: Bearer)"),
                                status_code=401, headers={"WWW-Authenticate": "Bearer"})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, err: Forbidden):
        return respond(request, 403, "forbidden", err.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, err: RequestValidationError):
        problems = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in err.errors()]
        return respond(request, 422, "invalid_request", "the request is not valid", problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, err: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(err.status_code, "http_error")
        return respond(request, err.status_code, code, str(err.detail))

    @app.exception_handler(Exception)
    async def _bug(request: Request, err: Exception):
        reference = uuid.uuid4().hex[:12]
        log.error("internal error %s on %s %s: %s", reference, request.method, request.url.path, type(err).__name__)
        return respond(request, 500, "internal_error", f"internal error (reference {reference})")
