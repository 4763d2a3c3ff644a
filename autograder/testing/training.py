"""Checking what a network's `train(X, Y, params, lr, steps)` returns: (new params, losses).

The hidden suites of backprop and backprop_sigmoid judge the trajectory the same way: steps + 1
losses (the loss before any update, then after each), each against the reference's, with the
classic loop mistakes named (one loss too many or too few, the first step's gradients applied
again and again), then the params the loop ends with.
"""
from __future__ import annotations

import numpy as np

from ..diagnosis import Failure
from .compare import assert_close
from .mistakes import Mistake
from .types import as_number, as_pair, type_name


def params_and_losses(result, steps):
    """train's `result` -> (new params, losses as a float64 array); Failure unless it is a pair
    whose losses are a list of numbers (steps: the number of updates asked for)."""
    new_params, losses = as_pair(result, "train", "(params, losses)")
    if isinstance(losses, (list, tuple)):       # each a number under the type rule (a 0-d array too)
        losses = [as_number(v) for v in losses]
    if not isinstance(losses, (list, tuple, np.ndarray)) or not all(
            isinstance(v, (float, int, np.floating)) for v in np.asarray(losses, dtype=object).ravel()):
        raise Failure(f"losses should be a list of {steps + 1} floats, got {type_name(losses)}.", ("not_array",))
    return new_params, np.asarray(losses, dtype=np.float64)


def stale_trajectory(reference, loss, X, Y, params, lr, steps):
    """The losses (steps + 1,) a loop gets when it keeps applying the first step's gradients.
    loss: the name of the reference's loss function, loss(Y_hat, Y) -> float."""
    _, cache = reference.forward(X, params)
    grads = reference.backward(Y, params, cache)
    losses = []
    for _ in range(steps + 1):
        losses.append(getattr(reference, loss)(reference.forward(X, params)[0], Y))
        params = reference.sgd_step(params, grads, lr)
    return np.array(losses)


def assert_losses(reference, loss, args, losses, expected, *, tol, mistakes=()):
    """The student's train losses (K,) against the reference's `expected` (steps + 1,) for
    train(*args), args = (X, Y, params, lr, steps): as many, then the same values, with one loss too
    many or too few and the stale gradients named (loss: the name of the reference's loss function);
    mistakes: more known mistakes of the losses."""
    lr, steps = args[3:]
    what = f"the losses of train(X, Y, params, lr={lr}, steps={steps})"
    if losses.shape != expected.shape:
        off_by_one = losses.shape in ((steps,), (steps + 2,))
        raise Failure(f"{what} should hold steps + 1 = {steps + 1} values (the loss before any update, then "
                      f"after each), got {losses.size}.", ("losses_off_by_one",) if off_by_one else ("shape",))
    assert_close(losses, expected, tol=tol, what=what,
                 mistakes=[Mistake("losses_off_by_one", np.append(expected[1:], expected[-1]) if steps else None),
                           Mistake("stale_gradients", stale_trajectory(reference, loss, *args)), *mistakes])
