"""The textual forms of Starlark values.

This module owns `repr_value` and `str_value` for every value (the core
types of internals.md and host values through the value protocol), the
quoting of strings and bytes (`quote_str`, `quote_bytes`, as Go's
`syntax.Quote`), Go's float formatting (`format_float`), the `%` operator on
strings (`percent_format`) and `str.format` (`str_format`).

Every function here raises only `EvalError`: cyclic values print as `[...]`
and `{...}` (as Go), and deeply nested values are printed without Python
recursion, so neither exhausts the Python stack.
"""

from __future__ import annotations

import math
import threading

from .errors import EvalError
from .values import BASE, Builtin, Dict, List, Set, type_name

__all__ = [
    "format_float",
    "int_to_str",
    "percent_format",
    "quote_bytes",
    "quote_str",
    "repr_value",
    "str_format",
    "str_value",
    "utf8_transcode",
]


# ---- quoting ----

# as Go's syntax.Quote: these are always backslashed, and the C escapes are
# used for the control characters that have one.
_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    '"': '\\"',
    "\\": "\\\\",
}
_QUOTE_BACKSLASH = str.maketrans({'"': '\\"', "\\": "\\\\"})
# surrogateescape maps each undecodable byte 0xXY to U+DCXY.
_ESCAPED_BYTE_TO_FFFD = {n: "\ufffd" for n in range(0xDC80, 0xDD00)}


def _escape(s: str, escaped_bytes: bool) -> str:
    # Python's isprintable is Go's strconv.IsPrint: false exactly for the
    # categories C* and Z* other than the ASCII space.
    out = []
    append = out.append
    for c in s:
        e = _ESCAPES.get(c)
        if e is not None:
            append(e)
        elif c.isprintable():
            append(c)
        else:
            n = ord(c)
            if n < 0x20 or n == 0x7F:
                append(f"\\x{n:02x}")
            elif escaped_bytes and 0xDC80 <= n < 0xDD00:
                # as Go: a byte that is not part of valid UTF-8 prints as \xXY
                append(f"\\x{n - 0xDC00:02x}")
            elif n < 0x10000:
                append(f"\\u{n:04x}")
            else:
                append(f"\\U{n:08x}")
    return "".join(out)


def quote_str(s: str) -> str:
    """A Starlark string literal denoting `s`, quoted as Go's `syntax.Quote`."""
    if s.isprintable():
        if '"' in s or "\\" in s:
            s = s.translate(_QUOTE_BACKSLASH)
        return '"' + s + '"'
    return '"' + _escape(s, False) + '"'


def quote_bytes(b: bytes) -> str:
    """A Starlark bytes literal denoting `b` (`b"..."`), quoted as Go's `syntax.Quote`.

    As Go: valid UTF-8 sequences of printable characters print as text, every
    other byte as an escape.
    """
    if b.isascii():
        s = b.decode("ascii")
        if s.isprintable():
            if '"' in s or "\\" in s:
                s = s.translate(_QUOTE_BACKSLASH)
            return 'b"' + s + '"'
        return 'b"' + _escape(s, False) + '"'
    return 'b"' + _escape(b.decode("utf-8", "surrogateescape"), True) + '"'


def utf8_transcode(b: bytes) -> str:
    """Decode `b` as Go's `str(bytes)` does: each byte of invalid UTF-8 becomes U+FFFD."""
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        # as Go: one U+FFFD per bad byte (Python's "replace" would merge some)
        return b.decode("utf-8", "surrogateescape").translate(_ESCAPED_BYTE_TO_FFFD)


# ---- numbers ----

_CHUNK_DIGITS = 4000
_CHUNK = 10**_CHUNK_DIGITS


def int_to_str(n: int) -> str:
    """The decimal form of `n`, of any size.

    Python refuses `str()` of ints beyond 4300 digits; Go prints them.
    """
    try:
        return str(n)
    except ValueError:
        pass
    sign = "-" if n < 0 else ""
    n = abs(n)
    parts = []
    while n >= _CHUNK:
        n, r = divmod(n, _CHUNK)
        parts.append(str(r).zfill(_CHUNK_DIGITS))
    parts.append(str(n))
    parts.reverse()
    return sign + "".join(parts)


