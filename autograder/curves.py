"""Loss curves for the feedback: a training function run once more, after grading, on a fixed
problem, beside the reference's curve on the same problem (docs/feedback.md).

`PROBLEMS` names the training functions and builds each one's problem from the reference module.
The student's losses come back through the sandbox as plain data and are checked like any
submitted value: a list of at most MAX_POINTS finite floats, else no curve and a reason.
"""
from __future__ import annotations

import functools
import importlib
import math

import numpy as np

from .course import Assignment
from .diagnosis import StudentFailure

MAX_POINTS = 2001

# (assignment, function) -> reference module -> (arguments, a short description of the problem)
PROBLEMS = {
    ("backprop", "train"): lambda ref: ((*ref.make_dataset(), ref.init_params(4, 0), 0.5, 200),
                                        "all 16 images, H = 4, init_params(4, seed=0), lr = 0.5, 200 steps"),
    ("backprop_sigmoid", "train"): lambda ref: (
        (*ref.xor_dataset(), ref.init_params(ref.XOR_SETUP["hidden"], ref.XOR_SETUP["seed"]), ref.XOR_SETUP["lr"],
         ref.XOR_SETUP["steps"]), "XOR from the text's start: H = {hidden}, seed {seed}, lr = {lr}, {steps} steps"
        .format(**ref.XOR_SETUP)),
}


def training_functions(assignment: Assignment) -> list[str]:
    return [f.name for f in assignment.functions if (assignment.name, f.name) in PROBLEMS]


def _losses(value) -> list[float]:
    """The losses out of train's (params, losses), checked; ValueError with a reason otherwise."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError("it did not return (params, losses)")
    losses = value[1]
    if isinstance(losses, np.ndarray):
        losses = losses.tolist() if losses.ndim == 1 and losses.size <= MAX_POINTS else None
    if not isinstance(losses, (list, tuple)) or not 0 < len(losses) <= MAX_POINTS:
        raise ValueError(f"its losses are not a list of at most {MAX_POINTS} numbers")
    out = []
    for loss in losses:
        if isinstance(loss, np.ndarray) and loss.shape == ():
            loss = loss.item()
        if isinstance(loss, bool) or not isinstance(loss, (int, float, np.floating)) or not math.isfinite(loss):
            raise ValueError("its losses hold a value that is not a finite number")
        out.append(float(loss))
    return out


@functools.lru_cache(maxsize=16)
def _reference_losses(reference, assignment: str, name: str) -> tuple[float, ...]:
    """The reference module's curve on the problem, computed once per process (the same for every submission)."""
    args, _ = PROBLEMS[(assignment, name)](reference)
    return tuple(_losses(getattr(reference, name)(*args)))


def record(assignment: Assignment, student, only=None) -> dict[str, dict]:
    """{function: {"student": [...] or None, "reference": [...], "problem": str, "note": str}} for
    each training function of the assignment (only: those among these)."""
    curves = {}
    for name in training_functions(assignment):
        if only is not None and name not in only:
            continue
        reference = importlib.import_module(assignment.solution)
        args, problem = PROBLEMS[(assignment.name, name)](reference)
        curve = {"reference": list(_reference_losses(reference, assignment.name, name)), "student": None,
                 "problem": problem, "note": ""}
        own = getattr(student, "call_with_own_parts", None)    # the student's code throughout, as they run it
        try:
            curve["student"] = _losses((own(name, args, {}) if own else student.call(name, *args)).value)
        except StudentFailure as failure:
            curve["note"] = f"no curve: {failure.message}"[:300]
        except ValueError as err:
            curve["note"] = f"no curve: {err}"
        curves[name] = curve
    return curves
