"""What a student sees before submitting (docs/public_checks.md), in a real kernel and a terminal.

A released notebook filled in correctly passes every public check (the check-all cell says so with
the points) and scores full marks; filled with each demo mistake, the public check already names the
mistake the grader names, in the notebook (an IPython kernel, as Jupyter runs it) and in the terminal
(`python test_public.py`, `autograder check`, plain `pytest`). A notebook without its files beside
it says which files, in one sentence. No public check ever names a mistake the grader would not.
"""
import shutil
import subprocess
import sys

import nbformat
import pytest
from jupyter_client.manager import start_new_kernel

from autograder.demo import _reference_answers, _student_notebook, demo_mistakes
from autograder.release import RELEASED_FILES
from autograder.student_cells import MARK
from autograder.validate import load_catalogue, mutant_submission, reference_path
from helpers import AUTOGRADER, grade
from test_demo import BACKPROP_NAMED
from test_public_checks import namespace_of, public_checks


def named_by_grader(assignment) -> dict:
    """student -> (function, the diagnosis code the grader gives that demo mistake)."""
    tags = {(m.function, m.source.strip()): m.tags for m in load_catalogue(assignment)}
    return {student: (function, BACKPROP_NAMED[student] if assignment.name == "backprop"
                      else tags[(function, source.strip())][0])
            for student, (function, source, _) in demo_mistakes(assignment).items()}


def folder_with(course_dir, assignment, tmp_path, answers, *, files=RELEASED_FILES):
    """A student's folder: the released notebook filled with `answers`, and `files` beside it."""
    folder = tmp_path / assignment.name
    folder.mkdir(parents=True)
    released = course_dir / "release" / assignment.name
    nbformat.write(_student_notebook(released / assignment.notebook, answers), folder / assignment.notebook)
    for name in files:
        shutil.copy(released / name, folder / name)
    return folder


def grade_cell(nb, function):
    return next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == f"test_{function}")


def student_cell(nb, which):
    return next(c.source for c in nb.cells if c.metadata.get(MARK) == which)


class Kernel:
    """A real IPython kernel in a folder: run code as a notebook cell, get (text shown, error shown)."""

    def __init__(self, cwd):
        self.manager, self.client = start_new_kernel(kernel_name="python3", cwd=str(cwd))

    def run(self, code):
        shown, errors = [], []

        def hook(msg):
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                (errors if content["name"] == "stderr" else shown).append(content["text"])
            elif kind == "error":
                errors.append("\n".join(content["traceback"]))
        self.client.execute_interactive(code, output_hook=hook, timeout=60)
        return "".join(shown), "\n".join(errors)

    def close(self):
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


@pytest.fixture
def kernel_in():
    kernels = []

    def start(cwd):
        kernels.append(Kernel(cwd))
        return kernels[-1]
    yield start
    for k in kernels:
        k.close()


