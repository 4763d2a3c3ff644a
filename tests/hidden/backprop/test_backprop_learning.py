"""sgd_step and train: the update rule, trajectories against the reference and torch.optim.SGD."""
import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

from autograder.testing import Failure, Mistake, assert_close, assert_no_mutation, graded
from autograder.testing.calls import CallCase
from autograder.testing.composite import close_tree
from autograder.testing.oracle import train_losses
from autograder.testing.training import assert_losses, params_and_losses
from autograder.testing.strategies import decimals, either_side_of_the_kinks, networks, random_network, settles

learning_rates = decimals(0.1, 1.0, 0.1)


def _fitted_rate(actual, params, grads):
    """The one step size c with actual ~= p - c * g for every key, or None."""
    try:
        num = sum(float(np.sum((params[k] - actual[k]) * grads[k])) for k in params)
        den = sum(float(np.sum(grads[k] * grads[k])) for k in params)
    except (TypeError, KeyError, ValueError):
        return None
    if den == 0.0:
        return None
    c = num / den
    return c if close_tree(actual, {k: params[k] - c * grads[k] for k in params}) else None


@graded("sgd_step", weight=2, core=True)
@given(net=networks(), lr=learning_rates)
def test_sgd_step_matches_reference(student, reference, net, lr):
    X, Y, params = net
    _, cache = reference.forward(X, params)
    grads = reference.backward(Y, params, cache)
    call = student.call("sgd_step", params, grads, lr)
    mistakes = [Mistake("sign_flipped", {k: params[k] + lr * grads[k] for k in params})]
    c = _fitted_rate(call.value, params, grads) if isinstance(call.value, dict) else None
    if c is not None and not np.isclose(c, lr) and not np.isclose(c, -lr):
        mistakes.append(Mistake("step_size_ignored", call.value))   # p - c * g with a step size that is not lr
    assert_no_mutation(call, "sgd_step")
    assert_close(call.value, reference.sgd_step(params, grads, lr), what=f"sgd_step(params, grads, lr={lr})",
                 inputs={"lr": lr}, mistakes=mistakes)


def _check_train(run: CallCase, *, tol="training"):
    """train's losses and params against the reference's from `params`, or, where a pre-activation
    sits on the ReLU kink, from either side of it (strategies.either_side_of_the_kinks)."""
    X, Y, params, lr, steps = run.args
    new_params, losses = params_and_losses(run.value, steps)
    failures = []
    for start in either_side_of_the_kinks(X, params):
        try:
            _compare_train(run.reference, (X, Y, start, lr, steps), (new_params, losses), tol=tol)
            return
        except Failure as failure:
            failures.append(failure)
    raise failures[0]


def _compare_train(reference, args, result, *, tol):
    """The student's `result` (new params, losses) against the reference's train(*args)."""
    X, Y, params, lr, steps = args
    new_params, losses = result
    expected_params, expected_losses = reference.train(X, Y, params, lr, steps)
    step_size_ignored = np.asarray(reference.train(X, Y, params, 0.1, steps)[1]) if lr != 0.1 else None
    assert_losses(reference, "mse_loss", args, losses, np.asarray(expected_losses), tol=tol,
                  mistakes=[Mistake("step_size_ignored", step_size_ignored)])
    assert_close(new_params, expected_params, tol=tol, what="the params returned by train")


@graded("train", weight=2, core=True)
@given(net=networks(), lr=decimals(0.1, 0.5, 0.1), steps=st.integers(0, 6))
def test_train_matches_reference(case, reference, net, lr, steps):
    X, Y, params = net
    assume(settles(reference.train(X, Y, params, lr, steps)[1]))
    _check_train(case("train", X, Y, params, lr, steps))


@graded("train")
def test_train_walkthrough_trajectory_and_torch(student, reference, case):
    X, Y = np.array([[1.0, 0.0, 1.0, 1.0]]), np.array([[1.0, 1.0, 0.0, 1.0]])
    _check_train(case("train", X, Y, reference.walkthrough_params(), 0.1, 30))
    X, Y, params = random_network(seed=11, n=16, hidden=4, scale=0.5)
    args = (X, Y, params, 0.05, 40)
    _, losses = params_and_losses(student.call("train", *args).value, 40)
    assert_close(losses, train_losses(*args), tol="training",
                 what="train's losses vs gradient descent with torch autograd")


@graded("train")
def test_train_keeps_its_inputs(student):
    X, Y, params = random_network(seed=5, n=4, hidden=3)
    assert_no_mutation(student.call("train", X, Y, params, 0.1, 3), "train")
