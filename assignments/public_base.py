"""What every assignment's public checks share: the registry, the comparisons, and `check`.

Released beside each notebook with its public_checks.py. NumPy only.

A public check judges its own function only: when a function's check fails and a function it
calls fails its own public check, the cell says which to fix first instead of failing, as the
grader does (it grades a composite with the reference's parts in place of the student's wrong
ones, and charges the mistake once, where it is).

A failed check says it in one line: what was called, what was expected, what came back, and the
likely mistake under the grader's own name for it (its diagnosis code), with no traceback.
"""
import json
import linecache
import sys
import types
import warnings

import numpy as np

# The grader's diagnosis codes a public check can name, in a student's words (the full list:
# `autograder codes`). A code is named only when the numbers show it; otherwise none is.
HINTS = {
    "not_defined": "the function is missing, misspelled, or its cell has not run",
    "not_implemented": "the stub is untouched: write your code in place of `raise NotImplementedError`",
    "syntax_error": "the cell that defines it has a syntax error",
    "crashed": "your code raised an error",
    "not_array": "the result is not of the type asked for",
    "shape": "the result has the wrong shape",
    "dtype": "the result should be float64",
    "not_finite": "the result contains NaN or infinity",
    "mutates_input": "an input array was changed: return new arrays, leave the arguments as they were",
    "transposed": "a matrix used untransposed, or the factors in the wrong order (the result comes out transposed)",
    "sign_flipped": "the result has the opposite sign",
    "missing_factor_2": "the result is off by a factor of 2",
    "wrong_mean_denominator": "the mean divides by the wrong count",
    "bias_not_summed": "a bias gradient is summed over the batch (axis 0), not averaged or left per example",
    "wrong_axis": "the sum runs over the wrong axis",
    "wrong_keys": "the returned dict has the wrong keys",
    "relu_gate_at_zero": "the ReLU gate lets the gradient through at exactly z = 0, where it should be 0",
    "confused_with_derivative": "the activation is used where its derivative belongs, or the reverse",
    "missing_activation": "an activation is left out",
    "missing_bias": "a bias is left out",
    "gate_on_wrong_input": "the ReLU gate is taken from the wrong array (it belongs to z1)",
    "missing_activation_grad": "the activation's derivative is left out of the chain rule",
    "missing_upstream_grad": "the upstream gradient is left out of the chain rule",
    "derivative_at_activation": "the derivative is taken at the activation instead of at the pre-activation",
    "outer_product_batch": "the weight gradient only works for a single example: it should add up every "
                           "example of the batch",
    "step_size_ignored": "the step size argument is ignored",
    "one_sided_difference": "a one-sided difference where a central one belongs",
    "wrong_difference": "the difference evaluates f at the wrong points",
    "input_not_restored": "x is left changed after the function returns: put each entry back",
    "losses_off_by_one": "one loss too many or too few: steps + 1 losses, the first before any update",
    "rel_error_zero_guard": "the denominator needs its guard against 0",
    "wrong_reduction": "the entries are combined the wrong way",
    "labels_inverted": "the 0/1 labels are swapped",
    "wrong_threshold": "the 0.5 decision threshold is missing or misplaced",
    "bit_order_reversed": "the bits are in the wrong order (most significant first)",
    "flip_not_transpose": "the image is mirrored instead of flipped over its diagonal",
    "wrong_flip": "the image is flipped the wrong way",
    "swapped_order": "two things are swapped (columns, coordinates or returned values)",
    "off_by_one": "one row (or step) too many or too few",
    "missing_term": "a term of the formula is left out",
}
SHAPE_WORDS = ("matmul", "shape", "broadcast", "aligned", "dimension")
_CHECKED_NAMES = set()       # every checked function of every registry: a NameError for one is explained


class Wrong(AssertionError):
    """What a check found wrong, with the diagnosis code of the likely mistake (None when unsure)."""

    def __init__(self, message, code=None):
        super().__init__(message)
        self.code = code


class CheckFailed(AssertionError):
    """A public check that failed: in Jupyter, one clear message instead of a traceback through
    these files (IPython shows `_render_traceback_`'s lines). The cell still fails, as it must."""

    def __init__(self, message, code=None):
        super().__init__(message)
        self.code = code

    def _render_traceback_(self):
        return [f"\033[31m{line}\033[0m" if i == 0 else line for i, line in enumerate(str(self).splitlines())]


