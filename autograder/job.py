"""One submission graded on a worker: what a worker receives (`GradeTask`), runs (`grade_job`) and
sends back (`JobResult`), for local worker processes and Dask workers alike.

Whatever unpickles a task imports this module: a worker, and the Dask scheduler, which reads every
task it is given. It therefore imports nothing beyond the standard library until a job runs
(`python -X importtime -c "import autograder.job"`); the grader itself comes with the first job,
or with the worker's preload (`autograder.worker_preload`).
"""
from __future__ import annotations

import atexit
import hashlib
import json
import multiprocessing.util
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

# The modules every grading imports, imported by a worker before its first job: by the local
# workers' fork server (batch._pool) and by a Dask worker's preload (autograder.worker_preload).
# autograder.lifeline first: the fork server dies with the command that started it (a SIGKILLed
# command leaves no process behind), and so do the workers it forks (batch._worker_init);
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
    figures: bool = False           # draw the loss-curve plots of the autograded notebook on the worker
    unreadable: str | None = None   # a cluster's: why the command did not read the file (a link, a FIFO)


@dataclass
class JobResult:
    """What a worker sends back: the results.json dict (or {"error": reason}) and the loss-curve plots
    of the autograded notebook, drawn on the worker so that a class's plots are drawn in parallel
    (test name -> base64 PNG, feedback.loss_curve_png)."""
    result: dict
    figures: dict[str, str] = field(default_factory=dict)


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


def grade_job(course_ref: str | dict, task: GradeTask) -> JobResult:
    """Runs on a worker (a local process or a Dask worker): one submission -> its JobResult, with the
    loss-curve plots when `task.figures`. course_ref: the path of course.toml (local workers) or a
    `course_bundle` (a cluster)."""
    result = _grade(course_ref, task)
    figures = {}
    if task.figures:
        from .feedback import loss_curve_png
        figures = {t["name"]: loss_curve_png(t["name"], t["extra_data"]["loss_curve"])
                   for t in result.get("tests", ()) if (t.get("extra_data") or {}).get("loss_curve")}
    return JobResult(result, figures)


def _grade(course_ref: str | dict, task: GradeTask) -> dict:
    """One submission -> results.json dict, or {"error": reason} when the grader could not grade it
    (never stored as the student's grade)."""
    from .course import load_course
    from .grade import GraderError, grade_submission
    from .results import zero_results
    from .sandbox.launcher import clean_stale_scratch
    clean_stale_scratch()          # folders of a worker killed earlier on this machine
    course_file = course_ref if isinstance(course_ref, str) else _unpack(course_ref)
    assignment = load_course(course_file).assignment(task.assignment)
    if task.local_path is not None:
        if task.course_dir is not None and not Path(task.course_dir).is_dir():
            return {"error": f"the course directory {task.course_dir} is not visible on this worker"}
        if not os.path.lexists(task.local_path):
            return {"error": f"{task.local_path} is not visible on this worker (was it removed, or is the "
                             "course directory on another file system?)"}
        try:
            return grade_submission(assignment, task.local_path, isolation=task.isolation, start_next=True,
                                    hidden=() if task.course_dir is None else (task.course_dir,))
        except GraderError as err:
            return {"error": str(err)}
    if task.unreadable is not None:
        return zero_results(assignment, task.unreadable, "unreadable")
    if task.data is None:
        return zero_results(assignment, "No submission file was found in your folder.", "unreadable")
    with tempfile.TemporaryDirectory(prefix=_scratch_prefix("submission")) as folder:
        path = Path(folder) / (Path(task.filename).name or "submission")
        path.write_bytes(task.data)
        try:
            return grade_submission(assignment, path, isolation=task.isolation, start_next=True)
        except GraderError as err:
            return {"error": str(err)}


def worker_check() -> dict:
    """Runs on each Dask worker: can it grade? (the package imports, and which version)."""
    import importlib.metadata
    try:
        version = importlib.metadata.version("backprop-autograder")
    except importlib.metadata.PackageNotFoundError:
        version = None
    return {"version": version, "bwrap": shutil.which("bwrap") is not None}
