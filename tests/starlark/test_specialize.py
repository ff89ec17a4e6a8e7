"""Module-wide type inference and the clones of global defs (infer.module_types).

A direct call of a global def from the top level or from a clone runs the
def's clone, compiled with the parameter types every such call gives it.
These tests compare each program with the plain compile (no clones, no
global types): same value, or the same error at the same place.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from starflow.starlark import (
    Finished,
    StarlarkError,
    Suspended,
    Thread,
    exec_file,
    external,
    infer,
    machine,
    parser,
    resolve,
    to_python,
    universe,
)
from starflow.starlark import compiler as compiler_mod
from starflow.starlark import syntax as s


def run(src: str, specialize: bool, options=None) -> str:
    """Run `src`; `specialize` False compiles with no type inference at all
    (no clones, no global, local or element types) and no cold code: every
    guard in place."""
    saved = compiler_mod.SPECIALIZE, infer.ENABLED, compiler_mod.COLD
    compiler_mod.SPECIALIZE = infer.ENABLED = compiler_mod.COLD = specialize
    machine._CACHE.clear()
    try:
        g = exec_file("m.star", src, options=options)
        return repr(to_python(g.get("result")))
    except StarlarkError as e:
        return f"error: {e}"
    finally:
        compiler_mod.SPECIALIZE, infer.ENABLED, compiler_mod.COLD = saved
        machine._CACHE.clear()


def same(src: str, options=None) -> str:
    want = run(src, False, options)
    got = run(src, True, options)
    assert got == want, src
    return got


def module_types(src: str) -> infer.ModuleTypes:
    f = parser.parse("m.star", src)
    uni = universe.universe(frozenset({"set"}))
    resolve.resolve_file(f, lambda n: False, uni.__contains__, frozenset())
    defs = {st.name.name: st.function for st in f.stmts if type(st) is s.DefStmt}
    return infer.module_types(f, defs)


# ---------------------------------------------------------------- what is inferred


def test_parameter_and_return_types_come_from_every_call():
    mt = module_types(
        "def add(a, b):\n    return a + b\n"
        "def scale(x, k=3):\n    return x * k\n"
        "def main():\n"
        "    t = 0\n"
        "    for i in range(10):\n"
        "        t = add(t, scale(i)) + scale(x=i, k=2)\n"
        "    return t\n"
        "result = main()\n"
    )
    assert mt.params["add"] == {"a": "int", "b": "int"}
    assert mt.params["scale"] == {"x": "int", "k": "int"}
    assert mt.returns["add"] == "int"
    assert mt.returns["main"] == "int"
    assert mt.globals["result"] == "int"
    assert {"add", "scale", "main"} <= mt.clones


def test_a_parameter_given_two_types_is_unknown():
    mt = module_types(
        "def f(a):\n    return a\n"
        "def main():\n    return [f(i) for i in range(3)] + [f('x')]\n"
        "result = main()\n"
    )
    assert "a" not in mt.params["f"]
    assert "f" not in mt.returns


def test_a_bool_is_not_an_int():
    mt = module_types(
        "def f(a):\n    return a + 1\n"
        "def main():\n    for i in range(3):\n        f(i)\n    return f(True)\n"
        "result = main()\n"
    )
    assert "a" not in mt.params["f"]


def test_star_arguments_make_every_parameter_unknown():
    mt = module_types(
        "def f(a, b):\n    return a + b\n"
        "def main():\n    f(1, 2)\n    return f(*[1, 2])\n"
        "result = main()\n"
    )
    assert mt.params["f"] == {}


def test_a_def_called_only_once_at_the_top_level_gets_no_clone():
    # a clone costs a second compile: not for code that runs once
    mt = module_types("def f(a):\n    return a + 1\nx = f(1)\nY = 2\n")
    assert mt.clones == set()
    assert mt.globals["Y"] == "int"


def test_global_types_join_every_binding():
    mt = module_types("A = 1\nB = 'x'\nC = [1]\nD = {}\ndef f():\n    return A\nE = f()\n")
    assert mt.globals["A"] == "int"
    assert mt.globals["B"] == "str"
    assert mt.globals["C"] == "list"
    assert mt.globals["D"] == "dict"


# ---------------------------------------------------------------- same behaviour


@pytest.mark.parametrize(
    "src",
    [
        # recursion is refused in the clone as in the original
        "def f(n):\n    return f(n - 1) if n else 0\n"
        "def main():\n    return [f(i) for i in range(3)]\nresult = main()\n",
        # ... and allowed with the option
        "def f(n):\n    return f(n - 1) + n if n else 0\n"
        "def main():\n    return [f(i) for i in range(5)]\nresult = main()\n",
        # division by zero of two known ints
        "def d(a, b):\n    return a // b + a % b\n"
        "def main():\n    return [d(i, 3 - i) for i in range(5)]\nresult = main()\n",
        # defaults are the original's objects: a mutated default is shared
        "def f(x, acc=[]):\n    acc.append(x)\n    return len(acc)\n"
        "def main():\n    return [f(i) for i in range(3)]\nresult = (main(), f(9))\n",
        # keyword-only parameters and their defaults
        "def f(a, *args, k=2, **kw):\n    return a * k + len(args) + len(kw)\n"
        "def main():\n    return [f(i, 1, 2, k=i, z=1) + f(i) for i in range(4)]\n"
        "result = main()\n",
        # a wrong call fails with the same message
        "def f(a, b):\n    return a + b\n"
        "def main():\n    return [f(i, i) for i in range(3)] + [f(1)]\nresult = main()\n",
        "def f(a, b):\n    return a + b\n"
        "def main():\n    return [f(i, c=i) for i in range(3)]\nresult = main()\n",
        # a def called before it is bound
        "def main():\n    return [g(i) for i in range(3)]\nresult = main()\n"
        "def g(a):\n    return a\n",
        # an escaped def runs the original, whatever it is given
        "def f(a):\n    return a * 2\n"
        "def main():\n    return [f(i) for i in range(3)] + sorted(['b', 'a'], key=f)\n"
        "result = main()\n",
        # shifts, big ints, unary minus on known ints
        "def sh(a, n):\n    return (a << n) - (-a >> 1) + ~a\n"
        "def main():\n    return [sh(i, 70) for i in range(-2, 3)] + [sh(1, -1)]\n"
        "result = main()\n",
    ],
)
def test_clones_behave_as_the_original(src):
    options = {"recursion"} if "+ n if n" in src else None
    same(src, options)


VALUES = ["1", "-3", "0", "2.5", "True", "False", "None", '"ab"', "[1, 2]", "(1,)", "{1: 2}"]
OPS = [
    "a + b",
    "a - b",
    "a * b",
    "a // b",
    "a % b",
    "a < b",
    "a == b",
    "a and b",
    "-a",
    "a << 2",
    "a & b",
    "str(a) + str(b)",
    "[a, b][0]",
    "a if a else b",
    "len([a, b])",
]


@st.composite
def programs(draw) -> str:
    lines = []
    names = []
    for k in range(draw(st.integers(1, 4))):
        name = f"f{k}"
        default = draw(st.sampled_from(VALUES))
        lines.append(f"def {name}(a, b = {default}):")
        lines.append("    t = a")
        for _ in range(draw(st.integers(1, 3))):
            op = draw(st.sampled_from(OPS))
            kind = draw(st.sampled_from(["assign", "loop", "call", "ret"]))
            if kind == "assign":
                lines.append(f"    t = {op}")
            elif kind == "loop":
                lines.append(f"    for i in range({draw(st.integers(0, 3))}):")
                lines.append(f"        t = {op.replace('b', 'i')}")
            elif kind == "call" and names:
                callee = draw(st.sampled_from(names))
                arg = draw(st.sampled_from(["a", "b", "t", *VALUES]))
                lines.append(f"    t = {callee}({arg}, b = t)")
            else:
                lines.append(f"    if a == {draw(st.sampled_from(VALUES))}:")
                lines.append(f"        return {op}")
        lines.append(draw(st.sampled_from(["    return t", "    return (t, a)", "    t = 0"])))
        names.append(name)
    lines.append("def main():")
    lines.append("    out = []")
    for _ in range(draw(st.integers(1, 4))):
        callee = draw(st.sampled_from(names))
        args = draw(st.lists(st.sampled_from(VALUES), min_size=1, max_size=2))
        kind = draw(st.sampled_from(["loop", "unpack", "plain"]))
        if kind == "loop":
            lines.append("    for i in range(3):")
            lines.append(f"        out.append({callee}(i, {args[0]}))")
        elif kind == "unpack":
            lines.append("    for i in range(2):")
            lines.append(f"        u, w = {callee}(i, {args[0]})")
            lines.append("        out.append(u + w)")
        else:
            lines.append(f"    out.append({callee}({', '.join(args)}))")
    # the elements of an owned list, typed when they all have one type
    lines.append("    acc = 0")
    lines.append("    for v in out:")
    lines.append(f"        acc = {draw(st.sampled_from(['acc + v', 'acc * 2 + v', 'v']))}")
    lines.append(f"    out.append({draw(st.sampled_from(VALUES))})")
    lines.append("    return [out, acc, out[0], out.pop()]")
    # calls of the top level's own: a def only they call is cold code
    # (compiled to helper calls; `run` turns that off in the plain compile)
    tops = []
    for k in range(draw(st.integers(0, 3))):
        callee = draw(st.sampled_from(names))
        args = draw(st.lists(st.sampled_from(VALUES), min_size=1, max_size=2))
        lines.append(f"X{k} = {callee}({', '.join(args)})")
        tops.append(f"X{k}")
    lines.append(f"result = [main(), {', '.join(tops)}]")
    return "\n".join(lines) + "\n"


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_generated_programs_agree_with_the_plain_compile(src):
    same(src)


# ---------------------------------------------------------------- suspension


def test_a_thread_suspended_in_a_clone_restores_and_resumes():
    src = (
        "def step(i, acc):\n"
        "    return acc + ask(i) * i\n"
        "def walk(n):\n"
        "    t = 0\n"
        "    for i in range(n):\n"
        "        t = step(i, t)\n"
        "    return t\n"
        "EARLY = walk(2)\n"
        "def main(n):\n"
        "    return EARLY + walk(n)\n"
    )
    pre = {"ask": external("ask")}
    t = Thread.start("w.star", src, predeclared=pre, args=(3,))
    r = t.resume()
    asked = []
    while isinstance(r, Suspended):
        asked.append(to_python(r.args[0]))
        blob = t.snapshot()
        t = Thread.restore(blob, "w.star", src, predeclared=pre)
        r = t.resume(to_python(r.args[0]) + 10)
    assert isinstance(r, Finished)
    # walk(2) at the top level (clones), then main's walk(3) (the original)
    assert asked == [0, 1, 0, 1, 2]
    assert to_python(r.value) == (0 * 10 + 1 * 11) + (0 * 10 + 1 * 11 + 2 * 12)


def test_the_elements_of_a_returned_tuple_type_an_unpacking():
    src = (
        "def divmod2(a, b):\n    return a // b, a % b\n"
        "def either(a):\n    if a:\n        return 1, 'x'\n    return 2, 'y'\n"
        "def ragged(a):\n    if a:\n        return 1, 2\n    return 1, 2, 3\n"
        "def main():\n"
        "    t = 0\n"
        "    for i in range(1, 9):\n"
        "        q, r = divmod2(i * 7, 3)\n"
        "        n, s = either(i % 2)\n"
        "        t += q + r + n + len(s)\n"
        "    return t\n"
        "result = main()\n"
    )
    mt = module_types(src)
    assert mt.elems["divmod2"] == ("int", "int")
    assert mt.elems["either"] == ("int", "str")
    assert "ragged" not in mt.elems
    same(src)
    same(src.replace("divmod2(i * 7, 3)", "divmod2(i * 7, 0)"))  # the error, from the clone


ELEMS = ["i", "i * 2", "i - 5", "str(i)", "i % 3 == 0", "[i]", "(i, i)", "2.5 * i", "None"]
FOLDS = ["acc + v", "acc * 2 + v", "v + acc", "str(v) + str(acc)", "v", "acc or v", "-v"]


@st.composite
def list_programs(draw) -> str:
    """A function that fills a fresh list, then folds its elements: when they
    all have one type, the fold runs unguarded (infer._owned_lists)."""
    e1, e2 = draw(st.sampled_from(ELEMS)), draw(st.sampled_from(ELEMS))
    lines = ["def main(n):", "    out = []", "    for i in range(n):"]
    lines.append(f"        out.append({e1})")
    change = draw(st.sampled_from(["", "insert", "set", "extend", "aug"]))
    if change:
        lines.append("    i = n")
        lines.append(
            {
                "insert": f"    out.insert(0, {e2})",
                "set": f"    out[0] = {e2}",
                "extend": f"    out.extend([{e2}])",
                "aug": f"    out += [{e2}]",
            }[change]
        )
    lines.append(f"    acc = {draw(st.sampled_from(['0', '1', repr('s'), '[]', '0.5']))}")
    lines.append("    for v in out:")
    lines.append(f"        acc = {draw(st.sampled_from(FOLDS))}")
    lines.append("    evens = [w for w in out if w]")
    lines.append("    last = out.pop() if out else None")
    lines.append("    return [len(out), acc, len(evens), last]")
    lines.append(f"result = main({draw(st.integers(0, 4))})")
    return "\n".join(lines) + "\n"


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(list_programs())
def test_owned_lists_agree_with_the_plain_compile(src):
    same(src)


INITS = ["1", "-2", "'s'", "[1]", "2.5", "True", "None", "(1, 2)"]
USES = ["x + a", "a + x", "a * 2", "a[0]", "x if a else b", "str(a) + str(x)", "a < b", "-a"]


@st.composite
def closure_programs(draw) -> str:
    """Closures over typed locals: a free variable has its type from the
    enclosing function (compiler.function_def)."""
    a, b = draw(st.sampled_from(INITS)), draw(st.sampled_from(INITS))
    u1, u2 = draw(st.sampled_from(USES)), draw(st.sampled_from(USES))
    rebind = draw(st.sampled_from(["", "    a = b\n", "    b = a\n"]))
    return (
        "def main(n):\n"
        f"    a = {a}\n"
        f"    b = {b}\n"
        f"    f = lambda x: {u1}\n"
        "    def g(x):\n"
        f"        return {u2}\n"
        f"{rebind}"
        "    out = []\n"
        "    for i in range(n):\n"
        "        out.append(f(i))\n"
        "        out.append(g(i))\n"
        "    return out\n"
        f"result = main({draw(st.integers(0, 3))})\n"
    )


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(closure_programs())
def test_closures_agree_with_the_plain_compile(src):
    same(src)


def test_a_threads_entry_runs_its_clone_which_calls_the_clones():
    # `main` is called by no code of the script: its clone takes any
    # arguments, and its calls reach the clones typed by them
    src = (
        "def scale(x, k):\n    return x * k + ask(x)\n"
        "def main(n, k):\n"
        "    t = 0\n"
        "    for i in range(n):\n"
        "        t += scale(i, 3)\n"
        "    return [t, k]\n"
    )
    cm = machine.compile_module("w.star", src, ["ask"], frozenset())
    assert "main" in cm.entry_clones
    pre = {"ask": external("ask")}
    for restore in (False, True):
        t = Thread.start("w.star", src, predeclared=pre, args=(3, "k"))
        r = t.resume()
        while isinstance(r, Suspended):
            if restore:
                t = Thread.restore(t.snapshot(), "w.star", src, predeclared=pre)
            r = t.resume(to_python(r.args[0]) * 100)
        assert to_python(r.value) == [0 * 3 + 0 + 1 * 3 + 100 + 2 * 3 + 200, "k"]


def test_an_entry_also_called_by_the_script_runs_its_plain_compile():
    # main is called with ints below: its clone's parameters are ints, and a
    # Thread's arguments may be anything, so the Thread calls the original
    src = (
        "def add(a, b):\n    return a + b\n"
        "def main(a, b):\n    return add(a, b)\n"
        "X = [main(i, 1) for i in range(3)]\n"
    )
    cm = machine.compile_module("w.star", src, [], frozenset())
    assert "main" not in cm.entry_clones
    t = Thread.start("w.star", src, args=("a", "b"))
    assert to_python(t.resume().value) == "ab"


@pytest.mark.parametrize(
    "body",
    [
        "n = 0\n    for k in kw:\n        n += kw[k]\n    return n",
        "return [len(kw), 'a' in kw, kw.get('a'), kw.get('z', 5), sorted(kw.keys())]",
        "return [k for k in kw] + [v for v in kw.values()] + [i for i in kw.items()]",
        "return kw['zz']",  # the KeyError, worded as for a dict
        "return kw[[1]]",  # unhashable
        "return [[1] in kw, 'a' not in kw]",
        "return g(**kw)",
        "kw2 = {}\n    for k in kw:\n        kw2[k] = kw[k] * 2\n    return kw2",
        # iterated without a guard: nothing but these reads can reach it
        "n = []\n    for k in kw:\n        n += [kw[k]]\n        n += k\n    return n",
        "n = 0\n    for k in kw:\n        n += g(1, **kw)\n    return n",
        "n = 0\n    for k in kw:\n        for j in kw:\n            n += kw[j]\n    return n",
        # not read-only: copied into a dict value as before
        "return kw",
        "kw['q'] = 1\n    return len(kw)",
        "a, kw['q'] = 1, 2\n    return len(kw)",
        "for kw['q'] in [1, 2]:\n        pass\n    return len(kw)",
        "kw['a'] += 1\n    return kw['a']",
        "return [kw == {'a': 1, 'b': 2}, str(kw)]",
    ],
)
def test_a_read_only_kwargs_behaves_as_a_dict(body):
    src = (
        "def g(a, **rest):\n    return a + len(rest)\n"
        f"def f(**kw):\n    {body}\n"
        "def main():\n    return [f(a=1, b=2) for i in range(3)]\n"
        "result = main()\n"
    )
    same(src)


@pytest.mark.parametrize(
    "body",
    [
        # the body changes the list iterated, or may: the guard stays
        "for x in xs:\n        xs.append(1)",
        "out = [1, 2]\n    for x in out:\n        out.append(x)",
        "ys = xs\n    for x in xs:\n        ys.append(1)",
        "a = [1]\n    b = [a]\n    for x in a:\n        b[0].append(2)",
        "for x in xs:\n        xs[0] = 5",
        "for x in xs:\n        xs += [1]",
        "d = {1: 2}\n    for k in d:\n        d[3] = 4",
        "for x in xs:\n        g(xs)",
        "for x in xs:\n        sorted([1], key=lambda v: xs.append(v))",
        # nothing can change it: no guard, the same results
        "out = []\n    for x in xs:\n        out.append(x * 2)\n    return out",
        "t = 0\n    for x in xs:\n        t += x\n    return t",
        "for x in 'abc':\n        pass",
        "for x in 3:\n        pass",
    ],
)
def test_a_loop_whose_body_cannot_change_its_container_needs_no_guard(body):
    src = (
        "def g(v):\n    v.append(0)\n"
        f"def f(xs):\n    {body}\n    return xs\n"
        "def main():\n    return [f([1, 2, 3]) for i in range(2)]\n"
        "result = main()\n"
    )
    same(src)


@pytest.mark.parametrize(
    "expr",
    [
        # something in the comprehension changes a container: guards stay
        "[xs.append(3) for y in xs]",
        "[1 for a in [1] for y in xs if xs.append(3)]",
        "[y for r in [xs, [4]] for y in r if xs.append(0)]",
        "[d.pop(k) for k in d]",
        "[k for (k, v) in d.items() if d.pop(k)]",
        "[g(xs) for y in xs]",
        "[y for y in xs if sorted([1], key=lambda v: xs.append(v))]",
        "[y for y in p if xs.append(1)]",
        "[xs.append(y) for y in p]",
        # nothing changes anything: native iteration, the same results
        "[(v, k) for k, v in d.items()]",
        "{v: k for k, v in d.items() if v > 1}",
        "[a for a, b, c in d.items()]",
        "[k + v for (k, v) in d.items()]",
        "[y for r in [xs, [4, 5], (6,)] for y in r]",
        "[y for r in [xs, 'ab'] for y in r]",
        "[y for y in xs if y in d]",
        "[k for k in d]",
        "[x * y for x in xs for y in d.keys()]",
        "[y for y in s]",
        "[y for a in [1, 2] for y in s]",
        "[y for y in 'abc']",
        "[y for a in [1] for y in 7]",
        "[y for y in d.values()]",
        "[y for y in p]",
        "[y for a in [1, 2] for y in p]",
        "[y for y in q]",
        "[y for a in [1] for y in q]",
    ],
)
@pytest.mark.parametrize("arg", ["[7, 8]", "{9: 0}", "'str'", "(1, 2)", "None"])
def test_a_comprehension_that_changes_nothing_iterates_natively(expr, arg):
    src = (
        "def g(v):\n    v.append(0)\n"
        "def f(p, q):\n"
        "    xs = [1, 2, 3]\n"
        "    d = {1: 2, 3: 4}\n"
        "    s = set([5, 6])\n"
        f"    r = {expr}\n"
        "    return r, xs, d, p\n"
        f"result = [f({arg}, set([1, 2])), f({arg}, {arg})]\n"
    )
    same(src, options={"set"})


@pytest.mark.parametrize(
    "src",
    [
        "L = [1, 2]\ndef m():\n    L.append(1)\nresult = [m() for a in [1] for y in L]\n",
        "def f():\n    xs = [1, 2, 3]\n    return [1 for a in [1] for y in xs if xs.append(3)]\n"
        "result = f()\n",
        "def f():\n    return [y for r in [[1], [2]] for y in r if r.append(0)]\nresult = f()\n",
        "def f():\n    d = {1: 2}\n    return [1 for a in [1] for k in d if d.pop(k)]\n"
        "result = f()\n",
    ],
)
def test_a_later_for_clause_sees_its_iterable_change(src):
    # (a later clause iterated a copy, unguarded: these ran without an error)
    assert "during iteration" in same(src)


@pytest.mark.parametrize(
    ("body", "want"),
    [
        # a tuple display of the target's length: Python's own unpacking
        ("a, b = 1, 2\n    a, b = b, a + b\n    return [a, b]", "[2, 3]"),
        ("x, y, z = 1, 2, 3\n    x, y, z = y, z, x\n    return [x, y, z]", "[2, 3, 1]"),
        ("l = [1, 2]\n    l[0], l[1] = l[1], l[0]\n    return l", "[2, 1]"),
        ("[a, b] = 'p', 'q'\n    (c, d) = (b, a)\n    return [c, d]", "['q', 'p']"),
        ("a, (b, c) = 1, (2, 3)\n    return [a, b, c]", "[1, 2, 3]"),
        ("def g():\n        return n\n    n, m = 5, 6\n    return [g(), m]", "[5, 6]"),
        ("d = {}\n    d['k'], v = 1, 2\n    return [d, v]", "[{'k': 1}, 2]"),
        # other lengths, other values: unpacked as before, with Starlark's errors
        (
            "a, b = 1, 2, 3\n    return a",
            "error: m.star:2:10: too many values to unpack (got 3, want 2)",
        ),
        (
            "a, b, c = 1, 2\n    return a",
            "error: m.star:2:13: too few values to unpack (got 2, want 3)",
        ),
        ("a, (b, c) = 1, 2\n    return a", "error: m.star:2:15: got int in sequence assignment"),
        # names as targets are stored directly, left to right
        ("a, a = 1, 2\n    return a", "2"),
        ("t = (1, 2)\n    a, a = t\n    return a", "2"),
        ("t = [3, 4]\n    (a), b = t\n    return [a, b]", "[3, 4]"),
        (
            "a = 7\n    t = (1, 2, 3)\n    a, b = t\n    return a",
            "error: m.star:4:10: too many values to unpack (got 3, want 2)",
        ),
        (
            "a = 7\n    a, b = 'ab'\n    return a",
            "error: m.star:3:10: got string in sequence assignment",
        ),
        (
            "out = []\n    for k, v in [(1, 2), (3, 4)]:\n        out.append(k * v)\n"
            "    return out",
            "[2, 12]",
        ),
    ],
)
def test_unpacking_a_tuple_display(body, want):
    src = f"def f():\n    {body}\n\nresult = f()\n"
    assert same(src) == want


@pytest.mark.parametrize(
    "body",
    [
        # x + [display]: Python's list + list when x is a list in any state
        "return p + [1, q]",
        "l = [0]\n    return l + [q] + [q, q]",
        "return [p + [x] for x in [1, 2]]",
        "out = []\n    for x in p:\n        out.append(p + [x])\n    return out",
        "return FROZEN + [q]",
        "return p + [print('a'), print('b')]",
        "return p + [p[5]]",
        "return p + []",
        "return (p + [q])[0]",
        "if q == 2:\n        z = 1\n    return z + [q]",
    ],
)
@pytest.mark.parametrize("arg", ["[7, 8]", "(1,)", "'s'", "None", "{1: 2}"])
def test_adding_a_list_display(body, arg):
    src = f"FROZEN = [3]\ndef f(p, q):\n    {body}\nresult = [f({arg}, 2), f({arg}, 3)]\n"
    same(src)


@pytest.mark.parametrize("arg", ["None", "0", "False", "[]", "''", "{}", "()", "0.0", "[None]"])
def test_comparing_with_none_is_identity(arg):
    src = (
        "def f(c):\n"
        "    return [c == None, None == c, c != None, None != c, (c,) == (None,), None == None,\n"
        "            1 == None, None != 'a']\n"
        f"result = f({arg})\n"
    )
    same(src)


# ---------------------------------------------------------------- lent lists, clone flags


def compiled(src: str):
    """The compiler after compiling `src` (clones included)."""
    f = parser.parse("m.star", src)
    uni = universe.universe(frozenset({"set"}))
    resolve.resolve_file(f, lambda n: n == "ask", uni.__contains__, frozenset())
    c = compiler_mod.Compiler(f, frozenset())
    c.compile_module()
    return c


def clone_code(c, name: str) -> str:
    import ast as py_ast

    (j,) = [j for j, orig in c.clone_orig.items() if c.code_names[orig][0] == name] or [
        i for i, (n, kind) in c.code_names.items() if n == name
    ]
    return py_ast.unparse(c.fdefs[j])


APPLY = "def apply(fns, x):\n    for f in fns:\n        x = f(x)\n    return x\n"


@pytest.mark.parametrize(
    ("main", "lent"),
    [
        # fresh lists, or lists only the caller reaches: lent
        ("return [apply([inc, dbl], i) for i in range(3)]", True),
        (
            "fs = [inc]\n    fs.append(dbl)\n    out = []\n"
            "    for i in range(3):\n        out.append(apply(fs, i))\n    return out",
            True,
        ),
        # (a comprehension capturing the list makes it a cell: no owned list)
        ("fs = [inc]\n    return [apply(fs, i) for i in range(3)]", False),
        ("return [apply([f for f in (inc, dbl)], i) for i in range(3)]", True),
        # some other reference may reach the list: the guard stays
        ("return [apply(FS, i) for i in range(3)]", False),
        ("fs = [inc]\n    keep = [fs]\n    return [apply(fs, i) for i in range(3)] + keep", False),
        ("fs = [inc]\n    g = lambda: fs\n    return [apply(fs, i) for i in range(3)]", False),
        ("fs = FS\n    return [apply(fs, i) for i in range(3)]", False),
        ("return [apply(*([inc], i)) for i in range(3)]", False),
        ("return [apply([inc], i) for i in range(3)] + [apply(FS, 1)]", False),
        ("return [apply(x=i, fns=[inc]) for i in range(3)]", True),
    ],
)
def test_a_list_only_the_clone_reaches_is_iterated_without_a_guard(main, lent):
    src = (
        APPLY
        + "def inc(v):\n    return v + 1\n"
        + "def dbl(v):\n    return v * 2\n"
        + "FS = [inc, dbl]\n"
        + f"def main():\n    {main}\n"
        + "result = main()\n"
    )
    assert module_types(src).lent.get("apply", set()) == ({"fns"} if lent else set())
    assert ("IterList" not in clone_code(compiled(src), "apply")) is lent
    same(src)


@pytest.mark.parametrize(
    "callee",
    [
        # the callee changes its parameter, passes it on, returns or keeps it
        "def apply(fns, x):\n    for f in fns:\n        fns.append(f)\n        return x",
        "def apply(fns, x):\n    for f in fns:\n        x = keep(fns)\n    return x",
        "def apply(fns, x):\n    for f in fns:\n        x = f(x)\n    return fns",
        "def apply(fns, x):\n    g = lambda: fns\n    for f in fns:\n        x = f(x)\n"
        "    return x",
        "def apply(fns, x):\n    fns = [fns]\n    for f in fns:\n        x = 1\n    return x",
        "def apply(fns, x):\n    for f in fns:\n        fns[0] = f\n    return x",
        "def apply(fns, x):\n    for f in fns:\n        fns += [f]\n    return x",
    ],
)
def test_a_parameter_the_callee_does_not_only_read_is_not_lent(callee):
    src = (
        callee
        + "\ndef keep(v):\n    v.append(1)\n    return 0\n"
        + "def main():\n    return [apply([len], i) for i in range(3)]\n"
        + "result = main()\n"
    )
    assert "apply" not in module_types(src).lent
    same(src)


@pytest.mark.parametrize(
    "extra",
    [
        # the callback changes the list the clone iterates: Go's error, both ways
        "fs = [inc]\n    fs.append(lambda v: fs.append(inc))\n    return apply(fs, 1)",
        "fs = [inc]\n    return apply(fs, 1) + apply(FS, 1)",
        "FS.append(lambda v: FS.append(inc))\n    return apply(FS, 1)",
    ],
)
def test_a_list_a_callback_can_change_keeps_its_guard(extra):
    src = (
        APPLY
        + "def inc(v):\n    return v + 1\n"
        + "FS = [inc]\n"
        + f"def main():\n    {extra}\n"
        + "result = main()\n"
    )
    got = same(src)
    if "FS.append" in extra or "fs.append(lambda" in extra:
        assert "cannot append to list during iteration" in got


def test_a_thread_suspended_in_a_loop_over_a_lent_list_resumes():
    src = (
        "def walk(xs, k):\n"
        "    t = 0\n"
        "    for x in xs:\n"
        "        t += ask(x) * k\n"
        "    return t\n"
        "def main():\n"
        "    ys = [1, 2]\n"
        "    ys.append(3)\n"
        "    out = []\n"
        "    for k in range(2):\n"
        "        out.append(walk(ys, k))\n"
        "    return out + ys\n"
    )
    assert compiled(src).mt.lent == {"walk": {"xs"}}
    for restore in (False, True):
        assert drive(src, (), restore) == ([1, 2, 3, 1, 2, 3], [0, 60, 1, 2, 3])


def drive(src: str, args: tuple, restore: bool) -> tuple[list, object]:
    """Run `src`'s `main(*args)` in a Thread whose external `ask(v)` answers
    v * 10, restored from a snapshot at each suspension when `restore`:
    (what was asked, the result)."""
    pre = {"ask": external("ask")}
    t = Thread.start("w.star", src, predeclared=pre, args=args)
    r = t.resume()
    asked = []
    while isinstance(r, Suspended):
        asked.append(to_python(r.args[0]))
        if restore:
            t = Thread.restore(t.snapshot(), "w.star", src, predeclared=pre)
        r = t.resume(to_python(r.args[0]) * 10)
    assert isinstance(r, Finished)
    return asked, to_python(r.value)


@pytest.mark.parametrize(
    ("defs", "main", "flagged"),
    [
        # the callbacks cannot lead back to apply: its clone needs no flag
        ("", "return apply([lambda v: v + 1, inc], 1)", False),
        ("def via(v):\n    return apply([inc], v)\n", "return via(apply([inc], 1))", False),
        # a lambda that calls apply, apply given as a value, a nested def
        # calling a def that calls apply, a key= callback: they can, so the
        # flag stays
        ("", "return apply([lambda v: apply([], v)], 1)", True),
        ("def apply2(v):\n    return apply([inc], v)\n", "return apply([apply2], 1)", True),
        (
            "def via(v):\n    return apply([inc], v)\n",
            "def inner(v):\n        return via(v)\n    return apply([inner], 1)",
            True,
        ),
        ("", "return apply([inc], 1) + sorted([1], key=lambda v: apply([], v))[0]", True),
    ],
)
def test_a_clone_keeps_its_recursion_flag_only_if_a_dynamic_call_can_lead_back(defs, main, flagged):
    src = (
        APPLY
        + "def inc(v):\n    return v + 1\n"
        + defs
        + f"def main():\n    {main}\n"
        + "result = [main() for i in range(2)]\n"
    )
    assert ("$busy" in clone_code(compiled(src), "apply")) is flagged
    got = same(src)
    assert ("called recursively" in got) is (flagged and "sorted" not in main)


def test_an_entry_makes_every_def_reachable_by_a_dynamic_call():
    # a Thread may call main's clone with functions of any module, which may
    # reach every def of this one: apply's clone keeps its flag
    src = APPLY + "def main(fs):\n    return apply(fs, 1) + apply([len], [1])\n"
    mt = module_types(src)
    assert mt.entries == {"main"}
    assert mt.escaped == {"apply", "main"}
    assert "$busy" in clone_code(compiled(src), "apply")


@pytest.mark.parametrize(
    "call",
    ["f(2)", "f(x=3)", "f(*[4])", "f(**{'x': 5})", "f(1, 2)", "f(y=1)", "f()", "g(f)(6)"],
)
def test_calling_a_value_known_to_be_a_def_or_lambda(call):
    # the callee is known to be a Function: its raw function is called as is
    src = (
        "def mk(n):\n    return lambda x: x + n\n"
        "def g(h):\n    return h\n"
        f"def main(k):\n    f = mk(k)\n    return {call}\n"
        "result = [main(k) for k in range(2)]\n"
    )
    assert ".fn(" in clone_code(compiled(src), "main")
    same(src)


def test_cold_defs_are_those_only_the_top_levels_straight_line_code_calls():
    mt = module_types(
        "def once(x):\n    return x + 1\n"
        "def twice(x):\n    return x * 2\n"
        "def looped(x):\n    return x - 1\n"
        "def inner(x):\n    return x\n"
        "def outer(x):\n    return inner(x)\n"
        "def valued(x):\n    return x\n"
        "def lam(x):\n    return x\n"
        "A = once(1)\nB = twice(1) + twice(2)\n"
        "C = [looped(i) for i in range(3)]\n"
        "D = outer(1) + inner(2)\n"
        "E = valued\n"
        "F = lambda: lam(1)\n"
        "G = lam(2)\n"
    )
    assert mt.cold == {"once", "twice", "outer"}


@pytest.mark.parametrize(
    "expr",
    [
        "a + b",
        "a - b",
        "a * b",
        "a % b",
        "a // b",
        "a / b",
        "a & b",
        "a | b",
        "a << b",
        "a >> b",
        "a == b",
        "a < b",
        "a >= b",
        "a[b]",
        "a in [b]",
        "-a",
    ],
)
@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("3", "2"),
        ("'ab'", "1"),
        ("[1, 2]", "1"),
        ("{1: 2}", "1"),
        ("2.5", "0"),
        ("None", "1"),
        ("(1, 2)", "5"),
        ("'x%d'", "7"),
    ],
)
def test_cold_code_calls_the_helpers_with_the_same_results(expr, a, b):
    # cold: the top level, and a def only it calls; in a loop: fast paths
    src = (
        f"def f(a, b):\n    return {expr}\n"
        f"def g(a, b):\n    out = []\n    for i in range(2):\n        out.append({expr})\n"
        "    return out\n"
        f"a, b = {a}, {b}\n"
        f"result = [f(a, b), g(a, b), {expr}]\n"
    )
    same(src)


@pytest.mark.parametrize(
    "f",
    [
        # a leaf (no step of its own) whose only call is a key= callback
        "def f(xs):\n    return sorted(xs, key=lambda v: -v)\n",
        "def f(xs):\n    return max(xs, key=lambda v: -v)\n",
        "def f(xs):\n    return sorted(xs, key=lambda v: f(v))\n",
    ],
)
def test_a_leaf_with_a_callback_loses_or_keeps_its_flag_intact(f):
    src = f + "def main():\n    return [f([i, 2]) for i in range(3)]\nresult = main()\n"
    same(src)


@pytest.mark.parametrize(
    ("calls", "elems"),
    [
        ("total(i, 1, 2) + total(*[i, 4])", "int"),
        ("total(i, 1) + total(*nums)", "int"),
        ("total(i, 1) + total(*(i, 2))", "int"),
        ("total('a', 'b') + total(*['c'])", "str"),
        ("total(i, 1) + len(str(total('a')))", None),  # int and str: unknown
        ("total(i, *xs)", None),  # a parameter's elements: unknown
        ("total(i, 1) + total(*{1: 2})", None),
    ],
)
def test_the_elements_of_star_args_are_typed_from_every_call(calls, elems):
    src = (
        "def total(*args):\n    s = args[0]\n    for a in args[1:]:\n        s += a\n    return s\n"
        "def main(xs):\n    nums = [1, 2]\n    out = []\n"
        f"    for i in range(3):\n        out.append({calls})\n    return out\n"
        "result = main([5, 6])\n"
    )
    mt = module_types(src)
    assert mt.params.get("total", {}).get("args[]") == elems
    same(src)


def test_a_thread_suspended_in_cold_code_restores_and_resumes():
    # `step` is cold (only the top level's straight-line code calls it): its
    # operators are helper calls; a snapshot taken inside it, and one taken
    # in the top level, resume as any other frame
    src = (
        "def step(i, k):\n"
        "    t = ask(i) + i * k\n"
        "    return [t, t - 1][0] + len(str(i))\n"
        "A = step(1, 3) + step(2, 4)\n"
        "B = A * 2 - ask(A)\n"
        "def main(n):\n"
        "    return [A, B, n + A]\n"
    )
    mt = compiled(src).mt
    assert "step" in mt.cold
    a = (10 + 3 + 1) + (20 + 8 + 1)
    for restore in (False, True):
        assert drive(src, (5,), restore) == ([1, 2, a], [a, a * 2 - a * 10, 5 + a])


@pytest.mark.parametrize(
    "body",
    [
        # an owned list no loop iterates: Python's own append and pop
        "xs = []\n    for i in range(3):\n        xs.append(i * g(i))\n    return xs",
        "xs = [1]\n    for i in range(2):\n        xs.append(xs.pop() + i)\n    return xs",
        "xs = []\n    return xs.pop()",  # the error, from the helper
        "xs = [1, 2]\n    for x in [5]:\n        xs.append(x)\n    for y in xs:\n        pass\n"
        "    xs.append(9)\n    return xs",
        # the loop iterating it keeps the test: Go's error
        "xs = [1, 2]\n    for x in xs:\n        xs.append(g(x))\n    return xs",
        "xs = [1, 2]\n    for x in xs:\n        for i in range(2):\n            xs.pop()\n"
        "    return xs",
        "xs = [1, 2]\n    for x in xs:\n        if x > 5:\n            xs.append(x)\n    return xs",
        "xs = [[1], [2]]\n    out = [1]\n    for x in xs:\n        out.append(x.pop())\n"
        "    return out",
        # extend: Python's own for a list or tuple argument
        "xs = [1]\n    ys = [2, 3]\n    xs.extend(ys)\n    xs.extend((4,))\n    xs.extend(xs)\n"
        "    return [xs, ys]",
        "xs = [1]\n    d = {5: 6}\n    xs.extend(d)\n    xs.extend(range(2))\n    return xs",
        "xs = [1]\n    s = 'ab'\n    xs.extend(s)\n    return xs",  # the helper's error
        "xs = [1, 2]\n    ys = [3]\n    for x in xs:\n        xs.extend(ys)\n    return xs",
        "xs = [1, 2]\n    ys = [3]\n    for y in ys:\n        ys.extend(xs)\n    return ys",
        "xs = [[1], [2]]\n    for x in xs:\n        x.extend(x)\n    return xs",
        # element stores likewise
        "xs = [0] * 3\n    for i in range(3):\n        xs[i] = g(i)\n    return xs",
        "xs = [0] * 3\n    xs[5] = 1\n    return xs",  # the helper's error
        "xs = [0] * 3\n    xs['a'] = 1\n    return xs",
        "xs = [0] * 3\n    for x in xs:\n        xs[0] = x\n    return xs",  # Go's error
    ],
)
def test_an_owned_list_no_loop_iterates_changes_natively(body):
    src = (
        "def g(v):\n    return v + 1\n"
        f"def f():\n    {body}\n"
        "def main():\n    return [f() for i in range(2)]\n"
        "result = main()\n"
    )
    same(src)


@pytest.mark.parametrize("arg", ["3", "-7", "0", "2.5", "True", "'s'", "None", "1 << 70"])
def test_negating_a_value_of_unknown_type(arg):
    src = (
        "def f(x):\n    return [-x, -(x), 1 - -x]\n"
        f"def main():\n    return [f({arg}) for i in range(2)]\n"
        "result = main()\n"
    )
    same(src)


@pytest.mark.parametrize(
    "s",
    [
        "'123'",
        "'0'",
        "'0123'",
        "'-5'",
        "'+7'",
        "''",
        "'1_000'",
        "' 12'",
        "'12 '",
        "'0x1F'",
        "'\\u0661\\u0662'",
        "'9' * 4100",
        "'abc'",
    ],
)
def test_int_of_a_known_str(s):
    src = (
        "def f(t):\n    return int(t.strip('#'))\n"
        f"def main():\n    return [f({s}) for i in range(2)]\n"
        "result = main()\n"
    )
    assert "$pyint" in clone_code(compiled(src), "f")
    same(src)


@pytest.mark.parametrize(
    "body",
    [
        # a known dict: Python's own setdefault when it is a Dict and the key native
        "d = {}\n    for i in range(6):\n        d.setdefault(i % 3, []).append(i)\n    return d",
        "d = {}\n    for i in range(4):\n        d.setdefault('k%d' % (i % 2))\n    return d",
        "d = {'a': 1}\n    return [d.setdefault('a', 5), d.setdefault(k, [k]), d]",
        "d = {}\n    return d.setdefault([1], 2)",  # unhashable: the helper's error
        "d = {(1, 2): 0}\n    return [d.setdefault((1, 2), 9), d.setdefault((k, 1), 3), d]",
        "d = {1: 'one'}\n    return [d.setdefault(1.0, 'x'), d]",  # 1.0 finds 1
        # inserting into a dict a loop iterates: Go's error; finding a key is fine
        "d = {1: 2}\n    for x in d:\n        d.setdefault(x, 0)\n    return d",
        "d = {1: 2}\n    for x in d:\n        d.setdefault(x + 1, 0)\n    return d",
        # empty displays, and what is built from them
        "xs = []\n    d = {}\n    d[k] = xs\n    xs.append(k)\n"
        "    return [xs, d, [] + xs, xs + []]",
        "return [x for x in []] + [len({}), {} == {}, [] == []]",
    ],
)
def test_dict_setdefault_and_empty_displays(body):
    src = (
        f"def f(k):\n    {body}\n"
        "def main():\n    return [f(k) for k in [7, 'z']]\n"
        "result = main()\n"
    )
    same(src)


def test_setdefault_on_a_frozen_dict_finds_but_does_not_insert():
    # the entry runs once the module is done: its globals are frozen
    src = (
        "D = {'a': 1}\n"
        "def find(k):\n    return D.setdefault(k, 0)\n"
        "def main(k):\n    return [find(k) for i in range(2)]\n"
    )
    assert to_python(Thread.start("w.star", src, args=("a",)).resume().value) == [1, 1]
    with pytest.raises(StarlarkError, match="setdefault: cannot insert into frozen hash table"):
        Thread.start("w.star", src, args=("new",)).resume()


@pytest.mark.parametrize(
    "body",
    [
        # a dict display of constant keys, assigned: stores into a new Dict
        "d = {'a': k, 'b': [k], 'c': {'x': k}}\n    d['a'] = 2\n    return d",
        "d = {'n': 1}\n    for i in range(3):\n        d = {'n': d['n'] + i, 'prev': d}\n"
        "    return d",
        "out = []\n    for i in range(3):\n        out.append({'i': i, 1: k, 2.5: None})\n"
        "    return out",
        "d = {'a': 1, 'b': 1 // (k - k)}\n    return d",  # the error, at its position
        "d = {'a': 1, 'b': g(k)}\n    return [d, {'r': g(d['a'])}]",
        "d = {'a': 1, 'a': 2}\n    return d",  # duplicate keys: Go's error
        "return {'a': k, 'b': k}",
        # a closure that reads the target while the values are computed
        "d = {'x': 1}\n    def peek():\n        return len(d)\n"
        "    for i in range(2):\n        d = {'a': peek(), 'b': peek(), 'c': i}\n    return d",
    ],
)
def test_dict_displays_built_by_stores(body):
    src = (
        "def g(v):\n    return [v, v]\n"
        f"def f(k):\n    {body}\n"
        "def main():\n    return [f(k) for k in [7, 3]]\n"
        "result = main()\n"
    )
    same(src)


@pytest.mark.parametrize("cold", [True, False])
def test_a_global_dict_display_is_bound_only_when_whole(cold, monkeypatch):
    # the values call a def that reads the global: not yet bound
    monkeypatch.setattr(compiler_mod, "COLD", cold)
    monkeypatch.setattr(machine, "_CACHE", {})
    src = "def g():\n    return len(D)\nD = {'a': 1, 'b': g()}\n"
    with pytest.raises(StarlarkError, match="global variable D referenced before assignment"):
        exec_file("m.star", src)


def test_a_thread_suspended_while_building_a_dict_display_resumes():
    src = (
        "def main(n):\n"
        "    out = []\n"
        "    for i in range(n):\n"
        "        d = {'i': i, 'asked': ask(i), 'sq': i * i}\n"
        "        out.append(d)\n"
        "    return out\n"
    )
    want = [{"i": i, "asked": i * 10, "sq": i * i} for i in range(3)]
    for restore in (False, True):
        assert drive(src, (3,), restore) == ([0, 1, 2], want)


# ---- one int test for a whole arithmetic expression (Compiler.int_tree) ----

_leaf_values = ["3", "-7", "0", "2.5", "True", "'s'", "None", "[1]", "1 << 70", "(1, 2)"]


@st.composite
def _arith(draw, depth=0):
    """A Starlark expression over the names a, b, c, the subscripts d['k'] and
    xs[i], calls g(a), and int literals."""
    if depth > 3 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(["a", "b", "c", "d['k']", "xs[i]", "g(a)", "2", "10"]))
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return f"-({draw(_arith(depth + 1))})"
    if kind == 1:
        op = draw(st.sampled_from(["%", "//"]))
        return f"({draw(_arith(depth + 1))}) {op} {draw(st.sampled_from(['3', '7', '-2']))}"
    op = draw(st.sampled_from(["+", "-", "*"]))
    return f"({draw(_arith(depth + 1))}) {op} ({draw(_arith(depth + 1))})"


@settings(max_examples=300, deadline=None)
@given(
    _arith(),
    st.sampled_from(["", " == 0", " < b", " >= 3"]),
    st.sampled_from(["=", "+=", "-=", "*="]),
    st.lists(st.sampled_from(_leaf_values), min_size=3, max_size=3),
)
def test_one_int_test_for_an_arithmetic_expression(expr, cmp, assign, leaves):
    # ints take Python's arithmetic under one test; any other operand the
    # operators one by one: the same values and errors as every guard in place
    a, b, c = leaves
    src = (
        "def g(v):\n    return v\n"
        "def f(a, b, c):\n"
        "    d = {'k': c}\n"
        "    xs = [a, b]\n"
        "    out = []\n"
        "    r = a\n"
        "    for i in range(2):\n"
        f"        r {assign} {expr}{cmp}\n"
        "        out.append(r)\n"
        f"        out.append([({expr}){cmp} for _ in range(1)])\n"
        "    return out\n"
        f"result = [f({a}, {b}, {c}) for _ in range(2)]\n"
    )
    same(src)


def test_an_int_test_keeps_starlarks_order_of_evaluation():
    # the subscript fails before the addition could: its error, not the add's
    src = (
        "def f(a, d):\n"
        "    for i in range(2):\n"
        "        a = a + d['missing'] * 2 + 1\n"
        "    return a\n"
        "result = f('s', {})\n"
    )
    assert 'key "missing" not in dict' in same(src)
    # the addition fails before the later subscript is evaluated
    src = src.replace("a + d['missing'] * 2 + 1", "a + 1 + d['missing']")
    assert "unknown binary op: string + int" in same(src)


@pytest.mark.parametrize("op", ["+", "-", "*", "==", "<"])
@pytest.mark.parametrize("arg", ["3", "True", "2.5", "'s'", "[1]", "None", "1 << 70"])
def test_an_operand_of_known_type_tests_only_the_others(op, arg):
    # the clones of one() and s() return an int and a str: where main calls
    # them, the fast path tests only that the other operand has that type
    src = (
        "def one():\n    return 1\n"
        "def s():\n    return 'x'\n"
        "def main(a):\n"
        "    r = []\n"
        "    for v in [a, a]:\n"
        f"        r.append([v {op} one(), one() {op} v, v {op} s(), s() {op} v])\n"
        "    return r\n"
        f"result = [main({arg}), main(None)]\n"
    )
    same(src)


@pytest.mark.parametrize(
    "body",
    [
        "return [sorted(recs, key=lambda r: r['a']), max(recs, key=lambda r: (r['a'], r['b'])),"
        " min(recs, key=lambda r: -r['b']), sorted(recs, key=lambda r: r['a'], reverse=True)]",
        # an element of another kind: the parameter is not typed, the error is the same
        "recs.append([1])\n    return sorted(recs, key=lambda r: r['a'])",
        "recs.append({'b': 1})\n    return sorted(recs, key=lambda r: r['a'])",
        # two positional arguments: the key gets each of them, not elements
        "return max(recs, [1], key=lambda r: len(r))",
        # where Python's operator would take what Starlark's refuses (bool * int)
        "xs = [i for i in range(n)]\n    xs.append(True)\n"
        "    return sorted(xs, key=lambda v: v * 2)",
        "xs = [i for i in range(n)]\n    return [sorted(xs, key=lambda v: v * 2),"
        " max([1], True, key=lambda v: v * 2)]",
        "return sorted([r['a'] for r in recs], key=lambda v: -v)",
        "f = lambda r: r['a']\n    return sorted(recs, key=f)",
    ],
)
def test_a_key_lambda_takes_the_type_of_the_elements(body):
    src = (
        "def main(n):\n    recs = [{'a': i % 3, 'b': -i} for i in range(n)]\n"
        f"    {body}\n"
        "result = [main(4), main(0)]\n"
    )
    same(src)


def test_a_key_lambda_over_dicts_reads_them_without_a_test():
    src = (
        "def main(n):\n    recs = [{'a': i % 3} for i in range(n)]\n"
        "    return sorted(recs, key=lambda r: r['a'])\n"
        "result = main(3)\n"
    )
    f = parser.parse("m.star", src)
    uni = universe.universe(frozenset({"set"}))
    resolve.resolve_file(f, lambda n: False, uni.__contains__, frozenset())
    import ast

    code = ast.unparse(compiler_mod.Compiler(f, frozenset(), True).compile_module())
    lambdas = [ln for ln in code.splitlines() if "return r['a']" in ln]
    assert lambdas, code
    assert all("$index" not in ln for ln in lambdas), code
