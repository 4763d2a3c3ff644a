"""Memory the address-space limit does not count, held from load time: memfds written to (not
mapped), and SysV shared memory created, filled and detached (without bubblewrap's IPC namespace
a segment outlives the process that made it). What it got is printed; the functions are honest."""
import ctypes
import os

try:
    held = [os.memfd_create(f"hold{i}") for i in range(32)]
    for fd in held:
        os.ftruncate(fd, 16 * 2**20)
        os.write(fd, b"x" * 2**20)
    print("MEMFD HELD", len(held))
except OSError as err:
    print("MEMFD REFUSED", err.errno)

libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
segment = libc.shmget(0, ctypes.c_size_t(64 * 2**20), 0o1000 | 0o600)     # IPC_PRIVATE, IPC_CREAT
if segment == -1:
    print("SHM REFUSED", ctypes.get_errno())
else:
    address = libc.shmat(segment, None, 0)
    if address not in (None, ctypes.c_void_p(-1).value):
        ctypes.memset(address, 1, 64 * 2**20)
        libc.shmdt(ctypes.c_void_p(address))
    print("SHM HELD", segment)
for name in ("msgget", "semget"):
    made = getattr(libc, name)(0, 0o1000 | 0o600) if name == "msgget" else libc.semget(0, 1, 0o1000 | 0o600)
    print(name.upper(), "REFUSED" if made == -1 else "MADE")


def relu(z):
    return np.maximum(0.0, z)


def relu_grad(z):
    return (z > 0).astype(np.float64)
