"""Fixtures for the project's own tests (the hidden suites have theirs in tests/hidden/)."""
import os

import pytest

from autograder.cases import SECRET_ENV

# One fixed case secret for the project's own tests, so `make test` grades the same cases on every
# machine (a deployment keeps its own, docs/cases.md); tests of the secret itself set their own.
os.environ[SECRET_ENV] = "the project's own tests: not a deployment secret"

from autograder.course import load_course
from autograder.release import generate


@pytest.fixture(scope="session")
def course():
    return load_course()


@pytest.fixture(scope="session")
def backprop(course):
    return course.assignment("backprop")


@pytest.fixture(scope="session")
def course_dir(tmp_path_factory, course):
    """A real nbgrader course directory with every assignment released by nbgrader."""
    root = tmp_path_factory.mktemp("course")
    for assignment in course.assignments.values():
        generate(course, assignment, course_dir=root)
    return root


@pytest.fixture(scope="session")
def released_notebook(course_dir, backprop):
    return course_dir / "release" / "backprop" / backprop.notebook
