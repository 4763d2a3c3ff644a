"""Running an assignment's hidden pytest suite against one student, in the trusted process.

The suite's `student` fixture is supplied by `GradingPlugin`; each test carries
`@graded(function, weight=...)`. The plugin records one `TestOutcome` per test, with the
student-facing message and diagnosis tags of the failure that ended it.

With a case seed (autograder/cases.py), each hypothesis test draws its cases from its own seed
derived from it instead of hypothesis's derandomized ones, and failure messages of randomized
tests leave out the expected values (docs/cases.md).
"""
from __future__ import annotations

import contextlib
import importlib
import io
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis.internal.detection import is_hypothesis_test

from . import case_pool, parts
from .cases import per_test_seed
from .course import Assignment
from .diagnosis import GENERIC, Failure
from .testing.compare import EXACT_OVERRIDE, SHOW_EXPECTED
from .testing.graded import AuthoringError, Graded, spec_of

# pytest's own plugins a grading run does not use; unraisableexception alone costs 0.25 s a run (its
# gc.collect() calls at the end of a session), a warning never changes a grade (`-W ignore`), and the
# terminal's report would keep every test's report of every submission of a long-lived worker.
UNUSED_PLUGINS = ("terminal", "unraisableexception", "threadexception", "faulthandler", "logging", "pastebin",
                  "junitxml", "doctest", "setuponly", "setupplan", "stepwise", "debugging", "subtests")
FORM_TAGS = frozenset({"shape", "not_array", "dtype", "crashed"})   # failures a part's form can cause
PROBE_SECONDS = 2.0           # at least this long to find which part failed a composite (_culprits)
STUDENT = pytest.StashKey()   # config.stash[STUDENT]: the student under grading
SOLUTION = pytest.StashKey()  # config.stash[SOLUTION]: the importable module of the reference solution


@dataclass
class TestOutcome:
    test: str                 # the test's name
    function: str             # the graded function it checks
    weight: float
    passed: bool
    message: str = ""
    tags: tuple[str, ...] = ()
    core: bool = False        # `@graded(..., core=True)`: failing it zeroes the function (results.py)


class SuiteError(RuntimeError):
    """The hidden suite itself is broken (does not collect, names an unknown function, ...)."""


def _failure_in(exc: BaseException) -> Failure | None:
    """The `Failure` that ended a test, looking inside exception groups (hypothesis) and causes."""
    seen = set()
    stack = [exc]
    while stack:
        e = stack.pop(0)
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, Failure):
            return e
        stack.extend(getattr(e, "exceptions", ()) or ())
        stack.extend([e.__cause__, e.__context__])
    return None


