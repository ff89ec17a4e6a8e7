"""Generated programs with external calls at random places: a Thread suspended and
resumed at every call gives the same value and the same calls as a plain run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from starflow.starlark import Finished, Suspended, Thread, exec_file, external, to_python
from tests.starlark.test_thread import answer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PRE = {"ext": external("ext")}


def run_plain(src: str, arg: int = 1) -> tuple:
    calls: list = []
    prints: list[str] = []

    def ext(*args):
        a = tuple(to_python(x) for x in args)
        calls.append(a)
        return answer(a)

    g = exec_file(
        "w.star", f"{src}\n__result = main({arg})\n", predeclared={"ext": ext}, print=prints.append
    )
    return to_python(g["__result"]), calls, prints


# Restore in a fresh interpreter, resume with the answer, print the outcome as JSON.
CHILD = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, ".")
    from starflow.starlark import Thread, Finished, external, to_python
    from tests.starlark.test_thread import answer
    src, blob = json.loads(sys.stdin.read())
    prints = []
    t = Thread.restore(bytes.fromhex(blob), "w.star", src,
                       predeclared={"ext": external("ext")}, print=prints.append)
    r = t.resume(answer(tuple(to_python(a) for a in t.pending.args)))
    out = {"prints": prints}
    if isinstance(r, Finished):
        out["done"] = repr(to_python(r.value))
    else:
        out["args"] = repr(tuple(to_python(a) for a in r.args))
        out["blob"] = t.snapshot().hex()
    print(json.dumps(out))
    """
)


def run_thread(src: str, arg: int = 1, mode: str = "resume") -> tuple:
    """Run `main(arg)` in a Thread; mode: resume, restore (in-process), fresh (subprocess)."""
    calls: list = []
    prints: list[str] = []
    t = Thread.start("w.star", src, predeclared=PRE, args=(arg,), print=prints.append)
    r = t.resume()
    while isinstance(r, Suspended):
        a = tuple(to_python(x) for x in r.args)
        calls.append(a)
        if mode == "fresh":
            blob = t.snapshot().hex()
            while True:
                out = subprocess.run(
                    [sys.executable, "-c", CHILD],
                    input=json.dumps([src, blob]),
                    capture_output=True,
                    text=True,
                    check=True,
                    cwd=ROOT,
                ).stdout
                msg = json.loads(out)
                prints += msg["prints"]
                if "done" in msg:
                    return msg["done"], calls, prints
                calls.append(eval(msg["args"]))  # noqa: S307 - our own repr of ints/strs
                blob = msg["blob"]
        if mode == "restore":
            t = Thread.restore(t.snapshot(), "w.star", src, predeclared=PRE, print=prints.append)
        r = t.resume(answer(a))
    assert isinstance(r, Finished)
    return to_python(r.value), calls, prints


VARS = ["a", "b", "c"]


@st.composite
def expressions(draw, depth: int, funcs: list[str]) -> str:
    leaves = [str(draw(st.integers(-5, 20))), *VARS[:2]]
    if depth <= 0:
        return draw(st.sampled_from(leaves))
    sub = expressions(depth - 1, funcs)
    kind = draw(
        st.sampled_from(["leaf", "ext", "add", "mul", "call", "comp", "cond", "and", "len"])
    )
    if kind == "leaf":
        return draw(st.sampled_from(leaves))
    if kind == "ext":
        return f'ext("e{draw(st.integers(0, 9))}", {draw(sub)})'
    if kind == "add":
        return f"({draw(sub)} + {draw(sub)})"
    if kind == "mul":
        return f"({draw(sub)} * {draw(st.integers(-2, 3))})"
    if kind == "call" and funcs:
        return f"{draw(st.sampled_from(funcs))}({draw(sub)})"
    if kind == "comp":
        return f"sum_of([{draw(sub)} for v in range({draw(st.integers(0, 3))})])"
    if kind == "cond":
        return f"({draw(sub)} if {draw(sub)} > 3 else {draw(sub)})"
    if kind == "and":
        return f"({draw(sub)} and {draw(sub)})"
    return f"len([{draw(sub)}, {draw(sub)}])"


@st.composite
def bodies(draw, depth: int, funcs: list[str], indent: str) -> list[str]:
    lines = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(
            st.sampled_from(
                ["assign", "aug", "for", "if", "append", "print", "closure"]
                if depth
                else ["assign", "aug", "append", "print"]
            )
        )
        e = draw(expressions(2, funcs))
        if kind == "assign":
            lines.append(f"{indent}{draw(st.sampled_from(VARS))} = {e}")
        elif kind == "aug":
            lines.append(f"{indent}{draw(st.sampled_from(VARS[:2]))} += {e}")
        elif kind == "append":
            lines.append(f"{indent}out.append({e})")
        elif kind == "print":
            lines.append(f'{indent}print("p", {e})')
        elif kind == "closure":
            # a closure over a local, called now and after later rebindings
            lines.append(f"{indent}k = lambda z: z + a + ext('cl', b)")
            lines.append(f"{indent}out.append(k({e}))")
        elif kind == "for":
            it = draw(st.sampled_from(["range(3)", "[1, 2]", '{"p": 1, "q": 2}', "out[:2]"]))
            lines.append(f"{indent}for i in {it}:")
            lines += draw(bodies(depth - 1, funcs, indent + "    "))
        else:
            lines.append(f"{indent}if {e} > 2:")
            lines += draw(bodies(depth - 1, funcs, indent + "    "))
            lines.append(f"{indent}else:")
            lines += draw(bodies(depth - 1, funcs, indent + "    "))
    return lines


@st.composite
def programs(draw) -> str:
    src = ["def sum_of(xs):", "    t = 0", "    for x in xs:", "        t += x", "    return t", ""]
    funcs: list[str] = []
    for k in range(draw(st.integers(0, 2))):
        name = f"f{k}"
        src.append(f"def {name}(a):")
        src += ["    b = 1", "    c = 0", "    out = []"]
        src += draw(bodies(1, list(funcs), "    "))
        src += ["    return a + b + c + len(out)", ""]
        funcs.append(name)
    src += ["def main(arg):", "    a = arg", "    b = 2", "    c = 3", "    out = []"]
    src += draw(bodies(2, funcs, "    "))
    src += ["    return a, b, c, out", ""]
    return "\n".join(src)


@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_generated_programs_resume_to_the_same_result_and_calls(src):
    want = run_plain(src)
    assert run_thread(src) == want, src


@settings(deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_generated_programs_restored_from_a_snapshot_at_every_call_agree(src):
    want = run_plain(src, arg=4)
    assert run_thread(src, arg=4, mode="restore") == want, src


@settings(deadline=None, max_examples=8, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_a_sample_of_generated_programs_resumed_in_fresh_processes_agree(src):
    value, calls, prints = run_plain(src, arg=2)
    got = run_thread(src, arg=2, mode="fresh")
    if calls:
        assert got == (repr(value), calls, prints), src
    else:
        assert got == (value, calls, prints), src
