"""``o2c serve``, ``o2c worker`` and ``o2c user``: the web application, background work, and who may log in."""
from __future__ import annotations

import getpass
import sys

from o2c.cli.main import UsageError, command, emit
from o2c.storage.uow import unit_of_work


def _ready() -> None:
    from o2c.cli.commands import ready
    ready()


# ------------------------------------------------------------------ serve
@command("serve")
def _serve(sub):
    p = sub.add_parser("serve", help="run the web application and HTTP API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--smtp-port", type=int, help="also listen for e-mail on this SMTP port (overrides [email])")
    p.add_argument("--no-worker", action="store_true", help="do not run the in-process job worker")
    p.add_argument("--log-level", default="info")
    p.set_defaults(func=run_serve)


def _smtp_listener(args):
    """The SMTP listener when configured (``[email] mode = "smtp"``) or asked for with --smtp-port."""
    from o2c.jobs.settings import section
    email = section("email")
    if not args.smtp_port and email.get("mode") != "smtp":
        return None
    from o2c.intake.channels.smtp_listener import SmtpListener
    return SmtpListener(host=email.get("smtp_host") or args.host, port=args.smtp_port or int(email["smtp_port"]))


def run_serve(args):
    import uvicorn
    from o2c.web import config as web_config
    from o2c.web.app import create_app
    _ready()
    config = web_config.load()
    if args.no_worker:
        config = config.with_(inprocess_worker=False)
    app = create_app(config)
    listener = _smtp_listener(args)
    if listener is not None:
        listener.start()
        print(f"o2c: receiving e-mail on smtp://{listener.host}:{listener.port}", file=sys.stderr)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, proxy_headers=True,
                    server_header=False)
    finally:
        if listener is not None:
            listener.stop()
    return 0


# ------------------------------------------------------------------ worker
@command("worker")
def _worker(sub):
    p = sub.add_parser("worker", help="process queued jobs and publish the outbox")
    p.add_argument("--once", action="store_true", help="drain what is ready now, then exit")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_worker)


def _imap_task():
    """The configured IMAP poll, at most once per ``[email] poll_seconds`` however often it is called."""
    import time
    from o2c.jobs.settings import section
    email = section("email")
    if email.get("mode") != "imap":
        return None
    from o2c.intake.channels.imap_poller import poll_configured
    last = [float("-inf")]

    def task():
        if time.monotonic() - last[0] < float(email.get("poll_seconds") or 60):
            return 0
        last[0] = time.monotonic()
        return poll_configured()
    return task


def run_worker(args):
    from o2c.jobs.worker import Context, Runner, run_pass
    _ready()
    context = Context()
    imap = _imap_task()
    if args.once:
        result = run_pass(context).as_dict()
        if imap is not None:
            result["imap"] = imap()
        emit(args, result, ", ".join(f"{k}: {v}" for k, v in result.items()))
        return 0
    print("o2c worker: processing jobs (Ctrl-C to stop)", file=sys.stderr)
    Runner(context, extra=[imap] if imap else []).run_forever()
    return 0


# ------------------------------------------------------------------ users
@command("user")
def _user(sub):
    p = sub.add_parser("user", help="people who may log in, and API tokens for machines")
    s = p.add_subparsers(dest="user_command", required=True)
    a = s.add_parser("add", help="add a user (password from stdin or a prompt)")
    a.add_argument("name")
    a.add_argument("--role", required=True, help="admin, operations, finance, rep or viewer")
    a.add_argument("--rep-id", help="the rep record of a rep user")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=run_user_add)
    ls = s.add_parser("list", help="list users")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=run_user_list)
    tk = s.add_parser("token", help="create an API token for a user (shown once)")
    tk.add_argument("name")
    tk.add_argument("--label", default="api")
    tk.add_argument("--json", action="store_true")
    tk.set_defaults(func=run_user_token)


def read_password() -> str:
    """From a prompt (typed twice) on a terminal, else the first line of stdin (scripts, tests)."""
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise UsageError("o2c user add: the passwords differ")
        return first
    line = sys.stdin.readline()
    if not line:
        raise UsageError("o2c user add: no password on stdin")
    return line.rstrip("\r\n")


def run_user_add(args):
    from o2c.web.users import add_user
    _ready()
    password = read_password()
    with unit_of_work("cli") as uow:
        user = add_user(uow, args.name, args.role, password, rep_id=args.rep_id)
    emit(args, {"username": user.username, "role": user.role, "rep_id": user.rep_id},
         f"user {user.username} added ({user.role})")


def run_user_list(args):
    from o2c.web.users import list_users
    _ready()
    with unit_of_work(read_only=True) as uow:
        users = list_users(uow.conn)
    emit(args, users, "\n".join(f"{u['username']:<24} {u['role']:<11} {u['rep_id'] or '':<8} "
                                f"{'active' if u['active'] else 'disabled'}" for u in users) or "no users")


def run_user_token(args):
    from o2c.web.users import create_token
    _ready()
    with unit_of_work("cli") as uow:
        token = create_token(uow, args.name, args.label)
    emit(args, {"username": args.name, "label": args.label, "token": token},
         f"{token}\n(shown once: store it now; send it as 'Authorization: Bearer <token>')")