class GradingPlugin:
    """Supplies `student` to the suite and records outcomes per graded function."""

    def __init__(self, functions, order=None, solution=None):
        self.functions = list(functions)
        self.order = dict(order or {})    # function -> depth: parts are graded before composites
        self.solution: str | None = solution   # the reference's module, for the suite's `reference` fixture
        self.specs: dict[str, Graded] = {}   # test node id -> its checked @graded options
        self.errors: list[str] = []          # what is wrong with the suite (collection) or a run
        self.config = None
        self.start(None)

    def start(self, student, only=None, seed=None, replay=None, record=None, tolerances=None):
        """What one run (one submission) is graded with; its outcomes start empty."""
        self.student = student
        self.replay = replay      # test key -> recorded examples: run instead of hypothesis (case_pool.py)
        self.record = record      # a dict to fill with each randomized test's examples (case_pool.py)
        self.seed = seed          # the submission's case seed; None: hypothesis's derandomized cases
        self.only = None if only is None else ({only} if isinstance(only, str) else set(only))
        self.tolerances: dict = dict(tolerances or {})
        self.outcomes: list[TestOutcome] = []
        self.carried: dict[str, tuple] = {}      # test node id -> the failure with the student's own parts
        self.to_fix: dict[str, list] = {}        # composite -> the student's parts that failed it (named)
        if self.config is not None:
            self.config.stash[STUDENT] = student

    def pytest_configure(self, config):
        self.config = config
        config.stash[STUDENT] = self.student
        if self.solution is not None:
            config.stash[SOLUTION] = self.solution

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, config, items):
        keep, names = [], set()
        for item in items:
            if item.name in names:     # a test's name keys its cases (seed_key): one name, one test
                self.errors.append(f"{item.nodeid}: another hidden test of this assignment has the name {item.name!r}")
            names.add(item.name)
            try:
                spec = spec_of(item)
            except AuthoringError as err:
                self.errors.append(f"{item.nodeid}: {err}")
                continue
            if spec is None:
                self.errors.append(f"{item.nodeid} has no @graded(function) mark")
            elif spec.function not in self.functions:
                self.errors.append(f"{item.nodeid} grades {spec.function!r}, which course.toml does not list")
            else:
                self.specs[item.nodeid] = spec
                keep.append(item)
        if len(keep) != len(items):
            config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        keep.sort(key=lambda item: self.order.get(self.specs[item.nodeid].function, 0))
        items[:] = keep

    def pytest_collectreport(self, report):
        if report.failed:
            self.errors.append(f"collecting {report.nodeid} failed:\n{report.longreprtext}")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item):
        """Around each test: course.toml's `tolerance` of the graded function becomes its checks' "exact"
        tolerance; a hypothesis test draws from its own seed (given a case seed); expected values
        are shown only on fixed cases, unless `@graded(..., answer_shown=False)`."""
        spec = self.specs[item.nodeid]
        token = EXACT_OVERRIDE.set(self.tolerances.get(spec.function))
        randomized = is_hypothesis_test(item.obj)
        shown = SHOW_EXPECTED.set(not randomized and spec.answer_shown)
        seeded = randomized and self.seed is not None
        if seeded:   # the test function object outlives this run (pytest caches modules): put it back after
            before = item.obj._hypothesis_internal_use_seed
            item.obj._hypothesis_internal_use_seed = per_test_seed(self.seed, seed_key(item))
        recording = randomized and self.record is not None
        if recording:
            inner = item.obj.hypothesis.inner_test
            item.obj.hypothesis.inner_test = case_pool.recorder(
                inner, frozenset(item._fixtureinfo.argnames), self.record.setdefault(seed_key(item), []))
        try:
            return (yield)
        except Exception as failure:
            if not self._passes_with_reference_parts(item, spec.function, failure):
                raise
            self.carried[item.nodeid] = _failure_text(failure)
            return None
        finally:
            EXACT_OVERRIDE.reset(token)
            SHOW_EXPECTED.reset(shown)
            if seeded:
                item.obj._hypothesis_internal_use_seed = before
            if recording:
                item.obj.hypothesis.inner_test = inner

    @pytest.hookimpl(tryfirst=True)
    def pytest_pyfunc_call(self, pyfuncitem):
        """A randomized test with recorded examples runs its body on them, not hypothesis's engine."""
        if self.replay is None or not is_hypothesis_test(pyfuncitem.obj):
            return None
        examples = self.replay.get(seed_key(pyfuncitem))
        if examples is None:
            self.errors.append(f"{pyfuncitem.nodeid} has no recorded cases: the case pool is out of date")
            return None
        fixtures = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
        case_pool.replay(pyfuncitem.obj.hypothesis.inner_test, fixtures, examples)
        return True

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        if report.when == "setup" and report.failed and call.excinfo.errisinstance(pytest.FixtureLookupError):
            self.errors.append(f"{item.nodeid} asks for a fixture that does not exist: {call.excinfo.value.argname!r}")
        elif report.when == "setup" and report.failed or report.when == "call":
            self._record(self.specs[item.nodeid], item.name, report, call)
        return report

    def _passes_with_reference_parts(self, item, function, failure) -> bool:
        """Error carried forward for parts that kept their points: a composite's check that failed
        on the form of a result (a shape, a type, a dtype, a crash: what a part's legal one-element
        array does to a composite that builds a vector of them) is run again with all its parts lent
        by the reference; True when it passes then, so that the composite's own logic is right. The
        part is named in a note; the composite loses nothing. A failure of values is not run again:
        a part whose values are wrong only as the composite uses it (state kept between calls) is a
        mistake, and the composite's check carries it, as before."""
        unlent = getattr(self.student, "unlent_parts", None)
        own = unlent(function) if unlent is not None else []
        if not own or not _of_form(failure):
            return False
        started = time.monotonic()
        if not self._passes_lent(item, own):
            return False
        if function not in self.to_fix:
            allowance = max(PROBE_SECONDS, 2 * (time.monotonic() - started))
            self.to_fix[function] = self._culprits(item, own, time.monotonic() + allowance)
        return True

    def _passes_lent(self, item, lent, time_cap=None) -> bool:
        """Whether `item` passes while its composite is lent the reference's `lent` too (each call
        limited to `time_cap` seconds, if given)."""
        try:
            with self.student.lending(lent, time_cap):
                item.runtest()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:   # noqa: BLE001 - pytest.fail too: it fails with them lent
            return False
        return True

    def _culprits(self, item, own, deadline) -> list[str]:
        """The part to name: the first of `own` (parts before the composites that call them) whose
        reference alone makes `item` pass, tried until `deadline`; when none does alone (or time
        runs out), the composite's direct parts among them. Run only for the first such check of a
        composite, so a student whose parts are right never pays for it."""
        if len(own) > 1:
            for part in own:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                if self._passes_lent(item, [part], time_cap=left):
                    return [part]
        function = self.specs[item.nodeid].function
        direct = parts.callees(getattr(importlib.import_module(self.solution), function), own) \
            if self.solution is not None else []
        return direct or list(own)

    def _record(self, spec: Graded, name: str, report, call) -> None:
        """One TestOutcome for a test that ran (or whose setup failed), with the failure's message and tags."""
        if report.passed:
            carried = self.carried.get(report.nodeid)
            note = "" if carried is None else carried_note(
                spec.function, self.to_fix[spec.function], carried)
            self.outcomes.append(TestOutcome(name, spec.function, spec.weight, True, note,
                                             ("calls_wrong_part",) if note else (), core=spec.core))
            return
        message, tags = _failure_text(call.excinfo.value if call.excinfo else None)
        self.outcomes.append(TestOutcome(name, spec.function, spec.weight, False, message, tuple(tags), spec.core))
        broken = getattr(self.student, "broken_parts", None)
        if broken is not None:      # error carried forward: lend this function's reference to composites
            broken.add(spec.function)


