"""Fixtures shared by every hidden suite.

`student` is the submission under grading when the grader runs the suite (its plugin
puts it in `config.stash[STUDENT]`); under a plain `pytest` run it is the reference
solution, so `make test` proves that the reference passes every hidden test.
`reference` is always the trusted reference module. `case("train", X, Y, params, lr, steps)` calls
a graded function on the student's side and gives the reference's value for the same arguments
(autograder/testing/calls.py): how a check of a composite takes its case in one argument.
"""
import importlib

import pytest

from autograder.course import load_course
from autograder.sandbox.proxy import LocalStudent
from autograder.suite import SOLUTION, STUDENT
from autograder.testing.calls import Cases
from autograder.testing.reference import remembering
from autograder.testing import strategies  # noqa: F401  (registers the grading profile)

def pytest_configure(config):
    config.addinivalue_line("markers", "graded(function, weight=1): the graded function a hidden test checks")


def _assignment_name(request) -> str:
    return request.path.parent.name


@pytest.fixture(scope="module")
def reference(request):
    solution = request.config.stash.get(SOLUTION, None)     # set by the grader, else read course.toml
    module = importlib.import_module(solution or load_course().assignment(_assignment_name(request)).solution)
    return remembering(module)       # its composites' answers kept with the case sets (testing/reference.py)


@pytest.fixture
def student(request, reference):
    graded = request.config.stash.get(STUDENT, None)
    return graded if graded is not None else LocalStudent(reference.__wrapped__)


@pytest.fixture
def case(student, reference) -> Cases:
    return Cases(student, reference)
