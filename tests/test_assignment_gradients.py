"""The `gradients` assignment under the grading contract: full marks, zero, and one mistake at a time."""

import pytest

from autograder.course import PROJECT_ROOT

from helpers import by_name, graded_with

REFERENCE_PY = PROJECT_ROOT / "solutions" / "gradients.py"


@pytest.fixture(scope="module")
def gradients(course):
    return course.assignment("gradients")


@pytest.mark.parametrize("function, before, after, tag", [
    ("grad_f", "return np.array([2.0 * x, 6.0 * y], dtype=np.float64)",
     "return np.array([2.0 * x, 3.0 * y], dtype=np.float64)", "missing_factor_2"),
    ("gradient_descent", "path.append(path[-1] - lr * np.asarray(grad(path[-1]), dtype=np.float64))",
     "path.append(path[-1] + lr * np.asarray(grad(path[-1]), dtype=np.float64))", "sign_flipped"),
])
def test_one_mistake_loses_only_its_functions_points(gradients, tmp_path, function, before, after, tag):
    tests = by_name(graded_with(gradients, tmp_path, (before, after)))
    assert tests[function]["score"] < tests[function]["max_score"]
    assert tag in tests[function]["tags"], tests[function]
    others = [t for name, t in tests.items() if name != function]
    assert all(t["score"] == t["max_score"] for t in others), [t for t in others if t["status"] != "passed"]


def test_one_sided_central_difference_is_named(gradients, tmp_path):
    tests = by_name(graded_with(gradients, tmp_path, ("return float((f(x + h) - f(x - h)) / (2.0 * h))",
                                                      "return float((f(x + h) - f(x)) / h)")))
    assert tests["central_difference"]["score"] == 0
    assert "one_sided_difference" in tests["central_difference"]["tags"]
    assert tests["forward_difference"]["score"] == tests["forward_difference"]["max_score"]
    assert tests["gradient_descent"]["score"] == tests["gradient_descent"]["max_score"]


def test_numpy_scalars_get_full_marks(gradients, tmp_path):
    """Returning np.float64 instead of float is right: the suite's `number` undoes the wire's (1,) arrays."""
    replacements = [("return float((f(x + h) - f(x)) / h)", "return np.float64((f(x + h) - f(x)) / h)"),
                    ("return float(x ** 2 + 3.0 * y ** 2)", "return x ** 2 + 3.0 * y ** 2"),
                    ("    return float((f(point + step) - f(point - step)) / (2.0 * h))",
                     "    return (f(point + step) - f(point - step)) / (2.0 * h)")]
    result = graded_with(gradients, tmp_path, *replacements)
    assert result["score"] == result["max_score"], [t for t in result["tests"] if t["status"] != "passed"]
