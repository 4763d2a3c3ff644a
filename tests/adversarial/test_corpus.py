"""The adversarial corpus through the real grading path (`grade_submission`), with and without
bubblewrap: each submission gets exactly what its honest work earns, and the grader survives."""
import hashlib
import json
import os
import select
import socket
import stat
import tempfile
import time
from pathlib import Path

import pytest

from guarantees import need
from stored_results import differs_from_stored
from autograder.course import PROJECT_ROOT
from autograder.grade import grade_submission
from autograder.isolation import isolation_notice
from autograder.sandbox import launcher
from autograder.sandbox.proxy import SandboxedStudent, Unit

from corpus import EXPECTED

SUBMISSIONS = Path(__file__).parent / "submissions"
MODES = ["bwrap", "none"]
WATCHED = ["solutions/backprop.py", "tests/hidden/backprop/test_backprop_activation.py", "autograder/results.py"]


def test_the_corpus_is_complete():
    files = {p.stem for p in SUBMISSIONS.glob("*.py")}
    assert files == set(EXPECTED), files ^ set(EXPECTED)
    assert len(files) >= 20


@pytest.fixture(scope="module")
def isolation(request):
    """The isolation mode under test. Without bubblewrap, the deployment rule the grader's
    warning states is applied: the solutions and hidden suites are not readable by 'nobody'."""
    mode = request.param
    if mode == "bwrap":
        need("bubblewrap", "the adversarial corpus under bubblewrap")
        yield mode
        return
    folders = [PROJECT_ROOT / "solutions", PROJECT_ROOT / "tests" / "hidden"]
    modes = {folder: folder.stat().st_mode for folder in folders}
    for folder in folders:
        folder.chmod(stat.S_IMODE(modes[folder]) & ~0o007)
    try:
        yield mode
    finally:
        for folder in folders:
            folder.chmod(stat.S_IMODE(modes[folder]))


@pytest.fixture
def listener():
    """Listeners on the grader's machine a submission must never reach: TCP and UDP on 127.0.0.1,
    an abstract UNIX socket and a world-writable filesystem one (names carry the port)."""
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    tcp.listen()
    port = tcp.getsockname()[1]
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", port))
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    abstract.bind(f"\0autograder-corpus-{port}")
    abstract.listen()
    path = Path(f"/tmp/autograder-corpus-{port}.sock")
    named = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    named.bind(str(path))
    path.chmod(0o777)
    named.listen()
    yield tcp, udp, abstract, named
    for s in (tcp, udp, abstract, named):
        s.close()
    path.unlink(missing_ok=True)


def materialize(name, tmp_path, port, course_dir="/nonexistent"):
    text = (SUBMISSIONS / f"{name}.py").read_text()
    text = text.replace("__PROJECT_ROOT__", str(PROJECT_ROOT)).replace("__PORT__", str(port))
    text = text.replace("__COURSE_DIR__", str(course_dir))
    text = text.replace("__DEEP_EXPRESSION__", "+".join(["a"] * 200_000))
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    return path


@pytest.fixture
def course_files():
    """A course directory as a grading server holds it (nbgrader, umask 022: world-readable), with
    a secret in each file a submission must not read: submitted/, autograded/, gradebook.db, source/."""
    import shutil
    import tempfile
    root = Path(tempfile.mkdtemp(prefix="corpus-course-"))
    root.chmod(0o755)
    secret = f"SECRET-{os.urandom(8).hex()}"
    for relative in ["submitted/victim/backprop/backprop.py", "autograded/victim/backprop/results.json",
                     "source/backprop/backprop.ipynb", "gradebook.db"]:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {secret}\n")
        path.chmod(0o644)
        for folder in path.relative_to(root).parents:
            (root / folder).chmod(0o755)
    yield root, secret
    shutil.rmtree(root, ignore_errors=True)


def digest(relative):
    return hashlib.sha256((PROJECT_ROOT / relative).read_bytes()).hexdigest()


def check_result(result, expect, assignment, isolation):
    tests = {t["name"]: t for t in result["tests"]}
    points = {f.name: f.points for f in assignment.functions}
    for name, test in tests.items():
        score, tags = expect.functions.get(name, (0.0, ["not_defined"]))
        # exactly what the honest part of the work earns: a partial score is a score, not a ceiling
        assert test["score"] == pytest.approx(score, abs=1e-4) and set(tags) <= set(test["tags"]), (
            name, test["score"], test["tags"], test["output"][:300])
        assert test["score"] <= points[name]
    assert result["score"] == pytest.approx(sum(s for s, _ in expect.functions.values()), abs=1e-3)
    for text in expect.output_has:
        assert text in result["output"], text
    for text in expect.output_lacks:
        assert text not in result["output"], text
    # what the sandbox lacks on this server is for the instructor's console, never the student
    assert "Sandbox:" not in result["output"] and "can read" not in result["output"].split("Your code printed")[0]


