"""Grades kept in the repository, to prove that a change to the grader changes no grade.

Every catalogued mutant and correct variant is graded by tests/test_mutants.py and
tests/test_variants.py, and every adversarial submission by tests/adversarial/test_corpus.py (its
scores, status and tags only: its messages hold ports and paths of the run). Each compares what the
graded functions got (score, tags and the whole message, the test entries of results.json; a loss
curve as the digest of its floats) with the copy kept in
tests/results/<catalogue>/<assignment>/<id>.json, byte for byte. A change meant to change grades (a
new hidden test, a better message) stores them anew: `AUTOGRADER_STORE_RESULTS=1 make test`, and
the diff of tests/results/ is then reviewed with it.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import os
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
STORE = os.environ.get("AUTOGRADER_STORE_RESULTS", "") == "1"


def stored_path(catalogue: str, assignment: str, entry_id: str) -> Path:
    return RESULTS / catalogue / assignment / f"{entry_id}.json"


def _kept(value):
    """What is kept of a results.json entry: all of it, but a loss curve's thousands of floats as
    their count and the SHA-256 of their JSON."""
    if isinstance(value, dict):
        return {k: (_digest(v) if k in ("reference", "student") and isinstance(v, list) else _kept(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_kept(v) for v in value]
    return value


def _digest(points: list) -> dict:
    """Rounded to 9 significant digits first: a machine whose BLAS sums in another order moves the
    last bits of a long training run, never its first nine digits."""
    rounded = [float(f"{v:.9g}") if isinstance(v, float) else v for v in points]
    return {"points": len(points), "sha256": hashlib.sha256(json.dumps(rounded).encode()).hexdigest()}


def differs_from_stored(catalogue: str, assignment: str, entry_id: str, tests: dict[str, dict]) -> str | None:
    """None when `tests` ({graded function: its results.json entry}) is what was stored, else why not
    (a unified diff); with AUTOGRADER_STORE_RESULTS=1, stores it instead."""
    text = json.dumps(_kept(tests), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    path = stored_path(catalogue, assignment, entry_id)
    if STORE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return None
    if not path.is_file():
        return f"no stored result at {path.relative_to(RESULTS.parent)} (AUTOGRADER_STORE_RESULTS=1 stores it)"
    stored = path.read_text(encoding="utf-8")
    if stored == text:
        return None
    diff = difflib.unified_diff(stored.splitlines(), text.splitlines(), "stored", "now", lineterm="", n=2)
    return f"{path.relative_to(RESULTS.parent)} differs:\n" + "\n".join(diff)


def stored_ids(catalogue: str, assignment: str) -> set[str]:
    folder = RESULTS / catalogue / assignment
    return {p.stem for p in folder.glob("*.json")} if folder.is_dir() else set()
