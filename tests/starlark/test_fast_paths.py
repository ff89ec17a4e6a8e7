"""The built-ins' fast paths give exactly what their general paths give.

Each fast path handles the common case (str and int operands, no optional
arguments, ASCII digits, ...) and falls through to the general code for
everything else. These tests run generated inputs through both and compare
results and error messages.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from starflow.starlark import format as fmt_mod
from starflow.starlark import strings, universe
from starflow.starlark.errors import EvalError
from starflow.starlark.values import List


def outcome(fn, *args, **kwargs):
    """`fn`'s result, or its error message: what must not differ."""
    try:
        return ("ok", fn(*args, **kwargs))
    except EvalError as e:
        return ("error", e.msg)


class _NeverCached(dict):
    """A format cache that never has a fast form: every call takes the general path."""

    def get(self, key, default=None):
        return None

    def __setitem__(self, key, value):
        pass


def general(fn, *args, **kwargs):
    """`fn(*args)` with the format caches disabled: the general paths."""
    saved = fmt_mod._SIMPLE_FORMATS, fmt_mod._AUTO_FORMATS, strings._AUTO_FORMATS
    fmt_mod._SIMPLE_FORMATS = fmt_mod._AUTO_FORMATS = strings._AUTO_FORMATS = _NeverCached()
    try:
        return outcome(fn, *args, **kwargs)
    finally:
        fmt_mod._SIMPLE_FORMATS, fmt_mod._AUTO_FORMATS, strings._AUTO_FORMATS = saved


# ---- operands: the fast paths take str and int; everything else must fall through ----

HUGE = 7**4000  # bit_length > 10000: beyond Python's int-to-str limit fast paths use

operands = st.one_of(
    st.text(max_size=6),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from(
        [True, False, None, 1.5, -0.0, HUGE, -HUGE, (), (1,), ("a", 2), b"by", 1 << 9999]
    ),
    st.builds(List, st.lists(st.integers(0, 3), max_size=2)),
)


@st.composite
def percent_cases(draw):
    """A format, mostly of the fast path's verbs, and operands, mostly as many as it needs."""
    verbs = ["%s", "%d", "%%"] if draw(st.integers(0, 3)) else ["%s", "%d", "%%", "%r", "%x", "%"]
    pieces = draw(
        st.lists(
            st.one_of(st.sampled_from(verbs), st.text(alphabet="ab{} \u00e9", max_size=3)),
            max_size=5,
        )
    )
    fmt = "".join(pieces)
    n = fmt.replace("%%", "").count("%")
    if draw(st.integers(0, 3)):
        n = draw(st.integers(0, 4))
    x = tuple(draw(st.lists(operands, min_size=n, max_size=n)))
    if len(x) == 1 and draw(st.booleans()):
        x = x[0]  # a single operand, not in a tuple
    return fmt, x


@st.composite
def format_cases(draw):
    """A str.format format, mostly of `{}` fields only, and arguments, mostly as many."""
    fields = ["{}", "{{", "}}"] if draw(st.integers(0, 3)) else ["{}", "{0}", "{!r}", "{", "}"]
    pieces = draw(
        st.lists(
            st.one_of(st.sampled_from(fields), st.text(alphabet="ab%sd \u00e9", max_size=3)),
            max_size=5,
        )
    )
    fmt = "".join(pieces)
    n = fmt.count("{}")
    if draw(st.integers(0, 3)) == 0:
        n = draw(st.integers(0, 4))
    return fmt, tuple(draw(st.lists(operands, min_size=n, max_size=n)))


@settings(max_examples=500, deadline=None)
@given(percent_cases())
def test_percent_fast_path_matches_the_general_loop(case):
    fmt, x = case
    fmt_mod._SIMPLE_FORMATS.pop(fmt, None)
    want = general(fmt_mod.percent_format, fmt, x)
    assert outcome(fmt_mod.percent_format, fmt, x) == want  # parses and caches
    assert outcome(fmt_mod.percent_format, fmt, x) == want  # from the cache


