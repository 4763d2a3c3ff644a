"""tanh_grad and leaky_relu_grad, the alternatives to sigmoid: values, torch autograd, the kink, no mutation.

Known mistakes are named by the values they give (computed here): the activation returned for its
derivative, the sign of the square, the formula in tanh(z) applied to z itself, the gate at 0 and
the two slopes swapped.
"""
import numpy as np
from autograder.testing.lazy_torch import F, torch
from hypothesis import given
from hypothesis import strategies as st

from autograder.testing import Mistake, assert_close, assert_no_mutation, graded
from autograder.testing.oracle import elementwise_grad
from autograder.testing.strategies import matrices, sizes, units

SLOPES = st.sampled_from([0.01, 0.05, 0.1, 0.2, 0.3])
# z on a 0.1 grid shifted by 0.05: never exactly 0, so the kink is tested on its own below
off_kink = st.tuples(sizes, units).flatmap(lambda s: matrices(*s, low=-3.0, high=3.0)).map(lambda z: z + 0.05)
logits = st.tuples(sizes, units).flatmap(lambda s: matrices(*s, low=-6.0, high=6.0))


def tanh_grad_mistakes(z):
    t = np.tanh(z)
    return [Mistake("confused_with_derivative", t), Mistake("sign_flipped", 1.0 + t ** 2),
            Mistake("derivative_at_activation", 1.0 - z ** 2)]


def leaky_relu_grad_mistakes(z, alpha):
    return [Mistake("relu_gate_at_zero", np.where(z >= 0, 1.0, alpha)),
            Mistake("swapped_order", np.where(z > 0, alpha, 1.0)),
            Mistake("confused_with_derivative", np.where(z > 0, z, alpha * z))]


@graded("tanh_grad", weight=2, core=True)
@given(z=logits)
def test_tanh_grad_matches_reference_and_torch(student, reference, z):
    call = student.call("tanh_grad", z)
    assert_close(call.value, reference.tanh_grad(z), what="tanh_grad(z)", inputs={"z": z},
                 mistakes=tanh_grad_mistakes(z))
    assert_close(call.value, elementwise_grad(lambda t: torch.tanh(t), z), what="tanh_grad(z) vs torch autograd",
                 inputs={"z": z}, mistakes=tanh_grad_mistakes(z))
    assert_no_mutation(call, "tanh_grad", inputs={"z": z})


@graded("tanh_grad")
def test_tanh_grad_saturates(student, reference):
    """Far from 0 tanh is flat: its slope tends to 0 (as sigmoid's), and it is at most 1, at z = 0."""
    z = np.array([-40.0, -20.0, -5.0, 0.0, 5.0, 20.0, 40.0])
    assert_close(student.tanh_grad(z), elementwise_grad(lambda t: torch.tanh(t), z), what="tanh_grad(z) for large |z|",
                 inputs={"z": z}, mistakes=tanh_grad_mistakes(z))


@graded("leaky_relu_grad", weight=2, core=True)
@given(z=off_kink, alpha=SLOPES)
def test_leaky_relu_grad_matches_reference_and_torch(student, reference, z, alpha):
    call = student.call("leaky_relu_grad", z, alpha)
    inputs = {"z": z, "alpha": alpha}
    assert_close(call.value, reference.leaky_relu_grad(z, alpha), what="leaky_relu_grad(z, alpha)", inputs=inputs,
                 mistakes=leaky_relu_grad_mistakes(z, alpha))
    torch_grad = elementwise_grad(lambda t: F.leaky_relu(t, negative_slope=alpha), z)
    assert_close(call.value, torch_grad, what="leaky_relu_grad(z, alpha) vs torch autograd", inputs=inputs,
                 mistakes=leaky_relu_grad_mistakes(z, alpha))
    assert_no_mutation(call, "leaky_relu_grad", inputs={"z": z})


@graded("leaky_relu_grad", weight=2)
def test_leaky_relu_grad_at_the_kink(student, reference):
    """At exactly 0 the course (and torch) takes the left slope, alpha; the rest of each row is
    either side of 0 so that every mistake gives its own value."""
    z = np.array([[0.0, -0.0, 1e-12, -1e-12, 2.0, -2.0]])
    alpha = 0.1
    torch_grad = elementwise_grad(lambda t: F.leaky_relu(t, negative_slope=alpha), z)
    assert_close(student.leaky_relu_grad(z, alpha), torch_grad, what="leaky_relu_grad(z, 0.1) at z = 0",
                 inputs={"z": z, "alpha": alpha}, mistakes=leaky_relu_grad_mistakes(z, alpha))
