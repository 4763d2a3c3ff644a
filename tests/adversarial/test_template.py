"""Children forked from a batch worker's template (docs/sandbox.md, "The template") hold what a
started child holds, and nothing of one another: each is attacked here from inside, as a
submission would, and compared with a child started by bubblewrap."""
from __future__ import annotations

import subprocess

import pytest

from autograder.sandbox import launcher, proxy
from autograder.sandbox.proxy import SandboxedStudent, StudentFailure, Unit
from guarantees import need

# What one submission leaves and looks for, and what it learns of its own process.
PROBE = r'''
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
PLACES = ["/", "/tmp", "/dev/shm", "/sandbox", "/dev", "/dev/pts", "/opt", "/opt/runtime", "/usr", "/etc"]

def _errno():
    return errno.errorcode.get(ctypes.get_errno(), "ok")

def leave(tag):
    """Write a file everywhere it can and a System V segment: what it managed."""
    wrote = []
    for where in PLACES:
        try:
            with open(os.path.join(where, "leak-" + tag), "w") as f:
                f.write(tag)
            wrote.append(where)
        except OSError:
            pass
    segment = libc.shmget(0x5EC2E7, 4096, 0o1666)       # IPC_CREAT | 0666
    return [wrote, segment >= 0]

def look():
    """What another submission left, and this process's privileges and descriptors."""
    found = []
    for where in PLACES:
        try:
            found += [os.path.join(where, n) for n in os.listdir(where) if n.startswith("leak-")]
        except OSError:
            pass
    segment = libc.shmget(0x5EC2E7, 0, 0) >= 0

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]

    header, data = Header(0x20080522, 0), (Data * 2)()
    libc.capget(ctypes.byref(header), data)
    caps = [c for d in data for c in (d.effective, d.permitted, d.inheritable)]
    bounding = [cap for cap in range(41) if libc.prctl(23, cap, 0, 0, 0) == 1]     # PR_CAPBSET_READ
    ambient = [cap for cap in range(41) if libc.prctl(47, 1, cap, 0, 0) == 1]      # PR_CAP_AMBIENT_IS_SET
    fds = []
    for fd in range(256):
        try:
            os.fstat(fd)
            fds.append(fd)
        except OSError:
            pass
    nice = os.getpriority(os.PRIO_PROCESS, 0)
    mode = os.stat("/dev/null").st_mode & 0o7777
    calls = {"unshare": libc.unshare(0x10000000), "umount /tmp": libc.umount2(b"/tmp", 2),
             "setpriority of pid 3": libc.setpriority(0, 3, 19), "prlimit of pid 3": libc.prlimit(3, 0, None, None),
             "setpriority of its group": libc.setpriority(1, 0, 19),
             "setpriority of its user": libc.setpriority(2, 0, 19),
             "ioprio_set of its group": libc.syscall(251, 2, 0, 3 << 13),
             "chmod /dev/null": libc.chmod(b"/dev/null", mode)}
    os.nice(19)                  # its own process only: the next child must not start at 19
    return {"found": found, "segment": segment, "caps": caps, "bounding": bounding, "ambient": ambient,
            "no_new_privs": libc.prctl(39, 0, 0, 0, 0), "seccomp": libc.prctl(21, 0, 0, 0, 0),
            "uid": os.getuid(), "pid": os.getpid(), "proc": os.listdir("/proc"), "fds": len(fds), "nice": nice,
            "stdin": "pipe" if __import__("stat").S_ISFIFO(os.fstat(0).st_mode) else "other",
            "refused": sorted(k for k, v in calls.items() if v != 0)}
'''


def student(config, source=PROBE, names=("leave", "look"), time_limits=None):
    return SandboxedStudent([Unit("probe.py", source, names)], time_limits=time_limits or {},
                            default_time_limit=10, load_time_limit=20, config=config)


def forked(config):
    """A SandboxedStudent whose child comes from `config`'s template, as a batch worker's next one does."""
    proxy.start_spare(config)
    assert isinstance(proxy._SPARES[config].process, launcher.Kept), "the spare was not forked"
    return config


def started(config):
    """`config` with no template in this process: the next child is one bubblewrap starts."""
    proxy.stop_spares()
    return config


def kind(one) -> str:
    """How the child `one` holds now came to be."""
    child = one._child or one._prestarted
    return "forked" if isinstance(child.process, launcher.Kept) else "started"


BOTH = ("forked", "started")


