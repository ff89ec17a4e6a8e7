"""Unit tests of starflow.starlark.ops: operators, in, indexing, slicing, attributes, iteration."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from starflow.starlark import ops
from starflow.starlark.errors import EvalError
from starflow.starlark.values import Builtin, Dict, List, Module, Set, freeze

NAN = float("nan")
BIG = 10**400


def fails(msg: str):
    return pytest.raises(EvalError, match="^" + re.escape(msg) + "$")


def S(*xs):
    return Set.fromkeys(xs)


class Host:
    type_name = "host"

    def starlark_attr(self, name):
        if name == "field":
            return 42
        if name == "broken":
            raise EvalError("cannot compute")
        raise AttributeError(name)

    def starlark_attr_names(self):
        return ["broken", "field"]


class Elems:
    """An iterable protocol value, like "abc".elems()."""

    type_name = "elems"

    def __iter__(self):
        return iter([1, 2])


# --- arithmetic -----------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "x", "y", "expected"),
    [
        ("+", 1, 2, 3),
        ("+", 1, 0.5, 1.5),
        ("+", 0.5, 1, 1.5),
        ("+", "a", "b", "ab"),
        ("+", b"a", b"b", b"ab"),
        ("+", (1,), (2,), (1, 2)),
        ("-", 5, 7, -2),
        ("-", 5.5, 1, 4.5),
        ("-", 1, 0.5, 0.5),
        ("*", 3, 4, 12),
        ("*", 2, 1.5, 3.0),
        ("*", 1.5, 2, 3.0),
        ("*", "ab", 2, "abab"),
        ("*", 2, "ab", "abab"),
        ("*", b"x", 3, b"xxx"),
        ("*", (1,), 2, (1, 1)),
        ("*", "ab", -1, ""),
        ("*", "", 10**20, ""),
        ("/", 7, 2, 3.5),
        ("/", 1.0, 4, 0.25),
        ("//", 7, 2, 3),
        ("//", -7, 2, -4),
        ("//", 7.0, 2, 3.0),
        ("//", 1, 0.1, 10.0),
        ("//", -7.5, 2.0, -4.0),
        ("%", 7, 3, 1),
        ("%", -7, 3, 2),
        ("%", 7, -3, -2),
        ("%", 7.5, 2, 1.5),
        ("%", -7.5, 2.0, 0.5),
        ("&", 12, 10, 8),
        ("|", 12, 10, 14),
        ("^", 12, 10, 6),
        ("<<", 1, 10, 1024),
        (">>", -1, 100, -1),
        (">>", 1024, 3, 128),
    ],
)
def test_binary_operators_compute_starlark_results(op, x, y, expected):
    result = ops.binary(op, x, y)
    assert result == expected
    assert type(result) is type(expected)


def test_list_concatenation_and_repetition_make_new_lists():
    a, b = List([1]), List([2])
    c = ops.add(a, b)
    assert type(c) is List
    assert c == [1, 2]
    assert c is not a
    r = ops.mul(a, 3)
    assert type(r) is List
    assert r == [1, 1, 1]
    assert type(ops.mul(2, List())) is List
    assert type(ops.mul(List([1]), 0)) is List


def test_float_floor_division_of_infinities_stays_non_finite():
    assert math.isnan(ops.floordiv(math.inf, math.inf))
    assert ops.floordiv(math.inf, 2) == math.inf


@pytest.mark.parametrize(
    ("op", "x", "y", "msg"),
    [
        ("+", 1, "a", "unknown binary op: int + string"),
        ("+", True, 1, "unknown binary op: bool + int"),
        ("+", List(), (), "unknown binary op: list + tuple"),
        ("+", Dict(), Dict(), "unknown binary op: dict + dict"),
        ("-", "a", "b", "unknown binary op: string - string"),
        ("*", "a", "b", "unknown binary op: string * string"),
        ("*", "a", True, "unknown binary op: string * bool"),
        ("*", 1.5, "a", "unknown binary op: float * string"),
        ("/", "a", 1, "unknown binary op: string / int"),
        ("//", None, 1, "unknown binary op: NoneType // int"),
        ("%", 1, "a", "unknown binary op: int % string"),
        ("&", 1, 1.0, "unknown binary op: int & float"),
        ("|", Dict(), List(), "unknown binary op: dict | list"),
        ("^", S(1), List(), "unknown binary op: set ^ list"),
        ("<<", 1.0, 1, "unknown binary op: float << int"),
        (">>", "a", 1, "unknown binary op: string >> int"),
        ("**", 2, 2, "unknown binary op: int ** int"),
        ("/", 1, 0, "floating-point division by zero"),
        ("/", 1.0, 0.0, "floating-point division by zero"),
        ("//", 1, 0, "floored division by zero"),
        ("//", 1.0, 0, "floored division by zero"),
        ("%", 1, 0, "integer modulo by zero"),
        ("%", 1.0, 0, "floating-point modulo by zero"),
        ("%", 1, 0.0, "floating-point modulo by zero"),
        ("+", BIG, 1.0, "int too large to convert to float"),
        ("*", 1.0, BIG, "int too large to convert to float"),
        ("/", BIG, 10**399, "int too large to convert to float"),
        ("<<", 1, -1, "negative shift count: -1"),
        (">>", 1, -2, "negative shift count: -2"),
        ("<<", 1, 512, "shift count too large: 512"),
        ("<<", 1, "a", "got string, want int"),
        (">>", 1, 2**40, "1099511627776 out of range"),
        ("*", "ab", 2**40, "repeat count 1099511627776 too large"),
        ("*", List([1, 2]), 2**29, "excessive repeat (2 * 536870912 elements)"),
        ("*", 2**30, b"x", "excessive repeat (1 * 1073741824 elements)"),
    ],
)
def test_binary_operator_errors_use_gos_words(op, x, y, msg):
    with fails(msg):
        ops.binary(op, x, y)


def test_percent_on_a_string_interpolates():
    assert ops.mod("%s-%d", ("a", 3)) == "a-3"


def test_set_operators_keep_left_then_right_order():
    a, b = S(1, 2, 3), S(4, 3, 2)
    assert list(ops.bitor(a, b)) == [1, 2, 3, 4]
    assert list(ops.bitand(a, b)) == [2, 3]
    assert list(ops.sub(a, b)) == [1]
    assert list(ops.bitxor(a, b)) == [1, 4]
    assert all(type(ops.binary(op, a, b)) is Set for op in "|&-^")


def test_dict_union_prefers_the_right_operand_and_keeps_order():
    d = ops.bitor(Dict(a=1, b=2), Dict(b=3, c=4))
    assert type(d) is Dict
    assert list(d.items()) == [("a", 1), ("b", 3), ("c", 4)]


# --- unary ----------------------------------------------------------------


def test_unary_operators_on_numbers():
    assert ops.neg(3) == -3
    assert ops.neg(1.5) == -1.5
    assert ops.pos(3) == 3
    assert ops.pos(-1.5) == -1.5
    assert ops.invert(0) == -1
    assert ops.invert(-1) == 0


@pytest.mark.parametrize(
    ("fn", "x", "msg"),
    [
        (ops.neg, "a", "unknown unary op: - string"),
        (ops.neg, True, "unknown unary op: - bool"),
        (ops.pos, None, "unknown unary op: + NoneType"),
        (ops.invert, 1.0, "unknown unary op: ~ float"),
        (ops.invert, False, "unknown unary op: ~ bool"),
    ],
)
def test_unary_operator_errors_use_gos_words(fn, x, msg):
    with fails(msg):
        fn(x)


# --- comparisons ----------------------------------------------------------


def test_comparison_functions_use_starlark_equality_and_order():
    assert ops.eq(1, 1.0)
    assert not ops.eq(1, True)
    assert ops.ne(1, True)
    assert ops.lt(1, 2)
    assert ops.le(2, 2)
    assert ops.gt(3, 2.5)
    assert ops.ge("b", "a")
    assert ops.binary("==", List([1]), List([1]))
    assert ops.binary("<", (1,), (2,))
    with fails("int < string not implemented"):
        ops.lt(1, "a")


# --- membership -----------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "container", "expected"),
    [
        (1, List([1, 2]), True),
        (1, List([True]), False),
        (1.0, (1,), True),
        ("a", ("a", "b"), True),
        (List([1]), List([List([1])]), True),
        ("k", Dict(k=1), True),
        ("v", Dict(k="v"), False),
        (List(), Dict(k=1), False),
        (2, S(1, 2), True),
        ("nasty", "dynasty", True),
        ("", "abc", True),
        (b"as", b"nasty", True),
        (97, b"abc", True),
        (98, b"xyz", False),
        (3, range(0, 10, 3), True),
        (4, range(0, 10, 3), False),
        (3.0, range(5), True),
        (2.5, range(5), False),
    ],
)
def test_in_follows_the_spec(x, container, expected):
    assert ops.contains(container, x) is expected
    assert ops.binary("in", x, container) is expected
    assert ops.binary("not in", x, container) is (not expected)


_numbers = st.sampled_from([0, 1, 2, -1, 0.0, 1.0, -0.0, 2.5, True, False, NAN, 10**30])


@settings(max_examples=400, deadline=None)
@given(st.lists(_numbers, max_size=8), _numbers, st.booleans())
def test_a_number_in_a_list_or_tuple_is_found_as_by_equality(elems, x, as_tuple):
    # the native search finds candidates; bools are not 0 or 1, a NaN is
    # never found (even the very same object), ints and floats meet by value
    container = tuple(elems) if as_tuple else List(elems)
    want = any(ops.equal(e, x) for e in container)
    assert ops.contains(container, x) is want


@pytest.mark.parametrize(
    ("x", "container", "msg"),
    [
        (1, "abc", "'in <string>' requires string as left operand, not int"),
        ("a", b"abc", "'in bytes' requires bytes or int as left operand, not string"),
        (256, b"abc", "int in bytes: 256 out of range (want value in unsigned 8-bit range)"),
        ("a", range(3), "'in <range>' requires integer as left operand, not string"),
        (NAN, range(3), "'in <range>' requires integer as left operand, not float"),
        (True, range(3), "'in <range>' requires integer as left operand, not bool"),
        (List(), S(1), "unhashable type: list"),
        (1, 1, "unknown binary op: int in int"),
        (1, None, "unknown binary op: int in NoneType"),
    ],
)
def test_in_errors_use_gos_words(x, container, msg):
    with fails(msg):
        ops.contains(container, x)


# --- indexing -------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "i", "expected"),
    [
        (List([1, 2, 3]), 0, 1),
        (List([1, 2, 3]), -1, 3),
        ((1, 2), -2, 1),
        ("héllo", 1, "é"),
        (b"abc", 1, 98),
        (range(10, 20, 2), 3, 16),
        (range(10, 20, 2), -1, 18),
        (Dict(a=1), "a", 1),
        (Dict({(1, 2): "t"}), (1, 2), "t"),
    ],
)
def test_index_selects_an_element(x, i, expected):
    assert ops.index(x, i) == expected


@pytest.mark.parametrize(
    ("x", "i", "msg"),
    [
        (List([1, 2, 3]), 3, "list index 3 out of range [-3:2]"),
        (List([1, 2, 3]), -4, "list index -4 out of range [-3:2]"),
        (List(), 0, "index 0 out of range: empty list"),
        ("abc", 5, "string index 5 out of range [-3:2]"),
        ((), -1, "index -1 out of range: empty tuple"),
        (b"ab", 2, "bytes index 2 out of range [-2:1]"),
        (range(2), 2, "range index 2 out of range [-2:1]"),
        (List([1]), True, "list index: got bool, want int"),
        ("abc", "a", "string index: got string, want int"),
        (List([1]), 2**40, "list index: 1099511627776 out of range"),
        (Dict(a=1), "b", 'key "b" not in dict'),
        (Dict(a=1), 2, "key 2 not in dict"),
        (Dict(a=1), List(), "unhashable type: list"),
        (S(1), 0, "unhandled index operation set[int]"),
        (1, 0, "unhandled index operation int[int]"),
    ],
)
def test_index_errors_use_gos_words(x, i, msg):
    with fails(msg):
        ops.index(x, i)


def test_setindex_assigns_list_elements_and_dict_entries():
    lst = List([1, 2, 3])
    ops.setindex(lst, -1, "z")
    assert lst == [1, 2, "z"]
    d = Dict()
    ops.setindex(d, "k", 1)
    ops.setindex(d, "k", 2)
    assert d == {"k": 2}


@pytest.mark.parametrize(
    ("x", "i", "msg"),
    [
        (List([1]), 1, "list index 1 out of range [-1:0]"),
        (List([1]), "a", "got string, want int"),
        (Dict(), List(), "unhashable type: list"),
        ((1,), 0, "tuple value does not support item assignment"),
        ("a", 0, "string value does not support item assignment"),
    ],
)
def test_setindex_errors_use_gos_words(x, i, msg):
    with fails(msg):
        ops.setindex(x, i, 0)


def test_setindex_respects_freezing_and_iteration():
    lst = freeze(List([1]))
    with fails("cannot assign to element of frozen list"):
        ops.setindex(lst, 0, 2)
    d = Dict(a=1)
    ops.iterate(d)
    with fails("cannot insert into hash table during iteration"):
        ops.setindex(d, "a", 2)
    ops.iter_done(d)
    ops.setindex(d, "a", 2)
    freeze(d)
    with fails("cannot insert into frozen hash table"):
        ops.setindex(d, "a", 3)


# --- slicing --------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "lo", "hi", "step", "expected"),
    [
        ("hello", 1, 4, None, "ell"),
        ("hello", None, None, -1, "olleh"),
        ("hello", -1000, 1000, None, "hello"),
        ("hello", 4, 1, None, ""),
        ("hello", 3, None, -2, "le"),
        ("hello", None, -10, -1, "olleh"),
        ((1, 2, 3, 4), 1, None, 2, (2, 4)),
        (b"abcd", -2, None, None, b"cd"),
        (range(10), 2, 8, 3, range(2, 8, 3)),
    ],
)
def test_slice_follows_the_spec(x, lo, hi, step, expected):
    assert ops.slice(x, lo, hi, step) == expected


def test_slicing_a_list_makes_a_new_list():
    lst = List([1, 2, 3])
    r = ops.slice(lst, None, None, None)
    assert type(r) is List
    assert r == lst
    assert r is not lst


@pytest.mark.parametrize(
    ("x", "lo", "hi", "step", "msg"),
    [
        ("abc", None, None, 0, "zero is not a valid slice step"),
        ("abc", "a", None, None, "invalid start index: got string, want int"),
        ("abc", None, 1.0, None, "invalid end index: got float, want int"),
        ("abc", None, None, "x", "invalid slice step: got string, want int"),
        ("abc", 2**40, None, None, "invalid start index: 1099511627776 out of range"),
        (Dict(), None, None, None, "invalid slice operand dict"),
        (1, None, None, None, "invalid slice operand int"),
    ],
)
def test_slice_errors_use_gos_words(x, lo, hi, step, msg):
    with fails(msg):
        ops.slice(x, lo, hi, step)


# --- attributes -----------------------------------------------------------


def test_getattr_binds_methods_of_builtin_types():
    lst = List()
    m = ops.getattr_(lst, "append")
    assert type(m) is Builtin
    assert m.name == "append"
    assert m.recv is lst
    m(1)
    assert lst == [1]
    assert ops.getattr_("abc", "upper")() == "ABC"
    assert ops.getattr_(Dict(a=1), "get")("a") == 1
    assert ops.getattr_(S(1), "union")(List([2])) == S(1, 2)


def test_getattr_reads_modules_and_protocol_values():
    assert ops.getattr_(Module("m", {"x": 1}), "x") == 1
    assert ops.getattr_(Host(), "field") == 42


@pytest.mark.parametrize(
    ("x", "name", "msg"),
    [
        (1, "foo", "int has no .foo field or method"),
        ("abc", "uper", "string has no .uper field or method (did you mean .upper?)"),
        (List(), "apend", "list has no .apend field or method (did you mean .append?)"),
        (List(), "zzzzzz", "list has no .zzzzzz field or method"),
        (
            Dict(),
            "set_default",
            "dict has no .set_default field or method (did you mean .setdefault?)",
        ),
        (
            Module("m", {"value": 1}),
            "valeu",
            "module has no .valeu field or method (did you mean .value?)",
        ),
        (Host(), "feild", "host has no .feild field or method (did you mean .field?)"),
    ],
)
def test_getattr_errors_use_gos_words_and_spelling_hints(x, name, msg):
    with fails(msg):
        ops.getattr_(x, name)


def test_getattr_passes_on_errors_computing_an_attribute():
    with fails("cannot compute"):
        ops.getattr_(Host(), "broken")


def test_hasattr_reports_attributes():
    assert ops.hasattr_(List(), "append")
    assert not ops.hasattr_(List(), "push")
    assert ops.hasattr_(Host(), "field")
    assert ops.hasattr_(Host(), "broken")
    assert not ops.hasattr_(Host(), "nope")
    assert not ops.hasattr_(1, "real")


def test_setattr_always_fails_for_builtin_types():
    with fails("can't assign to .f field of int"):
        ops.setattr_(1, "f", 2)


def test_dir_lists_sorted_attribute_names():
    assert ops.dir_(List()) == ["append", "clear", "extend", "index", "insert", "pop", "remove"]
    assert ops.dir_(Module("m", {"b": 1, "a": 2})) == ["a", "b"]
    assert ops.dir_(Host()) == ["broken", "field"]
    assert ops.dir_(1) == []
    assert "upper" in ops.dir_("")


def test_nearest_ignores_case_and_underscores_and_limits_distance():
    assert ops.nearest("SetDefault", ["get", "setdefault"]) == "setdefault"
    assert ops.nearest("xyz", ["abc"]) is None
    assert ops.nearest("", ["a"]) is None


# --- iteration and unpacking ----------------------------------------------


def test_iterate_guards_lists_dicts_and_sets_until_iter_done():
    for v in (List([1]), Dict(a=1), S(1)):
        it = ops.iterate(v)
        assert list(it) == list(v)
        assert v.itercount == 1
        ops.iterate(v)
        assert v.itercount == 2
        ops.iter_done(v)
        ops.iter_done(v)
        assert v.itercount == 0


def test_iterate_does_not_count_iterations_of_frozen_values():
    v = freeze(List([1]))
    ops.iterate(v)
    assert v.itercount == 0
    ops.iter_done(v)
    assert v.itercount == 0


def test_iterate_accepts_tuples_ranges_and_iterable_protocol_values():
    assert list(ops.iterate((1, 2))) == [1, 2]
    assert list(ops.iterate(range(3))) == [0, 1, 2]
    assert list(ops.iterate(Elems())) == [1, 2]
    ops.iter_done((1,))  # a no-op


@pytest.mark.parametrize(
    ("x", "msg"),
    [
        ("abc", "string value is not iterable"),
        (b"abc", "bytes value is not iterable"),
        (1, "int value is not iterable"),
        (None, "NoneType value is not iterable"),
        (Host(), "host value is not iterable"),
    ],
)
def test_iterate_errors_use_gos_words(x, msg):
    with fails(msg):
        ops.iterate(x)


def test_unpack_returns_exactly_n_values():
    assert ops.unpack((1, 2), 2) == (1, 2)
    assert ops.unpack(List([1, 2]), 2) == (1, 2)
    assert ops.unpack(Dict(a=1, b=2), 2) == ("a", "b")
    assert ops.unpack(range(3), 3) == (0, 1, 2)
    assert ops.unpack(Elems(), 2) == (1, 2)


@pytest.mark.parametrize(
    ("x", "n", "msg"),
    [
        ((1, 2, 3), 2, "too many values to unpack (got 3, want 2)"),
        (List([1]), 2, "too few values to unpack (got 1, want 2)"),
        (range(5), 2, "too many values to unpack (got 5, want 2)"),
        (S(), 1, "too few values to unpack (got 0, want 1)"),
        (1, 2, "got int in sequence assignment"),
        ("ab", 2, "got string in sequence assignment"),
    ],
)
def test_unpack_errors_use_gos_words(x, n, msg):
    with fails(msg):
        ops.unpack(x, n)


def test_star_args_makes_a_tuple_of_any_iterable():
    assert ops.star_args(List([1, 2])) == (1, 2)
    assert ops.star_args((1,)) == (1,)
    assert ops.star_args(Dict(a=1)) == ("a",)
    with fails("argument after * must be iterable, not int"):
        ops.star_args(1)
    with fails("argument after * must be iterable, not string"):
        ops.star_args("ab")


def test_kwargs_dict_requires_a_dict_with_string_keys():
    d = Dict(a=1)
    out = ops.kwargs_dict(d)
    assert out == {"a": 1}
    assert type(out) is dict
    with fails("argument after ** must be a mapping, not list"):
        ops.kwargs_dict(List())
    with fails("keywords must be strings, not int"):
        ops.kwargs_dict(Dict({1: 2}))


# --- augmented assignment -------------------------------------------------


def test_list_plus_equals_extends_in_place_with_any_iterable():
    lst = List([1])
    assert ops.augmented("+=", lst, List([2])) is lst
    assert ops.augmented("+", lst, (3,)) is lst
    assert ops.augmented("+=", lst, Dict(k=0)) is lst
    assert ops.augmented("+=", lst, lst) is lst
    assert lst == [1, 2, 3, "k", 1, 2, 3, "k"]


def test_list_plus_equals_respects_freezing_and_iteration():
    lst = List([1])
    ops.iterate(lst)
    with fails("cannot apply += to list during iteration"):
        ops.augmented("+=", lst, List([2]))
    ops.iter_done(lst)
    freeze(lst)
    with fails("cannot apply += to frozen list"):
        ops.augmented("+=", lst, List([2]))


def test_list_plus_equals_a_non_iterable_fails_like_plus():
    with fails("unknown binary op: list + string"):
        ops.augmented("+=", List(), "ab")


def test_dict_pipe_equals_updates_in_place():
    d = Dict(a=1)
    assert ops.augmented("|=", d, Dict(b=2)) is d
    assert d == {"a": 1, "b": 2}
    freeze(d)
    with fails("cannot apply |= to frozen hash table"):
        ops.augmented("|=", d, Dict())


@pytest.mark.parametrize(
    ("op", "expected"),
    [("|=", [1, 2, 3, 4]), ("&=", [2, 3]), ("-=", [1]), ("^=", [1, 4])],
)
def test_set_augmented_operators_update_in_place(op, expected):
    s = S(1, 2, 3)
    assert ops.augmented(op, s, S(4, 3, 2)) is s
    assert list(s) == expected


def test_set_augmented_operators_with_itself():
    for op, n in (("|=", 2), ("&=", 2), ("-=", 0), ("^=", 0)):
        s = S(1, 2)
        ops.augmented(op, s, s)
        assert len(s) == n


def test_set_augmented_operators_respect_freezing():
    s = freeze(S(1))
    with fails("cannot delete from frozen hash table"):
        ops.augmented("&=", s, S())


def test_other_augmented_assignments_rebind():
    t = (1,)
    assert ops.augmented("+=", t, (2,)) == (1, 2)
    assert ops.augmented("-=", 5, 2) == 3
    assert ops.augmented("<<=", 1, 3) == 8
    assert ops.augmented("//=", 7, 2) == 3
    with fails("unknown binary op: set | list"):
        ops.augmented("|=", S(), List())


def test_binary_rejects_an_unknown_operator():
    with fails("unknown binary op: int ? int"):
        ops.binary("?", 1, 2)


def test_as_int32_bounds():
    assert ops.as_int32(2**31 - 1) == 2**31 - 1
    assert ops.as_int32(-(2**31)) == -(2**31)
    with fails("2147483648 out of range"):
        ops.as_int32(2**31)
    with fails("got bool, want int"):
        ops.as_int32(True)
