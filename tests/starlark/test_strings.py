"""Tests of strings.py: every method of string and bytes, with its errors."""

from __future__ import annotations

import inspect

import pytest

from starflow.starlark.errors import EvalError
from starflow.starlark.format import repr_value
from starflow.starlark.strings import (
    BYTES_METHODS,
    STR_METHODS,
    BytesElems,
    StringCodepoints,
    StringElems,
)
from starflow.starlark.values import Dict, List, Set


def call(recv, name, *args, **kwargs):
    methods = BYTES_METHODS if type(recv) is bytes else STR_METHODS
    return methods[name](recv, *args, **kwargs)


def fails(message, recv, name, *args, **kwargs):
    with pytest.raises(EvalError) as info:
        call(recv, name, *args, **kwargs)
    assert info.value.msg == message


SPEC_METHODS = (
    "capitalize codepoint_ords codepoints count elem_ords elems endswith find format index "
    "isalnum isalpha isdigit islower isspace istitle isupper join lower lstrip partition "
    "removeprefix removesuffix replace rfind rindex rpartition rsplit rstrip split splitlines "
    "startswith strip title upper"
).split()


def test_every_string_method_of_the_spec_and_go_is_defined():
    assert sorted(STR_METHODS) == sorted(SPEC_METHODS)
    assert sorted(BYTES_METHODS) == ["elems"]


def test_every_method_takes_its_arguments_positionally_only_as_go():
    for name, fn in [*STR_METHODS.items(), *BYTES_METHODS.items()]:
        for p in inspect.signature(fn).parameters.values():
            if (name, p.name) == ("splitlines", "keepends"):
                continue  # may be named, as the conformance suite requires
            assert p.kind in (p.POSITIONAL_ONLY, p.VAR_POSITIONAL, p.VAR_KEYWORD), name


# ---- elems and codepoints ----


def test_elems_is_an_indexable_view_of_the_code_points():
    e = call("abcЙ😿", "elems")
    assert type(e) is StringElems
    assert e.type_name == "string.elems"
    assert list(e) == ["a", "b", "c", "Й", "😿"]
    assert len(e) == 5
    assert e[3] == "Й"
    assert repr_value(e) == '"abcЙ😿".elems()'
    assert e.starlark_truth()
    assert bool(call("", "elems"))
    assert list(call("", "elems")) == []


def test_elem_ords_gives_the_code_point_numbers():
    e = call("abcЙ😿", "elem_ords")
    assert type(e) is StringElems
    assert list(e) == [97, 98, 99, 1049, 128575]
    assert e[4] == 128575
    assert repr_value(e) == '"abcЙ😿".elem_ords()'


def test_codepoints_are_iterable_but_neither_indexable_nor_sized():
    c = call("abcЙ😿", "codepoints")
    assert type(c) is StringCodepoints
    assert c.type_name == "string.codepoints"
    assert list(c) == ["a", "b", "c", "Й", "😿"]
    assert list(call("abcЙ😿", "codepoint_ords")) == [97, 98, 99, 1049, 128575]
    assert repr_value(c) == '"abcЙ😿".codepoints()'
    assert repr_value(call("x", "codepoint_ords")) == '"x".codepoint_ords()'
    assert not hasattr(c, "__len__")
    assert not hasattr(c, "__getitem__")
    assert bool(call("", "codepoints"))


def test_string_views_are_unhashable_and_equal_by_content():
    e = call("ab", "elems")
    with pytest.raises(TypeError):
        hash(e)
    assert e.starlark_equal(call("ab", "elems"))
    assert not e.starlark_equal(call("ab", "elem_ords"))
    assert not e.starlark_equal(call("ab", "codepoints"))
    assert call("ab", "codepoints").starlark_equal(call("ab", "codepoints"))


def test_bytes_elems_iterates_the_byte_values():
    e = call(b"a\xff", "elems")
    assert type(e) is BytesElems
    assert e.type_name == "bytes.elems"
    assert list(e) == [97, 255]
    assert repr_value(e) == 'b"a\\xff".elems()'
    assert bool(call(b"", "elems"))
    assert e.starlark_equal(call(b"a\xff", "elems"))
    with pytest.raises(TypeError):
        hash(e)


