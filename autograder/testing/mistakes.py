"""Helpers for a hidden test's `alternatives` (the values known mistakes give, computed on the trusted side)."""
from __future__ import annotations

from .compare import TOLERANCES, _close


def distinct(alternatives: dict, expected) -> dict:
    """`alternatives` without the mistakes that give the right answer on this input (e.g. a missing
    abs() where every error is positive): a value that matches one of those names no mistake."""
    return {tag: (None if value is None or _close(value, expected, TOLERANCES["diagnosis"]) else value)
            for tag, value in alternatives.items()}
