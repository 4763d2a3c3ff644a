"""One submission graded on a worker: what a worker receives (`GradeTask`), runs (`grade_job`) and
sends back (`JobResult`), for local worker processes and Dask workers alike.

Whatever unpickles a task imports this module: a worker, and the Dask scheduler, which reads every
task it is given. It therefore imports nothing beyond the standard library until a job runs
(`python -X importtime -c "import autograder.job"`); the grader itself comes with the first job,
or with the worker's preload (`autograder.worker_preload`).
"""
from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import multiprocessing.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

# The modules every grading imports, imported by a worker before its first job: by the local
# workers' fork server (batch._pool) and by a Dask worker's preload (autograder.worker_preload).
# autograder.lifeline first: the fork server dies with the command that started it (a SIGKILLed
# command leaves no process behind), and so do the workers it forks (local_worker_init);
# autograder.warm last: it draws a plot as the autograded notebook's are drawn.
PRELOAD = ["autograder.lifeline", "numpy", "hypothesis", "pytest", "autograder.grade", "autograder.warm"]


@dataclass(frozen=True)
class GradeTask:
    """One submission as a worker receives it. For a cluster: plain data, no path of the client's
    machine; local workers, which share this disk, get the path instead of the bytes."""
    assignment: str
    filename: str | None       # the submitted file's name (its suffix says .ipynb or .py); None: no file
    data: bytes | None
    isolation: str
    local_path: str | None = None
    course_dir: str | None = None   # local workers: hidden from the child without bubblewrap
    notebook: bool = False          # write the autograded notebook's text on the worker (plots drawn)
    unreadable: str | None = None   # a cluster's: why the command did not read the file (a link, a FIFO)
    released: str | None = None     # local workers: the released notebook (a cluster's is in the bundle)


@dataclass
class JobResult:
    """What a worker sends back: the results.json dict (or {"error": reason}) and what the command
    stores beside it, made here from the file just graded, so that a class's are made in parallel
    and the command, which stores every result of the batch, does little per result: which written
    answers the student wrote (grade_id -> bool) and, when the task asks, the autograded notebook's
    text (feedback.autograded_text, its loss-curve plots drawn). None: not made here (no file, or a
    grader error); the command makes them itself. `fingerprint` is what the command stamps as the
    file graded: that of the bytes this grading read, whatever the file holds by then."""
    result: dict
    written: dict[str, bool] | None = None
    notebook: str | None = None
    fingerprint: str | None = None   # submission.fingerprint of the bytes graded (UNREADABLE: refused)


def released_in_bundle(assignment: str, notebook: str) -> str:
    """Where a `course_bundle` carries the released notebook of `assignment` (beside the course's own
    files, under a name no course file has)."""
    return f".released/{assignment}/{notebook}"


_UNPACKED: dict[str, Path] = {}


def _scratch_prefix(what: str) -> str:
    """A temporary folder name carrying this process's pid: `launcher.clean_stale_scratch` removes it
    once the process is gone (a worker killed, or a Dask worker closed), with the course's secret."""
    from .sandbox.launcher import SCRATCH_PREFIX
    return f"{SCRATCH_PREFIX}{os.getpid()}-{what}-"


