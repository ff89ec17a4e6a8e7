"""Unit tests of starflow.starlark.universe: built-in functions and list/dict/set methods."""

from __future__ import annotations

import math
import re

import pytest

from starflow.starlark import ops, universe
from starflow.starlark.errors import EvalError
from starflow.starlark.values import Builtin, Dict, List, Module, Set, freeze

U = universe.UNIVERSE_SET
NAN = float("nan")


def fails(msg: str):
    return pytest.raises(EvalError, match="^" + re.escape(msg) + "$")


def S(*xs):
    return Set.fromkeys(xs)


def call(name, *args, **kwargs):
    return U[name](*args, **kwargs)


def method(recv, name, *args, **kwargs):
    return ops.getattr_(recv, name)(*args, **kwargs)


# --- the universe ---------------------------------------------------------


def test_universe_holds_constants_and_builtins():
    assert U["None"] is None
    assert U["True"] is True
    assert U["False"] is False
    for name, v in U.items():
        if name not in ("None", "True", "False"):
            assert type(v) is Builtin
            assert v.name == name
            assert v.recv is None


def test_set_exists_only_with_the_set_option():
    assert "set" not in universe.UNIVERSE
    assert "set" not in universe.universe(frozenset())
    assert "set" in universe.universe(frozenset({"set"}))
    d = universe.universe()
    d["x"] = 1
    assert "x" not in universe.UNIVERSE


def test_universe_has_every_builtin_of_the_spec():
    names = (
        "abs any all bool bytes chr dict dir enumerate fail float getattr hasattr hash int "
        "len list max min ord print range repr reversed set sorted str tuple type zip"
    ).split()
    assert sorted(n for n in U if n not in ("None", "True", "False")) == sorted(names)


# --- simple built-ins -----------------------------------------------------


def test_abs():
    assert call("abs", -3) == 3
    assert call("abs", -2.5) == 2.5
    assert call("abs", 10**30) == 10**30
    with fails("got string, want int or float"):
        call("abs", "x")
    with fails("got bool, want int or float"):
        call("abs", True)


def test_any_and_all():
    assert call("any", List([0, "", 1]))
    assert not call("any", List())
    assert call("all", (1, "a"))
    assert not call("all", S(0))
    assert call("all", Dict())
    with fails("any: for parameter 1: got int, want iterable"):
        call("any", 1)
    with fails("all: for parameter 1: got string, want iterable"):
        call("all", "abc")


def test_bool():
    assert call("bool") is False
    assert call("bool", List([0])) is True
    assert call("bool", 0.0) is False


def test_bytes():
    assert call("bytes", "hé") == "hé".encode()
    assert call("bytes", b"x") == b"x"
    assert call("bytes", List([65, 66])) == b"AB"
    assert call("bytes", range(97, 99)) == b"ab"
    assert call("bytes", "a\ud800") == b"a\xef\xbf\xbd"
    with fails("bytes: got int, want string, bytes, or iterable of ints"):
        call("bytes", 65)
    with fails("bytes: at index 1, got string, want int"):
        call("bytes", List([1, "a"]))
    with fails("bytes: at index 0, 256 out of range (want value in unsigned 8-bit range)"):
        call("bytes", List([256]))


def test_chr():
    assert call("chr", 65) == "A"
    assert call("chr", 0x1F600) == "😀"
    assert call("chr", 0xD800) == "\ufffd"
    with fails("chr: got string, want int"):
        call("chr", "a")
    with fails("chr: Unicode code point -1 out of range (<0)"):
        call("chr", -1)
    with fails("chr: Unicode code point U+110000 out of range (>0x10FFFF)"):
        call("chr", 0x110000)
    with fails("chr: 4294967296 out of range"):
        call("chr", 2**32)


def test_dict():
    assert call("dict") == {}
    d = call("dict", List([(1, 2), List(["a", "b"])]), x=3)
    assert type(d) is Dict
    assert list(d.items()) == [(1, 2), ("a", "b"), ("x", 3)]
    src = Dict(a=1)
    copy = call("dict", src)
    assert copy == src
    assert copy is not src
    assert call("dict", List([("a", 1)]), a=2) == {"a": 2}