# A case promised in one mode only (expect.modes, with its reason in expect.note) is not collected
# in the other: nothing here is skipped except by `need` (tests/guarantees.py).
CASES = [pytest.param(name, mode, id=f"{name}-{mode}") for name in sorted(EXPECTED) for mode in MODES
         if mode in EXPECTED[name].modes]


@pytest.mark.parametrize("name, isolation", CASES, indirect=["isolation"])
def test_adversarial_submission(name, isolation, backprop, tmp_path, listener, course_files):
    expect = EXPECTED[name]
    tcp, udp, abstract, named = listener
    course_dir, course_secret = course_files
    port = tcp.getsockname()[1]
    path = materialize(name, tmp_path, port, course_dir)
    before = {relative: digest(relative) for relative in WATCHED}
    victim = None
    if "victim_unseen" in expect.checks:
        secret = f"SECRET-{os.urandom(8).hex()}"
        victim = SandboxedStudent(
            [Unit("victim.py", f"def relu(z):\n    return '{secret}'\n", ("relu",))], time_limits={},
            default_time_limit=5, load_time_limit=20, config=launcher.SandboxConfig(isolate=isolation),
            files={"victim.py": f"# {secret}\n".encode()})
        assert victim.relu(1.0) == secret          # the victim's sandbox is up while the attacker runs
    try:
        started = time.monotonic()
        result = grade_submission(backprop, path, isolation=isolation, hidden=(course_dir,))
        elapsed = time.monotonic() - started
    finally:
        if victim is not None:
            victim.close()

    check_result(result, expect, backprop, isolation)
    grades = {t["name"]: {k: t[k] for k in ("score", "max_score", "status", "tags")} for t in result["tests"]}
    difference = differs_from_stored("adversarial", isolation, name, grades)   # messages hold ports and paths
    assert difference is None, difference
    if victim is not None:
        assert secret not in result["output"]
    if "project_unchanged" in expect.checks:
        assert {relative: digest(relative) for relative in WATCHED} == before
        assert not (PROJECT_ROOT / "PWNED").exists()
    if "listener_untouched" in expect.checks:
        assert not select.select([tcp, udp, abstract, named], [], [], 0.2)[0], \
            "the submission reached the grader's machine"
    if "course_unseen" in expect.checks:
        assert course_secret not in result["output"]
        assert "walkthrough_params" not in result["output"] and "BEGIN SOLUTION" not in result["output"]
    if "results_small" in expect.checks:      # 16 MiB strings do not make a 67 MB results.json
        assert len(json.dumps(result)) < 100_000
        json.dumps(result).encode("utf-8")    # valid UTF-8: no lone surrogate left
    if "nothing_left" in expect.checks:
        left = [p for folder in ("/tmp", "/var/tmp", "/dev/shm") for p in Path(folder).glob(f"fill-disk-{port}-*")]
        assert not left, left
        assert not list(Path(tempfile.gettempdir()).glob(f"autograder-sandbox-{os.getpid()}-*"))
    if "thread_rule_named" in expect.checks:
        relu = next(t for t in result["tests"] if t["name"] == "relu")
        assert "threads and subprocesses cannot start" in relu["output"], relu["output"]
    assert elapsed < backprop.limits.total_time_limit + 60      # the budget holds (a hang guard)
    if "output_capped" in expect.checks:
        assert "[... more output not shown]" in result["output"]
        assert len(result["output"]) < 6000
    if "json_intact" in expect.checks:
        assert json.loads(json.dumps(result)) == result


@pytest.mark.parametrize("isolation", MODES, indirect=True)
def test_one_process_grades_attackers_and_the_reference_in_turn(isolation, backprop, tmp_path):
    """Several attackers and the reference, one after another in the same grader process:
    each gets its own expected result and the reference still gets full marks."""
    names = ["exits_and_crashes", "patch_numpy_checks", "forged_frames", "huge_allocation", "tamper_child"]
    order = names[:2] + ["REFERENCE"] + names[2:] + ["REFERENCE"]
    for name in order:
        if name == "REFERENCE":
            result = grade_submission(backprop, PROJECT_ROOT / "solutions" / "backprop.py", isolation=isolation)
            assert result["score"] == result["max_score"], [t for t in result["tests"] if t["status"] != "passed"]
        else:
            result = grade_submission(backprop, materialize(name, tmp_path, 9), isolation=isolation)
            check_result(result, EXPECTED[name], backprop, isolation)


