"""Hard-coded answers earn nothing in `gradients` and `neuron`: a submission whose functions return
the text's worked answers whatever they are given scores 0 on each (the core tests are randomized)."""
import numpy as np
import pytest

from autograder.validate import reference_path

from helpers import grade


def _literal(value):
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(_literal(v) for v in value) + ",)"
    if hasattr(value, "tolist"):
        return f"np.array({value.tolist()!r})"
    return repr(value)


def gradients_answers():
    from solutions import gradients as ref
    start = np.array([4.0, 3.0])
    return {"forward_difference": ref.forward_difference(ref.square, 2.0, 1e-4),
            "central_difference": 7.0,
            "difference_errors": ref.difference_errors(ref.wavy, ref.wavy_derivative(1.0), 1.0, np.array([0.1, 0.01])),
            "partial_derivative": 4.0,
            "gradient": np.array([4.0, 6.0]),
            "f_loss": 7.0,
            "grad_f": np.array([4.0, 6.0]),
            "gradient_descent": ref.gradient_descent(ref.grad_f, start, 0.05, 8)}


def neuron_answers():
    from solutions import neuron as ref
    X, y = ref.people()
    W, b = ref.text_params()
    z, p = ref.neuron_forward(X, W, b)
    grads = ref.bce_grads(X, y, W, b)
    return {"relu_layer": ref.relu_layer(X, np.array([[0.01, -0.02, 0.03], [0.02, 0.01, -0.01]]), np.zeros(2)),
            "sigmoid": p, "neuron_forward": (z, p), "bce_loss": ref.bce_loss(z, y), "bce_grad_z": ref.bce_grad_z(z, y),
            "bce_grads": grads, "neuron_step": ref.neuron_step(W, b, grads, 1e-4)}


@pytest.mark.parametrize("name, answers", [("gradients", gradients_answers), ("neuron", neuron_answers)])
def test_hard_coded_text_answers_earn_nothing(course, tmp_path, name, answers):
    assignment = course.assignment(name)
    source = reference_path(assignment).read_text("utf-8") + "\n\n# hard-coded answers\n" + "".join(
        f"def {function}(*args, **kwargs):\n    return {_literal(value)}\n\n"
        for function, value in answers().items())
    path = tmp_path / f"hard_coded_{name}.py"
    path.write_text(source)
    result = grade(assignment, path)
    scores = {t["name"]: t["score"] for t in result["tests"]}
    assert scores == {f.name: 0.0 for f in assignment.functions}, scores
