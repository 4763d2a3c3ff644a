"""Fixtures for the project's own tests (the hidden suites have theirs in tests/hidden/)."""
import os
from types import SimpleNamespace

import pytest

import guarantees
from autograder.cases import SECRET_ENV
from guarantees import MUTANT_OUTCOME

# One fixed case secret for the project's own tests, so `make test` grades the same cases on every
# machine (a deployment keeps its own, docs/cases.md); tests of the secret itself set their own.
os.environ[SECRET_ENV] = "the project's own tests: not a deployment secret"
from autograder.course import load_course
from autograder.release import generate


@pytest.fixture(autouse=True)
def _no_child_outlives_its_test():
    """A test that graded with start_next leaves a spare child and a template in this process: they
    are stopped after it, so that the next test starts (or forks) its own children."""
    yield
    import sys
    proxy = sys.modules.get("autograder.sandbox.proxy")
    if proxy is not None:
        proxy.stop_spares()


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


# -- what this run could not check (tests/guarantees.py) -------------------------------------

_unchecked: dict[str, set[str]] = {}     # what went unchecked -> the tests concerned
_mutants: dict[str, list[int]] = {}       # assignment -> [graded, caught, named] (test_mutants.py)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    guarantees._current.append(item)
    try:
        return (yield)
    finally:
        guarantees._current.pop()


def pytest_runtest_logreport(report):
    """Collects, in the controller too (xdist sends reports with their user_properties)."""
    texts = [value for key, value in report.user_properties if key == guarantees.UNCHECKED]
    if report.skipped and isinstance(report.longrepr, tuple):
        reason = report.longrepr[2].removeprefix("Skipped: ")
        if reason.startswith("unchecked here: "):
            texts.append(reason.removeprefix("unchecked here: "))
    for text in texts:
        _unchecked.setdefault(text, set()).add(report.nodeid)
    if report.when == "call":
        for key, value in report.user_properties:
            if key == MUTANT_OUTCOME:
                name, caught, named = value.split()
                counts = _mutants.setdefault(name, [0, 0, 0])
                counts[0], counts[1], counts[2] = counts[0] + 1, counts[1] + int(caught), counts[2] + int(named)


def pytest_terminal_summary(terminalreporter):
    if _mutants:
        terminalreporter.write_sep("=", "mutant catalogue (tests/test_mutants.py, all workers)")
        for name, (n, caught, named) in sorted(_mutants.items()):
            terminalreporter.write_line(f"{name}: {n} mutants graded, caught {caught}/{n}, named {named}/{n}")
    if not _unchecked:
        return
    tests = set().union(*_unchecked.values())
    terminalreporter.write_sep("=", f"unchecked on this machine ({len(tests)} tests; CI fails instead)",
                               yellow=True)
    for text, nodeids in sorted(_unchecked.items()):
        terminalreporter.write_line(f"{len(nodeids):4d} test(s): {text}")
    terminalreporter.write_line("See docs/testing.md for what each of these leaves unproven.")
    # one entry per test: the summary line then ends with "N unchecked"
    terminalreporter.stats[guarantees.UNCHECKED] = [SimpleNamespace(nodeid=n) for n in sorted(tests)]
