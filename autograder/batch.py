"""Grading a class: every submission in nbgrader's submitted/, in parallel, resumable.

    find submissions -> skip the ones already graded (same file, same hash) -> grade the rest on
    local worker processes or a Dask cluster -> as each finishes: results.json, the autograded
    notebook and the gradebook

Each finished submission is written at once, so a batch killed midway resumes where it stopped.
A submission that cannot be graded (even a broken worker) is recorded with its reason and the
batch goes on.

What a worker gets is data, never a path of this machine: a `GradeTask` carries the submission's
bytes, and the course (course.toml, the source notebook, the hidden suite) travels as a
`course_bundle` of bytes that a Dask worker unpacks into its own temporary folder. Results come
back as results.json dicts; only this process writes files and the gradebook (docs/batch.md).
"""
from __future__ import annotations

import functools
import glob
import hashlib
import json
import multiprocessing
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from . import gradebook
from .course import Assignment, Course
from .coursedir import course_directory, step_dir, submission_time

RESULTS = "results.json"
STAMP = ".autograder.json"


class BatchError(RuntimeError):
    """The batch cannot start (nothing released, nothing submitted); the message says what to do."""


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path | None          # None: the student's folder holds no submission file
    sha256: str


def _sha256(path: Path | None) -> str:
    if path is None:
        return ""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def find_submissions(course_dir: Path, assignment: Assignment) -> list[Submission]:
    """submitted/<student>/<assignment>/: the notebook, else <assignment>.py, else any .ipynb or .py."""
    cd = course_directory(course_dir)
    found = []
    for folder in sorted(Path(p) for p in glob.glob(cd.format_path(cd.submitted_directory, "*", assignment.name))):
        if not folder.is_dir():
            continue
        candidates = [folder / assignment.notebook, folder / f"{Path(assignment.notebook).stem}.py",
                      *sorted(folder.glob("*.ipynb")), *sorted(folder.glob("*.py"))]
        path = next((c for c in candidates if c.is_file()), None)
        found.append(Submission(folder.parent.name, path, _sha256(path)))
    return found


def _graded_dir(course_dir: Path, assignment: Assignment, student: str) -> Path:
    cd = course_directory(course_dir)
    return step_dir(cd, cd.autograded_directory, student, assignment.name)


def already_graded(course_dir: Path, assignment: Assignment, submission: Submission) -> dict | None:
    """The stored result when this exact file was graded before, else None."""
    folder = _graded_dir(course_dir, assignment, submission.student)
    try:
        stamp = json.loads((folder / STAMP).read_text())
        if stamp.get("sha256") == submission.sha256 and stamp.get("complete"):
            return json.loads((folder / RESULTS).read_text())
    except (OSError, ValueError):
        return None
    return None


@dataclass(frozen=True)
class GradeTask:
    """One submission as a worker receives it. For a cluster: plain data, no path of the client's
    machine; local workers, which share this disk, get the path instead of the bytes."""
    assignment: str
    filename: str | None       # the submitted file's name (its suffix says .ipynb or .py); None: no file
    data: bytes | None
    isolation: str
    local_path: str | None = None


def make_task(assignment: Assignment, submission: Submission, isolation: str, *, inline: bool) -> GradeTask:
    """inline: carry the file's bytes (a cluster) rather than its path (local workers)."""
    if submission.path is None:
        return GradeTask(assignment.name, None, None, isolation)
    if not inline:
        return GradeTask(assignment.name, submission.path.name, None, isolation, str(submission.path))
    return GradeTask(assignment.name, submission.path.name, submission.path.read_bytes(), isolation)


def course_bundle(course: Course, assignment: Assignment) -> dict[str, bytes]:
    """What a worker needs of the course to grade `assignment`, as {relative path: bytes}: course.toml,
    the source notebook and the hidden suite (the reference solutions come with the package)."""
    root = Path(course.root)
    files = [root / "course.toml", assignment.source_notebook, assignment.suite_dir.parent / "conftest.py",
             *sorted(assignment.suite_dir.rglob("*.py"))]
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in files if p.is_file()}


_UNPACKED: dict[str, Path] = {}


