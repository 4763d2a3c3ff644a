"""The hidden tests' authoring API (autograder/testing): `graded` rejects what it does not know, known
mistakes are small objects, and a suite with a wrong mark is reported as broken, never graded."""
import shutil
from pathlib import Path

import numpy as np
import pytest

from autograder.course import load_course
from autograder.sandbox.proxy import LocalStudent
from autograder.suite import SuiteError, run_suite
from autograder.scan import graded_in_suite
from autograder.testing import AuthoringError, Failure, Mistake, assert_close, each_graded, graded
from solutions import backprop as reference

ROOT = Path(__file__).resolve().parent.parent


def test_graded_rejects_an_unknown_option_and_names_the_one_meant():
    with pytest.raises(AuthoringError, match=r"no option 'cor' \(did you mean 'core'\?\)"):
        graded("relu", cor=True)
    with pytest.raises(AuthoringError, match="its options are weight, core, answer_shown"):
        graded("relu", points=2)


@pytest.mark.parametrize("args, options, words", [
    ((3,), {}, "the graded function's name first"),
    (("relu",), {"weight": 0}, "positive number"),
    (("relu",), {"weight": "2"}, "positive number"),
    (("relu",), {"core": "yes"}, "True or False"),
])
def test_graded_rejects_values_of_the_wrong_kind(args, options, words):
    with pytest.raises(AuthoringError, match=words):
        graded(*args, **options)


def test_graded_marks_a_test_with_its_checked_options():
    mark = graded("relu_grad", weight=2, core=True).mark
    assert mark.name == "graded" and mark.args == ("relu_grad",)
    assert mark.kwargs == {"weight": 2.0, "core": True, "answer_shown": True}


def test_a_hand_made_mark_with_a_typo_breaks_the_suite_instead_of_dropping_the_rule(tmp_path):
    """`pytest.mark.graded("relu", cor=True)` bypasses `graded`; the grader still refuses it."""
    course = load_course()
    suite = tmp_path / "tests" / "hidden" / "backprop"
    suite.mkdir(parents=True)
    (suite / "test_relu.py").write_text(
        "import pytest\n\n\n@pytest.mark.graded('relu', cor=True)\ndef test_relu(student):\n"
        "    assert student.relu is not None\n", encoding="utf-8")
    assignment = course.assignment("backprop")
    moved = type(assignment)(**{**assignment.__dict__, "root": tmp_path})
    with pytest.raises(SuiteError, match="no option 'cor'"):
        run_suite(moved, LocalStudent(reference))


def test_one_test_written_for_several_functions_grades_each_and_is_found_by_the_checklist(tmp_path):
    """@each_graded runs the test once per function, each run counted for its own function, and the
    checklist's scan (which reads the file without running it) finds every name."""
    with pytest.raises(AuthoringError, match="did you mean 'core'"):
        each_graded("relu", "relu_grad", cor=True)
    with pytest.raises(AuthoringError, match="takes the names"):
        each_graded()
    course = load_course()
    suite = tmp_path / "tests" / "hidden" / "backprop"
    suite.mkdir(parents=True)
    (suite / "test_activations.py").write_text(
        "import numpy as np\nfrom autograder.testing import assert_close, each_graded\n\n\n"
        "@each_graded('relu', 'relu_grad', weight=2)\n"
        "def test_activation_keeps_its_shape(student, reference, function):\n"
        "    z = np.array([[-1.0, 0.5]])\n"
        "    assert_close(getattr(student, function)(z), getattr(reference, function)(z), what=function)\n",
        encoding="utf-8")
    assignment = course.assignment("backprop")
    moved = type(assignment)(**{**assignment.__dict__, "root": tmp_path})
    with pytest.raises(SuiteError, match="asks for a fixture that does not exist: 'student'"):
        run_suite(moved, LocalStudent(reference))    # the suite's conftest.py is not there yet
    shutil.copy(ROOT / "tests" / "hidden" / "conftest.py", suite.parent)
    outcomes = run_suite(moved, LocalStudent(reference))
    assert [(o.test, o.function, o.weight, o.passed) for o in outcomes] == [
        ("test_activation_keeps_its_shape[relu]", "relu", 2.0, True),
        ("test_activation_keeps_its_shape[relu_grad]", "relu_grad", 2.0, True)]
    assert graded_in_suite(suite) == {"relu": ["test_activations.py"], "relu_grad": ["test_activations.py"]}


def test_a_known_mistake_names_what_a_wrong_value_is():
    dy = np.array([[0.1, -0.2], [0.4, 0.1], [-0.3, 0.0]])
    mistakes = [Mistake("bias_not_summed", dy.mean(axis=0)), Mistake("bias_not_summed", dy),
                Mistake(("wrong_axis", "shape"), np.array([dy.sum()])), Mistake("wrong_axis", None)]
    for wrong, tags in ((dy.mean(axis=0), ("bias_not_summed",)), (dy, ("bias_not_summed", "shape")),
                        (np.array([dy.sum()]), ("wrong_axis", "shape", "shape"))):
        with pytest.raises(Failure) as failure:
            assert_close(wrong, dy.sum(axis=0), what="dL_db2(dy)", mistakes=mistakes)
        assert set(failure.value.tags) == set(tags)


def test_a_mistake_takes_only_diagnosis_codes():
    with pytest.raises(ValueError, match="diagnosis codes"):
        Mistake("bias_not_sumed", 1.0)
    with pytest.raises(ValueError, match="diagnosis codes"):
        Mistake((), 1.0)


def test_a_suite_edited_between_two_gradings_of_one_process_is_collected_again(tmp_path):
    """A worker collects a suite once and keeps it (autograder/suite.py); an edited suite (an erratum,
    then a regrade on the same Dask workers) is collected again, its edited module imported afresh."""
    course = load_course()
    suite = tmp_path / "tests" / "hidden" / "backprop"
    suite.mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "hidden" / "conftest.py", suite.parent)
    test_file = suite / "test_relu.py"
    header = "import numpy as np\nfrom autograder.testing import assert_close, graded\n\n\n"
    body = ("def {name}(student, reference):\n    z = np.array([[-1.0, 0.5]])\n"
            "    assert_close(student.relu(z), reference.relu(z) * {factor}, what='relu')\n")
    test_file.write_text(header + "@graded('relu')\n" + body.format(name="test_relu", factor=1), encoding="utf-8")
    assignment = course.assignment("backprop")
    moved = type(assignment)(**{**assignment.__dict__, "root": tmp_path})
    first = run_suite(moved, LocalStudent(reference), only="relu")
    test_file.write_text(header + "@graded('relu', weight=3)\n" + body.format(name="test_relu", factor=2)
                         + "\n\n@graded('relu')\n" + body.format(name="test_relu_again", factor=1), encoding="utf-8")
    second = run_suite(moved, LocalStudent(reference), only="relu")
    assert [(o.test, o.weight, o.passed) for o in first] == [("test_relu", 1.0, True)]
    assert [(o.test, o.weight, o.passed) for o in second] == [("test_relu", 3.0, False), ("test_relu_again", 1.0, True)]
    real = run_suite(course.assignment("backprop"), LocalStudent(reference), only="relu")   # the course's own
    assert real and all(o.passed for o in real) and "test_relu_again" not in [o.test for o in real]
