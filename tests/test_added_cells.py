"""Every cell the student may write is graded, as nbgrader would run it (docs/scoring.md).

A helper in a cell the student added, an import of matplotlib, a magic, an edited demonstration
cell: the grader runs them in the student's order, like `nbgrader autograde`, and the scores
agree with stock nbgrader's on the same class. A slow cell costs only what it defines.
"""
import dataclasses
import shutil
import subprocess
import sys

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder.batch import grade_class
from autograder.course import function_of_grade_cell
from autograder.demo import _reference_answers, _student_notebook
from autograder.release import RELEASED_FILES, generate
from helpers import by_name, grade

HELPER = ("%matplotlib inline\nimport matplotlib.pyplot as plt\n\n\n"
          "def unit_step(shape, i, h):\n    step = np.zeros(shape, dtype=np.float64)\n"
          "    step[i] = h\n    return step\n")
USES_HELPER = ("step = np.zeros(point.shape, dtype=np.float64)\n    step[i] = h", "step = unit_step(point.shape, i, h)")


def _answer_index(nb, grade_id):
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def helper_notebook(released, assignment, *, helper=HELPER, after=False):
    """The reference answers, with partial_derivative calling a helper defined in a cell the student added."""
    nb = _student_notebook(released, _reference_answers(assignment))
    at = _answer_index(nb, "partial_derivative")
    assert USES_HELPER[0] in nb.cells[at].source
    nb.cells[at].source = nb.cells[at].source.replace(*USES_HELPER)
    nb.cells.insert(at + 1 if after else at, nbformat.v4.new_code_cell(helper))
    return nb


@pytest.fixture(scope="module")
def gradients(course):
    return course.assignment("gradients")


@pytest.fixture(scope="module")
def released(tmp_path_factory, course, gradients):
    root = tmp_path_factory.mktemp("released")
    generate(course, gradients, course_dir=root)
    return root / "release" / gradients.name / gradients.notebook


def test_a_helper_in_an_added_cell_is_graded(gradients, released, tmp_path):
    path = tmp_path / "gradients.ipynb"
    nbformat.write(helper_notebook(released, gradients), path)
    result = grade(gradients, path)
    assert result["score"] == gradients.max_score, [t for t in result["tests"] if t["status"] != "passed"]


def test_a_cell_that_hangs_costs_only_what_it_defines(gradients, released, tmp_path):
    """An added cell that never finishes loading is skipped; the helper cell after it still runs."""
    nb = helper_notebook(released, gradients)
    nb.cells.insert(2, nbformat.v4.new_code_cell("def slow_helper():\n    return 1\n\nwhile True:\n    pass\n"))
    path = tmp_path / "gradients.ipynb"
    nbformat.write(nb, path)
    quick = dataclasses.replace(gradients, limits=dataclasses.replace(gradients.limits, load_time_limit=2.0))
    result = grade(quick, path)
    assert result["score"] == gradients.max_score, [t for t in result["tests"] if t["status"] != "passed"]
    assert "did not finish within 2 s and was skipped" in result["output"]


def test_an_answer_cell_that_hangs_loses_only_its_function(gradients, released, tmp_path):
    nb = _student_notebook(released, _reference_answers(gradients))
    cell = nb.cells[_answer_index(nb, "f_loss")]
    cell.source += "\nwhile True:\n    pass\n"
    path = tmp_path / "gradients.ipynb"
    nbformat.write(nb, path)
    quick = dataclasses.replace(gradients, limits=dataclasses.replace(gradients.limits, load_time_limit=2.0))
    tests = by_name(grade(quick, path))
    assert tests["f_loss"]["score"] == 0 and tests["f_loss"]["tags"] == ["timeout"]
    lost = {name for name, t in tests.items() if t["score"] < t["max_score"]}
    assert lost == {"f_loss"}, lost


def test_an_edited_demonstration_cell_runs_and_an_untouched_one_does_not(gradients, released, tmp_path):
    nb = _student_notebook(released, _reference_answers(gradients))
    demos = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and not c.metadata.get("nbgrader")]
    nb.cells[demos[0]].source = "print('my edited demo cell ran')\n" + nb.cells[demos[0]].source
    nb.cells[demos[1]].source = "print('an untouched demo cell ran')\n"   # the same text as no release cell
    untouched = nb.cells[demos[2]].source
    path = tmp_path / "gradients.ipynb"
    nbformat.write(nb, path)
    result = grade(gradients, path)
    assert result["score"] == gradients.max_score
    assert "my edited demo cell ran" in result["output"] and "an untouched demo cell ran" in result["output"]
    assert untouched.strip() in {c.source.strip() for c in nbformat.read(released, as_version=4).cells}


def test_added_cells_score_what_stock_nbgrader_gives(course, gradients, tmp_path):
    """The same class graded by `nbgrader autograde` (in a kernel, our grade cells) and by us."""
    theirs, ours = tmp_path / "nbgrader", tmp_path / "ours"
    students = ("ben", "cal", "dee")     # helper before its use, helper after it, a broken extra cell
    for root in (theirs, ours):
        generate(course, gradients, course_dir=root)
        released = root / "release" / gradients.name / gradients.notebook
        broken = _student_notebook(released, _reference_answers(gradients))
        broken.cells.insert(3, nbformat.v4.new_code_cell("def scratch(:\n    pass\n"))
        notebooks = (helper_notebook(released, gradients), helper_notebook(released, gradients, after=True), broken)
        for student, nb in zip(students, notebooks):
            folder = root / "submitted" / student / gradients.name
            folder.mkdir(parents=True)
            nbformat.write(nb, folder / gradients.notebook)
            for name in RELEASED_FILES:
                shutil.copy(released.parent / name, folder)
    subprocess.run([sys.executable, "-m", "nbgrader", "autograde", gradients.name, "--force"],
                   cwd=theirs, check=True, capture_output=True, timeout=900)
    summary = grade_class(course, gradients, course_dir=ours, workers=1, show_progress=False)
    with Gradebook(f"sqlite:///{theirs / 'gradebook.db'}") as gb:
        for student in students:
            stock = {function_of_grade_cell(g.name): g.auto_score      # (written answers are graded by hand)
                     for nb in gb.find_submission(gradients.name, student).notebooks for g in nb.grades
                     if function_of_grade_cell(g.name) is not None}
            mine = {t["name"]: t["score"] for t in summary[student]["tests"]}
            assert mine == stock, student
            assert sum(stock.values()) == gradients.max_score, student