@pytest.mark.parametrize(
    ("args", "msg"),
    [
        ((1,), "dict: got int, want iterable"),
        ((List([1]),), "dict: dictionary update sequence element #0 is not iterable (int)"),
        ((List(["ab"]),), "dict: dictionary update sequence element #0 is not iterable (string)"),
        ((List([(1, 2, 3)]),), "dict: dictionary update sequence element #0 has length 3, want 2"),
        ((List([(List(), 1)]),), "dict: unhashable type: list"),
        ((List(), List()), "dict: got 2 arguments, want at most 1"),
    ],
)
def test_dict_errors(args, msg):
    with fails(msg):
        call("dict", *args)


def test_dir():
    assert call("dir", Dict())[:3] == ["clear", "get", "items"]
    assert type(call("dir", 1)) is List


def test_enumerate():
    r = call("enumerate", List(["a", "b"]))
    assert type(r) is List
    assert r == [(0, "a"), (1, "b")]
    assert call("enumerate", ("x",), 5) == [(5, "x")]
    with fails("enumerate: for parameter 1: got int, want iterable"):
        call("enumerate", 1)
    with fails("enumerate: for parameter 2: got string, want int"):
        call("enumerate", List(), "1")


def test_fail_joins_its_arguments_as_print_does():
    with fails('fail: oops 1 ["x"] None'):
        call("fail", "oops", 1, List(["x"]), None)
    with fails("fail: a-b"):
        call("fail", "a", "b", sep="-")
    with fails("fail: "):
        call("fail")
    with fails('fail: for parameter "sep": got int, want string'):
        call("fail", "a", sep=1)


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        (1, 1.0),
        (True, 1.0),
        (False, 0.0),
        (2.5, 2.5),
        ("1.5", 1.5),
        ("-1e3", -1000.0),
        (".5", 0.5),
        ("5.", 5.0),
        ("+2E-1", 0.2),
        ("inf", math.inf),
        ("-Infinity", -math.inf),
        ("+INF", math.inf),
    ],
)
def test_float_converts_numbers_and_strings(arg, expected):
    assert call("float", arg) == expected


def test_float_parses_nan_and_defaults_to_zero():
    assert math.isnan(call("float", "NaN"))
    assert math.isnan(call("float", "-nan"))
    assert call("float") == 0.0


@pytest.mark.parametrize(
    ("arg", "msg"),
    [
        ("", "float: empty string"),
        ("abc", "invalid float literal: abc"),
        (" 1", "invalid float literal:  1"),
        ("1_0", "invalid float literal: 1_0"),
        ("1e400", "floating-point number too large"),  # (Go: no "float:" here)
        (10**400, "int too large to convert to float"),
        (None, "float got NoneType, want number or string"),
    ],
)
def test_float_errors(arg, msg):
    with fails(msg):
        call("float", arg)


def test_getattr_and_hasattr():
    assert call("getattr", "abc", "upper")() == "ABC"
    assert call("getattr", 1, "x", "dflt") == "dflt"
    assert call("hasattr", List(), "append")
    assert not call("hasattr", List(), "x")
    with fails("getattr: int has no .x field or method"):
        call("getattr", 1, "x")
    with fails("getattr: for parameter 2: got int, want string"):
        call("getattr", 1, 2)
    with fails("hasattr: for parameter 2: got int, want string"):
        call("hasattr", 1, 2)


def test_hash_is_deterministic_for_strings_and_bytes_only():
    assert call("hash", "a") == 97
    assert call("hash", b"") == 2166136261
    with fails("hash: got list, want string or bytes"):
        call("hash", List())


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        ((7,), {}, 7),
        ((True,), {}, 1),
        ((-2.9,), {}, -2),
        ((1e20,), {}, 100000000000000000000),
        (("21",), {}, 21),
        (("-21",), {}, -21),
        (("+7",), {}, 7),
        (("1234", 16), {}, 4660),
        (("0x1234", 16), {}, 4660),
        (("0x1234", 0), {}, 4660),
        (("0b0", 16), {}, 176),
        (("0b111", 0), {}, 7),
        (("0o17", 0), {}, 15),
        (("-0X1f", 0), {}, -31),
        (("0", 0), {}, 0),
        (("000", 0), {}, 0),
        (("0755",), {}, 755),
        (("z", 36), {}, 35),
        ((), {"x": "12", "base": 8}, 10),
        (("9" * 50,), {}, int("9" * 50)),
    ],
)
def test_int_converts_numbers_and_parses_strings(args, kwargs, expected):
    assert call("int", *args, **kwargs) == expected


