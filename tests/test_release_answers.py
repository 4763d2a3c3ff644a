"""No release hands out a graded function's answer: students derive, they do not transcribe.

For every graded function of every assignment, the expressions its reference returns (and those that
feed a returned name) must not appear, as code, anywhere in the release: the notebook's markdown and
code cells and the files released beside it. Spaces, backticks and `2.0` vs `2` do not matter.
Calls of other graded functions on their documented arguments (`relu(z1)`) say nothing a student
must derive, and a few functions are defined by their formula: those are listed with the reason.
"""
import ast
import importlib
import inspect
import re
import textwrap

import nbformat
import pytest

from autograder.course import load_course

COURSE = load_course()
DEFINED_BY_THEIR_FORMULA = {   # (assignment, function): why stating the formula gives nothing away
    ("gradients", "forward_difference"): "the notebook teaches this definition of a finite difference",
    ("gradients", "central_difference"): "the notebook teaches this definition of a finite difference",
    ("gradients", "f_loss"): "the function is the bowl x**2 + 3 y**2 itself",
    ("neuron", "neuron_step"): "the gradient-descent update p - lr * g is the definition of a step",
    ("neuron", "neuron_forward"): "the layer's map Z = X @ W.T + b is the documented model",
}


def squashed(text: str) -> str:
    text = re.sub(r"\s+", "", text).replace("`", "")
    return re.sub(r"(?<![\w.])(\d+)\.0(?!\d)", r"\1", text)


def answer_expressions(function) -> list[str]:
    """What the reference computes as its answer, as code: returned expressions and those that feed
    a returned name, when they compute something (an operator, an attribute, an index)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function))).body[0]
    nodes = list(ast.walk(tree))
    returned = [n.value for n in nodes if isinstance(n, ast.Return) and n.value is not None]
    names = {n.id for r in returned for n in ast.walk(r) if isinstance(n, ast.Name)}
    fed = [n.value for n in nodes if isinstance(n, ast.Assign)
           and any(isinstance(t, ast.Name) and t.id in names for t in n.targets)]
    computes = (ast.BinOp, ast.UnaryOp, ast.Compare, ast.Subscript, ast.Attribute)
    return [ast.unparse(e) for e in returned + fed if any(isinstance(n, computes) for n in ast.walk(e))]


@pytest.fixture(scope="module")
def releases(course_dir):
    return {name: course_dir / "release" / name for name in COURSE.assignments}


@pytest.mark.parametrize("assignment", list(COURSE.assignments.values()), ids=lambda a: a.name)
def test_no_release_contains_a_graded_functions_answer(assignment, releases):
    folder = releases[assignment.name]
    texts = []
    for path in sorted(folder.iterdir()):
        if path.suffix == ".ipynb":
            texts += [cell.source for cell in nbformat.read(path, as_version=4).cells]
        else:
            texts.append(path.read_text(encoding="utf-8"))
    released = squashed("\n".join(texts))
    reference = importlib.import_module(assignment.solution)
    checked, leaks = 0, []
    for function in assignment.functions:
        if (assignment.name, function.name) in DEFINED_BY_THEIR_FORMULA:
            continue
        for code in answer_expressions(getattr(reference, function.name)):
            checked += 1
            if squashed(code) in released:
                leaks.append(f"{function.name}: {code}")
    assert not leaks, f"release/{assignment.name} gives away: {leaks}"
    assert checked, "no answer expression was checked: the test proves nothing"
