"""Plain-data messages between the grader and the sandbox child: no pickle, ever.

Imported by both sides, so it depends on the standard library and NumPy only.

A frame on the pipe is: 8-byte big-endian length, then the payload. The payload is a
4-byte length, a JSON header, then the arrays it refers to, each as an 8-byte length and its
raw C-order bytes; the header gives each array's dtype (one of `DTYPES`: plain numbers and bools,
nothing that could hold an object) and shape, and the bytes must be exactly that many.

Values in the JSON tree:
    None, bool, int, float (NaN and inf included), str  -> themselves
    {"l": [...]} list     {"t": [...]} tuple     {"d": {str: value}} dict
    {"a": i, "dt": "<f8", "sh": [2, 3]}   the i-th array ("s": 1 for a NumPy scalar)
    {"f": id}             a callable of the sender's, called back over the pipe while the message's
                          exchange lasts; ids are unguessable tokens, valid only for that exchange
    {"o": "type", "r": "repr"}  an object that is not plain data: named, never rebuilt
"""
from __future__ import annotations

import json
import math
import os
import secrets
import select
import struct
import time

import numpy as np

# Bound at import, before any student code runs in the child: replacing json.dumps, np.save,
# builtins.len, ... in the child afterwards does not change how messages are written.
_dumps, _loads = json.dumps, json.loads
_pack, _unpack_from, _unpack = struct.pack, struct.unpack_from, struct.unpack
_asarray, _array, _frombuffer, _dtype = np.asarray, np.array, np.frombuffer, np.dtype
_ndarray, _generic = np.ndarray, np.generic
_isfinite, _all = np.isfinite, np.all
_write, _read, _select, _monotonic = os.write, os.read, select.select, time.monotonic
_token = secrets.token_hex
_enumerate = enumerate
type, len, isinstance, callable, repr, str, abs, float, int, bool, all, list, tuple, dict = (  # noqa: A001 - bound before student code can replace them
    type, len, isinstance, callable, repr, str, abs, float, int, bool, all, list, tuple, dict)

MAX_FRAME_BYTES = 64 * 2**20    # one message, arrays included: the grader never reads more
MAX_DEPTH = 16
MAX_ITEMS = 100_000             # list items, dict entries and arrays in one message
MAX_REPR = 200
ARRAY_KINDS = "biufc"           # bool, int, uint, float, complex: nothing else crosses
MAX_DIMS = 32
DTYPES = {code: np.dtype(code) for code in (                # native little-endian numbers only
    "|b1", "|i1", "<i2", "<i4", "<i8", "|u1", "<u2", "<u4", "<u8", "<f2", "<f4", "<f8", "<c8", "<c16")}


def leaves(value, path: str):
    """(path, array) for every ndarray inside a value of lists, tuples and dicts, e.g. ("args[2]['W1']",
    W1): how both sides name an input or output leaf (a call's `mutated`, `aliased` and `after`).
    Exact types only: a subclass could run code when walked."""
    kind = type(value)
    if kind is _ndarray:
        yield path, value
    elif kind is list or kind is tuple:
        for i, v in _enumerate(value):
            yield from leaves(v, f"{path}[{i}]")
    elif kind is dict:
        for k, v in dict.items(value):
            yield from leaves(v, f"{path}[{k!r}]")


def input_leaves(args, kwargs) -> list:
    """(path, array) for every array in a call's arguments: args[i]... and kwargs['name']..."""
    return list(leaves(list(args), "args")) + list(leaves(kwargs, "kwargs"))


class WireError(ValueError):
    """A message that is not plain data, too big, or malformed."""


class Opaque:
    """Stands for a value that was not plain data on the other side (type name and repr only)."""

    __slots__ = ("type_name", "text")

    def __init__(self, type_name: str, text: str):
        self.type_name = type_name
        self.text = text

    def __repr__(self):
        return f"<{self.type_name}: {self.text}>"


