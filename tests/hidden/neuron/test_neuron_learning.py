"""bce_loss, bce_grad_z, bce_grads and neuron_step: against the reference, torch autograd and the text."""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from autograder.testing import Failure, assert_close, assert_no_mutation, graded
from autograder.testing import oracle_neuron as torch_oracle
from autograder.testing.scalars import number
from autograder.testing.strategies import decimals, neurons

EXTREME_Z = np.array([-1000.0, -40.0, 40.0, 1000.0, 0.5, -3.0, 745.0, -745.0])
EXTREME_Y = np.array([1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0])


def _naive_bce(z, y):
    with np.errstate(all="ignore"):
        p = 1.0 / (1.0 + np.exp(-z))
        return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))


@graded("bce_loss", weight=2)
@given(case=neurons())
def test_bce_loss_matches_reference_and_torch(student, reference, case):
    X, y, W, b = case
    z, _ = reference.neuron_forward(X, W, b)
    call = student.call("bce_loss", z, y)
    inputs = {"z": z, "y": y}
    n = z.shape[0]
    assert_close(number(call.value), reference.bce_loss(z, y), what="bce_loss(z, y)", inputs=inputs,
                 factors={"wrong_mean_denominator": [n]} if n > 1 else None)
    assert_close(number(call.value), torch_oracle.bce_loss_with_logits(z, y),
                 what="bce_loss(z, y) vs torch's binary_cross_entropy_with_logits", inputs=inputs)
    assert_no_mutation(call, "bce_loss", inputs=inputs)


@graded("bce_loss", weight=2)
def test_bce_loss_of_extreme_logits(student, reference):
    """At |z| = 1000, sigmoid(z) is exactly 0.0 or 1.0 in float64 and log(0) = -inf: only a loss computed
    from the logits (max(z, 0) - z*y + log(1 + exp(-|z|))) stays finite and right."""
    actual = number(student.bce_loss(EXTREME_Z, EXTREME_Y))
    expected = torch_oracle.bce_loss_with_logits(EXTREME_Z, EXTREME_Y)
    inputs = {"z": EXTREME_Z, "y": EXTREME_Y}
    if isinstance(actual, float) and not np.isfinite(actual):
        raise Failure(f"bce_loss(z, y) is {actual} for extreme logits: sigmoid(±1000) rounds to exactly 0 or 1 "
                      "and log(0) = -inf. Compute the loss from z: max(z, 0) - z * y + log(1 + exp(-|z|))."
                      f"\nInput: z = {EXTREME_Z.tolist()}, y = {EXTREME_Y.tolist()}", ("not_finite",))
    try:
        assert_close(actual, expected, what="bce_loss(z, y) for extreme logits", inputs=inputs)
    except Failure as failure:
        raise Failure(failure.message + "\nClipping p away from 0 and 1 keeps the loss finite but caps it "
                      "(the true loss at z = 1000, y = 0 is 1000): compute the loss from z.", failure.tags) from None
    assert_close(reference.bce_loss(EXTREME_Z, EXTREME_Y), expected, what="the reference")


@graded("bce_loss")
def test_bce_loss_on_the_texts_people(student, reference):
    """Text 003: loss 1.0081, as torch's binary_cross_entropy on the probabilities computes it."""
    X, y = reference.people()
    W, b = reference.text_params()
    z, _ = reference.neuron_forward(X, W, b)
    loss, _, _ = torch_oracle.neuron_loss_and_grads(X, y, W, b)
    assert_close(number(student.bce_loss(z, y)), loss, what="bce_loss(z, y) for the text's four people",
                 inputs={"z": z, "y": y}, alternatives={"sign_flipped": -loss})


@graded("bce_grad_z", weight=2)
@given(case=neurons())
def test_bce_grad_z_matches_reference_and_torch(student, reference, case):
    X, y, W, b = case
    z, _ = reference.neuron_forward(X, W, b)
    call = student.call("bce_grad_z", z, y)
    inputs = {"z": z, "y": y}
    n = z.shape[0]
    factors = {"wrong_mean_denominator": [n]} if n > 2 else None
    assert_close(call.value, reference.bce_grad_z(z, y), what="bce_grad_z(z, y)", inputs=inputs, factors=factors)
    assert_close(call.value, torch_oracle.bce_grad_z(z, y), what="bce_grad_z(z, y) vs torch autograd",
                 inputs=inputs, factors=factors)
    assert_no_mutation(call, "bce_grad_z", inputs=inputs)


