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

import collections
import contextlib
import functools
import glob
import json
import os
import signal
import stat
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from . import gradebook
from .course import Assignment, Course
from .coursedir import assignment_dir, course_directory, step_dir, submission_time
from .job import GradeTask, JobResult, grade_job, released_in_bundle, worker_check
from .local_workers import run_local
from .submission import UNREADABLE, UnreadableSubmission, file_fingerprint, read_bytes
from .text import NAME_CAP, safe_result, safe_text

RESULTS = "results.json"
STAMP = ".autograder.json"
DASK_ATTEMPTS = 3          # a task lost with its worker is sent again, at most this often in all


class BatchError(RuntimeError):
    """The batch cannot start (nothing released, nothing submitted); the message says what to do."""


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path | None          # None: the student's folder holds no submission file
    sha256: str


def _regular(path: Path) -> bool:
    """A plain file, not a symbolic link (never followed: the grader runs as root), FIFO or device."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def find_submissions(course_dir: Path, assignment: Assignment) -> list[Submission]:
    """submitted/<student>/<assignment>/: the notebook, else <assignment>.py, else any .ipynb or .py."""
    cd = course_directory(course_dir)
    found = []
    for folder in sorted(Path(p) for p in glob.glob(cd.format_path(cd.submitted_directory, "*", assignment.name))):
        if folder.is_symlink() or folder.parent.is_symlink():
            # a linked folder is never followed; its link is "the submission", refused with a reason
            found.append(Submission(folder.parent.name, folder if folder.is_symlink() else folder.parent,
                                    UNREADABLE))
            continue
        if not folder.is_dir():
            continue
        candidates = [folder / assignment.notebook, folder / f"{Path(assignment.notebook).stem}.py",
                      *sorted(folder.glob("*.ipynb")), *sorted(folder.glob("*.py"))]
        path = next((c for c in candidates if _regular(c)), None) or \
            next((c for c in candidates if os.path.lexists(c)), None)
        found.append(Submission(folder.parent.name, path, file_fingerprint(path)))
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


def make_task(assignment: Assignment, submission: Submission, isolation: str, *, inline: bool,
              course_dir: Path | None = None, notebook: bool = False, released: Path | None = None) -> GradeTask:
    """inline: carry the file's bytes (a cluster) rather than its path (local workers, which also get
    the course directory, to hide it from the child, and the released notebook's path: `released`).
    notebook: see GradeTask."""
    local = {} if inline else {"released": None if released is None else str(released)}
    if submission.path is None:
        return GradeTask(assignment.name, None, None, isolation, notebook=notebook, **local)
    if not inline:
        return GradeTask(assignment.name, submission.path.name, None, isolation, str(submission.path),
                         str(course_dir), notebook=notebook, **local)
    try:
        data = read_bytes(submission.path)   # as a local worker reads it: no link followed, no FIFO opened
    except UnreadableSubmission as err:
        return GradeTask(assignment.name, submission.path.name, None, isolation, notebook=notebook,
                         unreadable=str(err))
    return GradeTask(assignment.name, submission.path.name, data, isolation, notebook=notebook)


def course_bundle(course: Course, assignment: Assignment, released: Path | None = None) -> dict[str, bytes]:
    """What a worker needs of the course to grade `assignment`, as {relative path: bytes}: course.toml,
    the source notebook, the hidden suite (the reference solutions come with the package), the case
    secret, so that every worker meets the same cases for the same file (docs/cases.md), the case
    sets recorded so far (a worker whose versions differ records its own), and the released
    notebook (`released`), from which a worker makes each autograded notebook (job.JobResult)."""
    from .case_pool import kept_files
    from .cases import SECRET_FILE, course_secret
    root = Path(course.root)
    files = [root / "course.toml", assignment.source_notebook, assignment.suite_dir.parent / "conftest.py",
             *sorted(assignment.suite_dir.rglob("*.py")), *kept_files(assignment, course_secret(root))]
    bundle = {p.relative_to(root).as_posix(): p.read_bytes() for p in files if p.is_file()}
    if released is not None and released.is_file():
        bundle[released_in_bundle(assignment.name, assignment.notebook)] = released.read_bytes()
    return {**bundle, SECRET_FILE.as_posix(): course_secret(root)}


def _store(course: Course, course_dir: Path, assignment: Assignment, submission: Submission, result: dict,
           write_notebook: bool, made: JobResult, record=None) -> None:
    """One result into the gradebook, then results.json and the autograded notebook, then the stamp
    that says it is stored: a result the gradebook cannot hold is not shown to the student either.
    made: the worker's JobResult, whose written answers and autograded notebook are used when it made
    them (else they are made here). record: `gradebook.recorder`'s function (one Gradebook for the
    batch), else `gradebook.record` opens one for this result."""
    from .feedback import write_atomically
    try:
        submission.student.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("the student's folder name is not valid UTF-8, which nbgrader's gradebook cannot hold: "
                         "rename the folder and grade again") from None
    cd = course_directory(course_dir)
    folder = step_dir(cd, cd.autograded_directory, submission.student, assignment.name)
    folder.mkdir(parents=True, exist_ok=True)
    if "error" in result:
        write_atomically(folder / STAMP, json.dumps({"sha256": submission.sha256, "complete": False,
                                                     "error": result["error"]}))
        return
    # the file graded: the worker's fingerprint of the bytes it read (the student's file may have
    # changed since it was listed), else the listing's
    graded = made.fingerprint if made.fingerprint is not None else submission.sha256
    written = made.written if made.written is not None else {}
    notebook = made.notebook if write_notebook else None
    if (made.written is None or (write_notebook and notebook is None)) and submission.path is not None \
            and _regular(submission.path):      # not made by the worker: made here, from the file
        from .feedback import autograded_text, released_path, written_answers
        released = released_path(course_dir, assignment)
        if made.written is None:
            written = written_answers(released, submission.path)
        if write_notebook and notebook is None:
            notebook = autograded_text(released, submission.path, result)
    timestamp = submission_time(step_dir(cd, cd.submitted_directory, submission.student, assignment.name))
    if record is None:
        record = functools.partial(gradebook.record, course_dir, course.id)
    record(assignment, submission.student, result, timestamp, written=written)
    write_atomically(folder / RESULTS, json.dumps(result, indent=2))
    if notebook is not None:
        from .feedback import write_autograded
        write_autograded(course_dir, assignment, submission.student, notebook)
    write_atomically(folder / STAMP, json.dumps({"sha256": graded, "complete": True,
                                                 "graded_at": datetime.now(timezone.utc).isoformat()}))


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
        checks = client.run(worker_check)
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
        attempts = collections.Counter()

        def submit(done, key, make):
            attempts[key] += 1
            future = client.submit(grade_job, bundle, make(), pure=False, retries=0,   # a key Dask can send:
                                   key=f"grade-{safe_text(key, NAME_CAP)}-{time.time_ns()}")  # valid UTF-8
            keys[future] = key
            done.add(future)

        def send_next(done):
            for key, make in waiting:
                submit(done, key, make)
                return

        done = dask_completed([])
        try:
            for _ in range(window):
                send_next(done)
            for future in done:
                key = keys.pop(future)
                try:
                    result = future.result()
                except Exception as err:  # noqa: BLE001 - a lost worker or a failed task: that job only
                    # grade_job returns every grading outcome as data, so an exception here is the
                    # cluster's (a worker lost mid-task, its data gone): the job is sent again
                    if attempts[key] < DASK_ATTEMPTS:
                        submit(done, key, jobs[key])
                        continue
                    result = JobResult({"error": f"{type(err).__name__}: {err} (tried {attempts[key]} times)"})
                on_result(key, result)
                send_next(done)
        finally:                      # interrupted: nothing keeps grading for a command that is gone
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                client.cancel([f for f in keys if not f.done()], force=True)
            except Exception:  # noqa: BLE001 - the scheduler may be gone too
                pass
            finally:
                signal.signal(signal.SIGINT, previous)


class ClassResults(dict):
    """{student: results.json dict or {"error": reason}}, and what this run did: `graded` now,
    `reused` from an earlier run, `failed` (not graded: an infrastructure error)."""

    def __init__(self):
        super().__init__()
        self.graded: list[str] = []
        self.reused: list[str] = []
        self.failed: list[str] = []


def _check_course_dir(course_dir: Path, assignment: Assignment) -> None:
    released = assignment_dir(course_dir, "release_directory", assignment.name) / assignment.notebook
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
    """Grade every submission of `assignment` (or just `students`, graded again) -> ClassResults.
    Raises BatchError when it cannot start, or when asked to grade without bubblewrap implicitly;
    `Interrupted` on Ctrl-C, after keeping every finished result."""
    course_dir = Path(course_dir).resolve()      # workers get absolute paths
    require_isolation(isolation)
    _check_course_dir(course_dir, assignment)
    from .sandbox.launcher import clean_stale_scratch
    clean_stale_scratch()                  # left by a grader killed earlier on this machine
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
    with progress, gradebook.recorder(course_dir, course.id) as record:
        task = progress.add_task(assignment.name, total=len(submissions), completed=len(summary))

        def on_result(student, job: JobResult):
            result = safe_result(job.result)
            try:
                with _interrupt_deferred():      # Ctrl-C never leaves a result half stored
                    _store(course, course_dir, assignment, by_student[student], result, write_notebooks,
                           job, record)
            except Exception as err:  # noqa: BLE001 - one result that cannot be stored stops only itself
                result = {"error": safe_text(f"its result could not be stored ({type(err).__name__}: {err})")}
            summary[student] = result
            (summary.failed if "error" in result else summary.graded).append(student)
            progress.advance(task)

        try:
            from .feedback import released_path
            released = released_path(course_dir, assignment)
            if jobs and scheduler:
                makers = {k: functools.partial(make_task, assignment, s, isolation, inline=True,
                                               notebook=write_notebooks) for k, s in jobs.items()}
                _run_dask(course_bundle(course, assignment, released), makers, scheduler, on_result)
            elif jobs:
                tasks = {k: make_task(assignment, s, isolation, inline=False, course_dir=course_dir,
                                      notebook=write_notebooks, released=released) for k, s in jobs.items()}
                run_local(str(Path(course.root).resolve() / "course.toml"), tasks,
                           workers or max(1, (os.cpu_count() or 2)), on_result)
        except KeyboardInterrupt:
            raise Interrupted(len(summary), len(submissions)) from None
    return summary


@contextlib.contextmanager
def _interrupt_deferred():
    """Ctrl-C (SIGINT) waits until the block is done, then arrives as usual (main thread only)."""
    import threading
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


class Interrupted(Exception):
    """Ctrl-C during a batch: every finished result is kept; the same command resumes."""

    def __init__(self, done: int, total: int):
        super().__init__(f"interrupted: {done} of {total} submissions are graded and kept; run the same "
                         "command again to grade the rest")
        self.done, self.total = done, total


def require_isolation(isolation: str) -> None:
    """The batch fails closed: without bubblewrap it grades only when told `--isolation none`."""
    from .sandbox import launcher
    if isolation == "none" or launcher.bwrap_available():
        return
    why = launcher.bwrap_problem()
    if isolation == "bwrap":
        raise BatchError(f"--isolation bwrap was asked for, but bubblewrap cannot run here ({why}). "
                         "Install it (`apt-get install -y bubblewrap`) and run again.")
    raise BatchError(f"bubblewrap cannot run here ({why}), so student code would run without its sandbox "
                     "(other students' files and the server readable, no private /tmp). Install it with "
                     "`apt-get install -y bubblewrap`, or grade with `--isolation none` to accept the "
                     "weaker fallback (docs/sandbox.md lists what it does not protect).")
