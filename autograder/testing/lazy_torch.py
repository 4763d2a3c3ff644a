"""Torch, imported on first use, and the torch oracle's answers remembered.

    torch, F                   stand-ins for `torch` and `torch.nn.functional`: the module is
                               imported when an attribute is first read (1.5 s or more)
    @remembered                an oracle function whose answer for the same arguments is looked up
                               in ANSWERS before torch computes it
    ANSWERS                    key -> answer; autograder/case_pool.py keeps each case set's answers
                               with the set, so replaying a recorded set reads torch's answers
                               instead of importing torch (a cold grading process never does)

A key is the SHA-256 of the function and of every argument: arrays by dtype, shape and bytes;
numbers and strings by type and repr; functions (e.g. the torch function an oracle differentiates)
by module, name, bytecode, constants, defaults and closure. An argument of any other type makes a
call unkeyable: torch computes it, as without this module.
"""
from __future__ import annotations

import copy
import functools
import hashlib
import importlib
import itertools
import types

import numpy as np

from .copies import fresh

ANSWERS: dict[bytes, object] = {}
USED: list[set] = []      # while a case set is recorded: the keys its tests asked for (case_pool.py)
# A long-lived worker also meets questions asked on a student's own values, new with each
# submission: past this many answers the oldest are forgotten. A case set's answers (about 250, 90 kB,
# for backprop) are made known again each time the set is replayed, so nothing is lost but time.
MAX_ANSWERS = 20_000


def keep(key: bytes, answer) -> None:
    """ANSWERS[key] = answer; past MAX_ANSWERS the oldest tenth is forgotten, except what a case set
    being recorded has asked for."""
    ANSWERS[key] = answer
    if len(ANSWERS) > MAX_ANSWERS:
        recording = set().union(*USED)
        oldest = [k for k in itertools.islice(ANSWERS, MAX_ANSWERS // 10) if k not in recording and k != key]
        for k in oldest:
            del ANSWERS[k]



class _Lazy(types.ModuleType):
    """A module imported on the first attribute read."""

    def __init__(self, name: str):
        super().__init__(name)
        self._module = None

    def __getattr__(self, attribute):
        if attribute.startswith("_"):      # what tools probe (pytest's collection does): no import
            raise AttributeError(attribute)
        module = self.__dict__["_module"]
        if module is None:
            module = self.__dict__["_module"] = importlib.import_module(self.__name__)
        return getattr(module, attribute)


torch = _Lazy("torch")
F = _Lazy("torch.nn.functional")


class Unkeyable(TypeError):
    """An argument this module cannot key exactly."""


def _key(value, out: list) -> None:
    """Append an exact, type-tagged description of `value` to `out`."""
    if value is None or isinstance(value, (bool, int, float, str, complex)):
        out.append(f"{type(value).__name__}:{value!r}")
    elif isinstance(value, np.ndarray):
        if value.dtype == object:
            raise Unkeyable("an object array")
        out.append(f"array:{value.dtype.str}:{value.shape}")
        out.append(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, np.generic):
        out.append(f"scalar:{value.dtype.str}")
        out.append(value.tobytes())
    elif isinstance(value, (tuple, list)):
        out.append(f"{type(value).__name__}:{len(value)}")
        for item in value:
            _key(item, out)
    elif isinstance(value, dict):
        out.append(f"dict:{len(value)}")
        for name in sorted(value, key=repr):
            _key(name, out)
            _key(value[name], out)
    elif isinstance(value, types.FunctionType):
        out.append(f"function:{value.__module__}:{value.__qualname__}")
        _code(value.__code__, out)
        _key(value.__defaults__, out)
        _key(value.__kwdefaults__, out)
        for cell in value.__closure__ or ():
            _key(cell.cell_contents, out)
    elif isinstance(value, _Lazy):
        out.append(f"module:{value.__name__}")
    else:
        raise Unkeyable(type(value).__name__)


_CODE_PARTS: dict[types.CodeType, list] = {}    # a code object is immutable: described once


def _code(code: types.CodeType, out: list) -> None:
    parts = _CODE_PARTS.get(code)
    if parts is None:
        parts = [code.co_code, repr(code.co_names)]
        for constant in code.co_consts:
            if isinstance(constant, types.CodeType):
                _code(constant, parts)
            else:
                parts.append(f"{type(constant).__name__}:{constant!r}")
        _CODE_PARTS[code] = parts
    out.extend(parts)


def key_of(function, args, kwargs) -> bytes:
    parts: list = []
    _key((function, args, kwargs), parts)
    digest = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.digest()


def remembered(function):
    """`function` (a torch oracle: pure, float64) answering from ANSWERS when it can."""
    @functools.wraps(function)
    def answer(*args, **kwargs):
        try:
            key = key_of(function, args, kwargs)
        except Unkeyable:
            return function(*args, **kwargs)
        if key not in ANSWERS:
            keep(key, copy.deepcopy(function(*args, **kwargs)))   # never forgets the key it keeps
        for used in USED:
            used.add(key)
        return fresh(ANSWERS[key])
    return answer
