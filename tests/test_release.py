"""`autograder generate`: nbgrader's generate_assignment into release/, clean and complete."""
import re
import subprocess
import sys

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder.course import load_course
from autograder.release import RELEASED_FILES, ReleaseError, generate
from autograder.validate import reference_path
from helpers import copy_course

COURSE = load_course()
ASSIGNMENTS = list(COURSE.assignments.values())


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_release_holds_only_the_stubbed_notebook_and_public_checks(course_dir, assignment):
    release = course_dir / "release" / assignment.name
    assert sorted(p.name for p in release.iterdir()) == sorted([assignment.notebook, *RELEASED_FILES])
    text = (release / assignment.notebook).read_text()
    for secret in ("BEGIN SOLUTION", "HIDDEN TESTS", "run_hidden", "solutions.", "autograder"):
        assert secret not in text
    nb = nbformat.read(release / assignment.notebook, as_version=4)
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"]
    assert len(answers) == len(assignment.functions)
    for cell in answers:
        assert "raise NotImplementedError()" in cell.source


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_released_stubs_raise_not_implemented(course_dir, assignment):
    nb = nbformat.read(course_dir / "release" / assignment.name / assignment.notebook, as_version=4)
    namespace = {}
    exec("import numpy as np", namespace)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution") and cell.cell_type == "code":
            exec(cell.source, namespace)
    for function in assignment.functions:
        with pytest.raises(NotImplementedError):
            namespace[function.name](*([None] * namespace[function.name].__code__.co_argcount))


def test_gradebook_knows_the_assignment_with_points_from_course_toml(course_dir, backprop):
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gb:
        assignment = gb.find_assignment("backprop")
        assert assignment.max_score == backprop.max_score
        notebook = gb.find_notebook("backprop", "backprop")
        points = {cell.name: cell.max_score for cell in notebook.grade_cells if cell.cell_type == "code"}
    assert points == {f"test_{f.name}": f.points for f in backprop.functions}


def test_written_answers_are_manually_graded_cells(course_dir, backprop):
    """The "Your answer" cells reach nbgrader's formgrader: Markdown cells graded by hand."""
    source = nbformat.read(backprop.source_notebook, as_version=4)
    written = [c.metadata["nbgrader"]["grade_id"] for c in source.cells
               if c.cell_type == "markdown" and c.source.startswith("**Your answer:**")]
    assert len(written) == 3
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gb:
        notebook = gb.find_notebook("backprop", "backprop")
        manual = {cell.name for cell in notebook.grade_cells if cell.cell_type == "markdown"}
        assert manual == set(written)
        assert {cell.name for cell in notebook.solution_cells} >= set(written)


