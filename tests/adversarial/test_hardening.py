"""Issue 9's classes through the real command and the real batch: hostile notebooks, links and
FIFOs in submitted/, a missing or misplaced bubblewrap, grader failures, the time budget, Dask
with a relative course directory and several threads, Ctrl-C and SIGKILL.

Each test asserts the exact outcome: the grader alive, exit 0 for anything a student did (and
non-zero, stated, for what the grader could not do), a results.json for everyone, honest
classmates' grades unchanged. Expected scores come from grading the reference."""
import contextlib
import dataclasses
import functools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import nbformat
import pytest

from autograder.batch import find_submissions
from autograder.course import PROJECT_ROOT, load_course
from autograder.grade import GraderError, grade_submission
from autograder.sandbox import launcher

from guarantees import need
from helpers import AUTOGRADER, AUTOGRADER_AT_A_TERMINAL, by_name, edit_answer, new_class, reference_bytes, run_cli

SUBMISSIONS = Path(__file__).parent / "submissions"
SOURCE_NOTEBOOK = load_course().assignment("backprop").source_notebook    # with the reference's answers
SURROGATE = "\ud800"
FORGED = f"{SURROGATE} [bold green]graded: 31/31[/] [/oops] ```\n</pre><script>alert(1)</script>\n" \
         "# Score: 31 / 31\n<img src=x onerror=alert(1)>"
ISOLATION = "bwrap" if launcher.bwrap_available() else "none"


def hostile_notebook(path: Path) -> Path:
    """The instructor's notebook (right answers everywhere), then: a grade cell whose source is a
    dict, a first copy of the relu cell (same grade_id) that is wrong, a lone surrogate in a cell,
    an exception and printed text built to forge marks in a terminal, Markdown and HTML, and a
    cell 200,000 levels deep."""
    nb = json.loads(SOURCE_NOTEBOOK.read_text())
    cells = nb["cells"]

    def find(grade_id):
        return next(i for i, c in enumerate(cells) if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)

    cells[find("test_relu_grad")]["source"] = {"evil": "a dict, not text"}
    first = json.loads(json.dumps(cells[find("relu")]))
    first["source"] = "def relu(z):\n    return z  # FIRST COPY\n"
    first["metadata"]["nbgrader"] = {"grade_id": "relu"}
    cells.insert(find("relu"), first)
    cells[find("mse_loss")]["source"] = f"# {SURROGATE}\ndef mse_loss(Y_hat, Y):\n    return 0.0\n"
    cells[find("dL_dy")]["source"] = f"def dL_dy(Y_hat, Y):\n    raise ValueError({FORGED!r})\n"
    cells[find("dL_dW2")]["source"] = "a = 1\nx = " + "+".join(["a"] * 200_000) + "\n"
    db2 = cells[find("dL_db2")]
    db2["source"] = f"print({FORGED.replace(SURROGATE, '')!r})\n" + "".join(db2["source"])
    path.write_text(json.dumps(nb))        # json escapes the lone surrogate as \ud800: valid JSON
    return path


def expected_hostile(result, backprop):
    tests = by_name(result)
    assert tests["relu"]["score"] == 0 and "FIRST COPY" not in tests["relu"]["output"]
    assert tests["relu_grad"]["score"] == 1.0 and "locked_cell_modified" in tests["relu_grad"]["tags"]
    assert tests["mse_loss"]["score"] == 0 and tests["mse_loss"]["tags"] == ["syntax_error"]
    assert tests["dL_dy"]["score"] == 0 and tests["dL_dy"]["tags"] == ["crashed"]
    assert tests["dL_dW2"]["score"] == 0 and tests["dL_dW2"]["tags"] == ["not_defined"]
    assert "cell 'dL_dW2' has a syntax error: maximum recursion depth exceeded" in result["output"]
    assert tests["dL_db2"]["score"] == 1.0
    untouched = {"relu", "relu_grad", "mse_loss", "dL_dy", "dL_dW2", "dL_db2"}
    for name, test in tests.items():     # the rest is right: full marks, or a composite that blames a part
        if name not in untouched:
            assert test["score"] == test["max_score"] or "calls_wrong_part" in test["tags"], \
                (name, test["output"][:300])
    json.dumps(result, ensure_ascii=False).encode("utf-8")     # valid UTF-8 everywhere
    assert len(json.dumps(result)) < 200_000