@settings(max_examples=500, deadline=None)
@given(format_cases())
def test_format_fast_paths_match_the_general_loop(case):
    fmt, args = case
    fmt_mod._AUTO_FORMATS.pop(fmt, None)
    method = strings.STR_METHODS["format"]
    want = general(method, fmt, *args)
    assert general(fmt_mod.str_format, fmt, args, {}) == want
    assert outcome(method, fmt, *args) == want  # parses and caches
    assert outcome(method, fmt, *args) == want  # from the cache
    assert outcome(fmt_mod.str_format, fmt, args, {}) == want


def test_percent_fast_path_examples():
    p = fmt_mod.percent_format
    for _ in range(2):  # parse, then from the cache
        assert p("k%d", 12) == "k12"
        assert p("%d", -(10**40)) == str(-(10**40))
        assert p("%s-%s", ("a", 7)) == "a-7"
        assert p("100%% %s", "x") == "100% x"
        assert p("%s", True) == "True"
        assert outcome(p, "%d", True) == (
            "error",
            "%d format requires integer: cannot convert bool to int",
        )
        assert outcome(p, "%d", "7") == (
            "error",
            "%d format requires integer: cannot convert string to int",
        )
        assert outcome(p, "%d-%s", ("7", "x")) == (
            "error",
            "%d format requires integer: cannot convert string to int",
        )
        assert p("%d", 2.9) == "2"
        assert p("%s", 2.5) == "2.5"
        assert p("%s", None) == "None"
        assert p("%s", b"x") == 'b"x"'
        assert p("%d", HUGE) == fmt_mod.int_to_str(HUGE)
        assert p("%s %s", (HUGE, "a")) == fmt_mod.int_to_str(HUGE) + " a"
        assert outcome(p, "%s", ()) == ("error", "not enough arguments for format string")
        assert outcome(p, "ab", 1) == ("error", "too many arguments for format string")
        assert p("ab", ()) == "ab"
        assert p("%s", List([1])) == "[1]"


def test_format_fast_path_examples():
    f = strings.STR_METHODS["format"]
    for _ in range(2):
        assert f("{}:{}", 12, "ab") == "12:ab"
        assert f("100% {} %d %s", "x") == "100% x %d %s"
        assert f("{{}} {}", 1) == "{} 1"
        assert f("{}", True) == "True"
        assert f("{}", 1.0) == "1.0"
        assert f("{}", b"x") == 'b"x"'
        assert f("{}", HUGE) == fmt_mod.int_to_str(HUGE)
        assert (
            f(
                "{}{}",
                "a",
                "b",
            )
            == "ab"
        )
        assert f("{}", "a", "b") == "a"  # extra arguments are ignored, as Go
        assert outcome(f, "{}{}", "a") == ("error", "format: tuple index out of range")
        assert f("{}-{x}", 1, x=2) == "1-2"


# ---- str(float): Python's repr below 1e6 ----


