"""xor_dataset and predict."""
import numpy as np
from hypothesis import given

from autograder.testing import Failure, assert_close, assert_no_mutation, graded
from autograder.testing.strategies import random_sigmoid_network, sigmoid_networks


@graded("xor_dataset", weight=2)
def test_xor_dataset_matches_reference(student, reference):
    result = student.xor_dataset()
    if not isinstance(result, tuple) or len(result) != 2:
        raise Failure("xor_dataset() should return a tuple (X, Y).", ("not_array",))
    X, Y = result
    X_ref, Y_ref = reference.xor_dataset()
    assert_close(X, X_ref, what="X from xor_dataset()", alternatives={"wrong_values": X_ref[:, ::-1]})
    assert_close(Y, Y_ref, what="Y from xor_dataset() (one column: shape (4, 1))",
                 alternatives={"wrong_values": 1.0 - Y_ref})


def _no_ties(reference, X, params):
    """Nudge b2 until no output is within 1e-9 of 0.5 (the threshold), so rounding is never a coin flip."""
    params = {k: v.copy() for k, v in params.items()}
    while np.min(np.abs(reference.forward(X, params)[0] - 0.5)) < 1e-9:
        params["b2"] = params["b2"] + 1e-3
    return params


@graded("predict", weight=2)
@given(net=sigmoid_networks())
def test_predict_matches_reference(student, reference, net):
    X, _, params = net
    params = _no_ties(reference, X, params)
    Y_hat, _ = reference.forward(X, params)
    assert_close(student.predict(X, params), reference.predict(X, params), what="predict(X, params)",
                 inputs={"X": X, "Y_hat": Y_hat},
                 alternatives={"wrong_values": Y_hat, "sign_flipped": 1.0 - reference.predict(X, params)})


@graded("predict")
def test_predict_on_a_trained_xor_network_and_no_mutation(student, reference):
    X, Y = reference.xor_dataset()
    setup = reference.XOR_SETUP
    trained, _ = reference.train(X, Y, reference.init_params(setup["hidden"], setup["seed"]), setup["lr"], 1000)
    call = student.call("predict", X, trained)
    assert_close(call.value, Y, what="predict(X, params) on a network trained on XOR", inputs={"X": X})
    assert_no_mutation(call, "predict", inputs={"X": X})
    X, _, params = random_sigmoid_network(seed=8, n=7, hidden=3, scale=2.0)
    params = _no_ties(reference, X, params)
    assert_close(student.predict(X, params), reference.predict(X, params), what="predict(X, params)",
                 inputs={"X": X})
