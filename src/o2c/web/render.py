"""Server-rendered pages: one Jinja2 environment, the helpers every template uses, the error page."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from o2c.web.auth import allowed, page_csrf

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))


def money(value) -> str:
    """1234.5 -> 1,234.50 (from a Decimal or decimal text; never via float)."""
    if value is None or value == "":
        return ""
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    return f"{amount.quantize(Decimal('0.01')):,}"


TEMPLATES.env.filters["money"] = money


def page(request: Request, name: str, context: dict | None = None, status: int = 200):
    user = getattr(request.state, "user", None)
    ctx = {"user": user, "csrf": page_csrf(request), "can": (lambda p: bool(user) and allowed(user, p)),
           **(context or {})}
    response = TEMPLATES.TemplateResponse(request, name, ctx, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def error_page(request: Request, status: int, code: str, message: str, problems: list[str] | None = None):
    return page(request, "error.html", {"status": status, "code": code, "message": message,
                                        "problems": problems or []}, status=status)
