"""sigmoid and sigmoid_grad: values against the reference and torch, the derivative at z (not at a)."""
import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

from autograder.testing import assert_close, assert_no_mutation, graded
from autograder.testing.hints import with_hints
from autograder.testing.oracle import elementwise_grad
from autograder.testing.strategies import matrices, sizes, widths

batches = st.tuples(sizes, widths).flatmap(lambda s: matrices(s[0], s[1], -6.0, 6.0, 0.25))


@graded("sigmoid", weight=2)
@given(z=batches)
def test_sigmoid_matches_reference_and_torch(student, reference, z):
    actual = student.sigmoid(z)
    kw = dict(what="sigmoid(z)", inputs={"z": z}, alternatives={"sign_flipped": 1.0 / (1.0 + np.exp(z))})
    assert_close(actual, reference.sigmoid(z), **kw)
    assert_close(actual, torch.sigmoid(torch.tensor(z)).numpy(), **{**kw, "what": "sigmoid(z) vs torch"})


@graded("sigmoid")
def test_sigmoid_keeps_its_input(student):
    z = np.array([[-2.0, 0.0, 0.5], [3.0, -0.25, 1.0]])
    assert_no_mutation(student.call("sigmoid", z), "sigmoid", inputs={"z": z})


def _sigmoid_grad_hints(z):
    s = 1.0 / (1.0 + np.exp(-z))
    return {"sigmoid'(z) = sigmoid(z) * (1 - sigmoid(z)); you computed z * (1 - z), the formula in terms of "
            "the activation a = sigmoid(z), applied to z itself.": z * (1.0 - z),
            "you returned sigmoid(z) itself, not its derivative.": s,
            "the derivative is sigmoid(z) * (1 - sigmoid(z)); you have sigmoid(z) * (1 + sigmoid(z)) or "
            "(1 - sigmoid(z)) alone.": s * (1.0 + s)}


@graded("sigmoid_grad", weight=2)
@given(z=batches)
def test_sigmoid_grad_matches_reference_and_torch(student, reference, z):
    actual = student.sigmoid_grad(z)
    kw = dict(what="sigmoid_grad(z)", inputs={"z": z})
    with_hints(lambda: assert_close(actual, reference.sigmoid_grad(z), **kw), actual, _sigmoid_grad_hints(z))
    assert_close(actual, elementwise_grad(torch.sigmoid, z), what="sigmoid_grad(z) vs torch autograd",
                 inputs={"z": z})


@graded("sigmoid_grad")
def test_sigmoid_grad_at_the_walkthrough_pre_activations(student, reference):
    """z1 = 0.78 and z2 = 0.9 * sigmoid(0.78) + 0.1 of the 2-1-1 example (the text's 0.68 is an error)."""
    X, _ = reference.walkthrough_example()
    _, cache = reference.forward(X, reference.walkthrough_params())
    z = np.hstack([cache["z1"], cache["z2"]])
    actual = student.sigmoid_grad(z)
    with_hints(lambda: assert_close(actual, reference.sigmoid_grad(z), what="sigmoid_grad([[z1, z2]])",
                                    inputs={"z": z}), actual, _sigmoid_grad_hints(z))


@graded("sigmoid_grad")
def test_sigmoid_grad_keeps_its_input(student):
    z = np.array([[-1.0, 0.0, 2.0]])
    assert_no_mutation(student.call("sigmoid_grad", z), "sigmoid_grad", inputs={"z": z})
