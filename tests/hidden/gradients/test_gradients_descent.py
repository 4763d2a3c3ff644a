"""gradient_descent: the whole path, against the reference and torch autograd's descent.

Known mistakes are named by the paths they give (computed here): uphill, a stale gradient, lr
ignored, one row too many or too few.
"""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from autograder.testing import Failure, Mistake, assert_close, assert_no_mutation, graded
from autograder.testing.oracle_gradients import Counted, bowl_grad, bowl_torch, descent_path, hill_torch
from autograder.testing.oracle_gradients import gradient as torch_gradient
from autograder.testing.strategies import decimals, points


def _hill_grad(p):
    return torch_gradient(hill_torch, p)


def _walk(grad, start, lr, steps, sign=-1.0):
    path = [np.array(start, dtype=np.float64)]
    for _ in range(steps):
        path.append(path[-1] + sign * lr * np.asarray(grad(path[-1])))
    return np.array(path)


def descent_mistakes(grad, start, lr, steps):
    """The paths gradient_descent gives with each classic mistake (rows: the point after k updates)."""
    longer = _walk(grad, start, lr, steps + 1)
    return [Mistake("sign_flipped", _walk(grad, start, lr, steps, sign=1.0) if steps else None),
            Mistake("stale_gradients", start - np.outer(np.arange(steps + 1), lr * np.asarray(grad(start)))
                    if steps > 1 else None),
            Mistake("step_size_ignored", _walk(grad, start, 0.1, steps) if steps and lr != 0.1 else None),
            Mistake("off_by_one", longer[1:]), Mistake("off_by_one", longer)]


def _check_path(student, reference, grad, start, lr, steps, tol="training"):
    call = student.call("gradient_descent", Counted(grad, scalar=False), start, lr, steps)
    path = call.value
    expected = reference.gradient_descent(grad, start, lr, steps)
    what = f"gradient_descent(grad, start, lr={lr}, steps={steps})"
    inputs = {"start": start}
    if isinstance(path, np.ndarray) and path.ndim == 2 and path.shape[1:] == expected.shape[1:] \
            and abs(path.shape[0] - expected.shape[0]) == 1:
        too = "many" if path.shape[0] > steps + 1 else "few"
        raise Failure(f"{what} should return steps + 1 = {steps + 1} rows (the start, then the point after each "
                      f"update), got {path.shape[0]}: a loop that runs one time too {too}, "
                      f"or the start left out.\nInput: start = {start}", ("off_by_one", "shape"))
    # a path of no steps is `start` alone: a view of it (start[None], np.atleast_2d(start)) changes nothing
    assert_no_mutation(call, "gradient_descent", inputs=inputs, may_return_inputs=steps == 0)
    assert_close(path, expected, tol=tol, what=what, inputs=inputs,
                 mistakes=descent_mistakes(grad, start, lr, steps))
    return path


@graded("gradient_descent", weight=2)
def test_gradient_descent_on_the_texts_bowl(student, reference):
    """From (4, 3) with lr 0.05, 8 steps (text 004): the path torch autograd takes, ending at loss 3.0546."""
    start = np.array([4.0, 3.0])
    path = _check_path(student, reference, bowl_grad, start, 0.05, 8)
    assert_close(path, descent_path(bowl_torch, start, 0.05, 8), tol="training",
                 what="gradient_descent's path vs torch autograd's descent")


@graded("gradient_descent", weight=2, core=True)
@given(start=points(), lr=decimals(0.01, 0.2, 0.01), steps=st.integers(0, 6))
def test_gradient_descent_matches_reference_and_torch(student, reference, start, lr, steps):
    path = _check_path(student, reference, _hill_grad, start, lr, steps)
    assert_close(path, descent_path(hill_torch, start, lr, steps), tol="training",
                 what="gradient_descent's path vs torch autograd's descent", inputs={"start": start})