def test_a_hostile_notebook_through_the_command(backprop, tmp_path):
    path = hostile_notebook(tmp_path / "backprop.ipynb")
    done = run_cli("grade", "backprop", path, "--json", "--isolation", ISOLATION)
    assert done.returncode == 0, done.stderr[-2000:]
    expected_hostile(json.loads(done.stdout), backprop)

    table = run_cli("grade", "backprop", path, "--isolation", ISOLATION)
    assert table.returncode == 0, table.stderr[-2000:]
    assert "Traceback" not in table.stderr
    # rich markup is off: the forged markup shows as the characters it holds
    assert "[bold green]graded: 31/31[/]" in table.stdout


def test_text_built_to_make_the_parsers_slow_is_read_in_linear_time(backprop, tmp_path):
    """Blank lines by the million before the answers (a search for `def` over them took quadratic
    time: days at the size cap), and a cell of a thousand IPython magic lines (IPython's transformer
    took 5 s): graded within the command's ordinary time, right answers kept, the magic cell a
    syntax error of its own function."""
    blank = tmp_path / "backprop.py"
    blank.write_bytes(b" \n" * 1_000_000 + reference_bytes())
    magics = tmp_path / "backprop.ipynb"
    edit_answer(SOURCE_NOTEBOOK, magics, "relu", lambda source: "%time\n" * 1000 + source)
    for path in (blank, magics):
        done = run_cli("grade", "backprop", path, "--json", "--isolation", ISOLATION, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        scores = {t["name"]: t["score"] for t in json.loads(done.stdout)["tests"]}
        assert scores["relu_grad"] == next(f.points for f in backprop.functions if f.name == "relu_grad"), path.name
        assert (scores["relu"] == 0) == (path is magics), path.name


def test_a_hostile_notebook_in_a_batch_and_its_feedback(released, course, backprop, tmp_path):
    """The batch writes the autograded notebook (valid, not empty) and nbgrader renders feedback
    with no live tag and no forged heading; the honest classmate keeps full marks."""
    hostile = hostile_notebook(tmp_path / "backprop.ipynb").read_bytes()
    course_dir = new_class(released, tmp_path, {"mallory": ("backprop.ipynb", hostile),
                                                "honest": ("backprop.py", reference_bytes())})
    done = run_cli("grade", "backprop", "--course-dir", course_dir, "--isolation", ISOLATION, "--workers", "2")
    assert done.returncode == 0, done.stderr[-2000:]
    results = {s: json.loads((course_dir / "autograded" / s / "backprop" / "results.json").read_text())
               for s in ("mallory", "honest")}
    assert results["honest"]["score"] == backprop.max_score
    expected_hostile(results["mallory"], backprop)

    autograded = course_dir / "autograded" / "mallory" / "backprop" / "backprop.ipynb"
    nb = nbformat.read(autograded, as_version=4)
    relu_cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "relu")
    assert "FIRST COPY" in relu_cell.source          # the feedback shows the copy that was graded

    from autograder.feedback import generate_feedback
    generate_feedback(course, course_dir, backprop)
    html = (course_dir / "feedback" / "mallory" / "backprop" / "backprop.html").read_text()
    assert "<script>alert(1)</script>" not in html and "<img src=x onerror" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not re.search(r"<h\d[^>]*>[^<]*Score: 31 / 31", html), "a forged Score heading"


