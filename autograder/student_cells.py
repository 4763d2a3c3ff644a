"""The two cells a release adds to every notebook for the student (docs/public_checks.md):

    after the first cell: a cell that makes every check cell say, in one sentence, which files must
      sit beside the notebook when they are missing (instead of `No module named 'public_checks'`)
    at the end: the check-all cell, every function's public verdict and the points it is worth

Both are plain code cells without nbgrader metadata, so nbgrader and the grader treat them as the
notebook's demonstration cells: the grader runs neither unless the student edits it (and then as the
student's own code). `with_student_cells` is applied wherever the released notebook is rebuilt.
"""
from __future__ import annotations

import copy

import nbformat

from .course import Assignment

MARK = "student_cell"        # cell metadata key: which of the two cells this is
RELEASED_FILES = ("public_checks.py", "public_base.py", "test_public.py")   # beside the notebook, for its checks
SHARED_FILES = ("public_base.py", "test_public.py")   # one copy in assignments/, the same for every assignment

GUARD = '''\
# The check cells need public_checks.py and public_base.py beside this notebook (the first cell
# says so). Run this cell first: if they are missing, every check cell says so in one sentence.
import sys


class _BesideThisNotebook:
    """A last import finder: a missing public-checks file ends a check cell with one sentence."""

    def find_spec(self, name, path=None, target=None):
        if name in ("public_checks", "public_base"):
            error = ModuleNotFoundError(f"{name}.py must sit beside this notebook: put {FILES} in the notebook's "
                                        "folder (they come with it), then run the cell again.", name=name)
            error._render_traceback_ = lambda: [str(error)]
            raise error


sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "_BesideThisNotebook"] + [_BesideThisNotebook()]
'''

CHECK_ALL = '''\
# Every public check again, with the points each function is worth: public checks, not your grade
# (the hidden tests try many more cases).
from public_base import report
from public_checks import CHECKS
report(CHECKS, globals(), points={POINTS})
'''


def guard_cell():
    source = GUARD.replace("{FILES}", ", ".join(RELEASED_FILES[:-1]) + f" and {RELEASED_FILES[-1]}")
    return nbformat.v4.new_code_cell(source, metadata={MARK: "guard"})


def check_all_cell(assignment: Assignment):
    points = ", ".join(f"{f.name!r}: {f.points:g}" for f in assignment.functions)
    return nbformat.v4.new_code_cell(CHECK_ALL.replace("{POINTS}", "{" + points + "}"),
                                     metadata={MARK: "check_all"})


def with_student_cells(nb, assignment: Assignment):
    """`nb` (a source notebook) with the guard after its first cell and the check-all cell at its end;
    `nb` itself is not changed."""
    cells = [c for c in nb.cells if MARK not in c.metadata]
    nb = copy.copy(nb)                  # shallow: the cells are shared, not changed
    nb.cells = [*cells[:1], guard_cell(), *cells[1:], check_all_cell(assignment)]
    return nb