def _shortest_digits(f: float) -> tuple[str, int]:
    """The shortest decimal digits `d` of finite `abs(f)`, and `dp`, with abs(f) = 0.d × 10**dp.

    Zero gives ("", 0), as Go's decimal conversion does.
    """
    s = repr(abs(f))  # Python's repr is the shortest round-tripping form
    mant, _, exp = s.partition("e")
    whole, _, frac = mant.partition(".")
    digits = whole + frac
    stripped = digits.lstrip("0")
    dp = len(whole) - (len(digits) - len(stripped)) + (int(exp) if exp else 0)
    stripped = stripped.rstrip("0")
    if not stripped:
        return "", 0
    return stripped, dp


def _exponent(e: int, letter: str) -> str:
    # as Go's strconv: at least two exponent digits, always signed
    return f"{letter}{'-' if e < 0 else '+'}{abs(e):02d}"


def format_float(f: float, conv: str = "g") -> str:
    """Format `f` as Go's `Float.format` does (the `str`/`repr` of a float is `conv="g"`).

    `g`/`G` use the shortest digits that round-trip, switch to exponent form
    when the exponent is < -4 or >= 6 (Go's %g with shortest precision) and
    always show a `.` or an exponent (`1.0`, `1e+06`, `1e-05`); `e`, `E`, `f`,
    `F` use 6 digits of precision. Infinities are `+inf`/`-inf` and NaN is
    `nan` in every conversion, as Go.
    """
    if conv == "g" and -1e6 < f < 1e6:
        # Python's repr is the shortest round-tripping form too, in exponent
        # form exactly when the exponent is < -4 (always below 1e6), with a
        # signed exponent of at least two digits: the same text as below.
        return repr(f)
    return _format_float(f, conv)


def _format_float(f: float, conv: str) -> str:
    # format_float without its fast path
    if f != f:
        return "nan"
    if f == math.inf:
        return "+inf"
    if f == -math.inf:
        return "-inf"
    if conv == "g" or conv == "G":
        sign = "-" if math.copysign(1.0, f) < 0 else ""
        digits, dp = _shortest_digits(f)
        nd = len(digits)
        if nd == 0:
            return sign + "0.0"
        exp = dp - 1
        if exp < -4 or exp >= 6:
            mant = digits[0] + ("." + digits[1:] if nd > 1 else "")
            return sign + mant + _exponent(exp, "e" if conv == "g" else "E")
        if dp <= 0:
            body = "0." + "0" * (-dp) + digits
        elif dp >= nd:
            body = digits + "0" * (dp - nd) + ".0"  # ".0": self-evidently a float
        else:
            body = digits[:dp] + "." + digits[dp:]
        return sign + body
    if conv == "e":
        return f"{f:.6e}"
    if conv == "E":
        return f"{f:.6E}"
    # spec: %F is the same as %f (Go's strconv has no 'F' and prints "%F")
    return f"{f:.6f}"


# ---- repr and str ----


class _Text(str):
    """Literal text on the writer's work stack (never a Starlark value)."""

    __slots__ = ()


class _Pop(int):
    """A marker on the writer's work stack: the container with this id is closed."""

    __slots__ = ()


(
    _K_TEXT,
    _K_POP,
    _K_NONE,
    _K_BOOL,
    _K_INT,
    _K_FLOAT,
    _K_STR,
    _K_BYTES,
    _K_TUPLE,
    _K_LIST,
    _K_DICT,
    _K_SET,
    _K_RANGE,
    _K_BUILTIN,
) = range(14)

_KIND: dict[type, int] = {
    _Text: _K_TEXT,
    _Pop: _K_POP,
    type(None): _K_NONE,
    bool: _K_BOOL,
    int: _K_INT,
    float: _K_FLOAT,
    str: _K_STR,
    bytes: _K_BYTES,
    tuple: _K_TUPLE,
    list: _K_LIST,
    dict: _K_DICT,
    range: _K_RANGE,
    Builtin: _K_BUILTIN,
}
for _t, _base in BASE.items():
    _KIND[_t] = {List: _K_LIST, Dict: _K_DICT, Set: _K_SET}[_base]

_COMMA = _Text(", ")
_COLON = _Text(": ")
_RBRACKET = _Text("]")
_RBRACE = _Text("}")
_RPAREN = _Text(")")
_RPAREN1 = _Text(",)")
_SET_END = _Text("])")

_tls = threading.local()


