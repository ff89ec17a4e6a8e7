"""Checkpointable threads: suspension at external calls, resumption at recorded sites.

Every case runs twice: once through `Thread` (suspending at each external
call), once through `exec_file` with the external replaced by a Python
function. The final value and the exact sequence of external calls with
their arguments must be the same. `RESTORE` re-runs the cases restoring
the thread from a snapshot at every suspension when the codec is present.
"""

from __future__ import annotations

import pytest

from starflow.starlark import (
    EvalError,
    Finished,
    Suspended,
    Thread,
    exec_file,
    external,
    to_python,
)


def answer(args: tuple) -> object:
    # a deterministic "activity": the result depends on the arguments only
    tag = args[0] if args else None
    if isinstance(tag, str):
        return (
            f"{tag}!"
            if tag.startswith("s")
            else len(tag) + sum(a for a in args[1:] if type(a) is int)
        )
    return 7


def run_plain(src: str, options=()) -> tuple[object, list]:
    calls: list = []

    def ext(*args, **kwargs):
        a = tuple(to_python(x) for x in args)
        calls.append(a)
        return answer(a)

    g = exec_file(
        "w.star", src + "\n__result = main()\n", predeclared={"ext": ext}, options=options
    )
    return to_python(g["__result"]), calls


def run_thread(src: str, options=(), restore=False) -> tuple[object, list]:
    pre = {"ext": external("ext")}
    t = Thread.start("w.star", src, predeclared=pre, options=options)
    r = t.resume()
    calls: list = []
    while isinstance(r, Suspended):
        a = tuple(to_python(x) for x in r.args)
        calls.append(a)
        assert r.step == len(calls)
        if restore:
            t = Thread.restore(t.snapshot(), "w.star", src, predeclared=pre, options=options)
        r = t.resume(answer(a))
    assert isinstance(r, Finished)
    return to_python(r.value), calls


CASES = {
    "nested_calls": """
def c(x):
    return ext("c", x) + 1
def b(x):
    y = c(x) * 2
    return y + ext("b", y)
def a(x):
    return b(x) + b(x + 1)
def main():
    return a(1)
""",
    "loops_over_containers": """
def main():
    t = 0
    for x in [1, 2]:
        t += ext("l", x)
    for x in (3, 4):
        t += ext("t", x)
    d = {"k": 1, "m": 2}
    for k, v in d.items():
        t += ext("i" + k, v)
    for k in d.keys():
        t += ext("key" + k)
    for k in d:
        t += ext("dk" + k)
    for i in range(3):
        t += ext("r", i)
    for i, x in enumerate(["p", "q"]):
        t += ext("e" + x, i)
    for x, y in zip([1, 2], [3, 4]):
        t += ext("z", x, y)
    for x in [1, 2]:
        for y in [10, 20]:
            t += ext("n", x, y)
    u = {}
    for i in range(3):
        u[i] = i
    for k in u:
        t += ext("u", k)
    return t
""",
    "while_loop": """
def main():
    i = 0
    t = 0
    while i < 3:
        i += 1
        t += ext("w", i)
        if t > 1000:
            break
    return t, i
""",
    "comprehensions": """
def main():
    a = [ext("lc", x) for x in range(3) if x != 1]
    b = {x: ext("dc", x) for x in ["u", "v"]}
    c = [[ext("nest", x, y) for y in range(2)] for x in range(2)]
    return a, b, c
""",
    "lambda_and_closure": """
def make(n):
    base = [n]
    def add(x):
        return ext("add", x) + base[0]
    return add
def main():
    f = make(10)
    g = lambda x: ext("lam", x) * 2
    return f(1), g(2), f(3)
""",
    "argument_of_another_call": """
def pair(a, b):
    return [a, b]
def main():
    return pair(ext("arg", 1), ext("arg", 2)), len(str(ext("s1")))
""",
    "and_or_conditional": """
def main():
    a = ext("x") and ext("y")
    b = 0 or ext("z")
    c = ext("q", 1) if True else ext("never")
    d = ext("never2") if False else ext("r", 2)
    e = 1 + ext("plus") * 3
    return a, b, c, d, e
""",
    "top_level_and_defaults": """
X = ext("top")
def f(v = ext("default")):
    return v
def main():
    return X, f()
""",
    "method_receiver": """
def main():
    parts = []
    parts.append(ext("m1"))
    s = "-".join([str(ext("m2")), "end"])
    return parts, s
""",
    "closure_sees_rebinding_after_resume": """
def main():
    n = 1
    def get():
        return n
    fs = [get]
    x = ext("mid")
    n = n + x
    return get(), fs[0]()
""",
}


OPTIONS = {"while_loop": ("while",)}


