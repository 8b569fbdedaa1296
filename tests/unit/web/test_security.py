"""Passwords, session cookies, CSRF tokens and outgoing webhook signatures."""
import time

from o2c.jobs import webhooks
from o2c.web.auth import PERMISSIONS, Session, csrf_token, make_session, read_session
from o2c.web.passwords import check_strength, hash_password, verify_password
from o2c.web.users import ROLES

KEY = b"k" * 32


def test_password_hash_is_salted_and_verifies_only_the_right_password():
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first != second and first.startswith("scrypt$")
    assert verify_password("correct horse", first)
    assert not verify_password("correct hors", first)
    assert not verify_password("x", "not-a-hash")


def test_short_passwords_are_refused():
    assert check_strength("short") and check_strength("long enough") is None


def test_session_cookie_round_trips_and_refuses_tampering_and_expiry():
    cookie = make_session(KEY, 7, hours=1)
    session = read_session(KEY, cookie)
    assert session.user_id == 7
    payload, mac = cookie.split(".")
    forged = make_session(KEY, 8, hours=1).split(".")[0] + "." + mac
    assert read_session(KEY, forged) is None
    assert read_session(b"other" * 8, cookie) is None
    assert read_session(KEY, make_session(KEY, 7, hours=1, now=time.time() - 7200)) is None
    assert read_session(KEY, "garbage") is None and read_session(KEY, None) is None


def test_csrf_token_is_bound_to_the_session():
    a, b = Session(1, "nonce-a", 0), Session(1, "nonce-b", 0)
    assert csrf_token(KEY, a) == csrf_token(KEY, a) != csrf_token(KEY, b)


def test_every_role_has_some_permission_and_only_admin_administers():
    for role in ROLES:
        assert any(role in roles for roles in PERMISSIONS.values())
    assert PERMISSIONS["admin"] == {"admin"}
    assert "viewer" not in PERMISSIONS["queue"] and "rep" not in PERMISSIONS["read"]


def test_webhook_signature_verifies_and_refuses_changes_and_replays():
    body = b'{"event":"document.created"}'
    header = webhooks.sign(body, "s3cret", timestamp=1_700_000_000)
    assert header.startswith("t=1700000000,v1=")
    assert webhooks.verify(header, body, "s3cret", now=1_700_000_100)
    assert not webhooks.verify(header, body + b" ", "s3cret", now=1_700_000_100)
    assert not webhooks.verify(header, body, "other", now=1_700_000_100)
    assert not webhooks.verify(header, body, "s3cret", now=1_700_000_000 + 301)
    assert not webhooks.verify("v1=abc", body, "s3cret")
