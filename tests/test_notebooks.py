"""Every notebook against the registry and its reference: the template holds no copy of the reference,
and the notebook built from them (autograder/cells.py) has every graded function's cells."""
import ast
import importlib
import inspect
import shutil
import subprocess
import sys
import textwrap
import time

import nbformat
import pytest

from autograder.course import load_course

COURSE = load_course()
ASSIGNMENTS = list(COURSE.assignments.values())


def cells(assignment):
    """The built notebook's cells (the template's, with the graded functions' cells)."""
    return nbformat.read(assignment.source_notebook, as_version=4).cells


def nbgrader(cell):
    return cell.metadata.get("nbgrader", {})


def definitions(source):
    """{name: ast.dump} of the top-level functions in some source (markers are comments)."""
    tree = ast.parse(textwrap.dedent(source))
    return {node.name: ast.dump(node) for node in tree.body if isinstance(node, ast.FunctionDef)}


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_the_template_holds_no_copy_of_the_reference(assignment):
    """What the instructor writes: no answer written twice, no grade cell written by hand."""
    template = nbformat.read(assignment.template_notebook, as_version=4).cells
    graded = {f.name for f in assignment.functions}
    for cell in template:
        meta = nbgrader(cell)
        if meta.get("solution") and meta.get("grade_id") in graded:
            assert not definitions(cell.source), f"the template's answer cell of {meta['grade_id']} defines code"
        assert not (meta.get("grade") and cell.cell_type == "code" and meta.get("grade_id", "")[5:] in graded), \
            f"the template holds the grade cell {meta['grade_id']}, which is built from course.toml"


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_answer_cells_are_the_reference(assignment):
    reference = importlib.import_module(assignment.solution)
    answers = {nbgrader(c)["grade_id"]: c.source for c in cells(assignment) if nbgrader(c).get("solution")}
    for function in assignment.functions:
        assert function.name in answers, f"no answer cell for {function.name}"
        source = answers[function.name]
        assert "### BEGIN SOLUTION" in source and "### END SOLUTION" in source
        expected = definitions(inspect.getsource(getattr(reference, function.name)))
        assert definitions(source).get(function.name) == expected[function.name], (
            f"the answer cell of {function.name} differs from {assignment.solution}.{function.name}")


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_provided_helpers_are_the_reference(assignment):
    """Functions defined in locked setup cells are the reference's own (e.g. walkthrough_params)."""
    reference = importlib.import_module(assignment.solution)
    for cell in cells(assignment):
        meta = nbgrader(cell)
        if cell.cell_type == "code" and meta.get("locked") and not meta.get("grade"):
            for name, dump in definitions(cell.source).items():
                assert hasattr(reference, name), f"{name} is in the setup cell but not in {assignment.solution}"
                assert definitions(inspect.getsource(getattr(reference, name)))[name] == dump, name


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_grade_cells_follow_the_registry(assignment):
    grades = {nbgrader(c)["grade_id"]: c.source for c in cells(assignment)
              if nbgrader(c).get("grade") and c.cell_type == "code"}
    assert set(grades) == {f"test_{f.name}" for f in assignment.functions}
    for function in assignment.functions:
        source = grades[f"test_{function.name}"]
        assert f'check("{function.name}", {function.name})' in source
        assert f'run_hidden("{assignment.name}", "{function.name}", globals())' in source
        assert source.index("### BEGIN HIDDEN TESTS") > source.index("check(")


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_source_notebook_executes_in_a_fresh_kernel(assignment, tmp_path):
    """Top to bottom, with solutions and the hidden tests of every grade cell (time: benchmarks/),
    beside the files released with it, as the instructor runs it."""
    from autograder.release import RELEASED_FILES, released_file
    folder = tmp_path / "notebook"
    folder.mkdir()
    shutil.copy(assignment.source_notebook, folder / assignment.notebook)
    for name in RELEASED_FILES:
        shutil.copy(released_file(assignment, name), folder / name)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
         "--ExecutePreprocessor.timeout=120", assignment.notebook, "--output-dir", str(tmp_path)],
        capture_output=True, text=True, cwd=folder, timeout=300)
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-3000:]
    executed = nbformat.read(tmp_path / assignment.notebook, as_version=4)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    print(f"{assignment.notebook} executed in {elapsed:.0f} s")


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_the_first_cell_says_how_the_notebook_is_graded(assignment):
    """The rules a student could not see otherwise (docs/scoring.md, section 3), with the real limit
    and the real names of the files the check cells need."""
    from autograder.release import RELEASED_FILES
    intro = " ".join(cells(assignment)[0].source.split())
    assert "How your notebook is graded." in intro
    assert f"takes longer than {assignment.limits.load_time_limit:g} s" in intro
    for name in RELEASED_FILES:
        assert f"`{name}`" in intro, name
    from autograder.sandbox.proxy import THREAD_RULE
    assert "one single thread" in intro and "one single thread" in THREAD_RULE   # the rule the message names
