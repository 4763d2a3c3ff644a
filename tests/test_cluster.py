"""A class graded on a real Dask cluster whose workers share no disk with the client.

The test starts `dask scheduler` and two `dask worker` processes (one with the grader preloaded,
`--preload autograder.worker_preload`, one without), each in its own working folder
and inside a mount namespace (bubblewrap) where the course directory and the course files the
client reads are empty folders: a task that still passed a path of the client's machine would
fail. The client grades through `autograder grade --scheduler` and the results must equal a
local run's.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.course import load_course
from autograder.demo import make_demo_class
from autograder.release import generate

from helpers import AUTOGRADER, AUTOGRADER_AT_A_TERMINAL, copy_course

DASK = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
WORKER = [sys.executable, "-m", "distributed.cli.dask_worker"]
BWRAP = shutil.which("bwrap")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def cluster(tmp_path):
    """(scheduler address, folders the workers cannot see); stopped and removed afterwards."""
    hidden = [tmp_path / "class", tmp_path / "course"]
    for folder in hidden:
        folder.mkdir()
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path / "logs"
    logs.mkdir()
    processes = [subprocess.Popen([*DASK, "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                  cwd=tmp_path, stdout=open(logs / "scheduler.log", "w"), stderr=subprocess.STDOUT)]
    for name, preload in (("worker-a", ["--preload", "autograder.worker_preload"]), ("worker-b", [])):
        home = tmp_path / name
        home.mkdir()
        blind = [arg for folder in hidden for arg in ("--tmpfs", str(folder))]
        processes.append(subprocess.Popen(
            [BWRAP, "--dev-bind", "/", "/", *blind, "--chdir", str(home), "--",
             *WORKER, address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard",
             "--local-directory", str(home), "--name", name, *preload],
            stdout=open(logs / f"{name}.log", "w"), stderr=subprocess.STDOUT))
    try:
        yield address, hidden
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in reversed(processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.mark.skipif(BWRAP is None, reason="bubblewrap hides the course directory from the workers")
def test_a_cluster_without_a_shared_disk_grades_like_the_local_run(cluster, tmp_path):
    address, (class_dir, course_files) = cluster
    project = load_course()
    course_file = copy_course(project, "gradients", course_files)
    course = load_course(course_file)
    gradients = course.assignment("gradients")
    generate(course, gradients, course_dir=class_dir)
    make_demo_class(class_dir, gradients)

    from distributed import Client
    with Client(address, timeout=60) as client:
        client.wait_for_workers(2, timeout=120)
        seen = client.run(lambda: [Path(p).exists() and any(Path(p).iterdir()) for p in
                                   (class_dir / "submitted", course_file)])
    assert seen and all(flags == [False, False] for flags in seen.values()), seen

    base = [*AUTOGRADER, "--course-file", str(course_file), "grade", "gradients", "--course-dir", str(class_dir)]
    on_cluster = subprocess.run([*base, "--scheduler", address], capture_output=True, text=True, timeout=600)
    assert on_cluster.returncode == 0, on_cluster.stderr[-3000:]
    results = {p.parent.parent.name: json.loads(p.read_text())
               for p in (class_dir / "autograded").glob("*/gradients/results.json")}
    notebooks = {p.parent.parent.name: p.read_bytes()
                 for p in (class_dir / "autograded").glob(f"*/gradients/{gradients.notebook}")}
    local = subprocess.run([*base, "--regrade", "--workers", "2"], capture_output=True, text=True, timeout=600)
    assert local.returncode == 0, local.stderr[-3000:]
    again = {p.parent.parent.name: json.loads(p.read_text())
             for p in (class_dir / "autograded").glob("*/gradients/results.json")}

    strip = lambda r: [(t["name"], t["score"], t["tags"], t["output"]) for t in r["tests"]]
    students = {p.name for p in (class_dir / "submitted").iterdir()}
    assert set(results) == set(again) == students
    assert {s: strip(r) for s, r in results.items()} == {s: strip(r) for s, r in again.items()}
    assert results["ada"]["score"] == gradients.max_score and results["bo"]["score"] == 0
    # the autograded notebooks, made on the cluster's workers from the bytes they were sent and the
    # released notebook of the bundle, are the local workers' byte for byte
    assert set(notebooks) == students
    assert notebooks == {p.parent.parent.name: p.read_bytes()
                         for p in (class_dir / "autograded").glob(f"*/gradients/{gradients.notebook}")}
    for name in ("worker-a", "worker-b"):             # the workers wrote no result of their own
        assert not list((tmp_path / name).rglob("results.json"))

    # each worker unpacked the course (its case secret included) into a folder named with its pid,
    # removed when it exits (or by the next grading on the machine once it is gone); the preloaded
    # one runs no profiler of tasks and ticks every 0.5 s (docs/batch.md)
    with Client(address, timeout=60) as client:
        profiled = client.run(lambda dask_worker: (dask_worker.name, "profile" in dask_worker.periodic_callbacks,
                                                   dask_worker.periodic_callbacks["tick"].callback_time))
        assert sorted(profiled.values()) == [("worker-a", False, 500), ("worker-b", True, 20)], profiled
        unpacked = client.run(lambda: [(os.getpid(), str(p.parent)) for p in __import__("autograder.job")
                                       .job._UNPACKED.values()])
        assert all(unpacked.values()), unpacked
        assert all(Path(folder).name.startswith(f"autograder-sandbox-{pid}-course-") and Path(folder).is_dir()
                   for folders in unpacked.values() for pid, folder in folders), unpacked
        client.retire_workers(close_workers=True)
    folders = [folder for folders in unpacked.values() for _, folder in folders]
    deadline = time.monotonic() + 30
    while any(Path(f).exists() for f in folders) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [f for f in folders if Path(f).exists()], folders


def test_an_unreachable_scheduler_says_what_to_check(tmp_path, course):
    gradients = course.assignment("gradients")
    generate(course, gradients, course_dir=tmp_path)
    make_demo_class(tmp_path, gradients)
    done = subprocess.run([*AUTOGRADER, "grade", "gradients", "--course-dir", str(tmp_path),
                           "--scheduler", f"tcp://127.0.0.1:{free_port()}"], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 2
    assert "could not reach the Dask scheduler" in done.stderr and "dask scheduler" in done.stderr
    assert "Traceback" not in done.stderr


def _class_on(cluster_dirs, name="gradients"):
    class_dir, course_files = cluster_dirs
    course_file = copy_course(load_course(), name, course_files)
    course = load_course(course_file)
    assignment = course.assignment(name)
    generate(course, assignment, course_dir=class_dir)
    make_demo_class(class_dir, assignment)
    base = [*AUTOGRADER_AT_A_TERMINAL, "--course-file", str(course_file), "grade", name, "--course-dir", str(class_dir)]
    return class_dir, assignment, base


def _stored(class_dir, name="gradients"):
    """{student: results.json} of the results stored completely (their stamp says so)."""
    done = {}
    for stamp in (class_dir / "autograded").glob(f"*/{name}/.autograder.json"):
        if json.loads(stamp.read_text()).get("complete"):
            done[stamp.parent.parent.name] = json.loads((stamp.parent / "results.json").read_text())
    return done


def _wait_for_first_result(class_dir, process, seconds=300):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not _stored(class_dir) and process.poll() is None:
        time.sleep(0.2)
    assert _stored(class_dir), "no result was stored before the deadline"


@pytest.mark.skipif(BWRAP is None, reason="bubblewrap hides the course directory from the workers")
def test_ctrl_c_on_a_dask_batch_keeps_what_is_done_and_stops_the_cluster_work(cluster, tmp_path):
    address, dirs = cluster
    class_dir, assignment, base = _class_on(dirs)
    process = subprocess.Popen([*base, "--scheduler", address], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    _wait_for_first_result(class_dir, process)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=120)
    kept = _stored(class_dir)
    students = {p.name for p in (class_dir / "submitted").iterdir()}
    assert process.returncode == 130, err[-2000:]
    assert "run the same command again" in err and "Traceback" not in err
    from distributed import Client
    with Client(address, timeout=60) as client:          # nothing keeps grading for a command that is gone
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(client.processing().values()):
            time.sleep(0.5)
        assert not any(client.processing().values())
    again = subprocess.run([*base, "--scheduler", address], capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    assert set(_stored(class_dir)) == students
    assert f"{len(students) - len(kept)} graded now, {len(kept)} reused" in again.stdout


@pytest.mark.skipif(BWRAP is None, reason="bubblewrap hides the course directory from the workers")
def test_a_dask_worker_killed_mid_batch_loses_no_grade(cluster, tmp_path):
    address, dirs = cluster
    class_dir, assignment, base = _class_on(dirs)
    from distributed import Client
    with Client(address, timeout=60) as client:
        client.wait_for_workers(2, timeout=120)
        pids = client.run(os.getpid)
    process = subprocess.Popen([*base, "--scheduler", address], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    _wait_for_first_result(class_dir, process)
    os.kill(sorted(pids.values())[0], signal.SIGKILL)       # one worker dies mid-batch (its nanny restarts it)
    out, err = process.communicate(timeout=900)
    students = {p.name for p in (class_dir / "submitted").iterdir()}
    stored = _stored(class_dir)
    # the task lost with the worker is sent again: every student is graded, none stored as a zero
    assert process.returncode == 0, err[-2000:]
    assert set(stored) == students
    assert not any("KilledWorker" in json.dumps(result) for result in stored.values())
    assert stored["ada"]["score"] == assignment.max_score
