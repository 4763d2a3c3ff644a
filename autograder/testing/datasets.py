"""Checking a graded function that builds a dataset: `name`() -> (X, Y), the same for every student.

X's rows are the inputs in counting order, most significant bit first, so one mistake is named
for X everywhere (the bits reversed); what a wrong Y looks like depends on the task.
"""
from __future__ import annotations

from .compare import assert_close
from .mistakes import Mistake
from .types import as_pair


def check_dataset(student, reference, name, *, y_what, y_mistakes):
    """The student's `name`() -> (X, Y) against the reference's: X with its bits reversed named, then
    Y (what: "Y from name()" + y_what) with y_mistakes(X, Y of the reference) named."""
    X, Y = as_pair(getattr(student, name)(), f"{name}()", "(X, Y)")
    X_ref, Y_ref = getattr(reference, name)()
    assert_close(X, X_ref, what=f"X from {name}()", mistakes=[Mistake("bit_order_reversed", X_ref[:, ::-1])])
    assert_close(Y, Y_ref, what=f"Y from {name}(){y_what}", mistakes=y_mistakes(X_ref, Y_ref))
