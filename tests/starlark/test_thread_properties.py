"""Generated programs with external calls at random places: a Thread suspended and
resumed at every call gives the same value and the same calls as a plain run."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.starlark.test_thread import run_plain, run_thread

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
                ["assign", "aug", "for", "if", "append"] if depth else ["assign", "aug", "append"]
            )
        )
        e = draw(expressions(2, funcs))
        if kind == "assign":
            lines.append(f"{indent}{draw(st.sampled_from(VARS))} = {e}")
        elif kind == "aug":
            lines.append(f"{indent}{draw(st.sampled_from(VARS[:2]))} += {e}")
        elif kind == "append":
            lines.append(f"{indent}out.append({e})")
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
    src += ["def main():", "    a = 1", "    b = 2", "    c = 3", "    out = []"]
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
    want = run_plain(src)
    assert run_thread(src, restore=True) == want, src
