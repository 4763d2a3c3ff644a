"""The exercises of text 001: lr_sweep, steps_to_reach, unreachable_pattern, make_hflip_dataset."""
import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

from autograder.diagnosis import CODES
from autograder.testing import GENERIC, Failure, Mistake, assert_close, assert_no_mutation, graded
from autograder.testing.calls import CallCase
from autograder.testing.compare import expected_shown
from autograder.testing.datasets import check_dataset
from autograder.testing.oracle import train_losses
from autograder.testing.strategies import decimals, networks, random_network, settles
from autograder.testing.types import as_count, type_name

WALK_X = np.array([[1.0, 0.0, 1.0, 1.0]])
WALK_Y = np.array([[1.0, 1.0, 0.0, 1.0]])


def _walkthrough_off_the_kink(reference):
    """The walk-through start with b1[0] 1e-12 lower: z1[0] is then clearly below 0 in every library
    and summation order (it is 0 in exact arithmetic; docs/numerics.md)."""
    params = reference.walkthrough_params()
    params["b1"] = params["b1"] - np.array([1e-12, 0.0, 0.0])
    return params


def sweep_mistakes(run: CallCase):
    """What the classic lr_sweep mistakes give: rows and columns swapped, the loss before any update
    dropped (or one shifted in), and every run continuing from where the previous one ended."""
    X, Y, params, lrs, steps = run.args
    reference, expected = run.reference, run.expected
    chained, start = [], params
    for lr in lrs:
        start, losses = reference.train(X, Y, start, lr, steps)
        chained.append(losses)
    return [Mistake("start_not_reset", np.array(chained) if len(lrs) > 1 and steps else None),
            Mistake("transposed", expected.T),
            Mistake("losses_off_by_one", expected[:, 1:]),
            Mistake("losses_off_by_one", np.hstack([expected[:, 1:], expected[:, -1:]]))]


def _check_sweep(run: CallCase):
    _, _, _, lrs, steps = run.args
    call, expected, value = run.call, run.expected, run.value
    what = f"lr_sweep(X, Y, params, lrs={list(lrs)}, steps={steps})"
    if isinstance(value, (list, tuple)):
        raise Failure(f"{what} should return one 2-D NumPy array of shape {expected.shape} (row i: the losses "
                      f"for lrs[i]), got a {type_name(value)}; wrap it with np.array(...).", ("not_array",))
    assert_close(value, expected, tol="training", what=what, mistakes=sweep_mistakes(run))
    assert_no_mutation(call, "lr_sweep")
    return value


@graded("lr_sweep", weight=2, core=True)
@given(net=networks(n=3), lrs=st.lists(decimals(0.1, 0.8, 0.1), min_size=1, max_size=3), steps=st.integers(0, 5))
def test_lr_sweep_matches_reference(case, reference, net, lrs, steps):
    X, Y, params = net
    assume(all(settles(row) for row in reference.lr_sweep(X, Y, params, lrs, steps)))
    _check_sweep(case("lr_sweep", X, Y, params, lrs, steps))


@graded("lr_sweep", weight=2)
def test_lr_sweep_on_the_walkthrough_and_torch(case, reference):
    """The exercise's learning rates on the 200-step loop's example, 30 steps; lr 5.0 diverges (finite here)."""
    params = _walkthrough_off_the_kink(reference)
    lrs = [0.01, 0.1, 0.5, 2.0, 5.0]
    losses = _check_sweep(case("lr_sweep", WALK_X, WALK_Y, params, lrs, 30))
    for row, lr in zip(losses, lrs):
        assert_close(row, train_losses(WALK_X, WALK_Y, params, lr, 30), tol="training",
                     what=f"lr_sweep's row for lr = {lr} vs gradient descent with torch autograd")


@graded("lr_sweep")
def test_lr_sweep_keeps_its_inputs(student):
    X, Y, params = random_network(seed=31, n=4, hidden=3)
    assert_no_mutation(student.call("lr_sweep", X, Y, params, [0.1, 0.2], 2), "lr_sweep")


def _steps_to_reach_cases():
    return [
        (np.array([1.0, 0.5, 0.2, 0.05, 0.01]), 0.1),
        (np.array([1.0, 0.5, 0.2, 0.05, 0.01]), 0.2),     # equal is not below
        (np.array([1.0, 0.9, 0.8]), 0.5),                 # never
        (np.array([0.01, 2.0, np.inf, np.nan]), 0.1),     # already below before any update
        (np.array([1.0, np.nan, np.inf, 1e300]), 1.0),    # a diverging run: nan is never below
        ([0.3, 0.2, 0.1], 0.15),                          # a plain list, as train returns
    ]


def steps_mistakes(losses, threshold, expected):
    """The answers the classic mistakes give -> {answer: tag}."""
    values = np.asarray(losses, dtype=np.float64)
    mistakes = {}
    if expected != -1:
        mistakes.update({expected + 1: "losses_off_by_one", expected - 1: "losses_off_by_one"})
    else:
        mistakes.update({0: "missing_not_found", len(values): "missing_not_found", None: "missing_not_found"})
    loose = np.flatnonzero(values <= threshold)
    loose_answer = int(loose[0]) if loose.size else -1
    if loose_answer != expected:
        mistakes[loose_answer] = "threshold_not_strict"
    return mistakes