def fail(message, code=None):
    """Fail a check with `message`, naming the likely mistake's diagnosis code when there is one."""
    raise Wrong(message, code)


class Checks(dict):
    """name -> the public check of that graded function (a callable taking the student's function)."""

    def public(self, name):
        def register(function):
            self[name] = function
            _CHECKED_NAMES.add(name)
            return function
        return register

    def check(self, name, function):
        """Run the public checks of one function and say so; CheckFailed, one line, if one fails."""
        outcome, text = self.verdict(name, function)
        if outcome == "failed":
            raise CheckFailed(text, getattr(text, "code", None)) from None
        print(text)

    def verdict(self, name, function):
        """("passed" | "not checked" | "failed", the one line that says so) for one function."""
        try:
            self._run(name, function)
        except Exception as err:  # noqa: BLE001 - a wrong value, or the student's code raised
            blocked = self.failing_parts(name, function)
            if not blocked:
                return "failed", _Line(explain(name, err, function), _code_of(err))
            names = " and ".join(f"`{p}`" for p in blocked)
            return "not checked", (f"{name}: not checked yet: it calls {names}, which "
                                   f"{'fails its' if len(blocked) == 1 else 'fail their'} own public check. "
                                   f"Fix {names} first, then run this cell again.")
        return "passed", f"{name}: public checks passed"

    def _run(self, name, function):
        """Run one check quietly: NumPy's warnings would go to stderr, which nbgrader counts as a failure."""
        if not callable(function):
            raise Wrong(f"{name} is not a function (it is {type(function).__name__})", "not_defined")
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            self[name](function)

    def failing_parts(self, name, function) -> list:
        """The other checked functions that `function` calls (by name, directly or through others)
        whose own checks fail for a reason of their own: the ones to fix first."""
        namespace = getattr(function, "__globals__", {})
        reach = {name: self._reachable(name, function, namespace)}
        failing = []
        for part in reach[name]:
            try:
                self._run(part, namespace[part])
            except Exception:  # noqa: BLE001 - any failure of the part's own check counts
                failing.append(part)
        roots = [p for p in failing if not set(self._reachable(p, namespace[p], namespace)) & set(failing)]
        return roots or failing

    def _reachable(self, name, function, namespace) -> list:
        """The checked functions other than `name` that `function` calls, directly or through them."""
        found, frontier = [], [function]
        while frontier:
            for part in _called_names(frontier.pop(0)):
                if part != name and part not in found and part in self and callable(namespace.get(part)):
                    found.append(part)
                    frontier.append(namespace[part])
        return found


class _Line(str):
    """A verdict's line that remembers the diagnosis code it names."""

    def __new__(cls, text, code=None):
        line = super().__new__(cls, text)
        line.code = code
        return line


def _code_of(err):
    if isinstance(err, NotImplementedError):
        return "not_implemented"
    if isinstance(err, AssertionError):
        return getattr(err, "code", None)
    first = str(err).splitlines()[0] if str(err) else ""
    if any(word in first for word in SHAPE_WORDS):
        return "transposed" if "matmul" in first else None
    return "crashed"


def likely(code) -> str:
    """The sentence that names a known diagnosis code for the student ("" for None)."""
    return f" Likely mistake: `{code}`: {HINTS[code]}." if code in HINTS else ""


def explain(name, err, function=None) -> str:
    """The one line for a failed check: what went wrong and the likely mistake; for an error raised
    by the student's code, where (their own line) and with which shapes."""
    if isinstance(err, NotImplementedError):
        return f"{name}: not written yet (the stub raises NotImplementedError)."
    if isinstance(err, AssertionError):
        text = " ".join(str(err).split("\n")).rstrip(".")
        return f"{'' if text.startswith(name) else name + ': '}{text}." + likely(getattr(err, "code", None))
    first = str(err).splitlines()[0] if str(err) else ""
    call, shapes, line = _failing_call(err, function)
    where = f" at `{line}`" if line else ""
    if any(word in first for word in SHAPE_WORDS):
        code = "transposed" if "matmul" in first else None      # the grader's name for a matrix used untransposed
        given = f", called with {shapes}" if shapes else ""
        return (f"{name}: the shapes do not line up{where}{given}: write each array's shape beside your formula "
                f"(the docstring gives them).{likely(code)} NumPy said: {first}")
    return f"{name}: {call or name + '(...)'} raised {type(err).__name__}: {first}{where}.{likely('crashed')}"


