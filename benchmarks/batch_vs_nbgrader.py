"""Batch throughput: this package vs stock `nbgrader autograde`, same class, same machine, one run.

    .venv/bin/python benchmarks/batch_vs_nbgrader.py [--sizes 12 48 192] [--dask-sizes 48 192] [--baseline-sizes 12 48]

For each class size N: ours, `autograder grade backprop --no-feedback --no-report` (what `nbgrader
autograde` does: the grades, the gradebook, each student's autograded notebook), sandboxed by
bubblewrap (`--isolation bwrap`; the benchmark stops with the reason when bubblewrap cannot run
here), on 1 local worker and on 2, and the whole job on 2 (with every student's feedback page, by
nbgrader's generate_feedback, and the class report), printed apart; at each of `--dask-sizes`, the
same batch on a Dask `LocalCluster` of 1 and of 2 worker processes (`--scheduler`), started as
docs/batch.md advises (the grader preloaded, Dask's processes ticking every 0.5 s; `--dask-repeat`
times each, in turn: medians) and with Dask's defaults, with the machine's busy and idle CPU
meanwhile (the scheduler and the command share the two cores with the workers). The growth from the
smallest N to the largest is printed beside the linear growth (time linear in N: 192 submissions
within 4.4x of 48). Before ours is timed, the course's hidden case sets are drawn once (`autograder
prepare-cases`, what an instructor runs before a grading day; docs/cases.md), timed apart: after the
first class size there is nothing left to draw.

Two baselines, each a course without this package graded by stock `nbgrader autograde` (serial, one
kernel per notebook), whose grade cells are conventional in-kernel `assert`s with expected values
computed here from the reference and written in as literals, as many cases per function as our
hidden suite makes calls to that function when it grades the reference (counted below):
  - notebook: the students' notebook as nbgrader executes it, every cell (the walk-through's demo
    cells, plots and training runs included) plus the public checks in each grade cell;
  - minimal:  only the set-up cell, the answer cells and the grade cells (hidden asserts only), so
    the two graders do the same checking work and differ only in how.
Each ratio printed says which two runs it compares. Every run starts from a new process.
"""
import argparse
import collections
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.course import load_course  # noqa: E402 - after ROOT is put on sys.path (run as a script)
from autograder.demo import BACKPROP_MISTAKES, _reference_answers  # noqa: E402 - after ROOT is put on sys.path (run as a script)
from autograder.gradebook import db_url  # noqa: E402 - after ROOT is put on sys.path (run as a script)
from autograder.release import RELEASED_FILES, SHARED_FILES, generate, write_nbgrader_config  # noqa: E402 - after ROOT is put on sys.path (run as a script)
from autograder.sandbox import launcher  # noqa: E402 - after ROOT is put on sys.path (run as a script)
from autograder.sandbox.proxy import LocalStudent  # noqa: E402 - after ROOT is put on sys.path (run as a script)
from autograder.suite import run_suite  # noqa: E402 - after ROOT is put on sys.path (run as a script)
from solutions import backprop as ref  # noqa: E402 - after ROOT is put on sys.path (run as a script)
from machine_speed import describe, loop_seconds  # noqa: E402 - beside this script


def literal(value) -> str:
    """Python source that rebuilds a value (arrays as np.array literals)."""
    if isinstance(value, np.ndarray):
        return f"np.array({value.tolist()!r})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(literal(v) for v in value)
        return f"({inner},)" if isinstance(value, tuple) else f"[{inner}]"
    return repr(value)


class CountingStudent(LocalStudent):
    """The reference, counting how often the hidden suite calls each function."""

    def __init__(self, functions):
        super().__init__(functions)
        self.calls = collections.Counter()

    def call(self, name, *args, **kwargs):
        self.calls[name] += 1
        return super().call(name, *args, **kwargs)


