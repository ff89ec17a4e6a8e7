"""Tests of format.py: repr/str of every value, quoting, Go float formatting, `%`, str.format."""

from __future__ import annotations

import math

import pytest

from starflow.starlark.errors import EvalError
from starflow.starlark.format import (
    format_float,
    int_to_str,
    percent_format,
    quote_bytes,
    quote_str,
    repr_value,
    str_format,
    str_value,
    utf8_transcode,
)
from starflow.starlark.values import Builtin, Dict, List, Module, Set


def fails(message, fn, *args):
    """`fn(*args)` fails with exactly `message`."""
    with pytest.raises(EvalError) as info:
        fn(*args)
    assert info.value.msg == message


def fails_with(fragment, fn, *args):
    """`fn(*args)` fails with a message containing `fragment`."""
    with pytest.raises(EvalError) as info:
        fn(*args)
    assert fragment in info.value.msg


# ---- repr and str of each type ----


def test_none_and_bools_print_as_python_keywords():
    assert repr_value(None) == "None"
    assert repr_value(True) == "True"
    assert repr_value(False) == "False"
    assert str_value(None) == "None"
    assert str_value(True) == "True"


def test_ints_print_in_decimal_of_any_size():
    assert repr_value(0) == "0"
    assert repr_value(-42) == "-42"
    assert repr_value(2**100) == "1267650600228229401496703205376"
    big = 7 * 10**9000 + 3
    assert repr_value(big) == "7" + "0" * 8999 + "3"
    assert repr_value(-big) == "-7" + "0" * 8999 + "3"
    assert int_to_str(-(10**5000)) == "-1" + "0" * 5000


def test_a_string_repr_is_double_quoted_and_its_str_is_itself():
    assert repr_value("abc") == '"abc"'
    assert str_value("abc") == "abc"
    assert repr_value("") == '""'


def test_string_quoting_escapes_quotes_backslashes_and_controls_as_go():
    assert quote_str('a"b') == '"a\\"b"'
    assert quote_str("a\\b") == '"a\\\\b"'
    assert quote_str("it's") == '"it\'s"'
    assert quote_str("\a\b\f\n\r\t\v") == '"\\a\\b\\f\\n\\r\\t\\v"'
    assert quote_str("\x00\x1f\x7f") == '"\\x00\\x1f\\x7f"'
    assert quote_str('\n"') == '"\\n\\""'


def test_string_quoting_keeps_printable_unicode_and_escapes_the_rest():
    assert quote_str("héllo, 世界 😀") == '"héllo, 世界 😀"'
    assert quote_str("\x85\xa0\xad") == '"\\u0085\\u00a0\\u00ad"'
    assert quote_str("\u2028") == '"\\u2028"'
    assert quote_str("\U000e0001") == '"\\U000e0001"'
    assert quote_str("\ud800") == '"\\ud800"'


def test_bytes_repr_prints_valid_utf8_as_text_and_other_bytes_as_hex_escapes():
    assert repr_value(b"abc") == 'b"abc"'
    assert repr_value(b"") == 'b""'
    assert quote_bytes(b'a"\\') == 'b"a\\"\\\\"'
    assert quote_bytes(b"\x00\n\x7f") == 'b"\\x00\\n\\x7f"'
    assert quote_bytes("é世".encode()) == 'b"é世"'
    assert quote_bytes(b"\xff\xfe") == 'b"\\xff\\xfe"'
    assert quote_bytes(b"\xe4\xb8") == 'b"\\xe4\\xb8"'  # truncated sequence
    assert quote_bytes(b"\xed\xa0\x80") == 'b"\\xed\\xa0\\x80"'  # encoded surrogate
    assert quote_bytes(b"\xc2\x85") == 'b"\\u0085"'  # valid but not printable


def test_str_of_bytes_decodes_and_replaces_each_bad_byte_as_go():
    assert str_value(b"abc") == "abc"
    assert str_value("é".encode()) == "é"
    assert str_value(b"a\xffb") == "a\ufffdb"
    assert utf8_transcode(b"\xe4\xb8A") == "\ufffd\ufffdA"


