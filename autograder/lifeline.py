"""A process of the grader dies with the process that started it (Linux PR_SET_PDEATHSIG).

Imported first by the batch's fork server (so a SIGKILLed `autograder grade` takes it along) and
called by each worker it forks; sandbox children set the same in their pre-exec hook
(sandbox/launcher.py). Nothing then outlives the command: no fork server, resource tracker,
worker or child process.
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1
PARENT = "AUTOGRADER_LIFELINE_PARENT"   # the pid a process of the batch must find as its parent


def expect_children() -> None:
    """Called by a process before it starts processes that call `die_with_parent`: they check that
    this pid is still their parent once the signal is set (it may have died in between)."""
    os.environ[PARENT] = str(os.getpid())


def die_with_parent() -> None:
    """SIGKILL this process when its parent ends; if the parent is already gone, end now. The parent
    is the pid it announced (`expect_children`) when there is one: read after the fork, getppid()
    would already name the reaper if the parent died first, and the check would pass."""
    try:
        parent = int(os.environ.get(PARENT, ""))
    except ValueError:
        parent = os.getppid()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:
        os._exit(1)
    expect_children()          # this process is the parent of the next (the fork server's workers)


def _in_fork_server() -> bool:
    """Whether this import runs in multiprocessing's fork server (its preload)."""
    frame = sys._getframe()
    while frame is not None:
        code = frame.f_code
        if code.co_name == "main" and code.co_filename.endswith(os.path.join("multiprocessing", "forkserver.py")):
            return True
        frame = frame.f_back
    return False


if _in_fork_server():
    die_with_parent()