def _unpack(bundle: dict[str, bytes]) -> Path:
    """The bundle's course.toml in this worker's own temporary folder (unpacked once per content)."""
    digest = hashlib.sha256(json.dumps(sorted((k, hashlib.sha256(v).hexdigest()) for k, v in bundle.items()))
                            .encode()).hexdigest()[:16]
    if digest not in _UNPACKED:
        folder = Path(tempfile.mkdtemp(prefix=f"autograder-course-{digest}-"))
        for name, data in bundle.items():
            target = (folder / name).resolve()
            if folder.resolve() not in target.parents:
                raise ValueError(f"course bundle path escapes its folder: {name!r}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        _UNPACKED[digest] = folder / "course.toml"
    return _UNPACKED[digest]


def grade_job(course_ref: str | dict, task: GradeTask) -> dict:
    """Runs on a worker (a local process or a Dask worker): one submission -> results.json dict.
    course_ref: the path of course.toml (local workers) or a `course_bundle` (a cluster)."""
    from .course import load_course
    from .grade import GraderError, grade_submission
    from .results import zero_results
    course_file = course_ref if isinstance(course_ref, str) else _unpack(course_ref)
    assignment = load_course(course_file).assignment(task.assignment)
    if task.local_path is not None:
        try:
            return grade_submission(assignment, task.local_path, isolation=task.isolation)
        except GraderError as err:
            return {"error": str(err)}
    if task.data is None:
        return zero_results(assignment, "No submission file was found in your folder.", "unreadable")
    with tempfile.TemporaryDirectory(prefix="autograder-submission-") as folder:
        path = Path(folder) / (Path(task.filename).name or "submission")
        path.write_bytes(task.data)
        try:
            return grade_submission(assignment, path, isolation=task.isolation)
        except GraderError as err:
            return {"error": str(err)}


def _store(course: Course, course_dir: Path, assignment: Assignment, submission: Submission, result: dict,
           write_notebook: bool) -> None:
    folder = _graded_dir(course_dir, assignment, submission.student)
    folder.mkdir(parents=True, exist_ok=True)
    if "error" in result:
        (folder / STAMP).write_text(json.dumps({"sha256": submission.sha256, "complete": False,
                                                "error": result["error"]}))
        return
    (folder / RESULTS).write_text(json.dumps(result, indent=2))
    written = {}
    if submission.path is not None:
        from .feedback import written_answers
        written = written_answers(course_dir, assignment, submission.path)
        if write_notebook:
            from .feedback import write_autograded
            write_autograded(course_dir, assignment, submission.student, submission.path, result)
    cd = course_directory(course_dir)
    timestamp = submission_time(cd, step_dir(cd, cd.submitted_directory, submission.student, assignment.name))
    gradebook.record(course_dir, course.id, assignment, submission.student, result, timestamp, written=written)
    (folder / STAMP).write_text(json.dumps({"sha256": submission.sha256, "complete": True,
                                            "graded_at": datetime.now(timezone.utc).isoformat()}))


# Workers are forked from a fork server that has imported the heavy modules but run nothing: a
# worker forked from the caller itself would inherit whatever threads torch's OpenMP pool had
# started there, and hang in its first parallel torch call.
PRELOAD = ["numpy", "torch", "hypothesis", "pytest", "autograder.grade"]


def _worker_init() -> None:
    """One intra-op thread per worker: the batch is parallel across workers, tensors are tiny."""
    import torch
    torch.set_num_threads(1)


def _pool(workers: int) -> ProcessPoolExecutor:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_init)


def _run_local(course_ref, jobs, workers, on_result):
    """Local worker processes; a broken pool is rebuilt and the unfinished jobs sent again, once."""
    pending = dict(jobs)
    for attempt in range(2):
        if not pending:
            return
        with _pool(workers) as pool:
            futures = {pool.submit(grade_job, course_ref, task): key for key, task in pending.items()}
            try:
                for future in as_completed(futures):
                    key = futures[future]
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        raise
                    except Exception as err:  # noqa: BLE001 - one job's failure is that job's
                        result = {"error": f"{type(err).__name__}: {err}"}
                    pending.pop(key, None)
                    on_result(key, result)
            except BrokenProcessPool:
                if attempt == 1:
                    for key in list(pending):
                        on_result(key, {"error": "the grading worker died twice on this submission"})
                    return


def _worker_check() -> dict:
    """Runs on each Dask worker: can it grade? (the package imports, and which version)."""
    import importlib.metadata
    import shutil
    try:
        version = importlib.metadata.version("backprop-autograder")
    except importlib.metadata.PackageNotFoundError:
        version = None
    return {"version": version, "bwrap": shutil.which("bwrap") is not None}


def _connect(scheduler: str, timeout: float = 10.0, workers_timeout: float = 60.0):
    """A Dask client with at least one worker able to grade, or a BatchError saying what to check."""
    import importlib.metadata
    from distributed import Client
    try:
        client = Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as err:
        raise BatchError(f"could not reach the Dask scheduler at {scheduler!r} ({type(err).__name__}: {err}). "
                         "Check that `dask scheduler` is running there, that the address and port are right "
                         "(tcp://HOST:8786) and that no firewall blocks it.") from None
    try:
        client.wait_for_workers(1, timeout=workers_timeout)
        checks = client.run(_worker_check)
    except (OSError, TimeoutError) as err:
        client.close()
        raise BatchError(f"the Dask scheduler at {scheduler!r} has no worker ({type(err).__name__}). Start "
                         f"some with `dask worker {scheduler}` on machines where this package is installed.") from None
    except Exception as err:  # noqa: BLE001 - a worker that cannot even import the check
        client.close()
        raise BatchError(f"the Dask workers at {scheduler!r} cannot run the grader ({type(err).__name__}: {err}). "
                         "Install this package (the same version) in every worker's Python.") from None
    mine = importlib.metadata.version("backprop-autograder")
    wrong = {w: c["version"] for w, c in checks.items() if c["version"] != mine}
    if wrong:
        client.close()
        raise BatchError(f"Dask workers without this package's version {mine}: "
                         + ", ".join(f"{w} has {v or 'none'}" for w, v in sorted(wrong.items()))
                         + ". Install the same version on every worker.")
    return client


