"""Programs where starflow once differed from starlark-go, and now agrees.

Found by differential fuzzing against starlark-go (random programs run by
both: `bench/diff_go.py`). Each case's expected outcome is what starlark-go
gives: `out`'s value, the lines of the error's backtrace after
"Traceback (most recent call last):" (frames with positions, then the
message), or a static error's position and message. Each runs in the three
kinds of compile: `exec_file` without a budget (no step counting), with one,
and in a `Thread` (every call a call site).
"""

from __future__ import annotations

import pytest

from starflow.starlark import EvalError, StarlarkSyntaxError, Thread, exec_file, to_python

CASES: list[tuple[str, str | list[str]]] = [
    # a failed sorted: Go's sort.Stable reports its last failed comparison,
    # with no "sorted:" in the message (stop 13)
    (
        'out = sorted([3, 1, "a", 2, [1], {}, 5], reverse = True)\n',
        ["  t.star:1:13: in <toplevel>", "Error in sorted: dict < int not implemented"],
    ),
    (
        'out = sorted([i for i in range(50)] + ["x"] + [i for i in range(30)] + [[1], (2,)])\n',
        ["  t.star:1:13: in <toplevel>", "Error in sorted: list < int not implemented"],
    ),
    (
        "out = sorted([(i * 7919) % 101 if i % 13 else str(i) for i in range(200)], "
        "reverse = True)\n",
        ["  t.star:1:13: in <toplevel>", "Error in sorted: int < string not implemented"],
    ),
    # *args and **kwargs that bind two ways wrong: Go's order of checks, from
    # the arguments read again (stop 13)
    (
        'def f(a, b):\n    return a\nx = [1, 2, 3]\nout = f(*x, **{"c": 1})\n',
        [
            "  t.star:4:8: in <toplevel>",
            "  t.star:2:12: in f",
            "Error: function f accepts 2 positional arguments (3 given)",
        ],
    ),
    (
        'def f(a, *, k):\n    return a\nx = [1, 2]\nout = f(*x, **{"z": 1})\n',
        [
            "  t.star:4:8: in <toplevel>",
            "  t.star:2:12: in f",
            "Error: function f accepts 1 positional argument (2 given)",
        ],
    ),
    (
        'def f(a, b = 1, *, k):\n    return a\nx = []\nout = f(*x, **{"b": 1})\n',
        [
            "  t.star:4:8: in <toplevel>",
            "  t.star:2:12: in f",
            "Error: function f missing 2 arguments (a, k)",
        ],
    ),
    (
        'def f(a, b = 1, **kw):\n    return a\nx = [1, 2, 3]\nout = f(*x, **{"a": 1})\n',
        [
            "  t.star:4:8: in <toplevel>",
            "  t.star:2:12: in f",
            "Error: function f accepts at most 2 positional arguments (3 given)",
        ],
    ),
    (
        'def f():\n    return 1\nx = [1]\nout = f(*x, **{"a": 1})\n',
        [
            "  t.star:4:8: in <toplevel>",
            "  t.star:1:1: in f",
            "Error: function f accepts no arguments (2 given)",
        ],
    ),
    (
        'def f(*, k):\n    return 1\nx = [1]\nout = f(*x, **{"z": 1})\n',
        [
            "  t.star:4:8: in <toplevel>",
            "  t.star:1:1: in f",
            "Error: function f accepts 0 positional arguments (1 given)",
        ],
    ),
    (
        "def g1(a, *args, k):\n    return 1\nout = g1(**{})\n",
        [
            "  t.star:3:9: in <toplevel>",
            "  t.star:1:1: in g1",
            "Error: function g1 missing 2 arguments (a, k)",
        ],
    ),
    # a built-in's parameter is quoted only when given by name (stop 13)
    (
        "out = sorted([1], [2])\n",
        [
            "  t.star:1:13: in <toplevel>",
            "Error in sorted: sorted: for parameter key: got list, want callable",
        ],
    ),
    (
        "def f(x):\n    return sorted(x, 1)\nout = f([1])\n",
        [
            "  t.star:3:8: in <toplevel>",
            "  t.star:2:18: in f",
            "Error in sorted: sorted: for parameter key: got int, want callable",
        ],
    ),
    (
        "out = sorted([1], lambda x: x, 2)\n",
        [
            "  t.star:1:13: in <toplevel>",
            "Error in sorted: sorted: for parameter reverse: got int, want bool",
        ],
    ),
    (
        "out = sorted([1], key = [2])\n",
        [
            "  t.star:1:13: in <toplevel>",
            'Error in sorted: sorted: for parameter "key": got list, want callable',
        ],
    ),
    # a string's elems() is indexable, as Go's stringElems (stop 13)
    (
        'x = "abc".elem_ords()\ny = "abc".elems()\nout = str([x[0], x[-1], len(x), y[1]])\n',
        '[97, 99, 3, "b"]',
    ),
    (
        'x = "abc".elems()\nout = x[[1]]\n',
        ["  t.star:2:8: in <toplevel>", "Error: string.elems index: got list, want int"],
    ),
    # True and 1 are distinct keys, at any depth of a tuple (stop 13)
    (
        'd = {1: "a", True: "b"}\n'
        "out = str([len(d), d, d[True], d.get(1.0), {1: 2}.get(True), True in {1: 0}, list(d)])\n",
        '[2, {1: "a", True: "b"}, "b", "a", None, False, [1, True]]',
    ),
    (
        "def f():\n"
        '    e = {k: v for k, v in [(1, "x"), (True, "y"), ((1, (0,)), "t"), '
        '((True, (False,)), "u")]}\n'
        "    s = {}\n"
        "    s[(1, 0)] = 1\n"
        "    s[(True, False)] = 2\n"
        "    return str([e, e[(True, (False,))], s, s.get((1.0, 0.0)), (True, 0) in s])\n"
        "out = f()\n",
        '[{1: "x", True: "y", (1, (0,)): "t", (True, (False,)): "u"}, "u", '
        "{(1, 0): 1, (True, False): 2}, 1, False]",
    ),
    # recursion without the option: the re-entered function has its own
    # frame, at its entry (stop 12, found by --family typed)
    (
        ("def f(n):\n    return 0 if n == 0 else f(n - 1)\nout = f(3)\n"),
        [
            "  t.star:3:8: in <toplevel>",
            "  t.star:2:30: in f",
            "  t.star:2:17: in f",
            "Error: function f called recursively",
        ],
    ),
    (
        (
            "def apply(f, x):\n    return f(x)\ndef g(z):\n"
            "    return apply(lambda q: q, z)\nout = apply(g, 1)\n"
        ),
        [
            "  t.star:5:12: in <toplevel>",
            "  t.star:2:13: in apply",
            "  t.star:4:17: in g",
            "  t.star:2:12: in apply",
            "Error: function apply called recursively",
        ],
    ),
    (
        ("def h(x):\n    return g(x)\ndef g(z):\n    return h(z)\nout = g(1)\n"),
        [
            "  t.star:5:8: in <toplevel>",
            "  t.star:4:13: in g",
            "  t.star:2:13: in h",
            "  t.star:4:12: in g",
            "Error: function g called recursively",
        ],
    ),
    (
        ("def f(a):\n    return [y for y in range((a + 1) % 3)]\nout = str(f(1))\n"),
        "[0, 1]",
    ),
    (
        ("def f(a):\n    return {y: 1 for y in [1, 2][a % 2:]}\nout = str(f(1))\n"),
        "{2: 1}",
    ),
    (
        ("def f(a):\n    return {y: 1 for y in -range(a)}\nout = f(0)\n"),
        [
            "  t.star:3:8: in <toplevel>",
            "  t.star:2:27: in f",
            "Error: unknown unary op: - range",
        ],
    ),
    (
        ("x = [1]\nout = x.get(1)\n"),
        [
            "  t.star:2:8: in <toplevel>",
            "Error: list has no .get field or method",
        ],
    ),
    (
        ("def f(x):\n    return x.insert(0, 1)\nout = f(True)\n"),
        [
            "  t.star:3:8: in <toplevel>",
            "  t.star:2:13: in f",
            "Error: bool has no .insert field or method",
        ],
    ),
    (
        'out = {1: 2, "a": 3, "a": 4}\n',
        [
            "  t.star:1:25: in <toplevel>",
            'Error: duplicate key: "a"',
        ],
    ),
    (
        ("k = []\nout = {k: 1}\n"),
        [
            "  t.star:2:9: in <toplevel>",
            "Error: unhashable type: list",
        ],
    ),
    (
        "out = {[]: 1 for x in [1]}\n",
        [
            "  t.star:1:10: in <toplevel>",
            "Error: unhashable type: list",
        ],
    ),
    (
        "out = {x: 1 for x in [1, [2]]}\n",
        [
            "  t.star:1:9: in <toplevel>",
            "Error: unhashable type: list",
        ],
    ),
    (
        ("x = {1: 2}\nout = x[1:2]\n"),
        [
            "  t.star:2:7: in <toplevel>",
            "Error: invalid slice operand dict",
        ],
    ),
    (
        ("x = {1: 2}\nout = x[len(x):]\n"),
        [
            "  t.star:2:12: in <toplevel>",
            "Error: invalid slice operand dict",
        ],
    ),
    (
        "out = {1: 2}[1:2]\n",
        [
            "  t.star:1:9: in <toplevel>",
            "Error: invalid slice operand dict",
        ],
    ),
    (
        "out = {1: 2}[1 + 2:]\n",
        [
            "  t.star:1:16: in <toplevel>",
            "Error: invalid slice operand dict",
        ],
    ),
    (
        "out = 1.0 not in 3\n",
        [
            "  t.star:1:15: in <toplevel>",
            "Error: unknown binary op: float in int",
        ],
    ),
    (
        ("def f(s, q, p):\n    s[q] += (p and range((q, s))) ^ 1\nout = f(1, 2, 3)\n"),
        [
            "  t.star:3:8: in <toplevel>",
            "  t.star:2:6: in f",
            "Error: unhandled index operation int[int]",
        ],
    ),
    (
        ("def g(v):\n    return v.foo\ndef h(x):\n    return sorted(x, key = g)\nout = h([1])\n"),
        [
            "  t.star:5:8: in <toplevel>",
            "  t.star:4:18: in h",
            "  <builtin>: in sorted",
            "  t.star:2:13: in g",
            "Error: int has no .foo field or method",
        ],
    ),
    (
        "out = sorted([1, 2], key = lambda v: v.foo)\n",
        [
            "  t.star:1:13: in <toplevel>",
            "  <builtin>: in sorted",
            "  t.star:1:39: in lambda",
            "Error: int has no .foo field or method",
        ],
    ),
    (
        ("def f(r):\n    return [1 for z in (-1 + [-1, -4])]\nout = f(1)\n"),
        [
            "  t.star:3:8: in <toplevel>",
            "  t.star:2:28: in f",
            "Error: unknown binary op: int + list",
        ],
    ),
    (
        (
            "x = range(4294967296)\n"
            "out = str([len(x), x[5], x[-1], range(0, 9223372036854775807, 3)[2]])\n"
        ),
        "[4294967296, 5, 4294967295, 6]",
    ),
    (
        "out = range(1, 2, 9223372036854775808)\n",
        [
            "  t.star:1:12: in <toplevel>",
            "Error in range: range: for parameter 3: 9223372036854775808 out of range"
            " (want value in signed 64-bit range)",
        ],
    ),
    (
        'out = {"a": 1}.pop()\n',
        [
            "  t.star:1:19: in <toplevel>",
            "Error in pop: pop: got 0 arguments, want at least 1",
        ],
    ),
    (
        ('def f(x):\n    return x.upper(1)\nout = f("a")\n'),
        [
            "  t.star:3:8: in <toplevel>",
            "  t.star:2:19: in f",
            "Error in upper: upper: got 1 arguments, want 0",
        ],
    ),
    (
        "out = len(1, 2)\n",
        [
            "  t.star:1:10: in <toplevel>",
            "Error in len: len: got 2 arguments, want 1",
        ],
    ),
    (
        "out = sorted([1], foo = 1)\n",
        [
            "  t.star:1:13: in <toplevel>",
            'Error in sorted: sorted: unexpected keyword argument "foo"',
        ],
    ),
    (
        ("def f(s, p):\n    return (s and p)[0:]\nout = f({}, {})\n"),
        [
            "  t.star:3:8: in <toplevel>",
            "  t.star:2:13: in f",
            "Error: invalid slice operand dict",
        ],
    ),
    (
        ("def f(s, p):\n    return (s or p)[0:]\nout = f({}, {})\n"),
        [
            "  t.star:3:8: in <toplevel>",
            "  t.star:2:18: in f",
            "Error: invalid slice operand dict",
        ],
    ),
    (
        ("def f(s, p, c):\n    return (s if c else None)[0:]\nout = f(None, {}, True)\n"),
        [
            "  t.star:3:8: in <toplevel>",
            "  t.star:2:18: in f",
            "Error: invalid slice operand NoneType",
        ],
    ),
    (
        ("def f(x):\n    return [1 for z in range({k: 1 for k in x})]\nout = f([1])\n"),
        [
            "  t.star:3:8: in <toplevel>",
            "  t.star:2:29: in f",
            "Error in range: range: for parameter 1: got dict, want int",
        ],
    ),
    (
        ("x = None\nout = [1 for z in (x == -1)]\n"),
        [
            "  t.star:2:10: in <toplevel>",
            "Error: bool value is not iterable",
        ],
    ),
    (
        "out = {x: 1 for x in [1, range(2)]}\n",
        [
            "  t.star:1:9: in <toplevel>",
            "Error: unhashable: range",
        ],
    ),
    (
        "out = str(dict(None))\n",
        [
            "  t.star:1:15: in <toplevel>",
            "Error in dict: dict: got NoneType, want iterable",
        ],
    ),
    (
        ("def g(a, *, k):\n    return a\nout = g()\n"),
        [
            "  t.star:3:8: in <toplevel>",
            "  t.star:2:12: in g",
            "Error: function g missing 2 arguments (a, k)",
        ],
    ),
    (
        ("def g(a):\n    return a\nout = g(1, **[1])\n"),
        [
            "  t.star:3:8: in <toplevel>",
            "Error: argument after ** must be a mapping, not list",
        ],
    ),
    (
        ("def g(a, b = 2):\n    return [1, a]\nout = g(b = 1)\n"),
        [
            "  t.star:3:8: in <toplevel>",
            "  t.star:1:1: in g",
            "Error: function g missing 1 argument (a)",
        ],
    ),
    (
        ("lam = lambda x: [x]\nout = lam()\n"),
        [
            "  t.star:2:10: in <toplevel>",
            "  t.star:1:18: in lambda",
            "Error: function lambda missing 1 argument (x)",
        ],
    ),
    (
        "out = sorted(1, key = 2)\n",
        [
            "  t.star:1:13: in <toplevel>",
            "Error in sorted: sorted: for parameter iterable: got int, want iterable",
        ],
    ),
    (
        'out = enumerate(1, "a")\n',
        [
            "  t.star:1:16: in <toplevel>",
            "Error in enumerate: enumerate: for parameter 1: got int, want iterable",
        ],
    ),
    (
        ("def g(*args, **kwargs):\n    return args\nout = g(*[1], k = 1)\n"),
        "static: t.star:3:15: keyword argument may not follow *args",
    ),
    (
        ("def g(a, b = 2):\n    return a\nout = g(1, 2, 3, k = 1)\n"),
        [
            "  t.star:3:8: in <toplevel>",
            "  t.star:2:12: in g",
            "Error: function g accepts at most 2 positional arguments (3 given)",
        ],
    ),
    (
        ("def g():\n    return 1\nout = g(1, k = 1)\n"),
        [
            "  t.star:3:8: in <toplevel>",
            "  t.star:1:1: in g",
            "Error: function g accepts no arguments (2 given)",
        ],
    ),
    (
        ("def g(a, *, k, j = 2, m):\n    return 1\nout = g(m = 1)\n"),
        [
            "  t.star:3:8: in <toplevel>",
            "  t.star:1:1: in g",
            "Error: function g missing 2 arguments (a, k)",
        ],
    ),
    (
        "out = sorted([1], key = None)\n",
        [
            "  t.star:1:13: in <toplevel>",
            'Error in sorted: sorted: for parameter "key": got NoneType, want callable',
        ],
    ),
    (
        "out = min([1], key = 2)\n",
        [
            "  t.star:1:10: in <toplevel>",
            'Error in min: min: for parameter "key": got int, want callable',
        ],
    ),
    (
        "out = str(enumerate([1], 4294967296))\n",
        "[(4294967296, 1)]",
    ),
    (
        "out = [1].pop(4294967296)\n",
        [
            "  t.star:1:14: in <toplevel>",
            "Error in pop: pop: list index 4294967296 out of range [-1:0]",
        ],
    ),
    (
        ("x = [1]\nx.insert(4294967296, 2)\nout = x\n"),
        "[1, 2]",
    ),
    (
        'out = "abc".find("a", 4294967296)\n',
        [
            "  t.star:1:17: in <toplevel>",
            "Error in find: find: invalid start index: 4294967296 out of range",
        ],
    ),
    (
        'out = "abc".count("a", 0, -4294967296)\n',
        [
            "  t.star:1:18: in <toplevel>",
            "Error in count: count: invalid end index: -4294967296 out of range",
        ],
    ),
    (
        ('def g0(a = [], b = {}):\n    return 1\nout = g0(1, 2, 3, **{"a": 1})\n'),
        [
            "  t.star:3:9: in <toplevel>",
            "  t.star:1:1: in g0",
            "Error: function g0 accepts at most 2 positional arguments (3 given)",
        ],
    ),
    (
        ("x = [1]\nout = x.nomethod(1 // 0)\n"),
        [
            "  t.star:2:8: in <toplevel>",
            "Error: list has no .nomethod field or method",
        ],
    ),
    (
        ("def f(*a, **k):\n    return [a, k]\nout = f(k = 1 // 0, *[1][5])\n"),
        [
            "  t.star:3:15: in <toplevel>",
            "Error: floored division by zero",
        ],
    ),
    (
        ('def f(*a, **k):\n    return [a, k]\nout = str(f(1, k = 2, *[3], **{"j": 4}))\n'),
        '[(1, 3), {"k": 2, "j": 4}]',
    ),
    (
        ("def f(r):\n    a, b = range(r)\n    return a\nout = f(2147483647)\n"),
        [
            "  t.star:4:8: in <toplevel>",
            "  t.star:2:10: in f",
            "Error: too many values to unpack (got 2147483647, want 2)",
        ],
    ),
    (
        ("def f(d, k):\n    return d[k]\nout = f({1: 2}, (1, range(2)))\n"),
        [
            "  t.star:3:8: in <toplevel>",
            "  t.star:2:13: in f",
            "Error: unhashable: range",
        ],
    ),
    (
        ("x = [1]\nout = x.update(10 / x, x.isdigit())\n"),
        [
            "  t.star:2:8: in <toplevel>",
            "Error: list has no .update field or method",
        ],
    ),
    (
        ("def f(x, d):\n    return x.keys(1 // d, d.upper())\nout = f([1], 0)\n"),
        [
            "  t.star:3:8: in <toplevel>",
            "  t.star:2:13: in f",
            "Error: list has no .keys field or method",
        ],
    ),
    (
        ('def f(q):\n    return q.index()\nout = f("abc")\n'),
        [
            "  t.star:3:8: in <toplevel>",
            "  t.star:2:19: in f",
            "Error in index: index: got 0 arguments, want at least 1",
        ],
    ),
    (
        "out = dict(range(2147483647))\n",
        [
            "  t.star:1:11: in <toplevel>",
            "Error in dict: dict: dictionary update sequence element #0 is not iterable (int)",
        ],
    ),
    (
        ("def f(x, y):\n    return len(*x, **y)\nout = f(1, [1])\n"),
        [
            "  t.star:3:8: in <toplevel>",
            "  t.star:2:15: in f",
            "Error: argument after ** must be a mapping, not list",
        ],
    ),
    (
        ('def g(*a, **k):\n    return 1\nx = "ab"\ny = [1]\nout = g(*x, **y)\n'),
        [
            "  t.star:5:8: in <toplevel>",
            "Error: argument after ** must be a mapping, not list",
        ],
    ),
]


def outcome(src: str, mode: str) -> str | list[str]:
    try:
        if mode == "thread":
            th = Thread.start("t.star", src + "def main():\n    return out\n", max_steps=10**6)
            return str(to_python(th.resume().value))
        g = exec_file("t.star", src, max_steps=10**6 if mode == "budget" else None)
        return str(to_python(g["out"]))
    except EvalError as e:
        head, *frames = e.backtrace().splitlines()
        assert head == "Traceback (most recent call last):"
        return frames
    except StarlarkSyntaxError as e:
        return f"static: {e}"


@pytest.mark.parametrize("mode", ["plain", "budget", "thread"])
@pytest.mark.parametrize(("src", "want"), CASES)
def test_agrees_with_starlark_go(src, want, mode):
    assert outcome(src, mode) == want
