"""Hangs while loading (reading its own channel back through /proc): the load limit is paid once."""
import glob

for path in sorted(glob.glob("/proc/self/fd/*")):
    try:
        with open(path, "rb") as f:
            f.read(300)
    except OSError:
        pass
while True:
    pass


def relu(z):
    return np.maximum(0.0, z)
