"""How long grading one submission takes: the reference, as a new `autograder` process and warm.

    .venv/bin/python benchmarks/grade_reference.py [--repeat 3]

Prints, side by side: the median wall time of `autograder grade backprop solutions/backprop.py
--json` as a fresh process (what a student-facing autograder pays per submission), and of
`grade_submission` in a process that has graded once already, the next grading's sandbox child
started ahead as a batch worker starts it (what each batch worker pays; docs/batch.md).
"""
import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from machine_speed import describe, loop_seconds  # noqa: E402 - beside this script


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--assignment", default="backprop")
    args = parser.parse_args()
    from autograder.course import load_course
    from autograder.grade import grade_submission
    assignment = load_course().assignment(args.assignment)
    path = ROOT / (assignment.solution.replace(".", "/") + ".py")

    speed = loop_seconds()        # before and after: the machine's speed meanwhile
    cold = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "autograder", "grade", assignment.name, str(path), "--json"],
                              capture_output=True, cwd=ROOT)
        cold.append(time.perf_counter() - started)
        assert done.returncode == 0, done.stderr
    grade_submission(assignment, path, start_next=True)      # as a batch worker grades (job.grade_job)
    warm = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = grade_submission(assignment, path, start_next=True)
        warm.append(time.perf_counter() - started)
        assert result["score"] == result["max_score"]
    print(describe(speed + loop_seconds()))
    print(f"grading the {assignment.name} reference ({args.repeat} runs, median):")
    print(f"  new process (CLI --json): {statistics.median(cold):6.2f} s")
    print(f"  warm process (batch):     {statistics.median(warm):6.2f} s")


if __name__ == "__main__":
    main()
