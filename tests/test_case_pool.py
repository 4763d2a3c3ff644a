"""The pool of hidden case sets (autograder/case_pool.py, docs/cases.md "The pool"): replaying a
recorded set gives what hypothesis's engine gives on the same seed, a set is recorded once and read
back the same, a change to what decides it records it anew, and a set the reference fails is the
grader's error, never a student's zero."""
import dataclasses
import importlib
import pickle
import shutil
import sys

import pytest

from autograder import case_pool
from autograder.cases import SECRET_ENV, slot_seed
from autograder.course import load_course
from autograder.sandbox.proxy import LocalStudent
from autograder.suite import run_suite
from autograder.validate import load_catalogue, reference_path, replace_function

from helpers import grade

SECRET = b"the pool's tests"


def _mutant_student(assignment, mutant):
    """The reference with one catalogued mistake, as trusted in-process functions."""
    source = replace_function(reference_path(assignment).read_text("utf-8"), mutant.function, mutant.source)
    namespace = {"__name__": f"mutant_{mutant.id}"}
    exec(compile(source, f"{mutant.id}.py", "exec"), namespace)
    return LocalStudent(namespace)


def _outcomes(outcomes):
    return [(o.test, o.passed, o.message, o.tags) for o in outcomes]


@pytest.mark.parametrize("name", ["backprop", "gradients"])   # gradients: a test that draws from st.data()
def test_replaying_a_set_gives_what_hypothesis_gives_on_its_seed(course, name):
    """For the first catalogued mistake of every graded function, on two sets: the same outcomes,
    messages and tags whether the set's examples are replayed or hypothesis draws them again."""
    assignment = course.assignment(name)
    firsts = {}
    for mutant in load_catalogue(assignment):
        firsts.setdefault(mutant.function, mutant)
    failing = 0
    for slot in (0, 7):
        recorded = case_pool.case_set(assignment, SECRET, slot).examples
        for mutant in firsts.values():
            drawn = run_suite(assignment, _mutant_student(assignment, mutant), only=mutant.function,
                              seed=slot_seed(SECRET, slot))
            replayed = run_suite(assignment, _mutant_student(assignment, mutant), only=mutant.function,
                                 seed=slot_seed(SECRET, slot), replay=recorded)
            assert _outcomes(replayed) == _outcomes(drawn), mutant.id
            failing += sum(not o.passed for o in drawn)
    assert failing >= len(firsts), "the mutants should fail tests, or this compares only passes"


def test_a_set_is_recorded_once_kept_on_disk_and_read_back_the_same(backprop, monkeypatch):
    key = case_pool.fingerprint(backprop, SECRET)
    recorded = case_pool.case_set(backprop, SECRET, 3)
    path = backprop.root / case_pool.POOL_DIR / backprop.name / f"{key}-3.pickle"
    assert path.is_file()
    assert (path.parent.parent.parent.stat().st_mode & 0o077) == 0      # .autograder/: the grader's alone
    assert len(recorded.examples) >= 20 and all(recorded.examples.values()), "every randomized test has its examples"
    assert recorded.answers, "and torch's answers to the suite's questions"
    monkeypatch.setattr(case_pool, "_MEMORY", {})
    monkeypatch.setattr(case_pool, "_record", lambda *a: pytest.fail("a kept set was recorded again"))
    again = case_pool.case_set(backprop, SECRET, 3)
    assert pickle.dumps(again) == pickle.dumps(recorded)


def test_a_change_to_what_decides_a_set_gives_another_fingerprint(backprop, tmp_path):
    root = tmp_path / "course"
    suite = root / "tests" / "hidden"
    shutil.copytree(backprop.suite_dir, suite / backprop.name)
    shutil.copy(backprop.suite_dir.parent / "conftest.py", suite / "conftest.py")
    copy = dataclasses.replace(backprop, root=root)
    first = case_pool.fingerprint(copy, SECRET)
    assert case_pool.fingerprint(copy, SECRET) == first
    assert case_pool.fingerprint(copy, b"another secret") != first
    test_file = next((suite / backprop.name).glob("test_*.py"))
    test_file.write_text(test_file.read_text() + "\n# changed\n")
    assert case_pool.fingerprint(copy, SECRET) != first


def test_a_set_the_reference_fails_is_the_graders_error(backprop, tmp_path, monkeypatch):
    """A reference that disagrees with the hidden suite (here: relu written as abs) cannot record a
    set: the error names the test and the set, and grading a student stops with it."""
    wrong = reference_path(backprop).read_text("utf-8").replace("np.maximum(0.0, z)", "np.abs(z)")
    assert "np.abs(z)" in wrong
    (tmp_path / "wrong_reference.py").write_text(wrong)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    broken = dataclasses.replace(backprop, solution="wrong_reference")
    monkeypatch.setattr(case_pool, "_write", lambda *a: None)
    with pytest.raises(case_pool.PoolError, match=r"fails hidden test test_relu\w* of backprop on case set 5"):
        case_pool._record(broken, SECRET, 5)
    sys.modules.pop("wrong_reference", None)


