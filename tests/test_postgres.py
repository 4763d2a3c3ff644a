"""A shared gradebook: the same batch into nbgrader's `db_url` on a real PostgreSQL server and into
the default SQLite file gives the same gradebook.

The test starts its own throw-away cluster with Debian's PostgreSQL binaries (initdb, pg_ctl on
a free port of 127.0.0.1, as a non-root user when run as root) and removes it afterwards.
"""
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder import gradebook
from autograder.batch import grade_class
from autograder.demo import _reference_answers, _student_notebook
from autograder.exports import grades_csv
from autograder.release import generate

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_user():
    """Run PostgreSQL as `postgres` (or `nobody`) when we are root: it refuses to run as root."""
    if os.geteuid() != 0:
        return None, None
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
            return entry.pw_uid, entry.pw_gid
        except KeyError:
            continue
    pytest.fail("running as root and no 'postgres' or 'nobody' user to run PostgreSQL as")


@pytest.fixture(scope="module")
def postgres_url():
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL binaries not found in {PG_BIN} (apt-get install postgresql; or set PG_BIN)")
    pytest.importorskip("psycopg", reason="the PostgreSQL driver: pip install 'psycopg[binary]'")
    uid, gid = _as_user()
    root = Path(tempfile.mkdtemp(prefix="autograder-pg-"))
    data, sockets = root / "data", root / "run"
    sockets.mkdir()
    if uid is not None:
        for path in (root, sockets):
            os.chown(path, uid, gid)

    def run(*args, **kwargs):
        return subprocess.run([str(a) for a in args], check=True, capture_output=True, text=True, timeout=120,
                              user=uid, group=gid, cwd=root, **kwargs)

    port = free_port()
    run(PG_BIN / "initdb", "-D", data, "-U", "grader", "--auth=trust", "-E", "UTF8", "--no-sync")
    run(PG_BIN / "pg_ctl", "-D", data, "-l", root / "server.log", "-w", "-t", "60", "-o",
        f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    try:
        run(PG_BIN / "createdb", "-h", "127.0.0.1", "-p", port, "-U", "grader", "gradebook")
        yield f"postgresql+psycopg://grader@127.0.0.1:{port}/gradebook"
    finally:
        subprocess.run([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, user=uid, group=gid, cwd=root, timeout=120)
        shutil.rmtree(root, ignore_errors=True)


def small_class(course_dir, course, assignment, db_url=None):
    course_dir.mkdir(parents=True, exist_ok=True)
    if db_url:
        (course_dir / "nbgrader_config.py").write_text(f"c = get_config()\nc.CourseDirectory.db_url = {db_url!r}\n")
    generate(course, assignment, course_dir=course_dir)
    released = course_dir / "release" / assignment.name / assignment.notebook
    for student, nb in {"ada": _student_notebook(released, _reference_answers(assignment)),
                        "bo": nbformat.read(released, as_version=4)}.items():
        folder = course_dir / "submitted" / student / assignment.name
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / assignment.notebook)
        (folder / "timestamp.txt").write_text("2026-11-20 17:00:00.000000 UTC")


def test_the_same_batch_on_postgresql_and_sqlite(postgres_url, tmp_path, course):
    gradients = course.assignment("gradients")
    shared, local = tmp_path / "shared", tmp_path / "local"
    small_class(shared, course, gradients, postgres_url)
    small_class(local, course, gradients)
    assert gradebook.db_url(shared) == postgres_url and not (shared / "gradebook.db").exists()

    on_postgres = grade_class(course, gradients, course_dir=shared, workers=2, show_progress=False)
    on_sqlite = grade_class(course, gradients, course_dir=local, workers=2, show_progress=False)
    assert not (shared / "gradebook.db").exists()
    assert {s: r["score"] for s, r in on_postgres.items()} == {s: r["score"] for s, r in on_sqlite.items()}

    def rows(course_dir):
        return grades_csv(course_dir, course.id, gradients, course_dir / "grades.csv").read_text()
    assert rows(shared) == rows(local)
    with Gradebook(postgres_url, course.id) as gb:
        assert gb.find_submission("gradients", "ada").score == gradients.max_score
        assert str(gb.find_submission("gradients", "ada").timestamp) == "2026-11-20 17:00:00"
