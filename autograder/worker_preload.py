"""A Dask worker's preload: `dask worker tcp://HOST:8786 --preload autograder.worker_preload`.

A worker imports what every grading needs (`job.PRELOAD`: NumPy, pytest, hypothesis, the grader,
and matplotlib, which draws the loss-curve plots once to warm up) when it starts, before any
batch; without it the first submission each worker grades waits for those imports
(`benchmarks/batch_vs_nbgrader.py` times Dask workers with and without it). Torch is not among them
(docs/cases.md), and gets one intra-op thread if a grading imports it: the batch is parallel
across workers and the tensors are tiny. Dask's profiler of tasks is turned off (below).
"""
import importlib
import os

import dask

os.environ.setdefault("OMP_NUM_THREADS", "1")        # read by torch when (and if) it is imported

# Dask's statistical profiler of tasks (the dashboard's Profile page) samples the grading thread's
# stack 100 times a second, which costs a grading about 5% of its time; the preload is imported
# before the worker sets it up, so this worker has none. Start a worker without the preload to keep it.
dask.config.set({"distributed.worker.profile.enabled": False})

from . import job  # noqa: E402 - after the thread setting

for _name in job.PRELOAD:
    importlib.import_module(_name)

import gc  # noqa: E402

gc.freeze()     # what the preload made lives as long as the worker: no collection walks it again

TICK_SECONDS = 0.5


def dask_setup(worker) -> None:
    """Called by Dask once the worker exists (before it has a task): the worker checks its event
    loop's health (Dask's "tick", which only warns when the loop was blocked for seconds) every
    TICK_SECONDS instead of every 20 ms. Waking 50 times a second cost an idle worker about 1% of a
    core, taken from the gradings beside it on the same machine."""
    tick = worker.periodic_callbacks.get("tick")
    if tick is not None:
        tick.callback_time = TICK_SECONDS * 1000
