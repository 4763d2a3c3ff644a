"""Named hints for known mistakes whose diagnosis code is only `wrong_values`.

`assert_close` names a mistake by its tag; some mistakes have no tag of their own (e.g. the
sigmoid derivative taken at the activation instead of the pre-activation). `with_hints` runs a
check and, when it fails and the student's value equals the value a known mistake gives
(computed on the trusted side), adds a sentence saying which mistake that is.
"""
from __future__ import annotations

from ..diagnosis import Failure
from .compare import TOLERANCES, _close


def with_hints(check, actual, hints):
    """Run `check()` (e.g. a lambda around assert_close). hints: {explanation: value the mistake gives}."""
    try:
        check()
    except Failure as failure:
        for text, value in hints.items():
            if value is not None and _close(actual, value, TOLERANCES["diagnosis"]):
                raise Failure(f"{failure.message}\nHint: {text}", failure.tags) from None
        raise