def test_floats_print_in_gos_shortest_form():
    assert repr_value(1.0) == "1.0"
    assert str_value(0.5) == "0.5"
    assert repr_value(-0.0) == "-0.0"


def test_tuples_print_with_a_trailing_comma_only_when_single():
    assert repr_value(()) == "()"
    assert repr_value((1,)) == "(1,)"
    assert repr_value((1, "a")) == '(1, "a")'
    assert repr_value(((),)) == "((),)"


def test_lists_dicts_and_sets_print_their_elements_as_repr():
    assert repr_value(List()) == "[]"
    assert repr_value(List([1, "a", None])) == '[1, "a", None]'
    assert repr_value(Dict()) == "{}"
    assert repr_value(Dict({"a": 1, 2: List(["b"])})) == '{"a": 1, 2: ["b"]}'
    assert repr_value(Set()) == "set([])"
    assert repr_value(Set({1: None, "x": None})) == 'set([1, "x"])'
    assert str_value(List(["a"])) == '["a"]'


def test_plain_python_lists_and_dicts_print_like_starlark_ones():
    assert repr_value([1, 2]) == "[1, 2]"
    assert repr_value({"k": (1,)}) == '{"k": (1,)}'


def test_ranges_print_as_go_does():
    assert repr_value(range(10)) == "range(10)"
    assert repr_value(range(0, 10)) == "range(10)"
    assert repr_value(range(1, 10)) == "range(1, 10)"
    assert repr_value(range(0, 10, 2)) == "range(0, 10, 2)"
    assert repr_value(range(5, -1, -1)) == "range(5, -1, -1)"


def test_builtins_print_as_functions_or_bound_methods():
    assert repr_value(Builtin("len", len, None)) == "<built-in function len>"
    method = Builtin("append", None, List())
    assert repr_value(method) == "<built-in method append of list value>"
    assert repr_value(Builtin("split", None, "abc")) == "<built-in method split of string value>"


def test_a_module_prints_its_quoted_name_as_go():
    assert repr_value(Module("json", {})) == '<module "json">'
    assert str_value(Module("json", {})) == '<module "json">'


class _Fn:
    type_name = "function"

    def __init__(self, name):
        self.name = name


class _Host:
    type_name = "point"

    def __init__(self, *parts):
        self.parts = parts

    def starlark_repr(self):
        return "point(" + ", ".join(repr_value(p) for p in self.parts) + ")"

    def starlark_str(self):
        return "P"


class _Opaque:
    type_name = "opaque"


def test_a_function_prints_its_name():
    assert repr_value(_Fn("f")) == "<function f>"
    assert repr_value(_Fn("lambda")) == "<function lambda>"


def test_host_values_use_their_protocol_methods():
    h = _Host(1, "a")
    assert repr_value(h) == 'point(1, "a")'
    assert str_value(h) == "P"
    assert repr_value(List([h])) == '[point(1, "a")]'
    assert repr_value(_Opaque()) == "<opaque>"
    assert str_value(_Opaque()) == "<opaque>"


def test_a_list_that_contains_itself_prints_an_ellipsis():
    x = List()
    x.append(x)
    assert repr_value(x) == "[[...]]"
    y = List([1])
    y.append(List([y, 2]))
    assert repr_value(y) == "[1, [[...], 2]]"


def test_a_dict_that_contains_itself_prints_an_ellipsis():
    d = Dict()
    d["self"] = d
    d["n"] = 1
    assert repr_value(d) == '{"self": {...}, "n": 1}'


def test_a_value_shared_but_not_cyclic_prints_in_full():
    inner = List([1])
    assert repr_value(List([inner, inner, (inner,)])) == "[[1], [1], ([1],)]"


def test_a_cycle_through_a_host_value_prints_an_ellipsis():
    x = List()
    x.append(_Host(x))
    assert repr_value(x) == "[point([...])]"


