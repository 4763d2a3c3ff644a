"""How fast this machine runs Python right now, printed beside every benchmark's figures, so that
figures taken on different machines (or on one shared machine whose speed drifts) can be compared.

    .venv/bin/python benchmarks/machine_speed.py

The yardstick is one core adding 10 million integers in a Python loop, timed `repeat` times; the
fastest and slowest runs are printed (a shared machine's slowest can be twice its fastest).
"""
import time

STEPS = 10_000_000


def loop_seconds(repeat: int = 3) -> list[float]:
    """Seconds of each of `repeat` runs of the yardstick loop, in the order run."""
    runs = []
    for _ in range(repeat):
        started, total = time.perf_counter(), 0
        for i in range(STEPS):
            total += i
        runs.append(time.perf_counter() - started)
    return runs


def describe(runs: list[float]) -> str:
    return (f"this machine's speed: a Python loop of {STEPS:,} additions on one core took "
            f"{min(runs):.2f}-{max(runs):.2f} s ({len(runs)} runs)")


if __name__ == "__main__":
    print(describe(loop_seconds()))