def hidden_cases(assignment) -> dict[str, int]:
    """Graded function -> how many calls our hidden suite makes to it when grading the reference."""
    student = CountingStudent(ref)
    outcomes = run_suite(assignment, student)
    assert all(o.passed for o in outcomes), [o for o in outcomes if not o.passed]
    return {f.name: max(1, student.calls[f.name]) for f in assignment.functions}


def conventional_asserts(name: str, cases: int) -> str:
    """In-kernel asserts for one function on `cases` fixed cases, expected values from the reference."""
    lines = ["import numpy as np"]
    for seed in range(cases):
        rng = np.random.default_rng(seed)
        X, Y = rng.normal(size=(5, 4)), rng.uniform(size=(5, 4))
        params = ref.init_params(3, seed)
        Y_hat, cache = ref.forward(X, params)
        dy = ref.dL_dy(Y_hat, Y)
        dh = ref.dL_dh(dy, params["W2"])
        dz1 = ref.dL_dz1(dh, cache["z1"])
        args = {
            "relu": (cache["z1"],), "relu_grad": (cache["z1"],), "forward": (X, params),
            "mse_loss": (Y_hat, Y), "dL_dy": (Y_hat, Y), "dL_dW2": (cache["h"], dy), "dL_db2": (dy,),
            "dL_dh": (dy, params["W2"]), "dL_dz1": (dh, cache["z1"]), "dL_dW1": (X, dz1), "dL_db1": (dz1,),
            "backward": (Y, params, cache), "sgd_step": (params, ref.backward(Y, params, cache), 0.1),
            "rel_error": (X, X + 1e-3), "gradient_check": (X, Y, params), "train": (X, Y, params, 0.1, 5),
            "make_dataset": (), "accuracy": (Y_hat, Y),
            "lr_sweep": (X, Y, params, [0.05, 0.1], 5), "steps_to_reach": (ref.train(X, Y, params, 0.1, 10)[1], 0.5),
            "unreachable_pattern": (params["W2"], params["b2"]), "make_hflip_dataset": (),
        }
        missing = [f.name for f in load_course().assignment("backprop").functions
                   if f.name not in args and f.name != "numerical_gradient"]
        if missing:
            raise SystemExit(f"the baseline has no asserts for {missing}: add their arguments here")
        if name == "numerical_gradient":
            x = rng.normal(size=(2, 3))
            lines.append(f"_x = {literal(x)}")
            lines.append(f"assert np.allclose({name}(lambda v: float(np.sum(v ** 2)), _x), 2 * _x, atol=1e-6)")
            continue
        expected = getattr(ref, name)(*args[name])
        call = f"{name}({', '.join(literal(a) for a in args[name])})"
        if name == "gradient_check":
            lines.append(f"assert all(v < 1e-6 for v in {call}.values())")
        elif name == "forward":
            lines.append(f"_out = {call}")
            lines.append(f"assert np.allclose(_out[0], {literal(expected[0])})")
        elif name == "train":
            lines.append(f"_out = {call}")
            lines.append(f"assert np.allclose(_out[1], {literal(expected[1])})")
        elif isinstance(expected, dict):
            lines.append(f"_out = {call}")
            lines += [f"assert np.allclose(_out[{k!r}], {literal(v)})" for k, v in expected.items()]
        elif isinstance(expected, tuple):
            lines.append(f"_out = {call}")
            lines += [f"assert np.allclose(_out[{i}], {literal(v)})" for i, v in enumerate(expected)]
        else:
            lines.append(f"assert np.allclose({call}, {literal(expected)})")
    return "\n".join(lines)


