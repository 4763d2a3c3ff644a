"""The trusted side's handle on a submission: `student.relu_grad(z)` calls into the sandbox child.

Hidden suites use `student.<function>(...)` for a value, or `student.call(name, ...)` for a
`Call` that also says whether inputs were mutated or returned. Values come back decoded and
checked by `wire` (plain data only); anything else arrives as `wire.Opaque`. When the student's
code yields no value, the call raises `StudentFailure` with a diagnosis tag.

`LocalStudent` offers the same interface over trusted in-process functions (the reference
solution), for the project's own tests and the instructor's source notebook.
"""
from __future__ import annotations

import atexit
import contextlib
import multiprocessing.util
import os
import secrets
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..diagnosis import StudentFailure
from . import launcher, wire


@dataclass
class Call:
    """One call's outcome: the value, the input paths it changed, the outputs that alias inputs."""
    value: object
    mutated: list[str] = field(default_factory=list)
    aliased: list[str] = field(default_factory=list)
    after: dict = field(default_factory=dict)   # sandboxed: path -> a changed input array as the call left it
    callbacks: int = 0                          # sandboxed: calls the child made to the grader's functions


@dataclass
class Unit:
    """A piece of student code run in order: a notebook answer cell or a whole .py file."""
    name: str
    source: str
    defines: tuple[str, ...] = ()     # function names its source appears to define


@dataclass
class LoadReport:
    units: list[dict] = field(default_factory=list)   # per unit: name, status, type, message, lineno


class _Functions:
    """`student.name(...)` -> the value of `student.call(name, ...)`.

    `broken_parts`: the functions that lost points so far; a composite is lent the reference's
    version of those of its parts (error carried forward). `extra_lent`: parts lent besides them
    while a failed check of a composite is tried again with the reference parts (suite.py); such
    calls never stick and are not kept for `call_with_own_parts`."""

    _parts: dict
    broken_parts: set
    extra_lent: frozenset = frozenset()
    time_cap: float | None = None        # while lending: no call gets more seconds than this

    def unlent_parts(self, name) -> list[str]:
        """The parts of composite `name` that it runs as the student's own (they lost no points)."""
        return [p for p in self._parts.get(name, {}) if p not in self.broken_parts]

    @contextlib.contextmanager
    def lending(self, parts, time_cap=None):
        """Meanwhile, composites are lent `parts` too (and no call gets more than `time_cap` s)."""
        self.extra_lent, self.time_cap = frozenset(parts), time_cap
        try:
            yield
        finally:
            self.extra_lent, self.time_cap = frozenset(), None

    def _offered(self, name) -> dict:
        lent = self.broken_parts | self.extra_lent
        return {p: f for p, f in self._parts.get(name, {}).items() if p in lent}

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)

        def function(*args, **kwargs):
            return self.call(name, *args, **kwargs).value
        function.__name__ = name
        return function


_MISSING = object()

# A child started ahead for the next grading with the same sandbox config (a batch worker grades
# one submission after another): a fresh process that no submission has reached yet, taken by the
# next SandboxedStudent.prestart, so that it is ready when the last grading ends. Under bubblewrap
# it is forked from the worker's template of that config (launcher.start_template: NumPy is imported
# once per worker, not once per child); a config whose template fails is given started children.
_SPARES: dict[launcher.SandboxConfig, launcher.Child] = {}
_TEMPLATES: dict[launcher.SandboxConfig, launcher.Template | None] = {}
_RETIRED: list[launcher.Template] = []     # failed to fork: kept until exit, for the children it gave
_STOPPED_AT_EXIT = [0]     # the pid of the process whose exit stops its spares and templates


def start_spare(config: launcher.SandboxConfig) -> None:
    """Start the spare child of `config` unless one is waiting; a failure is left to the next grading."""
    if config in _SPARES:
        return
    try:
        _SPARES[config] = _fork(config, wait=False) or launcher.start(config)
    except Exception:  # noqa: BLE001 - the next grading starts its own child, and reports a failure
        return
    if _STOPPED_AT_EXIT[0] != os.getpid():   # once per process (a forked worker inherits no hooks)
        _STOPPED_AT_EXIT[0] = os.getpid()
        atexit.register(stop_spares)
        multiprocessing.util.Finalize(None, stop_spares, exitpriority=10)   # a pool worker skips atexit


