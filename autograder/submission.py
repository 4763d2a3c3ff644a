"""A submission file -> the student's code units, read without running anything.

Notebooks run as nbgrader runs them, minus what only displays: first the notebook's locked setup
cells as released (display imports such as matplotlib are inert in the sandbox), then, in the
student's order, every cell the student may write: the answer cells (nbgrader solution cells,
matched by grade_id against the instructor's source notebook), the cells the student added
(helpers, imports, constants) and the given demonstration cells the student edited. Unchanged
demonstration cells are not run (nothing graded depends on them, and their training runs would
only cost time). IPython magics are turned into Python as IPython would, and do nothing. Grade
cells never run: the hidden suite grades. Locked cells are compared with the released version; a
changed one is reported (`locked_cell_modified`) and has no effect.

.py files: the whole module is one unit.

Anything unreadable (not UTF-8, not JSON, not a notebook, empty, too large) raises
`UnreadableSubmission` with a reason for the student.
"""
from __future__ import annotations

import ast
import copy
import functools
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .cases import private_folder
from .course import Assignment, function_of_grade_cell
from .sandbox.proxy import Unit
from .student_cells import with_student_cells

MAX_BYTES = 20 * 2**20
DISPLAY_MODULES = ("matplotlib", "IPython", "seaborn")   # draw or display only: inert when graded
PREAMBLE = Unit("the notebook's setup (import numpy as np)", "import numpy as np\n")
# [ \t], not \s, before and inside a definition: \s also matches line ends, which made a search
# over many blank lines take quadratic time (minutes for a file of a megabyte)
DEF_PATTERN = re.compile(r"^[ \t]*def[ \t]+([A-Za-z_]\w*)[ \t]*\(", re.MULTILINE)


class UnreadableSubmission(ValueError):
    """The file cannot be graded at all; the message says why, for the student."""


@dataclass
class Extracted:
    units: list[Unit]
    notes: list[str] = field(default_factory=list)                 # for the top-level output
    function_tags: dict[str, list[str]] = field(default_factory=dict)   # function -> extra tags
    blocked: dict[str, tuple[str, str]] = field(default_factory=dict)   # function -> (tag, message)


def _nbgrader(cell) -> dict:
    metadata = cell.get("metadata", {})
    meta = metadata.get("nbgrader", {}) if isinstance(metadata, dict) else {}
    return meta if isinstance(meta, dict) else {}


def is_written_answer(meta: dict) -> bool:
    """A written answer: a Markdown cell nbgrader grades by hand (solution and grade); never run."""
    return bool(meta.get("solution") and meta.get("grade"))


def _defines(source: str) -> tuple[str, ...]:
    return tuple(DEF_PATTERN.findall(source))


RELEASE_VIEWS = Path(".autograder") / "release-view"   # beside course.toml: nbgrader's output, kept


@functools.lru_cache(maxsize=16)
def _release_view(source_notebook: str, mtime: float, course_root: str):
    """The source notebook as nbgrader releases it (solutions stubbed, hidden tests removed).
    nbgrader's output is kept on disk, keyed by the source's bytes and nbgrader's version, so a
    new grading process does not import nbgrader (about 0.7 s) to compute it again."""
    data = Path(source_notebook).read_bytes()
    nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    import importlib.metadata
    key = hashlib.sha256(data + b"\0nbgrader " + importlib.metadata.version("nbgrader").encode()).hexdigest()
    kept = Path(course_root) / RELEASE_VIEWS / f"{key}.ipynb"
    try:
        released = nbformat.reads(kept.read_text("utf-8"), as_version=4)
        if len(released.cells) == len(nb.cells):
            return nb, released
    except (OSError, ValueError, UnicodeDecodeError):
        pass
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions
    released = copy.deepcopy(nb)
    released, _ = ClearSolutions().preprocess(released, {"language": "python"})
    released, _ = ClearHiddenTests().preprocess(released, {})
    try:
        private_folder(kept.parent.parent.parent)    # .autograder also holds the case secret
        kept.parent.mkdir(exist_ok=True)
        aside = kept.with_name(f".{kept.name}.{os.getpid()}")
        aside.write_text(nbformat.writes(released), "utf-8")
        os.replace(aside, kept)            # atomic: parallel workers never read half a file
    except OSError:
        pass                               # a read-only course folder: computed each time
    return nb, released


def _student_view(assignment: Assignment, mtime: float):
    """The release view with the two cells the release adds for the student (student_cells.py)."""
    nb, released = _release_view(str(assignment.source_notebook), mtime, str(assignment.root))
    return with_student_cells(nb, assignment), with_student_cells(released, assignment)