@pytest.fixture
def config():
    need("bubblewrap", "children forked from a template inside bubblewrap")
    config = launcher.SandboxConfig(isolate="bwrap")
    yield config
    proxy.stop_spares()


def test_children_of_one_template_share_nothing_and_hold_no_privilege(config):
    first = student(forked(config))
    try:
        first.prestart()
        wrote, segment = first.leave("first")
    finally:
        first.close()
    # only its own fresh folders take a file: everything else it sees is read-only; a System V
    # segment is refused (seccomp), and would die with its IPC namespace anyway
    assert sorted(wrote) == ["/dev/shm", "/sandbox", "/tmp"] and not segment
    second = student(forked(config))
    try:
        second.prestart()
        seen = second.look()
    finally:
        second.close()
    assert seen["found"] == [] and seen["segment"] is False            # nothing of the first one
    assert seen["caps"] == [0] * 6 and seen["bounding"] == [] and seen["ambient"] == []
    assert seen["no_new_privs"] == 1 and seen["seccomp"] == 2           # SECCOMP_MODE_FILTER
    assert seen["uid"] != 0 and seen["pid"] == 2 and seen["proc"] == []   # no other process can be named
    assert seen["fds"] == 5 and seen["stdin"] == "pipe"                 # stdin, output twice, the channel
    assert seen["refused"] == REFUSED and seen["nice"] == 0


# Refused to every child, forked or started: other processes (their pids, its group, its user: the
# grader's template and the next student's child may share those), mounts, and the host's files.
REFUSED = ["chmod /dev/null", "ioprio_set of its group", "prlimit of pid 3", "setpriority of its group",
           "setpriority of its user", "setpriority of pid 3", "umount /tmp", "unshare"]


def test_a_child_cannot_slow_the_next_one_down(config):
    """A submission that renices everything it can (its group, its user, itself) leaves the next
    child, forked from the same template, at nice 0: its time limits mean the same."""
    first = student(forked(config))
    try:
        first.prestart()
        assert first.look()["refused"] == REFUSED
    finally:
        first.close()
    second = student(forked(config))
    try:
        second.prestart()
        assert second.look()["nice"] == 0
    finally:
        second.close()


def test_a_started_child_refuses_as_much(config):
    """The same probe in a child bubblewrap started: the template's children hold no more."""
    one = student(started(config))
    try:
        one.prestart()
        assert kind(one) == "started"
        seen = one.look()
    finally:
        one.close()
    assert seen["caps"] == [0] * 6 and seen["no_new_privs"] == 1 and seen["seccomp"] == 2 and seen["uid"] != 0
    assert seen["refused"] == REFUSED and seen["stdin"] == "pipe" and seen["pid"] == 2


ENDINGS = ("import os, ctypes, fcntl, signal, time\n"
           "def exits(code):\n    os._exit(code)\n"
           "def signals_init():\n"          # SIGINT to PID 1 through F_SETOWN (seccomp refuses kill)
           "    r, w = os.pipe()\n    fcntl.fcntl(r, fcntl.F_SETOWN, 1)\n    fcntl.fcntl(r, 10, signal.SIGINT)\n"
           "    fcntl.fcntl(r, fcntl.F_SETFL, fcntl.fcntl(r, fcntl.F_GETFL) | os.O_ASYNC)\n"
           "    os.write(w, b'x')\n    time.sleep(0.5)\n    return 'still here'\n"
           "def alarms():\n    signal.alarm(1)\n    time.sleep(5)\n"
           "def crashes():\n    ctypes.string_at(0)\n"
           "def loops():\n    while True:\n        pass\n"
           "def fine():\n    return 'fine'\n")


@pytest.mark.parametrize("call, says", [
    (lambda s: s.exits(3), "(exit code 3)"),
    (lambda s: s.crashes(), "(killed by SIGSEGV)"),
    (lambda s: s.loops(), "within its time limit of 1 s (killed by SIGKILL)"),
    (lambda s: s.alarms(), "(killed by SIGALRM)"),     # as for any process but a PID namespace's init
], ids=["exit", "crash", "timeout", "alarm"])
def test_a_forked_child_ends_as_a_started_one_is_reported(config, call, says):
    """Its exit, a crash and a timeout read word for word as they do for a child bubblewrap started
    (the keeper reports its end; a timeout kills it through the keeper), and the next call gets a
    fresh child."""
    names = ("exits", "crashes", "loops", "alarms", "signals_init", "fine")
    messages = []
    for how in BOTH:
        prepared = forked(config) if how == "forked" else started(config)
        one = student(prepared, ENDINGS, names, time_limits={"loops": 1})
        try:
            one.prestart()
            assert kind(one) == how
            with pytest.raises(StudentFailure) as failure:
                call(one)
            messages.append(str(failure.value))
            assert one.fine() == "fine" and kind(one) == how       # its fresh child comes the same way
        finally:
            one.close()
    assert messages[0] == messages[1] and says in messages[0], messages