@graded("bce_grad_z")
def test_bce_grad_z_of_extreme_logits(student, reference):
    assert_close(student.bce_grad_z(EXTREME_Z, EXTREME_Y), torch_oracle.bce_grad_z(EXTREME_Z, EXTREME_Y),
                 what="bce_grad_z(z, y) for extreme logits", inputs={"z": EXTREME_Z, "y": EXTREME_Y})


def _check_grads(student, reference, X, y, W, b, tol="exact"):
    call = student.call("bce_grads", X, y, W, b)
    result = call.value
    if not isinstance(result, tuple) or len(result) != 2:
        raise Failure("bce_grads should return a tuple (dW, db).", ("not_array",))
    dW, db = result
    expected_dW, expected_db = reference.bce_grads(X, y, W, b)
    inputs = {"X": X, "y": y, "W": W, "b": b}
    n = X.shape[0]
    factors = {"wrong_mean_denominator": [n]} if n > 2 else None
    dz = reference.bce_grad_z(reference.neuron_forward(X, W, b)[0], y)
    assert_close(dW, expected_dW, tol=tol, what="dW from bce_grads", inputs=inputs, factors=factors)
    assert_close(db, expected_db, tol=tol, what="db from bce_grads", inputs=inputs, factors=factors,
                 alternatives={"bias_not_summed": dz})
    _, torch_dW, torch_db = torch_oracle.neuron_loss_and_grads(X, y, W, b)
    assert_close(dW, torch_dW, tol="gradcheck", what="dW vs torch autograd", inputs=inputs)
    assert_close(db, torch_db, tol="gradcheck", what="db vs torch autograd", inputs=inputs)
    assert_no_mutation(call, "bce_grads", inputs=inputs)


@graded("bce_grads", weight=2)
@given(case=neurons())
def test_bce_grads_match_reference_and_torch(student, reference, case):
    _check_grads(student, reference, *case)


@graded("bce_grads")
def test_bce_grads_on_the_texts_people(student, reference):
    """Text 003: dL/dW = [[40.7270, 11.5755, 10.1581]], dL/db = [0.2741] (torch autograd agrees)."""
    X, y = reference.people()
    W, b = reference.text_params()
    _check_grads(student, reference, X, y, W, b)


@graded("neuron_step", weight=2)
@given(case=neurons(), lr=decimals(0.1, 1.0, 0.1))
def test_neuron_step_matches_reference(student, reference, case, lr):
    X, y, W, b = case
    grads = reference.bce_grads(X, y, W, b)
    call = student.call("neuron_step", W, b, grads, lr)
    result = call.value
    if not isinstance(result, tuple) or len(result) != 2:
        raise Failure("neuron_step should return a tuple (W, b) of new arrays.", ("not_array",))
    expected = reference.neuron_step(W, b, grads, lr)
    for got, want, name, grad, old in zip(result, expected, ("W", "b"), grads, (W, b)):
        assert_close(got, want, what=f"the new {name} from neuron_step(W, b, grads, lr={lr})",
                     inputs={"lr": lr}, alternatives={"step_size_ignored": old - grad, "sign_flipped": old + lr * grad})
    assert_no_mutation(call, "neuron_step")


@graded("neuron_step")
def test_neuron_step_on_the_texts_people(student, reference):
    """Text 003: one step with lr = 1e-4 gives W = [[0.0059, -0.0212, 0.0290]], b = [-2.7409e-05] and the
    loss falls from 1.0081 to 0.8785, as torch's step computes."""
    X, y = reference.people()
    W, b = reference.text_params()
    result = student.neuron_step(W, b, reference.bce_grads(X, y, W, b), 1e-4)
    if not isinstance(result, tuple) or len(result) != 2:
        raise Failure("neuron_step should return a tuple (W, b) of new arrays.", ("not_array",))
    torch_W, torch_b = torch_oracle.neuron_step(X, y, W, b, 1e-4)
    assert_close(result[0], torch_W, what="the new W after one step with lr = 1e-4 (vs torch)")
    assert_close(result[1], torch_b, what="the new b after one step with lr = 1e-4 (vs torch)")
