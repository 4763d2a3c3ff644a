"""The backprop_sigmoid assignment end to end: reference full marks, release zero, one mistake costs its own points."""
import json
import shutil
import subprocess
import sys
import time

import pytest

from autograder.course import PROJECT_ROOT, load_course
from autograder.release import RELEASED_FILES, released_file

from helpers import by_name, grade, run_cli
from test_grading_contract import check_shape_of_results

REFERENCE_PY = PROJECT_ROOT / "solutions" / "backprop_sigmoid.py"
FOLDER = PROJECT_ROOT / "assignments" / "backprop_sigmoid"


@pytest.fixture(scope="module")
def sigmoid(course):
    return course.assignment("backprop_sigmoid")


@pytest.fixture(scope="module")
def released(course_dir, sigmoid):
    return course_dir / "release" / "backprop_sigmoid"


def test_cli_grades_the_reference_module_full_marks(sigmoid):
    started = time.monotonic()
    done = run_cli("grade", "backprop_sigmoid", REFERENCE_PY, "--json")
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    check_shape_of_results(result, sigmoid)
    assert result["score"] == result["max_score"] == sum(f.points for f in sigmoid.functions)
    assert all(t["status"] == "passed" and t["tags"] == [] for t in result["tests"]), result["tests"]
    print(f"CLI grading of the backprop_sigmoid reference took {elapsed:.1f} s")


def test_reference_source_notebook_scores_full_marks(sigmoid):
    result = grade(sigmoid, sigmoid.source_notebook)
    check_shape_of_results(result, sigmoid)
    assert result["score"] == result["max_score"], [t for t in result["tests"] if t["status"] != "passed"]
    assert "Read-only cell" not in result["output"]


def test_release_holds_the_stubbed_notebook_and_public_checks_only(released, sigmoid):
    assert sorted(p.name for p in released.iterdir()) == sorted([sigmoid.notebook, *RELEASED_FILES])
    text = (released / sigmoid.notebook).read_text()
    assert "BEGIN SOLUTION" not in text and "run_hidden" not in text and "1.0 / (1.0 + np.exp(-z))" not in text


def test_released_notebook_scores_zero_not_implemented_everywhere(sigmoid, released):
    result = grade(sigmoid, released / sigmoid.notebook)
    check_shape_of_results(result, sigmoid)
    assert result["score"] == 0
    for test in result["tests"]:
        assert test["tags"] == ["not_implemented"], test
        assert "NotImplementedError" in test["output"]


def test_predict_returning_booleans_loses_only_predicts_points(sigmoid, tmp_path):
    source = REFERENCE_PY.read_text()
    mistake = "    return (Y_hat > 0.5).astype(np.float64)\n"
    assert source.count(mistake) == 1
    path = tmp_path / "backprop_sigmoid.py"
    path.write_text(source.replace(mistake, "    return Y_hat > 0.5\n"))
    tests = by_name(grade(sigmoid, path))
    assert tests["predict"]["score"] == 0 and tests["predict"]["tags"] == ["dtype"]
    assert "float64" in tests["predict"]["output"]
    others = [t for name, t in tests.items() if name != "predict"]
    assert all(t["score"] == t["max_score"] for t in others), [t for t in others if t["status"] != "passed"]


def test_output_delta_without_the_sigmoid_derivative_is_named(sigmoid, tmp_path):
    """A realistic slip: delta2 = dL/dY_hat, forgetting sigmoid'(z2). It costs output_delta alone; the
    composites that call it keep their points and say which part to fix first."""
    source = REFERENCE_PY.read_text()
    mistake = "    return (Y_hat - Y) / Y.size * Y_hat * (1.0 - Y_hat)\n"
    assert source.count(mistake) == 1
    path = tmp_path / "backprop_sigmoid.py"
    path.write_text(source.replace(mistake, "    return (Y_hat - Y) / Y.size\n"))
    tests = by_name(grade(sigmoid, path))
    assert tests["output_delta"]["score"] == 0
    assert tests["output_delta"]["tags"] == ["missing_activation_grad"]
    assert "sigmoid'(z) = a * (1 - a)" in tests["output_delta"]["output"]
    for composite in ("backward", "train"):    # they name the part to fix, and lose nothing for it
        assert tests[composite]["score"] == tests[composite]["max_score"]
        assert "calls_wrong_part" in tests[composite]["tags"] and "`output_delta`" in tests[composite]["output"]
    untouched = set(tests) - {"output_delta"}
    assert all(tests[n]["score"] == tests[n]["max_score"] for n in untouched), \
        [tests[n] for n in untouched if tests[n]["status"] != "passed"]


def test_public_checks_pass_on_the_reference_from_a_terminal(tmp_path):
    for name in RELEASED_FILES:
        shutil.copy(released_file(load_course().assignment("backprop_sigmoid"), name), tmp_path / name)
    shutil.copy(REFERENCE_PY, tmp_path / "backprop_sigmoid.py")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_public.py"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(load_course().assignment('backprop_sigmoid').functions)} passed" in done.stdout
    print(f"public checks from a terminal took {time.monotonic() - started:.1f} s")


def test_public_checks_fail_on_the_stubs(released, tmp_path):
    for name in (*RELEASED_FILES, "backprop_sigmoid.ipynb"):
        shutil.copy(released / name, tmp_path / name)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_public.py"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and f"{len(load_course().assignment('backprop_sigmoid').functions)} failed" in done.stdout, \
        done.stdout[-2000:]
    assert "still raises NotImplementedError" in done.stdout