def _failing_call(err, function):
    """(the student's call as `f(h=[[1, 2]], ...)`, its arrays' shapes as `h (1, 2) and dy (1, 4)`,
    the student's own source line that raised), read from the traceback's frames; None where unknown."""
    code = getattr(function, "__code__", None)
    tb, call, shapes, line = err.__traceback__, None, None, None
    while tb is not None:
        frame = tb.tb_frame
        if call is None and code is not None and frame.f_code is code:
            args = [(a, frame.f_locals.get(a)) for a in frame.f_code.co_varnames[:frame.f_code.co_argcount]]
            call = f"{code.co_name}({', '.join(f'{a}={_described(v)}' for a, v in args)})"
            shapes = " and ".join(f"{a} {v.shape}" for a, v in args if isinstance(v, np.ndarray)) or None
        if call is not None and frame.f_globals is getattr(function, "__globals__", None):
            line = linecache.getline(frame.f_code.co_filename, tb.tb_lineno).strip() or line
        tb = tb.tb_next
    return call, shapes, line


def _described(value) -> str:
    if isinstance(value, np.ndarray):
        return f"<array of shape {value.shape}>" if value.size > 8 else _show(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_described(v)}" for k, v in value.items()) + "}"
    if callable(value):
        return "a function"
    return repr(value)


def _show(value) -> str:
    """An array as a short nested list: [[1, 0.5], [2, 0]]."""
    def fmt(x):
        if isinstance(x, list):
            return "[" + ", ".join(fmt(v) for v in x) + "]"
        return f"{x:.6g}" if isinstance(x, float) else repr(x)
    return fmt(np.asarray(value).tolist())


def _called_names(function) -> list:
    """The global names `function`'s code (nested functions too) refers to, in order of appearance."""
    names, stack = [], [getattr(function, "__code__", None)]
    while stack:
        code = stack.pop(0)
        if code is None:
            continue
        names += [n for n in code.co_names if n not in names]
        stack += [c for c in code.co_consts if isinstance(c, types.CodeType)]
    return names


def _distance(actual, value) -> float:
    """The largest relative difference between `actual` and a known wrong `value` (NaN matches NaN);
    infinity when they cannot be compared."""
    try:
        actual, value = np.asarray(actual, dtype=np.float64), np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return np.inf
    if actual.shape != value.shape or not np.array_equal(np.isnan(actual), np.isnan(value)):
        return np.inf
    a, v = actual[~np.isnan(actual)], value[~np.isnan(value)]
    if not np.array_equal(np.isfinite(a), np.isfinite(v)) or not np.array_equal(a[~np.isfinite(a)], v[~np.isfinite(v)]):
        return np.inf
    a, v = a[np.isfinite(a)], v[np.isfinite(v)]
    return float(np.max(np.abs(a - v) / (np.abs(v) + 1e-9), initial=0.0))


def _close(actual, expected, rtol=1e-9, atol=1e-12) -> bool:
    try:
        actual = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return actual.shape == np.shape(expected) and bool(np.allclose(actual, expected, rtol=rtol, atol=atol))


def diagnose(actual, expected, likely_values=None):
    """The diagnosis code of the mistake that gives `actual` where `expected` was right, or None:
    first the check's own known wrong values (code -> value), then what any result can show."""
    near = [(_distance(actual, v), code) for code, value in (likely_values or {}).items()
            for v in (value if isinstance(value, either) else [value])]
    near = [(d, code) for d, code in near if d <= 1e-5]       # the values are worked out to 6 significant digits
    if near:
        return min(near)[1]
    actual = np.asarray(actual, dtype=np.float64)
    if expected.ndim == 2 and expected.shape != expected.T.shape and actual.shape == expected.T.shape:
        return "transposed"
    if actual.shape != expected.shape:
        return None
    if not np.all(np.isfinite(actual)) and np.all(np.isfinite(expected)):
        return "not_finite"
    if expected.ndim == 2 and not _close(expected, expected.T) and _close(actual, expected.T):
        return "transposed"
    if np.any(expected != 0) and _close(actual, -expected):
        return "sign_flipped"
    return None