def _range_repr(r: range) -> str:
    # as Go's rangeValue.String
    if r.step != 1:
        return f"range({r.start}, {r.stop}, {r.step})"
    if r.start != 0:
        return f"range({r.start}, {r.stop})"
    return f"range({r.stop})"


def _builtin_repr(b: Builtin) -> str:
    if b.recv is not None:
        return f"<built-in method {b.name} of {type_name(b.recv)} value>"
    return f"<built-in function {b.name}>"


def _other_repr(x: object) -> str:
    r = getattr(x, "starlark_repr", None)
    if r is not None:
        return r()
    tn = getattr(type(x), "type_name", None)
    if tn == "function":
        return f"<function {x.name}>"  # type: ignore[attr-defined]
    if tn is None:
        tn = type(x).__name__
    return f"<{tn}>"


def _write(x: object, out: list[str], path: set[int]) -> None:
    # An explicit work stack instead of recursion, so that nesting depth is
    # bounded only by memory, as in Go. `path` holds the ids of the lists and
    # dicts being printed, to print a cycle as [...] or {...} (as Go).
    stack: list[object] = [x]
    push = stack.append
    pop = stack.pop
    append = out.append
    kinds = _KIND
    while stack:
        v = pop()
        k = kinds.get(type(v))
        if k == _K_TEXT:
            append(v)  # type: ignore[arg-type]
        elif k == _K_STR:
            append(quote_str(v))  # type: ignore[arg-type]
        elif k == _K_INT:
            append(int_to_str(v))  # type: ignore[arg-type]
        elif k == _K_LIST:
            ident = id(v)
            if ident in path:
                append("[...]")
                continue
            n = len(v)  # type: ignore[arg-type]
            if n == 0:
                append("[]")
                continue
            path.add(ident)
            push(_Pop(ident))
            push(_RBRACKET)
            for i in range(n - 1, 0, -1):
                push(v[i])  # type: ignore[index]
                push(_COMMA)
            push(v[0])  # type: ignore[index]
            append("[")
        elif k == _K_POP:
            path.discard(int(v))  # type: ignore[call-overload]
        elif k == _K_TUPLE:
            n = len(v)  # type: ignore[arg-type]
            if n == 0:
                append("()")
                continue
            push(_RPAREN1 if n == 1 else _RPAREN)
            for i in range(n - 1, 0, -1):
                push(v[i])  # type: ignore[index]
                push(_COMMA)
            push(v[0])  # type: ignore[index]
            append("(")
        elif k == _K_DICT:
            ident = id(v)
            if ident in path:
                append("{...}")
                continue
            items = list(v.items())  # type: ignore[attr-defined]
            if not items:
                append("{}")
                continue
            path.add(ident)
            push(_Pop(ident))
            push(_RBRACE)
            for i in range(len(items) - 1, -1, -1):
                key, val = items[i]
                push(val)
                push(_COLON)
                push(key)
                if i:
                    push(_COMMA)
            append("{")
        elif k == _K_SET:
            # as Go: elements are hashable, so a set cannot contain itself
            elems = list(v)  # type: ignore[call-overload]
            push(_SET_END)
            for i in range(len(elems) - 1, 0, -1):
                push(elems[i])
                push(_COMMA)
            if elems:
                push(elems[0])
            append("set([")
        elif k == _K_NONE:
            append("None")
        elif k == _K_BOOL:
            append("True" if v else "False")
        elif k == _K_FLOAT:
            append(format_float(v))  # type: ignore[arg-type]
        elif k == _K_BYTES:
            append(quote_bytes(v))  # type: ignore[arg-type]
        elif k == _K_RANGE:
            append(_range_repr(v))  # type: ignore[arg-type]
        elif k == _K_BUILTIN:
            append(_builtin_repr(v))  # type: ignore[arg-type]
        else:
            append(_other_repr(v))


def _repr_slow(x: object) -> str:
    # Host values' starlark_repr may call repr_value again for their parts:
    # those nested calls share the thread's path, so a cycle through a host
    # value still prints as [...] instead of recursing forever.
    path = getattr(_tls, "path", None)
    outer = path is None
    if outer:
        path = _tls.path = set()
    try:
        out: list[str] = []
        _write(x, out, path)  # type: ignore[arg-type]
        return "".join(out)
    except RecursionError:
        raise EvalError("value is too deeply nested to print") from None
    except MemoryError:
        raise EvalError("value is too large to print") from None
    finally:
        if outer:
            _tls.path = None


