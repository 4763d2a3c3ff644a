"""bce_loss, bce_grad_z, bce_grads and neuron_step: against the reference, torch autograd and the text.

Known mistakes are named by the values they give (computed here): a sum for the mean, the minus
sign or a term of the cross-entropy lost, p clipped, the sigmoid's derivative multiplied in,
db not summed, the update's sign, lr or order.
"""
import numpy as np
from hypothesis import given

from autograder.testing import Failure, Mistake, assert_close, assert_no_mutation, graded
from autograder.testing import oracle_neuron as torch_oracle
from autograder.testing.calls import CallCase
from autograder.testing.types import as_number, as_pair
from autograder.testing.strategies import decimals, neurons

EXTREME_Z = np.array([-1000.0, -40.0, 40.0, 1000.0, 0.5, -3.0, 745.0, -745.0])
EXTREME_Y = np.array([1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0])
CLIPS = (1e-7, 1e-8, 1e-10, 1e-12, 1e-15, 1e-16)     # the epsilons students clip p with


def _sigmoid(z):
    with np.errstate(all="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


def _softplus(z):
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def _clipped_bce(z, y, eps):
    p = np.clip(_sigmoid(z), eps, 1.0 - eps)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))


def bce_loss_mistakes(z, y):
    """What bce_loss(z, y) gives with each classic mistake (one per clipping epsilon)."""
    n = z.shape[0]
    mistakes = [Mistake("wrong_mean_denominator", float(np.sum(_softplus(z) - z * y)) if n > 1 else None),
                Mistake("missing_term", float(np.mean(y * _softplus(-z)))),
                Mistake("missing_term", float(np.mean((1.0 - y) * _softplus(z))))]
    return mistakes + [Mistake("clipped_probabilities", _clipped_bce(z, y, eps)) for eps in CLIPS]


@graded("bce_loss", weight=2, core=True)
@given(neuron=neurons())
def test_bce_loss_matches_reference_and_torch(student, reference, neuron):
    X, y, W, b = neuron
    z, _ = reference.neuron_forward(X, W, b)
    call = student.call("bce_loss", z, y)
    inputs = {"z": z, "y": y}
    assert_close(as_number(call.value), reference.bce_loss(z, y), what="bce_loss(z, y)", inputs=inputs,
                 mistakes=bce_loss_mistakes(z, y))
    assert_close(as_number(call.value), torch_oracle.bce_loss_with_logits(z, y),
                 what="bce_loss(z, y) vs torch's binary_cross_entropy_with_logits", inputs=inputs)
    assert_no_mutation(call, "bce_loss", inputs=inputs)


@graded("bce_loss", weight=2)
def test_bce_loss_of_extreme_logits(student, reference):
    """At |z| = 1000, sigmoid(z) is exactly 0.0 or 1.0 in float64 and log(0) = -inf: only a loss computed
    from the logits (max(z, 0) - z*y + log(1 + exp(-|z|))) stays finite and right."""
    actual = as_number(student.bce_loss(EXTREME_Z, EXTREME_Y))
    expected = torch_oracle.bce_loss_with_logits(EXTREME_Z, EXTREME_Y)
    inputs = {"z": EXTREME_Z, "y": EXTREME_Y}
    if isinstance(actual, float) and not np.isfinite(actual):
        raise Failure(f"bce_loss(z, y) is {actual} for extreme logits: sigmoid(±1000) rounds to exactly 0 or 1 "
                      "and log(0) = -inf. Compute the loss from z: max(z, 0) - z * y + log(1 + exp(-|z|))."
                      f"\nInput: z = {EXTREME_Z.tolist()}, y = {EXTREME_Y.tolist()}", ("not_finite",))
    try:
        assert_close(actual, expected, what="bce_loss(z, y) for extreme logits", inputs=inputs,
                     mistakes=bce_loss_mistakes(EXTREME_Z, EXTREME_Y))
    except Failure as failure:
        if "clipped_probabilities" in failure.tags:
            raise
        raise Failure(failure.message + "\nClipping p away from 0 and 1 keeps the loss finite but caps it "
                      "(the true loss at z = 1000, y = 0 is 1000): compute the loss from z.", failure.tags) from None


@graded("bce_loss")
def test_bce_loss_on_the_texts_people(student, reference):
    """Text 003: loss 1.0081, as torch's binary_cross_entropy on the probabilities computes it."""
    X, y = reference.people()
    W, b = reference.text_params()
    z, _ = reference.neuron_forward(X, W, b)
    loss, _, _ = torch_oracle.neuron_loss_and_grads(X, y, W, b)
    assert_close(as_number(student.bce_loss(z, y)), loss, what="bce_loss(z, y) for the text's four people",
                 inputs={"z": z, "y": y}, mistakes=bce_loss_mistakes(z, y))


def bce_grad_z_mistakes(z, y):
    """What bce_grad_z(z, y) gives with each classic mistake."""
    n = z.shape[0]
    p = _sigmoid(z)
    return [Mistake("wrong_mean_denominator", p - y if n > 1 else None),
            Mistake("extra_activation_grad", (p - y) * p * (1.0 - p) / n),
            Mistake("missing_activation", (z - y) / n)]


