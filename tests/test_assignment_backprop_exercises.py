"""The backprop exercises in the grading pipeline: a mistake in one exercise costs only that function."""
from autograder.course import PROJECT_ROOT

from helpers import by_name, graded_with

REFERENCE_PY = PROJECT_ROOT / "solutions" / "backprop.py"
NEW = ("lr_sweep", "steps_to_reach", "unreachable_pattern", "make_hflip_dataset")


def test_the_exercises_are_graded_functions_of_backprop(backprop):
    names = [f.name for f in backprop.functions]
    assert set(NEW) <= set(names)
    assert backprop.function("lr_sweep").time_limit == 20.0


def _graded_with(backprop, tmp_path, old, new):
    return by_name(graded_with(backprop, tmp_path, (old, new)))


def test_vertical_instead_of_horizontal_flip_loses_only_its_points(backprop, tmp_path):
    tests = _graded_with(backprop, tmp_path, "    Y = X.reshape(16, 2, 2)[:, :, ::-1].reshape(16, 4)\n",
                         "    Y = X.reshape(16, 2, 2)[:, ::-1, :].reshape(16, 4)\n")
    assert tests["make_hflip_dataset"]["score"] == 0
    assert tests["make_hflip_dataset"]["tags"] == ["wrong_flip"]
    assert "up-down" in tests["make_hflip_dataset"]["output"]
    others = [t for name, t in tests.items() if name != "make_hflip_dataset"]
    assert all(t["score"] == t["max_score"] for t in others), [t for t in others if t["status"] != "passed"]


def test_steps_to_reach_with_at_most_instead_of_below(backprop, tmp_path):
    tests = _graded_with(backprop, tmp_path,
                         "    below = np.flatnonzero(np.asarray(losses, dtype=np.float64) < threshold)\n",
                         "    below = np.flatnonzero(np.asarray(losses, dtype=np.float64) <= threshold)\n")
    assert tests["steps_to_reach"]["score"] < tests["steps_to_reach"]["max_score"]
    assert tests["steps_to_reach"]["tags"] == ["threshold_not_strict"]
    others = [t for name, t in tests.items() if name != "steps_to_reach"]
    assert all(t["score"] == t["max_score"] for t in others), [t for t in others if t["status"] != "passed"]


def test_unreachable_pattern_with_the_wrong_sign_is_named(backprop, tmp_path):
    tests = _graded_with(backprop, tmp_path, "    return (a * beta < 0).astype(np.float64)\n",
                         "    return (a * beta > 0).astype(np.float64)\n")
    assert tests["unreachable_pattern"]["score"] == 0
    assert "sign_flipped" in tests["unreachable_pattern"]["tags"]
    assert tests["lr_sweep"]["score"] == tests["lr_sweep"]["max_score"]


def test_lr_sweep_returning_a_list_of_lists(backprop, tmp_path):
    tests = _graded_with(backprop, tmp_path,
                         "    return np.array([train(X, Y, params, lr, steps)[1] for lr in lrs], dtype=np.float64)\n",
                         "    return [train(X, Y, params, lr, steps)[1] for lr in lrs]\n")
    assert tests["lr_sweep"]["score"] < tests["lr_sweep"]["max_score"] and tests["lr_sweep"]["tags"] == ["not_array"]
    assert "np.array" in tests["lr_sweep"]["output"]