@pytest.mark.parametrize("name", ["backprop", "backprop_sigmoid", "gradients", "neuron"])
def test_each_demo_mistake_is_named_in_the_notebook_and_in_the_terminal(name, course, course_dir, tmp_path,
                                                                        kernel_in):
    assignment = course.assignment(name)
    answers = _reference_answers(assignment)
    folder = folder_with(course_dir, assignment, tmp_path, answers)
    nb = nbformat.read(folder / assignment.notebook, as_version=4)
    kernel = kernel_in(folder)
    kernel.run(student_cell(nb, "guard") + "\nimport numpy as np\n")
    for student, (function, source, what) in demo_mistakes(assignment).items():
        code = named_by_grader(assignment)[student][1]
        for other in answers.values():
            kernel.run(other)
        kernel.run(f"del {function}\n")
        kernel.run(source)
        shown, error = kernel.run(grade_cell(nb, function))
        assert f"`{code}`" in error, (student, what, shown, error)
        assert "Traceback" not in error and "---" not in error and len(error.splitlines()) == 1, error

        mistaken = folder_with(course_dir, assignment, tmp_path / student, {**answers, function: source})
        done = subprocess.run([sys.executable, "test_public.py", function], cwd=mistaken, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 1 and not done.stderr, done.stderr
        failed = [line for line in done.stdout.splitlines() if line.startswith("FAILED")]
        assert len(failed) == 1 and f"`{code}`" in failed[0], (student, what, done.stdout)
        assert done.stdout.splitlines()[-1].startswith("0/1 public checks passed; they cover 0 of ")


def test_a_correct_notebook_passes_every_check_and_scores_full_marks(backprop, course_dir, tmp_path, kernel_in):
    folder = folder_with(course_dir, backprop, tmp_path, _reference_answers(backprop))
    nb = nbformat.read(folder / backprop.notebook, as_version=4)
    kernel = kernel_in(folder)
    kernel.run(student_cell(nb, "guard") + "\nimport numpy as np\n")
    for source in _reference_answers(backprop).values():
        kernel.run(source)
    for function in backprop.functions:
        shown, error = kernel.run(grade_cell(nb, function.name))
        assert shown == f"{function.name}: public checks passed\n" and not error, (shown, error)
    shown, error = kernel.run(student_cell(nb, "check_all"))
    n, total = len(backprop.functions), f"{backprop.max_score:g}"
    assert not error and shown.splitlines()[-1].startswith(
        f"{n}/{n} public checks passed; they cover {total} of {total} points")
    assert "not the grade" in shown.splitlines()[-1]
    result = grade(backprop, folder / backprop.notebook)
    assert result["score"] == result["max_score"] == backprop.max_score

    done = subprocess.run([*AUTOGRADER, "check", str(folder / backprop.notebook)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and not done.stderr, done.stderr
    assert f"cover {total} of {total} points" in done.stdout.splitlines()[-1]


def test_a_notebook_alone_says_which_files_must_sit_beside_it(backprop, course_dir, tmp_path, kernel_in):
    folder = folder_with(course_dir, backprop, tmp_path, _reference_answers(backprop), files=())
    nb = nbformat.read(folder / backprop.notebook, as_version=4)
    kernel = kernel_in(folder)
    kernel.run(student_cell(nb, "guard"))
    kernel.run(_reference_answers(backprop)["relu"])
    shown, error = kernel.run(grade_cell(nb, "relu"))
    assert error.strip().startswith("public_checks.py must sit beside this notebook: put public_checks.py, "
                                    "public_base.py and test_public.py in the notebook's folder"), error
    assert "No module named" not in error and len(error.strip().splitlines()) == 1
    shutil.copy(course_dir / "release" / "backprop" / "public_checks.py", folder)     # one of the two
    shown, error = kernel.run(grade_cell(nb, "relu"))
    assert error.strip().startswith("public_base.py must sit beside this notebook"), error


def test_the_terminal_commands_agree_and_read_well(backprop, course_dir, tmp_path):
    """`autograder check`, `python test_public.py` and plain `pytest` give the same verdicts; pytest's
    failures are the checks' own lines, without tracebacks through the checks or `???` lines."""
    answers = _reference_answers(backprop)
    wrong = {**answers, "dL_dW2": answers["dL_dW2"].replace("h.T @ dy", "dy.T @ h")}
    folder = folder_with(course_dir, backprop, tmp_path, wrong)
    runs = {
        "check": subprocess.run([*AUTOGRADER, "check", backprop.notebook, "dL_dW2", "dL_dh"], cwd=folder,
                                capture_output=True, text=True, timeout=60),
        "script": subprocess.run([sys.executable, "test_public.py", "dL_dW2", "dL_dh"], cwd=folder,
                                 capture_output=True, text=True, timeout=60),
    }
    for how, done in runs.items():
        assert done.returncode == 1 and not done.stderr, (how, done.stderr)
        lines = done.stdout.splitlines()
        assert lines[0].startswith("FAILED  dL_dW2") and "`transposed`" in lines[0], (how, lines)
        assert lines[1] == "ok      dL_dh: public checks passed [1 pt]", (how, lines)
        assert lines[2].startswith("1/2 public checks passed; they cover 1 of 2 points"), (how, lines)
    assert runs["check"].stdout == runs["script"].stdout
    done = subprocess.run([sys.executable, "-m", "pytest", "test_public.py", "-q", "-p", "no:cacheprovider",
                           "-p", "no:randomly"], cwd=folder, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    every = subprocess.run([sys.executable, "test_public.py"], cwd=folder, capture_output=True, text=True,
                           timeout=60).stdout.splitlines()[:-1]
    ok, wait = (sum(line.startswith(label) for line in every) for label in ("ok ", "wait "))   # wait: fix a part first
    assert (ok, wait) == (len(backprop.functions) - 1 - wait, wait) and wait, every
    assert f"1 failed, {ok} passed, {wait} skipped" in done.stdout, done.stdout
    assert "???" not in done.stdout and "Traceback" not in done.stdout and "public_base.py:" not in done.stdout
    assert runs["check"].stdout.splitlines()[0].removeprefix("FAILED  ").removesuffix(" [1 pt]") in done.stdout
    assert len(done.stdout.splitlines()) < 15, done.stdout


def test_no_public_check_names_a_mistake_the_grader_would_not(course):
    """Every catalogued mutant: the public check of its function names one of the grader's tags for it,
    or none (a check that cannot tell says only what it expected and got)."""
    named = total = 0
    for assignment in course.assignments.values():
        checks = public_checks(assignment).CHECKS
        reference = reference_path(assignment).read_text("utf-8")
        for mutant in load_catalogue(assignment):
            namespace = namespace_of(mutant_submission(reference, mutant))
            outcome, line = checks.verdict(mutant.function, namespace[mutant.function])
            code = getattr(line, "code", None)
            assert code is None or code in mutant.tags, (mutant.id, line)
            assert outcome != "failed" or "\n" not in line, line
            total += 1
            named += code is not None
    assert 2 * named >= total, f"the public checks name only {named} of {total} catalogued mistakes"
    print(f"public checks name {named} of {total} catalogued mistakes")


def test_autograder_check_reads_the_files_the_release_ships(course):
    """`autograder check` finds public_base.py and public_checks.py where the release takes them from."""
    from autograder.check import public_files
    from autograder.release import released_file
    for assignment in course.assignments.values():
        assert public_files(assignment) == (released_file(assignment, "public_base.py"),
                                            released_file(assignment, "public_checks.py"))