def _unpack(bundle: dict[str, bytes]) -> Path:
    """The bundle's course.toml in this worker's own temporary folder (unpacked once per content, and
    removed when the worker exits)."""
    digest = hashlib.sha256(json.dumps(sorted((k, hashlib.sha256(v).hexdigest()) for k, v in bundle.items()))
                            .encode()).hexdigest()[:16]
    if digest not in _UNPACKED:
        folder = Path(tempfile.mkdtemp(prefix=_scratch_prefix(f"course-{digest}")))
        atexit.register(shutil.rmtree, folder, True)
        multiprocessing.util.Finalize(None, shutil.rmtree, (folder, True), exitpriority=10)  # skips atexit
        for name, data in bundle.items():
            target = (folder / name).resolve()
            if folder.resolve() not in target.parents:
                raise ValueError(f"course bundle path escapes its folder: {name!r}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            target.chmod(0o600)
        _UNPACKED[digest] = folder / "course.toml"
    return _UNPACKED[digest]


def local_worker_init() -> None:
    """A local worker's start (batch._pool): one intra-op thread if it imports torch (the batch is
    parallel across workers, tensors are tiny); it dies with the fork server and leaves Ctrl-C to the
    command. Here, not in batch.py: a worker imports the module of its initializer, and batch.py
    imports nbgrader (0.8 s), which a worker never needs."""
    import gc
    import signal

    from . import lifeline
    lifeline.die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ["OMP_NUM_THREADS"] = "1"      # read by torch when (and if) it is imported
    gc.freeze()      # the preloaded modules live as long as the worker: no collection walks them again


def grade_job(course_ref: str | dict, task: GradeTask) -> JobResult:
    """Runs on a worker (a local process or a Dask worker): one submission -> its JobResult.
    course_ref: the path of course.toml (local workers) or a `course_bundle` (a cluster)."""
    from .course import load_course
    from .sandbox.launcher import clean_stale_scratch
    clean_stale_scratch()          # folders of a worker killed earlier on this machine
    course_file = course_ref if isinstance(course_ref, str) else _unpack(course_ref)
    assignment = load_course(course_file).assignment(task.assignment)
    missing = _not_visible(task)
    if missing is not None:
        return JobResult({"error": missing})
    with _submission_file(task) as (path, fingerprint, unreadable):
        result = _grade(assignment, task, path, unreadable)
        if "error" in result or path is None:
            return JobResult(result, fingerprint=fingerprint)
        released = Path(task.released) if task.released is not None else \
            Path(course_file).parent / released_in_bundle(assignment.name, assignment.notebook)
        return _with_feedback(result, released, path, task.notebook, fingerprint)


def _not_visible(task: GradeTask) -> str | None:
    """Why a local worker cannot see what the task names (the grader's error, not the student's), or None."""
    if task.local_path is None:
        return None
    if task.course_dir is not None and not Path(task.course_dir).is_dir():
        return f"the course directory {task.course_dir} is not visible on this worker"
    if not os.path.lexists(task.local_path):
        return (f"{task.local_path} is not visible on this worker (was it removed, or is the "
                "course directory on another file system?)")
    return None


@contextlib.contextmanager
def _submission_file(task: GradeTask):
    """(path, fingerprint, unreadable): the file to grade as this worker's own copy, removed after,
    so that the grading, the written answers and the autograded notebook read the same bytes, and
    `submission.fingerprint` of those bytes. The bytes are the task's (a cluster: read by the
    command) or read once here from a local worker's path, as `submission.read_bytes` reads (no link
    followed, no FIFO opened). (None, UNREADABLE, why) for a file that cannot be read; (None, None,
    None) when the student's folder held none."""
    from .submission import UNREADABLE, UnreadableSubmission, fingerprint, read_bytes
    data, unreadable = task.data, task.unreadable
    if task.local_path is not None:
        try:
            data = read_bytes(Path(task.local_path))
        except UnreadableSubmission as err:
            unreadable = str(err)
    if unreadable is not None:
        yield None, UNREADABLE, unreadable
    elif data is None:
        yield None, None, None
    else:
        with tempfile.TemporaryDirectory(prefix=_scratch_prefix("submission")) as folder:
            path = Path(folder) / (Path(task.filename or "").name or "submission")
            path.write_bytes(data)
            yield path, fingerprint(data), None


def _grade(assignment, task: GradeTask, path: Path | None, unreadable: str | None) -> dict:
    """One submission -> results.json dict, or {"error": reason} when the grader could not grade it
    (never stored as the student's grade)."""
    from .grade import GraderError, grade_submission
    from .results import zero_results
    if unreadable is not None:
        return zero_results(assignment, unreadable, "unreadable")
    if path is None:
        return zero_results(assignment, "No submission file was found in your folder.", "unreadable")
    hidden = () if task.course_dir is None else (task.course_dir,)
    try:
        return grade_submission(assignment, path, isolation=task.isolation, start_next=True, hidden=hidden)
    except GraderError as err:
        return {"error": str(err)}


def _with_feedback(result: dict, released: Path, path: Path, notebook: bool, fingerprint: str) -> JobResult:
    """`result` with the written answers and (`notebook`) the autograded notebook's text, made from
    `path` (the worker's copy) as the command would make them; without them when they cannot be made
    (the command tries again, and says what fails)."""
    try:
        if not released.is_file():
            return JobResult(result, fingerprint=fingerprint)
        from .feedback import autograded_text, written_answers
        from .text import safe_result
        return JobResult(result, written_answers(released, path),
                         autograded_text(released, path, safe_result(result)) if notebook else None,
                         fingerprint)
    except Exception:  # noqa: BLE001 - made again by the command, whose failure stops only this result
        return JobResult(result, fingerprint=fingerprint)


def worker_check() -> dict:
    """Runs on each Dask worker: can it grade? (the package imports, and which version)."""
    import importlib.metadata
    try:
        version = importlib.metadata.version("backprop-autograder")
    except importlib.metadata.PackageNotFoundError:
        version = None
    return {"version": version, "bwrap": shutil.which("bwrap") is not None}
