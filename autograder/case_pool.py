"""The course's pool of hidden cases: each randomized hidden test's examples drawn once per slot and
kept, so that grading a submission replays them instead of running hypothesis's engine again
(docs/cases.md, "The pool").

    slot_of(case seed) -> int                        which of the SLOTS case sets a submission meets
    case_set(assignment, secret, slot) -> CaseSet    recorded on first use with the reference, then
                                                     kept in memory and in .autograder/case-pool/

A slot is recorded by running the hidden suite with the reference as the student and hypothesis
seeded from the slot (autograder/suite.py, `record`): every example a test was given and did not
reject (`assume`) is kept, in order, with the values its `st.data()` draws returned, and so are the
torch oracle's answers the suite asked for (testing/lazy_torch.py): replaying the set reads them, so
a grading process imports torch only for a question the recording did not ask (a student's wrong
intermediate value passed to the oracle). The reference must pass every test of every slot it
records, so no case a correct answer fails is ever kept.
Recordings are keyed by a fingerprint of everything that decides them (the secret, the hidden suite,
the strategies, the reference, hypothesis's and NumPy's versions): change any and new ones are made.
"""
from __future__ import annotations

import copy
import functools
import hashlib
import os
import pickle
import secrets
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from .testing.copies import fresh

SLOTS = 16                 # case sets per assignment: a submission meets one, chosen by its case seed
POOL_DIR = Path(".autograder") / "case-pool"   # relative to the course root, beside the case secret
FORMAT = b"autograder-case-pool-v2"
_MEMORY: dict[tuple[str, int], CaseSet] = {}      # (fingerprint, slot) -> its recording


class PoolError(RuntimeError):
    """A slot cannot be recorded: the reference fails a hidden test on it (the suite's fault)."""


def slot_of(seed: int) -> int:
    """The slot a submission's case seed picks."""
    return seed % SLOTS


@dataclass
class Example:
    """One example a randomized test was given: its drawn arguments, and what its `st.data()` draws
    returned (in order). `arguments()` gives fresh copies, so a test that changes them changes no other."""
    drawn: dict
    draws: dict[str, list] = field(default_factory=dict)   # argument name -> values drawn from it

    def arguments(self) -> dict:
        made = fresh(self.drawn)
        for name, values in self.draws.items():
            made[name] = ReplayedData(fresh(values))
        return made


@dataclass
class CaseSet:
    """One slot's recording: test key (suite.seed_key) -> its examples in the order met, and the torch
    oracle's answers (lazy_torch.ANSWERS entries) its tests asked for."""
    examples: dict[str, list[Example]]
    answers: dict[bytes, object]


class ReplayedData:
    """Stands in for hypothesis's `st.data()` object: each `draw` returns the next recorded value."""

    def __init__(self, values: list):
        self._values = list(values)

    def draw(self, strategy, label=None):
        if not self._values:
            raise PoolError("a test drew more from st.data() than when its case was recorded")
        return self._values.pop(0)


class RecordingData:
    """Wraps hypothesis's `st.data()` object while a slot is recorded: every drawn value is kept."""

    def __init__(self, data, into: list):
        self._data, self._into = data, into

    def draw(self, strategy, label=None):
        value = self._data.draw(strategy, label=label)
        self._into.append(copy.deepcopy(value))
        return value


def recorder(inner, fixtures: frozenset, into: list):
    """`inner` (a hypothesis test's own body) keeping each example it is given and runs to its end.
    An example that raises is not kept: hypothesis rejected it (`assume`), or it ran out of data in
    an `st.data()` draw (hypothesis discards it), or the reference failed it, and then the recording
    fails as a whole (`_record`)."""
    from hypothesis.strategies import DataObject

    @functools.wraps(inner)
    def record(*args, **kwargs):
        drawn = {k: v for k, v in kwargs.items() if k not in fixtures}
        example = Example({k: copy.deepcopy(v) for k, v in drawn.items() if not isinstance(v, DataObject)})
        for name, value in drawn.items():
            if isinstance(value, DataObject):
                kwargs[name] = RecordingData(value, example.draws.setdefault(name, []))
        result = inner(*args, **kwargs)
        into.append(example)
        return result

    return record


