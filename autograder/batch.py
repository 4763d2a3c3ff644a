"""Grading a class: every submission in nbgrader's submitted/, in parallel, resumable.

    find submissions -> skip the ones already graded (same file, same hash) -> grade the rest on
    local worker processes or a Dask cluster -> as each finishes: results.json, the autograded
    notebook and the gradebook

Each finished submission is written at once, so a batch killed midway resumes where it stopped.
A submission that cannot be graded (even a broken worker) is recorded with its reason and the
batch goes on.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import signal
import stat
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from . import gradebook
from .course import Assignment, Course
from .text import safe_result, safe_text

RESULTS = "results.json"
STAMP = ".autograder.json"


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


def _sha256(path: Path | None) -> str:
    if path is None:
        return ""
    if not _regular(path):      # refused when graded (submission.read_bytes); never opened here
        return "not-a-regular-file"
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def find_submissions(course_dir: Path, assignment: Assignment) -> list[Submission]:
    """submitted/<student>/<assignment>/: the notebook, else <assignment>.py, else any .ipynb or .py."""
    root = Path(course_dir) / "submitted"
    found = []
    for folder in sorted(root.glob(f"*/{assignment.name}")):
        if folder.is_symlink() or folder.parent.is_symlink():
            # a linked folder is never followed; its link is "the submission", refused with a reason
            found.append(Submission(folder.parent.name, folder if folder.is_symlink() else folder.parent,
                                    "not-a-regular-file"))
            continue
        if not folder.is_dir():
            continue
        candidates = [folder / assignment.notebook, folder / f"{Path(assignment.notebook).stem}.py",
                      *sorted(folder.glob("*.ipynb")), *sorted(folder.glob("*.py"))]
        path = next((c for c in candidates if _regular(c)), None) or \
            next((c for c in candidates if os.path.lexists(c)), None)
        found.append(Submission(folder.parent.name, path, _sha256(path)))
    return found


def _graded_dir(course_dir: Path, assignment: Assignment, student: str) -> Path:
    return Path(course_dir) / "autograded" / student / assignment.name


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


def grade_job(course_file: str, assignment_name: str, path: str | None, isolation: str,
              course_dir: str | None = None) -> dict:
    """Runs on a worker (a local process or a Dask worker): one submission -> results.json dict,
    or {"error": reason} when the grader could not grade it (never stored as the student's grade).
    course_dir: hidden from the child without bubblewrap (other students' files, the gradebook)."""
    from .course import load_course
    from .grade import GraderError, grade_submission
    from .results import zero_results
    from .sandbox.launcher import clean_stale_scratch
    clean_stale_scratch()          # folders of a worker killed earlier on this machine
    assignment = load_course(course_file).assignment(assignment_name)
    if path is None:
        return zero_results(assignment, "No submission file was found in your folder.", "unreadable")
    if course_dir is not None and not Path(course_dir).is_dir():
        return {"error": f"the course directory {course_dir} is not visible on this worker"}
    if not os.path.lexists(path):
        return {"error": f"{path} is not visible on this worker (was it removed, or is the course "
                         "directory on another file system?)"}
    try:
        return grade_submission(assignment, path, isolation=isolation,
                                hidden=() if course_dir is None else (course_dir,))
    except GraderError as err:
        return {"error": str(err)}


def _store(course: Course, course_dir: Path, assignment: Assignment, submission: Submission, result: dict,
           write_notebook: bool) -> None:
    folder = _graded_dir(course_dir, assignment, submission.student)
    folder.mkdir(parents=True, exist_ok=True)
    from .feedback import write_atomically, write_autograded
    if "error" in result:
        write_atomically(folder / STAMP, json.dumps({"sha256": submission.sha256, "complete": False,
                                                     "error": result["error"]}))
        return
    write_atomically(folder / RESULTS, json.dumps(result, indent=2))
    if write_notebook and submission.path is not None and _regular(submission.path):
        write_autograded(course_dir, assignment, submission.student, submission.path, result)
    timestamp = None
    stamp_file = submission.path.parent / "timestamp.txt" if submission.path else None
    if stamp_file is not None and _regular(stamp_file):
        try:
            with open(stamp_file, "rb") as f:
                timestamp = datetime.fromisoformat(f.read(100).decode().strip())
        except (OSError, ValueError):
            timestamp = None
    gradebook.record(course_dir, course.id, assignment, submission.student, result, timestamp)
    write_atomically(folder / STAMP, json.dumps({"sha256": submission.sha256, "complete": True,
                                                 "graded_at": datetime.now(timezone.utc).isoformat()}))


# Workers are forked from a fork server that has imported the heavy modules but run nothing: a
# worker forked from the caller itself would inherit whatever threads torch's OpenMP pool had
# started there, and hang in its first parallel torch call.
# autograder.lifeline first: the fork server dies with the command that started it (a SIGKILLed
# command leaves no process behind), and so do the workers it forks (_worker_init).
PRELOAD = ["autograder.lifeline", "numpy", "torch", "hypothesis", "pytest", "autograder.grade"]


def _worker_init() -> None:
    """One intra-op thread per worker: the batch is parallel across workers, tensors are tiny.
    The worker dies with the fork server, and leaves Ctrl-C to the command (which stops it)."""
    from . import lifeline
    lifeline.die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import torch
    torch.set_num_threads(1)


def _pool(workers: int) -> ProcessPoolExecutor:
    # After Ctrl-C the command ends at once (cli._exit_now) and multiprocessing's resource tracker
    # removes the pool's semaphores itself; its warning about doing so is not for the instructor.
    os.environ.setdefault("PYTHONWARNINGS", "ignore:resource_tracker:UserWarning")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_init)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop at once: pending jobs cancelled, workers killed (their sandbox children die with them)."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)     # a second Ctrl-C must not interrupt this
    try:
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            with contextlib.suppress(Exception):
                process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
    finally:
        signal.signal(signal.SIGINT, previous)


def _run_local(jobs, workers, on_result):
    """Local worker processes; a broken pool is rebuilt and the unfinished jobs sent again, once."""
    pending = dict(jobs)
    for attempt in range(2):
        if not pending:
            return
        pool = _pool(workers)
        with contextlib.ExitStack() as stack:
            stack.callback(_stop_pool, pool)
            futures = {pool.submit(grade_job, *args): key for key, args in pending.items()}
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


def _run_dask(jobs, scheduler, on_result):
    from distributed import Client
    from distributed import as_completed as dask_completed
    with Client(scheduler) as client:
        futures = {client.submit(grade_job, *args, pure=False, retries=0,
                                 key=f"grade-{key}-{time.time_ns()}"): key
                   for key, args in jobs.items()}
        try:
            for future in dask_completed(list(futures)):
                key = futures[future]
                try:
                    result = future.result()
                except Exception as err:  # noqa: BLE001 - a lost worker or a failed task: that job only
                    result = {"error": f"{type(err).__name__}: {err}"}
                on_result(key, result)
        finally:                      # interrupted: nothing keeps grading for a command that is gone
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                client.cancel([f for f in futures if not f.done()], force=True)
            except Exception:  # noqa: BLE001 - the scheduler may be gone too
                pass
            finally:
                signal.signal(signal.SIGINT, previous)


def grade_class(course: Course, assignment: Assignment, *, course_dir: Path, isolation: str = "auto",
                workers: int | None = None, scheduler: str | None = None, regrade: bool = False,
                write_notebooks: bool = True, show_progress: bool = True) -> dict[str, dict]:
    """Grade every submission of `assignment` -> {student: results.json dict or {"error": reason}}.
    Raises BatchError when it cannot start, or when asked to grade without bubblewrap implicitly;
    `Interrupted` on Ctrl-C, after keeping every finished result."""
    course_dir = Path(course_dir).resolve()      # workers (Dask: other machines) get absolute paths
    require_isolation(isolation)
    released = course_dir / "release" / assignment.name / assignment.notebook
    if not released.exists() or not (course_dir / "gradebook.db").exists():
        raise BatchError(f"{assignment.name} has not been released in {course_dir.resolve()}: run "
                         f"`autograder generate {assignment.name} --course-dir {course_dir}` first")
    if not (course_dir / "submitted").is_dir():
        raise BatchError(f"no submitted/ folder in {course_dir.resolve()}: collect the submissions first "
                         "(e.g. `nbgrader collect`), as submitted/<student>/<assignment>/")
    from .sandbox.launcher import clean_stale_scratch
    clean_stale_scratch()                  # left by a grader killed earlier on this machine
    submissions = find_submissions(course_dir, assignment)
    summary: dict[str, dict] = {}
    jobs = {}
    for submission in submissions:
        done = None if regrade else already_graded(course_dir, assignment, submission)
        if done is not None:
            summary[submission.student] = done
        else:
            jobs[submission.student] = (str(Path(course.root).resolve() / "course.toml"), assignment.name,
                                        str(submission.path) if submission.path else None, isolation,
                                        str(course_dir))
    by_student = {s.student: s for s in submissions}

    progress = Progress(TextColumn("[bold]grading {task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), disable=not show_progress, transient=False)
    with progress:
        task = progress.add_task(assignment.name, total=len(submissions), completed=len(summary))

        def on_result(student, result):
            result = safe_result(result)
            try:
                _store(course, course_dir, assignment, by_student[student], result, write_notebooks)
            except Exception as err:  # noqa: BLE001 - one result that cannot be stored stops only itself
                result = {"error": safe_text(f"its result could not be stored ({type(err).__name__}: {err})")}
            summary[student] = result
            progress.advance(task)

        try:
            if jobs:
                if scheduler:
                    _run_dask(jobs, scheduler, on_result)
                else:
                    _run_local(jobs, workers or max(1, (os.cpu_count() or 2)), on_result)
        except KeyboardInterrupt:
            raise Interrupted(len(summary), len(submissions)) from None
    return summary


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