def _take_spare(config: launcher.SandboxConfig) -> launcher.Child | None:
    """The spare child of `config`, if one is waiting and still running."""
    child = _SPARES.pop(config, None)
    if child is not None and not child.ready:
        template = child.process.template
        try:
            launcher.confirm_forked(child)
        except OSError:              # removed; a template still running that cannot give one is given up
            if template.alive():
                _retire(config, template)
            return None
    if child is not None and child.process.poll() is not None:
        child.kill()
        child.cleanup()
        return None
    return child


def _start(config: launcher.SandboxConfig) -> launcher.Child:
    """A fresh child: forked when this process has a template of `config` (a batch worker), else started."""
    return (_fork(config) if _TEMPLATES.get(config) else None) or launcher.start(config)


def _fork(config: launcher.SandboxConfig, wait: bool = True) -> launcher.Child | None:
    """A child forked from this process's template of `config` (started on first use), or None
    where there is none: no bubblewrap, or a template that failed once in this process.
    wait=False: its readiness is confirmed when it is taken (`_take_spare`)."""
    template = _TEMPLATES.get(config, False)
    if template is False or (template is not None and not template.alive()):
        if template:
            template.stop()
        try:
            template = _TEMPLATES[config] = launcher.start_template(config)
        except Exception:  # noqa: BLE001 - children are started instead
            template = _TEMPLATES[config] = None
    if template is None:
        return None
    try:
        return launcher.fork(template, wait=wait)
    except Exception:  # noqa: BLE001 - this config's children are started from now on
        _retire(config, template)
        return None


def _retire(config: launcher.SandboxConfig, template: launcher.Template) -> None:
    """Children of `config` are started from now on. The template is not stopped: a child it gave
    earlier may be grading now, and dies with it."""
    _RETIRED.append(template)
    if _TEMPLATES.get(config) is template:
        _TEMPLATES[config] = None


def stop_spares() -> None:
    """Stop every spare child and template, and remove their scratch folders (at the process's exit)."""
    while _SPARES:
        _, child = _SPARES.popitem()
        child.kill()
        child.cleanup()
    while _TEMPLATES:
        _, template = _TEMPLATES.popitem()
        if template is not None:
            template.stop()
    while _RETIRED:
        _RETIRED.pop().stop()


class LocalStudent(_Functions):
    """Trusted functions called in-process (a module or a dict of functions): the reference."""

    def __init__(self, functions, parts=None):
        self._functions = functions if isinstance(functions, dict) else vars(functions)
        self._parts = dict(parts or {})
        self.broken_parts: set[str] = set()
        self.composite_calls: dict[str, list] = {}
        self.load_report = LoadReport()

    def call(self, name, *args, **kwargs) -> Call:
        function = self._functions.get(name)
        if not callable(function):
            raise StudentFailure(f"`{name}` is not defined.", ("not_defined",))
        lent = self._offered(name)
        call = self._call(function, name, args, kwargs, lent)
        if lent and not self.extra_lent and len(self.composite_calls.setdefault(name, [])) < KEPT_CALLS:
            self.composite_calls[name].append((args, kwargs, call.value))
        return call

    def call_with_own_parts(self, name, args, kwargs) -> Call:
        function = self._functions.get(name)
        if not callable(function):
            raise StudentFailure(f"`{name}` is not defined.", ("not_defined",))
        return self._call(function, name, args, kwargs, {})

    @staticmethod
    def _call(function, name, args, kwargs, lent) -> Call:
        """Call `function`, its parts bound to `lent` in its globals meanwhile (trusted code only)."""
        inputs = input_leaves(args, kwargs)
        before = [(path, a.copy()) for path, a in inputs]
        namespace = getattr(function, "__globals__", {})
        saved = {part: namespace.get(part, _MISSING) for part in lent}
        namespace.update(lent)
        try:
            value = function(*args, **kwargs)
        except NotImplementedError:
            raise StudentFailure(f"`{name}` still raises NotImplementedError.", ("not_implemented",)) from None
        except Exception as err:  # noqa: BLE001 - reported like a sandboxed crash
            raise StudentFailure(f"`{name}` raised {type(err).__name__}: {err}", ("crashed",)) from None
        finally:
            for part, value_before in saved.items():
                if value_before is _MISSING:
                    namespace.pop(part, None)
                else:
                    namespace[part] = value_before
        mutated = [p for (p, a), (_, old) in zip(inputs, before) if not np.array_equal(a, old, equal_nan=True)]
        aliased = [f"{op} is {ip}" for op, out in wire.leaves(value, "result")
                   for ip, a in inputs if np.shares_memory(out, a)]
        return Call(value, mutated, aliased)

    def close(self):
        pass


