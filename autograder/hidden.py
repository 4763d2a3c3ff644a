"""The hidden suite from inside a notebook (the instructor's source notebook, or nbgrader autograde).

A grade cell's `### BEGIN HIDDEN TESTS` region calls `run_hidden("backprop", "relu_grad", globals())`:
the function's hidden tests run against the notebook's own definitions, in process. nbgrader
removes the region from the release, so students never see it. Error carried forward works here
as in the grader (docs/scoring.md): a function whose hidden tests failed earlier in this kernel is
replaced by the reference's while the composites that call it are graded.
"""
from __future__ import annotations

from . import parts
from .course import load_course
from .sandbox.proxy import LocalStudent
from .suite import run_suite

FAILED_IN_THIS_KERNEL: dict[str, set[str]] = {}   # assignment -> functions whose hidden tests failed


def run_hidden(assignment: str, function: str, namespace: dict) -> None:
    """Run `function`'s hidden tests on the definitions in `namespace`; AssertionError if any fails."""
    spec = load_course().assignment(assignment)
    student = LocalStudent(dict(namespace), parts=parts.plan(spec)[1])
    failed_before = FAILED_IN_THIS_KERNEL.setdefault(assignment, set())
    student.broken_parts |= failed_before
    outcomes = run_suite(spec, student, only=function)
    failed = [o for o in outcomes if not o.passed]
    if failed:
        failed_before.add(function)
        details = "\n".join(f"- {o.test}: {o.message} [{', '.join(o.tags)}]" for o in failed)
        raise AssertionError(f"{function}: {len(failed)} of {len(outcomes)} hidden tests failed\n{details}")
    print(f"{function}: all {len(outcomes)} hidden tests passed")
    for note in dict.fromkeys(o.message for o in outcomes if o.message):   # passed with the reference's parts
        print(note)