# ---- case ----


def test_capitalize_titles_the_first_character_and_lowers_the_rest():
    assert call("hElLo, WoRlD!", "capitalize") == "Hello, world!"
    assert call("por qué", "capitalize") == "Por qué"
    assert call("¿Por qué?", "capitalize") == "¿por qué?"
    assert call("ǆemal", "capitalize") == "ǅemal"
    assert call("", "capitalize") == ""


def test_lower_and_upper_map_each_character_simply():
    assert call("hElLo, WoRlD!", "lower") == "hello, world!"
    assert call("¿Por qué?", "upper") == "¿POR QUÉ?"
    assert call("ǇUBOVIĆ", "lower") == "ǉubović"
    assert call("ǉubović", "upper") == "ǇUBOVIĆ"
    # as Go: no final sigma, no expansion of ß, İ lowers to i
    assert call("ΟΔΟΣ", "lower") == "οδοσ"
    assert call("straße", "upper") == "STRAßE"
    assert call("İ", "lower") == "i"
    assert call("ᾳ", "upper") == "ᾼ"


def test_title_uppercases_words_and_lowers_the_rest():
    assert call("hElLo, WoRlD!", "title") == "Hello, World!"
    assert call("por qué", "title") == "Por Qué"
    assert call("¿Por qué?", "title") == "¿Por Qué?"
    assert call("ǉubović", "title") == "ǈubović"
    assert call("1st they're", "title") == "1St They'Re"


# ---- predicates ----

PREDICATES = ["alnum", "alpha", "digit", "lower", "space", "title", "upper"]


@pytest.mark.parametrize(
    ("s", "want"),
    [
        ("Hello, World!", "title"),
        ("hello, world!", "lower"),
        ("base64", "alnum lower"),
        ("HAL-9000", "upper"),
        ("Catch-22", "title"),
        ("", ""),
        ("\n\t\r", "space"),
        ("abc", "alnum alpha lower"),
        ("ABC", "alnum alpha upper"),
        ("123", "alnum digit"),
        ("ǄǇ", "alnum alpha upper"),
        ("ǅǈ", "alnum alpha"),
        ("ǅ ǈ", "title"),
        ("ǆǉ", "alnum alpha lower"),
        ("Éa", "alnum alpha title"),
        ("²", ""),
        ("½", ""),
        ("٣", "alnum digit"),
        ("\x1c", ""),
        ("\xa0\u3000", "space"),
    ],
)
def test_predicates_follow_gos_character_classes(s, want):
    got = " ".join(p for p in PREDICATES if call(s, "is" + p))
    assert got == want


def test_istitle_rejects_capital_digraphs_as_go():
    assert call("ǅenan ǈubović", "istitle")
    assert not call("Ǆenan Ǉubović", "istitle")
    assert call("ǄENAN ǇUBOVIĆ", "isupper")
    assert call("ǆenan ǉubović", "islower")


# ---- searching ----


def test_count_counts_within_the_indexed_substring():
    assert call("banana", "count", "a") == 3
    assert call("banana", "count", "a", 2) == 2
    assert call("banana", "count", "a", -4, -2) == 1
    assert call("banana", "count", "a", 1, 4) == 2
    assert call("banana", "count", "a", 0, -100) == 0
    assert call("banana", "count", "a", None, None) == 3
    assert call("abc", "count", "") == 4
    assert call("abc", "count", "", 5) == 1
    fails("count: for parameter 1: got int, want string", "abc", "count", 1)
    fails("count: invalid start index: got float, want int", "abc", "count", "a", 1.0)
    fails("count: invalid end index: got bool, want int", "abc", "count", "a", 0, True)


