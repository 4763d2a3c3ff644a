"""The torch oracle's remembered answers (autograder/testing/lazy_torch.py): a key tells apart every
argument that could change an answer, an answer is never shared by two questions, and a grading
process that replays a recorded case set does not import torch."""
import json
import subprocess
import sys

import numpy as np

from autograder.testing import lazy_torch
from autograder.testing.lazy_torch import key_of, remembered, torch
from autograder.testing.oracle import elementwise_grad


def _twice(scale):
    return [lambda t: scale * t, lambda t: scale * t * t]


def test_a_key_tells_apart_what_could_change_the_answer():
    z = np.array([[0.5, -1.0]])
    f, g = _twice(2.0)
    same_name_other_code, other_closure = g, _twice(3.0)[0]
    keys = {key_of(elementwise_grad, (f, z), {}),
            key_of(elementwise_grad, (same_name_other_code, z), {}),     # same qualname, other bytecode
            key_of(elementwise_grad, (other_closure, z), {}),            # same code, another captured value
            key_of(elementwise_grad, (f, z.astype(np.float32)), {}),     # another dtype
            key_of(elementwise_grad, (f, z.reshape(2, 1)), {}),          # another shape, same bytes
            key_of(elementwise_grad, (f, np.array([[np.nextafter(0.5, 1.0), -1.0]])), {}),   # one ulp
            key_of(elementwise_grad, (f,), {"z": z})}
    assert len(keys) == 7
    assert key_of(elementwise_grad, (f, z.copy()), {}) == key_of(elementwise_grad, (_twice(2.0)[0], z), {})


CALLS = []     # module-level: a list in the oracle's closure would be part of its key


@remembered
def oracle(x):
    CALLS.append(x)
    return np.array([x, 2 * x])


def test_an_answer_is_computed_once_and_handed_out_as_a_copy(monkeypatch):
    monkeypatch.setattr(lazy_torch, "ANSWERS", {})
    calls = CALLS
    calls.clear()

    first = oracle(1.5)
    first[0] = 99.0                       # a test that changes its answer changes no other
    assert oracle(1.5).tolist() == [1.5, 3.0] and calls == [1.5]
    assert oracle(np.float64(1.5)).tolist() == [1.5, 3.0] and len(calls) == 2   # another type, asked anew

    class Opaque:
        pass
    unkeyable = remembered(lambda o: 1.0)
    assert unkeyable(Opaque()) == 1.0 and len(lazy_torch.ANSWERS) == 2          # computed, not kept


def test_remembered_answers_are_torch_answers():
    import torch as real_torch
    z = np.array([[-1.0, 0.25], [2.0, -0.5]])
    z_t = real_torch.tensor(z, requires_grad=True)
    real_torch.tanh(z_t).sum().backward()
    assert np.array_equal(elementwise_grad(lambda t: torch.tanh(t), z), z_t.grad.numpy())


def test_a_cold_grading_of_a_recorded_set_does_not_import_torch(backprop):
    """The reference graded in a new process, its case set recorded beforehand: full marks, no torch."""
    from autograder.case_pool import case_set, slot_of
    from autograder.cases import case_seed, course_secret
    from autograder.validate import reference_path
    path, secret = reference_path(backprop), course_secret(backprop.root)
    case_set(backprop, secret, slot_of(case_seed(secret, path.read_bytes())))
    code = ("import sys, json\n"
            "from autograder.course import load_course\n"
            "from autograder.grade import grade_submission\n"
            f"r = grade_submission(load_course().assignment('backprop'), {str(path)!r})\n"
            "print(json.dumps([r['score'], r['max_score'], 'torch' in sys.modules]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=backprop.root, timeout=300)
    assert done.returncode == 0, done.stderr
    score, max_score, imported = json.loads(done.stdout.strip().splitlines()[-1])
    assert score == max_score and not imported
