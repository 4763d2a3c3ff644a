"""The cost of isolation: grade the reference solution with bubblewrap and without, in one run.

    .venv/bin/python benchmarks/sandbox_cost.py [--repeat 5] [--assignment backprop]

Prints the median (and min/max) wall time of `grade_submission` per isolation mode, side by
side, and the per-call overhead of a bare round trip into the child. Modes alternate so that
machine noise hits both alike; one untimed warm-up grading per mode comes first (imports,
the child's runtime, the bwrap probe).
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from autograder.course import PROJECT_ROOT, load_course
from autograder.grade import grade_submission
from autograder.sandbox import launcher
from autograder.sandbox.proxy import SandboxedStudent, Unit


def _round_trips(mode: str, calls: int) -> tuple[float, float]:
    """(seconds to start the child and load, seconds per call) for a trivial function."""
    started = time.perf_counter()
    student = SandboxedStudent([Unit("f", "def f(x):\n    return x\n", ("f",))], time_limits={},
                               default_time_limit=5, load_time_limit=20,
                               config=launcher.SandboxConfig(isolate=mode))
    x = np.ones((4, 3))
    student.f(x)
    start_cost = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(calls):
        student.f(x)
    per_call = (time.perf_counter() - started) / calls
    student.close()
    return start_cost, per_call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--assignment", default="backprop")
    args = parser.parse_args()
    assignment = load_course().assignment(args.assignment)
    reference = PROJECT_ROOT / "solutions" / f"{args.assignment}.py"
    modes = ["bwrap", "none"] if launcher.bwrap_available() else ["none"]
    times: dict[str, list[float]] = {m: [] for m in modes}
    for mode in modes:                                   # warm-up, untimed
        assert grade_submission(assignment, reference, isolation=mode)["score"] == assignment.max_score
    for _ in range(args.repeat):
        for mode in modes:
            started = time.perf_counter()
            result = grade_submission(assignment, reference, isolation=mode)
            times[mode].append(time.perf_counter() - started)
            assert result["score"] == assignment.max_score, mode
    print(f"Grading the {args.assignment} reference, {args.repeat} runs per mode (seconds):")
    print(f"{'isolation':<10} {'median':>8} {'min':>8} {'max':>8} {'child start':>12} {'per call':>10}")
    for mode in modes:
        start, call = _round_trips(mode, 200)
        t = times[mode]
        print(f"{mode:<10} {statistics.median(t):8.2f} {min(t):8.2f} {max(t):8.2f} {start:12.3f} {call * 1e3:8.2f}ms")
    if len(modes) == 2:
        b, n = statistics.median(times["bwrap"]), statistics.median(times["none"])
        print(f"bubblewrap costs {b - n:+.2f} s per submission ({(b / n - 1) * 100:+.0f}%).")
    else:
        print("bubblewrap is not available here: only the fallback was measured.")


if __name__ == "__main__":
    main()