def repr_value(x: object) -> str:
    """The Starlark `repr(x)`: `"a"`, `1.0`, `[1, "b"]`, `<built-in function len>`, ..."""
    t = type(x)
    if t is str:
        return quote_str(x)  # type: ignore[arg-type]
    if t is int:
        return int_to_str(x)  # type: ignore[arg-type]
    if x is None:
        return "None"
    if t is bool:
        return "True" if x else "False"
    if t is float:
        return format_float(x)  # type: ignore[arg-type]
    return _repr_slow(x)


def str_value(x: object) -> str:
    """The Starlark `str(x)`: a string is itself, bytes are decoded (as Go), others as repr.

    A host value may define `starlark_str`; otherwise its `str` is its `repr`.
    """
    t = type(x)
    if t is str:
        return x  # type: ignore[return-value]
    if t is bytes:
        return utf8_transcode(x)  # type: ignore[arg-type]
    if t not in _KIND:
        s = getattr(x, "starlark_str", None)
        if s is not None:
            return s()
    return repr_value(x)


def _str_in_format(x: object) -> str:
    # as Go's %s and {}: a string is inserted as is, anything else as written
    # by writeValue (so bytes appear as b"...", unlike str(bytes)).
    t = type(x)
    if t is str:
        return x  # type: ignore[return-value]
    if t is not bytes and t not in _KIND:
        s = getattr(x, "starlark_str", None)
        if s is not None:
            return s()
    return repr_value(x)


# ---- the % operator ----


def _number_to_int(x: object, verb: str) -> int:
    # as Go's NumberToInt: ints as is, floats truncated, bool is not a number
    t = type(x)
    if t is int:
        return x  # type: ignore[return-value]
    if t is float:
        if math.isinf(x):  # type: ignore[arg-type]
            err = "cannot convert float infinity to integer"
        elif x != x:
            err = "cannot convert float NaN to integer"
        else:
            return int(x)  # type: ignore[call-overload]
    else:
        err = f"cannot convert {type_name(x)} to int"
    raise EvalError(f"%{verb} format requires integer: {err}")


def _as_float(x: object, verb: str) -> float:
    t = type(x)
    if t is float:
        return x  # type: ignore[return-value]
    if t is int:
        try:
            return float(x)  # type: ignore[arg-type]
        except OverflowError:
            # as Go's Int.Float: a huge int rounds to an infinity
            return math.inf if x > 0 else -math.inf  # type: ignore[operator]
    raise EvalError(f"%{verb} format requires float, not {type_name(x)}")


def _percent_char(arg: object) -> str:
    t = type(arg)
    if t is int:
        if arg < 0 or arg > 0x10FFFF:  # type: ignore[operator]
            raise EvalError(
                f"%c format requires a valid Unicode code point, got {int_to_str(arg)}"  # type: ignore[arg-type]
            )
        if 0xD800 <= arg < 0xE000:  # type: ignore[operator]
            return "\ufffd"  # as Go's WriteRune of a surrogate
        return chr(arg)  # type: ignore[arg-type]
    if t is str:
        if len(arg) != 1:  # type: ignore[arg-type]
            raise EvalError("%c format requires a single-character string")
        return arg  # type: ignore[return-value]
    raise EvalError(f"%c format requires int or single-character string, not {type_name(arg)}")


# Formats made only of literals, %s, %d and %%, parsed once:
# fmt -> (number of verbs, indexes of the %d verbs)   (None: not such a format)
_SIMPLE_FORMATS: dict[str, tuple | None] = {}
_MISSING_FORMAT = object()


def _parse_simple(fmt: str) -> tuple[int, tuple[int, ...]] | None:
    nverbs = 0
    dverbs: list[int] = []
    i, n = 0, len(fmt)
    while True:
        j = fmt.find("%", i)
        if j < 0:
            return nverbs, tuple(dverbs)
        if j + 1 >= n:
            return None
        c = fmt[j + 1]
        if c == "d":
            dverbs.append(nverbs)
            nverbs += 1
        elif c == "s":
            nverbs += 1
        elif c != "%":
            return None
        i = j + 2


