"""The template: a batch worker's children are forked from it, with NumPy and child.py already imported.

Starting a child costs about 0.1 s of CPU, most of it NumPy's import; a batch worker grades one
submission after another, so it starts one template per sandbox configuration and forks every
child from it. Started by `launcher.start_template`, inside bubblewrap like a child (the same
binds, environment and rlimits, but no seccomp filter: it must fork), as
`python -I -S -u template.py CONTROL_FD TMP_MB FILTER_HEX [--site DIR]`. It never runs student
code: it imports, then waits on CONTROL_FD (a UNIX socket to the grader) for requests to fork,
each carrying five descriptors: the child's request and reply pipes and output file, and its
keeper's kill and status pipes.

    template -- keeper (new user, mount, PID, IPC, network, UTS namespaces) -- init (PID 1) -- child

The keeper leaves the template's session, waits for the init, kills it (and with it the child: their
PID namespace ends) when the grader writes to the kill pipe or closes it, and writes the child's
end to the status pipe as bubblewrap reports one (the exit code, or 128 + N for signal N). Before
any submitted code runs, the child gets: a session and process group of its own; fresh
size-limited tmpfs on its folder, /tmp and /dev/shm, and a devpts of its own; an empty read-only
/proc (no other process, the template's included, can be named); every other mount read-only
(nothing it writes outlives it); an empty pipe as stdin and only its own descriptors; no
capability, in any set; no new privileges; the seccomp filter `seccomp.py` built. Then it writes
one byte, b"R", on its reply pipe. A child that cannot get all of this exits without that byte,
and the grader starts its children the usual way (`launcher.start`).
"""
import ctypes
import os
import re
import select
import signal
import socket
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import child  # after the path: NumPy and the child's code, imported once for every fork

LIBC = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWUTS = (
    0x00020000, 0x10000000, 0x20000000, 0x08000000, 0x40000000, 0x04000000)
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = (
    1, 2, 4, 8, 32, 0x1000, 0x4000, 0x40000)
MOUNT_FLAGS = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC, "noatime": 0x400,
               "nodiratime": 0x800, "relatime": 0x200000}      # kept on a read-only remount
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, PR_CAPBSET_DROP, PR_CAP_AMBIENT = (
    1, 4, 38, 22, 24, 47)
PR_CAP_AMBIENT_CLEAR_ALL, SECCOMP_MODE_FILTER = 4, 2
CAPABILITY_VERSION_3 = 0x20080522
SANDBOX_HOME = "/sandbox"
SETUP_FAILED = 70                 # the child's exit code when it could not be sandboxed
FDS = 5                           # per request: request_r, reply_w, output, kill_r, status_w

LIBC.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
LIBC.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]


class SetupError(OSError):
    pass


def _check(result, what):
    if result != 0:
        number = ctypes.get_errno()
        raise SetupError(number, f"{what}: {os.strerror(number)}")


def _mount(source, target, kind, flags, options=None):
    _check(LIBC.mount(source, target.encode(), kind, flags, options), f"mount {target}")


def _prctl(option, arg=0, what="prctl"):
    _check(LIBC.prctl(option, arg, 0, 0, 0), what)


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


def _mount_points():
    """This mount namespace's mount points, each with the per-mount flags a remount must keep."""
    points = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            where = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])   # \040: a space
            flags = 0
            for option in fields[5].split(","):
                flags |= MOUNT_FLAGS.get(option, 0)
            points.append((where, flags))
    return points


def _own_filesystem(tmp_mb):
    """Every mount read-only but for fresh tmpfs on the child's folder, /tmp and /dev/shm; /proc empty;
    a devpts of its own."""
    _mount(b"none", "/", None, MS_REC | MS_PRIVATE)
    fresh = (SANDBOX_HOME, "/tmp", "/dev/shm", "/proc")
    for where, flags in _mount_points():
        if where in fresh or where.startswith("/proc/"):
            continue
        if any(where.startswith(folder + "/") for folder in fresh):
            raise SetupError(0, f"{where} would be hidden under a fresh folder")
        _mount(b"none", where, None, MS_REMOUNT | MS_BIND | MS_RDONLY | flags)
    size = f"size={tmp_mb}m".encode()
    for where, mode in ((SANDBOX_HOME, b"0777"), ("/tmp", b"1777"), ("/dev/shm", b"1777")):
        _mount(b"tmpfs", where, b"tmpfs", MS_NOSUID | MS_NODEV, size + b",mode=" + mode)
    _mount(b"tmpfs", "/proc", b"tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, b"size=4k,mode=0555")
    if os.path.isdir("/dev/pts"):      # terminals of its own, as bubblewrap gives a started child
        _mount(b"devpts", "/dev/pts", b"devpts", MS_NOSUID | MS_NOEXEC, b"newinstance,ptmxmode=0666,mode=0620")
    os.chdir(SANDBOX_HOME)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _no_capabilities():
    """No capability left in any set (bounding, ambient, effective, permitted, inheritable)."""
    for cap in range(64):
        if LIBC.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() != 22:   # EINVAL: no such cap
            _check(-1, f"dropping capability {cap}")
    _prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, "clearing ambient capabilities")
    header, data = _CapHeader(CAPABILITY_VERSION_3, 0), (_CapData * 2)()
    _check(LIBC.capset(ctypes.byref(header), data), "capset")