@pytest.mark.parametrize("name", sorted(CASES))
def test_thread_gives_the_same_value_and_calls_as_a_plain_run(name):
    src = CASES[name]
    opts = OPTIONS.get(name, ())
    want = run_plain(src, opts)
    assert run_thread(src, opts) == want


@pytest.mark.parametrize("name", sorted(CASES))
def test_thread_restored_from_a_snapshot_at_every_call_gives_the_same_result(name):
    src = CASES[name]
    opts = OPTIONS.get(name, ())
    want = run_plain(src, opts)
    assert run_thread(src, opts, restore=True) == want
    assert want[1], "the case makes external calls"


def test_a_loop_over_string_elements_resumes_in_process():
    # (a snapshot cannot hold a string.elems view yet: README, Limits)
    src = """
def main():
    t = 0
    for c in "abc".elems():
        t += ext("c" + c)
    for b in b"xy".elems():
        t += ext("b", b)
    return t
"""
    assert run_thread(src) == run_plain(src)


def test_suspension_records_the_nth_call_as_step():
    t = Thread.start(
        "w.star", "def main():\n    return ext(1) + ext(2)\n", predeclared={"ext": external("ext")}
    )
    r1 = t.resume()
    assert (r1.name, r1.args, r1.step) == ("ext", (1,), 1)
    r2 = t.resume(10)
    assert (r2.args, r2.step) == ((2,), 2)
    assert t.resume(5) == Finished(15)


def test_fail_makes_the_pending_call_fail_with_a_starlark_error():
    src = "def main():\n    return g()\ndef g():\n    return ext()\n"
    t = Thread.start("w.star", src, predeclared={"ext": external("ext")})
    t.resume()
    with pytest.raises(EvalError) as info:
        t.fail("activity exploded")
    e = info.value
    assert e.msg == "activity exploded"
    assert [f.name for f in e.stack] == ["main", "g"]
    assert (e.stack[-1].line, e.stack[-1].col) == (4, 15)


def test_suspending_inside_a_builtin_callback_is_refused_clearly():
    src = "def main():\n    return sorted([3, 1], key=lambda x: ext(x))\n"
    t = Thread.start("w.star", src, predeclared={"ext": external("ext")})
    with pytest.raises(EvalError, match="cannot suspend inside a callback of built-in sorted"):
        t.resume()


def test_a_finished_thread_cannot_be_resumed():
    t = Thread.start("w.star", "def main():\n    return 1\n")
    assert t.resume() == Finished(1)
    with pytest.raises(Exception, match="finished"):
        t.resume()


def test_steps_taken_before_a_suspension_still_count():
    loop = "    for i in range(100):\n        pass\n"
    src = "def main():\n" + loop + "    ext()\n" + loop
    t = Thread.start("w.star", src, predeclared={"ext": external("ext")}, max_steps=150)
    assert isinstance(t.resume(), Suspended)
    with pytest.raises(EvalError, match="too many steps"):
        t.resume(None)


def test_entry_arguments_and_globals_are_frozen_after_the_top_level():
    src = "L = []\ndef main(n):\n    L.append(ext(n))\n"
    t = Thread.start("w.star", src, predeclared={"ext": external("ext")}, args=(3,))
    assert t.resume().args == (3,)
    with pytest.raises(EvalError, match="frozen"):
        t.resume(1)


def test_a_compiled_module_keeps_no_python_syntax_tree():
    # The generated defs are compiled again on the first resume of a frame,
    # not kept: their AST nodes would stay tracked by the cyclic GC.
    import gc

    from starflow.starlark import machine

    src = "def main():\n    t = 0\n    for i in range(3):\n        t += ext(i)\n    return t\n"
    cm = machine.compile_module("keep.star", src, ["ext"], frozenset())
    assert cm.fdefs == {}
    assert not any(type(o).__module__ == "ast" for o in gc.get_referents(cm))
    t = Thread.start("keep.star", src, predeclared={"ext": external("ext")})
    r = t.resume()
    while isinstance(r, Suspended):
        r = t.resume(to_python(r.args[0]) * 10)
    assert to_python(r.value) == 30
    assert set(cm.fdefs) >= {0, 1}  # (compiled again to resume `main`)


def test_a_module_that_compiles_again_differently_is_an_error():
    from starflow.starlark import StarlarkError, machine

    src = "def main():\n    return ext(1) + ext(2)\n"
    cm = machine.compile_module("again.star", src, ["ext"], frozenset())
    real = cm.rebuild_fdefs

    def other():
        again = real()
        again.sites = {1: {}}
        return again

    cm.rebuild_fdefs = other
    try:
        t = Thread.start("again.star", src, predeclared={"ext": external("ext")})
        r = t.resume()
        with pytest.raises(StarlarkError, match="compiled again, it differs"):
            t.resume(1)
    finally:
        cm.rebuild_fdefs = real
        machine._CACHE.clear()
    assert isinstance(r, Suspended)