@pytest.mark.parametrize(
    ("args", "msg"),
    [
        (("0x1234",), "int: invalid literal with base 10: 0x1234"),
        (("0755", 0), "int: invalid literal with base 0: 0755"),
        (("",), "int: invalid literal with base 10: "),
        (("-",), "int: invalid literal with base 10: -"),
        (("1_000",), "int: invalid literal with base 10: 1_000"),
        ((" 1",), "int: invalid literal with base 10:  1"),
        (("--1",), "int: invalid literal with base 10: --1"),
        (("0x",), "int: invalid literal with base 10: 0x"),
        (("٣",), "int: invalid literal with base 10: ٣"),
        (("12", 2), "int: invalid literal with base 2: 12"),
        (("1", 1), "int: base must be an integer >= 2 && <= 36"),
        (("1", 37), "int: base must be an integer >= 2 && <= 36"),
        (("1", "10"), "int: for base, got string, want int"),
        ((1, 10), "int: can't convert non-string with explicit base"),
        ((NAN,), "int: cannot convert float NaN to integer"),
        ((math.inf,), "int: cannot convert float infinity to integer"),
        ((None,), "int: cannot convert NoneType to int"),
    ],
)
def test_int_errors(args, msg):
    with fails(msg):
        call("int", *args)


def test_len():
    for v, n in (("héllo", 5), (b"ab", 2), ((1,), 1), (List(), 0), (Dict(a=1), 1), (S(1, 2), 2)):
        assert call("len", v) == n
    assert call("len", range(0, 10, 3)) == 4
    with fails("len: value of type int has no len"):
        call("len", 1)


def test_list_tuple_and_reversed():
    assert call("list") == []
    assert type(call("list")) is List
    assert call("list", (1, 2)) == [1, 2]
    assert type(call("list", (1,))) is List
    assert call("list", Dict(a=1, b=2)) == ["a", "b"]
    assert call("tuple") == ()
    assert call("tuple", List([1])) == (1,)
    t = (1, 2)
    assert call("tuple", t) is t
    assert call("reversed", range(3)) == [2, 1, 0]
    assert type(call("reversed", ())) is List
    with fails("list: for parameter 1: got string, want iterable"):
        call("list", "ab")
    with fails("tuple: for parameter 1: got int, want iterable"):
        call("tuple", 1)
    with fails("reversed: for parameter 1: got NoneType, want iterable"):
        call("reversed", None)


def test_min_and_max():
    assert call("max", List([3, 1, 4, 1, 5])) == 5
    assert call("min", 3, 1.5, 2) == 1.5
    assert call("max", "two", "three", "four") == "two"
    assert call("max", "two", "three", "four", key=len) == "three"
    assert call("min", "two", "three", "four", key=len) == "two"
    assert call("max", List([1, 1.0])) == 1  # the first of equal maxima
    assert call("max", List([1, NAN])) is NAN


@pytest.mark.parametrize(
    ("name", "args", "kwargs", "msg"),
    [
        ("max", (), {}, "max requires at least one positional argument"),
        ("min", (List(),), {}, "min: argument is an empty sequence"),
        ("max", (1,), {}, "max: int value is not iterable"),
        ("max", (1, "a"), {}, "max: string > int not implemented"),
        ("min", (List([1, "a"]),), {}, "min: string < int not implemented"),
        ("max", (1, 2), {"key": 3}, 'max: for parameter "key": got int, want callable'),
        ("min", ([1],), {"key": None}, 'min: for parameter "key": got NoneType, want callable'),
    ],
)
def test_min_and_max_errors(name, args, kwargs, msg):
    with fails(msg):
        call(name, *args, **kwargs)