@pytest.mark.parametrize("workers", ["local", "dask"])
def test_links_fifos_and_linked_folders_in_submitted_are_refused(released, backprop, tmp_path, workers):
    """On local workers and on a cluster, whose tasks carry the file's bytes as the command read them:
    a link to the solutions is not graded as the student's, a FIFO does not block the batch."""
    course_dir = new_class(released, tmp_path, {"honest": ("backprop.py", reference_bytes())})
    submitted = course_dir / "submitted"
    (submitted / "linker" / "backprop").mkdir(parents=True)
    (submitted / "linker" / "backprop" / "backprop.py").symlink_to(PROJECT_ROOT / "solutions" / "backprop.py")
    (submitted / "piper" / "backprop").mkdir(parents=True)
    os.mkfifo(submitted / "piper" / "backprop" / "backprop.py")
    (submitted / "folder_linker").mkdir()
    (submitted / "folder_linker" / "backprop").symlink_to(PROJECT_ROOT / "solutions")
    with contextlib.ExitStack() as stack:
        if workers == "dask":
            from distributed import LocalCluster
            cluster = stack.enter_context(LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                                       dashboard_address=None))
            where = ["--scheduler", cluster.scheduler_address]
        else:
            where = ["--workers", "2"]
        done = run_cli("grade", "backprop", "--course-dir", course_dir, "--isolation", ISOLATION, *where,
                       timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    results = {s: json.loads((course_dir / "autograded" / s / "backprop" / "results.json").read_text())
               for s in ("honest", "linker", "piper", "folder_linker")}
    assert results["honest"]["score"] == backprop.max_score
    for student in ("linker", "piper", "folder_linker"):
        assert results[student]["score"] == 0
        assert "symbolic link" in results[student]["output"] or "not a regular file" in results[student]["output"]
        assert not (course_dir / "autograded" / student / "backprop" / "backprop.ipynb").exists() or \
            "walkthrough_params" not in (course_dir / "autograded" / student / "backprop"
                                         / "backprop.ipynb").read_text()


@pytest.mark.parametrize("workers", ["local", "dask"])
def test_a_file_changed_after_it_was_listed_is_stamped_as_the_bytes_graded(released, course, backprop, tmp_path,
                                                                            monkeypatch, workers):
    """A file replaced between the listing and its grading (the listing hashes every file first):
    the grade and the stamp are both the new bytes', so a later run that finds the old file again
    grades it again rather than handing it the other file's grade."""
    import autograder.batch as batch
    from autograder.submission import fingerprint
    wrong = reference_bytes().replace(b"np.maximum(0.0, z)", b"np.maximum(0.0, -z)")
    assert wrong != reference_bytes()
    course_dir = new_class(released, tmp_path, {"swapper": ("backprop.py", wrong)})
    file = course_dir / "submitted" / "swapper" / "backprop" / "backprop.py"
    listed = batch.find_submissions

    def listed_then_replaced(*args):
        found = listed(*args)
        file.write_bytes(reference_bytes())
        return found

    with contextlib.ExitStack() as stack:
        where = {"workers": 1}
        if workers == "dask":
            from distributed import LocalCluster
            cluster = stack.enter_context(LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                                       dashboard_address=None))
            where = {"scheduler": cluster.scheduler_address}
        grade = functools.partial(batch.grade_class, course, backprop, course_dir=course_dir,
                                  isolation=ISOLATION, show_progress=False, **where)
        with monkeypatch.context() as patched:
            patched.setattr(batch, "find_submissions", listed_then_replaced)
            first = grade()
        stamp = json.loads((course_dir / "autograded" / "swapper" / "backprop" / batch.STAMP).read_text())
        assert first["swapper"]["score"] == backprop.max_score       # the bytes graded: the reference's
        assert stamp["sha256"] == fingerprint(reference_bytes())
        file.write_bytes(wrong)                                      # the listed file, back again
        again = grade()
    assert again.graded == ["swapper"] and again.reused == []
    assert again["swapper"]["score"] < backprop.max_score


