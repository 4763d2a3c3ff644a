"""xor_dataset and predict."""
import numpy as np
from hypothesis import given

from autograder.testing import Mistake, assert_close, assert_no_mutation, graded
from autograder.testing.datasets import check_dataset
from autograder.testing.strategies import random_sigmoid_network, sigmoid_networks



@graded("xor_dataset", weight=2, core=True, answer_shown=False)
def test_xor_dataset_matches_reference(student, reference):
    check_dataset(student, reference, "xor_dataset", y_what=" (one column: shape (4, 1))",
                  y_mistakes=lambda X, Y: [Mistake("labels_inverted", 1.0 - Y)])


def _no_ties(reference, X, params):
    """Nudge b2 until no output is within 1e-9 of 0.5 (the threshold), so rounding is never a coin flip."""
    params = {k: v.copy() for k, v in params.items()}
    while np.min(np.abs(reference.forward(X, params)[0] - 0.5)) < 1e-9:
        params["b2"] = params["b2"] + 1e-3
    return params


def predict_mistakes(reference, X, params):
    Y_hat, cache = reference.forward(X, params)
    labels = reference.predict(X, params)
    inverted, on_z2 = 1.0 - labels, (cache["z2"] > 0.5).astype(np.float64)
    if np.array_equal(inverted, on_z2):     # every z2 in (0, 0.5]: the two mistakes give the same labels here
        return [Mistake(("labels_inverted", "wrong_threshold"), on_z2), Mistake("wrong_threshold", Y_hat)]
    return [Mistake("labels_inverted", inverted), Mistake("wrong_threshold", Y_hat), Mistake("wrong_threshold", on_z2)]


def _check_predict(student, reference, X, params, expected=None, what="predict(X, params)"):
    args = (X, params)
    call = student.call("predict", *args)
    expected = reference.predict(X, params) if expected is None else expected
    assert_close(call.value, expected, what=what, inputs={"X": X},
                                         mistakes=predict_mistakes(reference, X, params))
    return call


@graded("predict", weight=2, core=True)
@given(net=sigmoid_networks())
def test_predict_matches_reference(student, reference, net):
    X, _, params = net
    _check_predict(student, reference, X, _no_ties(reference, X, params))


@graded("predict")
def test_predict_on_a_trained_xor_network_and_no_mutation(student, reference):
    X, Y = reference.xor_dataset()
    setup = reference.XOR_SETUP
    trained, _ = reference.train(X, Y, reference.init_params(setup["hidden"], setup["seed"]), setup["lr"], 1000)
    call = _check_predict(student, reference, X, trained, Y, "predict(X, params) on a network trained on XOR")
    assert_no_mutation(call, "predict", inputs={"X": X})
    X, _, params = random_sigmoid_network(seed=8, n=7, hidden=3, scale=2.0)
    _check_predict(student, reference, X, _no_ties(reference, X, params))