@settings(max_examples=2000, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_float_fast_path_is_the_general_g_format(f):
    assert fmt_mod.format_float(f) == fmt_mod._format_float(f, "g")


@pytest.mark.parametrize(
    "f",
    [0.0, -0.0, 1e-4, 1e-5, 9.999999999999999e-05, 999999.9999999999, 1e6, -1e6, 5e-324, 0.1],
)
def test_float_fast_path_edges(f):
    assert fmt_mod.format_float(f) == fmt_mod._format_float(f, "g")
    assert universe.str_(f) == fmt_mod._format_float(f, "g")


# ---- int(string): ASCII decimal digits with an optional sign ----

int_texts = st.one_of(
    st.text(alphabet="0123456789", min_size=1, max_size=30),
    st.text(alphabet="0123456789+-_ xXbBoOaAfF\u0663\u0660\uff11.", max_size=8),
    st.from_regex(r"\A[+-]?[0-9]{1,25}\Z"),
)


@settings(max_examples=1000, deadline=None)
@given(int_texts)
def test_int_fast_path_matches_the_general_parse(s):
    # an explicit base 10 takes the general path (_parse_int)
    assert outcome(universe.int_, s) == outcome(universe.int_, s, 10)


def test_int_fast_path_edges():
    i = universe.int_
    assert i("+12") == 12
    assert i("-0") == 0
    assert i("0755") == 755  # base 10: a leading zero is allowed
    assert i("9" * 4000) == int("9" * 4000)
    assert i("-" + "9" * 4000) == -int("9" * 4000)
    assert i("9" * 5000) == int("9" * 2500) * 10**2500 + int("9" * 2500)
    for bad in ["", "+", "-", "+-1", " 1", "1 ", "1_000", "\u0663", "\uff11", "0x10", "1.0"]:
        assert outcome(i, bad) == ("error", f"int: invalid literal with base 10: {bad}")
    assert i("0x10", 0) == 16
    assert i("ff", 16) == 255
    assert outcome(i, "0755", 0) == ("error", "int: invalid literal with base 0: 0755")
    assert outcome(i, "g", 16) == ("error", "int: invalid literal with base 16: g")
    assert outcome(i, "\u0663", 16) == ("error", "int: invalid literal with base 16: \u0663")


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789abcdefxyzXYZ_+-\u0663", max_size=6), st.integers(2, 36))
def test_int_digits_table_matches_the_digit_function(s, base):
    # _parse_int's per-base digit sets say what _digit says
    for c in s:
        assert (c in universe._DIGITS[base]) == (universe._digit(c) < base)


# ---- dict and set methods: the hashable check skipped for str and int ----


hashable_or_not = st.one_of(
    operands,
    st.lists(operands, max_size=3).map(tuple),
    st.sampled_from([range(3), (1, range(2)), (1, (2, List())), ((1, "a"), 2), frozenset()]),
)


@settings(max_examples=500, deadline=None)
@given(hashable_or_not)
def test_dict_and_set_methods_check_keys_as_check_hashable(k):
    from starflow.starlark.values import Dict, Set, check_hashable

    ok = outcome(check_hashable, k)
    for name in ("get", "setdefault", "pop"):
        got = outcome(universe.DICT_METHODS[name], Dict(), k, 0)
        if ok[0] == "error":
            assert got == ("error", f"{name}: {ok[1]}")
        else:
            assert got[0] == "ok"
    got = outcome(universe.SET_METHODS["add"], Set(), k)
    assert got == (("error", f"add: {ok[1]}") if ok[0] == "error" else ("ok", None))


# ---- string methods: fast paths for str arguments and no optional ones ----

# text with Go's and Python's white space (U+001C..U+001F are only Python's)
texts = st.text(alphabet="ab|=-; \t\n\x1c\x1f\x85\u3000\u00e9", max_size=10)
str_args = st.one_of(texts, st.sampled_from(["", " ", "a", "ab", "|", ";"]))
any_args = st.one_of(str_args, operands, st.tuples(str_args, str_args))

S = strings.STR_METHODS


@settings(max_examples=1000, deadline=None)
@given(texts, any_args)
def test_string_search_fast_paths_match_the_general_path(s, sub):
    # an explicit start of 0 takes the general path, with the same meaning
    for name in ("count", "find", "rfind", "index", "rindex", "startswith", "endswith"):
        assert outcome(S[name], s, sub) == outcome(S[name], s, sub, 0), name


@settings(max_examples=1000, deadline=None)
@given(texts, st.one_of(st.none(), any_args))
def test_strip_fast_paths_match_the_general_path(s, chars):
    for name in ("strip", "lstrip", "rstrip"):
        try:
            want = ("ok", getattr(s, name)(strings._strip_set(name, chars)))
        except EvalError as e:
            want = ("error", e.msg)
        assert outcome(S[name], s, chars) == want, name
        if chars is None:
            assert outcome(S[name], s) == want, name


@settings(max_examples=1000, deadline=None)
@given(texts, st.one_of(st.none(), any_args))
def test_split_fast_paths_match_the_general_path(s, sep):
    # a maxsplit below -1 takes the general path, with the same meaning
    for name in ("split", "rsplit"):
        assert outcome(S[name], s, sep) == outcome(S[name], s, sep, -2), name
        assert outcome(S[name], s, sep, -1) == outcome(S[name], s, sep, -2), name


@settings(max_examples=1000, deadline=None)
@given(texts, any_args, any_args, st.one_of(st.just(-1), operands))
def test_replace_fast_path_matches_the_general_path(s, old, new, count):
    # a count below -1 takes the general path, with the same meaning as -1
    want = outcome(S["replace"], s, old, new, -2 if count == -1 and type(count) is int else count)
    assert outcome(S["replace"], s, old, new, count) == want
    if count == -1 and type(count) is int:
        assert outcome(S["replace"], s, old, new) == want


@settings(max_examples=500, deadline=None)
@given(texts, any_args)
def test_partition_and_affix_removal_fast_paths(s, sep):
    for name in ("partition", "rpartition"):
        if type(sep) is str and sep:
            assert S[name](s, sep) == getattr(s, name)(sep)
        elif type(sep) is str:
            assert outcome(S[name], s, sep) == ("error", f"{name}: empty separator")
        else:
            want = f"{name}: for parameter 1: got {strings.type_name(sep)}, want string"
            assert outcome(S[name], s, sep) == ("error", want)
    for name in ("removeprefix", "removesuffix"):
        if type(sep) is str:
            assert S[name](s, sep) == getattr(s, name)(sep)
        else:
            want = f"{name}: for parameter 1: got {strings.type_name(sep)}, want string"
            assert outcome(S[name], s, sep) == ("error", want)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=8))