def test_find_and_rfind_return_an_index_or_minus_one():
    assert call("foofoo", "find", "oo") == 1
    assert call("foofoo", "find", "ox") == -1
    assert call("foofoo", "find", "oo", 2) == 4
    assert call("foofoo", "rfind", "oo") == 4
    assert call("foofoo", "rfind", "ox") == -1
    assert call("foofoo", "rfind", "oo", 1, 4) == 1
    assert call("foofoo", "find", "") == 0
    assert call("foofoo", "rfind", "") == 6
    assert call("bonbon", "find", "on", 2, 5) == -1
    assert call("bonbon", "rfind", "on", None, 5) == 1
    assert call("abc", "find", "", 10) == 3  # as Go: start clamps to len
    assert call("abc", "find", "c", -1) == 2
    assert call("héllo", "find", "l") == 2  # code points
    fails("find: for parameter 1: got NoneType, want string", "abc", "find", None)
    fails("rfind: invalid start index: got string, want int", "abc", "rfind", "a", "0")


def test_index_and_rindex_fail_when_not_found():
    assert call("bonbon", "index", "on") == 1
    assert call("bonbon", "index", "on", 2) == 4
    assert call("bonbon", "rindex", "on") == 4
    assert call("bonbon", "rindex", "on", None, 5) == 1
    fails("index: substring not found", "bonbon", "index", "on", 2, 5)
    fails("rindex: substring not found", "bonbon", "rindex", "on", 2, 5)
    fails("index: for parameter 1: got int, want string", "abc", "index", 1)


def test_startswith_and_endswith_accept_a_string_or_tuple_and_indices():
    assert call("foo", "endswith", "oo")
    assert not call("foo", "endswith", "x")
    assert call("foo", "startswith", "fo")
    assert not call("foo", "startswith", "x")
    assert call("abc", "startswith", ("a", "A"))
    assert not call("ABC", "startswith", ("b", "B"))
    assert call("ABC", "endswith", ("c", "C"))
    assert not call("abc", "startswith", ())
    assert call("abc", "startswith", "bc", 1)
    assert not call("abc", "startswith", "b", 999)
    assert call("abc", "endswith", "ab", None, -1)
    assert not call("abc", "endswith", "b", None, -999)
    assert call("filename.star", "startswith", "name", 4)
    assert not call("filename.star", "startswith", "name", 4, 7)
    assert call("abc", "startswith", "", 2, 1)
    fails("startswith: got int, want string or tuple of string", "foo", "startswith", 1)
    fails("endswith: got list, want string or tuple of string", "123", "endswith", List(["3"]))
    fails("startswith: want string, got int, for element 0", "123", "startswith", (1, 2))
    fails("endswith: want string, got int, for element 1", "123", "endswith", ("x", 2))
    fails("startswith: invalid start index: got float, want int", "a", "startswith", "a", 0.0)


# ---- join, split, partition ----


def test_join_concatenates_strings_from_any_iterable():
    assert call(",", "join", List()) == ""
    assert call(",", "join", List(["a"])) == "a"
    assert call(",", "join", List(["a", "b", "c"])) == "a,b,c"
    assert call("", "join", ("a", "b", "c")) == "abc"
    assert call("-", "join", Dict({"x": 1, "y": 2})) == "x-y"
    assert call("-", "join", Set({"p": None, "q": None})) == "p-q"
    assert call("a", "join", call("ctmrn", "elems")) == "catamaran"
    assert call("a", "join", call("ctmrn", "codepoints")) == "catamaran"
    fails("join: in list, want string, got int", "", "join", List(["one", 2]))
    fails("join: in list, want string, got int", "", "join", call("ab", "elem_ords"))
    fails("join: for parameter 1: got NoneType, want iterable", "", "join", None)
    fails("join: for parameter 1: got string, want iterable", ",", "join", "abc")
    fails("join: for parameter 1: got bytes, want iterable", ",", "join", b"abc")


