"""People and machines: users with a role, and API tokens that act as a user.

Use cases (each runs in the caller's unit of work and is audited with the acting user): add a user,
list users, log in (password check), create and resolve API tokens. Tokens are shown once and kept
only as SHA-256 digests: they are long random strings, so a fast hash is enough and lookups are an
index hit.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from o2c.kernel.errors import Conflict, InvalidValue, NotFound
from o2c.storage import schema as t
from o2c.storage.uow import UnitOfWork
from o2c.web.passwords import DUMMY_HASH, check_strength, hash_password, verify_password

ROLES = ("admin", "operations", "finance", "rep", "viewer")
TOKEN_PREFIX = "o2c_"


@dataclass(frozen=True)
class User:
    user_id: int
    username: str
    role: str
    rep_id: str | None = None
    via: str = "session"        # session | token: only session callers need CSRF tokens

    @property
    def actor(self) -> str:
        """How the audit log names this person."""
        return f"user:{self.username}"


def _user(row, via: str = "session") -> User:
    return User(row["user_id"], row["username"], row["role"], row["rep_id"], via)


def _valid_name(username: str) -> str:
    name = (username or "").strip()
    if not name or len(name) > 80 or any(ch.isspace() for ch in name):
        raise InvalidValue("username", "needs 1-80 characters without spaces")
    return name


def add_user(uow: UnitOfWork, username: str, role: str, password: str, *, rep_id: str | None = None) -> User:
    name = _valid_name(username)
    if role not in ROLES:
        raise InvalidValue("role", f"{role!r} is not one of {', '.join(ROLES)}")
    weak = check_strength(password)
    if weak:
        raise InvalidValue("password", weak)
    if rep_id and uow.conn.execute(select(t.reps.c.rep_id).where(t.reps.c.rep_id == rep_id)).first() is None:
        raise NotFound(f"rep {rep_id} does not exist in master data", code="unknown_rep_id")
    if uow.conn.execute(select(t.users.c.user_id).where(t.users.c.username == name)).first() is not None:
        raise Conflict(f"user {name} already exists", code="user_exists")
    user_id = uow.conn.execute(insert(t.users).values(
        username=name, role=role, password_hash=hash_password(password), rep_id=rep_id, active=True,
        created_at=uow.now)).inserted_primary_key[0]
    uow.audit("user_added", "user", name, {"role": role, "rep_id": rep_id})
    return User(user_id, name, role, rep_id)


def list_users(conn: Connection) -> list[dict]:
    rows = conn.execute(select(t.users.c.username, t.users.c.role, t.users.c.rep_id, t.users.c.active,
                               t.users.c.created_at, t.users.c.last_login_at).order_by(t.users.c.username))
    return [dict(r) for r in rows.mappings()]


def authenticate(uow: UnitOfWork, username: str, password: str) -> User | None:
    """The user when the password matches an active account; every attempt is audited."""
    row = uow.conn.execute(select(t.users).where(t.users.c.username == (username or "").strip())).mappings().first()
    ok = verify_password(password or "", row["password_hash"] if row else DUMMY_HASH)
    if row is None or not ok or not row["active"]:
        uow.audit("login_failed", "user", (username or "")[:80], {})
        return None
    uow.conn.execute(update(t.users).where(t.users.c.user_id == row["user_id"]).values(last_login_at=uow.now))
    uow.audit("login", "user", row["username"], {})
    return _user(row)


def active_user(conn: Connection, user_id: int) -> User | None:
    row = conn.execute(select(t.users).where(t.users.c.user_id == user_id, t.users.c.active.is_(True))).mappings().first()
    return _user(row) if row else None


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(uow: UnitOfWork, username: str, label: str) -> str:
    """A new API token for ``username``; the only time its text exists outside the caller."""
    row = uow.conn.execute(select(t.users).where(t.users.c.username == username)).mappings().first()
    if row is None:
        raise NotFound(f"user {username} does not exist", code="unknown_user")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    uow.conn.execute(insert(t.api_tokens).values(user_id=row["user_id"], label=label or "api",
                                                 token_hash=token_digest(token), created_at=uow.now))
    uow.audit("token_created", "user", username, {"label": label})
    return token


def user_for_token(conn: Connection, token: str, now) -> User | None:
    tok, users = t.api_tokens, t.users
    row = conn.execute(select(users).join(tok, tok.c.user_id == users.c.user_id)
                       .where(tok.c.token_hash == token_digest(token), tok.c.revoked_at.is_(None),
                              users.c.active.is_(True))).mappings().first()
    if row is None:
        return None
    conn.execute(update(tok).where(tok.c.token_hash == token_digest(token)).values(last_used_at=now))
    return _user(row, via="token")