@pytest.mark.parametrize("workers", ["local", "dask"])
def test_names_and_messages_that_broke_the_store_stop_only_their_own_student(released, backprop, tmp_path, workers):
    """A student folder whose name is not UTF-8 (a Dask key that could not be sent wrecked the whole
    batch), a file name that is not UTF-8 and an error message that is matplotlib mathtext (neither
    could be stored), and a 16 GiB sparse file (hashed whole on every run): each student gets what
    their file earns or a reason, and the others are graded and stored."""
    header = b"def train(X, Y, params, lr, steps):\n"
    wrong_train = reference_bytes().replace(header, header + b"    raise ValueError('$\\\\frac{$')\n")
    course_dir = new_class(released, tmp_path, {"honest": ("backprop.py", reference_bytes()),
                                                "mathtext": ("backprop.py", wrong_train),
                                                "sparse": ("backprop.py", b"")})
    os.truncate(course_dir / "submitted" / "sparse" / "backprop" / "backprop.py", 16 * 2**30)
    submitted = os.fsencode(course_dir / "submitted")
    for name, file in ((b"\xffbytes", b"backprop.py"), (b"odd_file", b"\xfe.py")):
        os.makedirs(submitted + b"/" + name + b"/backprop")
        with open(submitted + b"/" + name + b"/backprop/" + file, "wb") as f:
            f.write(reference_bytes())
    with contextlib.ExitStack() as stack:
        where = ["--workers", "2"]
        if workers == "dask":
            from distributed import LocalCluster
            cluster = stack.enter_context(LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                                       dashboard_address=None))
            where = ["--scheduler", cluster.scheduler_address]
        done = run_cli("grade", "backprop", "--course-dir", course_dir, "--isolation", ISOLATION, *where,
                       timeout=300)       # its output is valid UTF-8 too (the terminal's)
    assert done.returncode == 1 and "valid UTF-8, which nbgrader" in done.stdout, done.stdout[-3000:] + done.stderr
    assert (course_dir / "reports" / "backprop" / "index.html").exists()
    stored = {p.parent.parent.name: json.loads(p.read_text())
              for p in (course_dir / "autograded").glob("*/backprop/results.json")}
    assert sorted(stored) == ["honest", "mathtext", "odd_file", "sparse"]      # not the unnamable one
    assert stored["honest"]["score"] == stored["odd_file"]["score"] == backprop.max_score
    mathtext = by_name(stored["mathtext"])
    assert mathtext["train"]["score"] == 0 and "frac" in mathtext["train"]["output"]
    assert stored["sparse"]["score"] == 0 and "MiB limit" in stored["sparse"]["output"]
    notebook = (course_dir / "autograded" / "odd_file" / "backprop" / "backprop.ipynb").read_text()
    assert "# from ?.py" in notebook


def _path_without_bwrap(tmp_path) -> str:
    empty = tmp_path / "empty-bin"
    empty.mkdir(exist_ok=True)
    return str(empty)


def test_without_bubblewrap_the_batch_refuses_unless_told(released, tmp_path):
    course_dir = new_class(released, tmp_path, {"honest": ("backprop.py", reference_bytes())})
    env = {**os.environ, "PATH": _path_without_bwrap(tmp_path)}
    run = lambda *a: subprocess.run([*AUTOGRADER, *map(str, a)], capture_output=True, text=True,
                                    cwd=PROJECT_ROOT, env=env, timeout=600)
    refused = run("grade", "backprop", "--course-dir", course_dir)
    assert refused.returncode == 2
    assert "apt-get install -y bubblewrap" in refused.stderr and "--isolation none" in refused.stderr
    assert not (course_dir / "autograded").exists()
    required = run("grade", "backprop", "--course-dir", course_dir, "--isolation", "bwrap")
    assert required.returncode == 2 and "bubblewrap" in required.stderr
    one = run("grade", "backprop", PROJECT_ROOT / "solutions" / "backprop.py", "--isolation", "bwrap", "--json")
    assert one.returncode == 2 and "bubblewrap" in one.stderr and one.stdout == ""
    told = run("grade", "backprop", "--course-dir", course_dir, "--isolation", "none", "--workers", "1")
    assert told.returncode == 0, told.stderr[-2000:]
    stored = json.loads((course_dir / "autograded" / "honest" / "backprop" / "results.json").read_text())
    assert stored["score"] == stored["max_score"]
    assert "Sandbox:" not in stored["output"]         # the instructor is told, on the console
    assert "Sandbox: bubblewrap disabled" in told.stderr