def _check_steps(student, reference, losses, threshold):
    call = student.call("steps_to_reach", losses, threshold)
    actual = as_count(call.value)
    expected = reference.steps_to_reach(losses, threshold)
    shown = f"\nInput: losses = {np.round(np.asarray(losses, dtype=float), 6).tolist()}, threshold = {threshold}"
    is_int = type(actual) is int
    tag = steps_mistakes(losses, threshold, expected).get(actual if is_int else actual if actual is None else "")
    if not is_int:
        raise Failure(f"steps_to_reach should return an int, got {type_name(actual)}: {actual!r}.{shown}"
                      + (f"\nLikely cause: {CODES[tag]}" if tag else ""), (tag, "not_array") if tag else ("not_array",))
    if actual != expected:
        raise Failure(f"steps_to_reach(losses, threshold={threshold}) is {actual}"
                      f"{f', expected {expected}' if expected_shown() else ''}: the "
                      f"number of updates k of the first losses[k] strictly below the threshold (-1 if none)."
                      f"{shown}" + (f"\nLikely cause: {CODES[tag]}" if tag else ""), (tag or GENERIC,))
    assert_no_mutation(call, "steps_to_reach")


@graded("steps_to_reach", weight=2, core=True)
def test_steps_to_reach_on_hand_made_curves(student, reference):
    for losses, threshold in _steps_to_reach_cases():
        _check_steps(student, reference, losses, threshold)


@graded("steps_to_reach", core=True)   # hand-made curves alone could be answered from a table
@given(losses=st.lists(decimals(0.0, 1.0, 0.05), min_size=1, max_size=12), threshold=decimals(0.05, 1.0, 0.05))
def test_steps_to_reach_matches_reference(student, reference, losses, threshold):
    _check_steps(student, reference, np.array(losses), threshold)


def _generic_output_layer(seed):
    """W2 (3, 4), b2 (4,) whose unreachable pattern is unique: every a_j and beta at least 1e-3 from 0."""
    rng = np.random.default_rng(seed)
    while True:
        W2 = np.round(rng.normal(size=(3, 4)), 1)
        b2 = np.round(rng.uniform(-0.5, 1.5, size=4), 1)
        a = np.linalg.svd(W2)[2][-1]
        if np.linalg.matrix_rank(W2) == 3 and np.min(np.abs(a)) > 1e-3 and abs(a @ (b2 - 0.5)) > 1e-3:
            return W2, b2


def pattern_mistakes(W2, b2, expected):
    """The other side of the hyperplane, and beta measured from 0 instead of the threshold 1/2."""
    a = np.linalg.svd(W2)[2][-1]
    flipped, from_zero = 1.0 - expected, (a * (a @ b2) < 0).astype(np.float64)
    if np.array_equal(flipped, from_zero):     # a . b2 and a . (b2 - 1/2) differ in sign: the same pattern
        return [Mistake(("sign_flipped", "wrong_threshold"), flipped)]
    return [Mistake("wrong_threshold", from_zero), Mistake("sign_flipped", flipped)]


@graded("unreachable_pattern", weight=2, core=True)
@given(seed=st.integers(0, 10_000))
def test_unreachable_pattern_matches_reference(student, reference, seed):
    W2, b2 = _generic_output_layer(seed)
    expected = reference.unreachable_pattern(W2, b2)
    call = student.call("unreachable_pattern", W2, b2)
    assert_close(call.value, expected, what="unreachable_pattern(W2, b2)", inputs={"W2": W2, "b2": b2},
                 mistakes=pattern_mistakes(W2, b2, expected))
    assert_no_mutation(call, "unreachable_pattern", inputs={"W2": W2, "b2": b2})


@graded("unreachable_pattern")
def test_unreachable_pattern_of_a_trained_network_is_missed(student, reference):
    """A 4-3-4 network trained on all 16 images: the pattern is one of the targets it gets wrong."""
    X, Y = reference.make_dataset()
    trained, _ = reference.train(X, Y, reference.init_params(3, seed=1), 0.2, 150)
    pattern = student.unreachable_pattern(trained["W2"], trained["b2"])
    expected = reference.unreachable_pattern(trained["W2"], trained["b2"])
    assert_close(pattern, expected, what="unreachable_pattern(W2, b2) of a trained 4-3-4 network",
                 inputs={"W2": trained["W2"], "b2": trained["b2"]},
                 mistakes=pattern_mistakes(trained["W2"], trained["b2"], expected))


@graded("make_hflip_dataset", weight=2, core=True, answer_shown=False)
def test_make_hflip_dataset_matches_reference(student, reference):
    def y_mistakes(X, Y):
        images = X.reshape(16, 2, 2)
        return [Mistake("wrong_flip", images[:, ::-1, :].reshape(16, 4)),               # up-down
                Mistake("wrong_flip", images.transpose(0, 2, 1).reshape(16, 4))]       # diagonal
    check_dataset(student, reference, "make_hflip_dataset",
                  y_what=" (the left-right flip: [p00, p01, p10, p11] -> [p01, p00, p11, p10])", y_mistakes=y_mistakes)
