"""No credit for constants: for every graded function of every assignment, a submission that returns
the reference's answer on every fixed case it can see, and a constant elsewhere, scores exactly 0.

The submission is generated, never typed: the reference is run through the assignment's public
checks and its hidden suite (the walk-through examples, the fixed hidden cases whose inputs feedback
shows, and the derandomized draws of a plain `pytest` run), and every call is recorded as input ->
answer. Each graded function of the generated file looks its input up in that table and returns
the recorded answer, else zeros shaped like its first answer. A function without inputs has one
answer, its whole output: the table then holds only the entries its public check reads.
"""
import importlib
import importlib.util
import inspect
import sys

import numpy as np
import pytest

from autograder.course import load_course
from autograder.sandbox.proxy import LocalStudent
from autograder.suite import run_suite
from autograder.validate import reference_path

from helpers import grade

COURSE = load_course()

# The input -> key function, written once: run here to build the table and embedded in the submission.
CASE_KEY = '''
def _case_key(args, kwargs):
    import hashlib
    import numpy as np

    def canon(v):
        if isinstance(v, (bool, np.bool_)):
            return ("b", bool(v))
        if isinstance(v, (int, float, np.integer, np.floating)):
            return ("n", float(v).hex())
        if isinstance(v, (list, tuple)) and v and all(
                isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_))
                for x in v):
            v = np.asarray(v, dtype=np.float64)
        if isinstance(v, np.ndarray) and v.dtype.kind in "biuf":
            return ("a", v.shape, np.asarray(v, dtype=np.float64).tobytes().hex())
        if isinstance(v, (list, tuple)):
            return ("l", tuple(canon(x) for x in v))
        if isinstance(v, dict):
            return ("d", tuple(sorted((str(k), canon(x)) for k, x in v.items())))
        if v is None or isinstance(v, str):
            return ("s", v)
        return ("?",)          # a function passed in (f of a finite difference): any will do
    return hashlib.sha256(repr(canon((list(args), dict(kwargs)))).encode()).hexdigest()
'''
namespace: dict = {}
exec(CASE_KEY, namespace)
case_key = namespace["_case_key"]


def literal(value) -> str:
    """Python source that rebuilds `value` exactly (bit patterns of floats, NaN and inf included)."""
    if isinstance(value, np.ndarray):
        return (f"np.frombuffer(bytes.fromhex({value.tobytes().hex()!r}), dtype={value.dtype.str!r})"
                f".reshape({value.shape!r}).copy()")
    if isinstance(value, (bool, np.bool_)):
        return repr(bool(value))
    if isinstance(value, np.floating):
        return f"np.float64(float.fromhex({float(value).hex()!r}))"
    if isinstance(value, float):
        return f"float.fromhex({value.hex()!r})"
    if isinstance(value, np.integer):
        return f"np.int64({int(value)})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, tuple):
        return "(" + "".join(f"{literal(v)}, " for v in value) + ")"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    return repr(value)