def test_case_fast_paths_match_the_general_path(s):
    assert S["upper"](s) == strings._upper(s)
    assert S["lower"](s) == strings._lower(s)


@settings(max_examples=500, deadline=None)
@given(str_args, st.lists(st.one_of(str_args, operands), max_size=4))
def test_join_fast_path_matches_the_general_path(sep, elems):
    from starflow.starlark.values import Dict

    # a dict of the same keys takes the general path (copied to a list)
    want = outcome(S["join"], sep, Dict.fromkeys(e for e in elems if type(e) is str))
    if all(type(e) is str for e in elems) and len(set(elems)) == len(elems):
        for seq in (List(elems), tuple(elems), list(elems)):
            assert outcome(S["join"], sep, seq) == want
    for seq in (List(elems), tuple(elems), list(elems)):
        got = outcome(S["join"], sep, seq)
        bad = [e for e in elems if type(e) is not str]
        if bad:
            want_msg = f"join: in list, want string, got {strings.type_name(bad[0])}"
            assert got == ("error", want_msg)
        else:
            assert got == ("ok", sep.join(elems))


# ---- list.pop ----


def _list_pop_general(self, index=universe._UNSET):
    """list.pop before its fast path (the oracle)."""
    n = len(self)
    i = n - 1 if index is universe._UNSET else universe._int64_param("pop", index, 1)
    j = i + n if i < 0 else i
    if j < 0 or j >= n:
        raise EvalError(f"pop: {universe.ops._out_of_range(i, n, self).msg}")
    if self.frozen or self.itercount:
        universe._list_mutable("pop", self, "pop from")
    return self.pop(j)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.integers(0, 9), max_size=4),
    st.one_of(
        st.integers(-6, 6), st.sampled_from([None, True, 1.0, 1 << 31, -(1 << 40), 1 << 63, "0"])
    ),
    st.sampled_from(["mutable", "frozen", "iterating"]),
    st.booleans(),
)
def test_list_pop_fast_path_matches_the_general_path(elems, index, state, omit_index):
    lists = [List(elems), List(elems)]
    for x in lists:
        if state == "frozen":
            x.frozen = True
        elif state == "iterating":
            x.itercount = 1
    args = () if omit_index else (index,)
    assert outcome(universe.list_pop, lists[0], *args) == outcome(
        _list_pop_general, lists[1], *args
    )
    assert lists[0] == lists[1]


# ---- str methods the compiler calls natively (compiler.str_native) ----

