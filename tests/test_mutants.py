"""The mutant catalogue, graded through the real path: every mutant is caught and named.

For every assignment of course.toml that has a catalogue (tests/mutants/<assignment>.toml), each
mutant submission (the reference with one function replaced) is graded by the sandboxed child and
the hidden suite, on its function and the functions that call it. The function it breaks must lose
points and carry the expected tags; the functions that call it keep full marks (one mistake costs once).
"""
import time

import pytest

from autograder.course import load_course
from autograder.validate import MIN_MUTANTS, catalogue_path, coverage, grade_mutant, load_catalogue, \
    reference_path

COURSE = load_course()
CATALOGUED = [a for a in COURSE.assignments.values() if catalogue_path(a).exists()]
MUTANTS = [(a, m) for a in CATALOGUED for m in load_catalogue(a)]
STATS: dict[str, list] = {}


def test_every_catalogued_assignment_covers_every_graded_function():
    assert CATALOGUED, "no assignment has a mutant catalogue"
    for assignment in CATALOGUED:
        counts = coverage(assignment, load_catalogue(assignment))
        thin = {name: n for name, n in counts.items() if n < MIN_MUTANTS}
        assert not thin, f"{assignment.name}: fewer than {MIN_MUTANTS} mutants for {thin}"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("mutants")


@pytest.fixture(scope="module")
def sources():
    return {a.name: reference_path(a).read_text("utf-8") for a in CATALOGUED}


@pytest.mark.parametrize("assignment, mutant", MUTANTS, ids=[f"{a.name}:{m.id}" for a, m in MUTANTS])
def test_mutant_is_caught_and_named(assignment, mutant, workdir, sources):
    result = grade_mutant(assignment, mutant, workdir, reference_source=sources[assignment.name])
    STATS.setdefault(assignment.name, []).append(result)
    assert result.caught, f"{mutant.id} ({mutant.description}) scored full marks"
    assert result.named, (f"{mutant.id} ({mutant.description}): expected tags {list(mutant.tags)}, "
                          f"got {result.tags}\n{result.output}")
    assert "wrong_values" not in result.tags or "wrong_values" in mutant.tags
    charged = {c: (result.callers[c]["score"], result.callers[c]["tags"]) for c in result.charged_callers}
    assert not charged, f"callers lost points for {mutant.function}'s mistake (it must cost once): {charged}"


def test_catalogue_summary(capsys):
    """Prints the measured size, share caught and share named (after the parametrized tests)."""
    with capsys.disabled():
        for name, results in STATS.items():
            n = len(results)
            print(f"\n{name}: {n} mutants, caught {sum(r.caught for r in results)}/{n}, "
                  f"named {sum(r.named for r in results)}/{n}")


def _literal(value):
    """Python source for a constant value (arrays, floats, dicts and tuples of them)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (tuple, list)):
        items = ", ".join(_literal(v) for v in value)
        return f"({items},)" if isinstance(value, tuple) else f"[{items}]"
    if hasattr(value, "tolist"):
        return f"np.array({value.tolist()!r})"
    return repr(value)


def test_hard_coded_walkthrough_answers_earn_nothing(backprop, tmp_path):
    """A submission that returns the walk-through's answers whatever it is given scores 0 on each."""
    import numpy as np

    from autograder.grade import grade_submission
    from solutions import backprop as ref

    X, Y = np.array([[1.0, 0.0, 1.0, 1.0]]), np.array([[1.0, 1.0, 0.0, 1.0]])
    params = ref.walkthrough_params()
    Y_hat, cache = ref.forward(X, params)
    dy = ref.dL_dy(Y_hat, Y)
    dh = ref.dL_dh(dy, params["W2"])
    dz1 = ref.dL_dz1(dh, cache["z1"])
    grads = ref.backward(Y, params, cache)
    answers = {
        "relu": ref.relu(cache["z1"]), "relu_grad": ref.relu_grad(cache["z1"]), "forward": (Y_hat, cache),
        "mse_loss": ref.mse_loss(Y_hat, Y), "dL_dy": dy, "dL_dW2": ref.dL_dW2(cache["h"], dy),
        "dL_db2": ref.dL_db2(dy), "dL_dh": dh, "dL_dz1": dz1, "dL_dW1": ref.dL_dW1(X, dz1),
        "dL_db1": ref.dL_db1(dz1), "backward": grads, "sgd_step": ref.sgd_step(params, grads, 0.1),
        "train": ref.train(X, Y, params, 0.1, 30),
    }
    source = reference_path(backprop).read_text("utf-8") + "\n\n# hard-coded answers\n" + "".join(
        f"def {name}(*args, **kwargs):\n    return {_literal(value)}\n\n" for name, value in answers.items())
    path = tmp_path / "hard_coded.py"
    path.write_text(source)
    result = grade_submission(backprop, path, only=set(answers))
    scores = {t["name"]: t["score"] for t in result["tests"]}
    assert scores == {name: 0.0 for name in answers}, scores
