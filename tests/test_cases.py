"""Hidden cases per submission (autograder/cases.py, docs/cases.md): the same file always meets the
same cases, another file or another course secret other ones, and the secret stays the grader's."""
import os
import re
import stat

import pytest

from autograder.cases import SECRET_ENV, SECRET_FILE, SecretError, case_seed, course_secret, per_test_seed

from autograder.case_pool import slot_of

from helpers import grade

SECRET = os.environ[SECRET_ENV].encode()     # the project's tests' fixed secret (tests/conftest.py)

WRONG_RELU = "import numpy as np\n\n\ndef relu(z):\n    return np.abs(z)\n"


def test_the_seed_follows_the_bytes_and_the_secret():
    assert case_seed(b"secret", b"def relu(z): ...") == case_seed(b"secret", b"def relu(z): ...")
    assert case_seed(b"secret", b"def relu(z): ...") != case_seed(b"secret", b"def relu(z): ... ")
    assert case_seed(b"secret", b"def relu(z): ...") != case_seed(b"another", b"def relu(z): ...")
    assert per_test_seed(1, "a.py::test_x") != per_test_seed(1, "a.py::test_y")


def test_the_secret_is_created_once_readable_by_the_grader_only(tmp_path, monkeypatch):
    monkeypatch.delenv(SECRET_ENV)
    first = course_secret(tmp_path)
    path = tmp_path / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(first) == 64
    assert course_secret(tmp_path) == first
    assert [p.name for p in path.parent.iterdir()] == [path.name]    # nothing left aside
    path.chmod(0o644)
    with pytest.raises(SecretError, match="chmod 600"):
        course_secret(tmp_path)
    monkeypatch.setenv(SECRET_ENV, "from the environment")
    assert course_secret(tmp_path) == b"from the environment"


def _relu_message(backprop, path):
    return next(t for t in grade(backprop, path, only={"relu"})["tests"] if t["name"] == "relu")


def test_the_same_file_meets_the_same_cases_another_file_other_ones(backprop, tmp_path, monkeypatch):
    path = tmp_path / "relu.py"
    path.write_text(WRONG_RELU)
    first, again = _relu_message(backprop, path), _relu_message(backprop, path)
    assert first == again and first["score"] == 0.0            # same score, tags and message
    shown = re.search(r"Input: z = (.*?)\nGot:", first["output"], re.S | re.M)
    assert shown, first["output"]

    slot = slot_of(case_seed(SECRET, WRONG_RELU.encode()))
    resubmitted = next(WRONG_RELU + f"# resubmitted {i}\n" for i in range(100)
                       if slot_of(case_seed(SECRET, (WRONG_RELU + f"# resubmitted {i}\n").encode())) != slot)
    path.write_text(resubmitted)       # another file in another of the pool's sets (15 in 16 files are)
    assert _relu_message(backprop, path)["output"] != first["output"]     # another draw
    path.write_text(WRONG_RELU)
    monkeypatch.setenv(SECRET_ENV, "another course")
    assert _relu_message(backprop, path)["output"] != first["output"]


def test_an_unusable_secret_is_the_graders_error_not_a_students_zero(backprop, tmp_path, monkeypatch):
    from autograder.course import load_course
    from autograder.grade import GraderError
    monkeypatch.delenv(SECRET_ENV)
    course = tmp_path / "course"
    course.mkdir()
    (course / "course.toml").write_text((backprop.root / "course.toml").read_text())
    (course / "tests").symlink_to(backprop.root / "tests")
    assignment = load_course(course / "course.toml").assignment("backprop")
    (course / SECRET_FILE).parent.mkdir()
    (course / SECRET_FILE).write_text("")
    os.chmod(course / SECRET_FILE, 0o600)
    path = tmp_path / "relu.py"
    path.write_text(WRONG_RELU)
    with pytest.raises(GraderError, match="empty"):
        grade(assignment, path, only={"relu"})


def test_every_graded_function_with_inputs_has_a_core_test_drawn_per_submission(course):
    """Rule 3 of docs/cases.md: answers to fixed cases earn nothing without the randomized core."""
    import importlib
    import importlib.util
    import inspect

    from hypothesis.internal.detection import is_hypothesis_test

    from autograder.testing.graded import specs_of_function
    seeded = {}
    for assignment in course.assignments.values():
        reference = importlib.import_module(assignment.solution)
        for path in sorted(assignment.suite_dir.glob("test_*.py")):
            spec = importlib.util.spec_from_file_location(f"cases_{assignment.name}_{path.stem}", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            for test in vars(module).values():
                for spec in specs_of_function(test):
                    if spec.core and is_hypothesis_test(test):
                        seeded.setdefault(assignment.name, set()).add(spec.function)
        with_inputs = {f.name for f in assignment.functions
                       if inspect.signature(getattr(reference, f.name)).parameters}
        assert with_inputs <= seeded.get(assignment.name, set()), \
            (assignment.name, with_inputs - seeded[assignment.name])


def test_a_randomized_failure_shows_input_value_and_where_but_not_the_answer():
    import numpy as np

    from autograder.diagnosis import Failure
    from autograder.testing.compare import SHOW_EXPECTED, assert_close
    E = np.array([[0.25, -1.5], [3.125, 0.75]])
    token = SHOW_EXPECTED.set(False)
    try:
        with pytest.raises(Failure) as array_failure:
            assert_close(2 * E, E, what="dL_dW2(h, dy)", inputs={"h": E})
        with pytest.raises(Failure) as number_failure:
            assert_close(0.1234567, 0.1234, what="mse_loss(Y_hat, Y)", inputs={"Y": E})
    finally:
        SHOW_EXPECTED.reset(token)
    text = array_failure.value.message
    assert "Input: h =" in text and "Got:" in text
    assert "Worst entry at index (1, 0): got 6.25 (rel. error about 1e+00)" in text
    assert "Expected" not in text and "expected 3.125" not in text
    assert array_failure.value.tags == ("missing_factor_2",)          # the diagnosis is kept
    text = number_failure.value.message
    assert "Got:      0.1234567 (rel. error about 1e-03)" in text and "0.1234 " not in text and "Expected" not in text
