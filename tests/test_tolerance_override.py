"""course.toml's per-function `tolerance` is what the hidden checks use as their "exact" tolerance."""
import dataclasses

from autograder.grade import grade_submission

from helpers import by_name


def test_a_tolerance_override_decides_a_borderline_answer(backprop, tmp_path):
    source = (backprop.root / "solutions" / "backprop.py").read_text()
    path = tmp_path / "backprop.py"
    # dL_dh off by a relative 1e-7: wrong at the default 1e-9, right at a course tolerance of 1e-6
    path.write_text(source.replace("return dy @ W2.T", "return (dy @ W2.T) * (1 + 1e-7)"))
    strict = by_name(grade_submission(backprop, path))["dL_dh"]
    loose_function = dataclasses.replace(backprop.function("dL_dh"), tolerance=1e-6)
    loose = dataclasses.replace(backprop, functions=tuple(
        loose_function if f.name == "dL_dh" else f for f in backprop.functions))
    relaxed = by_name(grade_submission(loose, path))["dL_dh"]
    assert strict["score"] < strict["max_score"]
    assert relaxed["score"] == relaxed["max_score"]