def test_grading_meets_the_set_its_seed_picks(backprop, tmp_path, monkeypatch):
    """The grade of a file replays the set of its slot: with that set's recording replaced by one of
    another slot, the same file meets other cases."""
    from autograder.cases import case_seed, course_secret
    monkeypatch.setenv(SECRET_ENV, SECRET.decode())
    path = tmp_path / "relu.py"
    path.write_text("import numpy as np\n\n\ndef relu(z):\n    return np.abs(z)\n")
    slot = case_pool.slot_of(case_seed(course_secret(backprop.root), path.read_bytes()))
    first = next(t for t in grade(backprop, path, only={"relu"})["tests"] if t["name"] == "relu")
    other = case_pool.case_set(backprop, SECRET, (slot + 1) % case_pool.SLOTS)
    monkeypatch.setattr(case_pool, "case_set", lambda a, s, k: other)
    moved = next(t for t in grade(backprop, path, only={"relu"})["tests"] if t["name"] == "relu")
    assert first["score"] == moved["score"] == 0.0 and first["output"] != moved["output"]


def test_prepare_cases_from_the_command_line(tmp_path):
    from helpers import run_cli
    done = run_cli("prepare-cases", "gradients", timeout=600)
    assert done.returncode == 0, done.stderr
    assert f"gradients: {case_pool.SLOTS} case sets ready, each checked against the reference" in done.stdout
    course = load_course()
    assert len(list((course.root / case_pool.POOL_DIR / "gradients").glob("*.pickle"))) >= case_pool.SLOTS


@pytest.mark.parametrize("name", list(load_course().assignments))
def test_the_reference_scores_full_marks_on_every_case_set(course, name, tmp_path):
    """Through the real path (the sandbox, the replay): the reference, as a file whose case seed picks
    each of the pool's sets in turn, scores full marks on every one."""
    from autograder.cases import case_seed, course_secret
    assignment = course.assignment(name)
    secret = course_secret(assignment.root)
    source = reference_path(assignment).read_text("utf-8")
    files = {}
    for i in range(100 * case_pool.SLOTS):
        text = f"{source}\n# {i}\n"
        files.setdefault(case_pool.slot_of(case_seed(secret, text.encode())), text)
        if len(files) == case_pool.SLOTS:
            break
    assert len(files) == case_pool.SLOTS
    for slot, text in sorted(files.items()):
        path = tmp_path / f"{name}.py"
        path.write_text(text, encoding="utf-8")
        result = grade(assignment, path)
        lost = {t["name"]: t["output"][:500] for t in result["tests"] if t["score"] < t["max_score"]}
        assert not lost, f"case set {slot}: {lost}"


def _same_copy(made, expected) -> bool:
    """The same structure, types, values, dtypes and memory order, and nothing shared with the original."""
    import numpy as np
    if type(made) is not type(expected):
        return False
    if isinstance(made, np.ndarray):
        return (made.dtype == expected.dtype and made.shape == expected.shape and made.strides == expected.strides
                and made.tobytes() == expected.tobytes() and made.flags.writeable == expected.flags.writeable)
    if isinstance(made, (list, tuple)):
        return len(made) == len(expected) and all(_same_copy(a, b) for a, b in zip(made, expected))
    if isinstance(made, dict):
        return list(made) == list(expected) and all(_same_copy(made[k], expected[k]) for k in made)
    return made == expected or (made != made and expected != expected)


def test_a_case_is_copied_as_deepcopy_copies_it():
    """A recorded case and a remembered torch answer are given to each test as a copy made by
    `testing.copies.fresh`, which must make what copy.deepcopy makes: same structure, types, dtypes,
    memory order and aliasing, sharing nothing mutable with the original."""
    import copy

    import numpy as np
    from hypothesis import given, settings, strategies as st
    from hypothesis.extra import numpy as hnp

    from autograder.testing.copies import fresh
    arrays = hnp.arrays(st.sampled_from([np.float64, np.float32, np.int64, np.bool_]),
                        hnp.array_shapes(min_dims=0, max_dims=3, max_side=3))
    orders = arrays.flatmap(lambda a: st.sampled_from([a, np.asfortranarray(a), a.T, a[..., ::-1] if a.ndim else a]))
    atoms = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=3), orders,
                      st.just(np.float64(1.5)), st.just(np.int32(3)))
    values = st.recursive(atoms, lambda inner: st.one_of(st.lists(inner, max_size=3), st.tuples(inner, inner),
                                                         st.dictionaries(st.text(max_size=2), inner, max_size=3)),
                          max_leaves=8)

    @settings(max_examples=300, deadline=None)
    @given(values)
    def check(value):
        assert _same_copy(fresh(value), copy.deepcopy(value))
        shared = np.zeros(2)
        wrapped = [value, (value, shared), {"a": shared, "b": [shared]}]
        made = fresh(wrapped)
        assert _same_copy(made, copy.deepcopy(wrapped))
        assert made[2]["a"] is made[2]["b"][0] is made[1][1] and made[2]["a"] is not shared   # aliasing kept
    check()
