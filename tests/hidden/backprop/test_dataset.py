"""make_dataset and accuracy."""
import numpy as np
from hypothesis import given

from autograder.testing import Failure, assert_close, graded
from autograder.testing.strategies import matrices


@graded("make_dataset", weight=2)
def test_make_dataset_matches_reference(student, reference):
    result = student.make_dataset()
    if not isinstance(result, tuple) or len(result) != 2:
        raise Failure("make_dataset() should return a tuple (X, Y).", ("not_array",))
    X, Y = result
    X_ref, Y_ref = reference.make_dataset()
    assert_close(X, X_ref, what="X from make_dataset()",
                 alternatives={"wrong_values": X_ref[:, ::-1]})
    assert_close(Y, Y_ref, what="Y from make_dataset()",
                 alternatives={"transposed": X_ref, "wrong_values": X_ref.reshape(16, 2, 2)[:, :, ::-1].reshape(16, 4)})


@graded("accuracy", weight=2)
@given(Y_hat=matrices(6, 4, -0.7, 1.7, 0.05), Y=matrices(6, 4, 0.0, 1.0, 1.0))
def test_accuracy_matches_reference(student, reference, Y_hat, Y):
    Y_hat = np.where(np.isclose(Y_hat % 1.0, 0.5), Y_hat + 0.01, Y_hat)   # no ties for rounding
    actual = student.accuracy(Y_hat, Y)
    if isinstance(actual, (bool, np.bool_)) or not isinstance(actual, (int, np.integer)):
        raise Failure(f"accuracy should return an int, got {type(actual).__name__}: {actual!r}.", ("not_array",))
    expected = reference.accuracy(Y_hat, Y)
    if actual != expected:
        raise Failure(f"accuracy(Y_hat, Y) is {actual}, expected {expected}: a row counts when its rounded, "
                      f"clipped prediction equals Y in all four entries.\nInput: Y_hat = {np.round(Y_hat, 3)}, "
                      f"Y = {Y}", ("wrong_values",))
