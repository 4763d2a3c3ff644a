"""`autograder generate`: nbgrader's generate_assignment into release/, clean and complete."""
import subprocess
import sys

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder.course import load_course
from autograder.release import RELEASED_FILES, SHARED_FILES, ReleaseError, generate, released_file

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


def test_a_notebook_missing_a_grade_cell_is_refused(tmp_path, course):
    folder = tmp_path / "assignments" / "backprop"
    folder.mkdir(parents=True)
    source = course.assignment("backprop").source_notebook
    nb = nbformat.read(source, as_version=4)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test_relu"]
    nbformat.write(nb, folder / "backprop.ipynb")
    for name in RELEASED_FILES:
        target = folder.parent / name if name in SHARED_FILES else folder / name
        target.write_text(released_file(course.assignment("backprop"), name).read_text())
    (tmp_path / "course.toml").write_text((course.root / "course.toml").read_text())
    from autograder.course import load_course as load
    moved = load(tmp_path / "course.toml")
    with pytest.raises(ReleaseError, match="no grade cell with grade_id 'test_relu'"):
        generate(moved, moved.assignment("backprop"), course_dir=tmp_path / "course")
    assert not (tmp_path / "course" / "release" / "backprop").exists()


def test_public_checks_pass_on_the_reference_and_name_the_stub(course_dir, tmp_path, backprop):
    """A student's terminal: `pytest test_public.py` next to their backprop.py."""
    folder = tmp_path / "student"
    folder.mkdir()
    for name in RELEASED_FILES:
        (folder / name).write_text((course_dir / "release" / "backprop" / name).read_text())
    (folder / "backprop.py").write_text((COURSE.root / "solutions" / "backprop.py").read_text())
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_public.py"],
                          cwd=folder, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
    assert f"{len(backprop.functions)} passed" in done.stdout
    (folder / "backprop.py").unlink()
    (folder / "backprop.ipynb").write_text((course_dir / "release" / "backprop" / "backprop.ipynb").read_text())
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_public.py"],
                          cwd=folder, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "relu: not written yet (the stub raises NotImplementedError)." in done.stdout


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
    assert "FAILED  relu_grad" in done.stdout and "`relu_gate_at_zero`" in done.stdout and "dL_dy: public checks passed" in done.stdout
    assert "relu:" not in done.stdout
    done = subprocess.run([sys.executable, "test_public.py", "relu"], cwd=folder, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and "relu: public checks passed" in done.stdout
    done = subprocess.run([sys.executable, "test_public.py", "relu_gradient"], cwd=folder, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "no public check for relu_gradient" in done.stdout