def replay(inner, fixtures: dict, examples: list[Example]) -> None:
    """Run a hypothesis test's body on its recorded examples, in order; the first failure ends it."""
    with warnings.catch_warnings():   # `assume(True)` outside hypothesis's engine warns, and is all it meets
        warnings.simplefilter("ignore")
        for example in examples:
            inner(**fixtures, **example.arguments())


def fingerprint(assignment, secret: bytes) -> str:
    """What decides a slot's recording, hashed: a change to any of it makes new recordings. (The
    Python version too: a recorded answer's key holds the bytecode of the function it is about.)
    The versions are read from the installed packages' metadata: a batch's command, which computes
    this to send the recordings to cluster workers, imports neither package."""
    from importlib.metadata import version

    from . import scan
    digest = hashlib.sha256(FORMAT + b"\0" + hashlib.sha256(secret).digest())
    digest.update(f"{SLOTS}\0{version('hypothesis')}\0{version('numpy')}\0{sys.version}\0".encode())
    testing = Path(__file__).parent / "testing"
    sources = sorted(assignment.suite_dir.rglob("*.py")) + [assignment.suite_dir.parent / "conftest.py"]
    sources += sorted(testing.glob("*.py")) + [scan.module_file(assignment.root, assignment.solution)]
    sources += [Path(__file__), Path(__file__).with_name("suite.py")]     # how a set is recorded
    for path in sources:
        if path is not None and path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def case_set(assignment, secret: bytes, slot: int) -> CaseSet:
    """The recording of `slot`, its torch answers made known to the oracle (lazy_torch.ANSWERS)."""
    from .testing import lazy_torch
    key = fingerprint(assignment, secret)
    kept = _MEMORY.get((key, slot))
    if kept is None:
        path = assignment.root / POOL_DIR / assignment.name / f"{key}-{slot}.pickle"
        kept = _read(path)
        if kept is None:
            kept = _record(assignment, secret, slot)
            _write(path, kept)
        _MEMORY[(key, slot)] = kept
    for answer_key, answer in kept.answers.items():
        lazy_torch.ANSWERS.setdefault(answer_key, answer)
    return kept


def kept_files(assignment, secret: bytes) -> list[Path]:
    """The files of the sets recorded so far for the current fingerprint (sent to cluster workers)."""
    folder = assignment.root / POOL_DIR / assignment.name
    return sorted(folder.glob(f"{fingerprint(assignment, secret)}-*.pickle")) if folder.is_dir() else []


def prepare(assignment, secret: bytes, slots=range(SLOTS)) -> None:
    """Record every slot not yet recorded (e.g. before a class is graded)."""
    for slot in slots:
        case_set(assignment, secret, slot)


def _record(assignment, secret: bytes, slot: int) -> CaseSet:
    import importlib

    from .cases import slot_seed
    from .sandbox.proxy import LocalStudent
    from .suite import run_suite
    from .testing import lazy_torch
    reference = LocalStudent(importlib.import_module(assignment.solution))
    recorded: dict[str, list[Example]] = {}
    used: set[bytes] = set()
    lazy_torch.USED.append(used)
    try:
        outcomes = run_suite(assignment, reference, seed=slot_seed(secret, slot), record=recorded)
    finally:
        lazy_torch.USED.remove(used)
    failed = [o for o in outcomes if not o.passed]
    if failed:
        raise PoolError(f"the reference solution fails hidden test {failed[0].test} of {assignment.name} on "
                        f"case set {slot}: {failed[0].message}")
    return CaseSet(recorded, {k: lazy_torch.ANSWERS[k] for k in sorted(used)})   # in an order no process changes


def _read(path: Path) -> CaseSet | None:
    """A kept recording (written by the grader only, in a folder of mode 700), or None."""
    try:
        with open(path, "rb") as f:
            kept = pickle.load(f)
        return kept if isinstance(kept, CaseSet) else None
    except FileNotFoundError:
        return None
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None        # unreadable or from another version: record it again


def _write(path: Path, recorded: CaseSet) -> None:
    """Atomically: written aside, then renamed into place (parallel workers may record the same slot)."""
    from .cases import private_folder
    try:
        private_folder(path.parent.parent.parent.parent)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        with os.fdopen(os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as f:
            pickle.dump(recorded, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(aside, path)
    except OSError:
        pass                # a read-only course folder: the recording is kept in memory only