def read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing what is not a plain file: a symbolic link is never followed
    (the grader runs as root; a link to the solutions must not be graded), nor is a FIFO or a
    device opened for reading (they could block or never end)."""
    path = Path(path)
    if path.is_symlink():
        raise UnreadableSubmission(f"{path.name!r} is a symbolic link; submit the file itself.")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as err:
        raise UnreadableSubmission(f"The submission could not be opened: {err.strerror}.") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UnreadableSubmission(f"{path.name!r} is not a regular file; submit the file itself.")
        return f.read(MAX_BYTES + 1)


UNREADABLE = "not-a-regular-file"         # the fingerprint of a file `read_bytes` refuses
TOO_LARGE = "over-the-size-limit"         # ... and of one over MAX_BYTES, refused unread by read_text


def fingerprint(data: bytes) -> str:
    """What says a file is the one graded before (a batch's stamp): the SHA-256 of `data` as
    `read_bytes` gave it, or TOO_LARGE past MAX_BYTES (every such file gets the same zero)."""
    return hashlib.sha256(data).hexdigest() if len(data) <= MAX_BYTES else TOO_LARGE


def file_fingerprint(path: Path | None) -> str:
    """`fingerprint` of the file as a grading reads it ("" for no file, UNREADABLE for one refused)."""
    if path is None:
        return ""
    try:
        return fingerprint(read_bytes(path))
    except UnreadableSubmission:
        return UNREADABLE


def read_text(path: Path) -> str:
    data = read_bytes(path)
    if not data.strip():
        raise UnreadableSubmission("The submission is empty.")
    if len(data) > MAX_BYTES:
        raise UnreadableSubmission(f"The submission is over the "
                                   f"{MAX_BYTES // 2**20} MiB limit (clear large outputs and resubmit).")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise UnreadableSubmission(f"The submission is not UTF-8 text (byte {err.start}).") from None


def extract(path: Path | str, assignment: Assignment) -> Extracted:
    """Read a .ipynb or .py submission into code units, with integrity notes."""
    path = Path(path)
    if path.suffix == ".py":
        text = read_text(path)
        extracted = Extracted([PREAMBLE, Unit(f"{path.name}", text, _defines(text))])
    elif path.suffix == ".ipynb":
        extracted = _extract_notebook(read_text(path), assignment)
    else:
        raise UnreadableSubmission(f"Submit a .ipynb notebook or a .py file, not {path.name!r}.")
    _block_forbidden(extracted, assignment)
    return extracted


def _extract_notebook(text: str, assignment: Assignment) -> Extracted:
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as err:  # noqa: BLE001 - nbformat raises many kinds for broken JSON
        raise UnreadableSubmission(f"The notebook is not valid notebook JSON ({type(err).__name__}).") from None
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise UnreadableSubmission("The notebook has no list of cells.")
    source_nb, released = _student_view(assignment, assignment.source_notebook.stat().st_mtime)
    kinds = {}                      # grade_id -> "answer" | "protected" in the source notebook
    setup, demos = [], set()
    for source_cell, released_cell in zip(source_nb.cells, released.cells):
        meta = _nbgrader(source_cell)
        grade_id = meta.get("grade_id")
        if grade_id:
            kinds[grade_id] = "answer" if meta.get("solution") else "protected"
            if meta.get("locked") and not meta.get("grade") and not meta.get("solution") \
                    and source_cell.cell_type == "code":
                setup.append(Unit(f"the notebook's setup cell '{grade_id}'", _without_display_imports(
                    released_cell.source)))
        elif source_cell.cell_type == "code":
            demos.add(released_cell.source.strip())

    extracted = Extracted([PREAMBLE, *setup])
    seen: dict[str, int] = {}
    for position, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = _source_text(cell.get("source", ""))
        grade_id = _nbgrader(cell).get("grade_id")
        grade_id = grade_id if isinstance(grade_id, str) else None
        if grade_id in kinds:
            seen[grade_id] = seen.get(grade_id, 0) + 1
            if kinds[grade_id] == "answer" and seen[grade_id] == 1 and source is not None:
                extracted.units.append(Unit(f"cell '{grade_id}'", _python(source), _defines(source)))
            continue
        if source is None or not source.strip() or source.strip() in demos:
            continue
        extracted.units.append(Unit(f"your cell {position} (not an answer cell)", _python(source), _defines(source)))

    by_id: dict[str, list] = {}
    for cell in cells:
        if isinstance(cell, dict) and isinstance(_nbgrader(cell).get("grade_id"), str):
            by_id.setdefault(_nbgrader(cell)["grade_id"], []).append(cell)
    graded = {f.name for f in assignment.functions}
    for source_cell, released_cell in zip(source_nb.cells, released.cells):
        meta = _nbgrader(source_cell)
        grade_id = meta.get("grade_id")
        if not grade_id or is_written_answer(meta):
            continue
        mine = by_id.get(grade_id, [])
        if len(mine) > 1:
            extracted.notes.append(f"Cell '{grade_id}' appears {len(mine)} times; the first copy was graded.")
        if meta.get("solution"):
            if not mine:
                found = next((u.name for u in extracted.units if grade_id in u.defines), None)
                extracted.notes.append(
                    f"Answer cell '{grade_id}' has lost its nbgrader metadata; {found} defines `{grade_id}`, "
                    "and that was graded." if found else
                    f"Answer cell '{grade_id}' is missing from the notebook (was it deleted, or its metadata "
                    "removed?).")
            elif _source_text(mine[0].get("source", "")) is None or mine[0].get("cell_type") != "code":
                extracted.notes.append(f"Answer cell '{grade_id}' is not a code cell.")
        elif meta.get("locked") or meta.get("grade"):
            expected = released_cell.get("source", "")
            actual = _source_text(mine[0].get("source", "")) if mine else None
            if mine and actual is None:          # a source that is not text (e.g. a dict): changed
                actual = "\0not text"
            if actual is not None and meta.get("grade") and actual.strip() != expected.strip():
                actual = _without_hidden_tests(actual)    # (the released cell has no hidden region)
            if actual is None or actual.strip() != expected.strip():
                what = "deleted" if not mine else "changed"
                extracted.notes.append(f"Read-only cell '{grade_id}' was {what}; the original was used.")
                function = function_of_grade_cell(grade_id)
                if function in graded:
                    extracted.function_tags.setdefault(function, []).append("locked_cell_modified")
    return extracted


def _source_text(source) -> str | None:
    """A cell's source as one string (nbformat allows a list of lines), or None when it is neither."""
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    return source if isinstance(source, str) else None


MAGIC = re.compile(r"^[ \t]*[%!]", re.MULTILINE)      # [ \t]: see DEF_PATTERN
MAX_MAGICS = 50     # magic lines in a cell: IPython's transformer took 5 s for 1,000 of them


def _python(source: str) -> str:
    """A cell's source as Python: IPython magics (`%matplotlib inline`, `!ls`) become calls on
    `get_ipython()`, as IPython runs them; in the sandbox they do nothing. A cell of more than
    MAX_MAGICS magic lines is left as it is (a syntax error, reported)."""
    magics = len(MAGIC.findall(source))
    if not magics or magics > MAX_MAGICS:
        return source
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - hostile text: left as it is (a syntax error, reported)
        return source


def _without_display_imports(source: str) -> str:
    """The instructor's setup cell as Python without its top-level matplotlib imports: the sandbox
    has NumPy only, and nothing graded draws."""
    lines = source.splitlines(keepends=True)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            if all(n.partition(".")[0] in DISPLAY_MODULES for n in names):
                for i in range(node.lineno - 1, node.end_lineno):
                    lines[i] = "\n"
    return "".join(lines)


def _without_hidden_tests(source: str) -> str:
    """A grade cell's source as nbgrader releases it (the hidden-tests region removed)."""
    from nbgrader.preprocessors import ClearHiddenTests
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True}
    ClearHiddenTests().preprocess_cell(cell, {}, 0)
    return cell.source


def _block_forbidden(extracted: Extracted, assignment: Assignment) -> None:
    """Refuse, before running anything, the functions whose code uses a forbidden library."""
    forbidden = set(assignment.forbidden_imports)
    if not forbidden:
        return
    trees = []
    aliases: dict[str, str] = {}
    for unit in extracted.units:
        try:
            tree = ast.parse(unit.source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue      # the child cannot compile it either: it defines nothing
        trees.append(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.partition(".")[0] in forbidden:
                        aliases[(alias.asname or alias.name).partition(".")[0]] = alias.name.partition(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module and \
                    node.module.partition(".")[0] in forbidden:
                for alias in node.names:
                    aliases[alias.asname or alias.name] = node.module.partition(".")[0]
    if not aliases:
        return
    for tree in trees:
        for node in tree.body:
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            used = sorted({aliases[n.id] for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in aliases} |
                          {aliases.get(a.asname or a.name, a.name.partition(".")[0])
                           for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))
                           for a in n.names if (a.asname or a.name) in aliases})
            if used:
                extracted.blocked[node.name] = (
                    "forbidden_import",
                    f"`{node.name}` uses {', '.join(used)}, which this assignment forbids: the point is to "
                    "compute it yourself with NumPy. It earns no points.")