def baseline_course(course, assignment, root: Path, cases: dict[str, int], *, minimal: bool) -> None:
    """A stock nbgrader course: grade cells holding in-kernel asserts (`cases` per function).
    minimal: keep only the set-up, answer and grade cells, and no public checks."""
    folder = root / "source" / assignment.name
    folder.mkdir(parents=True)
    for name in RELEASED_FILES:               # the public checks and what they import
        shared = assignment.folder.parent / name
        source = shared if name in SHARED_FILES and shared.exists() else assignment.folder / name
        if source.exists():
            shutil.copy(source, folder)
    nb = nbformat.read(assignment.source_notebook, as_version=4)
    kept = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and cell.cell_type == "code":      # (a written answer is graded by hand)
            name = meta["grade_id"][len("test_"):]
            meta["points"] = assignment.function(name).points
            public = "" if minimal else f'from public_checks import check\ncheck("{name}", {name})\n'
            cell.source = (f"{public}### BEGIN HIDDEN TESTS\n{conventional_asserts(name, cases[name])}\n"
                           "### END HIDDEN TESTS")
        if not minimal or meta.get("grade") or meta.get("solution") or meta.get("grade_id") == "setup":
            kept.append(cell)
    nb.cells = kept
    nbformat.write(nb, folder / assignment.notebook)
    write_nbgrader_config(course, root)
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", assignment.name, "--force"],
                   cwd=root, check=True, capture_output=True)


BROKEN = "def relu(z):\n    return np.maximum(0, z\n"      # a syntax error: relu and nothing else lost


def submit(root: Path, assignment, students: int) -> None:
    """The same class in both courses: right answers, untouched stubs, the demo's mistakes and a
    notebook with a syntax error in one answer cell, cycled."""
    released = root / "release" / assignment.name / assignment.notebook
    right = _reference_answers(assignment)
    variants = [right, {}, {**right, "relu": BROKEN}]
    for function, old, new, _ in BACKPROP_MISTAKES.values():
        changed = dict(right)
        changed[function] = changed[function].replace(old, new)
        variants.append(changed)
    for i in range(students):
        nb = nbformat.read(released, as_version=4)
        answers = variants[i % len(variants)]
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in answers:
                cell.source = answers[grade_id]
        folder = root / "submitted" / f"student{i:03d}" / assignment.name
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / assignment.notebook)
        for name in RELEASED_FILES:
            if (released.parent / name).exists():
                shutil.copy(released.parent / name, folder)


def check_baseline(root: Path, assignment, kind: str) -> None:
    """The baseline really graded: the right answers (student000) full marks, the stubs (student001) zero."""
    from nbgrader.api import Gradebook
    with Gradebook(db_url(root)) as gb:
        right = gb.find_submission(assignment.name, "student000").score
        stubs = gb.find_submission(assignment.name, "student001").score
    if right != assignment.max_score or stubs != 0:
        raise SystemExit(f"the {kind} baseline did not grade as expected: right answers {right}, "
                         f"stubs {stubs} of {assignment.max_score}")


def timed(command, cwd) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, command[:4]))} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return time.perf_counter() - started


def machine_cpu() -> tuple[float, float]:
    """(busy, idle) CPU-seconds of the whole machine so far, from /proc/stat."""
    with open("/proc/stat") as f:
        ticks = [int(v) for v in f.readline().split()[1:]]
    hz = os.sysconf("SC_CLK_TCK")
    return (ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6]) / hz, (ticks[3] + ticks[4]) / hz


def dask_batch(course_dir: Path, assignment, workers: int, preload: bool) -> tuple[float, float, float]:
    """(seconds, busy and idle CPU-seconds of the machine meanwhile) for `autograder grade --scheduler` on a
    new Dask LocalCluster of `workers` processes, started as docs/batch.md advises (the grader preloaded,
    the scheduler and the nannies ticking every 0.5 s) or with Dask's defaults."""
    import dask
    from distributed import LocalCluster
    options = {"preload": ["autograder.worker_preload"]} if preload else {}
    advised = {"distributed.admin.tick.interval": "500ms"} if preload else {}
    with dask.config.set(advised), LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                dashboard_address=None, **options) as cluster:
        busy, idle = machine_cpu()
        seconds = timed([sys.executable, "-m", "autograder", "grade", assignment.name, "--course-dir",
                         str(course_dir), "--scheduler", cluster.scheduler_address, "--isolation", "bwrap",
                         "--regrade", "--no-feedback", "--no-report"], ROOT)
        after = machine_cpu()
    return seconds, after[0] - busy, after[1] - idle


