"""`autograder check NOTEBOOK [FUNCTION ...]`: the public checks from a terminal, with the points at stake.

The same checks and the same one-line verdicts as the notebook's check cells and the released
test_public.py (they share public_base.report), with each function's points from course.toml.
The student's code runs in this process, as in their own notebook: this is the student's tool,
not the grader (which runs submissions only in its sandbox).
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from .course import Assignment, Course, CourseError


def assignment_of(course: Course, path: Path, name: str | None = None) -> Assignment:
    """The assignment a notebook (or a .py module of the same name) belongs to."""
    if name:
        return course.assignment(name)
    for assignment in course.assignments.values():
        if path.stem == Path(assignment.notebook).stem:
            return assignment
    raise CourseError(f"{path.name} is not an assignment's notebook (they are: "
                      f"{', '.join(a.notebook for a in course.assignments.values())}); name one with --assignment")


def public_files(assignment: Assignment) -> tuple[Path, Path]:
    """(public_base.py, public_checks.py) in the source tree, where autograder.release.released_file
    finds them (not imported here: it loads nbgrader, over a second of start-up)."""
    return assignment.folder.parent / "public_base.py", assignment.folder / "public_checks.py"


def load_public_checks(assignment: Assignment):
    """(public_base, the assignment's public_checks), imported as a released notebook imports them."""
    base_file, checks_file = public_files(assignment)
    if str(base_file.parent) not in sys.path:
        sys.path.insert(0, str(base_file.parent))
    import public_base
    spec = importlib.util.spec_from_file_location(f"public_checks_of_{assignment.name}", checks_file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return public_base, module


def check(course: Course, path: Path, functions: list[str], *, assignment: str | None = None) -> int:
    """Print each function's public verdict and its points, then a summary; 0 when all pass, 1 if not,
    2 when nothing could be checked."""
    path = Path(path)
    if not path.is_file():
        print(f"autograder: {path} is not a file", file=sys.stderr)
        return 2
    found = assignment_of(course, path, assignment)
    base, checks = load_public_checks(found)
    unknown = [f for f in functions if f not in checks.CHECKS]
    if unknown:
        print(f"autograder: no public check for {', '.join(unknown)} in {found.name}; there are: "
              f"{', '.join(checks.CHECKS)}", file=sys.stderr)
        return 2
    namespace, notes, _ = base.notebook_functions(path)
    points = {f.name: f.points for f in found.functions}
    return 1 if base.report(checks.CHECKS, namespace, functions or None, points, notes=notes) else 0
