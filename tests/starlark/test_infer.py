"""Local type inference (infer.py) and the unguarded code it lets the compiler emit.

Two kinds of checks: the inference's facts are true (each table entry is the
type the built-in really returns; each inferred local holds that type when
run), and code compiled with those facts behaves exactly as the guarded code
did, errors included.
"""

from __future__ import annotations

import ast as py_ast

import pytest

from starflow.starlark import (
    Dict,
    EvalError,
    List,
    exec_file,
    freeze,
    infer,
    parser,
    resolve,
    to_python,
)
from starflow.starlark import syntax as s
from starflow.starlark.machine import _universe
from starflow.starlark.values import type_name


def _functions(src: str) -> dict[str, s.Function]:
    file = parser.parse("t.star", src)
    uni = _universe(frozenset({"set"}))
    resolve.resolve_file(file, lambda n: False, uni.__contains__, frozenset())
    return {st.name.name: st.function for st in file.stmts if type(st) is s.DefStmt}


def types_of(src: str, fn: str = "f") -> dict[str, str]:
    """The locals' types (owned lists' marks and element types, `x!`, `x[]`, left out)."""
    return {k: v for k, v in all_types_of(src, fn).items() if not k.endswith(("[]", "!"))}


def all_types_of(src: str, fn: str = "f") -> dict[str, str]:
    return infer.function_types(_functions(src)[fn])


def tname(v) -> str:
    # infer.py's names are the compiler's: "str" where Starlark says "string"
    t = type_name(v)
    return "str" if t == "string" else t


def run(src: str):
    return exec_file("t.star", src)


def error(src: str) -> str:
    with pytest.raises(EvalError) as info:
        run(src)
    return info.value.msg


# ---------------------------------------------------------------- the facts


@pytest.mark.parametrize(
    "call",
    [
        "len([1])",
        "ord('a')",
        "hash('a')",
        "int('3')",
        "str(1)",
        "repr(1)",
        "type(1)",
        "chr(65)",
        "list((1,))",
        "sorted([2, 1])",
        "dir('')",
        "dict(a=1)",
        "tuple([1])",
        "range(3)",
        "bool(1)",
        "float(1)",
        "any([1])",
        "all([1])",
        "hasattr('', 'x')",
    ],
)
def test_the_result_type_of_each_builtin_in_the_table_is_true(call):
    name = call.split("(")[0]
    g = run(f"x = {call}\n")
    assert tname(g["x"]) == infer.CALL_RESULT[name]


@pytest.mark.parametrize(
    ("recv", "calls"),
    [
        ("'a,b c'", infer._STR_METHODS),
        ("[1, 2]", infer._METHOD_RESULT["list"]),
        ("{1: 2}", infer._METHOD_RESULT["dict"]),
    ],
)
def test_the_result_type_of_each_method_in_the_table_is_true(recv, calls):
    args = {
        "format": "",
        "join": "['x', 'y']",
        "replace": "'a', 'b'",
        "removeprefix": "'a'",
        "removesuffix": "'c'",
        "count": "'a'" if recv.startswith("'") else "1",
        "find": "'a'",
        "index": "'a'" if recv.startswith("'") else "1",
        "rfind": "'a'",
        "rindex": "'a'",
        "partition": "','",
        "rpartition": "','",
        "endswith": "'c'",
        "startswith": "'a'",
    }
    for m, want in calls.items():
        g = run(f"x = {recv}.{m}({args.get(m, '')})\n")
        assert tname(g["x"]) == want, m


def test_locals_bound_only_to_ints_are_ints():
    src = """
def f(n, *args, **kwargs):
    i = 0
    total = 0
    for j in range(n):
        total = total + j * 2 - i % 7
        i += 1
    s = "x"
    s = s + "y"
    m = n
    a, b = 0, 1
    a, b = b, a + b
    c, d = args
    neg = -i
    big = i << 3 | 5
    return total
"""
    assert types_of(src) == {
        "args": "tuple",
        "kwargs": "dict",
        "i": "int",
        "total": "int",
        "j": "int",
        "s": "str",
        "a": "int",
        "b": "int",
        "neg": "int",
        "big": "int",
    }


def test_a_local_bound_to_two_types_is_unknown():
    src = """
def f(x):
    a = 0
    a = a + x
    b = 1
    b = 1.5
    c = []
    c = {}
    d = 0
    for d in ["a", "b"]:
        pass
    e = 1 if x else "one"
    return a
"""
    assert types_of(src) == {}


