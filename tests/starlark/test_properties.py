"""Properties: Starlark agrees with CPython on the expressions where both languages agree.

Expressions are generated as source text over ints (big and negative),
strings, lists and tuples, with operators whose semantics Starlark shares with
Python. The generator tracks each subexpression's value only to stay inside
the common subset (in-range indexes, nonzero divisors, small repeat counts);
the reference is CPython's own `eval` of the same text. A second family mixes
operand types freely: whenever CPython raises, Starlark must raise an
`EvalError` (never an `InternalError` or a Python exception).
"""

from __future__ import annotations

import warnings

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from starflow.starlark import EvalError, exec_file, to_python
from starflow.starlark.errors import InternalError

SETTINGS = settings(
    deadline=None,
    max_examples=200,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# ---------------------------------------------------------------- helpers


def norm(v):
    """A comparable form that keeps list/tuple and bool/int apart (Python merges the latter)."""
    t = type(v)
    if t is list:
        return ("list", tuple(norm(e) for e in v))
    if t is tuple:
        return ("tuple", tuple(norm(e) for e in v))
    return (t.__name__, v)


def py_eval(text: str):
    """CPython's value of `text`, or the exception it raises."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)  # "perhaps you missed a comma?"
        try:
            return False, eval(text, {"__builtins__": {"len": len}})  # noqa: S307 - generated
        except Exception as e:  # noqa: BLE001 - any failure is an expected outcome
            return True, e


def star_eval(text: str):
    """Starlark's value of `text`: (raised, value or EvalError)."""
    try:
        g = exec_file("e.star", "result = " + text + "\n")
    except InternalError as e:
        raise AssertionError(f"internal error for {text!r}: {e}") from e
    except EvalError as e:
        return True, e
    return False, to_python(g["result"])


def assert_agrees(text: str) -> None:
    py_raised, py_value = py_eval(text)
    st_raised, st_value = star_eval(text)
    if py_raised:
        assert st_raised, f"{text!r}: CPython raised {py_value!r}, Starlark gave {st_value!r}"
    else:
        assert not st_raised, f"{text!r}: CPython gave {py_value!r}, Starlark raised {st_value}"
        assert norm(st_value) == norm(py_value), text


# ---------------------------------------------------------------- typed expression generator
#
# Each node is (text, value); every compound node is fully parenthesised so
# precedence never differs between the languages.

ALPHABET = "abcAB xy,-é"
SMALL_INTS = st.integers(-12, 12)
INTS = st.one_of(SMALL_INTS, st.integers(-(2**80), 2**80), st.integers(-(10**30), 10**30))
TEXTS = st.text(alphabet=ALPHABET, max_size=6)

KINDS = ("int", "str", "ilist", "itup", "slist")


def lit_int(v: int) -> tuple[str, int]:
    return (f"({v})" if v < 0 else str(v)), v


def lit_str(v: str) -> tuple[str, str]:
    return f'"{v}"', v


def render_seq(kind: str, items: list[tuple[str, object]]) -> tuple[str, object]:
    texts = [t for t, _ in items]
    vals = [v for _, v in items]
    if kind in ("ilist", "slist"):
        return "[" + ", ".join(texts) + "]", vals
    if len(texts) == 1:
        return "(" + texts[0] + ",)", tuple(vals)
    return "(" + ", ".join(texts) + ")", tuple(vals)


ELEM = {"ilist": "int", "itup": "int", "slist": "str"}


@st.composite
def leaf(draw, kind: str):
    if kind == "int":
        return lit_int(draw(INTS))
    if kind == "str":
        return lit_str(draw(TEXTS))
    if kind == "bool":
        v = draw(st.booleans())
        return str(v), v
    n = draw(st.integers(0, 3))
    items = [draw(leaf(ELEM[kind])) for _ in range(n)]
    return render_seq(kind, items)


@st.composite
def expr(draw, kind: str, depth: int):
    if depth <= 0 or draw(st.integers(0, 3)) == 0:
        return draw(leaf(kind))
    d = depth - 1
    return draw(BUILDERS[kind](d))


def sub(kind: str, depth: int):
    return expr(kind, depth)


@st.composite
def cond_expr(draw, kind: str, depth: int):
    ct, cv = draw(sub("bool", depth))
    at, av = draw(sub(kind, depth))
    bt, bv = draw(sub(kind, depth))
    return f"({at} if {ct} else {bt})", (av if cv else bv)


@st.composite
def index_expr(draw, kind: str, elem_depth: int):
    """seq[i] with i in range, for a non-empty sequence of `kind`."""
    st_, sv = draw(sub(kind, elem_depth))
    if len(sv) == 0:
        return None
    i = draw(st.integers(-len(sv), len(sv) - 1))
    it, _ = lit_int(i)
    return f"{st_}[{it}]", sv[i]


@st.composite
def slice_expr(draw, kind: str, depth: int):
    st_, sv = draw(sub(kind, depth))
    lo = draw(st.one_of(st.none(), st.integers(-8, 8)))
    hi = draw(st.one_of(st.none(), st.integers(-8, 8)))
    step = draw(st.one_of(st.none(), st.integers(-3, 3).filter(bool)))
    text = "{}[{}:{}{}]".format(
        st_,
        "" if lo is None else lit_int(lo)[0],
        "" if hi is None else lit_int(hi)[0],
        "" if step is None else ":" + lit_int(step)[0],
    )
    return text, sv[lo:hi:step]


@st.composite
def int_node(draw, d: int):
    op = draw(st.sampled_from(["+", "-", "*", "//", "%", "neg", "len", "find", "index", "cond"]))
    if op in ("+", "-", "*", "//", "%"):
        at, av = draw(sub("int", d))
        bt, bv = draw(sub("int", d))
        if op in ("//", "%") and bv == 0:
            bt, bv = "7", 7
        v = {
            "+": lambda: av + bv,
            "-": lambda: av - bv,
            "*": lambda: av * bv,
            "//": lambda: av // bv,
            "%": lambda: av % bv,
        }[op]()
        return f"({at} {op} {bt})", v
    if op == "neg":
        at, av = draw(sub("int", d))
        return f"(-{at})", -av
    if op == "len":
        kind = draw(st.sampled_from(["str", "ilist", "itup", "slist"]))
        at, av = draw(sub(kind, d))
        return f"len({at})", len(av)
    if op == "find":
        at, av = draw(sub("str", d))
        bt, bv = draw(sub("str", d))
        if draw(st.booleans()):
            start = draw(st.integers(0, len(av)))
            return f"{at}.find({bt}, {start})", av.find(bv, start)
        return f"{at}.find({bt})", av.find(bv)
    if op == "index":
        r = draw(index_expr(draw(st.sampled_from(["ilist", "itup"])), d))
        if r is not None:
            return r
        return draw(leaf("int"))
    return draw(cond_expr("int", d))


@st.composite
def str_node(draw, d: int):
    op = draw(
        st.sampled_from(
            ["+", "*", "slice", "index", "upper", "lower", "strip", "replace", "join", "cond"]
        )
    )
    if op == "+":
        at, av = draw(sub("str", d))
        bt, bv = draw(sub("str", d))
        return f"({at} + {bt})", av + bv
    if op == "*":
        at, av = draw(sub("str", d))
        k = draw(st.integers(-1, 3))
        if draw(st.booleans()):
            return f"({at} * {lit_int(k)[0]})", av * k
        return f"({lit_int(k)[0]} * {at})", k * av
    if op == "slice":
        return draw(slice_expr("str", d))
    if op == "index":
        r = draw(index_expr("str", d))
        return r if r is not None else draw(leaf("str"))
    if op in ("upper", "lower"):
        at, av = draw(sub("str", d))
        return f"{at}.{op}()", getattr(av, op)()
    if op == "strip":
        at, av = draw(sub("str", d))
        if draw(st.booleans()):
            chars = draw(st.text(alphabet=ALPHABET, min_size=1, max_size=3))
            return f'{at}.strip("{chars}")', av.strip(chars)
        return f"{at}.strip()", av.strip()
    if op == "replace":
        at, av = draw(sub("str", d))
        old = draw(st.text(alphabet=ALPHABET, max_size=2))
        new = draw(st.text(alphabet=ALPHABET, max_size=2))
        if draw(st.booleans()):
            n = draw(st.integers(-1, 3))
            return f'{at}.replace("{old}", "{new}", {lit_int(n)[0]})', av.replace(old, new, n)
        return f'{at}.replace("{old}", "{new}")', av.replace(old, new)
    if op == "join":
        at, av = draw(sub("str", d))
        bt, bv = draw(sub("slist", d))
        return f"{at}.join({bt})", av.join(bv)
    return draw(cond_expr("str", d))


def seq_node(kind: str):
    @st.composite
    def build(draw, d: int):
        ops = ["+", "*", "slice", "literal", "cond"]
        if kind == "slist":
            ops.append("split")
        op = draw(st.sampled_from(ops))
        if op == "+":
            at, av = draw(sub(kind, d))
            bt, bv = draw(sub(kind, d))
            return f"({at} + {bt})", av + bv
        if op == "*":
            at, av = draw(sub(kind, d))
            k = draw(st.integers(-1, 3))
            return f"({at} * {lit_int(k)[0]})", av * k
        if op == "slice":
            return draw(slice_expr(kind, d))
        if op == "literal":
            n = draw(st.integers(0, 3))
            return render_seq(kind, [draw(sub(ELEM[kind], d)) for _ in range(n)])
        if op == "split":
            at, av = draw(sub("str", d))
            if draw(st.booleans()):
                return f"{at}.split()", av.split()
            sep = draw(st.text(alphabet=ALPHABET, min_size=1, max_size=2))
            if draw(st.booleans()):
                n = draw(st.integers(-1, 3))
                return f'{at}.split("{sep}", {lit_int(n)[0]})', av.split(sep, n)
            return f'{at}.split("{sep}")', av.split(sep)
        return draw(cond_expr(kind, d))

    return build


@st.composite
def bool_node(draw, d: int):
    op = draw(st.sampled_from(["cmp", "in", "startswith", "not", "and", "or"]))
    if op == "cmp":
        kind = draw(st.sampled_from(KINDS))
        at, av = draw(sub(kind, d))
        bt, bv = draw(sub(kind, d))
        cop = draw(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
        v = {
            "<": av < bv,
            "<=": av <= bv,
            ">": av > bv,
            ">=": av >= bv,
            "==": av == bv,
            "!=": av != bv,
        }[cop]
        return f"({at} {cop} {bt})", v
    if op == "in":
        kind = draw(st.sampled_from(["str", "ilist", "itup", "slist"]))
        ct, cv = draw(sub(kind, d))
        et, ev = draw(sub("str" if kind in ("str", "slist") else "int", d))
        if draw(st.booleans()):
            return f"({et} in {ct})", ev in cv
        return f"({et} not in {ct})", ev not in cv
    if op == "startswith":
        at, av = draw(sub("str", d))
        bt, bv = draw(sub("str", d))
        return f"{at}.startswith({bt})", av.startswith(bv)
    if op == "not":
        at, av = draw(sub("bool", d))
        return f"(not {at})", not av
    at, av = draw(sub("bool", d))
    bt, bv = draw(sub("bool", d))
    return f"({at} {op} {bt})", (av and bv) if op == "and" else (av or bv)


BUILDERS = {
    "int": int_node,
    "str": str_node,
    "ilist": seq_node("ilist"),
    "itup": seq_node("itup"),
    "slist": seq_node("slist"),
    "bool": bool_node,
}


@st.composite
def typed_expression(draw):
    kind = draw(st.sampled_from([*KINDS, "bool"]))
    text, value = draw(expr(kind, 4))
    return text, value


# ---------------------------------------------------------------- properties


@SETTINGS
@given(typed_expression())
@example(("(-3) // 2", -2))
@example(("(-7) % 3", 2))
@example(('"aé".upper()', "AÉ"))
@example(('"".find("", 0)', 0))
@example(('"a,b".split(",", (-1))', ["a", "b"]))
@example(("((1, 2) * (-1))", ()))
def test_typed_expression_agrees_with_cpython(case):
    text, value = case
    py_raised, py_value = py_eval(text)
    assert not py_raised, f"generator bug: {text!r} raised {py_value!r}"
    assert norm(py_value) == norm(value), f"generator bug: {text!r}"
    st_raised, st_value = star_eval(text)
    assert not st_raised, f"{text!r}: Starlark raised {st_value}"
    assert norm(st_value) == norm(py_value), text


@st.composite
def risky_expression(draw):
    """Operands of any kind (but bool) under any operator: may or may not raise in CPython."""
    kind_a = draw(st.sampled_from(KINDS))
    kind_b = draw(st.sampled_from(KINDS))
    at, av = draw(expr(kind_a, 2))
    bt, bv = draw(expr(kind_b, 2))
    op = draw(st.sampled_from(["+", "-", "*", "//", "%", "<", ">=", "==", "in", "[]", "[:]"]))
    if op == "*":
        # A sequence repeated by a large count would exhaust memory in CPython;
        # one past sys.maxsize is an OverflowError there even for an empty
        # sequence, which Starlark (as Go) repeats to an empty one.
        for x, y in ((av, bv), (bv, av)):
            if type(x) is int and type(y) is not int and not -3 <= x <= 3:
                if abs(x) <= 2**64 or len(y) == 0:
                    return f"({at} * 2)"
    if op == "%" and type(av) is str:
        op = "//"  # str % is formatting in both languages, with different rules
    if op == "[]":
        return f"{at}[{bt}]"
    if op == "[:]" and not (type(bv) is int and abs(bv) >= 2**31):
        # CPython clamps any slice bound; Starlark (as Go) rejects one beyond int32
        return f"{at}[{bt}:]"
    if op == "[:]":
        return f"{at}[{bt}]"
    return f"({at} {op} {bt})"


@SETTINGS
@given(risky_expression())
@example("(1 // 0)")
@example("(5 % 0)")
@example('(1 in "abc")')
@example("([1] + (1,))")
@example('([1] < ["a"])')
@example('([] < ["a"])')
@example('("abc"[7])')
@example('("a" * 1000000000000000000000000000000)')
@example("([1, 2][(-3)])")
@example('("ab" * 18446744073709551617)')
@example('("ab"["a":])')
@example('""[2147483647:]')
@example("(1[2])")
@example('((1,) - "x")')
def test_expression_raising_in_cpython_raises_eval_error_in_starlark(text):
    assert_agrees(text)


# ---------------------------------------------------------------- function bodies


PARAMS = ("a", "b", "c")


@st.composite
def int_operand(draw, names: list[str]):
    if names and draw(st.integers(0, 2)):
        return draw(st.sampled_from(names))
    return lit_int(draw(SMALL_INTS))[0]


@st.composite
def body_expr(draw, names: list[str], depth: int = 2):
    if depth == 0 or draw(st.booleans()):
        return draw(int_operand(names))
    op = draw(st.sampled_from(["+", "-", "*", "//", "%", "neg", "cond"]))
    if op == "neg":
        return f"(-{draw(body_expr(names, depth - 1))})"
    if op == "cond":
        c = draw(condition(names))
        return (
            f"({draw(body_expr(names, depth - 1))} if {c} else {draw(body_expr(names, depth - 1))})"
        )
    lhs = draw(body_expr(names, depth - 1))
    if op == "*":
        # keep growth bounded: one side is a small literal or a parameter
        rhs = draw(st.one_of(st.sampled_from(PARAMS), SMALL_INTS.map(lambda v: lit_int(v)[0])))
    else:
        rhs = draw(body_expr(names, depth - 1))
    return f"({lhs} {op} {rhs})"


@st.composite
def condition(draw, names: list[str]):
    a = draw(int_operand(names))
    b = draw(int_operand(names))
    return f"({a} {draw(st.sampled_from(['<', '<=', '==', '!=', '>', '>=']))} {b})"


@st.composite
def statements(draw, names: list[str], indent: str, depth: int, loops: list[int]):
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["assign", "assign", "aug", "if", "for"]))
        if kind in ("if", "for") and depth >= 2:
            kind = "assign"
        if kind == "assign":
            target = draw(st.sampled_from(["x", "y", "z"]))
            lines.append(f"{indent}{target} = {draw(body_expr(names))}")
            if target not in names:
                names.append(target)
        elif kind == "aug":
            target = draw(st.sampled_from(names))
            op = draw(st.sampled_from(["+=", "-=", "//=", "%="]))
            lines.append(f"{indent}{target} {op} {draw(body_expr(names))}")
        elif kind == "if":
            lines.append(f"{indent}if {draw(condition(names))}:")
            lines += draw(statements(list(names), indent + "    ", depth + 1, loops))
            if draw(st.booleans()):
                lines.append(f"{indent}else:")
                lines += draw(statements(list(names), indent + "    ", depth + 1, loops))
        else:
            var = f"i{len(loops)}"
            loops.append(1)
            lines.append(f"{indent}for {var} in range({draw(st.integers(0, 3))}):")
            lines += draw(statements([*names, var], indent + "    ", depth + 1, loops))
    return lines