@pytest.mark.skipif(not launcher.bwrap_available(), reason="needs bubblewrap installed")
def test_bubblewrap_outside_usr_bin_is_found(backprop, tmp_path):
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "bwrap").symlink_to(shutil.which("bwrap"))
    env = {**os.environ, "PATH": str(folder)}
    done = subprocess.run([*AUTOGRADER, "grade", "backprop", str(PROJECT_ROOT / "solutions" / "backprop.py"),
                           "--json", "--isolation", "bwrap"], capture_output=True, text=True, cwd=PROJECT_ROOT,
                          env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["score"] == result["max_score"], [t["output"][:200] for t in result["tests"] if t["score"] < 1]


def test_a_missing_submission_is_the_graders_error_not_a_zero(tmp_path):
    done = run_cli("grade", "backprop", tmp_path / "missing.ipynb", "--json")
    assert done.returncode == 2 and "does not exist" in done.stderr and done.stdout == ""


def test_a_suite_that_checks_nothing_for_a_function_is_the_graders_error(backprop):
    from autograder.course import GradedFunction
    phantom = dataclasses.replace(backprop, functions=(*backprop.functions,
                                                       GradedFunction("phantom", 1.0, 5.0, 1e-9)))
    with pytest.raises(GraderError, match="no hidden test ran for phantom"):
        grade_submission(phantom, PROJECT_ROOT / "solutions" / "backprop.py", isolation=ISOLATION)


def test_a_slow_submission_stops_at_its_total_time_budget(backprop, tmp_path):
    """Every function right but slow (0.9 s a call, under its 5 s limit): grading stops at the
    budget and the functions not reached score 0 with `timeout`; those reached keep their points."""
    source = reference_bytes().decode() + "\n\nimport time as _t\n_fast_relu = relu\n" \
        "def relu(z):\n    _t.sleep(0.9)\n    return _fast_relu(z)\n"
    path = tmp_path / "slow.py"
    path.write_text(source)
    budget = 8.0
    tight = dataclasses.replace(backprop, limits=dataclasses.replace(backprop.limits, total_time_limit=budget))
    started = time.monotonic()
    result = grade_submission(tight, path, isolation=ISOLATION)
    elapsed = time.monotonic() - started
    assert elapsed < budget + 60           # a hang guard: without the budget it takes minutes
    timed_out = [t for t in result["tests"] if "timeout" in t["tags"]]
    assert timed_out and all(t["score"] == 0 for t in timed_out)
    assert any("total time budget of 8 s" in t["output"] for t in timed_out)


def test_dask_with_a_relative_course_dir_and_threaded_workers(released, course, backprop, tmp_path, monkeypatch):
    """A relative --course-dir and workers with 2 threads each: every grade right, none stored
    as a zero by mistake."""
    from distributed import LocalCluster

    from autograder.batch import grade_class
    course_dir = new_class(released, tmp_path, {s: ("backprop.py", reference_bytes()) for s in ("a", "b", "c")})
    monkeypatch.chdir(course_dir.parent)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None) as cluster:
        summary = grade_class(course, backprop, course_dir=Path("course"), scheduler=cluster.scheduler_address,
                              isolation=ISOLATION, show_progress=False, write_notebooks=False)
    lost = {s: [(t["name"], t["score"], t["tags"], t["output"][:300]) for t in r.get("tests", [])
                if t["score"] < t["max_score"]] for s, r in summary.items()}
    assert {s: r.get("score") for s, r in summary.items()} == {s: backprop.max_score for s in ("a", "b", "c")}, lost


# -- interruption -----------------------------------------------------------------------------

