"""Diagnosis: the classifiers name mistakes, the partial-credit rule, composite blame, the codes doc."""
import inspect

import numpy as np
import pytest

from autograder.course import PROJECT_ROOT
from autograder.diagnosis import CODES, Failure, markdown_doc
from autograder.results import function_score, score_functions
from autograder.sandbox.proxy import LocalStudent
from autograder.suite import TestOutcome as Outcome
from autograder.testing import Mistake, assert_close
from autograder.testing.compare import diagnose_values
from autograder.testing.composite import close_tree
from solutions import backprop as reference

E = np.array([[1.0, -2.0, 0.5], [0.25, 3.0, -1.0]])


def tags_of(actual, expected, **kw):
    with pytest.raises(Failure) as err:
        assert_close(actual, expected, **kw)
    return list(err.value.tags)


@pytest.mark.parametrize("factor, factors, tags", [
    (2.0, None, ["missing_factor_2"]),
    (0.5, None, ["missing_factor_2"]),
    (-1.0, None, ["sign_flipped"]),
    (3.0, {"wrong_mean_denominator": [3]}, ["wrong_mean_denominator"]),
    (1 / 12, {"wrong_mean_denominator": [3, 4, 12]}, ["wrong_mean_denominator"]),
    (6.0, {"wrong_mean_denominator": [3]}, ["missing_factor_2", "wrong_mean_denominator"]),
    (-2.0, None, ["sign_flipped", "missing_factor_2"]),
    (7.0, None, ["wrong_values"]),
])
def test_constant_factors_are_named(factor, factors, tags):
    assert diagnose_values(factor * E, E, factors=factors) == tags


def test_transposes_known_mistakes_and_shapes_are_named():
    square = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert tags_of(square.T, square) == ["transposed"]
    assert tags_of(E.T, E) == ["transposed", "shape"]
    outer = np.outer(E, E)
    assert tags_of(outer, E, mistakes=[Mistake("outer_product_batch", outer)]) == ["outer_product_batch", "shape"]
    assert tags_of(E.sum(), E[0], mistakes=[Mistake("wrong_axis", E.sum())]) == ["wrong_axis", "not_array"]
    assert tags_of(E + 1, E, mistakes=[Mistake("missing_bias", E + 1)]) == ["missing_bias"]
    assert tags_of({"dW": E}, {"W": E}) == ["wrong_keys"]
    assert tags_of(E.astype(bool), E) == ["dtype"]
    assert tags_of(E * np.nan, E) == ["not_finite"]
    assert tags_of(np.float64(2.0), 1.0) == ["missing_factor_2"]


def test_messages_say_expected_got_and_where():
    with pytest.raises(Failure) as err:
        assert_close(2 * E, E, what="dL_dW2(h, dy)", inputs={"h": E})
    text = err.value.message
    assert "dL_dW2(h, dy) is wrong" in text and "Expected:" in text and "Got:" in text
    assert "Worst entry at index (1, 1)" in text and "Input: h =" in text


def test_every_code_is_documented_and_the_doc_is_up_to_date():
    assert all(code.islower() and meaning.endswith(".") for code, meaning in CODES.items())
    doc = (PROJECT_ROOT / "docs" / "diagnosis.md").read_text(encoding="utf-8")
    assert doc == markdown_doc(), "docs/diagnosis.md is stale: run `autograder codes > docs/diagnosis.md`"


def outcome(passed, weight=1.0, core=False, tags=("wrong_values",), function="f"):
    return Outcome("t", function, weight, passed, "" if passed else f"failed {tags}",
                       () if passed else tags, core)


def test_partial_credit_is_the_weighted_share_unless_a_core_test_fails():
    assert function_score(3, [outcome(True, 2), outcome(False, 1)]) == 2.0
    assert function_score(3, [outcome(True, 2, core=True), outcome(False, 1)]) == 2.0
    assert function_score(3, [outcome(False, 2, core=True), outcome(True, 1)]) == 0.0   # a stub's property
    assert function_score(3, []) == 0.0


def test_wrong_values_is_dropped_when_a_more_specific_cause_is_known(backprop):
    outcomes = [outcome(False, function="relu"), outcome(False, tags=("sign_flipped",), function="relu")]
    relu = score_functions(backprop, outcomes, only={"relu"})[0]
    assert relu.tags == ["sign_flipped"] and "sign_flipped" in relu.output


def test_a_composite_is_scored_with_the_reference_parts_that_lost_points():
    """Error carried forward with trusted functions: `backward` calling a wrong dL_dW2 gets the
    reference's dL_dW2 once dL_dW2 has lost points, and its own again afterwards."""
    broken = dict(vars(reference))
    exec("def dL_dW2(h, dy):\n    return h.T @ dy / len(h)\n" + inspect.getsource(reference.backward), broken)
    student = LocalStudent(broken, parts={"backward": {"dL_dW2": reference.dL_dW2}})
    X, Y = np.array([[1.0, 0.0, 1.0, 1.0], [0.0, 1.0, 1.0, 0.0]]), np.array([[1.0, 1.0, 0.0, 1.0], [0, 1, 1, 0.0]])
    params = reference.walkthrough_params()
    _, cache = reference.forward(X, params)
    expected = reference.backward(Y, params, cache)
    assert not close_tree(student.backward(Y, params, cache), expected)      # dL_dW2 not yet known to be wrong
    student.broken_parts.add("dL_dW2")
    assert close_tree(student.backward(Y, params, cache), expected)          # scored with the reference part
    own = student.call_with_own_parts("backward", (Y, params, cache), {})
    assert not close_tree(own.value, expected)                               # the note's evidence
    assert broken["dL_dW2"] is not reference.dL_dW2                          # nothing was left swapped in


def test_a_named_mistake_is_explained_in_words():
    with pytest.raises(Failure) as err:
        assert_close(3 * E, E, what="dL_dy(Y_hat, Y)", factors={"wrong_mean_denominator": [3]})
    assert "Likely cause: The result is off by a factor of N or 4" in err.value.message
    with pytest.raises(Failure) as err:
        assert_close(7 * E, E)
    assert "Likely cause" not in err.value.message


def test_time_credited_for_lent_parts_never_reaches_past_the_submissions_budget():
    """A lent part's time is credited to the call (up to 3 x its limit), but never past the end of
    the submission's whole budget: a submission cannot stretch its grading by calling lent parts."""
    from autograder.sandbox.proxy import MAX_CREDIT, _Exchange
    exchange = _Exchange(None, "n", deadline=100.0, callables={}, entry_cap=1, limit=5.0, budget_ends=103.0)
    exchange.credit(2.0)
    assert exchange.deadline == 102.0
    exchange.credit(10.0)
    assert exchange.deadline == 103.0 and exchange.credited <= MAX_CREDIT * 5.0
    unbounded = _Exchange(None, "n", deadline=100.0, callables={}, entry_cap=1, limit=5.0)
    unbounded.credit(100.0)
    assert unbounded.deadline == 100.0 + MAX_CREDIT * 5.0