@st.composite
def function_program(draw):
    names = list(PARAMS)
    body = draw(statements(names, "    ", 0, []))
    body.append(f"    return {draw(body_expr(names))}")
    args = [draw(INTS) for _ in PARAMS]
    return "def f(a, b, c):\n" + "\n".join(body) + "\n", args


def run_python_function(src: str, args: list[int]):
    ns: dict = {"__builtins__": {"range": range}}
    exec(src, ns)  # noqa: S102 - generated text
    try:
        return False, ns["f"](*args)
    except Exception as e:  # noqa: BLE001
        return True, e


def run_starlark_program(src: str):
    try:
        g = exec_file("f.star", src)
    except InternalError as e:
        raise AssertionError(f"internal error:\n{src}\n{e}") from e
    except EvalError as e:
        return True, e
    return False, g["result"]


@SETTINGS
@given(function_program())
@example(("def f(a, b, c):\n    x = a // (b - b)\n    return x\n", [1, 2, 3]))
@example(
    (
        "def f(a, b, c):\n    if a < b:\n        x = 1\n    return x\n",
        [2, 1, 0],
    )
)
@example(
    (
        "def f(a, b, c):\n    x = a\n    for i0 in range(3):\n        x -= (-7) % c\n"
        "    return (x * b)\n",
        [-(2**80), 3, -5],
    )
)
def test_function_body_over_ints_agrees_with_python(case):
    src, args = case
    py_raised, py_value = run_python_function(src, args)
    star_src = src + "result = f(" + ", ".join(lit_int(a)[0] for a in args) + ")\n"
    st_raised, st_value = run_starlark_program(star_src)
    if py_raised:
        assert st_raised, f"Python raised {py_value!r}, Starlark gave {st_value!r}:\n{star_src}"
    else:
        assert not st_raised, (
            f"Starlark raised {st_value} but Python gave {py_value!r}:\n{star_src}"
        )
        assert type(st_value) is type(py_value)
        assert st_value == py_value, star_src