_WS = " \t\x1c\x1d\x1e\x1f\x85\xa0\u2000\u3000\n"
_texts = st.text(alphabet=st.sampled_from(list(_WS + "ab=|;e-é")), max_size=12)
_consts = st.text(alphabet=st.sampled_from(list(_WS[:3] + "ab=|;e-é")), min_size=1, max_size=3)


def _quote(text: str) -> str:
    return (
        '"' + "".join(c if c.isalnum() and c.isascii() else f"\\u{ord(c):04x}" for c in text) + '"'
    )


@pytest.mark.parametrize(
    ("method", "nargs"),
    [
        ("strip", 0),
        ("lstrip", 0),
        ("rstrip", 0),
        ("strip", 1),
        ("rstrip", 1),
        ("find", 1),
        ("rfind", 1),
        ("count", 1),
        ("startswith", 1),
        ("endswith", 1),
        ("partition", 1),
        ("rpartition", 1),
        ("split", 1),
        ("rsplit", 1),
        ("replace", 2),
    ],
)
@settings(max_examples=150, deadline=None)
@given(s=_texts, consts=st.lists(_consts, min_size=2, max_size=2))
def test_str_methods_inlined_by_the_compiler_match_the_builtins(method, nargs, s, consts):
    from starflow.starlark import exec_file, to_python

    args = consts[:nargs]
    if method == "replace" and len(args[1]) > len(args[0]):
        args = [args[1], args[0]]  # (only a replace that does not grow is inlined)
    call = f"x.{method}({', '.join(_quote(a) for a in args)})"
    # a known str receiver (native call), an unknown one (native after a type test)
    src = f"def known():\n    x = S + ''\n    return {call}\ndef unknown(x):\n    return {call}\n"
    g = exec_file("m.star", src, predeclared={"S": s})
    want = strings.STR_METHODS[method](s, *args)
    assert to_python(g["known"]()) == to_python(want)
    assert to_python(g["unknown"](s)) == to_python(want)
    assert type(g["known"]()) is type(want)


# ---- `in` the compiler inlines for a known list, tuple, dict or str (compiler.in_inline) ----

_members = st.sampled_from(
    ["1", "True", "1.0", "'a'", "'b'", "(1,)", "None", "0", "False", "[1]", "2.5", "'ab'"]
)


@settings(max_examples=200, deadline=None)
@given(
    container=st.sampled_from(
        ["[1, 'a', 1.0, (1,)]", "(True, 'b', 2.5)", "{1: 0, 'a': 1, (1,): 2}", "'xaby'"]
    ),
    x=_members,
)
def test_in_inlined_by_the_compiler_matches_the_operator(container, x):
    from starflow.starlark import EvalError as Err
    from starflow.starlark import exec_file, ops

    # `c` is a known list/tuple/dict/str local; `v` is a str local, or unknown
    src = (
        f"def known(v):\n    c = {container}\n    return [v in c, v not in c]\n"
        f"def lit():\n    c = {container}\n    return [{x} in c, {x} not in c]\n"
        f"C = {container}\nV = {x}\n"
    )
    g = exec_file("m.star", src)
    try:
        want = ops.contains(g["C"], g["V"])
        want = [want, not want]
    except Err as e:
        want = e.msg
    for fn in ("known", "lit"):
        try:
            got = list(g[fn](g["V"]) if fn == "known" else g[fn]())
        except Err as e:
            got = e.msg
        assert got == want, (fn, container, x)


@settings(max_examples=200, deadline=None)
@given(
    seq=st.sampled_from(["[1, 2, 3, 4, 5]", "'abcdef'", "(1, 2, 3)", "[]", "''"]),
    lo=st.sampled_from(["", "0", "1", "-2", "9", "-9"]),
    hi=st.sampled_from(["", "0", "3", "-1", "9", "-9"]),
    step=st.sampled_from(["", ":1", ":2", ":-1", ":-3"]),
)
def test_slices_inlined_by_the_compiler_match_the_helper(seq, lo, hi, step):
    from starflow.starlark import exec_file, ops

    src = f"def f():\n    x = {seq}\n    return x[{lo}:{hi}{step}]\nX = {seq}\n"
    g = exec_file("m.star", src)
    bound = [int(b) if b else None for b in (lo, hi, step[1:])]
    want = ops.slice(g["X"], *bound)
    got = g["f"]()
    assert got == want
    assert type(got) is type(want)


