"""Batch throughput: this package vs stock `nbgrader autograde`, same notebooks, same machine, one run.

    .venv/bin/python benchmarks/batch_vs_nbgrader.py [--students 12] [--workers 2] [--isolation auto]

The baseline is a course without this package: the same source notebook whose grade cells are
conventional in-kernel `assert`s on the same functions (expected values computed here from the
reference and written into the cells as literals), released by `nbgrader generate_assignment` and
graded by `nbgrader autograde` (which runs every cell in a kernel, as nbgrader does). Ours:
`autograder grade backprop` on the same student answers, sandboxed. Both start from a new process.
"""
import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.course import load_course  # noqa: E402
from autograder.demo import BACKPROP_MISTAKES, _reference_answers  # noqa: E402
from autograder.release import generate, write_nbgrader_config  # noqa: E402
from solutions import backprop as ref  # noqa: E402


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


def conventional_asserts(name: str) -> str:
    """In-kernel asserts for one function on three fixed cases, expected values from the reference."""
    lines = ["import numpy as np"]
    for seed in range(3):
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


def baseline_course(course, assignment, root: Path) -> None:
    """A stock nbgrader course: the same notebook, grade cells holding in-kernel asserts."""
    folder = root / "source" / assignment.name
    folder.mkdir(parents=True)
    shutil.copy(assignment.source_notebook.parent / "public_checks.py", folder)
    nb = nbformat.read(assignment.source_notebook, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            name = meta["grade_id"][len("test_"):]
            meta["points"] = assignment.function(name).points
            cell.source = (f'from public_checks import check\ncheck("{name}", {name})\n'
                           f"### BEGIN HIDDEN TESTS\n{conventional_asserts(name)}\n### END HIDDEN TESTS")
    nbformat.write(nb, folder / assignment.notebook)
    write_nbgrader_config(course, root)
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", assignment.name, "--force"],
                   cwd=root, check=True, capture_output=True)


def submit(root: Path, assignment, students: int) -> None:
    """The same class in both courses: right answers, untouched stubs and the demo's mistakes, cycled."""
    released = root / "release" / assignment.name / assignment.notebook
    right = _reference_answers(assignment)
    variants = [right, {}]
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
        shutil.copy(released.parent / "public_checks.py", folder)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--isolation", default="auto")
    args = parser.parse_args()
    course = load_course()
    assignment = course.assignment("backprop")
    with tempfile.TemporaryDirectory() as tmp:
        ours, theirs = Path(tmp) / "ours", Path(tmp) / "nbgrader"
        generate(course, assignment, course_dir=ours)
        submit(ours, assignment, args.students)
        baseline_course(course, assignment, theirs)
        submit(theirs, assignment, args.students)

        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "nbgrader", "autograde", assignment.name, "--force"],
                       cwd=theirs, check=True, capture_output=True)
        nbgrader_seconds = time.perf_counter() - started

        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "autograder", "grade", assignment.name, "--course-dir", str(ours),
                        "--workers", str(args.workers), "--isolation", args.isolation],
                       check=True, capture_output=True, cwd=ROOT)
        ours_seconds = time.perf_counter() - started
    n = args.students
    print(f"{n} backprop submissions, same notebooks, this machine:")
    print(f"  nbgrader autograde (in-kernel asserts):       {nbgrader_seconds:7.1f} s  "
          f"{n / nbgrader_seconds * 60:6.1f} submissions/min")
    print(f"  autograder grade ({args.workers} workers, sandboxed):     {ours_seconds:7.1f} s  "
          f"{n / ours_seconds * 60:6.1f} submissions/min")
    print(f"  throughput ratio: {nbgrader_seconds / ours_seconds:.1f}x")


if __name__ == "__main__":
    main()
