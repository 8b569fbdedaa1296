#!/usr/bin/env bash
# Run the whole test suite against SQLite and PostgreSQL. Starts PostgreSQL when it is installed but
# not running; when PostgreSQL cannot be reached the PostgreSQL half fails rather than skips.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null

pg_ready() { .venv/bin/python - <<'PY' 2>/dev/null
import psycopg
psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", connect_timeout=3).close()
PY
}
if ! pg_ready; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
    [ -n "$version" ] && pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  fi
  for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
fi
export O2C_REQUIRE_POSTGRES=1
export OMP_THREAD_LIMIT=1
exec .venv/bin/python -m pytest -n 2 --dist loadfile "$@"
