"""Thread snapshots: fresh processes, determinism, size, codecs, hostile blobs."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import textwrap
import time

import pytest

from starflow.starlark import (
    EvalError,
    Finished,
    SnapshotError,
    Suspended,
    Thread,
    external,
    to_python,
)
from tests.starlark.test_thread import CASES, OPTIONS, run_plain

PRE = {"ext": external("ext")}

# Restore a blob in a fresh interpreter, resume it with the answer to its
# pending call, and print the next blob (hex) or the final value (JSON).
CHILD = textwrap.dedent(
    """
    import json, sys
    from starflow.starlark import Thread, Finished, external, to_python
    sys.path.insert(0, ".")
    from tests.starlark.test_thread import answer
    src, opts, blob = json.loads(sys.stdin.read())
    pre = {"ext": external("ext")}
    t = Thread.restore(bytes.fromhex(blob), "w.star", src, predeclared=pre, options=opts)
    args = tuple(to_python(a) for a in t.pending.args)
    r = t.resume(answer(args))
    if isinstance(r, Finished):
        print(json.dumps({"done": to_python(r.value)}))
    else:
        print(json.dumps({"args": [to_python(a) for a in r.args], "blob": t.snapshot().hex()}))
    """
)


def _norm(v):
    if isinstance(v, (list, tuple)):
        return [_norm(x) for x in v]
    if isinstance(v, dict):
        return {k: _norm(x) for k, x in v.items()}
    return v


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_every_resume_in_a_fresh_process_gives_the_plain_result(name):
    src = CASES[name]
    opts = list(OPTIONS.get(name, ()))
    want_value, want_calls = run_plain(src, opts)
    t = Thread.start("w.star", src, predeclared=PRE, options=opts)
    r = t.resume()
    calls = [tuple(to_python(a) for a in r.args)]
    blob = t.snapshot().hex()
    env = dict(os.environ, PYTHONHASHSEED=str(random.randrange(1, 1000)))
    while True:
        out = subprocess.run(
            [sys.executable, "-c", CHILD],
            input=json.dumps([src, opts, blob]),
            capture_output=True,
            text=True,
            check=True,
            env=env,
            cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
        ).stdout
        msg = json.loads(out)
        if "done" in msg:
            break
        calls.append(tuple(msg["args"]))
        blob = msg["blob"]
    assert msg["done"] == _norm(want_value)
    assert [list(c) for c in calls] == [list(c) for c in want_calls]


SRC = """
def helper(xs):
    acc = []
    for x in xs:
        acc.append(ext("h", x))
    return acc
def main():
    data = {"k": [1, 2], "z": (3, "four")}
    alias = data["k"]
    out = helper(alias)
    print("after helper")
    return out, data, ext("last", len(out))
