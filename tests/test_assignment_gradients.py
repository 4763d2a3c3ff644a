"""The `gradients` assignment under the grading contract: full marks, zero, and one mistake at a time."""
import json

import nbformat
import pytest

from autograder.course import PROJECT_ROOT
from autograder.release import RELEASED_FILES

from helpers import by_name, grade, run_cli

REFERENCE_PY = PROJECT_ROOT / "solutions" / "gradients.py"


@pytest.fixture(scope="module")
def gradients(course):
    return course.assignment("gradients")


def check_shape_of_results(result, assignment):
    assert set(result) == {"score", "max_score", "execution_time", "output", "tests"}
    assert [t["name"] for t in result["tests"]] == [f.name for f in assignment.functions]
    assert result["max_score"] == assignment.max_score
    assert result["score"] == pytest.approx(sum(t["score"] for t in result["tests"]))


def test_cli_grades_the_reference_module_full_marks(gradients):
    done = run_cli("grade", "gradients", REFERENCE_PY, "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    check_shape_of_results(result, gradients)
    assert result["score"] == result["max_score"], [t for t in result["tests"] if t["status"] != "passed"]
    assert all(t["tags"] == [] for t in result["tests"])


def test_reference_source_notebook_scores_full_marks(gradients):
    result = grade(gradients, gradients.source_notebook)
    check_shape_of_results(result, gradients)
    assert result["score"] == result["max_score"], [t for t in result["tests"] if t["status"] != "passed"]


def test_released_notebook_scores_zero_not_implemented_everywhere(gradients, course_dir):
    released = course_dir / "release" / "gradients" / gradients.notebook
    result = grade(gradients, released)
    check_shape_of_results(result, gradients)
    assert result["score"] == 0
    for test in result["tests"]:
        assert test["tags"] == ["not_implemented"], test


def test_release_is_clean(gradients, course_dir):
    folder = course_dir / "release" / "gradients"
    assert sorted(p.name for p in folder.iterdir()) == sorted([gradients.notebook, *RELEASED_FILES])
    text = (folder / gradients.notebook).read_text()
    for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "run_hidden", "autograder"):
        assert secret not in text
    nb = nbformat.read(folder / gradients.notebook, as_version=4)
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"]
    assert [c.metadata["nbgrader"]["grade_id"] for c in answers] == [f.name for f in gradients.functions]
    assert all("raise NotImplementedError()" in c.source for c in answers)


@pytest.mark.parametrize("function, before, after, tag", [
    ("grad_f", "return np.array([2.0 * x, 6.0 * y], dtype=np.float64)",
     "return np.array([2.0 * x, 3.0 * y], dtype=np.float64)", "missing_factor_2"),
    ("gradient_descent", "path.append(path[-1] - lr * np.asarray(grad(path[-1]), dtype=np.float64))",
     "path.append(path[-1] + lr * np.asarray(grad(path[-1]), dtype=np.float64))", "sign_flipped"),
])
def test_one_mistake_loses_only_its_functions_points(gradients, tmp_path, function, before, after, tag):
    source = REFERENCE_PY.read_text()
    assert before in source
    path = tmp_path / "gradients.py"
    path.write_text(source.replace(before, after))
    tests = by_name(grade(gradients, path))
    assert tests[function]["score"] < tests[function]["max_score"]
    assert tag in tests[function]["tags"], tests[function]
    others = [t for name, t in tests.items() if name != function]
    assert all(t["score"] == t["max_score"] for t in others), [t for t in others if t["status"] != "passed"]


def test_one_sided_central_difference_is_named(gradients, tmp_path):
    source = REFERENCE_PY.read_text()
    before = "return float((f(x + h) - f(x - h)) / (2.0 * h))"
    assert before in source
    path = tmp_path / "gradients.py"
    path.write_text(source.replace(before, "return float((f(x + h) - f(x)) / h)"))
    tests = by_name(grade(gradients, path))
    assert tests["central_difference"]["score"] == 0
    assert "one_sided_difference" in tests["central_difference"]["tags"]
    assert tests["forward_difference"]["score"] == tests["forward_difference"]["max_score"]
    assert tests["gradient_descent"]["score"] == tests["gradient_descent"]["max_score"]


def test_public_checks_pass_for_the_reference_and_fail_for_the_stubs(gradients, course_dir, tmp_path):
    import shutil
    import subprocess
    import sys
    released = course_dir / "release" / "gradients"
    source = tmp_path / "source"
    shutil.copytree(released, source)
    shutil.copy(gradients.source_notebook, source / gradients.notebook)
    for folder, expect in ((source, "8 passed"), (released, "8 failed")):
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_public.py"],
                              cwd=folder, capture_output=True, text=True, timeout=120)
        assert expect in done.stdout, done.stdout[-2000:]


def test_numpy_scalars_get_full_marks(gradients, tmp_path):
    """Returning np.float64 instead of float is right: the suite's `number` undoes the wire's (1,) arrays."""
    source = REFERENCE_PY.read_text()
    replacements = [("return float((f(x + h) - f(x)) / h)", "return np.float64((f(x + h) - f(x)) / h)"),
                    ("return float(x ** 2 + 3.0 * y ** 2)", "return x ** 2 + 3.0 * y ** 2"),
                    ("    return float((f(point + step) - f(point - step)) / (2.0 * h))",
                     "    return (f(point + step) - f(point - step)) / (2.0 * h)")]
    for before, after in replacements:
        assert before in source
        source = source.replace(before, after)
    path = tmp_path / "gradients.py"
    path.write_text(source)
    result = grade(gradients, path)
    assert result["score"] == result["max_score"], [t for t in result["tests"] if t["status"] != "passed"]
