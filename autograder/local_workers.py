"""The local worker processes of a batch: forked from a fork server that has imported the grader.

    start_fork_server() -> run_local(course_ref, jobs, workers, on_result)

A worker grades one `job.GradeTask` at a time (`job.grade_job`); results come back as they finish.
A pool broken by a dead worker is rebuilt once, and its unfinished jobs sent again. Imported by
the command before anything heavy: this module needs the standard library and `job.py` only.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.forkserver
import os
import signal
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from .job import PRELOAD, JobResult, grade_job, local_worker_init
from .lifeline import expect_children


# Local workers are forked from a fork server that has imported the modules every grading needs
# (job.PRELOAD) but run nothing: a worker forked from the caller itself would inherit whatever
# threads torch's OpenMP pool had started there, and hang in its first parallel torch call. Torch
# is not among them: a grading that replays a recorded case set reads the oracle's answers
# (docs/cases.md), and a worker imports torch only for a question the recording did not ask.
def start_fork_server():
    """Start the fork server (if it is not running), which imports the grader meanwhile -> the
    multiprocessing context of the workers. `autograder grade` calls it first thing for a local
    batch, so that the fork server's imports (about 1.3 s) overlap the command's own (about 1 s:
    nbgrader, the gradebook), instead of following them."""
    # After Ctrl-C the command ends at once (cli._exit_now) and multiprocessing's resource tracker
    # removes the pool's semaphores itself; its warning about doing so is not for the instructor.
    os.environ.setdefault("PYTHONWARNINGS", "ignore:resource_tracker:UserWarning")
    expect_children()              # the fork server checks that this command is still its parent
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    multiprocessing.forkserver.ensure_running()
    return context


def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=start_fork_server(), initializer=local_worker_init)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop at once: pending jobs cancelled, workers killed (their sandbox children die with them, the
    spare started for a next grading too), and the workers' scratch folders removed."""
    from .sandbox.launcher import clean_stale_scratch
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)     # a second Ctrl-C must not interrupt this
    try:
        processes = list((getattr(pool, "_processes", None) or {}).values())
        for process in processes:
            with contextlib.suppress(Exception):
                process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            with contextlib.suppress(Exception):
                process.join(timeout=5)
        clean_stale_scratch()
    finally:
        signal.signal(signal.SIGINT, previous)


def run_local(course_ref, jobs, workers, on_result):
    """Local worker processes; a broken pool is rebuilt and the unfinished jobs sent again, once."""
    pending = dict(jobs)
    for attempt in range(2):
        if not pending:
            return
        pool = _pool(workers)
        with contextlib.ExitStack() as stack:
            stack.callback(_stop_pool, pool)
            futures = {pool.submit(grade_job, course_ref, task): key for key, task in pending.items()}
            try:
                for future in as_completed(futures):
                    key = futures[future]
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        raise
                    except Exception as err:  # noqa: BLE001 - one job's failure is that job's
                        result = JobResult({"error": f"{type(err).__name__}: {err}"})
                    pending.pop(key, None)
                    on_result(key, result)
            except BrokenProcessPool:
                if attempt == 1:
                    for key in list(pending):
                        on_result(key, JobResult({"error": "the grading worker died twice on this submission"}))
                    return