def _run_dask(course_ref, jobs, scheduler, on_result):
    """The jobs on a Dask cluster: the course bundle is sent once to every worker, each task carries
    its submission's bytes (read only when the task is sent: a few per worker are in flight at a
    time), results come back as dicts. jobs: {key: a function making the GradeTask}."""
    from distributed import as_completed as dask_completed
    with _connect(scheduler) as client:
        bundle = client.scatter(course_ref, broadcast=True, hash=False)
        window = 4 * max(1, len(client.scheduler_info().get("workers", {})))
        waiting = iter(jobs.items())
        keys = {}

        def send_next(done):
            for key, make in waiting:
                future = client.submit(grade_job, bundle, make(), pure=False, key=f"grade-{key}-{time.time_ns()}")
                keys[future] = key
                done.add(future)
                return

        done = dask_completed([])
        for _ in range(window):
            send_next(done)
        for future in done:
            key = keys.pop(future)
            try:
                result = future.result()
            except Exception as err:  # noqa: BLE001 - a lost worker or a failed task: that job only
                result = {"error": f"{type(err).__name__}: {err}"}
            on_result(key, result)
            send_next(done)


class ClassResults(dict):
    """{student: results.json dict or {"error": reason}}, and what this run did: `graded` now,
    `reused` from an earlier run, `failed` (not graded: an infrastructure error)."""

    def __init__(self):
        super().__init__()
        self.graded: list[str] = []
        self.reused: list[str] = []
        self.failed: list[str] = []


def _check_course_dir(course_dir: Path, assignment: Assignment) -> None:
    released = course_dir / "release" / assignment.name / assignment.notebook
    if not released.exists():
        raise BatchError(f"{assignment.name} has not been released in {course_dir.resolve()}: run "
                         f"`autograder generate {assignment.name} --course-dir {course_dir}` first")
    if not (course_dir / "submitted").is_dir():
        raise BatchError(f"no submitted/ folder in {course_dir.resolve()}: collect the submissions first "
                         "(e.g. `nbgrader collect` or `nbgrader zip_collect`), as submitted/<student>/<assignment>/")


def grade_class(course: Course, assignment: Assignment, *, course_dir: Path, isolation: str = "auto",
                workers: int | None = None, scheduler: str | None = None, regrade: bool = False,
                write_notebooks: bool = True, show_progress: bool = True,
                students: list[str] | None = None) -> ClassResults:
    """Grade every submission of `assignment` (or just `students`, graded again) -> ClassResults."""
    course_dir = Path(course_dir)
    _check_course_dir(course_dir, assignment)
    submissions = find_submissions(course_dir, assignment)
    if students is not None:
        unknown = sorted(set(students) - {s.student for s in submissions})
        if unknown:
            raise BatchError(f"no submission of {assignment.name} in submitted/ for: {', '.join(unknown)}")
        submissions = [s for s in submissions if s.student in students]
        regrade = True
    summary = ClassResults()
    jobs = {}
    for submission in submissions:
        done = None if regrade else already_graded(course_dir, assignment, submission)
        if done is not None:
            summary[submission.student] = done
            summary.reused.append(submission.student)
        else:
            jobs[submission.student] = submission
    by_student = {s.student: s for s in submissions}

    progress = Progress(TextColumn("[bold]grading {task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), disable=not show_progress, transient=False)
    with progress:
        task = progress.add_task(assignment.name, total=len(submissions), completed=len(summary))

        def on_result(student, result):
            _store(course, course_dir, assignment, by_student[student], result, write_notebooks)
            summary[student] = result
            (summary.failed if "error" in result else summary.graded).append(student)
            progress.advance(task)

        if jobs:
            if scheduler:
                makers = {k: functools.partial(make_task, assignment, s, isolation, inline=True) for k, s in jobs.items()}
                _run_dask(course_bundle(course, assignment), makers, scheduler, on_result)
            else:
                tasks = {k: make_task(assignment, s, isolation, inline=False) for k, s in jobs.items()}
                _run_local(str(course.root / "course.toml"), tasks, workers or max(1, (os.cpu_count() or 2)),
                           on_result)
    return summary
