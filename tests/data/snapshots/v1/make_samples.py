"""Sample thread states, the fake machine hooks they need, and the committed v1 blobs.

The `.snap` files next to this script are `encode(SAMPLES[name](), FakeHooks())`
as written by format version 1. tests/starlark/test_snapshot.py checks that
they still decode to these states and that encoding the states still gives
exactly these bytes; a change that breaks either is a format change and
needs a new FORMAT_VERSION (and a new directory of samples), never an edit
of these files.

    python tests/data/snapshots/v1/make_samples.py          # (re)write the .snap files
    python tests/data/snapshots/v1/make_samples.py --hex    # print name and hex, one a line

The states are built only from lists and insertion-ordered dicts, so they
are the same in every process whatever PYTHONHASHSEED.
"""

from __future__ import annotations

import hashlib
import pathlib
import sys
from dataclasses import dataclass
from typing import Any

from starflow.starlark import ops
from starflow.starlark.snapshot import FrameRecord, ThreadState, encode
from starflow.starlark.values import Box, Builtin, Dict, List, Module, Set

HERE = pathlib.Path(__file__).resolve().parent
SOURCE = b'def main():\n    return ext("fetch", 1)\n'
SCRIPT_HASH = hashlib.sha256(SOURCE).hexdigest()


class FakeFunction:
    """A stand-in for machine.Function: what function_ref reports, kept as attributes."""

    type_name = "function"

    def __init__(self, code: int, name: str, defaults=(), kwdefaults=None, closure=()):
        self.code = code
        self.name = name
        self.defaults = tuple(defaults)
        self.kwdefaults = dict(kwdefaults or {})
        self.closure = tuple(closure)

    def __repr__(self) -> str:
        return f"<function {self.name}>"


@dataclass(frozen=True)
class Point:
    """A host value with its own codec."""

    type_name = "point"
    x: int
    y: int


def _len(x: Any) -> int:
    return len(x)


def _print(*args: Any) -> None:
    pass


BUILTINS: dict[str, Any] = {
    "len": Builtin("len", _len),
    "print": Builtin("print", _print),
    "json": Module("json", {"encode": Builtin("encode", str)}),
}


class FakeHooks:
    """The Hooks a machine supplies, for FakeFunction, BUILTINS and Point."""

    def __init__(self) -> None:
        self.names = {id(v): k for k, v in BUILTINS.items()}
        self.made: list[FakeFunction] = []

    def function_ref(self, fn: Any):
        if type(fn) is not FakeFunction:
            return None
        return (fn.code, fn.name, fn.defaults, fn.kwdefaults, fn.closure)

    def make_function(self, code, name, defaults, kwdefaults, closure):
        f = FakeFunction(code, name, defaults, kwdefaults, closure)
        self.made.append(f)
        return f

    def builtin_name(self, b: Any) -> str | None:
        return self.names.get(id(b))

    def builtin(self, name: str) -> Any:
        return BUILTINS[name]

    def host_encode(self, v: Any):
        if type(v) is Point:
            return ("test/Point", f"{v.x},{v.y}".encode())
        return None

    def host_decode(self, type_url: str, payload: bytes) -> Any:
        if type_url != "test/Point":
            raise KeyError(type_url)
        x, y = payload.decode().split(",")
        return Point(int(x), int(y))


def state(
    frames=None, globals_=None, pending=("fetch", (), {}), extra=None, **kw: Any
) -> ThreadState:
    args = {
        "script_hash": SCRIPT_HASH,
        "filename": "w.star",
        "options": frozenset(),
        "frames": frames if frames is not None else [FrameRecord(0, 0, {})],
        "globals": globals_ if globals_ is not None else {},
        "steps": 0,
        "max_steps": None,
        "pending": pending,
        "extra": extra if extra is not None else {},
    }
    args.update(kw)
    return ThreadState(**args)


def small() -> ThreadState:
    """A thread suspended in main() at its first external call."""
    return state(
        frames=[FrameRecord(0, 2, {}), FrameRecord(1, 0, {"x": 1, "name": "alice"})],
        globals_={"LIMIT": 10},
        pending=("fetch", ("alice", 1), {}),
        steps=7,
        max_steps=1000,
    )


def every_kind() -> ThreadState:
    """One of each value kind, with aliasing, cycles, flags and a shared closure cell."""
    loop = List([1, 2])
    loop.append(loop)
    frozen = Dict({"a": 1, "b": (2.5, -0.0)})
    frozen.frozen = True
    iterating = Set.fromkeys(["x", "y", 3])
    iterating.itercount = 2
    cell = Box(List(["shared"]))
    get = FakeFunction(3, "get", closure=(cell,))
    put = FakeFunction(4, "put", defaults=(None, 1), kwdefaults={"k": "v"}, closure=(cell,))
    holder = List()
    rec = FakeFunction(5, "rec", defaults=(holder,))
    holder.append(rec)  # a function capturing a list that contains the function
    words = List(["b", "a"])
    return state(
        frames=[
            FrameRecord(0, 1, {"$f1": get, "loop": loop}),
            FrameRecord(3, 2, {"n": -(10**30), "words": words, "$it2": iterating}),
        ],
        globals_={
            "LOOP": loop,
            "F": frozen,
            "GET": get,
            "PUT": put,
            "REC": rec,
            "R": range(0, -10, -3),
            "FLOATS": (float("inf"), float("-inf"), float("nan"), 1e-310),
            "S": "é\U0001f600\ud800",
            "B": b"\x00\xff",
            "T": (True, False, None, ()),
            "LEN": BUILTINS["len"],
            "JSON": BUILTINS["json"],
            "APPEND": ops.getattr_(words, "append"),
            "JOIN": ops.getattr_("-", "join"),
            "P": Point(3, -4),
        },
        pending=("fetch", (loop, Point(1, 2)), {"timeout": 2.5, "words": words}),
        steps=12345,
        max_steps=None,
        options=frozenset({"set", "while"}),
        extra={"phase": "entry", "calls": 2, "kwargs": Dict({"k": 1})},
    )


def big_list() -> ThreadState:
    """A 10,000-element list of distinct ints (not a committed sample: too big to be useful)."""
    return state(globals_={"L": List(range(10_000))})


SAMPLES = {
    "small": small,
    "every_kind": every_kind,
}


def blob(name: str) -> bytes:
    return encode(SAMPLES[name](), FakeHooks())


def main(argv: list[str]) -> None:
    if argv[1:] == ["--hex"]:
        for name in SAMPLES:
            print(name, blob(name).hex())
        return
    for name in SAMPLES:
        (HERE / f"{name}.snap").write_bytes(blob(name))


if __name__ == "__main__":
    main(sys.argv)