def test_signals_a_child_has_sent_to_its_init_change_nothing(config):
    """PID 1 of a forked child's namespace is the template's init (bubblewrap's for a started child):
    a signal the child has the kernel send it (fcntl F_SETOWN) neither ends the child nor changes
    how its end is reported."""
    names = ("exits", "signals_init", "fine")
    for how in BOTH:
        one = student(forked(config) if how == "forked" else started(config), ENDINGS, names)
        try:
            one.prestart()
            assert kind(one) == how
            assert one.signals_init() == "still here" and one.fine() == "fine"
            with pytest.raises(StudentFailure, match=r"\(exit code 3\)"):
                one.exits(3)
        finally:
            one.close()


def test_a_template_that_died_is_started_again_and_one_that_fails_is_given_up(config, monkeypatch):
    proxy.start_spare(config)
    template = proxy._TEMPLATES[config]
    holder = student(config, ENDINGS, ("fine",))
    holder.prestart()                                 # holds a child forked from the template
    template.stop()                                   # killed, as by an administrator
    try:                                              # its children die with it, a moment later
        holder._prestarted.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail("a child outlived its template")
    with pytest.raises(StudentFailure):
        holder.fine()
    assert holder.grader_error and "template" in holder.grader_error     # not the student's doing
    holder.close()
    proxy.start_spare(config)
    assert proxy._TEMPLATES[config] is not template and proxy._TEMPLATES[config].alive()
    assert isinstance(proxy._SPARES[config].process, launcher.Kept)

    current = student(config, ENDINGS, ("fine",))
    current.prestart()                                # this grading's child, forked from the template
    assert isinstance(current._prestarted.process, launcher.Kept)

    def refuses(template, **_):
        raise OSError("a child forked from the sandbox template did not start (unshare: Operation not permitted)")
    monkeypatch.setattr(launcher, "fork", refuses)
    proxy.start_spare(config)                         # falls back to a started child, and keeps to it
    assert proxy._TEMPLATES[config] is None
    try:
        assert current.fine() == "fine" and current.grader_error is None   # the failing template is not stopped
    finally:
        current.close()
    spare = proxy._SPARES[config]
    assert not isinstance(spare.process, launcher.Kept)
    one = student(config, ENDINGS, ("fine",))
    try:
        one.prestart()
        assert one._prestarted is spare and one.fine() == "fine"
    finally:
        one.close()


def test_a_spare_is_forked_without_waiting_and_checked_when_taken(config, monkeypatch):
    proxy.start_spare(config)                         # the first: its template is starting
    spare = proxy._SPARES[config]
    assert isinstance(spare.process, launcher.Kept) and not spare.ready
    one = student(config, ENDINGS, ("fine",))
    try:
        one.prestart()                                # its word read only now
        assert one._prestarted is spare and spare.ready and one.fine() == "fine"
    finally:
        one.close()

    template = proxy._TEMPLATES[config]               # killed while its spare waits: started again
    proxy.start_spare(config)
    template.stop()
    two = student(config, ENDINGS, ("fine",))
    try:
        two.prestart()
        assert isinstance(two._prestarted.process, launcher.Kept) and two.fine() == "fine"
        assert proxy._TEMPLATES[config] is not template and proxy._TEMPLATES[config].alive()
    finally:
        two.close()

    template = proxy._TEMPLATES[config]               # running, and its spare never says it is ready
    proxy.start_spare(config)

    def silent(child):
        child.cleanup()
        raise OSError("a child forked from the sandbox template did not start (no reply)")
    monkeypatch.setattr(launcher, "confirm_forked", silent)
    three = student(config, ENDINGS, ("fine",))
    try:
        three.prestart()
        assert proxy._TEMPLATES[config] is None and template in proxy._RETIRED
        assert not isinstance(three._prestarted.process, launcher.Kept) and three.fine() == "fine"
    finally:
        three.close()