def test_generate_keeps_the_instructors_config_and_files(tmp_path, course, backprop):
    config = tmp_path / "nbgrader_config.py"
    config.write_text("c = get_config()\n"
                      "c.Exchange.root = '/srv/nbgrader/exchange'\n"
                      "c.ZipCollectApp.collector_plugin = 'nbgrader.plugins.FileNameCollectorPlugin'\n"
                      "c.FileNameCollectorPlugin.named_regexp = r'(?P<student_id>\\w+)_(?P<file_id>.*)'\n")
    notes = tmp_path / "source" / "backprop" / "NOTES.md"
    notes.parent.mkdir(parents=True)
    notes.write_text("grade question 2 generously\n")
    generate(course, backprop, course_dir=tmp_path)
    generate(course, backprop, course_dir=tmp_path)       # twice: nothing accumulates
    assert notes.read_text() == "grade question 2 generously\n"
    from autograder.coursedir import load_config
    loaded = load_config(tmp_path)
    assert loaded.Exchange.root == "/srv/nbgrader/exchange"
    assert loaded.FileNameCollectorPlugin.named_regexp == r"(?P<student_id>\w+)_(?P<file_id>.*)"
    assert loaded.ZipCollectApp.collector_plugin == "nbgrader.plugins.FileNameCollectorPlugin"
    assert loaded.CourseDirectory.course_id == course.id
    assert config.read_text().count("c.CourseDirectory.course_id") == 1
    done = subprocess.run([sys.executable, "-m", "autograder", "--course-file", str(course.root / "course.toml"),
                           "generate", "backprop", "--course-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "NOTES.md" in done.stdout and "CourseDirectory.ignore" in done.stdout


def test_nbgrader_config_lets_plain_nbgrader_commands_run(course_dir):
    done = subprocess.run([sys.executable, "-m", "nbgrader", "db", "assignment", "list"], cwd=course_dir,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "backprop" in done.stdout + done.stderr


def test_a_grade_cell_of_no_graded_function_is_refused(tmp_path, course):
    """Grade cells are built from course.toml; one the template adds by hand for a function that is not
    graded would be scored for nothing, so the release names it and stops."""
    from autograder.course import load_course as load
    moved = load(copy_course(course, "backprop", tmp_path / "course"))
    template = moved.assignment("backprop").template_notebook
    nb = nbformat.read(template, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("assert True", metadata={"nbgrader": {
        "grade": True, "grade_id": "test_relux", "locked": True, "points": 1.0, "schema_version": 3,
        "solution": False}}))
    nbformat.write(nb, template)
    with pytest.raises(ReleaseError, match="grade cell 'test_relux' grades nothing listed in course.toml"):
        generate(moved, moved.assignment("backprop"), course_dir=tmp_path / "class")
    assert not (tmp_path / "class" / "release" / "backprop").exists()


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_public_checks_pass_on_the_reference_and_name_the_stub(course_dir, tmp_path, assignment):
    """A student's terminal: `pytest test_public.py` next to their module, their notebook filled in
    with the reference's answers, and the untouched release: one check per graded function."""
    release = course_dir / "release" / assignment.name
    folder = tmp_path / "student"
    folder.mkdir()
    for name in RELEASED_FILES:
        (folder / name).write_text((release / name).read_text())
    n = len(assignment.functions)
    module, notebook = folder / f"{assignment.name}.py", folder / assignment.notebook
    for mine, source, expect in ((module, reference_path(assignment), rf"\b{n} passed"),
                                 (notebook, assignment.source_notebook, rf"\b{n} passed"),
                                 # a stub fails; one that calls stubs waits for them (skipped): none passes
                                 (notebook, release / assignment.notebook, r"\b(\d+) failed(, (\d+) skipped)? in")):
        module.unlink(missing_ok=True)
        mine.write_text(source.read_text())
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_public.py"],
                              cwd=folder, capture_output=True, text=True, timeout=120)
        found = re.search(expect, done.stdout)
        assert found, (source, done.stdout[-2000:])
    assert int(found.group(1)) + int(found.group(3) or 0) == n, done.stdout[-2000:]
    assert done.returncode == 1 and "not written yet (the stub raises NotImplementedError)" in done.stdout


def test_one_function_from_a_terminal_without_pytest(course_dir, tmp_path, backprop):
    """`python test_public.py relu_grad dL_dy`: only those functions, a failure named, exit 1."""
    folder = tmp_path / "student"
    folder.mkdir()
    for name in RELEASED_FILES:
        (folder / name).write_text((course_dir / "release" / "backprop" / name).read_text())
    source = (COURSE.root / "solutions" / "backprop.py").read_text()
    (folder / "backprop.py").write_text(source.replace("(z > 0)", "(z >= 0)", 1))
    done = subprocess.run([sys.executable, "test_public.py", "relu_grad", "dL_dy"], cwd=folder,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAILED  relu_grad" in done.stdout and "`relu_gate_at_zero`" in done.stdout
    assert "dL_dy: public checks passed" in done.stdout
    assert "relu:" not in done.stdout
    done = subprocess.run([sys.executable, "test_public.py", "relu"], cwd=folder, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and "relu: public checks passed" in done.stdout
    done = subprocess.run([sys.executable, "test_public.py", "relu_gradient"], cwd=folder, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "no public check for relu_gradient" in done.stdout
