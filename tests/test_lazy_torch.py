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


def test_a_long_lived_worker_forgets_its_oldest_answers_but_not_a_set_being_recorded(monkeypatch):
    """Questions asked on students' own values are new with each submission: past MAX_ANSWERS the
    oldest tenth is forgotten (asked again, it is computed again, the same), never what a case set
    being recorded has asked for (its answers are read from the store when it is written)."""
    monkeypatch.setattr(lazy_torch, "ANSWERS", {})
    monkeypatch.setattr(lazy_torch, "MAX_ANSWERS", 50)
    CALLS.clear()
    for x in range(45):                         # earlier gradings' questions
        oracle(float(x))
    recording = set()
    monkeypatch.setattr(lazy_torch, "USED", [recording])
    for x in range(100, 120):                   # a set recorded now: past the limit meanwhile
        oracle(float(x))
    assert len(recording) == 20 and recording <= set(lazy_torch.ANSWERS)
    assert len(lazy_torch.ANSWERS) <= 50
    lazy_torch.USED.clear()
    calls = len(CALLS)
    assert oracle(0.0).tolist() == [0.0, 0.0] and len(CALLS) == calls + 1       # forgotten: computed again
    assert oracle(119.0).tolist() == [119.0, 238.0] and len(CALLS) == calls + 1  # the newest: kept


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


REFERENCE_SOURCE = '''
import numpy as np
CALLS = []

def part(x):
    return 2 * x

def cheap(x):
    return part(x)

def composite(x, steps):
    CALLS.append("composite")
    return [cheap(x) * k for k in range(steps)]

def in_place(x):
    CALLS.append("in_place")
    x += cheap(x)
    return x
'''


def test_the_reference_answers_a_composite_once_and_never_shares_an_answer(tmp_path, monkeypatch):
    """The hidden suites' `reference` (autograder/testing/reference.py): a composite built on another
    composite asked the same question answers from the store of remembered answers, a copy each time;
    a call that changed its arguments is never kept; another version of the module never meets the
    first's answers."""
    import importlib

    from autograder.testing.reference import remembering
    monkeypatch.setattr(lazy_torch, "ANSWERS", {})
    monkeypatch.setattr("autograder.testing.reference.ANSWERS", lazy_torch.ANSWERS)
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "fake_reference.py").write_text(REFERENCE_SOURCE, encoding="utf-8")
    module = importlib.import_module("fake_reference")
    reference = remembering(module)
    assert reference.part is module.part and reference.CALLS is module.CALLS    # not a composite: itself
    assert reference.cheap is module.cheap         # a composite of plain parts costs less than a lookup
    x = np.array([1.0, 2.0])
    first = reference.composite(x, 3)
    first[1][0] = 99.0                                    # the caller's copy, not the kept answer
    second = reference.composite(x.copy(), 3)
    assert module.CALLS == ["composite"]
    np.testing.assert_array_equal(second[1], [2.0, 4.0])
    assert len(reference.composite(x, 2)) == 2 and module.CALLS == ["composite"] * 2    # another question
    for _ in range(2):
        np.testing.assert_array_equal(reference.in_place(np.array([1.0])), [3.0])
    assert module.CALLS.count("in_place") == 2            # it changed its argument: asked again each time

    (tmp_path / "fake_reference.py").write_text(REFERENCE_SOURCE.replace("2 * x", "3 * x"), encoding="utf-8")
    del sys.modules["fake_reference"]
    edited = remembering(importlib.import_module("fake_reference"))
    np.testing.assert_array_equal(edited.composite(x, 3)[1], [3.0, 6.0])
    recorded = set()
    lazy_torch.USED.append(recorded)
    try:
        edited.composite(x, 3)
    finally:
        lazy_torch.USED.remove(recorded)
    assert len(recorded) == 1 and recorded <= set(lazy_torch.ANSWERS)    # kept with a case set being recorded
