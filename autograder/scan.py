"""The course's own Python files read without running them: the functions a file defines, the names
its decorators mark (`@graded("relu")`, `@public("relu")`). Instructor files only, never a submission."""
from __future__ import annotations

import ast
import functools
import importlib.util
from pathlib import Path


def module_file(root: Path, module: str) -> Path | None:
    """The file of an importable module (e.g. solutions.backprop): under `root` if it is there,
    else wherever Python would import it from; None when there is none."""
    candidate = Path(root).joinpath(*module.split(".")).with_suffix(".py")
    if candidate.is_file():
        return candidate
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    return Path(spec.origin) if spec is not None and spec.origin and spec.origin.endswith(".py") else None


def _stamp(path: Path | None) -> tuple[str, int, int] | None:
    """(path, mtime, size) of a regular file, None when there is none: the key of what is kept."""
    try:
        info = Path(path).stat() if path is not None else None
    except OSError:
        return None
    return (str(path), info.st_mtime_ns, info.st_size) if info is not None and Path(path).is_file() else None


def _tree(path: Path | None) -> ast.Module | None:
    """The file's syntax tree (shared: callers only read it), parsed again only when the file
    changes: the grader loads the course once per hidden-suite module, so a class would otherwise
    parse every hidden test file dozens of times per submission."""
    stamp = _stamp(path)
    return None if stamp is None else _parsed(*stamp)


@functools.lru_cache(maxsize=256)
def _parsed(path: str, mtime_ns: int, size: int) -> ast.Module | None:
    try:
        return ast.parse(Path(path).read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError, OSError):
        return None


def function_nodes(path: Path | None) -> dict[str, ast.FunctionDef]:
    """name -> the top-level `def` of a Python file, in order ({} when it cannot be read or parsed)."""
    tree = _tree(path)
    return {} if tree is None else {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


def defined_functions(path: Path | None) -> list[str]:
    """The top-level functions a Python file defines, in order."""
    return list(function_nodes(path))


def decorated(path: Path | None, decorator: str) -> list[str]:
    """The functions a file marks with `decorator`, in order: the first string argument of each call
    `decorator("name", ...)` (`@graded("relu")`, `public("train")(check)`, `x.graded(...)`), and every
    string argument of `each_<decorator>("a", "b", ...)` (`@each_graded("dL_dW2", "dL_dW1")`)."""
    stamp = _stamp(path)
    return [] if stamp is None else list(_decorated(*stamp, decorator))


@functools.lru_cache(maxsize=256)
def _decorated(path: str, mtime_ns: int, size: int, decorator: str) -> tuple[str, ...]:
    tree = _parsed(path, mtime_ns, size)
    names = []
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)] if tree is not None else []
    for node in sorted(calls, key=lambda call: (call.lineno, call.col_offset)):
        called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        strings = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in node.args]
        if called == decorator and strings and strings[0] is not None:
            names.append(strings[0])
        elif called == f"each_{decorator}":
            names.extend(name for name in strings if name is not None)
    return tuple(names)


def graded_in_suite(suite_dir: Path) -> dict[str, list[str]]:
    """function -> the hidden test files (test_*.py in `suite_dir`) with a test marked @graded(function)
    or @each_graded(..., function, ...)."""
    found: dict[str, list[str]] = {}
    for path in sorted(Path(suite_dir).glob("test_*.py")):
        for name in decorated(path, "graded"):
            files = found.setdefault(name, [])
            if path.name not in files:
                files.append(path.name)
    return found