def _of_form(error: BaseException) -> bool:
    """Whether a test failed on the form of a result (its shape, type or dtype, or a crash) rather
    than on its values: what a part's legal but unusual result can do to a composite."""
    failure = _failure_in(error)
    if failure is None:        # the grader could not check the result: an unexpected type
        return not isinstance(error, AssertionError)
    return bool(FORM_TAGS & set(failure.tags))


def _failure_text(error: BaseException | None) -> tuple[str, tuple[str, ...]]:
    """The student-facing message and tags of the exception that ended a test."""
    failure = _failure_in(error) if error is not None else None
    if failure is not None:
        return failure.message, tuple(failure.tags)
    if isinstance(error, AssertionError):
        return str(error) or "a check failed", (GENERIC,)
    return (f"The grader could not check this result ({type(error).__name__}: {error}); "
            "it is probably of an unexpected type or shape.", (GENERIC,))


def carried_note(function: str, parts: list[str], failure: tuple[str, tuple[str, ...]]) -> str:
    """What a student reads when `function` failed a check with their own `parts` (which lost no
    points) and passed it with the reference's."""
    names = " and ".join(f"`{p}`" for p in parts) if len(parts) <= 2 else \
        ", ".join(f"`{p}`" for p in parts[:-1]) + f" and `{parts[-1]}`"
    one = len(parts) == 1
    message = failure[0] if len(failure[0]) <= 600 else failure[0][:600] + " [...]"
    return (f"Note: with your own {names}, your `{function}` fails one of its checks:\n{message}\n"
            f"With the reference's {names} in {'its' if one else 'their'} place it passes, so `{function}` "
            f"itself loses nothing for this. Your {names} {'passes its' if one else 'pass their'} own checks "
            f"but not as `{function}` uses {'it' if one else 'them'} (a result of another shape or type, an "
            f"input {'it does' if one else 'they do'} not handle): fix {'it' if one else 'them'} first.")


def seed_key(item) -> str:
    """What a hidden test's seed is derived from: its assignment and its name, not its file, so that
    moving a test to another file of the suite does not change its cases."""
    return f"{item.path.parent.name}::{item.name}"


def run_suite(assignment: Assignment, student, only=None, seed: int | None = None,
              replay: dict | None = None, record: dict | None = None) -> list[TestOutcome]:
    """Run the hidden suite of `assignment` with `student` -> one outcome per test, in file order.
    only: run just the tests of this graded function (a name) or of these functions (a collection).
    seed: the submission's case seed (autograder/cases.py); None keeps the derandomized cases.
    replay: recorded examples to run randomized tests on (case_pool.examples), instead of drawing;
    record: a dict filled with the examples each randomized test is given (case_pool.py).
    The suite is collected once per process (`CollectedSuite`) and run again for each submission."""
    suite = assignment.suite_dir
    if not suite.is_dir():
        raise SuiteError(f"no hidden suite for {assignment.name!r} at {suite}")
    collected = _collected(assignment)
    plugin = collected.plugin
    plugin.start(student, only, seed=seed, replay=replay, record=record,
                 tolerances={f.name: f.tolerance for f in assignment.functions})
    plugin_only = plugin.only
    items = [item for item in collected.items
             if plugin_only is None or plugin.specs[item.nodeid].function in plugin_only]
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            for item, nextitem in zip(items, [*items[1:], None]):
                item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
    except BaseException as err:
        _discard(collected)          # fixtures may be left set up: the next run collects afresh
        if not isinstance(err, Exception):
            raise
        raise SuiteError(f"the hidden suite did not run ({type(err).__name__}: {err}):\n"
                         f"{sink.getvalue()[-2000:]}") from None
    finally:
        outcomes, errors = plugin.outcomes, plugin.errors
        plugin.errors = []
        plugin.start(None)           # nothing of this submission stays with the suite
    if errors:
        raise SuiteError("the hidden suite is broken: " + "; ".join(errors))
    if not outcomes:
        raise SuiteError(f"the hidden suite did not run: no test of {assignment.name} ran"
                         + (f" for {', '.join(sorted(plugin_only))}" if only is not None else ""))
    return outcomes


