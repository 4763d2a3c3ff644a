"""docs/authoring.md, followed on a copy of the course: a new graded function touches at most three
files, and `autograder validate` and `generate` take it end to end."""
import hashlib
import re

import nbformat

from autograder.checklist import missing_pieces
from autograder.course import PROJECT_ROOT, load_course
from helpers import copy_course, run_cli

GUIDE = PROJECT_ROOT / "docs" / "authoring.md"
BLOCK = re.compile(r"^\*\*(?P<file>[\w/.]+)\*\*, (?P<where>at the end|a new file):\n\n```\w+\n(?P<code>.*?)^```",
                   re.MULTILINE | re.DOTALL)


def guide_blocks() -> list[tuple[str, str, str]]:
    """(file, where, code) of each file the guide tells the instructor to write, in order."""
    return [(m["file"], m["where"], m["code"]) for m in BLOCK.finditer(GUIDE.read_text(encoding="utf-8"))]


def snapshot(root) -> dict[str, str]:
    """relative path -> digest of every file the instructor's tree holds (caches left out)."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*")
            if p.is_file() and ".autograder" not in p.parts and "__pycache__" not in p.parts}


def test_a_new_graded_function_as_the_guide_adds_it(tmp_path):
    root = tmp_path / "course"
    course_file = copy_course(load_course(), "neuron", root)
    before = snapshot(root)
    blocks = guide_blocks()
    assert [(f, w) for f, w, _ in blocks] == [("solutions/neuron.py", "at the end"),
                                               ("tests/hidden/neuron/test_neuron_softplus.py", "a new file"),
                                               ("tests/mutants/neuron.toml", "at the end")]
    for file, where, code in blocks[:2]:
        path = root / file
        path.write_text((path.read_text(encoding="utf-8") + "\n\n" if where == "at the end" else "") + code,
                        encoding="utf-8")
    neuron = load_course(course_file).assignment("neuron")
    assert neuron.functions[-1].name == "softplus" and neuron.function("softplus").points == 1
    said = [m.line() for m in missing_pieces(neuron)]
    for line in said:                                  # what the guide shows validate saying, verbatim
        assert line in GUIDE.read_text(encoding="utf-8"), line
    assert [line.split(":")[1].strip() for line in said] == ["0 mutants", "0 correct variants", "no public check"]

    file, _, code = blocks[2]
    path = root / file
    path.write_text(path.read_text(encoding="utf-8") + "\n" + code, encoding="utf-8")
    changed = {name for name, digest in snapshot(root).items() if before.get(name) != digest}
    assert changed == {file for file, _, _ in blocks}        # three files: reference, hidden test, catalogue

    done = run_cli("--course-file", course_file, "validate", "neuron", "--function", "softplus",
                   "--per-function", "1", cwd=root, timeout=600)
    out = done.stdout
    assert done.returncode == 0, out + done.stderr[-3000:]
    assert "[ok] every graded function has" in out and "note: softplus: no public check" in out
    assert "[ok] reference solution scores full marks" in out and "[ok] untouched release scores zero" in out
    assert re.search(r"\[\s+ok\s+\] softplus__naive_overflow", out) and "named correctly 1/1" in out
    assert re.search(r"\[\s+ok\s+\] softplus__logaddexp", out)

    done = run_cli("--course-file", course_file, "generate", "neuron", "--course-dir", tmp_path / "class",
                   cwd=root, timeout=300)
    assert done.returncode == 0, done.stderr
    released = nbformat.read(tmp_path / "class" / "release" / "neuron" / "neuron.ipynb", as_version=4)
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in released.cells}
    assert "def softplus(z):" in cells["softplus"].source and "NotImplementedError" in cells["softplus"].source
    assert "log1p" not in cells["softplus"].source                    # the reference stays private
    assert cells["test_softplus"].metadata["nbgrader"]["points"] == 1.0
