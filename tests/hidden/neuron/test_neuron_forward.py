"""relu_layer, sigmoid and neuron_forward: values, shapes, torch parity, extreme logits, no mutation.

Known mistakes are named by the values they give (computed here): the activation or the bias left
out, W used untransposed, the sigmoid's sign or parentheses, its derivative in its place.
"""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from autograder.testing.types import as_pair
from autograder.testing import Mistake, assert_close, assert_no_mutation, graded
from autograder.testing import oracle_neuron as torch_oracle
from autograder.testing.strategies import layers, matrices, neurons, sizes, units

EXTREME = np.array([-1000.0, -745.0, -40.0, -1.0, 0.0, 1.0, 40.0, 745.0, 1000.0])


def relu_layer_mistakes(X, W, b):
    """What relu_layer(X, W, b) gives with each classic mistake."""
    return [Mistake("missing_activation", X @ W.T + b), Mistake("missing_bias", np.maximum(0.0, X @ W.T)),
            Mistake("transposed", np.maximum(0.0, X @ W + b) if W.shape[0] == W.shape[1] else None)]


@graded("relu_layer", weight=2, core=True)
@given(layer=layers())
def test_relu_layer_matches_reference_and_torch(student, reference, layer):
    X, W, b = layer
    call = student.call("relu_layer", X, W, b)
    inputs = {"X": X, "W": W, "b": b}
    mistakes = relu_layer_mistakes(X, W, b)
    assert_close(call.value, reference.relu_layer(X, W, b), what="relu_layer(X, W, b)", inputs=inputs,
                 mistakes=mistakes)
    assert_close(call.value, torch_oracle.relu_layer(X, W, b), what="relu_layer(X, W, b) vs torch", inputs=inputs)
    assert_no_mutation(call, "relu_layer", inputs=inputs)


@graded("relu_layer")
def test_relu_layer_with_square_weights(student, reference):
    """Three features, three units: X @ W + b runs without an error here but is the wrong product
    (W is (M, D), one row per unit: the layer computes X @ W.T + b)."""
    X = np.array([[1.0, 2.0, -1.0], [0.5, -1.0, 2.0]])
    W = np.array([[0.2, -0.4, 0.1], [0.3, 0.5, -0.2], [-0.1, 0.2, 0.6]])
    b = np.array([0.1, -0.2, 0.3])
    assert_close(student.relu_layer(X, W, b), torch_oracle.relu_layer(X, W, b), what="relu_layer(X, W, b)",
                 inputs={"X": X, "W": W, "b": b}, mistakes=relu_layer_mistakes(X, W, b))


@graded("relu_layer")
def test_relu_layer_on_the_texts_two_neurons(student, reference):
    """Text 003: two neurons on the four people, Z = [[1.15, 3.80], [1.40, 3.45], [0.86, 4.18], [1.60, 3.25]]
    (all positive, so ReLU changes nothing); then with b = [0, -3.5], where ReLU zeroes three entries."""
    X, _ = reference.people()
    W = np.array([[0.01, -0.02, 0.03], [0.02, 0.01, -0.01]])
    for b in (np.array([0.0, 0.0]), np.array([0.0, -3.5])):
        assert_close(student.relu_layer(X, W, b), torch_oracle.relu_layer(X, W, b), what="relu_layer(X, W, b)",
                     inputs={"W": W, "b": b}, mistakes=relu_layer_mistakes(X, W, b))


def sigmoid_mistakes(z):
    """What sigmoid(z) gives with each classic mistake."""
    with np.errstate(all="ignore"):
        s = 1.0 / (1.0 + np.exp(-z))
        return [Mistake("sign_flipped", 1.0 / (1.0 + np.exp(z))), Mistake("precedence", 1.0 + np.exp(-z)),
                Mistake("confused_with_derivative", s * (1.0 - s))]


@graded("sigmoid", weight=2, core=True)
@given(z=st.tuples(sizes, units).flatmap(lambda s: matrices(*s, low=-8.0, high=8.0)))
def test_sigmoid_matches_reference_and_torch(student, reference, z):
    call = student.call("sigmoid", z)
    assert_close(call.value, reference.sigmoid(z), what="sigmoid(z)", inputs={"z": z},
                 mistakes=sigmoid_mistakes(z))
    assert_close(call.value, torch_oracle.sigmoid(z), what="sigmoid(z) vs torch", inputs={"z": z})
    assert_no_mutation(call, "sigmoid", inputs={"z": z})


@graded("sigmoid")
def test_sigmoid_of_extreme_logits(student, reference):
    """exp(1000) overflows: the answer must still be finite, 0 far left and 1 far right, as torch."""
    assert_close(student.sigmoid(EXTREME), torch_oracle.sigmoid(EXTREME), what="sigmoid(z) for extreme z",
                 inputs={"z": EXTREME}, mistakes=sigmoid_mistakes(EXTREME))


def _check_forward(student, reference, X, W, b):
    args = (X, W, b)
    call = student.call("neuron_forward", *args)
    result = call.value
    z, p = as_pair(result, "neuron_forward", "(z, p) of the logits and the probabilities")
    expected_z, expected_p = reference.neuron_forward(X, W, b)
    inputs = {"X": X, "W": W, "b": b}
    no_bias = (X @ W.T)[:, 0]

    def check():
        assert_close(z, expected_z, what="z, the logits returned by neuron_forward", inputs=inputs,
                     mistakes=[Mistake("swapped_order", expected_p), Mistake("missing_bias", no_bias)])
        assert_close(p, expected_p, what="p, the probabilities returned by neuron_forward", inputs=inputs,
                     mistakes=[Mistake("missing_activation", expected_z),
                               Mistake("missing_bias", torch_oracle.sigmoid(no_bias))])
        assert_close(p, torch_oracle.sigmoid(expected_z), what="p vs torch.sigmoid(X @ W.T + b)", inputs=inputs)

    check()
    assert_no_mutation(call, "neuron_forward", inputs={"W": W})


@graded("neuron_forward", weight=2, core=True)
@given(neuron=neurons())
def test_neuron_forward_matches_reference_and_torch(student, reference, neuron):
    X, _, W, b = neuron
    _check_forward(student, reference, X, W, b)


@graded("neuron_forward")
def test_neuron_forward_on_the_texts_people(student, reference):
    """Text 003: z = [1.15, 1.40, 0.86, 1.60] and p = [0.7595, 0.8022, 0.7027, 0.8320]."""
    X, _ = reference.people()
    W, b = reference.text_params()
    _check_forward(student, reference, X, W, b)