def test_a_batch_worker_grades_the_corpus_in_children_forked_from_its_template(backprop, tmp_path, listener,
                                                                                course_files, monkeypatch):
    """Under bubblewrap a batch worker forks its children from a template (docs/sandbox.md, "The
    template"). The whole corpus, graded one after another in one process as a worker does
    (start_next), gets exactly its expected and stored grades; no child after the first is started
    rather than forked (restarts after a crash included), nothing reaches the grader's listeners and
    the project and course files are untouched."""
    need("bubblewrap", "the adversarial corpus in children forked from a template")
    from autograder.sandbox import proxy
    tcp, udp, abstract, named = listener
    course_dir, course_secret = course_files
    before = {relative: digest(relative) for relative in WATCHED}
    reference = grade_submission(backprop, PROJECT_ROOT / "solutions" / "backprop.py", isolation="bwrap",
                                 hidden=(course_dir,), start_next=True)    # starts the template
    assert reference["score"] == reference["max_score"]
    started = []
    start = launcher.start
    monkeypatch.setattr(launcher, "start", lambda *a, **k: started.append(a) or start(*a, **k))
    for name in sorted(n for n in EXPECTED if "bwrap" in EXPECTED[n].modes):
        path = materialize(name, tmp_path, tcp.getsockname()[1], course_dir)
        result = grade_submission(backprop, path, isolation="bwrap", hidden=(course_dir,), start_next=True)
        check_result(result, EXPECTED[name], backprop, "bwrap")
        grades = {t["name"]: {k: t[k] for k in ("score", "max_score", "status", "tags")} for t in result["tests"]}
        difference = differs_from_stored("adversarial", "bwrap", name, grades)
        assert difference is None, (name, difference)
        assert course_secret not in result["output"], name
    assert started == [] and any(t is not None and t.alive() for t in proxy._TEMPLATES.values())
    assert not select.select([tcp, udp, abstract, named], [], [], 0.2)[0], "a submission reached the grader's machine"
    assert {relative: digest(relative) for relative in WATCHED} == before


def test_without_a_readable_runtime_the_fallback_runs_as_root_and_says_so(backprop, tmp_path, monkeypatch):
    need("root", "the root fallback says it runs as root (the unprivileged-user fallback exists only for root)")
    from autograder.sandbox import runtime
    monkeypatch.setenv("AUTOGRADER_PRIVATE_RUNTIME", "0")
    caches = [runtime.child_runtime, launcher.unprivileged_python_runs]
    for cache in caches:
        cache.cache_clear()
    try:
        path = materialize("fork_bomb", tmp_path, 9)
        result = grade_submission(backprop, path, isolation="none")
        notice = isolation_notice(backprop, "none")
    finally:
        monkeypatch.delenv("AUTOGRADER_PRIVATE_RUNTIME")
        for cache in caches:
            cache.cache_clear()
    assert "AS ROOT" in notice and "could read any file" in notice        # the instructor is told
    assert "AS ROOT" not in result["output"]                                # the student is not
    tests = {t["name"]: t for t in result["tests"]}
    assert tests["relu"]["score"] == 1.0 and tests["relu_grad"]["tags"] == ["crashed"]   # seccomp still holds


def test_a_batch_with_attackers_grades_every_student(course, backprop, tmp_path):
    """`grade_class` over a class where most students attack, under bubblewrap (never a quiet
    fallback): each gets exactly its expected result, the honest student full marks, and nobody's
    result is lost."""
    need("bubblewrap", "a batch with attackers, sandboxed by bubblewrap")
    from autograder.batch import grade_class
    from autograder.release import generate
    generate(course, backprop, course_dir=tmp_path)
    attackers = ["exits_and_crashes", "forged_frames", "infinite_loop", "patch_numpy_checks", "fork_bomb",
                 "hostile_strings", "read_course_files"]
    for name in attackers:
        folder = tmp_path / "submitted" / name / "backprop"
        folder.mkdir(parents=True)
        (folder / "backprop.py").write_text(materialize(name, tmp_path, 9, tmp_path).read_text())
    honest = tmp_path / "submitted" / "honest" / "backprop"
    honest.mkdir(parents=True)
    (honest / "backprop.py").write_text((PROJECT_ROOT / "solutions" / "backprop.py").read_text())
    summary = grade_class(course, backprop, course_dir=tmp_path, workers=2, isolation="bwrap",
                          show_progress=False)
    assert set(summary) == set(attackers) | {"honest"}
    assert summary["honest"]["score"] == backprop.max_score
    for name in attackers:
        assert "error" not in summary[name], summary[name]
        check_result(summary[name], EXPECTED[name], backprop, "bwrap")
        assert (tmp_path / "autograded" / name / "backprop" / "backprop.ipynb").stat().st_size > 0
