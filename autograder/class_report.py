"""What the instructor learns from a class, after a batch: reports/<assignment>/index.html.

    score distribution (histogram) -> pass rate per function (bar chart and table)
    -> the most common diagnoses, with counts and one anonymised example each
    -> near-identical submissions (copydetect; the release's own code excluded): similarity.html

Both pages (index.html and similarity.html) are self-contained HTML files that load nothing from
the network, rendered by Jinja2 with autoescaping, so nothing a submission wrote can become markup
(docs/class_report.md says how).
"""
from __future__ import annotations

import base64
import hashlib
import io
import re
import statistics
from collections import Counter
from pathlib import Path

import jinja2
import nbformat

from .course import Assignment
from .coursedir import assignment_dir
from .diagnosis import CODES
from .text import NAME_CAP, safe_text

SIMILARITY_THRESHOLD = 0.8    # copydetect's share of a file's fingerprints found in another
EXAMPLE_CHARS = 1200
FILE_NAME_CHARS = 60          # of a student's name kept in their code's file name
CODE_CAP = 500_000            # characters of a submission's code compared (a whole solution: 3,000-12,000)

PAGE = jinja2.Environment(autoescape=True).from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ name }}: class report</title>
<style>
body { font-family: sans-serif; max-width: 1000px; margin: 2em auto; color: #222; }
table { border-collapse: collapse; margin: 1em 0; } td, th { border: 1px solid #ccc; padding: 4px 8px; }
th { background: #f0f0f0; } td.num { text-align: right; } pre { background: #f7f7f7; padding: 8px;
white-space: pre-wrap; } img { max-width: 100%; }
</style></head><body>
<h1>{{ name }}: class report</h1>
<p id="overview">{{ graded }} submissions graded{% if failed %}, {{ failed }} not graded{% endif %};
mean score {{ "%.2f"|format(mean) }} / {{ "%g"|format(max_score) }}, median {{ "%.2f"|format(median) }}.</p>
<h2>Score distribution</h2>
<img id="distribution" alt="score distribution" src="data:image/png;base64,{{ distribution_png }}">
<h2>Pass rate per function</h2>
<img id="pass-rate" alt="pass rate per function" src="data:image/png;base64,{{ pass_rate_png }}">
<table id="functions"><tr><th>function</th><th>points</th><th>mean score</th><th>passed</th><th>pass rate</th></tr>
{% for f in functions %}<tr><td>{{ f.name }}</td><td class="num">{{ "%g"|format(f.points) }}</td>
<td class="num">{{ "%.2f"|format(f.mean) }}</td><td class="num">{{ f.passed }} / {{ f.total }}</td>
<td class="num">{{ "%.0f"|format(100 * f.rate) }}%</td></tr>
{% endfor %}</table>
<h2>Most common diagnoses</h2>
<table id="diagnoses"><tr><th>diagnosis</th><th>count</th><th>meaning</th><th>an example (anonymised)</th></tr>
{% for d in diagnoses %}<tr><td>{{ d.tag }}</td><td class="num">{{ d.count }}</td><td>{{ d.meaning }}</td>
<td><b>{{ d.function }}</b><pre>{{ d.example }}</pre></td></tr>
{% endfor %}</table>
<h2>Near-identical submissions</h2>
{% if pairs %}<table id="similar"><tr><th>submission</th><th>submission</th><th>shared code</th></tr>
{% for p in pairs %}<tr><td>{{ p.a }}</td><td>{{ p.b }}</td>
<td class="num">{{ "%.0f"|format(100 * p.share) }}%</td></tr>
{% endfor %}</table>{% else %}
<p id="similar">No pair above {{ "%.0f"|format(100 * threshold) }}% shared code.</p>{% endif %}
<p>Code the release provides is left out of the comparison.
Each pair's code side by side: <a href="similarity.html">similarity.html</a>.</p>
</body></html>
""")

SIMILARITY_PAGE = jinja2.Environment(autoescape=True).from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ name }}: near-identical code</title>
<style>
body { font-family: sans-serif; max-width: 1400px; margin: 2em auto; padding: 0 1em; color: #222; }
img { max-width: 48%; } .file { color: #666; font-family: monospace; } summary { cursor: pointer; color: #0645ad; }
.pair { border-top: 1px solid #ccc; padding: .5em 0; }
.side { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1em; }
pre { background: #f7f7f7; padding: 8px; margin: .3em 0; overflow-x: auto; font-size: small; }
.highlight-red { background: #f2b6b6; } .highlight-green { background: #b6f2b6; }
</style></head><body>
<h1>{{ name }}: near-identical code</h1>
<p id="overview">{{ files|length }} submissions compared by copydetect {{ version }}, the release's code left out.
Pairs where more than {{ "%.0f"|format(100 * threshold) }}% of one side's code is in the other: {{ pairs|length }}.</p>
{% if matrix_png %}<img alt="similarity matrix" src="data:image/png;base64,{{ matrix_png }}">
<img alt="similarity distribution" src="data:image/png;base64,{{ histogram_png }}">{% endif %}
<details><summary>Submissions compared (their index in the matrix)</summary><ol start="0">
{% for f in files %}<li>{{ f.student }} <span class="file">code/{{ f.file }}</span></li>
{% endfor %}</ol></details>
<h2>Matched code</h2>
{% for p in pairs %}<section class="pair">
{% for side in p.sides %}<p><b>{{ side.student }}</b> <span class="file">code/{{ side.file }}</span>:
{{ "%.0f"|format(100 * side.share) }}% of its code is in the other's</p>
{% endfor %}<details><summary>Matched code side by side ({{ p.overlap }} tokens in common)</summary><div class="side">
{% for side in p.sides %}<pre><code>
{%- for text, mark in side.code %}{% if mark %}<span class="{{ mark }}">{{ text }}</span>{% else %}{{ text }}{% endif %}
{%- endfor %}</code></pre>
{% endfor %}</div></details></section>
{% else %}<p>No pair above the threshold.</p>{% endfor %}
</body></html>
""")


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(width=7.0, height=3.2):
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    return Figure(figsize=(width, height), dpi=100)


def function_stats(assignment: Assignment, graded: dict[str, dict]) -> list[dict]:
    rows = []
    for function in assignment.functions:
        tests = [t for r in graded.values() for t in r["tests"] if t["name"] == function.name]
        passed = sum(t["status"] == "passed" for t in tests)
        rows.append({"name": function.name, "points": function.points, "passed": passed, "total": len(tests),
                     "rate": passed / len(tests) if tests else 0.0,
                     "mean": sum(t["score"] for t in tests) / len(tests) if tests else 0.0})
    return rows


def diagnoses(graded: dict[str, dict], top: int = 10) -> list[dict]:
    """The most common diagnosis codes over every failed function, each with one example message
    (the first student in order), the student's name removed."""
    counts: Counter = Counter()
    example: dict[str, tuple[str, str]] = {}
    for student, result in sorted(graded.items()):
        for test in result["tests"]:
            for tag in test["tags"] if test["status"] == "failed" else ():
                counts[tag] += 1
                if tag not in example:
                    text = re.sub(re.escape(student), "<student>", test["output"], flags=re.IGNORECASE)
                    example[tag] = (test["name"], text[:EXAMPLE_CHARS])
    return [{"tag": tag, "count": n, "meaning": CODES.get(tag, ""), "function": example[tag][0],
             "example": example[tag][1]} for tag, n in counts.most_common(top)]


def _student_code(path: Path, released_sources: set[str]) -> str:
    """A submission's code as one Python text: a .py as is, a notebook's code cells (those the
    release ships unchanged left out), without its blank lines (nothing to compare, and pygments,
    which copydetect tokenizes with, takes time growing with the square of a run of them: 15 s for
    20,000 lines holding a space), and at most CODE_CAP characters of it (pygments takes about
    10 µs a character: a 20 MiB file would hold the report for minutes)."""
    from .submission import read_text
    text = read_text(path)
    if path.suffix == ".ipynb":
        nb = nbformat.reads(text, as_version=4)
        text = "\n\n".join(c.source for c in nb.cells
                            if c.cell_type == "code" and c.source.strip() not in released_sources)
    return "".join(line for line in text.splitlines(keepends=True) if line.strip())[:CODE_CAP]


def code_file_name(student: str) -> str:
    """The file name of a student's code for copydetect: the name's letters, digits, "_" and "-"
    (anything else an "_", at most FILE_NAME_CHARS), and a hash of the whole name when that changed
    it (similar_pairs makes a name taken twice unique)."""
    kept = re.sub(r"[^\w-]", "_", student)[:FILE_NAME_CHARS]
    if kept != student or not kept:
        kept += "-" + hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{kept}.py"


def marked(code: str, slices, mark: str) -> list[tuple[str, str]]:
    """`code` as [(text, mark)], `mark` on copydetect's copied slices of it ([starts, ends]) and ""
    elsewhere: made from copydetect's positions, never from its HTML (which is read back in time
    growing with the square of some code, and which copydetect leaves unescaped in one case)."""
    segments, at = [], 0
    for start, end in zip(*slices):
        segments += [(code[at:start], ""), (code[start:end], mark)]
        at = end
    segments.append((code[at:], ""))
    return [(text, kind) for text, kind in segments if text]


def _pair_code(detector, a: str, b: str) -> tuple[list, list]:
    """The code of files `a` and `b` of a pair copydetect found, each with its copied parts marked."""
    if (a, b) in detector.slice_matrix:
        slices_a, slices_b = detector.slice_matrix[(a, b)]
    else:
        slices_b, slices_a = detector.slice_matrix[(b, a)]
    return (marked(detector.file_data[a].raw_code, slices_a, "highlight-red"),
            marked(detector.file_data[b].raw_code, slices_b, "highlight-green"))


def _similarity_page(name: str, detector, matches: list, student_of: dict[str, str]) -> str:
    """similarity.html from copydetect's results: its matrix and score histogram as embedded PNG,
    then each pair above the threshold with both codes side by side in a <details> (no script)."""
    from copydetect import __version__
    shown = {file: safe_text(student, NAME_CAP) for file, student in student_of.items()}   # a name may not be UTF-8
    files = [{"student": shown[Path(f).name], "file": Path(f).name} for f in detector.test_files]
    matrix_png = histogram_png = None
    if len(detector.similarity_matrix):
        import numpy as np
        from matplotlib.ticker import MaxNLocator
        shares = detector.similarity_matrix[:, :, 0]
        figure = _figure(5.0, 4.0)
        axes = figure.subplots()
        figure.colorbar(axes.imshow(np.where(shares == -1, np.nan, shares), vmin=0, vmax=1))
        axes.set_title("share of the row's code in the column's")
        for axis in (axes.xaxis, axes.yaxis):
            axis.set_major_locator(MaxNLocator(integer=True))
        matrix_png = _png(figure)
        figure = _figure(5.0, 4.0)
        axes = figure.subplots()
        axes.hist(shares[shares != -1], bins=20, range=(0, 1))
        axes.set_xlabel("share of a file's code found in another")
        histogram_png = _png(figure)
    pairs = []
    for share_a, share_b, a, b, _, _, overlap in matches:
        code_a, code_b = _pair_code(detector, a, b)
        pairs.append({"overlap": int(overlap), "sides": [
            {"student": shown[Path(path).name], "file": Path(path).name, "share": share, "code": code}
            for share, path, code in ((share_a, a, code_a), (share_b, b, code_b))]})
    return SIMILARITY_PAGE.render(name=name, version=__version__, files=files, pairs=pairs,
                                  threshold=SIMILARITY_THRESHOLD, matrix_png=matrix_png, histogram_png=histogram_png)


def similar_pairs(course_dir: Path, assignment: Assignment, submissions: dict[str, Path], folder: Path) -> list[dict]:
    """Pairs of submissions sharing at least SIMILARITY_THRESHOLD of their code (copydetect), the
    release's code as boilerplate; the pairs with their code go to folder/similarity.html."""
    from copydetect import CopyDetector
    released = nbformat.read(assignment_dir(course_dir, "release_directory", assignment.name) / assignment.notebook,
                             as_version=4)
    release_code = [c.source for c in released.cells if c.cell_type == "code"]
    code, boilerplate = folder / "code", folder / "boilerplate"
    for d in (code, boilerplate):
        d.mkdir(parents=True, exist_ok=True)
        for old in d.glob("*.py"):
            old.unlink()
    (boilerplate / "release.py").write_text("\n\n".join(release_code), encoding="utf-8")
    unchanged = {s.strip() for s in release_code}
    student_of = {}                 # file name -> student
    for student, path in sorted(submissions.items()):
        name = code_file_name(student)
        while name in student_of:   # a folder named as another's file name would be
            name = f"{name.removesuffix('.py')}-{len(student_of)}.py"
        try:
            (code / name).write_text(_student_code(path, unchanged), encoding="utf-8")
        except Exception:  # noqa: BLE001 - an unreadable submission has no code to compare
            (code / name).unlink(missing_ok=True)
            continue
        student_of[name] = student
    detector = CopyDetector(test_dirs=[str(code)], ref_dirs=[str(code)], boilerplate_dirs=[str(boilerplate)],
                            extensions=["py"], display_t=SIMILARITY_THRESHOLD, autoopen=False, silent=True)
    detector.run()
    matches = detector.get_copied_code_list() if len(detector.similarity_matrix) else []
    (folder / "similarity.html").write_text(_similarity_page(assignment.name, detector, matches, student_of),
                                           encoding="utf-8")
    pairs = {}
    for share_a, share_b, a, b, *_ in matches:
        key = tuple(sorted((student_of[Path(a).name], student_of[Path(b).name])))
        pairs[key] = max(pairs.get(key, 0.0), share_a, share_b)
    return [{"a": a, "b": b, "share": share} for (a, b), share in sorted(pairs.items(), key=lambda kv: -kv[1])]


def write_class_report(course_dir: Path, assignment: Assignment, summary: dict[str, dict],
                       submissions: dict[str, Path]) -> Path:
    """reports/<assignment>/index.html for a batch's summary ({student: results.json or {"error"}})
    and the submitted files ({student: path}) -> the page's path."""
    folder = Path(course_dir) / "reports" / assignment.name
    folder.mkdir(parents=True, exist_ok=True)
    graded = {s: r for s, r in summary.items() if "error" not in r}
    scores = sorted(r["score"] for r in graded.values())
    functions = function_stats(assignment, graded)

    figure = _figure()
    axes = figure.subplots()
    axes.hist(scores, bins=min(20, max(5, int(assignment.max_score) + 1)), range=(0, assignment.max_score),
              color="#1f77b4", edgecolor="white")
    axes.set_xlabel(f"score (of {assignment.max_score:g})")
    axes.set_ylabel("submissions")
    distribution = _png(figure)

    figure = _figure(height=max(3.0, 0.28 * len(functions) + 1))
    axes = figure.subplots()
    axes.barh([f["name"] for f in functions][::-1], [100 * f["rate"] for f in functions][::-1], color="#2ca02c")
    axes.set_xlim(0, 100)
    axes.set_xlabel("% of submissions passing every check")
    pass_rate = _png(figure)

    page = PAGE.render(
        name=assignment.name, graded=len(graded), failed=len(summary) - len(graded), max_score=assignment.max_score,
        mean=sum(scores) / len(scores) if scores else 0.0,
        median=statistics.median(scores) if scores else 0.0,
        distribution_png=distribution, pass_rate_png=pass_rate, functions=functions, diagnoses=diagnoses(graded),
        pairs=similar_pairs(course_dir, assignment, submissions, folder), threshold=SIMILARITY_THRESHOLD)
    target = folder / "index.html"
    target.write_text(page, encoding="utf-8")
    return target
