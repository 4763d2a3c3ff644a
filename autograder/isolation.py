"""What the sandbox protects for an assignment, and what it lacks on this machine: for the
instructor's console, never a student's result. Apart from the grader, so that a command can say
it without importing pytest and the suite runner."""
from __future__ import annotations

from pathlib import Path

from .course import Assignment
from .sandbox import launcher


def isolation_notice(assignment: Assignment, isolation: str) -> str | None:
    """For the instructor's console, never a student's result: what the sandbox lacks here."""
    return launcher.isolation_warning(launcher.SandboxConfig(isolate=isolation),
                                      protected=protected_paths(assignment))


def protected_paths(assignment: Assignment) -> list[Path]:
    """What students must never read: the hidden suite, the reference solution's package, and
    the forbidden libraries installed for the grader (torch)."""
    import importlib.util
    paths = [assignment.suite_dir]
    for module in [assignment.solution, *assignment.forbidden_imports]:
        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            continue
        if spec is not None and spec.origin:
            paths.append(Path(spec.origin).parent)
    return paths