def test_a_str_or_list_operand_of_plus_or_times_types_the_result():
    # the operation gives that type or fails: str + str, list * int, 3 * "ab"
    src = """
def f(n, x):
    flags = [True] * (n + 1)
    line = "-" * n
    s = x + "!"
    t = (1,) * n
    return flags
"""
    assert types_of(src) == {"flags": "list", "line": "str", "s": "str", "t": "tuple"}
    assert error('def f(x):\n    s = x + "!"\n    return s\nf(1)\n') == (
        "unknown binary op: int + string"
    )


def test_containers_and_method_results_are_typed():
    src = """
def f(x):
    l = [x]
    d = {}
    t = (1, x)
    parts = "a b".split(" ")
    k = d.keys()
    n = "abc".find("b")
    u = "x".upper().strip()
    return l
"""
    assert types_of(src) == {
        "l": "list",
        "d": "dict",
        "t": "tuple",
        "parts": "list",
        "k": "list",
        "n": "int",
        "u": "str",
    }


def test_a_shadowed_builtin_name_is_not_trusted():
    # `len` is a local here: the resolver says so, the inference believes it
    src = """
def f(len):
    n = len([1])
    return n
"""
    assert types_of(src) == {}


# ---------------------------------------------------------------- the code it allows


def test_int_arithmetic_on_inferred_locals_matches_python():
    src = """
def f():
    acc = 0
    for i in range(1, 200):
        acc = (acc * 31 + i * i - (i // 3) + (i % 7)) % 1000003
        acc = acc ^ (i << 2) | (acc >> 1) & 255
        acc = -acc if i % 2 else acc
    return acc
r = f()
"""

    def f():
        acc = 0
        for i in range(1, 200):
            acc = (acc * 31 + i * i - (i // 3) + (i % 7)) % 1000003
            acc = acc ^ (i << 2) | (acc >> 1) & 255
            acc = -acc if i % 2 else acc
        return acc

    assert run(src)["r"] == f()


def test_division_by_a_zero_int_local_is_still_a_starlark_error():
    assert error("def f():\n    a = 7\n    b = 0\n    return a // b\nf()\n") == (
        "floored division by zero"
    )
    assert error("def f():\n    a = 7\n    b = 0\n    return a % b\nf()\n") == (
        "integer modulo by zero"
    )


def test_big_ints_from_inferred_arithmetic_stay_exact():
    src = (
        "def f():\n    x = 1\n    for i in range(200):\n        x = x * 3\n    return x\nr = f()\n"
    )
    assert run(src)["r"] == 3**200


def test_stores_into_known_containers_keep_their_checks():
    assert "out of range" in error("def f():\n    l = [1]\n    l[3] = 0\nf()\n")
    assert "unhashable" in error("def f():\n    d = {}\n    d[[1]] = 0\nf()\n")
    assert "during iteration" in error(
        "def f():\n    d = {1: 2}\n    for k in d:\n        d[k + 1] = 0\nf()\n"
    )
    assert "during iteration" in error(
        "def f():\n    l = [1, 2]\n    for x in l:\n        l[0] = x\nf()\n"
    )
    frozen = {"fd": freeze(Dict()), "fl": freeze(List([0]))}
    for src in ("def f():\n    x = {}\n    x = fd\n    x[1] = 2\nf()\n", "fl[0] = 1\n"):
        with pytest.raises(EvalError, match="frozen"):
            exec_file("t.star", src, predeclared=frozen)
    src = "def f():\n    d = {}\n    l = [0, 0]\n    d[1] = 'a'\n    d['k'] = l\n    l[-1] = 5\n"
    src += "    d[(1, 2)] = 3\n    return d\nr = f()\n"
    assert to_python(run(src)["r"]) == {1: "a", "k": [0, 5], (1, 2): 3}


def test_indexing_known_containers_keeps_starlark_errors():
    assert "out of range" in error("def f():\n    l = [1]\n    i = 5\n    return l[i]\nf()\n")
    assert error("def f():\n    d = {}\n    return d['k']\nf()\n") == 'key "k" not in dict'


def test_methods_of_known_receivers_and_of_several_types():
    src = """
def f():
    l = [3, 1, 2]
    d = {"a": 1, "b": 2}
    x = l.pop()
    y = d.pop("a")
    z = [v.pop() for v in [[1], [2]]]
    w = [v.pop(0) for v in [{0: "x"}, [7]]]
    return [x, y, z, w, l, d]
r = f()
"""
    assert to_python(run(src)["r"]) == [2, 1, [1, 2], ["x", 7], [3, 1], {"b": 2}]


def test_wrong_arguments_to_a_method_of_several_types_name_the_right_one():
    msg = error("def f(v):\n    return v.pop(1, 2, 3)\nf([1])\n")
    assert "pop" in msg
    msg2 = error("def f(v):\n    return v.pop(1, 2, 3)\nf({1: 2})\n")
    assert "pop" in msg2
    assert msg != msg2  # list.pop and dict.pop take different arguments


def test_comprehension_variables_shadow_typed_locals():
    src = """
def f():
    x = 0
    a = [x + 1 for x in range(3)]
    b = [x + "!" for x in ["p", "q"]]
    return [x, a, b]
r = f()
"""
    assert to_python(run(src)["r"]) == [0, [1, 2, 3], ["p!", "q!"]]


def test_a_type_error_on_an_unknown_operand_is_still_reported():
    msg = error('def f(s):\n    n = 1\n    return n + s\nf("a")\n')
    assert msg == "unknown binary op: int + string"
    msg = error('def f(s):\n    n = 1\n    return n < s\nf("a")\n')
    assert msg == "int < string not implemented"


# ---------------------------------------------------------------- %-format, str() and len() inline

_VALUES = (
    '"", "a", "héllo", 0, -7, 12345678901234567890, True, False, None, 1.5, [1], (1, 2), '
    '{"k": 1}, big(), -big()'
)
_PRELUDE = f"""
def big():
    x = 1
    for _ in range(5000):
        x = x * 10
    return x
values = [{_VALUES}]
"""


@pytest.mark.parametrize("fmt", ["%s", "%d", "<%s>", "%d%%", "a%sb%dc"])
def test_a_constant_format_gives_what_the_helper_gives(fmt):
    # `"<const>" % x` compiles inline; `f % x` with f a variable takes the helper
    n = fmt.count("%s") + fmt.count("%d")
    operand = "v" if n == 1 else "(v, 7)"
    for i in range(15):
        src = _PRELUDE + f'v = values[{i}]\nfmt = "{fmt}"\n'
        try:
            want = ("ok", run(src + f"r = fmt % {operand}\n")["r"])
        except EvalError as e:
            want = ("error", e.msg)
        try:
            got = ("ok", run(src + f'r = "{fmt}" % {operand}\n')["r"])
        except EvalError as e:
            got = ("error", e.msg)
        assert got == want, (fmt, i)


def test_str_and_len_inline_give_what_the_builtins_give():
    for i in range(15):
        src = _PRELUDE + f"v = values[{i}]\ns, n = str, len\n"
        for expr, via in (("str(v)", "s(v)"), ("len(v)", "n(v)")):
            try:
                want = ("ok", run(src + f"r = {via}\n")["r"])
            except EvalError as e:
                want = ("error", e.msg)
            try:
                got = ("ok", run(src + f"r = {expr}\n")["r"])
            except EvalError as e:
                got = ("error", e.msg)
            assert got == want, (expr, i)


def test_huge_ints_are_printed_whole():
    g = run(_PRELUDE + 'a = "%d" % big()\nb = str(big())\nc = "%s|%d" % (big(), -big())\n')
    assert g["a"] == g["b"] == "1" + "0" * 5000
    assert g["c"] == "1" + "0" * 5000 + "|-1" + "0" * 5000


def test_format_operands_are_evaluated_once_in_order():
    src = """
calls = []
def g(x):
    calls.append(x)
    return x
def f():
    return "%s-%d-%s" % (g("a"), g(1) + 1, g("c"))
r = f()
"""
    g = run(src)
    assert g["r"] == "a-2-c"
    assert list(g["calls"]) == ["a", 1, "c"]


# ---------------------------------------------------------------- recursion without a flag


def _non_recursive_names(src: str) -> set[str]:
    """The top-level defs compiled without a recursion flag."""
    from starflow.starlark.compiler import Compiler

    file = parser.parse("t.star", src)
    uni = _universe(frozenset({"set"}))
    resolve.resolve_file(file, lambda n: n == "host", uni.__contains__, frozenset())
    c = Compiler(file, frozenset())
    c.compile_module()
    flagged = {
        c.fdefs[i].name.split("$")[0]
        for i, (_, _, fdef, _) in c.flagged.items()
        if fdef is not None and "$busy" in py_ast.unparse(fdef)
    }
    return {st.name.name for st in file.stmts if type(st) is s.DefStmt} - flagged


def test_functions_whose_callees_cannot_lead_back_need_no_flag():
    src = """
def leaf(x):
    return x + 1
def mid(x):
    return leaf(x) * len([x]) + len("ab".upper())
def top(x):
    return mid(x) + leaf(x)
def selfish(x):
    return selfish(x)
def ping(x):
    return pong(x)
def pong(x):
    return ping(x)
def calls_param(f):
    return f(1)
def passes_itself():
    return calls_param(passes_itself)
def keyed(xs):
    return sorted(xs, key=leaf)
def uses_keyed():
    return keyed([1])
def nested():
    def inner():
        return nested()
    return inner()
def via_host():
    return host(leaf)
alias = leaf
def via_alias():
    return alias(1)
"""
    assert _non_recursive_names(src) == {"leaf", "mid", "top"}


@pytest.mark.parametrize(
    "src",
    [
        "def f(n):\n    return f(n)\nf(1)\n",
        "def f(n):\n    return g(n)\ndef g(n):\n    return f(n)\nf(1)\n",
        "def a(h):\n    return h()\ndef f():\n    return a(f)\nf()\n",
        "def f(x):\n    return sorted([1, 2], key=f)\nf(0)\n",
        "def f():\n    def g():\n        return f()\n    return g()\nf()\n",
        "def f():\n    return (lambda: f())()\nf()\n",
    ],
)
def test_recursion_is_still_an_error_however_it_happens(src):
    assert "called recursively" in error(src)


def test_unpacking_natively_keeps_starlark_errors_and_semantics():
    src = """
def f(x):
    a, b = x
    return [a, b]
"""
    assert to_python(run(src + "r = f((1, 2))\n")["r"]) == [1, 2]
    assert to_python(run(src + "r = f([3, 4])\n")["r"]) == [3, 4]
    assert to_python(run(src + 'r = f({"k": 1, "j": 2})\n')["r"]) == ["k", "j"]
    assert error(src + "f((1, 2, 3))\n") == "too many values to unpack (got 3, want 2)"
    assert error(src + "f([1])\n") == "too few values to unpack (got 1, want 2)"
    assert error(src + 'f("ab")\n') == "got string in sequence assignment"
    assert error(src + "f(1)\n") == "got int in sequence assignment"


def test_methods_of_known_receivers_are_not_call_sites():
    # a list's method cannot reach an external: the loop around it pays up
    # front and holds no call site, and the results are the same
    src = """
def f():
    out = []
    for i in range(40):
        out.append(i)
        out.extend([i])
    d = {}
    for i in range(40):
        d.setdefault(i % 3, []).append(i)
    return [len(out), out[-1], len(d), d[2][-1], "a-b".split("-")]
r = f()
"""
    assert to_python(run(src)["r"]) == [80, 39, 3, 38, ["a", "b"]]
    assert error("def f():\n    x = []\n    x.nope()\nf()\n") == "list has no .nope field or method"
    assert error("def f():\n    x = []\n    x.append(1, 2)\nf()\n") == (
        "append: got 2 arguments, want 1"
    )


def test_shifts_by_a_computed_count_match_python_and_keep_errors():
    src = """
def f(x, n):
    a = x >> (n + 0)
    b = x << (n * 1)
    return [a, b, [x >> (j * 2) for j in range(3)], [(x + j) << j for j in range(3)]]
"""
    for x in (0, 1, -5, 12345, 1 << 70):
        for n in (0, 3, 63, 64, 100, 511):
            got = to_python(run(src + f"r = f({x}, {n})\n")["r"])
            assert got == [
                x >> n,
                x << n,
                [x >> (j * 2) for j in range(3)],
                [(x + j) << j for j in range(3)],
            ]
    assert error(src + "f(1, -1)\n") == "negative shift count: -1"
    assert error(src + "f(1, 512)\n") == "shift count too large: 512"
    assert error(src + "f('a', 1)\n") == "unknown binary op: string >> int"


@pytest.mark.parametrize("fmt", ["{}", "<{}>", "{}{{}}{}", "a{}b{}c"])
def test_a_constant_str_format_gives_what_the_method_gives(fmt):
    n = fmt.replace("{{", "").count("{}")
    call_args = "v" if n == 1 else "v, 7"
    for i in range(15):
        src = _PRELUDE + f'v = values[{i}]\nfmt = "{fmt}"\n'
        try:
            want = ("ok", run(src + f"r = fmt.format({call_args})\n")["r"])
        except EvalError as e:
            want = ("error", e.msg)
        try:
            got = (
                "ok",
                run(src + f'def f():\n    return "{fmt}".format({call_args})\nr = f()\n')["r"],
            )
        except EvalError as e:
            got = ("error", e.msg)
        assert got == want, (fmt, i)


def test_list_and_dict_methods_inline_keep_their_checks():
    assert error("def f():\n    x = []\n    return x.pop()\nf()\n") == (
        "pop: index -1 out of range: empty list"
    )
    assert "during iteration" in error(
        "def f():\n    x = [1]\n    for y in x:\n        x.append(y)\nf()\n"
    )
    assert "during iteration" in error(
        "def f():\n    x = [1]\n    for y in x:\n        x.pop()\nf()\n"
    )
    assert "unhashable" in error("def f():\n    d = {}\n    k = [1]\n    return d.get(k)\nf()\n")
    src = "def f():\n    d = {'a': 1, 2: 'b'}\n    k = 'a'\n"
    src += "    return [d.get(k), d.get(2), d.get('z', 0)]\n"
    assert to_python(run(src + "r = f()\n")["r"]) == [1, "b", 0]


def test_unpacking_a_known_dict_into_keywords_keeps_go_wording():
    src = "def f(**kw):\n    return kw\ndef g():\n    d = {1: 2}\n    return f(**d)\ng()\n"
    assert error(src) == "keywords must be strings, not int"
    src = "def f(a, b):\n    return [a, b]\n"
    src += "def g():\n    d = {'b': 2}\n    return f(1, **d)\nr = g()\n"
    assert to_python(run(src)["r"]) == [1, 2]
    src = "def f(a):\n    return a\ndef g():\n    d = {'a': 2}\n    return f(1, **d)\ng()\n"
    assert error(src) == error(
        src.replace("d = {'a': 2}\n    return f(1, **d)", "return f(1, a=2)")
    )


# ---- element types of owned lists (infer._owned_lists)


def test_an_owned_list_knows_its_elements():
    src = """
def f(n, s):
    out = []
    for i in range(n):
        out.append(i * 2)
    words = s.strip().split(",") if type(s) == "string" else ["x"]
    parts = "a,b".split(",")
    total = 0
    for v in out:
        total += v
    first = parts[0]
    last = out.pop()
    evens = [x for x in out if x % 4 == 0]
    return total
"""
    t = all_types_of(src)
    assert t["out!"] == "owned"
    assert t["out[]"] == "int"
    assert t["v"] == "int"
    assert t["total"] == "int"
    assert t["parts[]"] == "str"
    assert t["first"] == "str"
    assert t["last"] == "int"
    assert t["evens[]"] == "int"


@pytest.mark.parametrize(
    "escape",
    [
        "g(out)",  # given to a function that may add anything
        "keep = out",  # another name for it
        "box = [out]",  # held by another container
        "m = out.append",  # a bound method
        "d = {'k': out}",
        "x = out if n else []",  # (the conditional's value may be it)
    ],
)
def test_a_list_that_escapes_is_not_owned(escape):
    src = f"""
def g(x):
    x.append("a")
def f(n):
    out = [1]
    {escape}
    for v in out:
        pass
    return v
"""
    t = all_types_of(src)
    assert "out[]" not in t
    assert "out!" not in t
    assert "v" not in t


def test_a_list_bound_from_elsewhere_is_not_owned():
    src = """
def f(xs, d):
    a = xs
    b = d["k"]
    c, e = [1], [2]
    for v in a + b:
        pass
    return v
"""
    t = all_types_of(src)
    assert "a[]" not in t
    assert "b[]" not in t
    assert "c[]" not in t  # (bound by unpacking)


def test_element_types_from_every_kind_of_change():
    src = """
def f(n):
    out = [1]
    out.insert(0, 2)
    out[0] = 3
    out.extend([4, 5])
    out += [6]
    out[1] += 7
    mixed = [1]
    mixed.append("x")
    return out
"""
    t = all_types_of(src)
    assert t["out[]"] == "int"
    assert "mixed[]" not in t  # int and str: unknown