def test_split_on_a_separator_keeps_empty_fields():
    assert call("a.b.c.d", "split", ".") == ["a", "b", "c", "d"]
    assert call("a.b.c.d", "split", ".", -1) == ["a", "b", "c", "d"]
    assert call("a.b.c.d", "split", ".", 0) == ["a.b.c.d"]
    assert call("a.b.c.d", "split", ".", 1) == ["a", "b.c.d"]
    assert call("a.b.c.d", "split", ".", 2) == ["a", "b", "c.d"]
    assert call("a.b.c.d", "rsplit", ".", 1) == ["a.b.c", "d"]
    assert call("a.b.c.d", "rsplit", ".", 2) == ["a.b", "c", "d"]
    assert call("a.b.c.d", "rsplit", ".", 0) == ["a.b.c.d"]
    assert call("a.b.c.d", "split", ".", 10**30) == ["a", "b", "c", "d"]
    assert call("a.b.c.d", "split", ".", -(10**30)) == ["a", "b", "c", "d"]
    assert call("  ", "split", ".") == ["  "]
    assert call("", "split", ".") == [""]
    assert call("--aa--bb--cc--", "split", "-", 1) == ["", "-aa--bb--cc--"]
    assert call("--aa--bb--cc--", "rsplit", "-", 1) == ["--aa--bb--cc-", ""]
    assert call("--aa--bb", "split", "-") == ["", "", "aa", "", "bb"]
    assert type(call("a", "split", ".")) is List


def test_split_on_white_space_drops_empty_fields():
    s = " a bc\n  def \t  ghi"
    assert call(s, "split") == ["a", "bc", "def", "ghi"]
    assert call(s, "split", None) == ["a", "bc", "def", "ghi"]
    assert call(s, "split", None, 0) == ["a bc\n  def \t  ghi"]
    assert call(s, "rsplit", None, 0) == [" a bc\n  def \t  ghi"]
    assert call(s, "split", None, 1) == ["a", "bc\n  def \t  ghi"]
    assert call(s, "rsplit", None, 1) == [" a bc\n  def", "ghi"]
    assert call(s, "split", None, 2) == ["a", "bc", "def \t  ghi"]
    assert call(s, "rsplit", None, 2) == [" a bc", "def", "ghi"]
    assert call(s, "rsplit", None, 3) == [" a", "bc", "def", "ghi"]
    assert call(s, "rsplit", None, 5) == ["a", "bc", "def", "ghi"]
    assert call(s + " ", "split", None, 1) == ["a", "bc\n  def \t  ghi "]
    assert call(s + " ", "rsplit", None, 0) == [" a bc\n  def \t  ghi"]
    assert call("  ", "split") == []
    assert call("  ", "rsplit", None) == []
    assert call("a\u3000b", "split") == ["a", "b"]


def test_split_on_white_space_uses_gos_white_space():
    # U+001C..U+001F are white space to Python but not to Go
    assert call("a\x1cb c", "split") == ["a\x1cb", "c"]
    assert call(" a\x1fb  c d ", "split", None, 1) == ["a\x1fb", "c d "]
    assert call(" a b\x1dc ", "rsplit", None, 1) == [" a", "b\x1dc"]
    assert call(" a b\x1dc ", "rsplit", None, 0) == [" a b\x1dc"]
    assert call("\x1e", "split") == ["\x1e"]


def test_split_reports_gos_errors():
    fails("split: empty separator", "abc", "split", "")
    fails("split: empty separator", "abc", "rsplit", "")
    fails("split: got int for separator, want string", "abc", "split", 1)
    fails("split: got int for separator, want string", "abc", "rsplit", 1)
    fails("split: for parameter 2: got NoneType, want int", "abc", "split", ".", None)
    fails("rsplit: for parameter 2: got bool, want int", "abc", "rsplit", ".", True)


def test_splitlines_splits_at_newline_carriage_return_or_both():
    assert call("\nabc\ndef", "splitlines") == ["", "abc", "def"]
    assert call("\nabc\ndef", "splitlines", True) == ["\n", "abc\n", "def"]
    assert call("\nabc\ndef\n", "splitlines") == ["", "abc", "def"]
    assert call("\nabc\ndef\n", "splitlines", True) == ["\n", "abc\n", "def\n"]
    assert call("", "splitlines") == []
    assert call("", "splitlines", True) == []
    assert call("a", "splitlines") == ["a"]
    assert call("\n", "splitlines") == [""]
    assert call("a\n\nb", "splitlines", True) == ["a\n", "\n", "b"]
    assert call("a\r\nb", "splitlines", keepends=True) == ["a\r\n", "b"]
    assert call("A\nB\rC\r\nD", "splitlines") == ["A", "B", "C", "D"]
    assert call("A\r\nB\r", "splitlines", True) == ["A\r\n", "B\r"]
    assert call("a\x0bb\u2028c", "splitlines") == ["a\x0bb\u2028c"]
    assert type(call("a", "splitlines")) is List
    fails("splitlines: for parameter 1: got int, want bool", "a", "splitlines", 1)