class _Encoder:
    def __init__(self, callables=None):
        self.arrays: list[bytes] = []
        self.items = 0
        self.callables = callables  # dict id -> callable, or None when callables are not allowed

    def encode(self, value, depth=0):
        if depth > MAX_DEPTH:
            raise WireError("value nested too deeply")
        self.items += 1
        if self.items > MAX_ITEMS:
            raise WireError("value has too many items")
        if value is None or type(value) in (bool, str):
            if type(value) is str and len(value) > MAX_FRAME_BYTES // 4:
                raise WireError("string too long")
            return value
        if type(value) is int:
            return value if abs(value) < 2**63 else float(value)
        if type(value) is float:
            return value
        if type(value) is list:
            return {"l": [self.encode(v, depth + 1) for v in value]}
        if type(value) is tuple:
            return {"t": [self.encode(v, depth + 1) for v in value]}
        if type(value) is dict:
            if not all(type(k) is str for k in value):
                return self.opaque(value)
            return {"d": {k: self.encode(v, depth + 1) for k, v in value.items()}}
        # a subclass (a namedtuple, a defaultdict, ...) goes as its base type, read by the base type's
        # own methods: nothing the subclass overrides runs here (type(): a faked __class__ is not believed)
        if issubclass(type(value), list):
            return self.encode(list(list.__iter__(value)), depth)
        if issubclass(type(value), tuple):
            return self.encode(tuple(tuple.__iter__(value)), depth)
        if issubclass(type(value), dict):
            return self.encode(dict(dict.items(value)), depth)
        if type(value) is _ndarray or isinstance(value, _generic):
            array = _asarray(value)
            code = array.dtype.str
            if code not in DTYPES or array.dtype.hasobject:
                array = _array(array, dtype=array.dtype.newbyteorder("<")) if array.dtype.kind in ARRAY_KINDS \
                    and not array.dtype.hasobject and array.dtype.fields is None else None
                if array is None or array.dtype.str not in DTYPES:
                    return self.opaque(value)
                code = array.dtype.str
            self.arrays.append(array.tobytes(order="C"))
            node = {"a": len(self.arrays) - 1, "dt": code, "sh": list(array.shape)}
            if type(value) is not _ndarray:
                node["s"] = 1
            return node
        if callable(value) and self.callables is not None:
            key = _token(8)
            self.callables[key] = value
            return {"f": key}
        return self.opaque(value)

    @staticmethod
    def opaque(value):
        try:
            text = repr(value)
        except BaseException:  # noqa: BLE001 - a hostile __repr__ must not stop the encoder
            text = "<unprintable>"
        if not isinstance(text, str):
            text = "<unprintable>"
        return {"o": type(value).__name__[:MAX_REPR], "r": text[:MAX_REPR]}


def encode(message: dict, callables=None) -> bytes:
    """A message dict -> one frame's payload. Callables become {"f": id} when `callables` is a dict."""
    enc = _Encoder(callables)
    header = _dumps(enc.encode(message)).encode("utf-8")
    parts = [_pack(">I", len(header)), header]
    for blob in enc.arrays:
        parts += [_pack(">Q", len(blob)), blob]
    payload = b"".join(parts)
    if len(payload) > MAX_FRAME_BYTES:
        raise WireError(f"message of {len(payload)} bytes is over the {MAX_FRAME_BYTES}-byte cap")
    return payload


def decode(payload: bytes, make_callable=None):
    """One frame's payload -> the message, every array checked; WireError if anything is off."""
    try:
        (header_len,) = _unpack_from(">I", payload, 0)
        header = _loads(payload[4:4 + header_len].decode("utf-8"))
        arrays = []
        offset = 4 + header_len
        view = memoryview(payload)       # the arrays' bytes are read in place, copied once (_array_of)
        while offset < len(payload):
            (size,) = _unpack_from(">Q", payload, offset)
            offset += 8
            if size > len(payload) - offset:
                raise WireError("truncated array")
            if len(arrays) >= MAX_ITEMS:
                raise WireError("too many arrays")
            arrays.append(view[offset:offset + size])
            offset += size
    except WireError:
        raise
    except Exception as err:  # noqa: BLE001 - any parse failure is a malformed message
        raise WireError(f"malformed message: {type(err).__name__}: {err}") from None
    return _decode_tree(header, arrays, make_callable, 0, [0])


