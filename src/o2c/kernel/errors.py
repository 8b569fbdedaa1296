"""Typed errors with stable codes.

Entry points turn these into exit code 1 (input understood but refused) with the message, never a
traceback. ``Problem`` is the unit of validation: code, message and where it was found, so that a
loader or a rule engine can collect every problem instead of stopping at the first.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    message: str
    source: str | None = None   # file name, document id, bank file ...
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.source:
            where = self.source + (f":{self.line}" if self.line is not None else "") + ": "
        elif self.line is not None:
            where = f"line {self.line}: "
        col = f"{self.field}: " if self.field else ""
        return f"{where}{col}{self.message}"


class O2CError(Exception):
    """Base of every refusal o2c makes on purpose."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None, problems: list[Problem] | None = None):
        super().__init__(message)
        if code:
            self.code = code
        self.problems = problems or []

    def __str__(self) -> str:
        head = super().__str__()
        if not self.problems:
            return head
        return head + "\n" + "\n".join(str(p) for p in self.problems)


class InvalidValue(O2CError):
    """A single value that cannot be what its field needs."""

    code = "invalid_value"

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class NotFound(O2CError):
    code = "not_found"


class Conflict(O2CError):
    """The request contradicts stored state (stock that is not there, an invoice already paid...)."""

    code = "conflict"


class ValidationFailed(O2CError):
    """Many problems found at once (a master data load, an invoice's required fields)."""

    code = "validation_failed"

    def __init__(self, message: str, problems: list[Problem]):
        super().__init__(message, problems=problems)


@dataclass
class ProblemList:
    """Collects problems; ``raise_if_any`` turns them into one ValidationFailed."""

    items: list[Problem] = field(default_factory=list)

    def add(self, code: str, message: str, **where) -> None:
        self.items.append(Problem(code, message, **where))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self, message: str) -> None:
        if self.items:
            raise ValidationFailed(message, list(self.items))