def _seccomp(program):
    """Load the filter built by the grader (`seccomp.program()`); None where it has none."""
    _prctl(PR_SET_NO_NEW_PRIVS, 1, "no new privileges")
    if program is None:
        return

    class Fprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = Fprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    _check(LIBC.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog), 0, 0), "seccomp")


def _only(keep):
    """Close every descriptor but `keep`."""
    limit = os.sysconf("SC_OPEN_MAX")
    for fd in range(3, limit):
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _quiet_stdin():
    """Standard input: an empty pipe of its own (EOF at once), not the host's /dev/null that the
    template was given, whose owner the sandbox's uid maps to: fchmod on it would change the host's."""
    read, write = os.pipe()
    os.close(write)
    os.dup2(read, 0)
    os.close(read)


def _become_child(request_r, reply_w, output, tmp_mb, program):
    """In the keeper's namespaces, as PID 2 there: sandbox this process, then serve the grader."""
    try:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL, "parent-death signal")
        os.setsid()                   # a process group of its own: setpriority(PRIO_PGRP, 0) reaches no other
        _quiet_stdin()
        os.dup2(output, 1)
        os.dup2(output, 2)
        _only({request_r, reply_w})
        _own_filesystem(tmp_mb)
        _no_capabilities()
        _seccomp(program)
    except BaseException:  # noqa: BLE001 - never serve half sandboxed: say why, end without b"R"
        traceback.print_exc()
        os._exit(SETUP_FAILED)
    child.IN_FD, child.OUT_FD = request_r, reply_w
    try:
        os.write(reply_w, b"R")
        child.serve()
    except BaseException:  # noqa: BLE001 - as a child started by itself would: the traceback, exit 1
        traceback.print_exc()
        os._exit(1)
    os._exit(0)


def _exit_code(status):
    """A wait status as bubblewrap reports a child's end: its exit code, or 128 + N for signal N."""
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def _init(request_r, reply_w, output, tmp_mb, program):
    """PID 1 of the child's namespaces (as bubblewrap's own init is for a started child, so signals
    reach the child as usual): forks the child, waits for it, ends with its end."""
    code = SETUP_FAILED
    try:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL, "parent-death signal")
        # no handler of its own: a namespace's init is then sent no signal from inside it (the child
        # could have one sent with fcntl F_SETOWN, which seccomp lets through)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGINT, signal.default_int_handler)    # as in a started child
            _become_child(request_r, reply_w, output, tmp_mb, program)
        for fd in (request_r, reply_w, output):
            os.close(fd)
        code = _exit_code(os.waitpid(pid, 0)[1])
    except BaseException:  # noqa: BLE001 - in the template's output; the keeper reports the code
        traceback.print_exc()
    os._exit(code)


def _keep(fds, tmp_mb, program):
    """The keeper: new namespaces, the child's init forked into them, waited for; killed (and the
    child with it: its namespace ends) on the grader's word."""
    request_r, reply_w, output, kill_r, status_w = fds
    code = SETUP_FAILED
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)     # the template ignores it; the keeper waits
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL, "parent-death signal")
        os.setsid()                                       # out of the template's process group
        uid, gid = os.getuid(), os.getgid()
        _check(LIBC.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWNET
                            | CLONE_NEWUTS), "unshare")
        _prctl(PR_SET_DUMPABLE, 1, "dumpable")    # its /proc/self is its own only while dumpable
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1\n")
        _write("/proc/self/gid_map", f"{gid} {gid} 1\n")
        _prctl(PR_SET_DUMPABLE, 0, "not dumpable")   # as child.py made the template: so are init and child
        pid = os.fork()
        if pid == 0:
            os.close(kill_r)
            os.close(status_w)
            _init(request_r, reply_w, output, tmp_mb, program)
        for fd in (request_r, reply_w, output):
            os.close(fd)
        pidfd = os.pidfd_open(pid)
        ready, _, _ = select.select([pidfd, kill_r], [], [])
        if kill_r in ready:
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
        code = _exit_code(os.waitpid(pid, 0)[1])
    except BaseException:  # noqa: BLE001 - reported in the template's output; the status says it failed
        traceback.print_exc()
    try:
        os.write(status_w, str(code).encode())
    finally:
        os._exit(0)


def serve(control_fd, tmp_mb, program):
    """Fork a keeper (and through it a child) for every request, until the grader closes the socket."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)         # keepers are reaped by the kernel
    control = socket.socket(fileno=control_fd)
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 16, FDS)
        except OSError:
            os._exit(0)
        if not message:
            os._exit(0)
        if message != b"fork" or len(fds) != FDS:
            for fd in fds:
                os.close(fd)
            continue
        if os.fork() == 0:
            control.close()
            _keep(fds, tmp_mb, program)
        for fd in fds:
            os.close(fd)


if __name__ == "__main__":
    serve(int(sys.argv[1]), int(sys.argv[2]), bytes.fromhex(sys.argv[3]) or None)
