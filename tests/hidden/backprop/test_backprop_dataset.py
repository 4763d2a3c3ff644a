"""make_dataset and accuracy."""
import numpy as np
from hypothesis import given

from autograder.testing import GENERIC, Failure, Mistake, assert_no_mutation, graded
from autograder.testing.compare import expected_shown
from autograder.testing.datasets import check_dataset
from autograder.testing.strategies import matrices
from autograder.testing.types import as_count, type_name


@graded("make_dataset", weight=2, core=True, answer_shown=False)
def test_make_dataset_matches_reference(student, reference):
    def y_mistakes(X, Y):
        images = X.reshape(16, 2, 2)
        return [Mistake("transposed", X), Mistake("flip_not_transpose", images[:, :, ::-1].reshape(16, 4)),
                Mistake("flip_not_transpose", images[:, ::-1, :].reshape(16, 4))]
    check_dataset(student, reference, "make_dataset", y_what="", y_mistakes=y_mistakes)


def accuracy_mistakes(Y_hat, Y):
    """The counts that the classic mistakes give."""
    rounded = np.round(Y_hat)
    predicted = np.clip(rounded, 0.0, 1.0)
    return [Mistake("rounding_not_clipped", int(np.sum(np.all(rounded == Y, axis=1)))),
            Mistake("wrong_reduction", int(np.sum(np.any(predicted == Y, axis=1)))),
            Mistake("wrong_reduction", int(np.sum(predicted == Y)))]


def _check_accuracy(student, reference, Y_hat, Y):
    call = student.call("accuracy", Y_hat, Y)
    assert_no_mutation(call, "accuracy", inputs={"Y_hat": Y_hat, "Y": Y})
    actual = as_count(call.value)
    if type(actual) is not int:
        raise Failure(f"accuracy should return an int (a count of rows), got {type_name(actual)}: {actual!r}.",
                      ("not_array",))
    expected = reference.accuracy(Y_hat, Y)
    if actual == expected:
        return
    mistakes = accuracy_mistakes(Y_hat, Y)
    named = [m.tags for m in mistakes if m.value == actual and sum(n.value == actual for n in mistakes) == 1]
    tags = list(named[0]) if named else [GENERIC]
    raise Failure(f"accuracy(Y_hat, Y) is {actual}{f', expected {expected}' if expected_shown() else ''}: a row "
                  f"counts when its rounded, "
                  f"clipped prediction equals Y in all four entries.\nInput: Y_hat = {np.round(Y_hat, 3)}, "
                  f"Y = {Y}", tuple(tags))


@graded("accuracy", weight=2, core=True)
@given(Y_hat=matrices(6, 4, -0.7, 1.7, 0.05), Y=matrices(6, 4, 0.0, 1.0, 1.0))
def test_accuracy_matches_reference(student, reference, Y_hat, Y):
    Y_hat = np.where(np.isclose(Y_hat % 1.0, 0.5), Y_hat + 0.01, Y_hat)   # no ties for rounding
    _check_accuracy(student, reference, Y_hat, Y)


@graded("accuracy")
def test_accuracy_on_a_case_that_tells_the_mistakes_apart(student, reference):
    Y = np.array([[1.0, 0.0, 1.0, 1.0], [0.0, 1.0, 1.0, 0.0], [1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0],
                  [1.0, 0.0, 0.0, 1.0]])
    Y_hat = np.array([[0.9, 0.2, 1.3, 0.8], [0.1, 1.6, 0.7, -0.3], [0.8, 0.3, 0.1, 0.2], [0.2, 0.1, 0.3, 0.9],
                      [0.1, 0.9, 0.8, 0.2]])
    _check_accuracy(student, reference, Y_hat, Y)