def percent_format(fmt: str, x: object) -> str:
    """`fmt % x`: Starlark string interpolation (spec: "String interpolation").

    `x` is a tuple of operands, a dict for `%(key)s`, or else the single
    operand. No flags, widths or precisions (spec); Go's error messages.
    """
    # Fast path: a format of literals, %s, %d and %% (parsed once, cached)
    # with exactly as many str and int operands. Python's own `%` then gives
    # Starlark's result: both insert a str as is and write an int in decimal
    # (bit_length < 10000: within Python's str() limit); it raises TypeError
    # for a str given to %d, which Starlark also rejects.
    # Anything else, errors included, takes the general loop below.
    # Measured (bench/builtins.py): "k%d" % 12345 563 -> 147 ns.
    simple = _SIMPLE_FORMATS.get(fmt, _MISSING_FORMAT)
    if simple is _MISSING_FORMAT:
        simple = _parse_simple(fmt)
        if len(_SIMPLE_FORMATS) < 4096:
            _SIMPLE_FORMATS[fmt] = simple
    if simple is not None:
        nverbs, dverbs = simple
        if type(x) is tuple:
            if len(x) == nverbs:
                for a in x:
                    ta = type(a)
                    if ta is not str and (ta is not int or a.bit_length() >= 10000):
                        break
                else:
                    try:
                        return fmt % x
                    except TypeError:
                        pass  # a str for a %d: the general loop reports it
        elif nverbs == 1:
            tx = type(x)
            if (tx is str and not dverbs) or (tx is int and x.bit_length() < 10000):  # type: ignore[attr-defined]
                return fmt % x
    out: list[str] = []
    append = out.append
    is_tuple = type(x) is tuple
    nargs = len(x) if is_tuple else 1  # type: ignore[arg-type]
    index = 0
    n = len(fmt)
    i = 0
    while True:
        j = fmt.find("%", i)
        if j < 0:
            append(fmt[i:])
            break
        append(fmt[i:j])
        i = j + 1
        if i < n and fmt[i] == "%":
            append("%")
            i += 1
            continue
        if i < n and fmt[i] == "(":
            k = fmt.find(")", i + 1)
            if k < 0:
                raise EvalError("incomplete format key")
            key = fmt[i + 1 : k]
            if not isinstance(x, dict) or isinstance(x, Set):
                raise EvalError("format requires a mapping")
            if key not in x:
                raise EvalError(f"key not found: {key}")
            arg = x[key]
            i = k + 1
        else:
            if index >= nargs:
                raise EvalError("not enough arguments for format string")
            arg = x[index] if is_tuple else x  # type: ignore[index]
        if i >= n:
            raise EvalError("incomplete format")
        c = fmt[i]
        ta = type(arg)
        # fast paths first: str and small ints are most of what scripts format
        if c == "s" and ta is str:
            append(arg)
        elif (c == "s" or c == "d") and ta is int and arg.bit_length() < 10000:
            append(str(arg))
        elif c == "s":
            append(_str_in_format(arg))
        elif c == "r":
            append(repr_value(arg))
        elif c == "d" or c == "i":
            append(int_to_str(_number_to_int(arg, c)))
        elif c == "o":
            append(format(_number_to_int(arg, c), "o"))
        elif c == "x":
            append(format(_number_to_int(arg, c), "x"))
        elif c == "X":
            append(format(_number_to_int(arg, c), "X"))
        elif c in "efgEFG":
            append(format_float(_as_float(arg, c), c))
        elif c == "c":
            append(_percent_char(arg))
        elif c == "%":
            append("%")
        else:
            raise EvalError(f"unknown conversion %{c}")
        i += 1
        index += 1
    if index < nargs:
        raise EvalError("too many arguments for format string")
    return "".join(out)


# ---- str.format ----

_MAX_INDEX = (1 << 63) - 1
_MISSING = object()


def _decimal(s: str) -> int | None:
    # as Go's decimal: ASCII digits only (leading zeros allowed), no overflow
    if not s.isascii() or not s.isdigit():
        return None
    v = int(s)
    return v if v <= _MAX_INDEX else None


# Formats whose only fields are `{}`, parsed once: fmt -> (the same text as a
# Python %-format, `{}` -> %s, number of fields)   (None: not such a format)
_AUTO_FORMATS: dict[str, tuple[str, int] | None] = {}


