"""A Dask worker's preload: `dask worker tcp://HOST:8786 --preload autograder.worker_preload`.

A worker imports what every grading needs (`job.PRELOAD`: NumPy, pytest, hypothesis, the grader,
and matplotlib, which draws the loss-curve plots once to warm up) when it starts, before any
batch; without it the first submission each worker grades waits for those imports
(`benchmarks/batch_vs_nbgrader.py` times Dask workers with and without it). Torch is not among them
(docs/cases.md), and gets one intra-op thread if a grading imports it: the batch is parallel
across workers and the tensors are tiny.
"""
import importlib
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")        # read by torch when (and if) it is imported

from . import job  # after the thread setting

for _name in job.PRELOAD:
    importlib.import_module(_name)

import gc  # noqa: E402

gc.freeze()     # what the preload made lives as long as the worker: no collection walks it again
