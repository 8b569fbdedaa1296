"""Sub-commands of ``o2c`` (each a thin wrapper around one use case)."""
from __future__ import annotations

from pathlib import Path

from o2c.cli.main import UsageError, command, emit
from o2c.storage.migrate import is_initialised, migrate
from o2c.storage.uow import unit_of_work


def ready() -> None:
    """Commands work on a fresh machine: an uninitialised database is created first."""
    if not is_initialised():
        migrate()


@command("init")
def _init(sub):
    p = sub.add_parser("init", help="create or migrate the database")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_init)


def run_init(args):
    revision = migrate()
    emit(args, {"revision": revision}, f"database ready (schema revision {revision})")


@command("load")
def _load(sub):
    p = sub.add_parser("load", help="import master data from a folder of CSV files")
    p.add_argument("folder")
    p.add_argument("--actor", default="cli")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_load)


def run_load(args):
    from o2c.masterdata.service import load_master_data
    folder = Path(args.folder)
    if not folder.is_dir():
        raise UsageError(f"o2c load: {folder} is not a folder")
    ready()
    with unit_of_work(args.actor) as uow:
        result = load_master_data(uow, folder)
    summary = result.as_dict()
    lines = [f"loaded {folder}: " + ("no changes" if not result.changed else
                                     f"{sum(result.inserted.values())} new, {sum(result.updated.values())} updated")]
    for file in sorted(set(result.inserted) | set(result.updated) | set(result.unchanged)):
        lines.append(f"  {file}: {result.inserted.get(file, 0)} new, {result.updated.get(file, 0)} updated, "
                     f"{result.unchanged.get(file, 0)} unchanged")
    emit(args, summary, "\n".join(lines))


@command("audit")
def _audit(sub):
    p = sub.add_parser("audit", help="the tamper-evident audit log")
    s = p.add_subparsers(dest="audit_command", required=True)
    v = s.add_parser("verify", help="check the hash chain: detects edited or deleted records")
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=run_audit_verify)


def run_audit_verify(args):
    from o2c.audit.service import verify
    from o2c.kernel.errors import O2CError
    ready()
    with unit_of_work(read_only=True) as uow:
        problems = verify(uow.conn)
        count = uow.conn.exec_driver_sql("SELECT count(*) FROM audit_log").scalar_one()
    if problems:
        raise O2CError(f"audit log verification failed ({len(problems)} problem(s)):\n" + "\n".join(problems),
                       code="audit_broken")
    emit(args, {"records": count, "ok": True}, f"audit log intact: {count} records, hash chain verified")
