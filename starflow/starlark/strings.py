"""The methods of `string` and `bytes` values.

`STR_METHODS` and `BYTES_METHODS` map a method name to a plain function
taking the receiver first, then the Starlark arguments; every parameter is
positional-only, as Go unpacks them with `UnpackPositionalArgs`. Argument
counts are checked by the caller (the machine binds against the signature);
argument types, and everything else, are checked here, with Go's messages.

Strings are sequences of code points (internals.md "Strings"), so `elems()`
and `elem_ords()` give the same elements as `codepoints()` and
`codepoint_ords()`. Character classes and case mappings follow Go's
`unicode` package: simple (one code point to one) case mappings, and Go's
set of white space.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable, Iterator

from .errors import EvalError
from .format import _AUTO_FORMATS, quote_bytes, quote_str, str_format
from .ops import I32_MAX, I32_MIN
from .values import GUARDED, LIST_TYPES, List, type_name

__all__ = [
    "BYTES_METHODS",
    "STR_METHODS",
    "BytesElems",
    "StringCodepoints",
    "StringElems",
]


# ---- the iterable views returned by elems() and friends ----


class _View:
    """What the three views share (as Go's small iterable structs): not hashable,
    always true, equal to a view of the same type over the same value."""

    __slots__ = ()
    type_name = ""
    __hash__ = None  # type: ignore[assignment]

    def _state(self) -> tuple:
        raise NotImplementedError

    def __bool__(self) -> bool:
        return True

    def starlark_truth(self) -> bool:
        return True

    def starlark_equal(self, other: object) -> bool:
        return type(other) is type(self) and other._state() == self._state()


class StringElems(_View):
    """`s.elems()` / `s.elem_ords()`: an indexable view of the elements (code points) of `s`.

    As Go's `stringElems`: type `string.elems`, indexable, with a length, not
    hashable, always true, printed as `"abc".elems()`.
    """

    __slots__ = ("ords", "s")
    type_name = "string.elems"
    starlark_indexable = True  # (ops.index: `x[i]`, as Go's Indexable)

    def __init__(self, s: str, ords: bool):
        self.s = s
        self.ords = ords

    def _state(self) -> tuple:
        return (self.s, self.ords)

    def __iter__(self) -> Iterator[object]:
        return map(ord, self.s) if self.ords else iter(self.s)

    def __len__(self) -> int:
        return len(self.s)

    def __getitem__(self, i: int) -> object:
        c = self.s[i]
        return ord(c) if self.ords else c

    def starlark_repr(self) -> str:
        return quote_str(self.s) + (".elem_ords()" if self.ords else ".elems()")


class StringCodepoints(_View):
    """`s.codepoints()` / `s.codepoint_ords()`: an iterable of the code points of `s`.

    As Go's `stringCodepoints`: type `string.codepoints`, iterable only (no
    index, no len), not hashable, always true, printed as `"abc".codepoints()`.
    """

    __slots__ = ("ords", "s")
    type_name = "string.codepoints"

    def __init__(self, s: str, ords: bool):
        self.s = s
        self.ords = ords

    def _state(self) -> tuple:
        return (self.s, self.ords)

    def __iter__(self) -> Iterator[object]:
        return map(ord, self.s) if self.ords else iter(self.s)

    def starlark_repr(self) -> str:
        return quote_str(self.s) + (".codepoint_ords()" if self.ords else ".codepoints()")


class BytesElems(_View):
    """`b.elems()`: an iterable of the byte values (ints) of `b`.

    As Go's `bytesIterable`: type `bytes.elems`, iterable only, not hashable,
    always true, printed as `b"abc".elems()`.
    """

    __slots__ = ("b",)
    type_name = "bytes.elems"

    def __init__(self, b: bytes):
        self.b = b

    def _state(self) -> tuple:
        return (self.b,)

    def __iter__(self) -> Iterator[int]:
        return iter(self.b)

    def starlark_repr(self) -> str:
        return quote_bytes(self.b) + ".elems()"


# ---- argument checks, in the words of Go's UnpackPositionalArgs ----


def _want_str(fname: str, i: int, x: object) -> None:
    if type(x) is not str:
        raise EvalError(f"{fname}: for parameter {i}: got {type_name(x)}, want string")


def _want_int(fname: str, i: int, x: object) -> int:
    if type(x) is not int:
        raise EvalError(f"{fname}: for parameter {i}: got {type_name(x)}, want int")
    # Python's str methods take a C ssize_t; any larger count means "all"
    return min(x, sys.maxsize)  # type: ignore[type-var]


def _indices(fname: str, start: object, end: object, n: int) -> tuple[int, int]:
    # spec "Indexing": negative indices count from the end, then both are
    # clamped to [0:n]; None means absent (as Go's indices/asIndex)
    if start is None:
        i = 0
    elif type(start) is int:
        i = start
        if i < 0:
            i += n
        i = 0 if i < 0 else min(i, n)
        if not I32_MIN <= start <= I32_MAX:  # (as Go's AsInt32)
            raise EvalError(f"{fname}: invalid start index: {start} out of range")
    else:
        raise EvalError(f"{fname}: invalid start index: got {type_name(start)}, want int")
    if end is None:
        j = n
    elif type(end) is int:
        j = end
        if j < 0:
            j += n
        j = 0 if j < 0 else min(j, n)
        if not I32_MIN <= end <= I32_MAX:
            raise EvalError(f"{fname}: invalid end index: {end} out of range")
    else:
        raise EvalError(f"{fname}: invalid end index: got {type_name(end)}, want int")
    return i, j  # type: ignore[return-value]


def _substring(fname: str, s: str, start: object, end: object) -> tuple[str, int]:
    if start is None and end is None:
        return s, 0
    i, j = _indices(fname, start, end, len(s))
    return (s[i:j] if i < j else ""), i


_ITERABLE_TYPES = frozenset({list, tuple, dict, range}) | GUARDED


def _iterable(fname: str, x: object) -> object:
    t = type(x)
    if t in _ITERABLE_TYPES:
        return x
    # a host value or view (e.g. "abc".elems()) is iterable if Python can iterate it
    if t is not str and t is not bytes and hasattr(t, "type_name") and hasattr(t, "__iter__"):
        return x
    raise EvalError(f"{fname}: for parameter 1: got {type_name(x)}, want iterable")


# ---- character classes and case mappings, as Go's unicode package ----

# as Go's unicode.IsSpace (Python's isspace also counts U+001C..U+001F)
_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"  # noqa: E501
_SPACE_SET = frozenset(_SPACE)
_ASCII_SPACE = "".join(c for c in _SPACE if c.isascii())  # (what strips an ASCII string)
_FIELD = re.compile(f"[^{re.escape(_SPACE)}]+")
# spec: splitlines splits at "\n", "\r" and "\r\n"
_LINE_END = re.compile("\r\n|\r|\n")

# Simple (1:1) case mappings that Python's full mappings hide: where Python
# maps one character to several, Go maps it to these (or leaves it alone).
_SIMPLE_UPPER = {
    **{chr(0x1F80 + i): chr(0x1F88 + i) for i in range(8)},
    **{chr(0x1F90 + i): chr(0x1F98 + i) for i in range(8)},
    **{chr(0x1FA0 + i): chr(0x1FA8 + i) for i in range(8)},
    "\u1fb3": "\u1fbc",
    "\u1fc3": "\u1fcc",
    "\u1ff3": "\u1ffc",
}
_SIMPLE_LOWER = {"\u0130": "i"}


def _lower_char(c: str) -> str:
    m = c.lower()
    return m if len(m) == 1 else _SIMPLE_LOWER.get(c, c)


def _upper_char(c: str) -> str:
    m = c.upper()
    return m if len(m) == 1 else _SIMPLE_UPPER.get(c, c)


def _title_char(c: str) -> str:
    m = c.title()
    return m if len(m) == 1 else c


def _lower(s: str) -> str:
    # per character: Go has no context-dependent rules such as final sigma
    return s.lower() if s.isascii() else "".join(map(_lower_char, s))


def _upper(s: str) -> str:
    return s.upper() if s.isascii() else "".join(map(_upper_char, s))


def _is_cased(c: str) -> bool:
    # as Go's isCasedRune: the character has another case
    return c.lower() != c or c.upper() != c


def _is_cased_string(s: str) -> bool:
    return any(map(_is_cased, s))


# ---- string methods ----


def str_capitalize(s: str, /) -> str:
    # as Go: the first character to title case, all others to lower case
    if s.isascii():
        return s.capitalize()
    return _title_char(s[0]) + _lower(s[1:]) if s else s


def str_codepoint_ords(s: str, /) -> StringCodepoints:
    return StringCodepoints(s, True)


def str_codepoints(s: str, /) -> StringCodepoints:
    return StringCodepoints(s, False)


def str_count(s: str, sub: str, start: object = None, end: object = None, /) -> int:
    if type(sub) is str and start is None and end is None:  # fast path
        return s.count(sub)
    _want_str("count", 1, sub)
    sl, _ = _substring("count", s, start, end)
    return sl.count(sub)


def str_elem_ords(s: str, /) -> StringElems:
    return StringElems(s, True)


def str_elems(s: str, /) -> StringElems:
    return StringElems(s, False)


def _affix_test(
    fname: str, s: str, x: object, start: object, end: object, test: Callable[[str, str], bool]
) -> bool:
    sl, _ = _substring(fname, s, start, end)
    if type(x) is str:
        return test(sl, x)
    if type(x) is tuple:
        for i, e in enumerate(x):
            if type(e) is not str:
                raise EvalError(f"{fname}: want string, got {type_name(e)}, for element {i}")
            if test(sl, e):
                return True
        return False
    raise EvalError(f"{fname}: got {type_name(x)}, want string or tuple of string")


def str_endswith(s: str, suffix: object, start: object = None, end: object = None, /) -> bool:
    if start is None and end is None:  # fast paths: a str, a tuple of strs
        t = type(suffix)
        if t is str:
            return s.endswith(suffix)
        if t is tuple:
            for e in suffix:
                if type(e) is not str:
                    break
            else:
                return s.endswith(suffix)
    return _affix_test("endswith", s, suffix, start, end, str.endswith)


def str_startswith(s: str, prefix: object, start: object = None, end: object = None, /) -> bool:
    if start is None and end is None:  # fast paths: a str, a tuple of strs
        t = type(prefix)
        if t is str:
            return s.startswith(prefix)
        if t is tuple:
            for e in prefix:
                if type(e) is not str:
                    break
            else:
                return s.startswith(prefix)
    return _affix_test("startswith", s, prefix, start, end, str.startswith)


def _find(fname: str, s: str, sub: object, start: object, end: object, last: bool) -> int:
    _want_str(fname, 1, sub)
    sl, offset = _substring(fname, s, start, end)
    i = sl.rfind(sub) if last else sl.find(sub)  # type: ignore[arg-type]
    return i if i < 0 else i + offset


def str_find(s: str, sub: str, start: object = None, end: object = None, /) -> int:
    if type(sub) is str and start is None and end is None:  # fast path
        return s.find(sub)
    return _find("find", s, sub, start, end, False)


def str_rfind(s: str, sub: str, start: object = None, end: object = None, /) -> int:
    if type(sub) is str and start is None and end is None:  # fast path
        return s.rfind(sub)
    return _find("rfind", s, sub, start, end, True)


def str_index(s: str, sub: str, start: object = None, end: object = None, /) -> int:
    if type(sub) is str and start is None and end is None:  # fast path
        i = s.find(sub)
    else:
        i = _find("index", s, sub, start, end, False)
    if i < 0:
        raise EvalError("index: substring not found")
    return i


def str_rindex(s: str, sub: str, start: object = None, end: object = None, /) -> int:
    if type(sub) is str and start is None and end is None:  # fast path
        i = s.rfind(sub)
    else:
        i = _find("rindex", s, sub, start, end, True)
    if i < 0:
        raise EvalError("rindex: substring not found")
    return i


def str_format_method(s: str, /, *args: object, **kwargs: object) -> str:
    # format.str_format's fast path, inline: a format of literals and `{}`
    # only (cached as a Python %-format by str_format's first call) with
    # exactly as many str and int arguments.
    if not kwargs:
        auto = _AUTO_FORMATS.get(s)
        if auto is not None and len(args) == auto[1]:
            for a in args:
                ta = type(a)
                if ta is not str and (ta is not int or a.bit_length() >= 10000):  # type: ignore[attr-defined]
                    break
            else:
                try:
                    return auto[0] % args
                except MemoryError:
                    raise EvalError("format: result too large") from None
    try:
        return str_format(s, args, kwargs)
    except MemoryError:
        raise EvalError("format: result too large") from None


def str_isalnum(s: str, /) -> bool:
    # as Go: letters (L*) and decimal digits (Nd) only; Python's isalnum
    # would also accept other numerics such as "½"
    if s.isascii():
        return s.isalnum()
    return all(c.isalpha() or c.isdecimal() for c in s)


def str_isalpha(s: str, /) -> bool:
    return s.isalpha()


def str_isdigit(s: str, /) -> bool:
    # as Go's unicode.IsDigit: Nd only, which is Python's isdecimal
    # (Python's isdigit also accepts "²")
    return s.isdecimal()


def str_islower(s: str, /) -> bool:
    return _is_cased_string(s) and s == _lower(s)


def str_isupper(s: str, /) -> bool:
    return _is_cased_string(s) and s == _upper(s)


def str_isspace(s: str, /) -> bool:
    return bool(s) and all(c in _SPACE_SET for c in s)


def str_istitle(s: str, /) -> bool:
    # As Go: an upper or title case letter may only follow an uncased
    # character, a lower case letter only a cased one; a capital whose title
    # case differs (the digraph "Ǆ", title case "ǅ") is never title case.
    cased = prev = False
    for c in s:
        cat = unicodedata.category(c)
        if cat == "Lt" or (cat == "Lu" and _title_char(c) == c):
            if prev:
                return False
            prev = cased = True
        elif cat == "Ll":
            if not prev:
                return False
            prev = cased = True
        elif cat == "Lu":
            return False
        else:
            prev = False
    return cased


def str_join(s: str, iterable: object, /) -> str:
    t = type(iterable)
    if t is List or t is tuple or t is list or t in LIST_TYPES:  # fast path: no copy
        it = iterable
    else:
        it = list(_iterable("join", iterable))  # type: ignore[call-overload]
    for e in it:  # type: ignore[attr-defined]
        if type(e) is not str:
            raise EvalError(f"join: in list, want string, got {type_name(e)}")
    try:
        return s.join(it)  # type: ignore[arg-type]
    except MemoryError:
        raise EvalError("join: result too large") from None


def str_lower(s: str, /) -> str:
    return s.lower() if s.isascii() else _lower(s)


def str_upper(s: str, /) -> str:
    return s.upper() if s.isascii() else _upper(s)


def _strip_set(fname: str, chars: object) -> str:
    # spec: the optional cutset is a set of code points; "" (as Go) or None
    # (as the conformance suite) means white space
    if chars is None:
        return _SPACE
    _want_str(fname, 1, chars)
    return chars or _SPACE  # type: ignore[return-value]


# fast paths: no argument, or a non-empty string; anything else goes to _strip_set


def str_lstrip(s: str, chars: object = None, /) -> str:
    if chars is None:
        return s.lstrip(_SPACE)
    if type(chars) is str and chars:
        return s.lstrip(chars)
    return s.lstrip(_strip_set("lstrip", chars))


def str_rstrip(s: str, chars: object = None, /) -> str:
    if chars is None:
        return s.rstrip(_SPACE)
    if type(chars) is str and chars:
        return s.rstrip(chars)
    return s.rstrip(_strip_set("rstrip", chars))


def str_strip(s: str, chars: object = None, /) -> str:
    if chars is None:
        return s.strip(_SPACE)
    if type(chars) is str and chars:
        return s.strip(chars)
    return s.strip(_strip_set("strip", chars))


def str_partition(s: str, sep: str, /) -> tuple[str, str, str]:
    if type(sep) is str and sep:  # fast path
        return s.partition(sep)
    _want_str("partition", 1, sep)
    if not sep:
        raise EvalError("partition: empty separator")
    return s.partition(sep)


def str_rpartition(s: str, sep: str, /) -> tuple[str, str, str]:
    if type(sep) is str and sep:  # fast path
        return s.rpartition(sep)
    _want_str("rpartition", 1, sep)
    if not sep:
        raise EvalError("rpartition: empty separator")
    return s.rpartition(sep)


def str_removeprefix(s: str, prefix: str, /) -> str:
    if type(prefix) is not str:
        _want_str("removeprefix", 1, prefix)
    return s.removeprefix(prefix)


def str_removesuffix(s: str, suffix: str, /) -> str:
    if type(suffix) is not str:
        _want_str("removesuffix", 1, suffix)
    return s.removesuffix(suffix)


def str_replace(s: str, old: str, new: str, count: int = -1, /) -> str:
    if type(old) is str and type(new) is str and type(count) is int and count == -1:
        try:  # fast path: the default count
            return s.replace(old, new)
        except (MemoryError, OverflowError):
            raise EvalError("replace: result too large") from None
    _want_str("replace", 1, old)
    _want_str("replace", 2, new)
    n = _want_int("replace", 3, count)
    try:
        return s.replace(old, new, n if n >= 0 else -1)
    except (MemoryError, OverflowError):
        raise EvalError("replace: result too large") from None


def _split_space(s: str, maxsplit: int, right: bool) -> list[str]:
    # spec: split on runs of white space, ignoring it at the ends (only at the
    # splitting end when maxsplit is reached)
    if "\x1c" not in s and "\x1d" not in s and "\x1e" not in s and "\x1f" not in s:
        # Python's idea of white space is Go's plus U+001C..U+001F
        return s.rsplit(None, maxsplit) if right else s.split(None, maxsplit)
    spans = [m.span() for m in _FIELD.finditer(s)]
    if maxsplit < 0 or len(spans) <= maxsplit:
        return [s[a:b] for a, b in spans]
    if right:
        head = s[: spans[-maxsplit - 1][1]]
        tail = spans[len(spans) - maxsplit :]
        return [head] + [s[a:b] for a, b in tail]
    return [s[a:b] for a, b in spans[:maxsplit]] + [s[spans[maxsplit][0] :]]


def _split(fname: str, s: str, sep: object, maxsplit: object, right: bool) -> List:
    n = _want_int(fname, 2, maxsplit)
    if n < 0:
        n = -1
    if sep is None:
        return List(_split_space(s, n, right))
    if type(sep) is not str:
        # as Go, "split" for rsplit too
        raise EvalError(f"split: got {type_name(sep)} for separator, want string")
    if not sep:
        raise EvalError("split: empty separator")
    return List(s.rsplit(sep, n) if right else s.split(sep, n))


def str_split(s: str, sep: object = None, maxsplit: int = -1, /) -> List:
    if type(maxsplit) is int and maxsplit == -1:  # fast path: no maxsplit
        if type(sep) is str and sep:
            return List(s.split(sep))
        if (
            sep is None
            and "\x1c" not in s
            and "\x1d" not in s
            and "\x1e" not in s
            and "\x1f" not in s
        ):
            return List(s.split())  # Python's white space is Go's but for these
    return _split("split", s, sep, maxsplit, False)


def str_rsplit(s: str, sep: object = None, maxsplit: int = -1, /) -> List:
    if type(maxsplit) is int and maxsplit == -1 and type(sep) is str and sep:  # fast path
        return List(s.rsplit(sep))
    return _split("rsplit", s, sep, maxsplit, True)


def str_splitlines(s: str, /, keepends: bool = False) -> List:
    # keepends may be named (conformance suite; Python and Java allow it, Go does not)
    if type(keepends) is not bool:
        raise EvalError(f"splitlines: for parameter 1: got {type_name(keepends)}, want bool")
    lines = []
    pos = 0
    for m in _LINE_END.finditer(s):
        lines.append(s[pos : m.end() if keepends else m.start()])
        pos = m.end()
    if pos < len(s):
        lines.append(s[pos:])
    return List(lines)


def str_title(s: str, /) -> str:
    # as Go: title case after an uncased character, lower case after a cased one
    if s.isascii():
        return s.title()
    out = []
    prev = False
    for c in s:
        c = _lower_char(c) if prev else _title_char(c)
        prev = _is_cased(c)
        out.append(c)
    return "".join(out)


STR_METHODS: dict[str, Callable[..., object]] = {
    "capitalize": str_capitalize,
    "codepoint_ords": str_codepoint_ords,
    "codepoints": str_codepoints,
    "count": str_count,
    "elem_ords": str_elem_ords,
    "elems": str_elems,
    "endswith": str_endswith,
    "find": str_find,
    "format": str_format_method,
    "index": str_index,
    "isalnum": str_isalnum,
    "isalpha": str_isalpha,
    "isdigit": str_isdigit,
    "islower": str_islower,
    "isspace": str_isspace,
    "istitle": str_istitle,
    "isupper": str_isupper,
    "join": str_join,
    "lower": str_lower,
    "lstrip": str_lstrip,
    "partition": str_partition,
    "removeprefix": str_removeprefix,
    "removesuffix": str_removesuffix,
    "replace": str_replace,
    "rfind": str_rfind,
    "rindex": str_rindex,
    "rpartition": str_rpartition,
    "rsplit": str_rsplit,
    "rstrip": str_rstrip,
    "split": str_split,
    "splitlines": str_splitlines,
    "startswith": str_startswith,
    "strip": str_strip,
    "title": str_title,
    "upper": str_upper,
}


# ---- bytes methods (as Go: only elems) ----


def bytes_elems(b: bytes, /) -> BytesElems:
    return BytesElems(b)


BYTES_METHODS: dict[str, Callable[..., object]] = {
    "elems": bytes_elems,
}
