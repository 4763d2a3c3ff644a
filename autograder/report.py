"""What a person reads in the terminal: one result, or a class's grade table (rich).

Every cell is a `rich.text.Text` of `text.terminal_text`, never markup: a student's string (a
folder or file name, a message, an error) is shown as the characters it holds, its control
characters as escapes (ESC as `\x1b`), so it cannot forge a colour, a score or a line, nor raise
rich's MarkupError.
"""
from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .course import Assignment
from .text import NAME_CAP, terminal_text


def _cell(value, style: str = "", limit: int = NAME_CAP, *, lines: bool = False) -> Text:
    """A student's string as a terminal shows it; lines: a message, its newlines and tabs kept."""
    return Text(terminal_text(value, limit, lines=lines), style=style)


def print_result(result: dict, *, title: str, console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title=_cell(title, limit=1000))
    for column in ("function", "score", "status", "tags"):
        table.add_column(column)
    for test in result["tests"]:
        style = "green" if test["status"] == "passed" else "red"
        table.add_row(_cell(test["name"]), _cell(f"{test['score']:g} / {test['max_score']:g}"),
                      _cell(test["status"], style), _cell(", ".join(test["tags"]), limit=1000))
    console.print(table)
    console.print(f"Total: {result['score']:g} / {result['max_score']:g}   ({result['execution_time']:.2f} s)",
                  highlight=False, markup=False)
    for test in result["tests"]:
        if test["status"] != "passed":
            console.print(_cell(f"{test['name']}: {test['output']}", limit=10_000, lines=True), highlight=False)
    if result.get("output"):
        console.print(_cell(result["output"], limit=20_000, lines=True), highlight=False)


def print_grade_table(summary, assignment: Assignment, console: Console | None = None) -> None:
    """summary: {student: results.json dict or {"error": reason}}."""
    console = console or Console()
    table = Table(title=_cell(f"{assignment.name}: {len(summary)} submissions"))
    table.add_column("student")
    table.add_column("score", justify="right")
    table.add_column("functions passed", justify="right")
    table.add_column("diagnosis")
    for student, result in sorted(summary.items()):
        if "error" in result:
            table.add_row(_cell(student), "-", "-", _cell(f"not graded: {result['error']}", "red", 1000, lines=True))
            continue
        passed = sum(t["status"] == "passed" for t in result["tests"])
        tags = sorted({tag for t in result["tests"] for tag in t["tags"]})
        table.add_row(_cell(student), _cell(f"{result['score']:.2f} / {result['max_score']:g}"),
                      _cell(f"{passed} / {len(result['tests'])}"), _cell(", ".join(tags), limit=1000))
    console.print(table)


def print_batch_summary(summary, assignment: Assignment, console: Console | None = None) -> None:
    """What the run did (graded now, reused, failed) and the mean score of each function.
    summary: batch.ClassResults."""
    console = console or Console()
    graded = [r for r in summary.values() if "error" not in r]
    console.print(f"{assignment.name}: {len(summary.graded)} graded now, {len(summary.reused)} reused, "
                  f"{len(summary.failed)} failed", highlight=False, soft_wrap=True)
    if summary.failed:
        console.print(_cell(f"not graded (rerun to retry): {', '.join(sorted(summary.failed))}", limit=20_000),
                      highlight=False)
    if not graded:
        return
    table = Table(title=f"{assignment.name}: mean score per function over {len(graded)} submissions")
    for column in ("function", "mean", "max", "passed"):
        table.add_column(column, justify="left" if column == "function" else "right")
    for function in assignment.functions:
        tests = [t for r in graded for t in r["tests"] if t["name"] == function.name]
        mean = sum(t["score"] for t in tests) / len(tests) if tests else 0.0
        passed = sum(t["status"] == "passed" for t in tests)
        table.add_row(function.name, f"{mean:.2f}", f"{function.points:g}", f"{passed} / {len(tests)}")
    console.print(table)
    total = sum(r["score"] for r in graded) / len(graded)
    console.print(f"mean total: {total:.2f} / {assignment.max_score:g}", highlight=False)