def test_a_very_deeply_nested_value_prints_without_recursion_error():
    x = List()
    for _ in range(100_000):
        x = List([x])
    text = repr_value(x)
    assert len(text) == 200_002
    t = ()
    for _ in range(50_000):
        t = (t,)
    assert repr_value(t).startswith("(((")


def test_host_values_nested_too_deeply_fail_with_an_eval_error():
    h = _Host(0)
    for _ in range(5_000):
        h = _Host(h)
    fails_with("too deeply nested", repr_value, h)


# ---- floats, as Go's Float.format ----


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (1.0, "1.0"),
        (-1.0, "-1.0"),
        (0.1, "0.1"),
        (1.5, "1.5"),
        (1.11, "1.11"),
        (123.0, "123.0"),
        (100000.0, "100000.0"),
        (123456.0, "123456.0"),
        (999999.0, "999999.0"),
        (1e6, "1e+06"),
        (1234567.0, "1.234567e+06"),
        (1e16, "1e+16"),
        (1e17, "1e+17"),
        (1e20, "1e+20"),
        (1e22, "1e+22"),
        (2.0**53, "9.007199254740992e+15"),
        (1.23e45, "1.23e+45"),
        (1e100, "1e+100"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (0.001, "0.001"),
        (0.0001, "0.0001"),
        (0.000123, "0.000123"),
        (1e-5, "1e-05"),
        (1e-7, "1e-07"),
        (-1.23e-45, "-1.23e-45"),
        (5e-324, "5e-324"),
        (100.0 / 7.0, "14.285714285714286"),
        (1.2e3 + 5.6e7, "5.60012e+07"),
        (math.inf, "+inf"),
        (-math.inf, "-inf"),
        (math.nan, "nan"),
    ],
)
def test_float_str_uses_gos_shortest_g_format(value, text):
    assert format_float(value) == text
    assert repr_value(value) == text


def test_float_uppercase_g_uses_an_uppercase_exponent():
    assert format_float(1e6, "G") == "1E+06"
    assert format_float(1.5e-10, "G") == "1.5E-10"
    assert format_float(12.0, "G") == "12.0"
    assert format_float(math.inf, "G") == "+inf"


def test_float_e_and_f_use_six_digits_of_precision():
    assert format_float(0.0, "e") == "0.000000e+00"
    assert format_float(123.0, "e") == "1.230000e+02"
    assert format_float(1.23e45, "e") == "1.230000e+45"
    assert format_float(-1.23e-45, "e") == "-1.230000e-45"
    assert format_float(-0.0, "e") == "-0.000000e+00"
    assert format_float(1.5e300, "E") == "1.500000E+300"
    assert format_float(123.0, "f") == "123.000000"
    assert format_float(1.23e45, "f") == "1229999999999999973814869011019624571608236032.000000"
    assert format_float(-1.23e-45, "f") == "-0.000000"
    assert format_float(2.5, "F") == "2.500000"
    for conv in "eEfF":
        assert format_float(math.nan, conv) == "nan"
        assert format_float(math.inf, conv) == "+inf"
        assert format_float(-math.inf, conv) == "-inf"


# ---- the % operator ----


def test_percent_formats_each_verb():
    assert percent_format("%s|%r", ("hi", "hi")) == 'hi|"hi"'
    assert percent_format("%d %i", (123, -4)) == "123 -4"
    assert percent_format("%o %x %X", (8, 456, 456)) == "10 1c8 1C8"
    assert percent_format("%x %o", (-255, -8)) == "-ff -10"
    assert percent_format("%e %E", (1.5, 1.5)) == "1.500000e+00 1.500000E+00"
    assert percent_format("%f %F", (1.5, 1.5)) == "1.500000 1.500000"
    assert percent_format("%g %G", (1e6, 1e6)) == "1e+06 1E+06"
    assert percent_format("%g", 123) == "123.0"
    assert percent_format("%c%c%c", (65, 0x3B1, "z")) == "Aαz"
    assert percent_format("100%%", ()) == "100%"
    assert percent_format("%%d %d", 1) == "%d 1"


