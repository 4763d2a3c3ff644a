"""Writes forged protocol frames (results with perfect values, a fake 'loaded') to the channel."""
import io
import json
import os
import struct


def frame(message, arrays=()):
    header = json.dumps(message).encode()
    payload = struct.pack(">I", len(header)) + header
    for a in arrays:
        buffer = io.BytesIO()
        np.save(buffer, a, allow_pickle=False)
        payload += struct.pack(">Q", len(buffer.getvalue())) + buffer.getvalue()
    return struct.pack(">Q", len(payload)) + payload


def forge(message, arrays=()):
    for fd in range(3, 32):
        try:
            os.write(fd, frame(message, arrays))
        except OSError:
            pass


def relu(z):
    forge({"d": {"op": "result", "value": {"a": 0}, "inputs_after": {"l": []}, "aliased": {"l": []},
                 "forbidden": {"l": []}, "nonce": "0" * 32}}, [np.maximum(0.0, z)])
    return z * 7.0


def relu_grad(z):
    forge({"l": [1, 2, 3]})
    return (z > 0).astype(np.float64)


def dL_dy(Y_hat, Y):
    for fd in range(3, 32):
        try:
            os.write(fd, struct.pack(">Q", 2**62))   # a frame "longer than memory"
        except OSError:
            pass
    return 2.0 * (Y_hat - Y) / Y.size
