"""Who is calling and what they may do.

Two ways in: a browser session (a signed, HttpOnly, SameSite=Lax cookie holding the user id, a random
nonce and an expiry) or ``Authorization: Bearer <token>`` for machines. Every route declares the
permission it needs with ``Depends(require("..."))``; permissions map to roles in one table here,
so who may do what is read in one place. Browser sessions must also send the CSRF token (a hidden
form field or ``X-CSRF-Token``) with every state-changing request: it is an HMAC of the session's
nonce, so another site can neither read nor forge it. Token callers need none (no ambient cookie).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from o2c.kernel.dates import utcnow
from o2c.storage import schema as t
from o2c.storage.db import get_engine, transaction
from o2c.web.users import User, active_user, user_for_token

SESSION_COOKIE = "o2c_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

#: permission -> roles that hold it
PERMISSIONS: dict[str, frozenset[str]] = {
    "read": frozenset({"admin", "operations", "finance", "viewer"}),
    "intake": frozenset({"admin", "operations", "rep"}),
    "usage": frozenset({"admin", "operations", "rep"}),
    "queue": frozenset({"admin", "operations"}),
    "finance": frozenset({"admin", "finance"}),
    "phi": frozenset({"admin", "operations"}),        # may see patient references
    "admin": frozenset({"admin"}),
    "any": frozenset({"admin", "operations", "finance", "rep", "viewer"}),
}


class NotAuthenticated(Exception):
    """No valid session or token: API callers get 401, browsers the login page."""


class Forbidden(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def allowed(user: User, permission: str) -> bool:
    return user.role in PERMISSIONS[permission]


# ------------------------------------------------------------------ the signing key
def signing_key(url: str | None, configured: str | None) -> bytes:
    """The configured key, else one generated once and kept in the database so that every web process
    (and a restart) accepts the same cookies."""
    if configured:
        return configured.encode()
    engine = get_engine(url)
    with transaction(engine) as conn:
        value = conn.execute(select(t.app_secrets.c.value).where(t.app_secrets.c.name == "session_key")).scalar()
        if value is None:
            value = secrets.token_urlsafe(48)
            try:
                with conn.begin_nested():
                    conn.execute(insert(t.app_secrets).values(name="session_key", value=value, created_at=utcnow()))
            except IntegrityError:  # another process made it first: use theirs
                value = conn.execute(select(t.app_secrets.c.value)
                                     .where(t.app_secrets.c.name == "session_key")).scalar_one()
    return value.encode()


# ------------------------------------------------------------------ session cookies
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Session:
    user_id: int
    nonce: str
    expires: int


def make_session(key: bytes, user_id: int, hours: float, *, now: float | None = None) -> str:
    now = time.time() if now is None else now
    payload = _b64(json.dumps({"u": user_id, "n": secrets.token_urlsafe(16), "e": int(now + hours * 3600)},
                              separators=(",", ":")).encode())
    return payload + "." + _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


def read_session(key: bytes, cookie: str | None, *, now: float | None = None) -> Session | None:
    if not cookie or cookie.count(".") != 1:
        return None
    payload, mac = cookie.split(".")
    expected = _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(mac, expected):
        return None
    try:
        data = json.loads(_unb64(payload))
        session = Session(int(data["u"]), str(data["n"]), int(data["e"]))
    except (ValueError, KeyError, TypeError):
        return None
    if session.expires < (time.time() if now is None else now):
        return None
    return session


def csrf_token(key: bytes, session: Session) -> str:
    return hmac.new(key, f"csrf|{session.nonce}".encode(), hashlib.sha256).hexdigest()[:40]


# ------------------------------------------------------------------ request -> user
def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _lookup(url: str | None, token: str | None, session: Session | None) -> User | None:
    with transaction(get_engine(url)) as conn:
        if token:
            return user_for_token(conn, token, utcnow())
        return active_user(conn, session.user_id) if session else None


async def current_user(request: Request) -> User | None:
    """The caller, or None; remembered on the request so one request looks it up once."""
    if hasattr(request.state, "user"):
        return request.state.user
    state = request.app.state
    token = _bearer(request)
    session = None if token else read_session(state.signing_key, request.cookies.get(SESSION_COOKIE))
    user = await run_in_threadpool(_lookup, state.database_url, token, session) if (token or session) else None
    request.state.user, request.state.session = user, session
    return user


async def _check_csrf(request: Request) -> None:
    session: Session | None = request.state.session
    expected = csrf_token(request.app.state.signing_key, session) if session else None
    given = request.headers.get(CSRF_HEADER)
    if not given and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        given = (await request.form()).get(CSRF_FIELD)
    if not expected or not given or not hmac.compare_digest(str(given), expected):
        raise Forbidden("missing or invalid CSRF token: reload the page and try again")


def require(permission: str):
    """A dependency that yields the calling ``User`` if their role holds ``permission``."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission}")

    async def dependency(request: Request) -> User:
        user = await current_user(request)
        if user is None:
            raise NotAuthenticated()
        if user.via == "session" and request.method not in SAFE_METHODS:
            await _check_csrf(request)
        if not allowed(user, permission):
            raise Forbidden(f"role {user.role} may not do this (needs {permission})")
        return user

    dependency.permission = permission  # the route walk test reads this
    return dependency


def page_csrf(request: Request) -> str:
    """The token forms on a page must carry (empty when there is no session)."""
    session = getattr(request.state, "session", None)
    return csrf_token(request.app.state.signing_key, session) if session else ""
