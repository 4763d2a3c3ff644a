"""The sandbox child: the only place student code runs.

Started as `python -I [-S] child.py IN_FD OUT_FD [--site DIR]` by `launcher.py`, inside
bubblewrap when it is available, from the private runtime of `runtime.py` (DIR holds NumPy), or
forked from a template that has imported this module (`template.py`, a batch worker's children).
It depends on the standard library, NumPy and `wire.py` beside it: nothing of the grader, the
hidden suites or the solutions is importable here. Its stdout and stderr go to a capped file;
requests and replies cross only on the two descriptors, as `wire` frames.

Requests (grader -> child), each with a fresh "nonce" that the reply must carry back:
    {"op": "load", "units": [{"name", "source"}], "forbidden": [module, ...], "inert": [module, ...],
     "files": [{"name", "data": uint8 array}]}   files: copies written into the child's own folder first
    {"op": "call", "name", "args": [...], "kwargs": {...}, "parts": {name: callable}}
    {"op": "callback_result", "value", "inputs_after"} / {"op": "callback_error", "message"}
    {"op": "invoke", "id", "args": [...], "inputs_now": [array, ...]}
Replies (child -> grader):
    {"op": "loading", "index"}   before each unit, so a unit that hangs can be named and skipped
    {"op": "loaded", "units": [{"name", "status", "type", "message", "lineno"}], "defined": [...]}
    {"op": "result", "value", "inputs_after": [array, ...], "aliased": [path, ...], "forbidden": [...]}
    {"op": "raised", "type", "message", "where", "forbidden": [...]}
    {"op": "missing", "why"}
    {"op": "callback", "id", "args": [...], "kwargs": {...}}   (args may hold the child's callables)
    {"op": "invoke_result", "value"} / {"op": "invoke_raised", "type", "message", "where"}
`inputs_after` are the input arrays as they are after the call, in `wire.input_leaves` order: the grader
compares them with what it sent, so whether an input was mutated is judged on the trusted side.

Error carried forward: a call's "parts" are the graded functions the composite may call, each a
stand-in that calls back to the grader, where the reference part runs on plain data. They are
bound in the submission's namespace for that call only. While a callback waits, the grader may
"invoke" a callable the child sent along (e.g. the loss `f` given to `numerical_gradient`); the
callback's input arrays follow the reference part's in-place changes both ways ("inputs_now"
before each invoke, "inputs_after" at the end), so a student's `f` that reads the nudged array
through a closure sees what it would see with its own part.
Every verdict is made by the grader; this process only runs code and reports plain values. The
functions this file relies on are bound before any student code runs, so a submission that
monkeypatches NumPy or builtins changes only its own results.
"""
import builtins
import ctypes
import importlib.abc
import importlib.machinery
import os
import sys
import traceback
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if "--site" in sys.argv[:-1]:
    sys.path.insert(1, sys.argv[sys.argv.index("--site") + 1])

import numpy as np  # imported before any student code can touch it

import wire

IN_FD = OUT_FD = -1     # the channel: set from the command line, or by template.py in a forked child
MAX_MESSAGE = 2000
try:   # not dumpable: other processes of the same uid cannot read our /proc entries or memory
    ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)   # PR_SET_DUMPABLE, 0
except (OSError, AttributeError):
    pass
# Bound now, before student code can replace them in numpy or builtins.
isinstance, type, str, len, list, tuple, dict, enumerate, callable, sorted = (  # noqa: A001 - bound before student code can replace them
    isinstance, type, str, len, list, tuple, dict, enumerate, callable, sorted)
BaseException, NotImplementedError, SyntaxError, EOFError = (  # noqa: A001 - bound before student code can replace them
    BaseException, NotImplementedError, SyntaxError, EOFError)
compile, exec = compile, exec  # noqa: A001 - bound before student code can replace them
ndarray = np.ndarray
shares_memory = np.shares_memory
copyto, array_equal = np.copyto, np.array_equal
extract_tb = traceback.extract_tb
NONCE = [None]