def test_ord():
    assert call("ord", "A") == 65
    assert call("ord", "😀") == 0x1F600
    assert call("ord", b"\xff") == 255
    with fails("ord: string encodes 2 Unicode code points, want 1"):
        call("ord", "ab")
    with fails("ord: string encodes 0 Unicode code points, want 1"):
        call("ord", "")
    with fails("ord: bytes has length 0, want 1"):
        call("ord", b"")
    with fails("ord: got int, want string or bytes"):
        call("ord", 1)


def test_print_goes_to_the_hook_looked_up_at_call_time(capsys):
    got = []
    universe.set_print_hook(got.append)
    try:
        assert call("print", "hi", 1, List(["x"]), sep=", ") is None
        call("print")
    finally:
        universe.set_print_hook(None)
    assert got == ['hi, 1, ["x"]', ""]
    call("print", "out", b"b")
    assert capsys.readouterr().out == "out b\n"
    with fails('print: for parameter "sep": got NoneType, want string'):
        call("print", sep=None)


def test_range():
    assert call("range", 3) == range(3)
    assert call("range", 1, 5) == range(1, 5)
    assert call("range", 10, 3, -2) == range(10, 3, -2)
    with fails("range: step argument must not be zero"):
        call("range", 1, 5, 0)
    with fails("range: for parameter 1: got string, want int"):
        call("range", "3")
    # as Go on a 64-bit machine: bounds are signed 64-bit ints
    assert call("range", 0, 2**32, 2**31) == range(0, 2**32, 2**31)
    assert len(call("range", 2**63 - 1)) == 2**63 - 1
    bits64 = "out of range (want value in signed 64-bit range)"
    with fails(f"range: for parameter 2: 9223372036854775808 {bits64}"):
        call("range", 0, 2**63)
    with fails(f"range: for parameter 1: -9223372036854775809 {bits64}"):
        call("range", -(2**63) - 1)
    with fails(f"range: range(-{2**63}, {2**63 - 1}) has more than {2**63 - 1} elements"):
        call("range", -(2**63), 2**63 - 1)
    with fails("range: for parameter 3: got float, want int"):
        call("range", 0, 1, 1.0)


def test_repr_str_and_type():
    assert call("repr", "x") == '"x"'
    assert call("repr", List([1, "x"])) == '[1, "x"]'
    assert call("str", "x") == "x"
    assert call("str", 1) == "1"
    assert call("str", List(["x"])) == '["x"]'
    assert call("str", b"a\xffb") == "a\ufffdb"
    assert call("type", None) == "NoneType"
    assert call("type", S()) == "set"


def test_set_builtin():
    s = call("set", List([3, 1, 3, 2]))
    assert type(s) is Set
    assert list(s) == [3, 1, 2]
    assert call("set") == S()
    assert list(call("set", Dict(k1=1, k2=2))) == ["k1", "k2"]
    with fails("set: unhashable type: list"):
        call("set", List([List()]))
    with fails("set: for parameter 1: got int, want iterable"):
        call("set", 1)


def test_sorted():
    assert call("sorted", List([3, 1, 2])) == [1, 2, 3]
    assert type(call("sorted", ())) is List
    assert call("sorted", List([3, 1, 2]), reverse=True) == [3, 2, 1]
    assert call("sorted", List(["two", "three", "four"]), key=len) == ["two", "four", "three"]
    assert call("sorted", List(["b", "a"]), len, True) == ["b", "a"]  # as Go: positional ok
    with fails('sorted: for parameter "key": got NoneType, want callable'):  # as Go
        call("sorted", List(["b", "a"]), None, True)
    with fails('sorted: for parameter "reverse": got int, want bool'):
        call("sorted", List(["b", "a"]), reverse=1)
    assert call("sorted", List([1, NAN, -math.inf, 0.5]))[:3] == [-math.inf, 0.5, 1]
    assert call("sorted", List([(2, "b"), (1, "z"), (2, "a")])) == [(1, "z"), (2, "a"), (2, "b")]
    assert call("sorted", List([True, False])) == [False, True]
    assert call("sorted", Dict(b=1, a=2)) == ["a", "b"]


