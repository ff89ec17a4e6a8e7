"""Unit tests of starflow.starlark.values: types, truth, freezing, equality, ordering, hashing."""

from __future__ import annotations

import math

import pytest

from starflow.starlark import values
from starflow.starlark.errors import EvalError
from starflow.starlark.values import (
    Builtin,
    Dict,
    List,
    Module,
    Set,
    check_hash_mutable,
    check_hashable,
    check_list_mutable,
    compare,
    equal,
    fnv32a,
    freeze,
    from_python,
    hash_value,
    is_frozen,
    java_string_hash,
    to_python,
    truth,
    type_name,
)

NAN = float("nan")
INF = float("inf")


def fails(msg: str):
    return pytest.raises(EvalError, match="^" + _re(msg) + "$")


def _re(s: str) -> str:
    import re

    return re.escape(s)


class Host:
    type_name = "host"

    def __init__(self, v=0, truthy=True):
        self.v = v
        self.truthy = truthy
        self.frozen = False

    def starlark_truth(self):
        return self.truthy

    def starlark_equal(self, other):
        return self.v == other.v

    def starlark_freeze(self):
        self.frozen = True


class Opaque:
    type_name = "opaque"


# --- containers -----------------------------------------------------------


def test_containers_are_native_subclasses_whose_class_is_their_state():
    lst, d, s = List([1]), Dict(a=1), Set.fromkeys([1, 2])
    assert isinstance(lst, list)
    assert isinstance(d, dict)
    assert isinstance(s, dict)
    for v in (lst, d, s):
        assert v.frozen is False
        assert v.itercount == 0
        assert not hasattr(v, "__dict__")  # as small as the native value
    assert list(s) == [1, 2]
    # iterated: IterList (nested loops counted aside); frozen: FrozenList
    values.iter_acquire(lst)
    values.iter_acquire(lst)
    assert (type(lst), lst.itercount) == (values.IterList, 2)
    values.iter_release(lst)
    assert (type(lst), lst.itercount) == (values.IterList, 1)
    values.iter_release(lst)
    assert (type(lst), lst.itercount) == (List, 0)
    values.freeze(d)
    assert (type(d), d.frozen) == (values.FrozenDict, True)
    values.iter_acquire(d)  # a frozen container needs no guard
    assert (type(d), d.itercount) == (values.FrozenDict, 0)
    assert isinstance(lst, List)
    assert isinstance(d, Dict)
    assert type(s) is Set


def test_list_mutability_check_uses_gos_words():
    lst = List()
    check_list_mutable(lst, "append to")
    lst.itercount = 1
    with fails("cannot append to list during iteration"):
        check_list_mutable(lst, "append to")
    lst.frozen = True
    with fails("cannot append to frozen list"):
        check_list_mutable(lst, "append to")


def test_hash_table_mutability_check_uses_gos_words():
    d = Dict()
    d.itercount = 2
    with fails("cannot insert into hash table during iteration"):
        check_hash_mutable(d, "insert into")
    s = Set()
    s.frozen = True
    with fails("cannot delete from frozen hash table"):
        check_hash_mutable(s, "delete from")


# --- Builtin and Module ---------------------------------------------------


def test_builtin_calls_fn_with_receiver_first_when_bound():
    unbound = Builtin("f", lambda *a, **k: (a, k))
    assert unbound(1, x=2) == ((1,), {"x": 2})
    bound = Builtin("m", lambda recv, a: (recv, a), recv="r")
    assert bound(1) == ("r", 1)


def test_builtin_repr_names_function_or_method_as_go():
    assert Builtin("len", len).starlark_repr() == "<built-in function len>"
    assert (
        Builtin("count", str.count, "abc").starlark_repr()
        == "<built-in method count of string value>"
    )
    assert type_name(Builtin("len", len)) == "builtin_function_or_method"


def test_freezing_a_bound_method_freezes_its_receiver():
    lst = List()
    freeze(Builtin("append", list.append, lst))
    assert lst.frozen


def test_module_exposes_members_as_attributes_and_is_unhashable():
    m = Module("math", {"pi": 3.14, "xs": List()})
    assert m.starlark_attr("pi") == 3.14
    with pytest.raises(AttributeError):
        m.starlark_attr("e")
    assert m.starlark_attr_names() == ["pi", "xs"]
    assert m.starlark_repr() == '<module "math">'
    assert type_name(m) == "module"
    freeze(m)
    assert m.members["xs"].frozen
    with fails("unhashable type: module"):
        check_hashable(m)


# --- type_name and truth --------------------------------------------------


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (None, "NoneType"),
        (True, "bool"),
        (1, "int"),
        (1.5, "float"),
        ("s", "string"),
        (b"b", "bytes"),
        ((), "tuple"),
        (List(), "list"),
        (Dict(), "dict"),
        (Set(), "set"),
        (range(3), "range"),
        (Host(), "host"),
    ],
)
def test_type_name_uses_gos_names(value, name):
    assert type_name(value) == name