def test_percent_takes_a_single_operand_unless_it_is_a_tuple():
    assert percent_format("Hello %s", "Bob") == "Hello Bob"
    assert percent_format("%s", ((40, -74),)) == "(40, -74)"
    assert percent_format("%s", List([1])) == "[1]"
    assert percent_format("%s", Dict({"x": 1})) == '{"x": 1}'
    assert percent_format("A", ()) == "A"


def test_percent_s_inserts_strings_raw_and_other_values_as_repr():
    assert percent_format("%s", (List(["a"]),)) == '["a"]'
    assert percent_format("%s", (b"x",)) == 'b"x"'
    assert percent_format("%s %s", (None, 1.0)) == "None 1.0"
    assert percent_format("%s %r", (_Host(1), _Host(1))) == "P point(1)"


def test_percent_d_truncates_floats_and_rejects_non_numbers():
    assert percent_format("%d", 3.9) == "3"
    assert percent_format("%d", -3.9) == "-3"
    assert percent_format("%d", -0.0) == "0"
    assert percent_format("%d", 1.23e45) == "1229999999999999973814869011019624571608236032"
    assert percent_format("%x", 255.5) == "ff"
    assert percent_format("%d", 10**5000) == "1" + "0" * 5000
    fails("%d format requires integer: cannot convert bool to int", percent_format, "%d", True)
    fails("%x format requires integer: cannot convert string to int", percent_format, "%x", "1")
    fails_with("cannot convert float NaN to integer", percent_format, "%d", math.nan)
    fails_with("cannot convert float infinity to integer", percent_format, "%d", -math.inf)


def test_percent_float_verbs_accept_ints_but_not_other_types():
    assert percent_format("%e", 0) == "0.000000e+00"
    assert percent_format("%f", 123) == "123.000000"
    assert percent_format("%g", 10**400) == "+inf"
    fails("%e format requires float, not string", percent_format, "%e", "123")
    fails("%g format requires float, not bool", percent_format, "%g", False)


def test_percent_c_needs_a_code_point_or_a_single_character():
    assert percent_format("%c", 0xD800) == "\ufffd"
    fails("%c format requires a single-character string", percent_format, "%c", "abc")
    fails_with("requires a single-character string", percent_format, "%c", "")
    fails(
        "%c format requires int or single-character string, not float", percent_format, "%c", 65.0
    )
    fails(
        "%c format requires a valid Unicode code point, got 10000000",
        percent_format,
        "%c",
        10000000,
    )
    fails("%c format requires a valid Unicode code point, got -1", percent_format, "%c", -1)


def test_percent_with_keys_reads_a_dict():
    d = Dict({"foo": 123, "bar": "hi", "foo(bar)": "nested"})
    assert percent_format("A %(foo)d %(bar)s Z", d) == "A 123 hi Z"
    # as Go: the key ends at the first ")"
    fails("key not found: foo(bar", percent_format, "%(foo(bar))s", d)
    assert percent_format("%(bar)r", d) == '"hi"'
    fails("key not found: baz", percent_format, "%(baz)s", d)
    fails("format requires a mapping", percent_format, "%(a)s", (1,))
    fails("incomplete format key", percent_format, "%(a", d)
    fails("not enough arguments for format string", percent_format, "%(foo)s %s", d)


def test_percent_reports_gos_errors():
    fails("not enough arguments for format string", percent_format, "%d %d", 1)
    fails("too many arguments for format string", percent_format, "%d %d", (1, 2, 3))
    fails("too many arguments for format string", percent_format, "", 1)
    fails("too many arguments for format string", percent_format, "coordinates=%s", (40, -74))
    fails("incomplete format", percent_format, "abc%", 1)
    fails("unknown conversion %q", percent_format, "%q", 1)
    fails("unknown conversion %5", percent_format, "%5d", 1)


# ---- str.format ----


