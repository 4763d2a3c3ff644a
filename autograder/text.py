"""Strings from a submission, made safe for wherever the grader writes them (docs/sandbox.md).

Every text that reaches results.json, a terminal table, a notebook or HTML passes `safe_text`
first: valid UTF-8 (lone surrogates replaced), NUL bytes dropped, and capped. Escaping for the
place it is shown is done there: `terminal_text` for the terminal (its control characters shown
as escapes, in a `rich.text.Text`, no markup, in report.py), HTML escaping in feedback.py.
"""
from __future__ import annotations

MESSAGE_CAP = 8000      # characters of one message (a function's output, an error)
OUTPUT_CAP = 16000      # characters of a result's top-level output
NAME_CAP = 200          # a name (student, file, tag)

# What a terminal obeys rather than shows: C0 controls, DEL and C1 controls (ESC starts a colour,
# a cursor move or a title; U+009B is CSI on its own), the bidirectional overrides, embeddings and
# isolates (they reorder what a line shows), and the line and paragraph separators.
_CONTROLS = [*range(0x20), 0x7F, *range(0x80, 0xA0), 0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F),
             *range(0x2066, 0x206A), 0x2028, 0x2029]
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
_ESCAPES = {code: _NAMED.get(chr(code)) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
            for code in _CONTROLS}
_ESCAPES_KEEPING_LINES = {**_ESCAPES, ord("\n"): "\n", ord("\t"): "\t"}


def safe_text(value, limit: int = MESSAGE_CAP) -> str:
    """`value` as a capped, valid UTF-8 string without NUL bytes (a note says what was cut)."""
    if not isinstance(value, str):
        try:
            value = str(value)
        except Exception:  # noqa: BLE001 - a hostile __str__
            value = "<unprintable>"
    cut = len(value) > limit
    value = value[:limit]
    value = value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")
    return value + (f"\n[... cut at {limit} characters]" if cut else "")


def terminal_text(value, limit: int = NAME_CAP, *, lines: bool = False) -> str:
    """`safe_text` for a terminal: every control character shown as its escape (ESC as `\\x1b`, a
    newline as `\\n`), so that nothing a submission wrote, nor a student's folder name, colours,
    moves, retitles or reorders what the grader prints. lines: keep newlines and tabs (a message's
    own layout)."""
    return safe_text(value, limit).translate(_ESCAPES_KEEPING_LINES if lines else _ESCAPES)


def safe_result(result: dict) -> dict:
    """A results.json dict with every string made safe (`safe_text`); numbers are left alone."""
    clean = dict(result)
    if "output" in clean:
        clean["output"] = safe_text(clean["output"], OUTPUT_CAP)
    if "error" in clean:
        clean["error"] = safe_text(clean["error"])
    tests = []
    for test in clean.get("tests", []):
        test = dict(test)
        test["name"] = safe_text(test.get("name", ""), NAME_CAP)
        test["output"] = safe_text(test.get("output", ""))
        test["status"] = safe_text(test.get("status", ""), NAME_CAP)
        test["tags"] = [safe_text(t, NAME_CAP) for t in test.get("tags", [])]
        tests.append(test)
    if "tests" in clean:
        clean["tests"] = tests
    return clean