input_leaves = wire.input_leaves     # (path, array) of a call's arguments, named as the child names them


THREAD_RULE = ("the grader runs each submission as one single thread, so threads and subprocesses "
               "cannot start there (the rule is in docs/sandbox.md). Compute it directly with NumPy.")


class SandboxUnavailable(RuntimeError):
    """The sandbox could not start: the grader's failure (grade.py turns it into GraderError)."""


class ProtocolError(ValueError):
    """A reply that is not what the grader asked for (wrong nonce, wrong shape): the child lied."""


def _text(value, limit=2000):
    return value[:limit] if isinstance(value, str) else None


def _sanitize_units(units) -> list[dict]:
    """The child's per-unit load report, reduced to the plain fields the grader shows."""
    clean = []
    for entry in units if isinstance(units, list) else []:
        if not isinstance(entry, dict):
            continue
        lineno = entry.get("lineno")
        clean.append({"name": _text(entry.get("name"), 200) or "?", "status": _text(entry.get("status"), 20) or "?",
                      "type": _text(entry.get("type"), 200), "message": _text(entry.get("message")),
                      "lineno": lineno if type(lineno) is int else None})
    return clean


def _strings(value) -> list[str]:
    return [v[:200] for v in value if isinstance(v, str)][:100] if isinstance(value, list) else []


LOAD_BUDGET = 3              # loading, with skipped slow units, gets this many load time limits
KEPT_CALLS = 3               # a composite's first scored calls kept for the own-parts note
MAX_CALLBACKS = 200_000      # calls back to the grader's functions during one call
MAX_NESTING = 8              # callback -> invoke -> callback ... depth
MAX_CREDIT = 3.0             # time credited for callbacks: at most 3 x the call's time limit
ROUND_TRIP_ALLOWANCE = 0.005 # seconds credited per callback for the round trip itself (a busy machine's)
MIN_PART_ENTRIES = 4096      # an array sent to a grader function may hold max(this, 4 x the largest input)
MIN_PART_INT = 4096          # an integer sent to one (train's steps) at most max(this, 4 x the largest given)


def _raise(name, failure):
    raise failure


class _Broken(BaseException):
    """The channel failed while answering a callback: unwinds through trusted code (which may catch
    Exception) to the call that owns the exchange."""

    def __init__(self, error):
        super().__init__(str(error))
        self.error = error


class StudentCodeError(RuntimeError):
    """The student's callable, invoked by a grader function, raised or returned something unusable."""


@dataclass
class _Exchange:
    """One call's conversation with the child: what the grader offered and what was asked of it."""
    child: object
    nonce: str
    deadline: float
    callables: dict                  # token -> the grader's function offered in this call
    entry_cap: int
    limit: float                     # the call's time limit
    int_cap: int = 0                 # the largest integer a callback may pass (train's steps)
    count: int = 0
    refused: list = field(default_factory=list)
    credited: float = 0.0
    budget_ends: float | None = None  # the submission's whole budget: no credit reaches past it

    def credit(self, seconds: float) -> None:
        """The time a lent part costs (the grader's own work and the round trip) is not charged to
        the student's time limit, up to MAX_CREDIT times the limit and never past the submission's
        budget: a correct composite that calls a lent part thousands of times (2000 training
        steps) keeps its points on a busy machine."""
        seconds = min(seconds, self.max_credit - self.credited)
        if seconds > 0:
            self.credited += seconds
            self.deadline += seconds
            if self.budget_ends is not None:
                self.deadline = min(self.deadline, self.budget_ends)

    @property
    def max_credit(self) -> float:
        return MAX_CREDIT * self.limit


def _unchanged(before: np.ndarray, now) -> bool:
    """Whether an input array came back as it was sent (NaN equal to NaN): the same bytes settle it
    at once, and array_equal the rest (e.g. -0.0 written over 0.0 is no change)."""
    if type(now) is not np.ndarray or now.shape != before.shape or now.dtype != before.dtype:
        return False
    return now.tobytes() == before.tobytes() or bool(np.array_equal(now, before, equal_nan=True))


