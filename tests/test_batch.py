"""Grading a whole class: nbgrader's folders in, gradebook + autograded/ + feedback out, resumable."""
import json
import os
import signal
import subprocess
import sys
import time

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder import gradebook
from autograder.batch import find_submissions, grade_class
from autograder.demo import make_demo_class
from autograder.feedback import generate_feedback
from autograder.release import generate

from guarantees import check_part
from helpers import AUTOGRADER, rendered_text


@pytest.fixture
def class_dir(tmp_path, course, backprop):
    """A released course with the demo class of backprop, plus an empty folder and a broken notebook."""
    generate(course, backprop, course_dir=tmp_path)
    make_demo_class(tmp_path, backprop)
    (tmp_path / "submitted" / "nobody_home" / "backprop").mkdir(parents=True)
    broken = tmp_path / "submitted" / "zed" / "backprop"
    broken.mkdir(parents=True)
    (broken / "backprop.ipynb").write_text('{"cells": [')
    return tmp_path


def test_batch_grades_every_submission_into_the_gradebook(class_dir, course, backprop):
    summary = grade_class(course, backprop, course_dir=class_dir, workers=2, show_progress=False)
    students = {s.student for s in find_submissions(class_dir, backprop)}
    assert set(summary) == students
    assert summary["ada"]["score"] == backprop.max_score and summary["kofi"]["score"] == backprop.max_score
    assert summary["bo"]["score"] == 0
    assert summary["nobody_home"]["score"] == 0 and "No submission file" in summary["nobody_home"]["output"]
    assert summary["zed"]["score"] == 0 and "not valid notebook JSON" in summary["zed"]["output"]
    cyrus = {t["name"]: t for t in summary["cyrus"]["tests"]}
    assert "relu_gate_at_zero" in cyrus["relu_grad"]["tags"]

    in_gradebook = gradebook.scores(class_dir, course.id, backprop)
    for student, result in summary.items():
        assert in_gradebook[student] == pytest.approx(result["score"], abs=1e-3)
        stored = json.loads((class_dir / "autograded" / student / "backprop" / "results.json").read_text())
        assert stored == result
    with Gradebook(gradebook.db_url(class_dir)) as gb:
        grade = gb.find_grade("test_relu_grad", "backprop", "backprop", "cyrus")
        assert grade.auto_score == cyrus["relu_grad"]["score"]

    autograded = nbformat.read(class_dir / "autograded" / "cyrus" / "backprop" / "backprop.ipynb", as_version=4)
    outputs = "".join(o.get("text", "") for c in autograded.cells for o in c.get("outputs", []))
    assert "relu_gate_at_zero" in outputs and "(z >= 0)" in "".join(c.source for c in autograded.cells)

    generate_feedback(course, class_dir, backprop)
    html = class_dir / "feedback" / "cyrus" / "backprop" / "backprop.html"
    assert html.exists()
    if check_part("chromium", "the feedback page shows the score and the diagnosis in a real browser"):
        seen = rendered_text(html)          # what the student sees, in headless Chromium
        assert f"Score: {summary['cyrus']['score']} / {backprop.max_score}" in seen
        assert "relu_gate_at_zero" in seen
        assert f"relu_grad: {cyrus['relu_grad']['score']:g} / {cyrus['relu_grad']['max_score']:g} (failed)" in seen
    from autograder.exports import grades_csv
    rows = (grades_csv(class_dir, course.id, backprop, class_dir / "grades.csv")).read_text().splitlines()
    assert rows[0].startswith("student,assignment,score,max_score,relu,relu_grad")
    assert len(rows) == 1 + len(summary)


@pytest.fixture
def small_class_dir(class_dir):
    """The same course with four students: ada (right), bo (untouched), cyrus (one mistake), kofi (.py)."""
    import shutil
    for folder in (class_dir / "submitted").iterdir():
        if folder.name not in ("ada", "bo", "cyrus", "kofi"):
            shutil.rmtree(folder)
    return class_dir


