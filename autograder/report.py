"""What a person reads in the terminal: one result, or a class's grade table (rich)."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .course import Assignment


def print_result(result: dict, *, title: str, console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title=title)
    for column in ("function", "score", "status", "tags"):
        table.add_column(column)
    for test in result["tests"]:
        style = "green" if test["status"] == "passed" else "red"
        table.add_row(test["name"], f"{test['score']:g} / {test['max_score']:g}",
                      f"[{style}]{test['status']}[/{style}]", ", ".join(test["tags"]))
    console.print(table)
    console.print(f"Total: {result['score']:g} / {result['max_score']:g}   ({result['execution_time']:.2f} s)")
    for test in result["tests"]:
        if test["status"] != "passed":
            console.print(f"{test['name']}: {test['output']}", highlight=False, markup=False)
    if result.get("output"):
        console.print(result["output"], highlight=False, markup=False)


def print_grade_table(summary, assignment: Assignment, console: Console | None = None) -> None:
    """summary: {student: results.json dict or {"error": reason}}."""
    console = console or Console()
    table = Table(title=f"{assignment.name}: {len(summary)} submissions")
    table.add_column("student")
    table.add_column("score", justify="right")
    table.add_column("functions passed", justify="right")
    table.add_column("diagnosis")
    for student, result in sorted(summary.items()):
        if "error" in result:
            table.add_row(student, "-", "-", f"[red]not graded: {result['error']}[/red]")
            continue
        passed = sum(t["status"] == "passed" for t in result["tests"])
        tags = sorted({tag for t in result["tests"] for tag in t["tags"]})
        table.add_row(student, f"{result['score']:.2f} / {result['max_score']:g}",
                      f"{passed} / {len(result['tests'])}", ", ".join(tags))
    console.print(table)