def _parse_auto(fmt: str) -> tuple[str, int] | None:
    cur: list[str] = []
    nfields = 0
    i, n = 0, len(fmt)
    while i < n:
        c = fmt[i]
        if c == "{":
            if fmt.startswith("{{", i):
                cur.append("{")
                i += 2
            elif fmt.startswith("{}", i):
                cur.append("%s")
                nfields += 1
                i += 2
            else:
                return None
        elif c == "}":
            if fmt.startswith("}}", i):
                cur.append("}")
                i += 2
            else:
                return None
        else:
            j = i
            while j < n and fmt[j] not in "{}":
                j += 1
            cur.append(fmt[i:j].replace("%", "%%"))
            i = j
    return "".join(cur), nfields


def str_format(fmt: str, args: tuple, kwargs: dict) -> str:
    """`fmt.format(*args, **kwargs)` (spec: string·format; Go's errors).

    Fields are `{}`, `{0}`, `{name}`, optionally with `!s` or `!r`; `{{` and
    `}}` are literal braces. Format specs (`{:...}`), attribute and element
    syntax are rejected, as Go.
    """
    # Fast path: only `{}` fields (parsed once, cached), exactly as many str
    # and int arguments; `{}` of those is Python's %s (see percent_format).
    # Anything else takes the general loop. strings.str_format_method
    # repeats this fast path inline.
    auto = _AUTO_FORMATS.get(fmt, _MISSING_FORMAT)
    if auto is _MISSING_FORMAT:
        auto = _parse_auto(fmt)
        if len(_AUTO_FORMATS) < 4096:
            _AUTO_FORMATS[fmt] = auto
    if auto is not None and not kwargs and len(args) == auto[1]:  # type: ignore[index]
        for a in args:
            ta = type(a)
            if ta is not str and (ta is not int or a.bit_length() >= 10000):
                break
        else:
            return auto[0] % args  # type: ignore[index]
    out: list[str] = []
    append = out.append
    auto = manual = False
    index = 0
    n = len(fmt)
    pos = 0
    while True:
        brace = fmt.find("{", pos)
        lit_end = n if brace < 0 else brace
        # replace "}}" with "}" in the literal part, rejecting a lone '}'
        while True:
            j = fmt.find("}", pos, lit_end)
            if j < 0:
                append(fmt[pos:lit_end])
                break
            if j + 1 == lit_end or fmt[j + 1] != "}":
                raise EvalError("format: single '}' in format")
            append(fmt[pos : j + 1])
            pos = j + 2
        if brace < 0:
            break
        if brace + 1 < n and fmt[brace + 1] == "{":
            append("{")
            pos = brace + 2
            continue
        close = fmt.find("}", brace + 1)
        if close < 0:
            raise EvalError("format: unmatched '{' in format")
        field = fmt[brace + 1 : close]
        pos = close + 1

        conv = "s"
        spec = ""
        name, bang, rest = field.partition("!")
        if bang:
            conv, _, spec = rest.partition(":")
        else:
            name, _, spec = field.partition(":")

        if name == "":
            if manual:
                raise EvalError(
                    "format: cannot switch from manual field specification "
                    "to automatic field numbering"
                )
            auto = True
            if index >= len(args):
                raise EvalError("format: tuple index out of range")
            arg = args[index]
            index += 1
        else:
            num = _decimal(name)
            if num is not None:
                if auto:
                    raise EvalError(
                        "format: cannot switch from automatic field numbering "
                        "to manual field specification"
                    )
                manual = True
                if num >= len(args):
                    raise EvalError("format: tuple index out of range")
                arg = args[num]
            else:
                arg = kwargs.get(name, _MISSING)
                if arg is _MISSING:
                    # Starlark has no x.y, a[i] or nested {...} in fields
                    if "." in name:
                        raise EvalError(
                            "format: attribute syntax x.y is not supported "
                            f"in replacement fields: {name}"
                        )
                    if "[" in name:
                        raise EvalError(
                            "format: element syntax a[i] is not supported "
                            f"in replacement fields: {name}"
                        )
                    if "{" in name:
                        raise EvalError("format: nested replacement fields not supported")
                    raise EvalError(f"format: keyword {name} not found")

        if spec:
            raise EvalError(f"format spec features not supported in replacement fields: {spec}")
        ta = type(arg)
        if conv == "s" and ta is str:
            append(arg)  # fast path: the common case
        elif conv == "s" and ta is int and arg.bit_length() < 10000:
            append(str(arg))
        elif conv == "s":
            append(_str_in_format(arg))
        elif conv == "r":
            append(repr_value(arg))
        else:
            raise EvalError(f"format: unknown conversion {quote_str(conv)}")
    return "".join(out)
