"""What a person reads in the terminal: one result, or a class's grade table (rich).

Every cell is a `rich.text.Text`, never markup: a student's string (a file name, a message, an
error) is shown as the characters it holds, so it cannot forge a colour or a score, nor raise
rich's MarkupError.
"""
from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .course import Assignment
from .text import NAME_CAP, safe_text


def _cell(value, style: str = "", limit: int = NAME_CAP) -> Text:
    return Text(safe_text(value, limit), style=style)


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
            console.print(_cell(f"{test['name']}: {test['output']}", limit=10_000), highlight=False)
    if result.get("output"):
        console.print(_cell(result["output"], limit=20_000), highlight=False)


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
            table.add_row(_cell(student), "-", "-", _cell(f"not graded: {result['error']}", "red", 1000))
            continue
        passed = sum(t["status"] == "passed" for t in result["tests"])
        tags = sorted({tag for t in result["tests"] for tag in t["tags"]})
        table.add_row(_cell(student), _cell(f"{result['score']:.2f} / {result['max_score']:g}"),
                      _cell(f"{passed} / {len(result['tests'])}"), _cell(", ".join(tags), limit=1000))
    console.print(table)
