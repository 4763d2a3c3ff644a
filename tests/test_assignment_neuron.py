"""The `neuron` assignment under the grading contract: full marks, zero, and one mistake at a time."""

import pytest

from autograder.course import PROJECT_ROOT

from helpers import by_name, graded_with

REFERENCE_PY = PROJECT_ROOT / "solutions" / "neuron.py"


@pytest.fixture(scope="module")
def neuron(course):
    return course.assignment("neuron")


def test_naive_loss_from_probabilities_loses_only_bce_loss_points(neuron, tmp_path):
    """The textbook formula on p = sigmoid(z) is right for moderate logits and infinite for extreme ones."""
    tests = by_name(graded_with(neuron, tmp_path, (
        "    return float(np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))))",
        "    p = sigmoid(z)\n    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))")))
    assert 0 < tests["bce_loss"]["score"] < tests["bce_loss"]["max_score"]
    assert "not_finite" in tests["bce_loss"]["tags"], tests["bce_loss"]
    others = [t for name, t in tests.items() if name != "bce_loss"]
    assert all(t["score"] == t["max_score"] for t in others), [t for t in others if t["status"] != "passed"]


def test_gradient_not_averaged_is_named(neuron, tmp_path):
    tests = by_name(graded_with(neuron, tmp_path, ("    return (sigmoid(z) - y) / z.shape[0]",
                                                   "    return sigmoid(z) - y")))
    assert tests["bce_grad_z"]["score"] < tests["bce_grad_z"]["max_score"]
    assert "wrong_mean_denominator" in tests["bce_grad_z"]["tags"], tests["bce_grad_z"]
    # bce_grads calls it, keeps its points (error carried forward) and says which part to fix first
    assert tests["bce_grads"]["score"] == tests["bce_grads"]["max_score"]
    assert "calls_wrong_part" in tests["bce_grads"]["tags"] and "`bce_grad_z`" in tests["bce_grads"]["output"]
    for name in set(tests) - {"bce_grad_z"}:
        assert tests[name]["score"] == tests[name]["max_score"], tests[name]


def test_numpy_scalar_loss_gets_full_marks(neuron, tmp_path):
    """bce_loss returning np.float64 is right: the suite's `number` undoes the wire's (1,) arrays."""
    result = graded_with(neuron, tmp_path, (
        "    return float(np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))))",
        "    return np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z))))"))
    assert result["score"] == result["max_score"], [t for t in result["tests"] if t["status"] != "passed"]
