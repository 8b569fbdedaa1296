"""Build the FastAPI application (``create_app``) that ``o2c serve`` runs.

Wiring only: configuration, the signing key, the body-size limit, error handlers, routers, the
in-process worker. The interactive API documentation (/api/docs) and schema (/api/openapi.json) need
a login like everything else; only /login, /api/health, /static and the signed webhooks are open.
"""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from o2c.storage.db import database_url
from o2c.web import config as web_config
from o2c.web import errors
from o2c.web.auth import require, signing_key
from o2c.web.limits import BodyLimit
from o2c.web.routes import api_cash, api_intake, api_sales, health, pages, portal, webhooks
from o2c.web.users import User

log = logging.getLogger("o2c.web")
#: paths that answer without a session or token (each checks something else, or reveals nothing)
PUBLIC_PATHS = {"/login", "/api/health", "/webhooks/twilio/sms"}


def _worker_runner(app: FastAPI):
    from o2c.jobs.worker import Context, Runner
    return Runner(Context(url=app.state.database_url, services=app.state.services))


@asynccontextmanager
async def lifespan(app: FastAPI):
    runner = _worker_runner(app).start() if app.state.config.inprocess_worker else None
    app.state.runner = runner
    try:
        yield
    finally:
        if runner is not None:
            runner.stop()


def _add_docs(app: FastAPI) -> None:
    @app.get("/api/openapi.json", include_in_schema=False)
    def openapi(user: User = Depends(require("any"))):
        return JSONResponse(app.openapi())

    @app.get("/api/docs", include_in_schema=False)
    def docs(user: User = Depends(require("any"))):
        return get_swagger_ui_html(openapi_url="/api/openapi.json", title="o2c API")


def create_app(config: web_config.WebConfig | None = None, *, url: str | None = None,
               services: dict | None = None) -> FastAPI:
    """The application for one database (``url`` or ``O2C_DATABASE_URL``)."""
    config = config or web_config.load()
    app = FastAPI(title="o2c", version="1", description="Order-to-cash API: intake, exception queue, orders, "
                  "receivables and cash.", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.state.config = config
    app.state.database_url = database_url(url)
    app.state.signing_key = signing_key(app.state.database_url, config.secret_key)
    app.state.services = services or {}
    app.state.runner = None
    app.state.wake_worker = lambda: _wake(app)
    errors.install(app)
    for router in (health.router, api_intake.router, api_sales.router, api_cash.router, webhooks.router,
                   pages.router, portal.router):
        app.include_router(router)
    _add_docs(app)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).with_name("static"))), name="static")
    app.add_middleware(BodyLimit, limit=config.max_upload_bytes)
    return app


def _wake(app: FastAPI) -> None:
    """Let the in-process worker run its next pass now rather than at its next poll."""
    runner = getattr(app.state, "runner", None)
    if runner is not None:
        runner.wake()


def api_routes(app: FastAPI) -> list[tuple[str, set[str], object]]:
    """Every (path, methods, endpoint) the application answers, through included routers too (newer
    FastAPI keeps included routers as branches rather than copying their routes)."""
    from fastapi.routing import APIRoute
    found = []

    def walk(routes, prefix: str) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                found.append((prefix + route.path, set(route.methods), route.endpoint))
            elif hasattr(route, "original_router"):
                context = getattr(route, "include_context", None)
                walk(route.original_router.routes, prefix + (getattr(context, "prefix", "") or ""))

    walk(app.routes, "")
    return found
