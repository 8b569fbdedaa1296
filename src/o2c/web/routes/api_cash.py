"""Bank files over HTTP: upload a BAI2 / camt / 820 / lockbox file and run cash application.

The use case belongs to the cash capability (``o2c.cash.importing``). Where it is not installed the
route answers 501 with a clear message instead of guessing at cash application here.
"""
from __future__ import annotations

import importlib

from fastapi import APIRouter, Depends, File, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from o2c.web.auth import require
from o2c.web.errors import ApiError
from o2c.web.routes.common import read_upload, uow
from o2c.web.users import User

router = APIRouter(prefix="/api", tags=["cash"])
ENTRY_POINTS = ("import_bank_file", "import_file", "import_payments")


def importer():
    """The cash import use case, or None when the cash capability does not provide one."""
    try:
        module = importlib.import_module("o2c.cash.importing")
    except ImportError:
        return None
    for name in ENTRY_POINTS:
        if callable(getattr(module, name, None)):
            return getattr(module, name)
    return None


def _as_dicts(results) -> list[dict]:
    """The contract's JSON per payment, whichever way the use case names its serialiser."""
    items = results if isinstance(results, (list, tuple)) else getattr(results, "payments", [results])
    out = []
    for item in items:
        for name in ("as_json", "as_dict"):
            if callable(getattr(item, name, None)):
                item = getattr(item, name)()
                break
        out.append(item)
    return out


def run_import(request: Request, user: User, data: bytes, filename: str) -> list[dict]:
    use_case = importer()
    if use_case is None:
        raise ApiError(501, "not_implemented", "bank file import is not available in this installation "
                                               "(o2c.cash.importing is missing)")
    with uow(request, user) as work:
        return _as_dicts(use_case(work, data, filename))


@router.post("/payments/import", summary="Import a bank file and apply the cash; one result per payment")
async def import_payments(request: Request, file: UploadFile = File(...),
                          user: User = Depends(require("finance"))) -> list[dict]:
    data, name = await read_upload(file)
    return await run_in_threadpool(run_import, request, user, data, name)
