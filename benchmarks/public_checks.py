"""How fast a student's public check answers, against the 1 s target (docs/testing.md, Targets), one run.

    .venv/bin/python benchmarks/public_checks.py [--repeat 5] [--loop-only]

For every assignment of course.toml and every function with a public check, prints side by side:
the target, the median time of `check(name, fn)` in a running kernel (what a grade cell costs a
student in the notebook), and from a terminal next to the reference module, as a new process each
(Python start-up and NumPy import included): `pytest test_public.py -k NAME` (pytest's start-up and
whatever plugins the environment has) and `python test_public.py NAME`.

Then the student's loop on the backprop release, in the same run, beside the floor any command
pays (`python -c pass`, `python -c "import numpy"`): one check cell in a real IPython kernel, passing
and failing (the one-line verdict, what a student waits for after Shift-Enter, against an empty cell),
the notebook's check-all cell (every function's check), and from a terminal `python test_public.py`
(every function) and `autograder check NOTEBOOK` (every function, with the points).
"""
import argparse
import contextlib
import io
import importlib
import importlib.util
import inspect
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.course import load_course  # noqa: E402 - after ROOT is put on sys.path (run as a script)
from autograder.release import RELEASED_FILES, released_file  # noqa: E402 - after ROOT is put on sys.path (run as a script)

TARGET = 1.0


def _public_checks(folder: Path):
    spec = importlib.util.spec_from_file_location(f"public_checks_{folder.name}", folder / "public_checks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _median_call(check, name, function, repeat) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            check(name, function)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _terminal(assignment, name, workdir: Path, command) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *command], cwd=workdir, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{assignment.name}.{name}: the public check fails on the reference:\n{done.stdout}")
    return elapsed


def _pytest(name):
    return ["-m", "pytest", "-q", "-p", "no:cacheprovider", "test_public.py", "-k", f"test_public and {name}"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--loop-only", action="store_true", help="only the student's loop on backprop")
    args = parser.parse_args()
    if args.loop_only:
        return student_loop(args.repeat)
    rows = []
    for assignment in load_course().assignments.values():
        folder = assignment.folder
        checks = _public_checks(folder)
        reference = importlib.import_module(assignment.solution)
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            for helper in RELEASED_FILES:
                shutil.copy(released_file(assignment, helper), workdir / helper)
            (workdir / f"{Path(assignment.notebook).stem}.py").write_text(inspect.getsource(reference))
            for name in checks.CHECKS:
                in_kernel = _median_call(checks.check, name, getattr(reference, name), args.repeat)
                rows.append((assignment.name, name, in_kernel, _terminal(assignment, name, workdir, _pytest(name)),
                             _terminal(assignment, name, workdir, ["test_public.py", name])))
    print(f"public checks on the reference, median of {args.repeat} calls (target: under {TARGET:g} s each)")
    print(f"{'assignment':<18}{'function':<22}{'target':>8}{'in kernel':>12}{'pytest -k':>11}{'python':>9}")
    for assignment, name, in_kernel, with_pytest, plain in rows:
        print(f"{assignment:<18}{name:<22}{TARGET:>7.1f}s{in_kernel * 1000:>10.1f}ms{with_pytest:>10.2f}s"
              f"{plain:>8.2f}s")
    for column, label in ((2, "in the notebook"), (3, "pytest test_public.py -k NAME"),
                          (4, "python test_public.py NAME")):
        worst = max(rows, key=lambda r: r[column])
        under = sum(r[column] < TARGET for r in rows)
        print(f"{label:<32} slowest {worst[0]}.{worst[1]} {worst[column]:.4f} s; "
              f"{under}/{len(rows)} under {TARGET:g} s")

    student_loop(args.repeat)


def _median(run, repeat) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def student_loop(repeat):
    """The student's loop on a filled-in backprop release: kernel cells and terminal commands."""
    import nbformat
    from jupyter_client.manager import start_new_kernel

    from autograder.demo import _reference_answers, _student_notebook
    from autograder.release import generate
    from autograder.student_cells import MARK
    course = load_course()
    backprop = course.assignment("backprop")
    answers = _reference_answers(backprop)
    with tempfile.TemporaryDirectory() as tmp:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            released = generate(course, backprop, course_dir=Path(tmp) / "course")
        folder = Path(tmp) / "student"
        folder.mkdir()
        for name in RELEASED_FILES:
            shutil.copy(released / name, folder / name)
        nb = _student_notebook(released / backprop.notebook, answers)
        nbformat.write(nb, folder / backprop.notebook)
        check_cell = next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_dL_dW2")
        check_all = next(c.source for c in nb.cells if c.metadata.get(MARK) == "check_all")
        manager, client = start_new_kernel(kernel_name="python3", cwd=str(folder))
        try:
            def cell(code):
                return lambda: client.execute_interactive(code, output_hook=lambda msg: None, timeout=60)
            for source in answers.values():
                cell(source)()
            cell(check_cell)()                                  # imports the checks once, as a notebook does
            rows = [("an empty cell (the kernel's round trip)", _median(cell("pass"), repeat)),
                    ("one check cell, passing (dL_dW2)", _median(cell(check_cell), repeat))]
            cell(answers["dL_dW2"].replace("h.T @ dy", "dy.T @ h"))()
            rows.append(("one check cell, failing (dL_dW2 transposed)", _median(cell(check_cell), repeat)))
            cell(answers["dL_dW2"])()
            rows.append((f"the check-all cell ({len(backprop.functions)} functions)", _median(cell(check_all), repeat)))
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)

        def command(*argv):
            return lambda: subprocess.run(list(argv), cwd=folder, capture_output=True, check=False)
        autograder = str(Path(sys.executable).with_name("autograder"))
        rows += [("python -c pass", _median(command(sys.executable, "-c", "pass"), repeat)),
                 ('python -c "import numpy"', _median(command(sys.executable, "-c", "import numpy"), repeat)),
                 ("python test_public.py (every function)", _median(command(sys.executable, "test_public.py"), repeat)),
                 (f"autograder check {backprop.notebook} (every function, with points)",
                  _median(command(autograder, "check", backprop.notebook), repeat))]
    print(f"\nthe student's loop on backprop, median of {repeat} (target: under {TARGET:g} s each)")
    for label, seconds in rows:
        print(f"  {label:<58}{seconds * 1000:>9.1f} ms")


if __name__ == "__main__":
    main()
