"""The `case` fixture of hidden suites: one call of a graded function, the student's and the reference's.

    def test_train_matches_reference(case, net, lr, steps):
        _check_train(case("train", *net, lr, steps))

    def _check_train(run: CallCase, *, tol="training"):
        X, Y, params, lr, steps = run.args
        assert_close(run.value[1], run.expected[1], tol=tol, ...)

A check of a composite (a function of many arguments) takes one `CallCase` instead of the student,
the reference and every argument one by one. The student's function is called when the case is
made (through the proxy: values come back as plain data); the reference's value is computed on
first use, on the trusted side.
"""
from __future__ import annotations

from functools import cached_property


class CallCase:
    """`function(*args)` called on the student's side (`call`, `value`) and on the reference's (`expected`)."""

    def __init__(self, student, reference, function: str, args: tuple) -> None:
        self.student, self.reference, self.function, self.args = student, reference, function, tuple(args)
        self.call = student.call(function, *args)     # .value, .mutated, .aliased (autograder/sandbox/proxy.py)

    @property
    def value(self):
        """What the student's function returned."""
        return self.call.value

    @cached_property
    def expected(self):
        """What the reference returns for the same arguments."""
        return getattr(self.reference, self.function)(*self.args)


class Cases:
    """What the `case` fixture gives a hidden test: `case(function, *args) -> CallCase`."""

    def __init__(self, student, reference) -> None:
        self.student, self.reference = student, reference

    def __call__(self, function: str, *args) -> CallCase:
        return CallCase(self.student, self.reference, function, args)