def _oversized(inputs, cap) -> str | None:
    """Why a callback's arrays are too large for the trusted side (before any arithmetic), or None."""
    total = 0
    for path, array in inputs:
        total += array.size
        if array.size > cap or total > 4 * cap:
            return (f"the arguments are too large for the grader ({path} has shape {array.shape}); "
                    "the reference parts take arrays of the sizes the grader passed in")
    return None


def _integers(value, depth=0):
    """The integers (not bools) in plain data: Python ints, NumPy integer scalars and the largest
    entry of an integer array (np.array(10**9) is a number of steps too), in lists, tuples and
    dicts (values), at most 32 levels deep."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        yield int(value)
    elif isinstance(value, np.ndarray) and value.dtype.kind in "iu" and value.size:
        yield max(abs(int(value.max())), abs(int(value.min())))
    elif depth < 32 and isinstance(value, (list, tuple)):
        for item in value:
            yield from _integers(item, depth + 1)
    elif depth < 32 and isinstance(value, dict):
        for item in value.values():
            yield from _integers(item, depth + 1)


def _largest_int(value) -> int:
    return max((abs(i) for i in _integers(value)), default=0)


def _too_large_int(value, cap) -> str | None:
    """Why a callback's integer arguments would make a grader function work too long (a
    training run of 10**9 steps on the trusted side), or None."""
    largest = _largest_int(value)
    if largest > cap:
        return (f"the arguments are too large for the grader (an integer of {largest}); the reference "
                f"parts take numbers of the sizes the grader passed in (at most {cap})")
    return None


class _ChildFunction:
    """A callable the child sent along with a callback (e.g. the loss given to numerical_gradient):
    calling it runs the student's function in the child and waits for its value."""

    def __init__(self, student, exchange, key, depth):
        self.student, self.exchange, self.key, self.depth = student, exchange, key, depth
        self.inputs: list = []

    def __call__(self, *args):
        exchange = self.exchange
        if self.depth > MAX_NESTING:
            raise StudentCodeError("calls between the grader and your code are nested too deeply")
        try:
            payload = wire.encode({"op": "invoke", "id": self.key, "args": list(args),
                                   "inputs_now": [a for _, a in self.inputs], "nonce": exchange.nonce})
            wire.write_frame(exchange.child.to_child, payload, exchange.deadline)
        except (TimeoutError, OSError) as err:
            raise _Broken(err) from None
        reply = self.student._await(exchange, self.depth)
        if reply.get("op") == "invoke_result":
            value = reply.get("value")
            problem = _oversized(input_leaves([value], {}), exchange.entry_cap)
            if problem:
                raise StudentCodeError(f"your function returned a value {problem[len('the arguments '):]}")
            return value
        if reply.get("op") == "invoke_raised":
            raise StudentCodeError(f"your function raised {_text(reply.get('type'), 200)}: "
                                   f"{_text(reply.get('message'))}")
        raise _Broken(ProtocolError("an unexpected reply to an invocation"))