def measure(course, assignment, cases, n: int, tmp: Path, dask: bool, baseline: bool = True,
            dask_repeat: int = 3) -> dict:
    """{run: seconds} for one class of n submissions, every grader on the same notebooks (nbgrader's
    only when `baseline`)."""
    seconds = {}
    ours = tmp / f"ours-{n}"
    generate(course, assignment, course_dir=ours)
    submit(ours, assignment, n)
    for kind in ("notebook", "minimal") if baseline else ():
        theirs = tmp / f"nbgrader-{kind}-{n}"
        baseline_course(course, assignment, theirs, cases, minimal=kind == "minimal")
        submit(theirs, assignment, n)
        seconds[kind] = timed([sys.executable, "-m", "nbgrader", "autograde", assignment.name, "--force"], theirs)
        check_baseline(theirs, assignment, kind)
    # the course's case sets, drawn once per course and kept (docs/cases.md, "The pool"): timed apart,
    # and nothing to do after the first class size
    seconds["prepare"] = timed([sys.executable, "-m", "autograder", "prepare-cases", assignment.name], ROOT)
    grade = [sys.executable, "-m", "autograder", "grade", assignment.name, "--course-dir", str(ours),
             "--isolation", "bwrap", "--regrade"]
    for workers in (1, 2):     # what nbgrader autograde does: grades, gradebook, autograded notebooks
        seconds[workers] = timed([*grade, "--workers", str(workers), "--no-feedback", "--no-report"], ROOT)
    seconds["feedback"] = timed([*grade, "--workers", "2"], ROOT)    # and every student's feedback page
    sample = (ours / "autograded" / "student000" / assignment.name / "results.json").read_text()
    if "Sandbox:" in sample:
        raise SystemExit("our grader did not run under bubblewrap: " + sample[:300])
    if dask:
        # preloaded: 1 and 2 workers in turn, `dask_repeat` times (this shared machine's speed drifts by
        # 10-20% within minutes); the run of median time of each is kept, every time is printed
        preloaded = collections.defaultdict(list)
        for _ in range(dask_repeat):
            for workers in (1, 2):
                preloaded[workers].append(dask_batch(ours, assignment, workers, True))
        for workers, timings in preloaded.items():
            seconds[f"dask{workers}"], *seconds[f"dask{workers}-cpu"] = sorted(timings)[(len(timings) - 1) // 2]
            seconds[f"dask{workers}-each"] = [t[0] for t in timings]
        for workers in (1, 2):
            key = f"dask{workers}-cold"
            seconds[key], *seconds[f"{key}-cpu"] = dask_batch(ours, assignment, workers, False)
    return seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[12, 48, 192], help="class sizes N")
    parser.add_argument("--dask-sizes", type=int, nargs="*", default=[48, 192],
                        help="the N also graded on a Dask LocalCluster")
    parser.add_argument("--dask-repeat", type=int, default=3,
                        help="preloaded Dask runs of 1 and of 2 workers, in turn; the medians are compared")
    parser.add_argument("--baseline-sizes", type=int, nargs="+", default=None,
                        help="the N at which stock nbgrader is run too (default: every size; it takes 7 s a "
                             "submission, 25 minutes at N = 192)")
    args = parser.parse_args()
    if not launcher.bwrap_available():
        raise SystemExit("benchmarks/batch_vs_nbgrader.py measures grading sandboxed by bubblewrap, which cannot "
                         "run here (not installed, or no user namespaces): install it (apt-get install bubblewrap)")
    course = load_course()
    assignment = course.assignment("backprop")
    cases = hidden_cases(assignment)
    sizes = sorted(set(args.sizes))
    runs = {}
    speed = loop_seconds()        # before and after: the machine's speed meanwhile
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            runs[n] = measure(course, assignment, cases, n, Path(tmp), dask=n in args.dask_sizes,
                              baseline=args.baseline_sizes is None or n in args.baseline_sizes,
                              dask_repeat=max(1, args.dask_repeat))

    print(describe(speed + loop_seconds()))
    print(f"backprop submissions (right, untouched, a syntax error and the demo's mistakes, cycled), this machine "
          f"({os.cpu_count()} cores); {sum(cases.values())} hidden cases per submission "
          f"({min(cases.values())}-{max(cases.values())} per function) in every grader.")
    names = {"notebook": "nbgrader autograde, students' notebook, serial",
             "minimal": "nbgrader autograde, minimal notebook, serial",
             1: "autograder grade, bubblewrap, 1 local worker",
             2: "autograder grade, bubblewrap, 2 local workers",
             "feedback": "the same, 2 workers, with feedback pages and report",
             "dask1": "autograder grade, Dask LocalCluster, 1 worker",
             "dask2": "autograder grade, Dask LocalCluster, 2 workers",
             "dask1-cold": "the same, 1 worker not preloaded",
             "dask2-cold": "the same, 2 workers not preloaded"}
    for n, seconds in runs.items():
        print(f"N = {n}:")
        print(f"  {'autograder prepare-cases (once per course, before)':50s} {seconds['prepare']:7.1f} s")
        for key, label in names.items():
            if key in seconds:
                s = seconds[key]
                print(f"  {label:50s} {s:7.1f} s  {s / n:6.2f} s/submission  {n / s * 60:6.1f}/min")
        print("  throughput ratios, ours / nbgrader's:")
        for mine, theirs, what in ((1, "notebook", "1 worker vs students' notebook (same parallelism)"),
                                   (2, "notebook", "2 workers vs students' notebook (ours parallel)"),
                                   (1, "minimal", "1 worker vs minimal notebook (same checking work)"),
                                   (2, "minimal", "2 workers vs minimal notebook (same work, ours parallel)")):
            if theirs in seconds:
                print(f"    {what:58s} {seconds[theirs] / seconds[mine]:5.1f}x")
        if "dask1" in seconds:
            each = {w: ", ".join(f"{t:.1f}" for t in seconds[f"dask{w}-each"]) for w in (1, 2)}
            print(f"  Dask: 2 workers vs 1: {seconds['dask1'] / seconds['dask2']:4.2f}x (target at least 1.7x; "
                  f"medians of {len(seconds['dask1-each'])} runs each, in turn: 1 worker {each[1]} s, "
                  f"2 workers {each[2]} s), "
                  f"{seconds['dask1-cold'] / seconds['dask2-cold']:4.2f}x not preloaded")
            # each 2-worker run beside the 1-worker run just before it, nearest in the machine's speed
            pairs = [one / two for one, two in zip(seconds["dask1-each"], seconds["dask2-each"])]
            print(f"    run by run: {', '.join(f'{r:.2f}' for r in pairs)}x "
                  f"(median {statistics.median(pairs):.2f}x)")
            for key in ("dask1", "dask2", "dask1-cold", "dask2-cold"):
                busy, idle = seconds[f"{key}-cpu"]
                print(f"    {names[key]:48s} machine CPU busy {busy:5.1f} s, idle {idle:5.1f} s")
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        print(f"growth from N = {small} to N = {large} ({large / small:g}x the submissions; "
              f"linear is {large / small:g}x):")
        for key in (2, "notebook"):
            if key in runs[large] and key in runs[small]:
                print(f"  {names[key]:50s} {runs[large][key] / runs[small][key]:5.2f}x")
        if 48 in runs and 192 in runs:
            print(f"  192 vs 48, ours on 2 workers: {runs[192][2] / runs[48][2]:4.2f}x (target within 4.4x)")


if __name__ == "__main__":
    main()