@dataclass
class CollectedSuite:
    """A hidden suite collected by pytest, kept for the life of the process: each grading runs its
    items again (pytest's own run protocol, as for `pytest-rerunfailures`), so that the configuration
    and collection (about 50 ms) are paid once per worker, not once per submission. Everything of a
    submission lives in the plugin's per-run state and the fixtures, all torn down after its last test."""
    key: tuple
    config: object
    session: object
    plugin: GradingPlugin
    items: list


_COLLECTED: dict[tuple, CollectedSuite] = {}
KEPT_SUITES = 8          # a process rarely grades more assignments than this


def _suite_key(assignment: Assignment) -> tuple:
    """What the collection depends on: the suite's files (and the conftest.py beside them), the
    graded functions, their order, the reference."""
    suite = assignment.suite_dir.resolve()
    files = []
    for path in sorted([*suite.rglob("*.py"), *suite.parent.glob("conftest.py")]):
        info = path.stat()
        files.append((str(path), info.st_mtime_ns, info.st_size))
    graph, _ = parts.plan(assignment)
    return (str(suite), tuple(files), tuple(f.name for f in assignment.functions),
            tuple(sorted(parts.grading_order(graph).items())), assignment.solution)


def _collected(assignment: Assignment) -> CollectedSuite:
    key = _suite_key(assignment)
    collected = _COLLECTED.get(key)
    if collected is not None:
        return collected
    from _pytest.config import _prepareconfig
    from _pytest.main import Session
    suite = assignment.suite_dir
    _forget_modules_of(suite)
    graph, _ = parts.plan(assignment)
    plugin = GradingPlugin([f.name for f in assignment.functions], parts.grading_order(graph), assignment.solution)
    args = [str(suite), "-p", "no:cacheprovider", "-p", "no:randomly", "-o", "addopts=", "-s",
            "--import-mode=importlib", "--rootdir", str(suite.parent), "--confcutdir", str(suite.parent),
            "-W", "ignore", *(f"-p no:{name}" for name in UNUSED_PLUGINS)]
    sink = io.StringIO()
    autoload = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"   # no third-party plugins: 1.5 s less per run
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            config = _prepareconfig(args, plugins=[plugin])
            # `--tb=no -q`, options of the terminal plugin (off): a failure's traceback is never
            # formatted (0.05 s a failed test), and assertion messages are as terse as ever
            config.option.tbstyle, config.option.verbose = "no", -1
            try:
                config._do_configure()
                session = Session.from_config(config)
                config.hook.pytest_sessionstart(session=session)
                session.perform_collect()
            except BaseException:
                config._ensure_unconfigure()
                raise
    except pytest.UsageError as err:
        raise SuiteError(f"the hidden suite did not run: {err}") from None
    finally:
        if autoload is None:
            del os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = autoload
    if plugin.errors or session.testsfailed:
        config._ensure_unconfigure()
        if plugin.errors:
            raise SuiteError("the hidden suite is broken: " + "; ".join(plugin.errors))
        raise SuiteError(f"the hidden suite did not collect:\n{sink.getvalue()[-2000:]}")
    collected = CollectedSuite(key, config, session, plugin, list(session.items))
    while len(_COLLECTED) >= KEPT_SUITES:
        _discard(next(iter(_COLLECTED.values())))
    _COLLECTED[key] = collected
    return collected


def _forget_modules_of(suite) -> None:
    """Drop the suite's test modules from sys.modules before collecting it: pytest imports a test file
    under a name made from its folder (`backprop.test_backprop_forward`) and reuses a module of that
    name, so a worker that graded before an erratum (or another course's suite of the same name) would
    otherwise run the old tests."""
    prefix = f"{suite.name}."
    for name, module in list(sys.modules.items()):
        if name != suite.name and not name.startswith(prefix):
            continue
        file = getattr(module, "__file__", None)
        folders = [Path(file).parent] if file else [Path(p) for p in getattr(module, "__path__", ())]
        if any(f.name == suite.name and f.parent.name == suite.parent.name for f in folders):
            del sys.modules[name]      # a hidden suite's module (never e.g. numpy, for a suite named numpy)


def _discard(collected: CollectedSuite) -> None:
    if _COLLECTED.get(collected.key) is collected:
        del _COLLECTED[collected.key]
    with contextlib.suppress(Exception), contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        collected.config._ensure_unconfigure()