def test_partition_splits_at_the_first_or_last_separator():
    assert call("foo/bar/wiz", "partition", "/") == ("foo", "/", "bar/wiz")
    assert call("foo/bar/wiz", "rpartition", "/") == ("foo/bar", "/", "wiz")
    assert call("foo/bar/wiz", "partition", ".") == ("foo/bar/wiz", "", "")
    assert call("foo/bar/wiz", "rpartition", ".") == ("", "", "foo/bar/wiz")
    fails("partition: empty separator", "foo", "partition", "")
    fails("rpartition: empty separator", "foo", "rpartition", "")
    fails("partition: for parameter 1: got int, want string", "foo", "partition", 1)


# ---- strip, replace, affixes ----


def test_strip_removes_white_space_or_the_given_code_points():
    assert call(" \tfoo\n ", "strip") == "foo"
    assert call(" \tfoo\n ", "lstrip") == "foo\n "
    assert call(" \tfoo\n ", "rstrip") == " \tfoo"
    assert call(" \tfoo\n ", "strip", "") == "foo"
    assert call("blah.h", "strip", "b.h") == "la"
    assert call("blah.h", "lstrip", "b.h") == "lah.h"
    assert call("blah.h", "rstrip", "b.h") == "bla"
    assert call("\u3000x\xa0", "strip") == "x"
    assert call("\x1cx\x1c", "strip") == "\x1cx\x1c"  # not white space in Go
    assert call(" x ", "strip", None) == "x"
    assert call(" x ", "lstrip", None) == "x "
    assert call(" x ", "rstrip", None) == " x"
    fails("strip: for parameter 1: got float, want string", "x", "strip", 1.0)
    fails("lstrip: for parameter 1: got int, want string", "x", "lstrip", 1)
    fails("rstrip: for parameter 1: got int, want string", "x", "rstrip", 1)


def test_replace_replaces_all_or_count_occurrences():
    assert call("banana", "replace", "a", "o") == "bonono"
    assert call("banana", "replace", "a", "o", 1) == "bonana"
    assert call("banana", "replace", "a", "o", 2) == "bonona"
    assert call("banana", "replace", "a", "o", 0) == "banana"
    assert call("banana", "replace", "a", "o", -5) == "bonono"
    assert call("banana", "replace", "a", "o", 10**30) == "bonono"
    assert call("abc", "replace", "", "-") == "-a-b-c-"
    assert call("abc", "replace", "", "-", 2) == "-a-bc"
    fails("replace: for parameter 1: got int, want string", "a", "replace", 1, "b")
    fails("replace: for parameter 2: got NoneType, want string", "a", "replace", "a", None)
    fails("replace: for parameter 3: got float, want int", "a", "replace", "a", "b", 1.0)


def test_removeprefix_and_removesuffix_remove_at_most_once():
    assert call("banana", "removeprefix", "ban") == "ana"
    assert call("banana", "removeprefix", "ana") == "banana"
    assert call("bbaa", "removeprefix", "b") == "baa"
    assert call("banana", "removesuffix", "ana") == "ban"
    assert call("bbaa", "removesuffix", "a") == "bba"
    fails("removeprefix: for parameter 1: got int, want string", "a", "removeprefix", 1)
    fails("removesuffix: for parameter 1: got int, want string", "a", "removesuffix", 1)


# ---- format ----


def test_format_method_passes_positional_and_keyword_arguments():
    assert call("a{x}b{y}c{}", "format", 1, x=2, y=3) == "a2b3c1"
    assert call("{self}", "format", self=1) == "1"
    fails("format: keyword z not found", "a{z}b", "format", x=1)