def _ours(mark: str, tmpdir: Path) -> list[int]:
    """Processes the command started: its environment carries `mark`, or (sandbox children, whose
    environment is cleared) their working folder lies in the command's own temporary folder."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if mark.encode() in (entry / "environ").read_bytes() or \
                    os.readlink(entry / "cwd").startswith(str(tmpdir)):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _wait_for(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_ctrl_c_and_sigkill_keep_results_and_leave_nothing(released, backprop, tmp_path):
    slow = (SUBMISSIONS / "infinite_loop.py").read_bytes()
    students = {"a_honest": ("backprop.py", reference_bytes()),
                **{f"slow{i}": ("backprop.py", slow) for i in range(4)}}
    course_dir = new_class(released, tmp_path, students)
    # a short TMPDIR of its own: multiprocessing's fork server puts a UNIX socket there, whose path
    # may not exceed 107 bytes (pytest's own tmp_path under xdist can be longer)
    tmpdir = Path(tempfile.mkdtemp(prefix="ag-"))
    mark = f"AUTOGRADER_TEST_MARK_{uuid.uuid4().hex}"
    env = {**os.environ, "TMPDIR": str(tmpdir), mark: "1"}
    command = [*AUTOGRADER_AT_A_TERMINAL, "grade", "backprop", "--course-dir", str(course_dir), "--workers", "1",
               "--isolation", ISOLATION]
    stamps = lambda: [p for p in (course_dir / "autograded").glob("*/backprop/.autograder.json")
                      if json.loads(p.read_text()).get("complete")]

    # Ctrl-C twice, as a terminal sends it (to the whole foreground process group)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True, env=env, cwd=PROJECT_ROOT)
    assert _wait_for(lambda: len(stamps()) >= 1 or process.poll() is not None, 300) and stamps(), (
        f"nothing was graded (exit {process.poll()}): "
        f"{process.stderr.read()[-2000:] if process.poll() is not None else ''}")
    os.killpg(process.pid, signal.SIGINT)
    time.sleep(0.2)
    try:
        os.killpg(process.pid, signal.SIGINT)                   # the second Ctrl-C must not hang it
    except ProcessLookupError:
        pass
    out, err = process.communicate(timeout=60)                  # a hang guard, not a timing
    assert process.returncode == 130, err[-2000:]
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "run the same command again" in lines[0], err
    kept = {p: p.stat().st_mtime_ns for p in stamps()}
    assert kept
    assert _wait_for(lambda: not _ours(mark, tmpdir), 20), "processes left after Ctrl-C"

    # SIGKILL of the command alone: the fork server, its workers and their children go with it
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True, env=env, cwd=PROJECT_ROOT)
    assert _wait_for(lambda: bool(_ours(mark, tmpdir)) and len(_ours(mark, tmpdir)) > 2, 120)
    time.sleep(3)
    process.kill()
    process.wait()
    assert _wait_for(lambda: not _ours(mark, tmpdir), 20), "processes left after SIGKILL"

    # the same command resumes: finished work kept, stale temporary folders removed
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    assert all(p.stat().st_mtime_ns == mtime for p, mtime in kept.items())
    assert len(stamps()) == len(find_submissions(course_dir, backprop))
    assert not list(tmpdir.glob("autograder-sandbox-*"))
    honest = json.loads((course_dir / "autograded" / "a_honest" / "backprop" / "results.json").read_text())
    assert honest["score"] == backprop.max_score
    shutil.rmtree(tmpdir, ignore_errors=True)



def test_a_sandbox_that_cannot_start_is_the_graders_error(backprop, monkeypatch):
    """Not a zero for every function 'the grader could not check': the job stops, stated."""
    def broken(config, files=None):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(launcher, "start", broken)
    with pytest.raises(GraderError, match="the sandbox could not start.*No space left"):
        grade_submission(backprop, PROJECT_ROOT / "solutions" / "backprop.py", isolation=ISOLATION)


@pytest.mark.parametrize("mode", ["bwrap", "none"])
def test_student_code_never_runs_as_root(mode):
    """A root grader's children drop every privilege: another uid and gid than root's, in both modes."""
    from autograder.sandbox.proxy import SandboxedStudent, Unit
    need("root", "student code drops root's privileges (its own uid and gid)")
    if mode == "bwrap":
        need("bubblewrap", "student code drops root's privileges under bubblewrap")
    who = "import os\ndef who():\n    return [os.getuid(), os.geteuid(), os.getgid(), os.getegid()]\n"
    student = SandboxedStudent([Unit("who.py", who, ("who",))], time_limits={}, default_time_limit=10,
                               load_time_limit=20, config=launcher.SandboxConfig(isolate=mode))
    try:
        ids = student.who()
    finally:
        student.close()
    assert len(ids) == 4 and 0 not in ids, ids


@pytest.mark.parametrize("mode", ["bwrap", "none"])
def test_the_child_started_ahead_for_the_next_grading_holds_nothing_of_the_last(mode):
    """A batch worker starts the next grading's child while it grades (proxy.start_spare). What the
    last submission wrote in its folder, in /tmp and in /dev/shm, is not there for the next one, which
    finds only its own file; the child it meets is the one started ahead."""
    from autograder.sandbox import proxy
    from autograder.sandbox.proxy import SandboxedStudent, Unit
    if mode == "bwrap":
        need("bubblewrap", "a child started ahead under bubblewrap")
    else:     # the fallback's private /tmp and /dev/shm are a mount namespace of its own: root only
        need("root", "a child started ahead without bubblewrap")
    config = launcher.SandboxConfig(isolate=mode)
    leave = ("import os\nfor where in ('leak.txt', '/tmp/leak.txt', '/dev/shm/leak.txt'):\n"
             "    try:\n        open(where, 'w').write('from the last submission')\n"
             "    except OSError:\n        pass\ndef relu(z):\n    return 1\n")
    look = ("import os\ndef relu(z):\n    return [os.path.exists(w) for w in ('leak.txt', '/tmp/leak.txt', "
            "'/dev/shm/leak.txt')] + [open('next.py').read(), sorted(os.listdir('.'))]\n")
    last = SandboxedStudent([Unit("last.py", leave, ("relu",))], time_limits={}, default_time_limit=10,
                            load_time_limit=20, config=config, files={"last.py": leave.encode()})
    try:
        last.prestart()
        proxy.start_spare(config)            # as grade_submission(start_next=True) does
        assert last.relu(1.0) == 1
        ahead = proxy._SPARES[config]
        # under bubblewrap it is forked from the worker's template (docs/sandbox.md, "The template")
        assert isinstance(ahead.process, launcher.Kept) == (mode == "bwrap")
    finally:
        last.close()
    following = SandboxedStudent([Unit("next.py", look, ("relu",))], time_limits={}, default_time_limit=10,
                                 load_time_limit=20, config=config, files={"../next.py": b"# the next one's file\n"})
    try:
        following.prestart()
        assert following._prestarted is ahead
        assert following.relu(1.0) == [False, False, False, "# the next one's file\n", ["next.py"]]
    finally:
        following.close()
        proxy.stop_spares()


def test_fallback_children_are_never_dumpable_nor_visible_to_one_another(tmp_path):
    """Without bubblewrap: a child is not dumpable from its first instruction (its /proc entries
    belong to root even before child.py runs), and a sibling cannot see it in /proc at all."""
    from autograder.sandbox.proxy import SandboxedStudent, Unit
    need("root", "the fallback's children have their own uid and are invisible to one another")
    config = launcher.SandboxConfig(isolate="none")
    victim = launcher.start(config, {"victim.py": b"# SECRET\n"})
    try:
        assert os.stat(f"/proc/{victim.process.pid}/status").st_uid == 0     # at once, before any prctl
        peek = ("import os\ndef peek(pid):\n    out = []\n    for what in ('cwd', 'environ', 'status'):\n"
                "        try:\n            out.append(str(os.listdir(f'/proc/{pid}/{what}') if what == 'cwd' "
                "else open(f'/proc/{pid}/{what}').read()[:100]))\n"
                "        except OSError as err:\n            out.append(type(err).__name__)\n"
                "    return out + [str(pid) in os.listdir('/proc')]\n")
        attacker = SandboxedStudent([Unit("peek.py", peek, ("peek",))], time_limits={}, default_time_limit=10,
                                    load_time_limit=20, config=config)
        try:
            assert attacker.peek(victim.process.pid) == ["FileNotFoundError"] * 3 + [False]
        finally:
            attacker.close()
    finally:
        victim.cleanup()


def test_a_process_whose_parent_died_before_its_lifeline_was_set_ends_at_once():
    """The race of PR_SET_PDEATHSIG: a worker forked just before the command is killed finds the
    reaper as its parent when it sets the signal, which will then never come. It must end, not
    live on: the parent it checks is the pid the command announced, not getppid() read too late."""
    from autograder.lifeline import PARENT
    code = "from autograder.lifeline import die_with_parent; die_with_parent(); print('alive')"
    gone = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, PARENT: str(2**22 + 1)}, cwd=PROJECT_ROOT)   # no such parent
    assert gone.returncode == 1 and "alive" not in gone.stdout, gone.stderr
    alive = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                           env={**os.environ, PARENT: str(os.getpid())}, cwd=PROJECT_ROOT)
    assert alive.returncode == 0 and "alive" in alive.stdout, alive.stderr