def test_sorted_is_stable_in_both_directions():
    words = List(["bb", "a", "cc", "d"])
    assert call("sorted", words, key=len) == ["a", "d", "bb", "cc"]
    assert call("sorted", words, key=len, reverse=True) == ["bb", "cc", "a", "d"]
    mixed = List([(1, "x"), (0, "y"), (1, "w")])
    assert call("sorted", mixed, key=lambda t: (t[0],)) == [(0, "y"), (1, "x"), (1, "w")]


def test_sorted_calls_the_key_once_per_element_in_order():
    seen = []

    def key(x):
        seen.append(x)
        return -x

    assert call("sorted", List([1, 3, 2]), key=key) == [3, 2, 1]
    assert seen == [1, 3, 2]


def test_sorted_holds_the_iteration_guard_while_the_key_runs():
    lst = List([1, 2])

    def key(x):
        method(lst, "append", 3)

    with fails("append: cannot append to list during iteration"):
        call("sorted", lst, key=key)
    assert lst.itercount == 0


def test_sorted_errors():
    # (Go's message: no "sorted:", and its sort's last failed comparison)
    with fails("string < int not implemented"):
        call("sorted", List([1, "a"]))
    with fails("sorted: for parameter iterable: got int, want iterable"):
        call("sorted", 1)
    with fails('sorted: for parameter "key": got int, want callable'):
        call("sorted", List(), key=1)
    with fails("dict < dict not implemented"):
        call("sorted", List([Dict(), Dict()]))


def test_zip():
    r = call("zip", range(3), List(["a", "b"]))
    assert type(r) is List
    assert r == [(0, "a"), (1, "b")]
    assert call("zip") == []
    assert call("zip", (1,)) == [(1,)]
    with fails("zip: argument #2 is not iterable: int"):
        call("zip", List(), 1)


# --- list methods ---------------------------------------------------------


def test_list_methods():
    x = List()
    assert method(x, "append", 1) is None
    method(x, "extend", (2, 3))
    method(x, "extend", x)
    assert x == [1, 2, 3, 1, 2, 3]
    assert method(x, "index", 3) == 2
    assert method(x, "index", 1, 1) == 3
    assert method(x, "index", 3, -2) == 5
    assert method(x, "index", 1, None, 1) == 0
    method(x, "insert", 0, "a")
    method(x, "insert", -1, "b")
    method(x, "insert", 100, "c")
    method(x, "insert", -100, "d")
    assert x == ["d", "a", 1, 2, 3, 1, 2, "b", 3, "c"]
    assert method(x, "pop") == "c"
    assert method(x, "pop", 0) == "d"
    assert method(x, "pop", -2) == "b"
    method(x, "remove", 1)
    assert x == ["a", 2, 3, 1, 2, 3]
    method(x, "clear")
    assert x == []


@pytest.mark.parametrize(
    ("name", "args", "msg"),
    [
        ("index", (9,), "index: value not in list"),
        ("index", (True,), "index: value not in list"),
        ("index", (1, "a"), "index: invalid start index: got string, want int"),
        ("index", (1, 0, 1.5), "index: invalid end index: got float, want int"),
        ("insert", ("0", 1), "insert: for parameter 1: got string, want int"),
        ("pop", (3,), "pop: list index 3 out of range [-2:1]"),
        ("pop", ("a",), "pop: for parameter 1: got string, want int"),
        ("remove", (9,), "remove: element not found"),
        ("extend", (1,), "extend: for parameter 1: got int, want iterable"),
    ],
)
def test_list_method_errors(name, args, msg):
    with fails(msg):
        method(List([1, 2]), name, *args)


def test_pop_of_an_empty_list_fails():
    with fails("pop: index -1 out of range: empty list"):
        method(List(), "pop")


@pytest.mark.parametrize(
    ("name", "args", "verb"),
    [
        ("append", (1,), "append to"),
        ("clear", (), "clear"),
        ("extend", ((1,),), "extend"),
        ("insert", (0, 1), "insert into"),
        ("pop", (), "pop from"),
        ("remove", (1,), "remove from"),
    ],
)
def test_list_mutators_respect_freezing_and_iteration(name, args, verb):
    x = List([1])
    ops.iterate(x)
    with fails(f"{name}: cannot {verb} list during iteration"):
        method(x, name, *args)
    ops.iter_done(x)
    freeze(x)
    with fails(f"{name}: cannot {verb} frozen list"):
        method(x, name, *args)


