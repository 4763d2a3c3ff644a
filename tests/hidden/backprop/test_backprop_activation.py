"""relu and relu_grad: values, the convention at the kink, torch parity, no mutation."""
import numpy as np
from autograder.testing.lazy_torch import torch
from hypothesis import given
from hypothesis import strategies as st

from autograder.testing import Mistake, assert_close, assert_no_mutation, graded
from autograder.testing.oracle import elementwise, elementwise_grad
from autograder.testing.strategies import matrices, sizes, widths

batches = st.tuples(sizes, widths).flatmap(lambda s: matrices(*s))


def relu_mistakes(z):
    return [Mistake("missing_activation", z.copy()), Mistake("sign_flipped", np.minimum(0.0, z)),
            Mistake("confused_with_derivative", (z > 0).astype(float))]


def relu_grad_mistakes(z):
    return [Mistake("relu_gate_at_zero", (z >= 0).astype(float)),
            Mistake("confused_with_derivative", np.maximum(0.0, z))]


@graded("relu", weight=2, core=True)
@given(z=batches)
def test_relu_matches_reference_and_torch(student, reference, z):
    actual = student.relu(z)
    assert_close(actual, reference.relu(z), what="relu(z)", inputs={"z": z}, mistakes=relu_mistakes(z))
    assert_close(actual, elementwise(lambda t: torch.relu(t), z), what="relu(z) vs torch", inputs={"z": z})


@graded("relu")
def test_relu_on_both_sides_of_zero(student, reference):
    """Negative, zero and positive entries: every known mistake gives its own value here."""
    z = np.array([[-1.5, 0.0, 2.0], [0.5, -0.25, 3.0]])
    assert_close(student.relu(z), reference.relu(z), what="relu(z)", inputs={"z": z},
                 mistakes=relu_mistakes(z))


@graded("relu")
def test_relu_keeps_its_input(student):
    z = np.array([[-1.5, 0.0, 2.0], [0.5, -0.25, 3.0]])
    assert_no_mutation(student.call("relu", z), "relu", inputs={"z": z})


@graded("relu_grad", weight=2, core=True)
@given(z=batches)
def test_relu_grad_matches_reference_and_torch(student, reference, z):
    actual = student.relu_grad(z)
    assert_close(actual, reference.relu_grad(z), what="relu_grad(z)", inputs={"z": z},
                 mistakes=relu_grad_mistakes(z))
    assert_close(actual, elementwise_grad(lambda t: torch.relu(t), z), what="relu_grad(z) vs torch autograd",
                 inputs={"z": z}, mistakes=relu_grad_mistakes(z))


@graded("relu_grad", weight=2)
def test_relu_grad_is_zero_at_the_kink(student, reference):
    z = np.array([[0.0, -0.0, 1e-12, -1e-12, 0.0]])
    assert_close(student.relu_grad(z), reference.relu_grad(z), what="relu_grad(z) at z = 0",
                 inputs={"z": z}, mistakes=[Mistake("relu_gate_at_zero", (z >= 0).astype(float))])


@graded("relu_grad")
def test_relu_grad_keeps_its_input(student):
    z = np.array([[-1.0, 0.0, 2.0]])
    assert_no_mutation(student.call("relu_grad", z), "relu_grad", inputs={"z": z})
