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


PARTIAL = "    return float((f(point + step) - f(point - step)) / (2.0 * h))"


def test_a_composite_failing_only_with_a_part_that_kept_its_points_keeps_its_own(gradients, tmp_path):
    """partial_derivative as a one-element array is a number (1/1), and the reference's gradient
    built on it returns shape (n, 1): gradient is run again with the reference's part, passes,
    keeps 2/2 and says which part to fix, with the failure it had."""
    tests = by_name(graded_with(gradients, tmp_path, (
        PARTIAL, "    return np.diff([f(point - step), f(point + step)]) / (2.0 * h)")))
    assert all(t["score"] == t["max_score"] for t in tests.values()), [t for t in tests.values() if t["score"] < 1]
    gradient = tests["gradient"]
    assert gradient["tags"] == ["calls_wrong_part"], gradient
    assert "with your own `partial_derivative`, your `gradient` fails" in gradient["output"], gradient["output"]
    assert "shape" in gradient["output"] and "fix it first" in gradient["output"]
    assert tests["partial_derivative"]["tags"] == [] and tests["gradient_descent"]["tags"] == []


def test_a_composite_wrong_on_its_own_is_charged_after_its_parts_are_lent_again(gradients, tmp_path):
    """gradient missing its last coordinate fails with the student's parts and with the reference's:
    the first failure stands, with its name, and no note says a part is to blame."""
    tests = by_name(graded_with(gradients, tmp_path, ("for i in range(point.shape[0])], dtype=np.float64)",
                                                      "for i in range(point.shape[0] - 1)], dtype=np.float64)")))
    gradient = tests["gradient"]
    assert gradient["score"] == 0 and "off_by_one" in gradient["tags"], gradient
    assert "calls_wrong_part" not in gradient["tags"] and "Note:" not in gradient["output"]
    assert tests["partial_derivative"]["score"] == tests["partial_derivative"]["max_score"]


def test_a_second_run_that_times_out_does_not_stick(gradients, tmp_path):
    """A gradient that fails with the student's own part and loops forever with the reference's:
    each second run times out, but the timeout is not the grade: every check of gradient ends
    with its own failure (the shape), not `timeout`, and nothing else is charged."""
    tests = by_name(graded_with(gradients, tmp_path, (
        PARTIAL, "    return np.diff([f(point - step), f(point + step)]) / (2.0 * h)"), (
        "    return np.array([partial_derivative(f, point, i, h) for i in range(point.shape[0])], dtype=np.float64)",
        "    first = partial_derivative(f, point, 0, h)\n"
        "    while np.ndim(first) == 0:\n"
        "        pass\n"
        "    return np.array([partial_derivative(f, point, i, h) for i in range(point.shape[0])], dtype=np.float64)")))
    gradient = tests["gradient"]
    assert gradient["score"] == 0 and "shape" in gradient["tags"] and "timeout" not in gradient["tags"], gradient
    assert all(t["score"] == t["max_score"] for name, t in tests.items() if name != "gradient")