class either(tuple):        # lower case: it reads as a word in a check, likely={"wrong_axis": either(a, b)}
    """Several values the same mistake can give, for `likely`."""

    def __new__(cls, *values):
        return super().__new__(cls, values)


def same(actual, expected, what, *, likely=None):
    """`actual` is a float64 array equal to `expected`; else Wrong, naming the likely mistake
    (`likely`: diagnosis code -> the value that mistake gives here)."""
    expected = np.asarray(expected, dtype=np.float64)
    if isinstance(actual, np.generic):       # a NumPy scalar: judged by its (empty) shape below
        actual = np.asarray(actual)
    if not isinstance(actual, np.ndarray):
        fail(f"{what} should be a NumPy array, got {type(actual).__name__}: {_short(actual)}", "not_array")
    if actual.shape != expected.shape:
        fail(f"{what} should have shape {expected.shape}, got {actual.shape}",
             diagnose(actual, expected, likely) if actual.dtype.kind in "biuf" else None)
    if actual.dtype != np.float64:
        fail(f"{what} should have dtype float64, got {actual.dtype}", "dtype")
    if not np.allclose(actual, expected, rtol=1e-9, atol=1e-12):
        fail(f"{what} should be {_show(expected)}, got {_show(actual)}.", diagnose(actual, expected, likely))


def number(actual, expected, what, *, likely=None):
    """`actual` is a float close to `expected`; else Wrong, naming the likely mistake as `same` does."""
    if isinstance(actual, bool) or not isinstance(actual, (int, float, np.floating, np.integer)):
        fail(f"{what} should be a float, got {type(actual).__name__}: {_short(actual)}", "not_array")
    if not np.isclose(float(actual), expected, rtol=1e-9, atol=1e-12):
        fail(f"{what} should be {expected:.6g}, got {float(actual):.6g}.",
             diagnose(np.float64(actual), np.asarray(expected, dtype=np.float64), likely))


def unchanged(before, after, what, code="mutates_input"):
    """The input `after` still equals its copy `before`; else Wrong (`mutates_input`, or `code`)."""
    if not np.array_equal(before, after):
        fail(f"{what} changed its input", code)


def sums_over_the_batch(bias_grad, name):
    """`bias_grad`([[1, 2], [3, 4]]) is [4, 6]: a bias gradient sums its delta (N, M) over the batch."""
    same(bias_grad(np.array([[1.0, 2.0], [3.0, 4.0]])), [4.0, 6.0], f"{name} summed over a batch of 2",
         likely={"bias_not_summed": [2.0, 3.0], "wrong_axis": either([3.0, 7.0], 10.0)})


def losses_go_down(problem, lr, first_loss):
    """The public check of train: train(X, Y, params, lr, steps=3) on a fresh problem() = (X, Y, params)
    returns 4 losses, `first_loss` before any update, then a last one below it; else Wrong."""
    def check_train(train):
        X, Y, params = problem()
        _, losses = train(X, Y, params, lr, 3)
        if len(losses) != 4:
            fail(f"train(..., steps=3) should return 4 losses (before any update, then after each), "
                 f"got {len(losses)}", "losses_off_by_one")
        number(losses[0], first_loss, "losses[0], the loss before any update")
        if not losses[3] < losses[0]:
            raise AssertionError("the loss should go down with a small learning rate")
    return check_train


def _short(value, limit=80) -> str:
    text = _show(value) if isinstance(value, np.ndarray) else repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


# -- the report: every function's verdict and the points at stake -----------------------------
# Used by the notebook's last cell, the released test_public.py and `autograder check`.