# --- dict methods ---------------------------------------------------------


def test_dict_methods():
    d = Dict(a=1, b=2)
    assert method(d, "get", "a") == 1
    assert method(d, "get", "z") is None
    assert method(d, "get", "z", 0) == 0
    assert method(d, "items") == [("a", 1), ("b", 2)]
    assert type(method(d, "items")) is List
    assert method(d, "keys") == ["a", "b"]
    assert method(d, "values") == [1, 2]
    assert method(d, "setdefault", "a", 9) == 1
    assert method(d, "setdefault", "c") is None
    assert d["c"] is None
    assert method(d, "pop", "c") is None
    assert method(d, "pop", "z", 7) == 7
    method(d, "update", List([("b", 3)]), z=26)
    assert d == {"a": 1, "b": 3, "z": 26}
    assert method(d, "popitem") == ("a", 1)
    method(d, "clear")
    assert d == {}


@pytest.mark.parametrize(
    ("name", "args", "msg"),
    [
        ("get", (List(),), "get: unhashable type: list"),
        ("pop", ("z",), "pop: missing key"),
        ("pop", (List(),), "pop: unhashable type: list"),
        ("setdefault", (Dict(),), "setdefault: unhashable type: dict"),
        ("update", (1,), "update: got int, want iterable"),
        ("update", ((), ()), "update: got 2 arguments, want at most 1"),
    ],
)
def test_dict_method_errors(name, args, msg):
    with fails(msg):
        method(Dict(a=1), name, *args)


def test_popitem_of_an_empty_dict_fails():
    with fails("popitem: empty dict"):
        method(Dict(), "popitem")


@pytest.mark.parametrize(
    ("name", "args", "verb"),
    [
        ("clear", (), "clear"),
        ("pop", ("a",), "delete from"),
        ("popitem", (), "delete from"),
        ("setdefault", ("new",), "insert into"),
        ("update", (Dict(b=1),), "insert into"),
    ],
)
def test_dict_mutators_respect_freezing_and_iteration(name, args, verb):
    d = Dict(a=1)
    ops.iterate(d)
    with fails(f"{name}: cannot {verb} hash table during iteration"):
        method(d, name, *args)
    ops.iter_done(d)
    freeze(d)
    with fails(f"{name}: cannot {verb} frozen hash table"):
        method(d, name, *args)


def test_reading_a_frozen_dict_is_allowed():
    d = freeze(Dict(a=1))
    assert method(d, "setdefault", "a") == 1
    assert method(d, "get", "a") == 1
    method(d, "update")  # nothing to insert


# --- set methods ----------------------------------------------------------


def test_set_methods_that_make_new_sets():
    s = S(1, 2, 3)
    assert list(method(s, "union", List([4, 2]), Dict({5: 0}))) == [1, 2, 3, 4, 5]
    assert list(method(s, "difference", List([2]), (9,))) == [1, 3]
    assert list(method(s, "intersection", List([3, 2, 7]), (2, 3))) == [2, 3]
    assert list(method(s, "symmetric_difference", List([3, 4]))) == [1, 2, 4]
    for name in ("union", "difference", "intersection"):
        copy = method(s, name)
        assert copy == s
        assert copy is not s
        assert type(copy) is Set
    assert s == S(1, 2, 3)


def test_set_predicates():
    s = S(1, 2)
    assert method(s, "issubset", List([1, 2, 3]))
    assert not method(s, "issubset", (1,))
    assert method(s, "issuperset", (1,))
    assert not method(s, "issuperset", (1, 5))
    assert method(s, "isdisjoint", (3, 4))
    assert not method(s, "isdisjoint", (2,))