def test_format_fills_automatic_manual_and_keyword_fields():
    assert str_format("a{}b", (123,), {}) == "a123b"
    assert str_format("a{}b{}c{}d{}", (1, 2, 3, 4), {}) == "a1b2c3d4"
    assert str_format("a{x}b{y}c{}", (1,), {"x": 2, "y": 3}) == "a2b3c1"
    assert str_format("({1}, {0})", ("zero", "one"), {}) == "(one, zero)"
    assert str_format("{0000000000001}", (0, 1), {}) == "1"
    assert str_format("{012}", tuple(range(100)), {}) == "12"
    assert str_format("{x}", (), {"x": None}) == "None"


def test_format_doubles_braces_for_literals():
    assert str_format("a{{b", (), {}) == "a{b"
    assert str_format("a}}b", (), {}) == "a}b"
    assert str_format("a{{b}}c", (), {}) == "a{b}c"
    assert str_format("{{{}}}", (1,), {}) == "{1}"


def test_format_conversions_choose_str_or_repr():
    assert str_format("a{!s}c", ("b",), {}) == "abc"
    assert str_format("a{!r}c", ("b",), {}) == 'a"b"c'
    assert str_format("a{x!r}c", (), {"x": "b"}) == 'a"b"c'
    assert str_format("{}", (List(["a"]),), {}) == '["a"]'
    assert str_format("{} {!r}", (_Host(2), _Host(2)), {}) == "P point(2)"
    fails('format: unknown conversion "x"', str_format, "{!x}", (1,), {})
    fails('format: unknown conversion ""', str_format, "{x!}", (), {"x": 1})
    fails_with("unknown conversion", str_format, "{x!:}", (), {"x": 1})


@pytest.mark.parametrize(
    ("fmt", "args", "kwargs", "message"),
    [
        ("a{z}b", (), {"x": 1}, "format: keyword z not found"),
        ("{-1}", (1,), {}, "format: keyword -1 not found"),
        ("{+0}", (1,), {}, "format: keyword +0 not found"),
        ("{0,1} and {1}", (1, 2), {}, "format: keyword 0,1 not found"),
        ("{99999999999999999999}", (1,), {}, "format: keyword 99999999999999999999 not found"),
        ("a{123}b", (), {}, "format: tuple index out of range"),
        ("a{}b{}c", (1,), {}, "format: tuple index out of range"),
        (
            "a{}b{1}c",
            (1, 2),
            {},
            "format: cannot switch from automatic field numbering to manual field specification",
        ),
        (
            "a{1}b{}c",
            (1, 2),
            {},
            "format: cannot switch from manual field specification to automatic field numbering",
        ),
        (
            "{a.b}",
            (1,),
            {},
            "format: attribute syntax x.y is not supported in replacement fields: a.b",
        ),
        (
            "{a[0]}",
            (1,),
            {},
            "format: element syntax a[i] is not supported in replacement fields: a[0]",
        ),
        ("{ {} }", (1,), {}, "format: nested replacement fields not supported"),
        ("{{}", (1,), {}, "format: single '}' in format"),
        ("{}}", (1,), {}, "format: single '}' in format"),
        ("}}{", (1,), {}, "format: unmatched '{' in format"),
        ("}{{", (1,), {}, "format: single '}' in format"),
        ("{:d}", (1,), {}, "format spec features not supported in replacement fields: d"),
        ("{0!r:>5}", (1,), {}, "format spec features not supported in replacement fields: >5"),
    ],
)
def test_format_reports_gos_errors(fmt, args, kwargs, message):
    with pytest.raises(EvalError) as info:
        str_format(fmt, args, kwargs)
    assert info.value.msg == message


def test_cached_simple_formats_give_the_same_results_as_the_general_path():
    from starflow.starlark.format import percent_format, str_format

    # first call parses and caches, the second uses the cache
    for _ in range(2):
        assert percent_format("%d,%s,%%", (5, "x")) == "5,x,%"
        assert percent_format("%s", True) == "True"  # a bool takes the general path
        assert str_format("{}: {} {{}}", (1, "a"), {}) == "1: a {}"
        assert str_format("{}", (1.5,), {}) == "1.5"
    with pytest.raises(EvalError, match="not enough arguments"):
        percent_format("%d %d", (1,))
