"""Tampers with the sandbox child itself: its reply encoder, its mutation report and its module."""
import sys

child = sys.modules.get("__main__")
wire = sys.modules.get("wire")
if wire is not None:
    original = wire.encode

    def encode(message, callables=None):
        if isinstance(message, dict) and message.get("op") == "raised":
            message = {"op": "result", "value": 0.0, "inputs_after": [], "aliased": [], "forbidden": [],
                       "nonce": message.get("nonce")}
        return original(message, callables)
    wire.encode = encode
if child is not None and hasattr(child, "BLOCKER"):
    child.BLOCKER.names = set()


def relu(z):
    z[z < 0] = 0.0               # right values, but mutates its input
    return z


def relu_grad(z):
    raise ValueError("turned into a result by the tampered encoder?")


def dL_db2(dy):
    return dy.sum(axis=0)