def test_type_name_of_a_non_starlark_value_is_its_class_name():
    assert type_name(object()) == "object"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, False),
        (0, False),
        (7, True),
        (0.0, False),
        (NAN, True),
        ("", False),
        ("x", True),
        (b"", False),
        ((), False),
        ((0,), True),
        (List(), False),
        (Dict(a=1), True),
        (Set(), False),
        (range(0), False),
        (range(2), True),
        (Host(truthy=False), False),
        (Opaque(), True),
    ],
)
def test_truth_follows_the_spec(value, expected):
    assert truth(value) is expected


# --- freeze ---------------------------------------------------------------


def test_freeze_is_recursive_through_every_container_and_returns_its_operand():
    inner = List([1])
    d = Dict({"k": inner})
    s = Set.fromkeys([(1, 2)])
    host = Host()
    outer = List([(d, s), host])
    assert freeze(outer) is outer
    assert outer.frozen
    assert d.frozen
    assert s.frozen
    assert inner.frozen
    assert host.frozen
    assert is_frozen(outer)
    assert is_frozen((inner,))


def test_freeze_handles_cycles():
    a = List()
    b = Dict(a=a)
    a.append(b)
    a.append(a)
    freeze(a)
    assert a.frozen
    assert b.frozen


def test_freeze_of_an_immutable_value_is_a_no_op():
    assert freeze(3) == 3
    assert freeze("s") == "s"
    assert is_frozen(1)
    assert is_frozen(None)
    assert is_frozen(range(2))


def test_is_frozen_reports_unfrozen_containers_and_tuples_holding_them():
    lst = List()
    assert not is_frozen(lst)
    assert not is_frozen((1, lst))
    assert not is_frozen(Host())  # its own frozen attribute


# --- equality -------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [
        (1, 1, True),
        (1, 1.0, True),
        (1.0, 1, True),
        (True, 1, False),
        (1, True, False),
        (False, 0.0, False),
        (NAN, NAN, True),
        (NAN, 1, False),
        (0.0, -0.0, True),
        ("a", "a", True),
        ("a", b"a", False),
        (None, None, True),
        (List([1, 2]), List([1, 2]), True),
        (List([1]), List([True]), False),
        (List([1]), (1,), False),
        ((1, (2, 3)), (1, (2, 3)), True),
        ((1,), (1, 2), False),
        (Dict(a=1, b=2), Dict(b=2, a=1), True),
        (Dict(a=1), Dict(a=2), False),
        (Dict(a=1), Dict(b=1), False),
        (Set.fromkeys([1, 2]), Set.fromkeys([2, 1]), True),
        (Set.fromkeys([1, 2]), List([1, 2]), False),
        (Set.fromkeys([1]), Dict({1: None}), False),
        (range(0), range(5, 5), True),
        (range(1, 4), range(1, 4), True),
        (range(3), List([0, 1, 2]), False),
        (Host(1), Host(1), True),
        (Host(1), Host(2), False),
        (List([NAN]), List([NAN]), True),
    ],
)
def test_equal_follows_starlark_rules(x, y, expected):
    assert equal(x, y) is expected


def test_values_without_starlark_equal_compare_by_identity():
    a, b = Opaque(), Opaque()
    assert equal(a, a)
    assert not equal(a, b)
    f = Builtin("f", len)
    assert equal(f, f)
    assert not equal(f, Builtin("f", len))


def test_equal_of_cyclic_values_fails_with_gos_message():
    a = List()
    a.append(a)
    b = List()
    b.append(b)
    with fails("comparison exceeded maximum recursion depth"):
        equal(a, b)


def test_equal_of_deeply_nested_values_beyond_gos_limit_works():
    a = b = 1
    for _ in range(50):
        a, b = List([a]), List([b])
    assert equal(a, b)


def test_equal_beyond_the_depth_limit_fails():
    a = b = 1
    for _ in range(150):
        a, b = List([a]), List([b])
    with fails("comparison exceeded maximum recursion depth"):
        equal(a, b)


# --- ordering -------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "x", "y", "expected"),
    [
        ("<", 1, 2, True),
        ("<", 2, 1.5, False),
        ("<=", 1, 1.0, True),
        (">", 10**30, 1e29, True),
        ("<", False, True, True),
        ("<", "a", "b", True),
        ("<", "é", "z", False),
        ("<", b"a", b"ab", True),
        ("<", (1, 2), (1, 3), True),
        ("<", (1, 2), (1, 2, 0), True),
        (">=", List([2]), List([1, 9]), True),
        ("<", List([1, Dict()]), List([1, Dict()]), False),
        ("<", INF, NAN, True),
        ("<", NAN, INF, False),
        (">", NAN, 10**400, True),
        ("<", 1, NAN, True),
        ("<=", NAN, NAN, True),
        ("<", -0.0, 0.0, False),
        ("==", 1, 1.0, True),
        ("!=", 1, True, True),
    ],
)
def test_compare_orders_values_as_the_spec(op, x, y, expected):
    assert compare(op, x, y) is expected