def _check_grad_z(student, reference, z, y, *, torch_too=True):
    args = (z, y)
    call = student.call("bce_grad_z", *args)
    inputs = {"z": z, "y": y}
    mistakes = bce_grad_z_mistakes(z, y)

    def check():
        assert_close(call.value, reference.bce_grad_z(z, y), what="bce_grad_z(z, y)", inputs=inputs,
                     mistakes=mistakes)
        if torch_too:
            assert_close(call.value, torch_oracle.bce_grad_z(z, y), what="bce_grad_z(z, y) vs torch autograd",
                         inputs=inputs, mistakes=mistakes)

    check()
    assert_no_mutation(call, "bce_grad_z", inputs=inputs)


@graded("bce_grad_z", weight=2, core=True)
@given(neuron=neurons())
def test_bce_grad_z_matches_reference_and_torch(student, reference, neuron):
    X, y, W, b = neuron
    z, _ = reference.neuron_forward(X, W, b)
    _check_grad_z(student, reference, z, y)


@graded("bce_grad_z")
def test_bce_grad_z_of_extreme_logits(student, reference):
    _check_grad_z(student, reference, EXTREME_Z, EXTREME_Y)


def _check_grads(run: CallCase, *, tol="exact"):
    X, y, W, b = run.args
    reference, call = run.reference, run.call
    dW, db = as_pair(run.value, "bce_grads", "(dW, db)")
    expected_dW, expected_db = run.expected
    inputs = {"X": X, "y": y, "W": W, "b": b}
    n = X.shape[0]
    dz = reference.bce_grad_z(reference.neuron_forward(X, W, b)[0], y)
    per_n = [Mistake("wrong_mean_denominator", expected_dW / n),
             Mistake("wrong_mean_denominator", expected_dW * n)] if n > 1 else []

    def check():
        assert_close(dW, expected_dW, tol=tol, what="dW from bce_grads", inputs=inputs, mistakes=per_n)
        assert_close(db, expected_db, tol=tol, what="db from bce_grads", inputs=inputs,
                     mistakes=[Mistake("bias_not_summed", dz), Mistake("bias_not_summed", np.array([dz.mean()])),
                               Mistake("wrong_mean_denominator", expected_db * n if n > 1 else None)])
        _, torch_dW, torch_db = torch_oracle.neuron_loss_and_grads(X, y, W, b)
        assert_close(dW, torch_dW, tol="gradcheck", what="dW vs torch autograd", inputs=inputs)
        assert_close(db, torch_db, tol="gradcheck", what="db vs torch autograd", inputs=inputs)

    check()
    assert_no_mutation(call, "bce_grads", inputs=inputs)


@graded("bce_grads", weight=2, core=True)
@given(neuron=neurons())
def test_bce_grads_match_reference_and_torch(case, neuron):
    _check_grads(case("bce_grads", *neuron))


@graded("bce_grads")
def test_bce_grads_on_the_texts_people(case, reference):
    """Text 003: dL/dW = [[40.7270, 11.5755, 10.1581]], dL/db = [0.2741] (torch autograd agrees)."""
    X, y = reference.people()
    W, b = reference.text_params()
    _check_grads(case("bce_grads", X, y, W, b))


def _step_result(result):
    return as_pair(result, "neuron_step", "(W, b) of new arrays")


def _check_step(run: CallCase, *, what, expected=None):
    """neuron_step's (W, b) against `expected` (default: the reference's for the same arguments)."""
    W, b, grads, lr = run.args
    call, expected = run.call, run.expected if expected is None else expected
    new_W, new_b = _step_result(call.value)
    if isinstance(new_W, np.ndarray) and isinstance(new_b, np.ndarray) and new_W.shape == expected[1].shape \
            and new_b.shape == expected[0].shape and np.allclose(new_W, expected[1], rtol=1e-9, atol=0) \
            and np.allclose(new_b, expected[0], rtol=1e-9, atol=0) and new_W.shape != new_b.shape:
        raise Failure(f"{what}: neuron_step returned (b, W); it should return (W, b), in that order.",
                      ("swapped_order",))
    for got, want, name, grad, old in zip((new_W, new_b), expected, ("W", "b"), grads, (W, b)):
        assert_close(got, want, what=f"the new {name} from {what}", inputs={"lr": lr},
                     mistakes=[Mistake("step_size_ignored", old - grad), Mistake("sign_flipped", old + lr * grad),
                               Mistake("swapped_order", expected[1] if name == "W" else expected[0])])
    assert_no_mutation(call, "neuron_step")


@graded("neuron_step", weight=2, core=True)
@given(neuron=neurons(), lr=decimals(0.1, 1.0, 0.1))
def test_neuron_step_matches_reference(case, reference, neuron, lr):
    X, y, W, b = neuron
    _check_step(case("neuron_step", W, b, reference.bce_grads(X, y, W, b), lr),
                what=f"neuron_step(W, b, grads, lr={lr})")


@graded("neuron_step")
def test_neuron_step_on_the_texts_people(reference, case):
    """Text 003: one step with lr = 1e-4 gives W = [[0.0059, -0.0212, 0.0290]], b = [-2.7409e-05] and the
    loss falls from 1.0081 to 0.8785, as torch's step computes."""
    X, y = reference.people()
    W, b = reference.text_params()
    _check_step(case("neuron_step", W, b, reference.bce_grads(X, y, W, b), 1e-4),
                expected=torch_oracle.neuron_step(X, y, W, b, 1e-4), what="one step with lr = 1e-4 (vs torch)")
