"""nbgrader's own workflow around ours: zip_collect from an LMS download, and plain `nbgrader
autograde` on our notebooks scoring honest work as `autograder grade` does."""
import shutil
import subprocess
import sys
import zipfile
from datetime import datetime

import nbformat
from nbgrader.api import Gradebook

from autograder import gradebook
from autograder.demo import _reference_answers, _student_notebook
from autograder.release import generate

from helpers import AUTOGRADER

ZIP_CONFIG = """c = get_config()
c.ZipCollectApp.collector_plugin = 'nbgrader.plugins.FileNameCollectorPlugin'
c.FileNameCollectorPlugin.named_regexp = r'.*/(?P<student_id>[^_/]+)_attempt_(?P<timestamp>[0-9\\-]+)_(?P<file_id>.+)'
"""


def honest_class(course_dir, assignment, released):
    """{student: notebook}: ada right everywhere, bo the untouched release, cleo only the two
    difference quotients (the rest still stubs)."""
    answers = _reference_answers(assignment)
    stub = nbformat.read(released, as_version=4)
    stubs = {c.metadata.nbgrader.grade_id: c.source for c in stub.cells
             if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"}
    half = {**stubs, "forward_difference": answers["forward_difference"],
            "central_difference": answers["central_difference"]}
    return {"ada": _student_notebook(released, answers), "bo": stub, "cleo": _student_notebook(released, half)}


def nbgrader(*args, cwd):
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


def test_zip_collect_of_an_lms_download_feeds_the_batch(tmp_path, course):
    gradients = course.assignment("gradients")
    (tmp_path / "nbgrader_config.py").write_text(ZIP_CONFIG)
    generate(course, gradients, course_dir=tmp_path)
    released = tmp_path / "release" / "gradients" / gradients.notebook
    archive = tmp_path / "downloaded" / "gradients" / "archive"
    archive.mkdir(parents=True)
    with zipfile.ZipFile(archive / "lms-download.zip", "w") as z:
        for student, nb in honest_class(tmp_path, gradients, released).items():
            z.writestr(f"{student}_attempt_2026-11-20-17-00-00_{gradients.notebook}", nbformat.writes(nb))
    done = nbgrader("zip_collect", "gradients", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(p.name for p in (tmp_path / "submitted").iterdir()) == ["ada", "bo", "cleo"]

    done = subprocess.run([*AUTOGRADER, "--course-file", str(course.root / "course.toml"), "grade", "gradients",
                           "--course-dir", str(tmp_path), "--workers", "2"], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "3 graded now, 0 reused, 0 failed" in done.stdout
    with Gradebook(gradebook.db_url(tmp_path), course.id) as gb:
        for student in ("ada", "bo", "cleo"):
            assert gb.find_submission("gradients", student).timestamp == datetime(2026, 11, 20, 17, 0, 0)
        assert gb.find_submission("gradients", "ada").score == gradients.max_score


def cell_scores(course_dir, course, assignment):
    """{student: {grade cell: score}} from the gradebook."""
    notebook = assignment.notebook.removesuffix(".ipynb")
    with Gradebook(gradebook.db_url(course_dir), course.id) as gb:
        return {s.student.id: {g.name: g.score for g in gb.find_submission_notebook(notebook, assignment.name,
                                                                                     s.student.id).grades}
                for s in gb.assignment_submissions(assignment.name)}


def test_plain_nbgrader_autograde_scores_honest_work_as_we_do(tmp_path, course):
    """The same class graded twice: by stock `nbgrader autograde` (our notebooks' grade cells run
    the public checks and the hidden suite in the kernel) and by `autograder grade`."""
    gradients = course.assignment("gradients")
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    generate(course, gradients, course_dir=ours)
    released = ours / "release" / "gradients" / gradients.notebook
    for student, nb in honest_class(ours, gradients, released).items():
        folder = ours / "submitted" / student / "gradients"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / gradients.notebook)
    shutil.copytree(ours, theirs)
    (theirs / "nbgrader_config.py").write_text(
        (theirs / "nbgrader_config.py").read_text().replace(str(ours), str(theirs)))

    done = nbgrader("autograde", "gradients", cwd=theirs)
    assert done.returncode == 0, done.stderr[-3000:]
    done = subprocess.run([*AUTOGRADER, "--course-file", str(course.root / "course.toml"), "grade", "gradients",
                           "--course-dir", str(ours), "--workers", "2", "--no-feedback"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]

    expected = cell_scores(theirs, course, gradients)
    assert cell_scores(ours, course, gradients) == expected
    assert sum(expected["ada"].values()) == gradients.max_score and sum(expected["bo"].values()) == 0
    cleo = {name for name, score in expected["cleo"].items() if score}
    assert cleo == {"test_forward_difference", "test_central_difference"}