def report(checks, namespace, names=None, points=None, *, notes=None, out=print) -> int:
    """Print each function's public verdict (with its points when known) and a summary line;
    returns the number of functions whose check failed. `names`: only these (default: every checked
    function, and the graded ones in `points` without a check). `notes`: function -> why it is missing."""
    points = points or {}
    unchecked = [] if names else [n for n in points if n not in checks]    # graded by the hidden tests alone
    names = list(names or checks)
    failed, passed, covered = 0, 0, 0.0
    for name in names:
        function = namespace.get(name)
        if not callable(function):
            outcome = "failed"
            note = (notes or {}).get(name) or (notes or {}).get("*") or _why_undefined(name)
            text = f"{name} is not defined: {note}"
        else:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                outcome, text = checks.verdict(name, function)
        worth = f" [{points[name]:g} pt{'' if points[name] == 1 else 's'}]" if name in points else ""
        if outcome == "failed":
            failed += 1
            out(f"FAILED  {text}{worth}")
        else:
            passed += outcome == "passed"
            covered += points.get(name, 0) if outcome == "passed" else 0
            out(f"{'ok' if outcome == 'passed' else 'wait':<7} {text}{worth}")
    for name in unchecked:
        out(f"{'--':<7} {name}: no public check (the hidden tests grade it) [{points[name]:g} pt"
            f"{'' if points[name] == 1 else 's'}]")
    total = sum(points.get(n, 0) for n in names + unchecked)
    at_stake = f"; they cover {covered:g} of {total:g} points" if total else ""
    out(f"{passed}/{len(names)} public checks passed{at_stake}. Public checks are a first signal, not "
        "the grade: the hidden tests try many more cases.")
    return failed


def notebook_functions(path, *, out=print):
    """Your functions, read from a notebook's answer cells (or a .py module), run in order in a fresh
    namespace: (namespace, function -> why it is missing, function -> its points from the notebook)."""
    namespace = {"__name__": "your_code"}
    exec("import numpy as np", namespace)
    notes, points = {}, {}
    if str(path).endswith(".py"):
        source = open(path, encoding="utf-8").read()
        _run_cell(source, str(path), namespace, notes, "*")
        return namespace, notes, points
    with open(path, encoding="utf-8") as f:
        notebook = json.load(f)
    for i, cell in enumerate(notebook.get("cells", [])):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and str(meta.get("grade_id", "")).startswith("test_") and "points" in meta:
            points[meta["grade_id"][len("test_"):]] = float(meta["points"])
        if cell.get("cell_type") == "code" and meta.get("solution"):
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            _run_cell(source, f"{path} cell {i + 1}", namespace, notes, meta.get("grade_id"))
    return namespace, notes, points


def _run_cell(source, filename, namespace, notes, grade_id):
    """Run one cell's code; when it stops, note why against the function it was to define."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    try:
        exec(compile(source, filename, "exec"), namespace)
    except SyntaxError as err:
        notes[grade_id] = f"its code has a syntax error at line {err.lineno}: {err.msg}.{likely('syntax_error')}"
    except Exception as err:  # noqa: BLE001 - the cell of one function stopped: the others go on
        notes[grade_id] = f"its code stopped with {type(err).__name__}: {err}.{likely('crashed')}"


def _ipython():
    """The running IPython shell (a notebook's kernel), or None: IPython is never imported here."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell if hasattr(shell, "set_custom_exc") else None


def _why_undefined(name) -> str:
    """Why `name` is not defined, as far as this process can tell, with its likely mistake."""
    stopped = _stopped_cell(_ipython(), name)
    if stopped:
        return f"the cell that defines it stopped with {stopped}: fix it and run it again.{likely('syntax_error')}"
    return f"run its answer cell first.{likely('not_defined')}"


def _explain_name_errors():
    """In IPython, a check cell whose function is not defined says so in one line, naming the
    likely cause (its answer cell not run, or stopped by a syntax error), instead of a NameError traceback."""
    shell = _ipython()
    if shell is None:
        return

    def handler(shell, etype, value, tb, tb_offset=None):    # IPython's custom handler: it shows, then returns
        name = getattr(value, "name", None)
        if name not in _CHECKED_NAMES:
            shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
            return []
        line = f"{name} is not defined: {_why_undefined(name)}"
        shell._showtraceback(etype, value, [f"\033[31m{line}\033[0m"])
        return [line]

    shell.set_custom_exc((NameError,), handler)


def _stopped_cell(shell, name):
    """Why the last cell run that defines `name` did not define it (a syntax error), or None."""
    if shell is None:
        return None
    for source in reversed(shell.user_ns.get("In", [])):
        if f"def {name}(" in source:
            try:
                compile(source, "cell", "exec")
            except SyntaxError as err:
                return f"SyntaxError at line {err.lineno}: {err.msg}"
            return None
    return None


_explain_name_errors()