def test_set_methods_that_mutate():
    s = S()
    method(s, "add", 1)
    method(s, "add", 1)
    method(s, "update", List([2, 3]), (4,))
    assert list(s) == [1, 2, 3, 4]
    method(s, "discard", 9)
    method(s, "discard", 4)
    method(s, "remove", 3)
    assert list(s) == [1, 2]
    method(s, "difference_update", (1,))
    method(s, "update", (5, 6, 7))
    method(s, "intersection_update", (2, 5, 6), (5, 6))
    assert list(s) == [5, 6]
    method(s, "symmetric_difference_update", (6, 8))
    assert list(s) == [5, 8]
    assert method(s, "pop") == 5
    method(s, "clear")
    assert s == S()


@pytest.mark.parametrize(
    ("name", "args", "msg"),
    [
        ("add", (List(),), "add: unhashable type: list"),
        ("remove", (9,), "remove: missing key"),
        ("remove", (List(),), "remove: unhashable type: list"),
        ("discard", (Dict(),), "discard: unhashable type: dict"),
        ("union", (1,), "union: for parameter 1: got int, want iterable"),
        ("union", ((), List([List()])), "union: unhashable type: list"),
        ("difference", ("ab",), "difference: for parameter 1: got string, want iterable"),
        ("issubset", (1,), "issubset: for parameter 1: got int, want iterable"),
        ("isdisjoint", (List([S()]),), "isdisjoint: unhashable type: set"),
        (
            "symmetric_difference",
            (None,),
            "symmetric_difference: for parameter 1: got NoneType, want iterable",
        ),
    ],
)
def test_set_method_errors(name, args, msg):
    with fails(msg):
        method(S(1), name, *args)


def test_pop_of_an_empty_set_fails():
    with fails("pop: empty set"):
        method(S(), "pop")


@pytest.mark.parametrize(
    ("name", "args", "verb"),
    [
        ("add", (2,), "insert into"),
        ("clear", (), "clear"),
        ("discard", (1,), "delete from"),
        ("pop", (), "delete from"),
        ("remove", (1,), "delete from"),
        ("update", ((2,),), "insert into"),
        ("difference_update", ((1,),), "delete from"),
        ("intersection_update", ((1,),), "delete from"),
        ("symmetric_difference_update", ((1,),), "insert into"),
    ],
)
def test_set_mutators_respect_freezing_and_iteration(name, args, verb):
    s = S(1)
    ops.iterate(s)
    with fails(f"{name}: cannot {verb} hash table during iteration"):
        method(s, name, *args)
    ops.iter_done(s)
    freeze(s)
    with fails(f"{name}: cannot {verb} frozen hash table"):
        method(s, name, *args)


def test_clearing_an_empty_frozen_set_is_allowed():
    method(freeze(S()), "clear")


def test_method_tables_list_the_spec_methods():
    assert sorted(universe.LIST_METHODS) == [
        "append", "clear", "extend", "index", "insert", "pop", "remove",
    ]  # fmt: skip
    assert sorted(universe.DICT_METHODS) == [
        "clear", "get", "items", "keys", "pop", "popitem", "setdefault", "update", "values",
    ]  # fmt: skip
    assert len(universe.SET_METHODS) == 16


def test_module_values_work_with_dir_and_getattr():
    m = Module("m", {"f": 1})
    assert call("dir", m) == ["f"]
    assert call("getattr", m, "f") == 1


def test_sorted_orders_tuple_keys_lexicographically():
    from starflow.starlark import exec_file

    g = exec_file(
        "s.star",
        "r = sorted([(2, 'b'), (1, 'z'), (2, 'a'), (1,)])\n"
        "n = sorted([(1.0, 2), (float('nan'), 1), (0.5, 3)])\n",
    )
    assert list(g["r"]) == [(1,), (1, "z"), (2, "a"), (2, "b")]
    assert [t[1] for t in g["n"]] == [3, 2, 1]  # NaN sorts above every number


def test_sorted_tuple_keys_of_unlike_types_fail_as_starlark():
    from starflow.starlark import EvalError, exec_file

    with pytest.raises(EvalError) as e:
        exec_file("s.star", "r = sorted([(1, 'a'), (1, 2)])\n")
    assert e.value.msg == "int < string not implemented"  # (as Go: its pair, no "sorted:")
