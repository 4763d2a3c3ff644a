"""Writes 1 GiB: 16 MiB files in its own folder and in every world-writable temporary folder,
named so the test can look for what is left behind."""
import os

written = {}
for folder in [".", "/tmp", "/var/tmp", "/dev/shm"]:
    total = 0
    for i in range(16):
        try:
            with open(os.path.join(folder, f"fill-disk-__PORT__-{i}"), "wb") as f:
                for _ in range(16):
                    f.write(b"\0" * 2**20)
                    total += 1
        except OSError:
            break
    written[folder] = total
print("WRITTEN MiB:", written)


def relu(z):
    return np.maximum(0.0, z)