class SandboxedStudent(_Functions):
    """A submission's functions, running in a sandbox child that is restarted after a kill.

    units: the student's code in order; time_limits: function -> seconds per call;
    blocked: function -> (tag, message) for functions refused before any call (e.g. forbidden imports);
    files: name -> bytes copied into the child's scratch folder (the submission itself);
    inert: display-only modules (matplotlib) that import as inert stand-ins;
    parts: composite -> {part: reference function} that may be lent to it during its calls (error
    carried forward: a composite is scored on its own logic; see docs/scoring.md). Only the parts
    in `broken_parts` (those that lost points of their own, graded first) are lent; correct parts
    stay the student's own, so a correct submission makes no callbacks at all.

    Every read and write on the channel has a deadline, every reply must carry the nonce of the
    request it answers and is checked field by field, and whether an input was mutated is
    judged here from the arrays the child sends back: the child can only ever misreport its own
    student's values.
    """

    def __init__(self, units, *, time_limits, default_time_limit, load_time_limit,
                 config: launcher.SandboxConfig, forbidden=(), blocked=None, files=None, parts=None,
                 inert=(), total_time_limit=None):
        self._files = dict(files or {})
        # The whole submission's wall-clock budget: once spent, calls fail at once (`timeout`).
        self._total_time_limit = total_time_limit
        self._budget_ends = None if total_time_limit is None else time.monotonic() + total_time_limit
        self._inert = list(inert)
        self._parts = dict(parts or {})        # composite -> {part name: trusted reference function}
        self.broken_parts: set[str] = set()    # functions that lost points so far: only these are lent
        self.composite_calls: dict[str, list] = {}   # composite -> [(args, kwargs, value)] scored
        self._units = list(units)
        self._time_limits = dict(time_limits)
        self._default_time_limit = default_time_limit
        self._load_time_limit = load_time_limit
        self._config = config
        self._forbidden = list(forbidden)
        self._blocked = dict(blocked or {})
        self._sticky: dict[str, StudentFailure] = {}
        self._load_failure: StudentFailure | None = None
        self._child: launcher.Child | None = None
        self._outputs: list[str] = []
        self.load_report = LoadReport()
        self.restarts = 0
        self.grader_error: str | None = None     # set when the sandbox itself failed: no grade stands
        self._skipped: set[int] = set()        # units (by index) skipped for taking too long to load
        self._loaded_once = False
        self._prestarted: launcher.Child | None = None   # started ahead (prestart), not yet loaded

    # -- lifecycle -----------------------------------------------------------------
    @property
    def config(self) -> launcher.SandboxConfig:
        return self._config

    def prestart(self) -> None:
        """Take the spare child of this sandbox's config (`start_spare`), or start one now, so that its
        interpreter starts while the grader sets up its tests; it gets the submission (its units and
        files) only when first called (`_ensure_child`). A failure here is left to that first call,
        which reports it."""
        if self._prestarted is None and self._child is None:
            try:
                self._prestarted = _take_spare(self._config) or _start(self._config)
            except Exception:  # noqa: BLE001 - started again, and reported, by _ensure_child
                self._prestarted = None

    def _ensure_child(self) -> launcher.Child:
        """The running child with the submission loaded. A unit (cell) that does not finish loading
        within the load time limit is skipped, and the others loaded again without it: a slow cell
        costs only what it defines. Loading as a whole gets LOAD_BUDGET times that limit."""
        if self._child is not None:
            return self._child
        if self._load_failure is not None:     # loading is deterministic: never pay its limit twice
            raise self._load_failure
        self._check_budget()
        budget_end = self._within_budget(time.monotonic() + LOAD_BUDGET * self._load_time_limit)
        while True:
            kept = [i for i in range(len(self._units)) if i not in self._skipped]
            try:
                child, self._prestarted = self._prestarted or _start(self._config), None
            except Exception as err:  # noqa: BLE001 - the grader's failure, never the student's zero
                self.grader_error = f"the sandbox could not start ({type(err).__name__}: {err})"
                raise SandboxUnavailable(self.grader_error) from None
            self._child = child
            nonce = secrets.token_hex(16)
            running = None
            try:
                deadline = min(time.monotonic() + self._load_time_limit, budget_end)
                wire.write_frame(child.to_child, wire.encode(
                    {"op": "load", "units": [{"name": self._units[i].name, "source": self._units[i].source}
                                             for i in kept],
                     "forbidden": self._forbidden, "inert": self._inert, "nonce": nonce,
                     "files": [{"name": Path(name).name, "data": np.frombuffer(data, dtype=np.uint8)}
                               for name, data in self._files.items()]}), deadline)
                while True:
                    reply = self._receive(child, deadline, nonce)
                    index = reply.get("index")
                    if reply.get("op") != "loading":
                        break
                    if type(index) is not int or not 0 <= index < len(kept):
                        raise ProtocolError("a progress report for a unit that was not sent")
                    running = kept[index]
                    deadline = min(time.monotonic() + self._load_time_limit, budget_end)
                if reply.get("op") != "loaded":
                    raise ProtocolError(f"expected 'loaded', got {str(reply.get('op'))[:40]!r}")
            except TimeoutError:
                self._stop_child()
                if running is not None and time.monotonic() < budget_end:
                    self._skipped.add(running)
                    continue
                self._load_failure = StudentFailure(
                    f"Loading your code took longer than {self._load_time_limit:g} s "
                    "(is there a long loop or training run at the top level of a cell?).", ("timeout",))
                raise self._load_failure from None
            except (EOFError, OSError, wire.WireError, ProtocolError) as err:
                status = self._stop_child(ended=isinstance(err, (EOFError, OSError)))
                what = f"sent a malformed reply: {err}" if isinstance(err, (wire.WireError, ProtocolError)) else status
                self._load_failure = StudentFailure(f"Your code stopped the Python process while loading ({what}).",
                                                    ("crashed",))
                raise self._load_failure from None
            break
        if not self._loaded_once:
            self._loaded_once = True
            loaded = iter(_sanitize_units(reply.get("units")))
            units = [{"name": self._units[i].name[:200], "status": "timeout", "type": None, "lineno": None,
                      "message": f"did not finish within {self._load_time_limit:g} s and was skipped"}
                     if i in self._skipped else next(loaded, {"name": "?", "status": "?"})
                     for i in range(len(self._units))]
            self.load_report = LoadReport(units=units)
        return child

    def _within_budget(self, deadline: float) -> float:
        return deadline if self._budget_ends is None else min(deadline, self._budget_ends)

    def _budget_spent(self) -> bool:
        return self._budget_ends is not None and time.monotonic() >= self._budget_ends

    def _budget_failure(self) -> StudentFailure:
        return StudentFailure(
            f"Grading stopped here: your submission used up its total time budget of "
            f"{self._total_time_limit:g} s, so this function was not reached (or not finished). "
            "Make the slow functions faster.", ("timeout",))

    def _check_budget(self) -> None:
        if self._budget_spent():
            raise self._budget_failure()

    @staticmethod
    def _receive(child, deadline, nonce, make_callable=None) -> dict:
        """One reply, decoded and checked: a dict carrying this request's nonce."""
        reply = wire.decode(wire.read_frame(child.from_child, deadline), make_callable)
        if not isinstance(reply, dict) or not isinstance(reply.get("op"), str):
            raise ProtocolError("a reply that is not a message")
        if reply.get("nonce") != nonce:
            raise ProtocolError("a reply to a request the grader did not send (wrong nonce)")
        return reply

    def _stop_child(self, ended: bool = False) -> str:
        """Kill the child, keep its output, and describe how it ended. ended: the channel closed,
        so the child is exiting by itself; give it a moment, to report its own exit status."""
        child, self._child = self._child, None
        if child is None:
            return "stopped"
        if ended:
            try:
                child.process.wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
        child.kill()
        self._outputs.append(child.output())
        child.cleanup()
        self.restarts += 1
        if isinstance(child.process, launcher.Kept) and child.process.orphaned():   # not the student's doing
            self.grader_error = "the sandbox template this child was forked from ended while it ran"
        code = child.process.returncode
        if code is None:
            return "stopped"
        if code > 128 and launcher.use_bwrap(self._config):
            code = 128 - code              # bubblewrap reports a child killed by signal N as 128 + N
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit code {code}"

    def close(self) -> None:
        prestarted, self._prestarted = self._prestarted, None
        if prestarted is not None:
            prestarted.kill()
            prestarted.cleanup()
        if self._child is not None:
            try:
                wire.write_frame(self._child.to_child, wire.encode({"op": "exit"}), time.monotonic() + 1)
            except (OSError, TimeoutError):
                pass
            self._stop_child()

    def output(self) -> str:
        """Everything the student's code printed, across restarts."""
        if self._child is not None:
            return "".join(self._outputs) + self._child.output()
        return "".join(self._outputs)

    # -- calls ------------------------------------------------------------------------
    def call(self, name, *args, **kwargs) -> Call:
        """The scored call: a composite runs with the reference parts it may call (error carried
        forward); the first few such calls are kept for `call_with_own_parts`."""
        if name in self._blocked:
            tag, message = self._blocked[name]
            raise StudentFailure(message, (tag,))
        if name in self._sticky:
            raise self._sticky[name]
        offered = self._offered(name)
        outcome = self._call(name, args, kwargs, offered, stick=not self.extra_lent)
        # kept only when a lent part was called: a case that never reaches the parts (no training
        # step, an empty list) cannot show what the student's own parts would change
        if offered and not self.extra_lent and outcome.callbacks and \
                len(self.composite_calls.setdefault(name, [])) < KEPT_CALLS:
            self.composite_calls[name].append((args, kwargs, outcome.value))
        return outcome

    def call_with_own_parts(self, name, args, kwargs) -> Call:
        """The student's composite with the student's own parts (for a note, never for a score)."""
        if name in self._blocked or name in self._sticky:
            raise self._sticky.get(name) or StudentFailure(self._blocked[name][1], (self._blocked[name][0],))
        return self._call(name, args, kwargs, {}, stick=False)

    def _call(self, name, args, kwargs, offered, *, stick) -> Call:
        limit = self._time_limits.get(name, self._default_time_limit)
        if self.time_cap is not None:
            limit = max(0.001, min(limit, self.time_cap))
        self._check_budget()
        fail = self._stick if stick else _raise
        child = self._ensure_child()
        callables: dict = {}
        nonce = secrets.token_hex(16)
        request = wire.encode({"op": "call", "name": name, "args": list(args), "kwargs": kwargs,
                               "parts": dict(offered), "nonce": nonce}, callables)
        sent = input_leaves(args, kwargs)
        largest = max((a.size for _, a in sent), default=0)
        exchange = _Exchange(child, nonce, self._within_budget(time.monotonic() + limit), callables,
                             entry_cap=max(MIN_PART_ENTRIES, 4 * largest), limit=limit,
                             int_cap=max(MIN_PART_INT, 4 * _largest_int((args, kwargs))) if offered else 0,
                             budget_ends=self._budget_ends)
        try:
            try:
                wire.write_frame(child.to_child, request, exchange.deadline)
                reply = self._await(exchange, 0)
            except _Broken as broken:
                raise broken.error from None
            if exchange.refused:
                raise StudentFailure(
                    f"`{name}` called a reference function outside the call that offered it "
                    f"({exchange.refused[0]}). The grader lends a composite the reference parts only while "
                    "that composite runs; nothing it returned was used.", ("reference_part_misused",))
            outcome = self._interpret(name, reply, sent)
            outcome.callbacks = exchange.count
        except TimeoutError:
            status = self._stop_child()
            if self._budget_spent():
                raise self._budget_failure() from None
            return fail(name, StudentFailure(
                f"`{name}` did not return within its time limit of {limit:g} s ({status}).", ("timeout",)))
        except (EOFError, OSError):
            status = self._stop_child(ended=True)
            tag = "timeout" if "SIGXCPU" in status else "memory_limit" if "SIGKILL" in status and \
                self._out_of_memory() else "crashed"
            return fail(name, StudentFailure(
                f"Calling `{name}` ended the Python process running your code ({status}).", (tag,)))
        except (wire.WireError, ProtocolError) as err:
            self._stop_child()
            return fail(name, StudentFailure(
                f"Calling `{name}`: the process running your code sent the grader a malformed reply "
                f"({err}); nothing it sent was used.", ("crashed",)))
        return outcome

    def _await(self, exchange, depth) -> dict:
        """The next reply that is not a callback, answering callbacks (and, within them, the
        grader's invocations of the child's callables) meanwhile."""
        while True:
            made: list[_ChildFunction] = []

            def child_function(key, made=made):
                made.append(_ChildFunction(self, exchange, key, depth + 1))
                return made[-1]
            try:
                reply = self._receive(exchange.child, exchange.deadline, exchange.nonce, child_function)
            except (TimeoutError, EOFError, OSError, wire.WireError, ProtocolError) as err:
                raise _Broken(err) from None
            if reply.get("op") != "callback":
                if made:
                    raise _Broken(ProtocolError("a callable sent outside a callback"))
                return reply
            self._answer_callback(exchange, reply, made)

    def _answer_callback(self, exchange, reply, made):
        key, args, kwargs = reply.get("id"), reply.get("args"), reply.get("kwargs", {})
        function = exchange.callables.get(key) if type(key) is str else None
        inputs = input_leaves(args, kwargs) if isinstance(args, list) and isinstance(kwargs, dict) else []
        for f in made:
            f.inputs = inputs
        exchange.count += 1
        if function is None:
            exchange.refused.append("a function the grader did not offer in this call")
            message = "refused: the grader offers its functions only during the call that passed them"
        elif not isinstance(args, list) or not isinstance(kwargs, dict):
            message = "malformed arguments"
        elif exchange.count > MAX_CALLBACKS:
            message = f"more than {MAX_CALLBACKS} calls to the grader's functions in one call"
        else:
            message = _oversized(inputs, exchange.entry_cap) or _too_large_int((args, kwargs), exchange.int_cap)
        if message is None:
            started = time.monotonic()
            try:
                with np.errstate(all="ignore"):
                    value = function(*args, **kwargs)
                answer = {"op": "callback_result", "value": value, "inputs_after": [a for _, a in inputs]}
            except _Broken:
                raise
            except Exception as err:  # noqa: BLE001 - e.g. the student passed a wrong-shaped array
                message = f"{type(err).__name__}: {err}"
            exchange.credit(time.monotonic() - started + ROUND_TRIP_ALLOWANCE)
        if message is not None:
            answer = {"op": "callback_error", "message": message[:2000]}
        try:
            payload = wire.encode({**answer, "nonce": exchange.nonce})
        except wire.WireError as err:
            payload = wire.encode({"op": "callback_error", "message": f"the result could not be sent: {err}",
                                   "nonce": exchange.nonce})
        try:
            wire.write_frame(exchange.child.to_child, payload, exchange.deadline)
        except (TimeoutError, OSError) as err:
            raise _Broken(err) from None

    def _out_of_memory(self) -> bool:
        return "MemoryError" in (self._outputs[-1] if self._outputs else "")

    def _stick(self, name, failure: StudentFailure):
        self._sticky[name] = failure
        raise failure

    def _interpret(self, name, reply, sent) -> Call:
        op = reply.get("op")
        forbidden = _strings(reply.get("forbidden"))
        if op == "result":
            if forbidden:
                raise StudentFailure(
                    f"`{name}` tried to import {', '.join(forbidden)}, which this assignment "
                    "forbids: write it with NumPy.", ("forbidden_import",))
            after = reply.get("inputs_after")
            if not isinstance(after, list) or len(after) != len(sent):
                raise ProtocolError("the inputs were not sent back")
            mutated = [path for (path, before), now in zip(sent, after) if not _unchanged(before, now)]
            changed = {path: now for (path, _), now in zip(sent, after) if path in mutated and type(now) is np.ndarray}
            return Call(reply.get("value"), mutated, _strings(reply.get("aliased")), changed)
        if op == "missing":
            raise self._not_defined(name, _text(reply.get("why"), 200))
        if op == "raised":
            kind, message = _text(reply.get("type"), 200), _text(reply.get("message"))
            where = _text(reply.get("where"), 200)
            at = f" ({where})" if where else ""
            if kind == "NotImplementedError":
                raise StudentFailure(f"`{name}` still raises NotImplementedError: replace the stub "
                                     "with your implementation.", ("not_implemented",))
            if kind == "MemoryError":
                raise StudentFailure(f"`{name}` ran out of memory{at}.", ("memory_limit",))
            if forbidden:
                raise StudentFailure(
                    f"`{name}` tried to import {', '.join(forbidden)}, which this assignment "
                    "forbids: write it with NumPy.", ("forbidden_import",))
            if kind == "RuntimeError" and "can't start new thread" in (message or ""):
                raise StudentFailure(f"`{name}` tried to start a thread{at}: {THREAD_RULE}", ("crashed",))
            raise StudentFailure(f"`{name}` raised {kind}: {message}{at}", ("crashed",))
        raise StudentFailure(f"`{name}`: unexpected reply from the sandbox.", ("crashed",))

    def _not_defined(self, name, why) -> StudentFailure:
        for unit, entry in zip(self._units, self.load_report.units):
            if name in unit.defines and entry.get("status") == "timeout":
                return StudentFailure(
                    f"`{name}` is not defined because {unit.name} {entry.get('message')} (is there a long "
                    "loop or training run at the top level of that cell?).", ("timeout",))
            if name in unit.defines and entry.get("status") == "syntax_error":
                return StudentFailure(
                    f"`{name}` is not defined because {unit.name} has a syntax error "
                    f"({'line ' + str(entry.get('lineno')) + ': ' if entry.get('lineno') is not None else ''}"
                    f"{entry.get('message')}).", ("syntax_error",))
            if name in unit.defines and entry.get("status") == "error" and \
                    "may not be used in this assignment" in str(entry.get("message")):
                return StudentFailure(
                    f"`{name}` is not defined because {unit.name} imports from a library this assignment "
                    f"forbids ({entry.get('message')}).", ("forbidden_import",))
            if name in unit.defines and entry.get("status") == "error":
                return StudentFailure(
                    f"`{name}` is not defined because {unit.name} stopped with "
                    f"{entry.get('type')}: {entry.get('message')}.", ("crashed",))
        if why and why != "not_defined":
            return StudentFailure(f"`{name}` {why}.", ("not_defined",))
        return StudentFailure(f"`{name}` is not defined: check its spelling and that its cell runs.",
                              ("not_defined",))