def zeros_like(value):
    """The same structure with every number 0: the constant a hard-coded function falls back on."""
    if isinstance(value, np.ndarray):
        return np.zeros_like(value)
    if isinstance(value, dict):
        return {k: zeros_like(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(zeros_like(v) for v in value)
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (int, float, np.integer, np.floating)):
        return type(value)(0)
    return value


class Watched(np.ndarray):
    """An array that logs which parts of it are read: an index, or Ellipsis for all of it."""

    def __array_finalize__(self, obj):
        self.log = getattr(obj, "log", None)

    def __getitem__(self, key):
        self.log.append(key)
        return np.asarray(self)[key]

    def __array_function__(self, func, types, args, kwargs):
        self.log.append(Ellipsis)
        return func(*[np.asarray(a) if isinstance(a, Watched) else a for a in args], **kwargs)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        self.log.append(Ellipsis)
        return getattr(ufunc, method)(*[np.asarray(a) if isinstance(a, Watched) else a for a in inputs], **kwargs)


def watched(value):
    """(value with its arrays watched, a function giving the visible part: read entries kept, zeros elsewhere)."""
    if isinstance(value, np.ndarray):
        view = value.view(Watched)
        view.log = []

        def visible():
            seen = np.zeros_like(value)
            for key in view.log:
                seen[key] = value[key]
            return seen
        return view, visible
    if isinstance(value, (tuple, list)):
        pairs = [watched(v) for v in value]
        return type(value)(p[0] for p in pairs), lambda: type(value)(p[1]() for p in pairs)
    return value, lambda: value


def counting(args, kwargs):
    """The arguments with every function among them counting its calls into counter[0]."""
    counter = [0]

    def wrap(v):
        if not callable(v):
            return v

        def counted(*a, **k):
            counter[0] += 1
            return v(*a, **k)
        return counted
    return [wrap(a) for a in args], {k: wrap(v) for k, v in kwargs.items()}, counter


class Recorder(LocalStudent):
    """The reference as a student, recording every call: {function: [(key, answer, calls of f), ...]}."""

    def __init__(self, reference):
        super().__init__(reference)
        self.table: dict[str, list] = {}

    def record(self, name, args, kwargs, value, calls):
        key = case_key(args, kwargs)
        if all(key != k for k, *_ in self.table.setdefault(name, [])):
            self.table[name].append((key, value, calls))

    def call(self, name, *args, **kwargs):
        wrapped, wrapped_kwargs, counter = counting(args, kwargs)
        call = super().call(name, *wrapped, **wrapped_kwargs)
        self.record(name, args, kwargs, call.value, counter[0])
        return call


def public_checks(assignment, name):
    """The assignment's public_checks module, imported as a student's terminal would (beside public_base)."""
    folder = assignment.root / "assignments"
    sys.path.insert(0, str(folder))
    try:
        spec = importlib.util.spec_from_file_location(name, folder / assignment.name / "public_checks.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(folder))
    return module


def visible_answers(assignment):
    """{function: [(input key, answer)]}: every call of the public checks and of the hidden suite on the
    reference; for a function without inputs, only the entries its public check reads."""
    reference = importlib.import_module(assignment.solution)
    recorder = Recorder(reference)
    run_suite(assignment, recorder)                       # fixed cases and derandomized draws
    checks = public_checks(assignment, f"public_checks_{assignment.name}")
    whole = set()
    for f in assignment.functions:
        function = getattr(reference, f.name)
        if not inspect.signature(function).parameters:
            value, visible = watched(function())
            checks.CHECKS[f.name](lambda value=value: value)
            recorder.table[f.name] = [(case_key((), {}), visible(), 0)]
            if _same(visible(), function()):
                whole.add(f.name)
        elif f.name in checks.CHECKS:
            def recording(*args, _name=f.name, _function=function, **kwargs):
                wrapped, wrapped_kwargs, counter = counting(args, kwargs)
                value = _function(*wrapped, **wrapped_kwargs)
                recorder.record(_name, args, kwargs, value, counter[0])
                return value
            checks.CHECKS[f.name](recording)
    return recorder.table, whole


def _same(a, b) -> bool:
    if isinstance(b, (tuple, list)):
        return all(_same(x, y) for x, y in zip(a, b))
    return np.array_equal(a, b)


def hard_coded_source(assignment, table) -> str:
    """The reference with every graded function replaced by a lookup in `table`, zeros elsewhere. A
    function given a function (f of a finite difference) calls it as often as the reference did, so
    that call counts give nothing away."""
    parts = [reference_path(assignment).read_text("utf-8"), "\n\n# hard-coded answers\nimport numpy as np\n",
             CASE_KEY, REPLAY_CALLS]
    for f in assignment.functions:
        cases = table[f.name]
        entries = "".join(f"    {key!r}: ({calls}, lambda: {literal(answer)}),\n" for key, answer, calls in cases)
        parts.append(f"\n_TABLE_{f.name} = {{\n{entries}}}\n\n\n"
                     f"def {f.name}(*args, **kwargs):\n"
                     f"    calls, answer = _TABLE_{f.name}.get(_case_key(args, kwargs), (0, None))\n"
                     f"    _call_functions_among(args, calls)\n"
                     f"    return answer() if answer is not None else {literal(zeros_like(cases[0][1]))}\n")
    return "".join(parts)


REPLAY_CALLS = '''
def _call_functions_among(args, calls):
    point = next((a for a in args if not callable(a)), None)
    for f in [a for a in args if callable(a)]:
        for _ in range(calls):
            f(point)
'''


@pytest.mark.parametrize("name", list(COURSE.assignments))
def test_hard_coded_answers_on_visible_cases_earn_nothing(name, tmp_path):
    assignment = COURSE.assignment(name)
    table, whole = visible_answers(assignment)
    assert set(table) == {f.name for f in assignment.functions}, "a graded function was never called"
    source = hard_coded_source(assignment, table)

    # The generated file is a real attacker: it passes every public check (it is trusted, run here).
    module = {}
    exec(compile(source, "hard_coded.py", "exec"), module)
    checks = public_checks(assignment, f"public_checks_again_{name}")
    for function, check in checks.CHECKS.items():
        check(module[function])

    path = tmp_path / f"hard_coded_{name}.py"
    path.write_text(source)
    result = grade(assignment, path)
    scores = {t["name"]: t["score"] for t in result["tests"]}
    # A function without inputs whose public check shows its whole output: the "hard-coded" answer
    # is the answer itself (the reference writes it as a literal too); nothing to detect there.
    assert whole <= {"xor_dataset"}, whole
    expected = {f.name: (f.points if f.name in whole else 0.0) for f in assignment.functions}
    assert scores == expected, {n: (s, next(t["output"][:300] for t in result["tests"] if t["name"] == n))
                                for n, s in scores.items() if s != expected[n]}
