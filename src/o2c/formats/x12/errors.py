"""Errors raised by the X12 reader and writers.

One exception type for the whole format so that entry points can refuse an EDI file with a single
``except X12Error`` and print the per-file reason; the ``problems`` carry every envelope fault found,
not only the first, because a trading partner fixing a file wants the whole list at once.
"""
from __future__ import annotations

from o2c.kernel.errors import O2CError, Problem


class X12Error(O2CError):
    """An X12 file that cannot be read (or a value that cannot be written) as the standard says."""

    code = "x12_invalid"

    def __init__(self, message: str, *, source: str | None = None, problems: list[Problem] | None = None,
                 code: str | None = None):
        prefix = f"{source}: " if source else ""
        super().__init__(prefix + message, code=code, problems=problems)
        self.source = source
