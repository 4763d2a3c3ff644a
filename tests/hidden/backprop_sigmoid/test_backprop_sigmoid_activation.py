"""sigmoid and sigmoid_grad: values against the reference and torch, the derivative at z (not at a)."""
import numpy as np
from autograder.testing.lazy_torch import torch
from hypothesis import given
from hypothesis import strategies as st

from autograder.testing import Mistake, assert_close, assert_no_mutation, graded
from autograder.testing.oracle import elementwise, elementwise_grad
from autograder.testing.strategies import matrices, sizes, widths

batches = st.tuples(sizes, widths).flatmap(lambda s: matrices(s[0], s[1], -6.0, 6.0, 0.25))


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_mistakes(z):
    s = _sig(z)
    return [Mistake("sign_flipped", _sig(-z)), Mistake("confused_with_derivative", s * (1.0 - s))]


@graded("sigmoid", weight=2, core=True)
@given(z=batches)
def test_sigmoid_matches_reference_and_torch(student, reference, z):
    actual = student.sigmoid(z)
    kw = dict(what="sigmoid(z)", inputs={"z": z}, mistakes=sigmoid_mistakes(z))
    assert_close(actual, reference.sigmoid(z), **kw)
    assert_close(actual, elementwise(lambda t: torch.sigmoid(t), z), **{**kw, "what": "sigmoid(z) vs torch"})


@graded("sigmoid")
def test_sigmoid_keeps_its_input(student):
    z = np.array([[-2.0, 0.0, 0.5], [3.0, -0.25, 1.0]])
    assert_no_mutation(student.call("sigmoid", z), "sigmoid", inputs={"z": z})


def sigmoid_grad_mistakes(z):
    """What the classic derivative mistakes give: the activation's formula a (1 - a) applied to z
    itself or to a = sigmoid(z), and sigmoid(z) returned as its own derivative."""
    s = _sig(z)
    at_a = _sig(s) * (1.0 - _sig(s))
    return [Mistake("derivative_at_activation", z * (1.0 - z)), Mistake("derivative_at_activation", at_a),
            Mistake("confused_with_derivative", s)]


def _check_sigmoid_grad(student, reference, z, *, torch_too=False):
    actual = student.call("sigmoid_grad", z).value
    kw = dict(what="sigmoid_grad(z)", inputs={"z": z}, mistakes=sigmoid_grad_mistakes(z))
    assert_close(actual, reference.sigmoid_grad(z), **kw)
    if torch_too:
        assert_close(actual, elementwise_grad(lambda t: torch.sigmoid(t), z),
                                             **{**kw, "what": "sigmoid_grad(z) vs torch autograd"})


@graded("sigmoid_grad", weight=2, core=True)
@given(z=batches)
def test_sigmoid_grad_matches_reference_and_torch(student, reference, z):
    _check_sigmoid_grad(student, reference, z, torch_too=True)


@graded("sigmoid_grad")
def test_sigmoid_grad_at_the_walkthrough_pre_activations(student, reference):
    """z1 = 0.78 and z2 = 0.9 * sigmoid(0.78) + 0.1 of the 2-1-1 example (the text's 0.68 is an error)."""
    X, _ = reference.walkthrough_example()
    _, cache = reference.forward(X, reference.walkthrough_params())
    _check_sigmoid_grad(student, reference, np.hstack([cache["z1"], cache["z2"]]))


@graded("sigmoid_grad")
def test_sigmoid_grad_keeps_its_input(student):
    z = np.array([[-1.0, 0.0, 2.0]])
    assert_no_mutation(student.call("sigmoid_grad", z), "sigmoid_grad", inputs={"z": z})
