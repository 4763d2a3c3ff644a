"""A seccomp filter for the child: no new processes, no signals to others, no sockets.

RLIMIT_NPROC does not stop a fork bomb when the grader runs as root (under bubblewrap the
child's uid maps back to root, and root is exempt), and without bubblewrap it counts every
task of the shared unprivileged uid, so one student's threads could stop another student's
child from starting. So the child is one task: fork, vfork and clone fail with EPERM (threads
too, unless `allow_threads`; NumPy runs single-threaded with OPENBLAS_NUM_THREADS=1). The same
filter refuses kill/tgkill & co. (without bubblewrap, children of different students share the
unprivileged uid), ptrace and process_vm_*, io_uring (which would bypass the filter) and every
socket(), AF_UNIX included (no network even without a network namespace, and no abstract or
filesystem UNIX socket of the host or of another child), and memory the address-space limit does
not count: memfds, SysV shared memory, message queues and semaphores, POSIX message queues.
`setpriority` and `ioprio_set` reach one process only (PRIO_PROCESS, IOPRIO_WHO_PROCESS): a group
or a user could hold the grader's other processes (e.g. a batch worker's template and the next
student's child).

The filter is a classic-BPF program built here, on the trusted side: bubblewrap loads it with
`--seccomp FD`; without bubblewrap, `install()` loads it in the forked child just before exec.
x86-64 only; elsewhere `program()` is None and the other limits remain.
"""
from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct

AUDIT_ARCH_X86_64 = 0xC000003E
RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000
RET_KILL_PROCESS = 0x80000000
LD_ABS_W = 0x20          # BPF_LD | BPF_W | BPF_ABS
JEQ_K = 0x15             # BPF_JMP | BPF_JEQ | BPF_K
JGE_K = 0x35             # BPF_JMP | BPF_JGE | BPF_K
JSET_K = 0x45            # BPF_JMP | BPF_JSET | BPF_K
RET_K = 0x06             # BPF_RET | BPF_K
CLONE_THREAD = 0x00010000

# x86-64 syscall numbers
CLONE, FORK, VFORK, CLONE3 = 56, 57, 58, 435
SOCKET = 41
SETPRIORITY, IOPRIO_SET = 141, 251
PRIO_PROCESS, IOPRIO_WHO_PROCESS = 0, 1     # the only "which" let through: a process, not a group or user
DENIED = {
    "kill": 62, "tkill": 200, "tgkill": 234, "rt_sigqueueinfo": 129, "rt_tgsigqueueinfo": 297,
    "pidfd_send_signal": 424, "pidfd_open": 434, "pidfd_getfd": 438,
    "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311,
    "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
    "setsid": 112, "setpgid": 109, "unshare": 272, "setns": 308, "mount": 165,
    "keyctl": 250, "add_key": 248, "request_key": 249, "bpf": 321, "perf_event_open": 298,
    "userfaultfd": 323,
    # memory the address-space limit does not count (written to a memfd, or in SysV IPC objects,
    # which without bubblewrap's IPC namespace outlive the child)
    "memfd_create": 319, "memfd_secret": 447, "shmget": 29, "shmat": 30, "shmctl": 31, "shmdt": 67,
    "msgget": 68, "msgsnd": 69, "msgrcv": 70, "msgctl": 71, "semget": 64, "semop": 65, "semctl": 66,
    "semtimedop": 220, "mq_open": 240,
}


def _op(code, k, jt=0, jf=0):
    return (code, jt, jf, k)


def program(allow_threads: bool = False) -> bytes | None:
    """The filter as bytes of `struct sock_filter[]`, or None where it is not supported.
    allow_threads: let clone(CLONE_THREAD) through (otherwise the child is one single task)."""
    if platform.machine() != "x86_64":
        return None
    checks = [(FORK, "eperm"), (VFORK, "eperm"), (CLONE3, "enosys"), (CLONE, "clone"), (SOCKET, "eperm"),
              (SETPRIORITY, "setpriority"), (IOPRIO_SET, "ioprio_set")]
    checks += [(nr, "eperm") for nr in sorted(DENIED.values())]
    # Layout: 4 header instructions, one jeq per checked syscall, "ret allow", then the blocks
    # below (BPF jumps only forward, so every target comes after every jump).
    first = 4 + len(checks) + 1
    where = {"clone": first, "setpriority": first + 4, "ioprio_set": first + 8, "eperm": first + 12,
             "enosys": first + 13, "kill": first + 14}

    def to(at, label):
        return where[label] - at - 1

    body = [
        _op(LD_ABS_W, 4),                                            # the architecture
        _op(JEQ_K, AUDIT_ARCH_X86_64, 0, to(1, "kill")),
        _op(LD_ABS_W, 0),                                            # the syscall number
        _op(JGE_K, 0x40000000, to(3, "eperm"), 0),                   # x32 ABI numbers
    ]
    for nr, label in checks:
        body.append(_op(JEQ_K, nr, to(len(body), label), 0))
    body.append(_op(RET_K, RET_ALLOW))
    thread = CLONE_THREAD if allow_threads else 0
    body += [_op(LD_ABS_W, 16), _op(JSET_K, thread, 0, 1),           # clone: a thread (if allowed), or refused
             _op(RET_K, RET_ALLOW), _op(RET_K, RET_ERRNO | errno.EPERM)]
    for which in (PRIO_PROCESS, IOPRIO_WHO_PROCESS):                 # setpriority, ioprio_set: one process
        body += [_op(LD_ABS_W, 16), _op(JEQ_K, which, 0, 1), _op(RET_K, RET_ALLOW), _op(RET_K, RET_ERRNO | errno.EPERM)]
    body += [_op(RET_K, RET_ERRNO | errno.EPERM), _op(RET_K, RET_ERRNO | errno.ENOSYS),
             _op(RET_K, RET_KILL_PROCESS)]
    assert len(body) == where["kill"] + 1
    assert all(0 <= jt < 256 and 0 <= jf < 256 for _, jt, jf, _ in body)
    return b"".join(struct.pack("<HBBI", code, jt, jf, k) for code, jt, jf, k in body)


def memfd(allow_threads: bool = False) -> int | None:
    """A descriptor holding the program, for bubblewrap's `--seccomp FD` (None if unsupported)."""
    data = program(allow_threads)
    if data is None:
        return None
    fd = os.memfd_create("autograder-seccomp", 0)
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class Installer:
    """Prepared in the grader (no allocation after fork): `installer()` loads the filter into
    the calling process. Used in a Popen preexec_fn, just before exec."""

    PR_SET_NO_NEW_PRIVS = 38
    PR_SET_SECCOMP = 22
    SECCOMP_MODE_FILTER = 2

    def __init__(self, allow_threads: bool = False):
        data = program(allow_threads)
        self.available = data is not None
        if not self.available:
            return
        self._buffer = ctypes.create_string_buffer(data, len(data))
        self._fprog = _SockFprog(len(data) // 8, ctypes.cast(self._buffer, ctypes.c_void_p))
        self._prctl = ctypes.CDLL(None, use_errno=True).prctl
        self._prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]

    def __call__(self) -> None:
        if not self.available:
            return
        if self._prctl(self.PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if self._prctl(self.PR_SET_SECCOMP, self.SECCOMP_MODE_FILTER, ctypes.addressof(self._fprog), 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")