@pytest.mark.parametrize(
    ("op", "x", "y", "msg"),
    [
        ("<", 1, "a", "int < string not implemented"),
        (">=", "a", None, "string >= NoneType not implemented"),
        ("<", True, 1, "bool < int not implemented"),
        ("<", Dict(), Dict(), "dict < dict not implemented"),
        (">", Set(), Set(), "set > set not implemented"),
        ("<", range(1), range(2), "range < range not implemented"),
        ("<", List([1]), List(["a"]), "int < string not implemented"),
        ("<", Opaque(), Opaque(), "opaque < opaque not implemented"),
    ],
)
def test_compare_of_unordered_values_fails_with_gos_words(op, x, y, msg):
    with fails(msg):
        compare(op, x, y)


def test_compare_rejects_an_unknown_operator():
    with fails("unknown comparison operator in"):
        compare("in", 1, 2)


def test_compare_of_cyclic_lists_fails():
    a = List()
    a.append(a)
    b = List()
    b.append(b)
    with fails("comparison exceeded maximum recursion depth"):
        compare("<", a, b)


# --- hashing --------------------------------------------------------------


@pytest.mark.parametrize(
    "value", [None, True, 1, 1.5, NAN, "s", b"b", (1, ("a",)), Builtin("f", len)]
)
def test_hashable_values_pass_check_hashable(value):
    check_hashable(value)


@pytest.mark.parametrize(
    ("value", "msg"),
    [
        (List(), "unhashable type: list"),
        (Dict(), "unhashable type: dict"),
        (Set(), "unhashable type: set"),
        ((1, List()), "unhashable type: list"),
        ((1, (2, Dict())), "unhashable type: dict"),
        (range(3), "unhashable: range"),
    ],
)
def test_unhashable_values_fail_check_hashable(value, msg):
    with fails(msg):
        check_hashable(value)


def test_string_hash_is_javas_string_hash_code():
    assert hash_value("") == 0
    assert hash_value("a") == 97
    assert hash_value("hello") == 99162322
    assert hash_value("hello world, this is long") == java_string_hash("hello world, this is long")
    # overflow wraps to a signed 32-bit int, as Java
    assert hash_value("polygenelubricants") == -2147483648
    # a code point above U+FFFF hashes as its UTF-16 surrogate pair
    assert hash_value("😀") == (31 * 0xD83D + 0xDE00)


def test_bytes_hash_is_fnv1a_32():
    assert hash_value(b"") == 2166136261
    assert hash_value(b"a") == 0xE40C292C
    assert fnv32a(b"foobar") == 0xBF9CF968


def test_hash_of_other_types_fails():
    with fails("hash: got int, want string or bytes"):
        hash_value(1)


# --- Python conversion ----------------------------------------------------


def test_from_python_converts_containers_recursively():
    v = from_python({"a": [1, (2, {3})], "b": None})
    assert type(v) is Dict
    assert type(v["a"]) is List
    assert type(v["a"][1]) is tuple
    assert type(v["a"][1][1]) is Set
    assert list(v["a"][1][1]) == [3]


def test_from_python_keeps_starlark_values_and_wraps_callables():
    lst = List()
    assert from_python(lst) is lst
    h = Host()
    assert from_python(h) is h
    b = from_python(len)
    assert type(b) is Builtin
    assert b.name == "len"
    assert b([1]) == 1


def test_from_python_handles_cycles():
    a: list = []
    a.append(a)
    v = from_python(a)
    assert v[0] is v


def test_from_python_rejects_unknown_objects():
    with pytest.raises(TypeError, match="cannot convert Python value of type object"):
        from_python(object())


def test_to_python_converts_back_recursively_and_cycle_safely():
    d = Dict(a=List([1, Set.fromkeys(["x"])]), t=(List([2]),))
    assert to_python(d) == {"a": [1, {"x"}], "t": ([2],)}
    assert type(to_python(d)["a"]) is list
    a = List()
    a.append(a)
    out = to_python(a)
    assert out[0] is out
    assert to_python(math.pi) == math.pi


def test_none_is_not_ordered():
    # as Go (checked against starlark-go): None supports == but not <
    with pytest.raises(EvalError, match="NoneType < NoneType not implemented"):
        compare("<", None, None)


def test_a_nested_iteration_count_left_behind_never_misleads_another_container():
    # a snapshot may restore a container as iterated by two loops that will
    # never release it; the count aside holds that very container, so a
    # later container with its id (impossible while it lives) is unaffected
    old = List([1])
    values.set_state(old, False, 3)
    assert old.itercount == 3
    fresh = List([2])
    values.iter_acquire(fresh)
    values.iter_release(fresh)
    assert type(fresh) is List
    values.set_state(old, False, 0)
    assert (type(old), old.itercount) == (List, 0)
