"""The backprop_sigmoid assignment end to end: reference full marks, release zero, one mistake costs its own points."""

import pytest

from autograder.course import PROJECT_ROOT

from helpers import by_name, graded_with

REFERENCE_PY = PROJECT_ROOT / "solutions" / "backprop_sigmoid.py"


@pytest.fixture(scope="module")
def sigmoid(course):
    return course.assignment("backprop_sigmoid")


def test_predict_returning_booleans_loses_only_predicts_points(sigmoid, tmp_path):
    tests = by_name(graded_with(sigmoid, tmp_path, ("    return (Y_hat > 0.5).astype(np.float64)\n",
                                                    "    return Y_hat > 0.5\n")))
    assert tests["predict"]["score"] == 0 and tests["predict"]["tags"] == ["dtype"]
    assert "float64" in tests["predict"]["output"]
    others = [t for name, t in tests.items() if name != "predict"]
    assert all(t["score"] == t["max_score"] for t in others), [t for t in others if t["status"] != "passed"]


def test_output_delta_without_the_sigmoid_derivative_is_named(sigmoid, tmp_path):
    """A realistic slip: delta2 = dL/dY_hat, forgetting sigmoid'(z2). It costs output_delta alone; the
    composites that call it keep their points and say which part to fix first."""
    tests = by_name(graded_with(sigmoid, tmp_path, ("    return (Y_hat - Y) / Y.size * Y_hat * (1.0 - Y_hat)\n",
                                                    "    return (Y_hat - Y) / Y.size\n")))
    assert tests["output_delta"]["score"] == 0
    assert tests["output_delta"]["tags"] == ["missing_activation_grad"]
    assert "sigmoid'(z) = a * (1 - a)" in tests["output_delta"]["output"]
    for composite in ("backward", "train"):    # they name the part to fix, and lose nothing for it
        assert tests[composite]["score"] == tests[composite]["max_score"]
        assert "calls_wrong_part" in tests[composite]["tags"] and "`output_delta`" in tests[composite]["output"]
    untouched = set(tests) - {"output_delta"}
    assert all(tests[n]["score"] == tests[n]["max_score"] for n in untouched), \
        [tests[n] for n in untouched if tests[n]["status"] != "passed"]


