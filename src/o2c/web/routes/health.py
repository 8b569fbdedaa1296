"""Liveness and readiness for load balancers: public, and says nothing a stranger could use."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from o2c.storage.db import get_engine

router = APIRouter(tags=["health"])


@router.get("/api/health", summary="Is the service up and its database reachable (no login needed)")
def health(request: Request):
    try:
        with get_engine(request.app.state.database_url).connect() as conn:
            revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        return {"status": "ok", "database": "ok", "schema": revision}
    except Exception:  # noqa: BLE001 - unhealthy is an answer, not an error
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
