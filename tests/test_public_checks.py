"""The public checks agree with the grader: each judges its own function only.

For every mutant of every catalogue (one function wrong, the rest the reference), the public
check of every other function passes, or, for a composite whose part fails its own check, says
which part to fix first without failing: the grader charges the mistake once, where it is.
"""
import contextlib
import importlib.util
import io
import sys

import pytest

from autograder.course import load_course
from autograder.release import released_file
from autograder.validate import catalogue_path, load_catalogue, mutant_submission, reference_path

COURSE = load_course()
ASSIGNMENTS = [a for a in COURSE.assignments.values() if catalogue_path(a).exists()]


def public_checks(assignment):
    """The assignment's released public_checks module, imported as a student's notebook would."""
    base = released_file(assignment, "public_base.py").parent
    if str(base) not in sys.path:
        sys.path.insert(0, str(base))
    path = released_file(assignment, "public_checks.py")
    spec = importlib.util.spec_from_file_location(f"public_checks_of_{assignment.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def namespace_of(source: str) -> dict:
    namespace = {"__name__": "student"}
    exec(compile(source, "student.py", "exec"), namespace)
    return namespace


def verdict(checks, name, namespace) -> tuple[str, str]:
    """("passed" | "not checked" | "failed", what the cell printed or raised)."""
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            checks.check(name, namespace[name])
    except Exception as err:  # noqa: BLE001 - the student's code or the check failed
        return "failed", f"{type(err).__name__}: {err}"
    text = printed.getvalue()
    return ("not checked" if "not checked yet" in text else "passed"), text


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_the_reference_passes_every_public_check(assignment):
    checks = public_checks(assignment).CHECKS
    assert set(checks) == {f.name for f in assignment.functions}
    namespace = namespace_of(reference_path(assignment).read_text("utf-8"))
    for name in checks:
        assert verdict(checks, name, namespace)[0] == "passed", name


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_a_wrong_function_fails_no_other_functions_public_check(assignment):
    checks = public_checks(assignment).CHECKS
    reference = reference_path(assignment).read_text("utf-8")
    blamed = 0
    for mutant in load_catalogue(assignment):
        namespace = namespace_of(mutant_submission(reference, mutant))
        for name in checks:
            if name == mutant.function:
                continue
            outcome, text = verdict(checks, name, namespace)
            assert outcome != "failed", (mutant.id, name, text)
            if outcome == "not checked":
                blamed += 1
                assert f"`{mutant.function}`" in text, (mutant.id, name, text)
    assert blamed, "no composite's public check ever depended on a part: the test proves nothing"


def test_relu_grad_with_ge_sends_the_student_to_relu_grad(backprop):
    checks = public_checks(backprop).CHECKS
    source = reference_path(backprop).read_text("utf-8").replace("(z > 0)", "(z >= 0)", 1)
    namespace = namespace_of(source)
    assert verdict(checks, "relu_grad", namespace)[0] == "failed"
    outcome, text = verdict(checks, "dL_dz1", namespace)
    assert outcome == "not checked" and "`relu_grad`" in text and "Fix `relu_grad` first" in text