def test_a_killed_batch_resumes_without_regrading_finished_work(small_class_dir, backprop):
    class_dir = small_class_dir
    command = [*AUTOGRADER, "grade", "backprop", "--course-dir", str(class_dir), "--workers", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    results = class_dir / "autograded"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and len(list(results.glob("*/backprop/.autograder.json"))) < 1:
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished = {p.parent.parent.name: p.stat().st_mtime_ns for p in results.glob("*/backprop/.autograder.json")}
    total = len(find_submissions(class_dir, backprop))
    assert 1 <= len(finished) < total

    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    after = {p.parent.parent.name: p.stat().st_mtime_ns for p in results.glob("*/backprop/.autograder.json")}
    assert len(after) == total
    for student, mtime in finished.items():
        assert after[student] == mtime, f"{student} was graded again"
    assert "ada" in done.stdout and f"{backprop.max_score:.2f} / {backprop.max_score:g}" in done.stdout
    assert f"{total - len(finished)} graded now, {len(finished)} reused" in done.stdout
    # the gradebook is consistent: one submission per student, each with the stored results.json's scores
    stored = {p.parent.parent.name: json.loads(p.read_text()) for p in results.glob("*/backprop/results.json")}
    assert set(stored) == {s.student for s in find_submissions(class_dir, backprop)}
    with Gradebook(gradebook.db_url(class_dir)) as gb:
        assert sorted(s.student.id for s in gb.assignment_submissions("backprop")) == sorted(stored)
        for student, result in stored.items():
            assert gb.find_submission("backprop", student).score == pytest.approx(result["score"], abs=1e-3)
            for test in result["tests"]:
                assert gb.find_grade(f"test_{test['name']}", "backprop", "backprop", student).auto_score == \
                    pytest.approx(test["score"])


def test_batch_before_release_says_what_to_do(tmp_path):
    from helpers import run_cli
    done = run_cli("grade", "backprop", "--course-dir", tmp_path)
    assert done.returncode == 2 and "has not been released" in done.stderr and "autograder generate" in done.stderr


def test_a_batch_started_after_torch_ran_threads_here_finishes(tmp_path, course):
    """Workers must not inherit this process's OpenMP threads (a forked copy hangs in its first
    parallel torch call): the neuron suite calls torch in every submission."""
    import torch
    torch.set_num_threads(2)
    torch.ones(256, 256) @ torch.ones(256, 256)          # OpenMP's pool is now running here
    neuron = course.assignment("neuron")
    generate(course, neuron, course_dir=tmp_path)
    make_demo_class(tmp_path, neuron)

    def hung(signum, frame):
        raise TimeoutError("the batch hung")
    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(300)                                     # a hang guard, not a timing
    try:
        summary = grade_class(course, neuron, course_dir=tmp_path, workers=2, show_progress=False)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert summary["ada"]["score"] == neuron.max_score


def test_a_worker_makes_the_autograded_notebook_the_command_would_make(small_class_dir, course, backprop):
    """What a worker sends back with a grade, for a cluster's task (the file's bytes, the released
    notebook in the course bundle) and a local worker's (paths): the written answers and the
    autograded notebook, as the command makes them of the same file and result."""
    from autograder.batch import course_bundle, make_task
    from autograder.feedback import autograded_text, released_path, written_answers
    from autograder.job import grade_job
    from autograder.text import safe_result
    released = released_path(small_class_dir, backprop)
    for submission in find_submissions(small_class_dir, backprop):
        for course_ref, task in [
                (course_bundle(course, backprop, released),
                 make_task(backprop, submission, "auto", inline=True, notebook=True)),
                (str(course.root / "course.toml"),
                 make_task(backprop, submission, "auto", inline=False, course_dir=small_class_dir, notebook=True,
                           released=released))]:
            made = grade_job(course_ref, task)
            assert "error" not in made.result, made.result
            assert made.notebook == autograded_text(released, submission.path, safe_result(made.result))
            assert made.written == written_answers(released, submission.path)
        no_notebook = grade_job(str(course.root / "course.toml"),
                                make_task(backprop, submission, "auto", inline=False, course_dir=small_class_dir,
                                          released=released))
        assert no_notebook.notebook is None and no_notebook.written == made.written


WORKER_IMPORTS = """
import importlib, pickle, sys
from autograder.job import PRELOAD, grade_job
for name in PRELOAD:                     # what the local workers' fork server imports
    importlib.import_module(name)
preloaded = 'nbgrader' in sys.modules
course_file, task_file = sys.argv[1:]
with open(task_file, "rb") as f:
    task = pickle.load(f)
made = grade_job(course_file, task)
print(preloaded, made.notebook is not None and made.result.get("score"), 'nbgrader' in sys.modules)
"""


def test_a_grading_worker_never_imports_nbgrader(small_class_dir, course, backprop, tmp_path):
    """A local worker's fork server imports what a grading needs, and a worker grades a notebook and
    makes its autograded notebook, without nbgrader (whose package imports its Jupyter server
    extensions: 0.7 s at the start of every batch); only the command, which writes the gradebook, needs it."""
    import pickle
    from autograder.batch import make_task
    from autograder.feedback import released_path
    ada = next(s for s in find_submissions(small_class_dir, backprop) if s.student == "ada")
    task = make_task(backprop, ada, "auto", inline=False, course_dir=small_class_dir, notebook=True,
                     released=released_path(small_class_dir, backprop))
    (tmp_path / "task.pickle").write_bytes(pickle.dumps(task))
    done = subprocess.run([sys.executable, "-c", WORKER_IMPORTS, str(course.root / "course.toml"),
                           str(tmp_path / "task.pickle")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", str(backprop.max_score), "False"]
