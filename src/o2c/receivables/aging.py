"""Aging: how late each open receivable is, in the buckets collectors talk about.

Buckets are by days past due on the as-of date: current (not yet due), 1-30, 31-60, 61-90, 90+.
"""
from __future__ import annotations

from datetime import date

BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")


def days_past_due(due_date: date, as_of: date) -> int:
    return (as_of - due_date).days


def bucket_for(due_date: date, as_of: date) -> str:
    days = days_past_due(due_date, as_of)
    if days <= 0:
        return "current"
    if days <= 30:
        return "1-30"
    if days <= 60:
        return "31-60"
    if days <= 90:
        return "61-90"
    return "90+"