"""


def test_same_state_gives_the_same_bytes_in_any_process():
    t = Thread.start("w.star", SRC, predeclared=PRE)
    t.resume()
    t.resume(5)
    blob = t.snapshot()
    code = (
        "import sys; from starflow.starlark import Thread, external;"
        f"t = Thread.start('w.star', {SRC!r}, predeclared={{'ext': external('ext')}});"
        "t.resume(); t.resume(5); sys.stdout.write(t.snapshot().hex())"
    )
    for seed in ("1", "77"):
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env=dict(os.environ, PYTHONHASHSEED=seed),
        ).stdout
        assert bytes.fromhex(out) == blob


def test_aliasing_survives_a_restore():
    t = Thread.start("w.star", SRC, predeclared=PRE)
    t.resume()
    t = Thread.restore(t.snapshot(), "w.star", SRC, predeclared=PRE)
    r = t.resume(10)
    r = t.resume(20)
    assert isinstance(r, Suspended)
    assert r.args == ("last", 2)
    value = t.resume(0).value
    # `alias` and data["k"] were one list before the snapshot: they still are
    assert to_python(value) == ([10, 20], {"k": [1, 2], "z": (3, "four")}, 0)


def test_print_output_already_produced_is_not_produced_again():
    lines = []
    src = 'def main():\n    print("once")\n    x = ext()\n    print("then", x)\n'
    t = Thread.start("w.star", src, predeclared=PRE)
    t._ctx.print = lines.append
    t.resume()
    t = Thread.restore(t.snapshot(), "w.star", src, predeclared=PRE)
    t._ctx.print = lines.append
    assert t.resume(3) == Finished(None)
    assert lines == ["once", "then 3"]


def test_snapshot_size_does_not_grow_with_the_number_of_calls_made():
    src = "def main():\n    t = 0\n    for i in range(100000):\n        t += ext(i)\n    return t\n"
    t = Thread.start("w.star", src, predeclared=PRE)
    t.resume()
    sizes = {}
    for n in range(1, 10001):
        if n in (10, 10000):
            sizes[n] = len(t.snapshot())
        t.resume(1)
    assert sizes[10000] - sizes[10] <= 4  # only the counters' varints grow
    assert sizes[10000] < 600


def test_restoring_with_another_source_is_refused():
    t = Thread.start("w.star", SRC, predeclared=PRE)
    t.resume()
    with pytest.raises(SnapshotError, match="made from script"):
        Thread.restore(t.snapshot(), "w.star", SRC + "\n# edited\n", predeclared=PRE)


def test_restoring_with_other_options_is_refused():
    t = Thread.start("w.star", SRC, predeclared=PRE)
    t.resume()
    with pytest.raises(SnapshotError, match="options"):
        Thread.restore(t.snapshot(), "w.star", SRC, predeclared=PRE, options={"recursion"})


class Money:
    type_name = "money"

    def __init__(self, cents: int):
        self.cents = cents

    def starlark_equal(self, other):
        return type(other) is Money and other.cents == self.cents


class MoneyCodec:
    def encode(self, v):
        if type(v) is Money:
            return ("test/money", str(v.cents).encode())
        return None

    def decode(self, type_url, payload):
        assert type_url == "test/money"
        return Money(int(payload))


def test_host_values_travel_through_the_embedders_codec():
    src = "def main():\n    m = ext()\n    n = ext(m)\n    return m, n\n"
    t = Thread.start("w.star", src, predeclared=PRE, codec=MoneyCodec())
    t.resume()
    t.resume(Money(250))
    t = Thread.restore(t.snapshot(), "w.star", src, predeclared=PRE, codec=MoneyCodec())
    assert t.pending.args[0].cents == 250
    m, n = t.resume("x").value
    assert (type(m), m.cents, n) == (Money, 250, "x")


def test_a_host_value_without_a_codec_is_named_in_the_error():
    src = "def main():\n    m = ext()\n    return ext(m)\n"
    t = Thread.start("w.star", src, predeclared=PRE)
    t.resume()
    t.resume(Money(1))
    with pytest.raises(SnapshotError, match="money"):
        t.snapshot()


@pytest.mark.slow
def test_mutated_and_random_blobs_only_ever_raise_snapshot_error():
    t = Thread.start("w.star", SRC, predeclared=PRE)
    t.resume()
    blob = t.snapshot()
    rng = random.Random(7)
    candidates = [blob[:n] for n in range(len(blob))]
    for _ in range(600):
        b = bytearray(blob)
        b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        candidates.append(bytes(b))
    candidates += [rng.randbytes(rng.randrange(200)) for _ in range(200)]
    candidates.append(b"SFSNAP" + rng.randbytes(100))
    for c in candidates:
        start = time.perf_counter()
        with pytest.raises(SnapshotError):
            Thread.restore(c, "w.star", SRC, predeclared=PRE)
        assert time.perf_counter() - start < 1.0


def test_the_step_budget_carries_across_a_restore():
    loop = "    for i in range(100):\n        pass\n"
    src = "def main():\n" + loop + "    ext()\n" + loop
    t = Thread.start("w.star", src, predeclared=PRE, max_steps=150)
    t.resume()
    t = Thread.restore(t.snapshot(), "w.star", src, predeclared=PRE)
    with pytest.raises(EvalError, match="too many steps"):
        t.resume(None)


LIB = "def helper(x):\n    return ext(x)\ndef plain(x):\n    return x + 1\n"


def _loader(name):
    from starflow.starlark import exec_file

    return exec_file(name, LIB, predeclared=PRE)


def test_suspending_inside_a_loaded_module_is_refused_clearly():
    src = 'load("lib.star", "helper")\ndef main():\n    return helper(1)\n'
    t = Thread.start("w.star", src, predeclared=PRE, load=_loader)
    with pytest.raises(
        EvalError, match=r"cannot suspend inside a function of loaded module lib\.star"
    ):
        t.resume()


def test_a_function_of_a_loaded_module_in_the_state_is_refused_by_snapshot():
    src = 'load("lib.star", "plain")\ndef main():\n    f = plain\n    return f(ext(1))\n'
    t = Thread.start("w.star", src, predeclared=PRE, load=_loader)
    assert isinstance(t.resume(), Suspended)
    assert t.resume(2) == Finished(3)  # in-process resumption is fine
    t = Thread.start("w.star", src, predeclared=PRE, load=_loader)
    t.resume()
    with pytest.raises(SnapshotError, match=r"function plain of loaded module lib\.star"):
        t.snapshot()
