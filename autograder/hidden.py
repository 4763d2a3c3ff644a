"""The hidden suite from inside the instructor's source notebook (trusted code only).

A grade cell's `### BEGIN HIDDEN TESTS` region calls `run_hidden("backprop", "relu_grad", globals())`:
the function's hidden tests run against the notebook's own definitions, in process. nbgrader
removes the region from the release, so students never see it.
"""
from __future__ import annotations

from .course import load_course
from .sandbox.proxy import LocalStudent
from .suite import run_suite


def run_hidden(assignment: str, function: str, namespace: dict) -> None:
    """Run `function`'s hidden tests on the definitions in `namespace`; AssertionError if any fails."""
    spec = load_course().assignment(assignment)
    outcomes = run_suite(spec, LocalStudent(dict(namespace)), only=function)
    failed = [o for o in outcomes if not o.passed]
    if failed:
        details = "\n".join(f"- {o.test}: {o.message} [{', '.join(o.tags)}]" for o in failed)
        raise AssertionError(f"{function}: {len(failed)} of {len(outcomes)} hidden tests failed\n{details}")
    print(f"{function}: all {len(outcomes)} hidden tests passed")
