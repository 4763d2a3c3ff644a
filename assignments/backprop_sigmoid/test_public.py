"""Public checks from a terminal: `pytest test_public.py` next to your backprop_sigmoid.ipynb or backprop_sigmoid.py.

Each function is checked on its own, so one unfinished function does not hide the others.
"""
import json
from pathlib import Path

import pytest

from public_checks import CHECKS, check

HERE = Path(__file__).resolve().parent


def _your_functions():
    namespace = {"__name__": "your_code"}
    exec("import numpy as np", namespace)
    py = HERE / "backprop_sigmoid.py"
    if py.exists():
        exec(compile(py.read_text(encoding="utf-8"), str(py), "exec"), namespace)
        return namespace
    notebook = json.loads((HERE / "backprop_sigmoid.ipynb").read_text(encoding="utf-8"))
    for i, cell in enumerate(notebook["cells"]):
        if cell.get("cell_type") == "code" and cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            try:
                exec(compile(source, f"backprop_sigmoid.ipynb cell {i}", "exec"), namespace)
            except Exception as err:  # noqa: BLE001 - report per function below
                print(f"cell {i} stopped: {type(err).__name__}: {err}")
    return namespace


FUNCTIONS = _your_functions()


@pytest.mark.parametrize("name", list(CHECKS))
def test_public(name):
    if not callable(FUNCTIONS.get(name)):
        pytest.fail(f"{name} is not defined")
    check(name, FUNCTIONS[name])