def _decode_tree(node, arrays, make_callable, depth, count):
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    count[0] += 1
    if count[0] > MAX_ITEMS:
        raise WireError("value has too many items")
    if node is None or type(node) in (bool, int, float, str):
        return node
    if type(node) is not dict or not 1 <= len(node) <= 4:
        raise WireError("malformed value")
    if "l" in node:
        return [_decode_tree(v, arrays, make_callable, depth + 1, count) for v in _list(node["l"])]
    if "t" in node:
        return tuple(_decode_tree(v, arrays, make_callable, depth + 1, count) for v in _list(node["t"]))
    if "d" in node:
        if type(node["d"]) is not dict:
            raise WireError("malformed dict")
        return {k: _decode_tree(v, arrays, make_callable, depth + 1, count) for k, v in node["d"].items()}
    if "a" in node:
        array = _array_of(node, arrays)
        return array[()] if node.get("s") else array
    if "f" in node:
        if make_callable is None:
            raise WireError("callables are not accepted here")
        return make_callable(node["f"])
    if "o" in node:
        return Opaque(str(node["o"])[:MAX_REPR], str(node.get("r", ""))[:MAX_REPR])
    raise WireError("malformed value")


def _array_of(node, blobs):
    """The array a {"a", "dt", "sh"} node describes, checked: an allowed dtype, a plain shape, and
    exactly the bytes it needs (a fresh, writable array)."""
    index, code, shape = node.get("a"), node.get("dt"), node.get("sh")
    if type(index) is not int or not 0 <= index < len(blobs):
        raise WireError("bad array reference")
    if type(code) is not str or code not in DTYPES:
        raise WireError(f"array of dtype {str(code)[:20]!r} is not allowed")
    if type(shape) is not list or len(shape) > MAX_DIMS or not all(type(d) is int and d >= 0 for d in shape):
        raise WireError("malformed array shape")
    dtype = DTYPES[code]
    count = 1
    for d in shape:
        count *= d
    blob = blobs[index]
    if count * dtype.itemsize != len(blob):
        raise WireError("array bytes do not match its shape")
    return _frombuffer(blob, dtype=dtype).reshape(shape).copy()


def _list(value):
    if type(value) is not list:
        raise WireError("malformed list")
    return value


def write_frame(fd: int, payload: bytes, deadline=None) -> None:
    """Write one frame to a file descriptor, looping over short writes. With a deadline (the
    grader's side, on a non-blocking pipe) waiting for room never outlasts it: TimeoutError."""
    data = memoryview(_pack(">Q", len(payload)) + payload)
    ready = deadline is None or deadline > _monotonic()    # a pipe with room is written at once
    while data:
        if not ready:
            wait = deadline - _monotonic()
            if wait <= 0 or not _select([], [fd], [], wait)[1]:
                raise TimeoutError
        try:
            written = _write(fd, data)
        except BlockingIOError:
            ready = False
            continue
        data = data[written:]
        ready = deadline is None


def is_finite_tree(value) -> bool:
    """True when every float and array in a decoded value is finite."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, _ndarray):
        return value.dtype.kind not in "fc" or bool(_all(_isfinite(value)))
    if isinstance(value, (list, tuple)):
        return all(is_finite_tree(v) for v in value)
    if isinstance(value, dict):
        return all(is_finite_tree(v) for v in value.values())
    return True


def _read_exact(fd: int, size: int, deadline=None, early=False) -> bytes:
    """Read exactly `size` bytes; EOFError if the other end closed, TimeoutError past the deadline.
    early: try a read before waiting (a frame's payload, written with its length, is there already).
    With a deadline the descriptor must be non-blocking: data that select() saw may be gone by the
    time of the read (the child can reopen its end of the pipe through /proc and read it too)."""
    chunks, remaining = [], size
    ready = early and (deadline is None or deadline > _monotonic())
    while remaining:
        if deadline is not None and not ready:
            wait = deadline - _monotonic()
            if wait <= 0 or not _select([fd], [], [], wait)[0]:
                raise TimeoutError
        ready = False
        try:
            chunk = _read(fd, min(remaining, 1 << 20))
        except BlockingIOError:
            continue
        if not chunk:
            raise EOFError("the other end closed the channel")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, deadline=None) -> bytes:
    """One frame's payload from a file descriptor (see `write_frame`)."""
    (size,) = _unpack(">Q", _read_exact(fd, 8, deadline))
    if size > MAX_FRAME_BYTES:
        raise WireError(f"frame of {size} bytes is over the {MAX_FRAME_BYTES}-byte cap")
    return _read_exact(fd, size, deadline, early=True)