def test_ints_known_to_be_small_print_natively_and_big_ones_still_print():
    # compiler.bits: a range variable, x % c, len(x) and a few sums and
    # products of them print with Python's str(); anything that may exceed
    # CPython's 4,300-digit limit keeps its test and prints through the helper
    from starflow.starlark import exec_file

    src = """
def f():
    out = []
    for i in range(3):
        out.append(str(i) + "%d" % (i % 7) + "{}".format(i * 3 + len(out)))
        out.append(len(str(i * TEN)))
        out.append(len("%d" % ((i + 1) << 500)))
        out.append(len("{}".format(SEVEN * i)))
    return out
R = f()
"""
    got = list(exec_file("m.star", src, predeclared={"TEN": 10**5000, "SEVEN": 7**6000})["R"])
    want: list = []
    import sys

    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)  # (Python's own str() of the big ones, for the oracle)
    try:
        for i in range(3):
            want.append(str(i) + str(i % 7) + str(i * 3 + len(want)))
            want.append(len(str(i * 10**5000)))
            want.append(len(str((i + 1) << 500)))
            want.append(len(str(7**6000 * i)))
    finally:
        sys.set_int_max_str_digits(limit)
    assert got == want


# ---- sorted/min/max: Python's own sort when it orders the keys as Starlark does ----

sort_keys = st.one_of(
    st.integers(-3, 3),
    st.sampled_from(["a", "b", "ab", "é"]),
    st.tuples(st.integers(0, 2), st.sampled_from(["x", "y"])),
    st.tuples(st.integers(0, 2)),
    st.sampled_from([1.5, -0.0, 0.0, 2]),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(sort_keys, st.builds(List, st.lists(st.integers(0, 1), max_size=1)))),
    st.booleans(),
    st.booleans(),
)
def test_sorted_fast_path_matches_the_comparison_sort(elems, reverse, keyed):
    # each element a distinct object, so the order of equal keys shows
    items = List([List([e]) for e in elems])
    key = (lambda x: x[0]) if keyed else None
    if not keyed:
        items = List(elems)
    fast = general(universe.sorted_, items, key=key, reverse=reverse)
    saved = universe._native_sortable
    universe._native_sortable = lambda keys: False
    try:
        slow = general(universe.sorted_, items, key=key, reverse=reverse)
    finally:
        universe._native_sortable = saved
    assert fast == slow
    if fast[0] == "ok" and keyed:
        assert [id(x) for x in fast[1]] == [id(x) for x in slow[1]]  # stable alike


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(sort_keys, st.builds(List, st.lists(st.integers(0, 1), max_size=1))), min_size=1
    ),
    st.sampled_from(["min_", "max_"]),
    st.booleans(),
    st.sampled_from([1, 2, 3, 256]),
)
def test_min_max_fast_path_picks_the_first_of_equal_keys(elems, name, keyed, chunk):
    # keys a chunk at a time, across chunk boundaries: the same element
    # (the first of equal ones) or the same error as comparing one by one
    items = List([List([e]) for e in elems]) if keyed else List(elems)
    key = (lambda x: x[0]) if keyed else None
    fn = getattr(universe, name)
    saved_chunk = universe._MINMAX_CHUNK
    universe._MINMAX_CHUNK = chunk
    try:
        fast = outcome(fn, items, key=key)
    finally:
        universe._MINMAX_CHUNK = saved_chunk
    saved = universe._native_sortable
    universe._native_sortable = lambda keys: False
    try:
        slow = outcome(fn, items, key=key)
    finally:
        universe._native_sortable = saved
    assert fast == slow
    if fast[0] == "ok":
        assert fast[1] is slow[1]