class ForbiddenImports(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Forbidden modules (e.g. torch in a NumPy stub) import as empty shells: using anything
    in them raises ImportError and is remembered, so only the code that uses them loses."""

    def __init__(self, names):
        self.names = set(names)
        self.attempts = []

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in self.names:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        blocker = self

        class Forbidden(types.ModuleType):
            def __getattr__(self, attr):
                if attr.startswith("__"):
                    raise AttributeError(attr)
                top = self.__name__.partition(".")[0]
                if top not in blocker.attempts:
                    blocker.attempts.append(top)
                raise ImportError(f"'{top}' may not be used in this assignment")

        module = Forbidden(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


class Inert(types.ModuleType):
    """A display-only module (matplotlib, IPython) in the sandbox: importing it works, and every
    attribute, call, item or context of it is another inert value, so drawing code does nothing."""

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return self

    def __call__(self, *args, **kwargs):
        return self

    def __getitem__(self, key):
        return self

    def __iter__(self):             # fig, ax = plt.subplots()
        return iter((self, self))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class InertImports(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, names):
        self.names = set(names)

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in self.names:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = Inert(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


BLOCKER = ForbiddenImports(())
INERT = InertImports(())
BUILTINS = dict(builtins.__dict__)   # as they were before any student code


def restore_builtins():
    """Undo whatever student code did to builtins (the child's own reply encoding relies on them)."""
    for name in [k for k in builtins.__dict__ if k not in BUILTINS]:
        del builtins.__dict__[name]
    builtins.__dict__.update(BUILTINS)
NAMESPACE = {"__name__": "__submission__", "__builtins__": builtins, "get_ipython": Inert("IPython")}


def send(message):
    message["nonce"] = NONCE[0]
    wire.write_frame(OUT_FD, wire.encode(message))


def receive(make_callable=None):
    request = wire.decode(wire.read_frame(IN_FD), make_callable)
    NONCE[0] = request.get("nonce")
    return request


def short(text):
    text = str(text)
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + " ..."


def describe_exception(err):
    """Type, message and the student's own line where it happened (no grader frames)."""
    where = None
    for frame in extract_tb(err.__traceback__):
        if frame.filename.startswith("<submission:"):
            where = f"{frame.filename[len('<submission:'):-1]}, line {frame.lineno}"
    try:
        message = short(err)
    except BaseException:  # a hostile __str__ must not end the child
        message = "<unprintable>"
    return {"type": type(err).__name__, "message": message, "where": where}


def write_files(files):
    """Copies of the submission's files into this child's own folder (the working directory), written
    before any of its code runs; one that cannot be written (over the folder's quota) is left out."""
    for entry in files if type(files) is list else ():
        if type(entry) is not dict or type(entry.get("name")) is not str or type(entry.get("data")) is not np.ndarray:
            continue
        try:
            with open(os.path.basename(entry["name"]) or "submission", "wb") as out:
                out.write(entry["data"].tobytes())
        except OSError:
            pass


def load(units, forbidden, inert=()):
    """Execute each unit in one shared namespace; a broken unit costs only what it defines."""
    BLOCKER.names = set(forbidden)
    INERT.names = set(inert) - BLOCKER.names
    for finder in (INERT, BLOCKER):
        if finder not in sys.meta_path:
            sys.meta_path.insert(0, finder)
    report = []
    for index, unit in enumerate(units):
        send({"op": "loading", "index": index})
        entry = {"name": unit["name"], "status": "ok", "type": None, "message": None, "lineno": None}
        try:
            code = compile(unit["source"], f"<submission:{unit['name']}>", "exec")
        except SyntaxError as err:
            entry.update(status="syntax_error", type=type(err).__name__, message=short(err.msg),
                         lineno=err.lineno)
            report.append(entry)
            continue
        except (RecursionError, MemoryError, ValueError) as err:   # too deep to compile, NUL bytes
            entry.update(status="syntax_error", type=type(err).__name__, message=short(err), lineno=None)
            report.append(entry)
            continue
        try:
            exec(code, NAMESPACE)
        except BaseException as err:  # SystemExit and KeyboardInterrupt too
            info = describe_exception(err)
            entry.update(status="error", type=info["type"], message=info["message"])
        report.append(entry)
    restore_builtins()
    defined = sorted(k for k, v in list(NAMESPACE.items()) if callable(v) and not k.startswith("__"))
    return {"op": "loaded", "units": report, "defined": defined, "forbidden": list(BLOCKER.attempts)}


class ReferencePartError(RuntimeError):
    """The grader could not run a part for the student's code (e.g. wrong-shaped arguments)."""


def mirror(inputs, state):
    """Copy the grader's view of a callback's input arrays into ours (in-place changes follow)."""
    if not isinstance(state, list) or len(state) != len(inputs):
        return
    for (_, array), now in zip(inputs, state):
        if type(now) is ndarray and now.shape == array.shape and now.dtype == array.dtype \
                and array.flags.writeable and not array_equal(now, array, equal_nan=True):
            copyto(array, now)


def invoke(functions, request):
    """Run one of the callables we sent the grader (student code) -> the reply."""
    function = functions.get(request.get("id")) if type(request.get("id")) is str else None
    if function is None:
        return {"op": "invoke_raised", "type": "LookupError", "message": "no such function", "where": None}
    args = request.get("args")
    try:
        value = function(*(args if type(args) is list else []))
    except BaseException as err:  # reported to the grader, which decides
        restore_builtins()
        return {"op": "invoke_raised", **describe_exception(err)}
    restore_builtins()
    return {"op": "invoke_result", "value": value}


def callback(key):
    """A stand-in for a grader-side function: each call goes over the channel and waits, answering
    the grader's invocations of the callables passed along meanwhile."""
    def call_grader(*args, **kwargs):
        functions = {}
        try:
            payload = wire.encode({"op": "callback", "id": key, "args": list(args), "kwargs": kwargs,
                                   "nonce": NONCE[0]}, functions)
        except BaseException as err:  # unsendable arguments are the caller's error
            raise ReferencePartError(f"the arguments could not be sent to the grader: {short(err)}") from None
        wire.write_frame(OUT_FD, payload)
        inputs = wire.input_leaves(args, kwargs)
        while True:
            reply = receive()
            op = reply.get("op")
            if op == "invoke":
                mirror(inputs, reply.get("inputs_now"))
                answer = invoke(functions, reply)
                try:
                    payload = wire.encode({**answer, "nonce": NONCE[0]})
                except BaseException as err:  # e.g. a huge or hostile value
                    payload = wire.encode({"op": "invoke_raised", "type": type(err).__name__,
                                           "message": "the value could not be sent", "where": None,
                                           "nonce": NONCE[0]})
                wire.write_frame(OUT_FD, payload)
                continue
            if op == "callback_result":
                mirror(inputs, reply.get("inputs_after"))
                return reply.get("value")
            raise ReferencePartError(reply.get("message", "the grader's function failed"))
    return call_grader


MISSING = object()


def call(name, args, kwargs, parts):
    """Call the student's `name`; the graded `parts` it may call are the grader's stand-ins meanwhile."""
    function = NAMESPACE.get(name)
    if function is None:
        return {"op": "missing", "why": "not_defined"}
    if not callable(function):
        return {"op": "missing", "why": f"is a {type(function).__name__}, not a function"}
    BLOCKER.attempts = []
    inputs = wire.input_leaves(args, kwargs)
    saved = {part: NAMESPACE.get(part, MISSING) for part in parts}
    dict.update(NAMESPACE, parts)
    try:
        value = function(*args, **kwargs)
    except BaseException as err:  # SystemExit, KeyboardInterrupt, MemoryError...
        restore_builtins()
        return {"op": "raised", **describe_exception(err), "forbidden": list(BLOCKER.attempts)}
    finally:
        for part, before in dict.items(saved):
            if before is MISSING:
                NAMESPACE.pop(part, None)
            else:
                NAMESPACE[part] = before
    restore_builtins()
    aliased = []
    try:
        for out_path, out in wire.leaves(value, "result"):
            for in_path, array in inputs:
                if shares_memory(out, array):
                    aliased.append(f"{out_path} is {in_path}")
    except BaseException as err:  # e.g. a hostile object inside the result
        return {"op": "raised", "type": type(err).__name__, "where": None, "forbidden": [],
                "message": "the result could not be inspected"}
    return {"op": "result", "value": value, "inputs_after": [array for _, array in inputs],
            "aliased": aliased, "forbidden": list(BLOCKER.attempts)}


def serve():
    while True:
        try:
            request = receive(make_callable=callback)
        except EOFError:
            return
        except wire.WireError as err:
            send({"op": "error", "message": f"bad request: {err}"})
            continue
        op = request.get("op")
        if op == "load":
            write_files(request.get("files"))
            reply = load(request["units"], request.get("forbidden", ()), request.get("inert", ()))
        elif op == "call":
            parts = request.get("parts")
            parts = ({k: v for k, v in dict.items(parts) if type(k) is str and callable(v)}
                     if type(parts) is dict else {})
            reply = call(request["name"], request.get("args", []), request.get("kwargs", {}), parts)
        elif op == "exit":
            return
        else:
            reply = {"op": "error", "message": f"unknown request {op!r}"}
        reply["nonce"] = NONCE[0]
        try:
            payload = wire.encode(reply)
        except wire.WireError as err:
            payload = wire.encode({"op": "raised", "type": "ResultTooLarge", "message": str(err),
                                   "where": None, "forbidden": [], "nonce": NONCE[0]})
        except BaseException as err:  # e.g. a dict subclass with a hostile items()
            payload = wire.encode({"op": "raised", "type": type(err).__name__,
                                   "message": "the result could not be sent", "where": None,
                                   "forbidden": [], "nonce": NONCE[0]})
        wire.write_frame(OUT_FD, payload)


if __name__ == "__main__":
    IN_FD, OUT_FD = int(sys.argv[1]), int(sys.argv[2])
    serve()
    os._exit(0)
