"""Error carried forward: the graded parts each composite may borrow from the reference.

A composite is a graded function whose reference calls other graded functions (`forward` calls
`relu`; `train` calls `forward`, `mse_loss`, `backward`, `sgd_step`, and through them the
gradient steps). It is scored on its own logic: while the grader calls the student's composite,
the names of its parts are bound to stand-ins that run the reference parts on the trusted side
(docs/scoring.md). The parts lent are exactly the reference's callees, directly or through other
parts, so nothing is lent to a function that does not build on it, and no cycle can lend a
function its own answer. Parts are graded before the composites that borrow them.
"""
from __future__ import annotations

import functools
import importlib
import types


def callees(function, names) -> list[str]:
    """The names among `names` that `function`'s own code refers to (nested functions too), in
    `names` order."""
    referred: set[str] = set()
    stack = [function.__code__]
    while stack:
        code = stack.pop()
        referred |= set(code.co_names)
        stack += [c for c in code.co_consts if isinstance(c, types.CodeType)]
    return [n for n in names if n in referred]


def part_graph(reference, graded) -> dict[str, tuple[str, ...]]:
    """graded function -> the graded functions its reference calls, directly or through others
    (in `graded` order; () for a function that calls none)."""
    graded = list(graded)
    direct = {name: [p for p in callees(getattr(reference, name), graded) if p != name]
              for name in graded if callable(getattr(reference, name, None))}
    graph = {}
    for name in graded:
        found, frontier = set(), list(direct.get(name, []))
        while frontier:
            part = frontier.pop()
            if part not in found and part != name:
                found.add(part)
                frontier += direct.get(part, [])
        graph[name] = tuple(p for p in graded if p in found)
    return graph


def lent_parts(reference, graded) -> dict[str, dict]:
    """composite -> {part name: the reference's function}: what the grader lends it."""
    return {name: {p: getattr(reference, p) for p in parts}
            for name, parts in part_graph(reference, graded).items() if parts}


def grading_order(graph: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """function -> its depth (0 for a function with no parts): tests run in increasing depth, so
    every part is graded before a composite can borrow it."""
    depth: dict[str, int] = {}

    def visit(name, seen=()):
        if name not in depth:
            depth[name] = 1 + max((visit(p, seen + (name,)) for p in graph.get(name, ()) if p not in seen),
                                  default=-1)
        return depth[name]
    for name in graph:
        visit(name)
    return depth


@functools.lru_cache(maxsize=None)
def plan(assignment) -> tuple[dict[str, tuple[str, ...]], dict[str, dict]]:
    """(part graph, lent parts) of an assignment, from its reference solution (trusted)."""
    reference = importlib.import_module(assignment.solution)
    graded = [f.name for f in assignment.functions]
    return part_graph(reference, graded), lent_parts(reference, graded)
