"""sgd_step and train: the update rule, the 2-1-1 step with lr 0.5, trajectories against the reference and torch."""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from autograder.testing import GENERIC, Failure, Mistake, assert_close, assert_no_mutation, graded
from autograder.testing.calls import CallCase
from autograder.testing.oracle_sigmoid import train_losses
from autograder.testing.training import assert_losses, params_and_losses
from autograder.testing.strategies import decimals, random_sigmoid_network, sigmoid_networks



def sgd_step_mistakes(params, grads, lr):
    return [Mistake("step_size_ignored", {k: params[k] - grads[k] for k in params} if lr != 1.0 else None),
            Mistake("sign_flipped", {k: params[k] + lr * grads[k] for k in params})]


@graded("sgd_step", weight=2, core=True)
@given(net=sigmoid_networks(), lr=decimals(0.1, 2.0, 0.1))
def test_sgd_step_matches_reference(student, reference, net, lr):
    X, Y, params = net
    _, cache = reference.forward(X, params)
    grads = reference.backward(Y, params, cache)
    call = student.call("sgd_step", params, grads, lr)
    assert_no_mutation(call, "sgd_step")
    assert_close(call.value, reference.sgd_step(params, grads, lr), what=f"sgd_step(params, grads, lr={lr})",
                 inputs={"lr": lr}, mistakes=sgd_step_mistakes(params, grads, lr))


@graded("sgd_step")
def test_sgd_step_walkthrough_update(student, reference):
    """The text's update with lr 0.5: W2 0.9 -> 0.9248, b2 0.1 -> 0.1362 (the text's 0.9244, 0.1368 are errors)."""
    X, Y = reference.walkthrough_example()
    params = reference.walkthrough_params()
    _, cache = reference.forward(X, params)
    grads = reference.backward(Y, params, cache)
    call = student.call("sgd_step", params, grads, 0.5)
    assert_no_mutation(call, "sgd_step")
    assert_close(call.value, reference.sgd_step(params, grads, 0.5), what="sgd_step on the 2-1-1 example, lr = 0.5",
                 mistakes=sgd_step_mistakes(params, grads, 0.5))


def _check_train(run: CallCase, *, tol="training"):
    X, Y, params, lr, steps = run.args
    reference = run.reference
    new_params, losses = params_and_losses(run.value, steps)
    expected_params, expected_losses = run.expected
    assert_losses(reference, "half_mse_loss", run.args, losses, np.asarray(expected_losses), tol=tol)
    assert_close(new_params, expected_params, tol=tol, what="the params returned by train",
                 mistakes=[Mistake("losses_off_by_one", reference.train(X, Y, params, lr, steps + 1)[0])])
    return new_params, losses


@graded("train", weight=2, core=True)
@given(net=sigmoid_networks(), lr=decimals(0.5, 2.0, 0.5), steps=st.integers(0, 6))
def test_train_matches_reference(case, net, lr, steps):
    X, Y, params = net
    _check_train(case("train", X, Y, params, lr, steps))


@graded("train")
def test_train_matches_torch(case):
    X, Y, params = random_sigmoid_network(seed=11, n=8, hidden=4)
    _, losses = _check_train(case("train", X, Y, params, 1.0, 40))
    assert_close(losses, train_losses(X, Y, params, 1.0, 40), tol="training",
                 what="train's losses vs gradient descent with torch autograd")


@graded("train", weight=2)
def test_train_learns_xor(case, reference):
    """The course's XOR run (the text's start, seed 42, H = 4, lr 2.0): 4/4 correct after 2000 updates."""
    X, Y = reference.xor_dataset()
    setup = reference.XOR_SETUP
    params = reference.init_params(setup["hidden"], setup["seed"])
    trained, losses = _check_train(case("train", X, Y, params, setup["lr"], setup["steps"]), tol=1e-6)
    if not np.array_equal(reference.predict(X, trained), Y):
        raise Failure("train's parameters after the XOR run do not classify all four inputs correctly.",
                      (GENERIC,))


@graded("train")
def test_train_keeps_its_inputs(student):
    X, Y, params = random_sigmoid_network(seed=5, n=4, hidden=3)
    assert_no_mutation(student.call("train", X, Y, params, 0.5, 3), "train")
