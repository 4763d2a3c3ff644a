"""Public checks from a terminal, next to your notebook (or a module of the same name):

    pytest test_public.py             every function, one test each
    python test_public.py relu_grad   one or more functions, without pytest's start-up

Each function is checked on its own, so one unfinished function does not hide the others.
These checks are a first signal, not the grade: the hidden tests try many more cases.
"""
import json
import sys
from pathlib import Path

from public_checks import CHECKS, SUBMISSION, check

HERE = Path(__file__).resolve().parent


def _submission() -> Path:
    """Your <assignment>.py if there is one, else your <assignment>.ipynb, next to this file."""
    for path in (HERE / f"{SUBMISSION}.py", HERE / f"{SUBMISSION}.ipynb"):
        if path.exists():
            return path
    raise SystemExit(f"neither {SUBMISSION}.ipynb nor {SUBMISSION}.py is next to {Path(__file__).name}")


def _your_functions() -> dict:
    namespace = {"__name__": "your_code"}
    exec("import numpy as np", namespace)
    path = _submission()
    if path.suffix == ".py":
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
        return namespace
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(notebook["cells"]):
        if cell.get("cell_type") == "code" and cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            try:
                exec(compile(source, f"{path.name} cell {i}", "exec"), namespace)
            except Exception as err:  # noqa: BLE001 - report per function below
                print(f"cell {i} stopped: {type(err).__name__}: {err}")
    return namespace


FUNCTIONS = _your_functions()


def _check_one(name):
    if not callable(FUNCTIONS.get(name)):
        raise AssertionError(f"{name} is not defined")
    check(name, FUNCTIONS[name])


try:
    import pytest
except ImportError:      # `python test_public.py` works without pytest
    pytest = None

if pytest is not None:
    @pytest.mark.parametrize("name", list(CHECKS))
    def test_public(name):
        _check_one(name)


def main(names) -> int:
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        print(f"no public check for {', '.join(unknown)}; there are: {', '.join(CHECKS)}")
        return 2
    failed = 0
    chosen = names or list(CHECKS)
    for name in chosen:
        try:
            _check_one(name)
        except AssertionError as err:
            failed += 1
            detail = str(err).removeprefix(f"{name}: ").removeprefix(f"{name} ")
            print(f"{name}: FAILED: " + detail.replace("\n", "\n  "))
        except Exception as err:  # noqa: BLE001 - the student's code raised
            failed += 1
            print(f"{name}: FAILED, it raised {type(err).__name__}: {err}")
    print(f"{len(chosen) - failed}/{len(chosen)} public checks passed (a first signal, not the grade)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
