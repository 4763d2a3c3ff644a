"""Prints hundreds of megabytes, at load time and from a function."""
import sys

chunk = "spam " * 200_000
for _ in range(200):
    try:
        sys.stdout.write(chunk)
        sys.stdout.flush()
    except OSError:
        break


def relu(z):
    for _ in range(50):
        try:
            print(chunk, file=sys.stderr, flush=True)
        except OSError:
            break
    return np.maximum(0.0, z)
