"""Starlark's built-in functions and the methods of list, dict and set.

This module owns the universe (the predeclared names every Starlark file
sees: `None`, `True`, `False` and the built-in functions of the spec and
starlark-go) and the method tables `LIST_METHODS`, `DICT_METHODS` and
`SET_METHODS` (plain functions taking the receiver first; `ops.getattr_`
binds them). `universe(options)` builds the universe for a set of dialect
options; `set` exists only with the `"set"` option.

Built-ins are plain Python functions whose parameters mirror Go's
(positional-only where Go's are); the machine reports argument-binding
errors. Every other error is an `EvalError` whose message starts with the
built-in's name, in Go's words.
"""

from __future__ import annotations

import functools
import math
import operator
import re
import sys
from collections.abc import Callable
from typing import Any

from . import ops
from .errors import EvalError
from .format import format_float, str_value
from .ops import I64_MAX, I64_MIN
from .values import (
    DICT_TYPES,
    GUARDED,
    LIST_TYPES,
    BoolDict,
    BoolSet,
    Builtin,
    Dict,
    List,
    Set,
    check_hash_mutable,
    check_hashable,
    check_list_mutable,
    compare,
    equal,
    hash_value,
    hcopy,
    hkey,
    hkeys,
    hput,
    hraw,
    hupdate,
    key_of,
    new_set,
    truth,
    type_name,
    unkey,
)

# a list, dict or set neither frozen nor iterated (values.List)
_IDLE_TYPES = frozenset({List, Dict, Set, BoolDict, BoolSet})
# lists (in any state) and tuples
_SEQS = LIST_TYPES | {tuple}

__all__ = [
    "DICT_METHODS",
    "LIST_METHODS",
    "PRINT_HOOK",
    "SET_METHODS",
    "UNIVERSE",
    "UNIVERSE_SET",
    "set_print_hook",
    "universe",
]

_UNSET: Any = object()  # marks an omitted optional argument


_format_module: Any = None


def _fmt() -> Any:
    # lazy (format imports values), then cached: an import statement per call
    # cost 1.3 s of string_building's profile
    global _format_module
    if _format_module is None:
        from . import format as f

        _format_module = f
    return _format_module


def _str(x: Any) -> str:
    return x if type(x) is str else _fmt().str_value(x)


def _err(name: str, msg: str) -> EvalError:
    return EvalError(f"{name}: {msg}")


def _elems(name: str, x: Any, param: int | str = 1) -> list[Any]:
    """The elements of iterable `x` as a list (a snapshot), or Go's unpacking error."""
    t = type(x)
    if t is List or t is tuple or t in LIST_TYPES:
        return list(x)
    try:
        it = ops.iterate(x)
    except EvalError:
        raise _err(name, f"for parameter {param}: got {type_name(x)}, want iterable") from None
    try:
        return list(it)
    finally:
        ops.iter_done(x)


def _int_param(
    name: str, x: Any, param: int | str, as_int: Callable[[Any], int] = ops.as_int32
) -> int:
    """Parameter `param` of built-in `name`: an int of 32 bits (or as `as_int` says)."""
    try:
        return as_int(x)
    except EvalError as e:
        raise _err(name, f"for parameter {param}: {e.msg}") from None


def _int64_param(name: str, x: Any, param: int | str) -> int:
    """A parameter Go takes as a machine int: 64 bits."""
    return _int_param(name, x, param, ops.as_int64)


def _check_callable(name: str, f: Any) -> None:
    # None too: as Go, a key given must be a function. (Go quotes the name of
    # a parameter given by name, as `key` and `reverse` nearly always are.)
    if not callable(f):
        raise _err(name, f'for parameter "key": got {type_name(f)}, want callable')


# The machine's Function type (set by machine.py, which imports this module):
# a key callback given as a Starlark function is called through its compiled
# Python function, not through Function.__call__ (measured: ~150 ns a call).
FUNCTION_TYPE: type | None = None


def _key_fn(key: Any) -> Any:
    return key.fn if type(key) is FUNCTION_TYPE else key


# ---------------------------------------------------------------------------
# Built-in functions


def abs_(x: Any, /) -> Any:
    t = type(x)
    if t is int or t is float:
        return abs(x)
    raise EvalError(f"got {type_name(x)}, want int or float")  # (Go's: no "abs:")


def any_(x: Any, /) -> bool:
    return any(truth(e) for e in _elems("any", x))


def all_(x: Any, /) -> bool:
    return all(truth(e) for e in _elems("all", x))


def bool_(x: Any = False, /) -> bool:
    return truth(x)


def _utf8(s: str) -> bytes:
    # spec: an invalid code point (a lone surrogate here) encodes as U+FFFD
    try:
        return s.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in s).encode()


def bytes_(x: Any, /) -> bytes:
    t = type(x)
    if t is bytes:
        return x
    if t is str:
        return _utf8(x)
    if t in GUARDED or t is tuple or t is range or ops._is_iterable(x):
        out = bytearray()
        for i, e in enumerate(_elems("bytes", x)):
            if type(e) is not int:
                raise _err("bytes", f"at index {i}, got {type_name(e)}, want int")
            if e < 0 or e > 255:
                raise _err(
                    "bytes", f"at index {i}, {e} out of range (want value in unsigned 8-bit range)"
                )
            out.append(e)
        return bytes(out)
    raise _err("bytes", f"got {type_name(x)}, want string, bytes, or iterable of ints")


def chr_(i: Any, /) -> str:
    try:
        n = ops.as_int32(i)
    except EvalError as e:
        raise _err("chr", e.msg) from None
    if n < 0:
        raise _err("chr", f"Unicode code point {n} out of range (<0)")
    if n > 0x10FFFF:
        raise _err("chr", f"Unicode code point U+{n:X} out of range (>0x10FFFF)")
    if 0xD800 <= n <= 0xDFFF:
        return "\ufffd"  # as Go: a surrogate is not a valid code point
    return chr(n)


def _dict_insert(name: str, d: Dict, k: Any, v: Any) -> None:
    try:
        check_hash_mutable(d, "insert into")
        hk = key_of(k)
    except EvalError as e:
        raise _err(name, e.msg) from None
    hput(d, k, hk, v)


def _update_dict(name: str, d: Dict, args: tuple, kwargs: dict[str, Any]) -> None:
    """dict(...) and dict.update(...): one optional iterable of pairs or mapping, then kwargs."""
    if len(args) > 1:
        raise _err(name, f"got {len(args)} arguments, want at most 1")
    if args and args[0] is not None:  # spec: update(None) adds nothing
        src = args[0]
        if type(src) in DICT_TYPES:
            for k, v in list(src.items()):
                _dict_insert(name, d, k, v)
        else:
            if not ops._is_iterable(src):
                raise _err(name, f"got {type_name(src)}, want iterable")
            # (a range, immutable, is read as it goes: its first int fails)
            elems = src if type(src) is range else _elems(name, src)
            for i, pair in enumerate(elems):
                if not ops._is_iterable(pair):
                    raise _err(
                        name,
                        f"dictionary update sequence element #{i} is not iterable "
                        f"({type_name(pair)})",
                    )
                kv = _elems(name, pair)
                if len(kv) != 2:
                    raise _err(
                        name,
                        f"dictionary update sequence element #{i} has length {len(kv)}, want 2",
                    )
                _dict_insert(name, d, kv[0], kv[1])
    for k, v in kwargs.items():
        _dict_insert(name, d, k, v)


def dict_(*args: Any, **kwargs: Any) -> Dict:
    if len(args) == 1 and args[0] is None:
        # (the spec lets `update` take None, not `dict`: as Go)
        raise _err("dict", "got NoneType, want iterable")
    d = Dict()
    _update_dict("dict", d, args, kwargs)
    return d


def dir_(x: Any, /) -> List:
    return ops.dir_(x)


def enumerate_(x: Any, start: Any = 0, /) -> List:
    elems = _elems("enumerate", x)  # (as Go, the parameters are checked in order)
    return List(enumerate(elems, _int64_param("enumerate", start, 2)))


def _join(args: tuple, sep: Any, name: str) -> str:
    if type(sep) is not str:
        raise _err(name, f'for parameter "sep": got {type_name(sep)}, want string')
    return sep.join(_str(a) for a in args)


def fail(*args: Any, sep: Any = " ") -> None:
    raise EvalError("fail: " + _join(args, sep, "fail"))


_FLOAT_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)")
_FLOAT_NAMES = {
    "inf": math.inf,
    "+inf": math.inf,
    "-inf": -math.inf,
    "infinity": math.inf,
    "+infinity": math.inf,
    "-infinity": -math.inf,
    "nan": math.nan,
    "+nan": math.nan,
    "-nan": math.nan,
}


def float_(x: Any = _UNSET, /) -> float:
    if x is _UNSET:
        return 0.0
    t = type(x)
    if t is float:
        return x
    if t is bool:
        return 1.0 if x else 0.0
    if t is int:
        return ops.to_float(x)  # (Go's error: no "float:")
    if t is str:
        if x == "":
            raise _err("float", "empty string")
        named = _FLOAT_NAMES.get(x.lower())
        if named is not None:
            return named
        if not _FLOAT_RE.fullmatch(x):
            raise EvalError(f"invalid float literal: {x}")  # (as Go: no "float:")
        f = float(x)
        if math.isinf(f):
            raise EvalError("floating-point number too large")
        return f
    raise EvalError(f"float got {type_name(x)}, want number or string")  # (sic, as Go)


def getattr_(x: Any, name: Any, default: Any = _UNSET, /) -> Any:
    if type(name) is not str:
        raise _err("getattr", f"for parameter 2: got {type_name(name)}, want string")
    try:
        return ops.getattr_(x, name)
    except EvalError as e:
        if default is not _UNSET:
            return default
        raise _err("getattr", e.msg) from None


def hasattr_(x: Any, name: Any, /) -> bool:
    if type(name) is not str:
        raise _err("hasattr", f"for parameter 2: got {type_name(name)}, want string")
    return ops.hasattr_(x, name)


def hash_(x: Any, /) -> int:
    return hash_value(x)


def _digit(c: str) -> int:
    o = ord(c)
    if 48 <= o <= 57:
        return o - 48
    if 97 <= o <= 122:
        return o - 87
    if 65 <= o <= 90:
        return o - 55
    return 99


# base -> the characters that are digits in that base (either case), as _digit
_DIGITS = {b: frozenset(c for c in map(chr, range(128)) if _digit(c) < b) for b in range(2, 37)}


def _parse_int(s: str, base: int) -> int | None:
    """Go's parseInt: optional sign, optional matching base prefix, digits only."""
    neg = False
    if s[:1] == "+":
        s = s[1:]
    elif s[:1] == "-":
        neg = True
        s = s[1:]
    if len(s) > 1 and s[0] == "0":
        prefix = {"o": 8, "x": 16, "b": 2}.get(s[1].lower(), 0) if len(s) > 2 else 0
        if prefix:
            if base == 0 or base == prefix:
                base = prefix
                s = s[2:]
        elif base == 0:
            # spec: with base 0 a leading zero is only allowed in 0 itself ("0755" is invalid)
            return 0 if s.strip("0") == "" else None
    if base == 0:
        base = 10
    if not s or not _DIGITS[base].issuperset(s):
        return None
    v = _int_digits(s, base)
    return -v if neg else v


def _int_digits(s: str, base: int) -> int:
    # Python refuses int(str) beyond 4300 digits in non-power-of-two bases;
    # Starlark has no such limit, so long strings are converted in blocks.
    if len(s) <= 4000:
        return int(s, base)
    v = 0
    for i in range(0, len(s), 4000):
        chunk = s[i : i + 4000]
        v = v * base ** len(chunk) + int(chunk, base)
    return v


def int_(x: Any = _UNSET, base: Any = _UNSET) -> int:
    t = type(x)
    if t is str:
        # Fast path: base 10, ASCII digits with an optional sign, short enough
        # for Python's int() (which, on such text, agrees with Go's parseInt;
        # on other text it would accept "_", spaces and non-ASCII digits).
        if base is _UNSET and len(x) <= 4000 and x.isascii():
            if x.isdigit():
                return int(x)
            c = x[:1]
            if (c == "-" or c == "+") and x[1:].isdigit():
                return int(x)
        b = 10
        if base is not _UNSET:
            if type(base) is not int:
                raise _err("int", f"for base, got {type_name(base)}, want int")
            b = base
            if b != 0 and (b < 2 or b > 36):
                raise _err("int", "base must be an integer >= 2 && <= 36")
        v = _parse_int(x, b)
        if v is None:
            raise _err("int", f"invalid literal with base {b}: {x}")
        return v
    if x is _UNSET:
        raise _err("int", "missing argument for x")
    if base is not _UNSET:
        raise _err("int", "can't convert non-string with explicit base")
    if t is int:
        return x
    if t is bool:
        return 1 if x else 0
    if t is float:
        if math.isinf(x):
            raise _err("int", "cannot convert float infinity to integer")
        if math.isnan(x):
            raise _err("int", "cannot convert float NaN to integer")
        return int(x)
    raise _err("int", f"cannot convert {type_name(x)} to int")


_HAS_LEN = frozenset({str, bytes, tuple, range}) | GUARDED


def len_(x: Any, /) -> int:
    if type(x) in _HAS_LEN:
        return len(x)
    if hasattr(type(x), "type_name") and hasattr(x, "__len__"):
        return len(x)  # a protocol value with a length (e.g. "abc".elems())
    raise _err("len", f"value of type {type_name(x)} has no len")


def list_(x: Any = _UNSET, /) -> List:
    if x is _UNSET:
        return List()
    return List(_elems("list", x))


_MINMAX_CHUNK = 256


def _minmax(name: str, op: str, args: tuple, key: Any) -> Any:
    if not args:
        raise EvalError(f"{name} requires at least one positional argument")
    if key is _UNSET:
        key = None
    else:
        _check_callable(name, key)
    src = args[0] if len(args) == 1 else args
    try:
        it = ops.iterate(src)
    except EvalError:
        raise _err(name, f"{type_name(src)} value is not iterable") from None
    best = _UNSET
    best_key = None
    try:
        # A chunk of elements at a time, with their keys (the spec calls the
        # key function once per element, in order): when Python orders the
        # running best's key and the chunk's as Starlark does, its min/max
        # picks the same element (the first of equal ones; the best comes
        # first). Chunks keep few keys alive: a list of every key (tuples,
        # often) would be garbage the cyclic GC walks again and again.
        elems = it if isinstance(it, list) else list(it)  # (a List cannot change meanwhile)
        fn = None if key is None else _key_fn(key)
        pick = max if op == ">" else min
        for at in range(0, len(elems), _MINMAX_CHUNK):
            chunk = elems[at : at + _MINMAX_CHUNK]
            keys = chunk[:] if fn is None else [fn(x) for x in chunk]
            if best is not _UNSET:
                chunk.insert(0, best)
                keys.insert(0, best_key)
            if _native_sortable(keys):
                i = pick(range(len(keys)), key=keys.__getitem__)
                best, best_key = chunk[i], keys[i]
                continue
            for i in range(len(keys)):
                k = keys[i]
                if best is _UNSET:
                    best, best_key = chunk[i], k
                    continue
                try:
                    better = compare(op, k, best_key)
                except EvalError as e:
                    raise _err(name, e.msg) from None
                if better:
                    best, best_key = chunk[i], k
    finally:
        ops.iter_done(src)
    if best is _UNSET:
        raise _err(name, "argument is an empty sequence")
    return best


def max_(*args: Any, key: Any = _UNSET) -> Any:
    return _minmax("max", ">", args, key)


def min_(*args: Any, key: Any = _UNSET) -> Any:
    return _minmax("min", "<", args, key)


def ord_(c: Any, /) -> int:
    t = type(c)
    if t is str:
        if len(c) != 1:
            raise _err("ord", f"string encodes {len(c)} Unicode code points, want 1")
        return ord(c)
    if t is bytes:
        if len(c) != 1:
            raise _err("ord", f"bytes has length {len(c)}, want 1")
        return c[0]
    raise _err("ord", f"got {type_name(c)}, want string or bytes")


PRINT_HOOK: Callable[[str], Any] | None = None


def set_print_hook(fn: Callable[[str], Any] | None) -> None:
    """Send the output of `print` to `fn(msg)` (None: standard output)."""
    global PRINT_HOOK
    PRINT_HOOK = fn


def print_(*args: Any, sep: Any = " ") -> None:
    msg = _join(args, sep, "print")
    hook = PRINT_HOOK  # looked up at call time
    if hook is None:
        sys.stdout.write(msg + "\n")
    else:
        hook(msg)


def range_(start_or_stop: Any, stop: Any = _UNSET, step: Any = 1, /) -> range:
    # (its bounds are Go's on a 64-bit machine: signed 64-bit ints)
    if stop is _UNSET and type(start_or_stop) is int and I64_MIN <= start_or_stop <= I64_MAX:
        return range(start_or_stop)  # (the common case, without the checks' calls)
    a = _int64_param("range", start_or_stop, 1)
    if stop is _UNSET:
        return range(a)
    b = _int64_param("range", stop, 2)
    s = _int64_param("range", step, 3)
    if s == 0:
        raise _err("range", "step argument must not be zero")
    r = range(a, b, s)
    try:
        len(r)
    except OverflowError:  # (a length beyond 64 bits: Go's len fails too)
        raise _err("range", f"{r} has more than {I64_MAX} elements") from None
    return r


def repr_(x: Any, /) -> str:
    return _fmt().repr_value(x)


def reversed_(x: Any, /) -> List:
    e = _elems("reversed", x)
    e.reverse()
    return List(e)


def set_(x: Any = _UNSET, /) -> Set:
    if x is _UNSET:
        return Set()
    e = _elems("set", x)
    try:
        return new_set(e)
    except TypeError:
        for v in e:
            try:
                check_hashable(v)
            except EvalError as err:
                raise _err("set", err.msg) from None
        raise  # pragma: no cover


_NUMS = frozenset({int, float})


def _native_sortable(keys: list[Any]) -> bool:
    """Whether Python's own ordering of `keys` is Starlark's (no key-by-key compare needed)."""
    types = set(map(type, keys))
    if len(types) == 1 and (str in types or bytes in types or int in types):
        return True
    if types <= _NUMS:
        return not any(k != k for k in keys)  # NaN needs the spec's total order
    if types == {tuple}:
        # Tuples order lexicographically in both languages; Python's order is
        # Starlark's when each position holds one native-ordered type.
        lens = set(map(len, keys))
        width = max(lens, default=0)
        for i in range(width):
            if len(lens) == 1:  # (all of one length: the column without a test)
                col = list(map(operator.itemgetter(i), keys))
            else:
                col = [k[i] for k in keys if len(k) > i]
            ts = set(map(type, col))
            if tuple in ts:
                return False
            if len(ts) == 1 and (str in ts or bytes in ts or int in ts):
                continue  # (the common column: no NaN to look for)
            if not _native_sortable(col):
                return False
        return True
    return False


def _starlark_cmp(a: Any, b: Any) -> int:
    if compare("<", a, b):
        return -1
    if compare("<", b, a):
        return 1
    return 0


def sorted_(iterable: Any, key: Any = _UNSET, reverse: Any = False) -> List:
    # as Go: key and reverse may also be given positionally; the parameters
    # are checked in order
    try:
        it = ops.iterate(iterable)
    except EvalError:
        raise _err(
            "sorted", f"for parameter iterable: got {type_name(iterable)}, want iterable"
        ) from None
    try:
        if key is _UNSET:
            key = None
        else:
            _check_callable("sorted", key)
        if type(reverse) is not bool:
            raise _err("sorted", f'for parameter "reverse": got {type_name(reverse)}, want bool')
        values = List(it)
        # spec: the key function is called exactly once per element, in order
        if key is None:
            keys = values
        else:
            fn = _key_fn(key)
            keys = [fn(v) for v in values]
    finally:
        ops.iter_done(iterable)
    rev = truth(reverse)
    if _native_sortable(keys):
        # Python's sort is stable, and so is its reverse, as Go's
        # sort.Stable(sort.Reverse(...)); it takes each element's key once,
        # in order: `next(keys)` hands it the ones computed above.
        if key is None:
            values.sort(reverse=rev)
        else:
            values.sort(key=functools.partial(next, iter(keys)), reverse=rev)
        return values
    order = list(range(len(values)))
    cmp = functools.cmp_to_key(lambda i, j: _starlark_cmp(keys[i], keys[j]))
    try:
        order.sort(key=cmp, reverse=rev)
    except EvalError as e:
        go = _go_sort_error(list(keys), rev) if len(keys) <= _GO_SORT_LIMIT else None
        raise EvalError(go or e.msg) from None
    return List([values[i] for i in order])


# the longest list whose failed sort is re-run as Go's (`_go_sort_error`)
_GO_SORT_LIMIT = 20_000


def _go_sort_error(keys: list[Any], reverse: bool) -> str | None:
    """The error message of Go's `sorted` over `keys`, which Python's sort failed on.

    Go sorts with sort.Stable (insertion sort of blocks of 20 elements, then
    SymMerge of the blocks; sort.Reverse swaps each comparison's operands).
    A comparison that fails is "not less", the sort goes on, and the *last*
    failure is the error reported. Which pair that is depends on the
    algorithm, so this runs Go's algorithm on the keys, on this error path
    only (up to `_GO_SORT_LIMIT` keys; past that, Python's first failure).
    """
    failed: list[EvalError] = []  # (every failure: the last is Go's error)

    def less(i: int, j: int) -> bool:
        if reverse:
            i, j = j, i
        try:
            return compare("<", keys[i], keys[j])
        except EvalError as e:
            failed.append(e)
            return False

    def swap(i: int, j: int) -> None:
        keys[i], keys[j] = keys[j], keys[i]

    def insertion(a: int, b: int) -> None:
        for i in range(a + 1, b):
            j = i
            while j > a and less(j, j - 1):
                swap(j, j - 1)
                j -= 1

    def rotate(a: int, m: int, b: int) -> None:
        # blocks [a, m) and [m, b) exchange places, by block swaps
        i, j = m - a, b - m
        while i != j:
            if i > j:
                for k in range(j):
                    swap(m - i + k, m + k)
                i -= j
            else:
                for k in range(i):
                    swap(m - i + k, m + j - i + k)
                j -= i
        for k in range(i):
            swap(m - i + k, m + k)

    def sym_merge(a: int, m: int, b: int) -> None:
        if m - a == 1:
            # the one element of [a, m) goes before the first of [m, b) not less than it
            i, j = m, b
            while i < j:
                h = (i + j) >> 1
                if less(h, a):
                    i = h + 1
                else:
                    j = h
            for k in range(a, i - 1):
                swap(k, k + 1)
            return
        if b - m == 1:
            # the one element of [m, b) goes before the first of [a, m) greater than it
            i, j = a, m
            while i < j:
                h = (i + j) >> 1
                if not less(m, h):
                    i = h + 1
                else:
                    j = h
            for k in range(m, i, -1):
                swap(k, k - 1)
            return
        mid = (a + b) >> 1
        n = mid + m
        start, r = (n - b, mid) if m > mid else (a, m)
        p = n - 1
        while start < r:
            c = (start + r) >> 1
            if not less(p - c, c):
                start = c + 1
            else:
                r = c
        end = n - start
        if start < m < end:
            rotate(start, m, end)
        if a < start < mid:
            sym_merge(a, start, mid)
        if mid < end < b:
            sym_merge(mid, end, b)

    n = len(keys)
    block = 20
    a, b = 0, block
    while b <= n:
        insertion(a, b)
        a, b = b, b + block
    insertion(a, n)
    while block < n:
        a, b = 0, 2 * block
        while b <= n:
            sym_merge(a, a + block, b)
            a, b = b, b + 2 * block
        if a + block < n:
            sym_merge(a, a + block, n)
        block *= 2
    return failed[-1].msg if failed else None


def str_(x: Any, /) -> str:
    t = type(x)
    if t is int and x.bit_length() < 10000:  # first: str(i) is the common use
        return str(x)
    if t is str:
        return x
    if t is bytes:
        return x.decode("utf-8", "replace")  # spec: invalid bytes become U+FFFD
    if t is float:
        return format_float(x)
    return str_value(x)


def tuple_(x: Any = _UNSET, /) -> tuple:
    if x is _UNSET:
        return ()
    if type(x) is tuple:
        return x
    return tuple(_elems("tuple", x))


def type_(x: Any, /) -> str:
    return type_name(x)


def zip_(*args: Any) -> List:
    cols = []
    for i, a in enumerate(args):
        if not ops._is_iterable(a):
            raise _err("zip", f"argument #{i + 1} is not iterable: {type_name(a)}")
        cols.append(_elems("zip", a))
    return List(zip(*cols, strict=False))


# ---------------------------------------------------------------------------
# list methods


def _list_mutable(name: str, x: List, verb: str) -> None:
    try:
        check_list_mutable(x, verb)
    except EvalError as e:
        raise _err(name, e.msg) from None


def list_append(self: List, x: Any, /) -> None:
    if type(self) not in _IDLE_TYPES:  # the check only when it can fail
        _list_mutable("append", self, "append to")
    self.append(x)


def list_clear(self: List, /) -> None:
    if type(self) not in _IDLE_TYPES:  # the check only when it can fail
        _list_mutable("clear", self, "clear")
    self.clear()


def list_extend(self: List, x: Any, /) -> None:
    if type(self) is List and type(x) in _SEQS and x is not self:
        self.extend(x)  # fast path: nothing can change x meanwhile
        return
    elems = _elems("extend", x)
    if type(self) not in _IDLE_TYPES:  # the check only when it can fail
        _list_mutable("extend", self, "extend")
    self.extend(elems)


def _indices(name: str, start: Any, end: Any, n: int) -> tuple[int, int]:
    """Go's `indices`: optional start/end clamped to [0:n]."""

    def one(v: Any, default: int, what: str) -> int:
        if v is None:
            return default
        try:
            i = ops.as_int32(v)
        except EvalError as e:
            raise _err(name, f"invalid {what} index: {e.msg}") from None
        if i < 0:
            i += n
        return min(max(i, 0), n)

    return one(start, 0, "start"), one(end, n, "end")


def list_index(self: List, x: Any, start: Any = None, end: Any = None, /) -> int:
    a, b = _indices("index", start, end, len(self))
    for i in range(a, b):
        if equal(self[i], x):
            return i
    raise _err("index", "value not in list")


def list_insert(self: List, index: Any, x: Any, /) -> None:
    i = _int64_param("insert", index, 1)  # (Go's is an int: 64 bits)
    if type(self) not in _IDLE_TYPES:  # the check only when it can fail
        _list_mutable("insert", self, "insert into")
    self.insert(i, x)  # Python clamps the index as the spec does


def list_pop(self: List, index: Any = _UNSET, /) -> Any:
    # fast path: a mutable list, no index or an int index in range (which is
    # within int32, as _int_param wants, for any list shorter than 2**31)
    if type(self) in _IDLE_TYPES:
        if index is _UNSET:
            if self:
                return self.pop()
        elif type(index) is int and -len(self) <= index < len(self):
            return self.pop(index)
    n = len(self)
    i = n - 1 if index is _UNSET else _int64_param("pop", index, 1)  # (as insert)
    j = i + n if i < 0 else i
    if j < 0 or j >= n:
        raise _err("pop", ops._out_of_range(i, n, self).msg)
    if type(self) not in _IDLE_TYPES:  # the check only when it can fail
        _list_mutable("pop", self, "pop from")
    return self.pop(j)


def list_remove(self: List, x: Any, /) -> None:
    if type(self) not in _IDLE_TYPES:  # the check only when it can fail
        _list_mutable("remove", self, "remove from")
    for i, e in enumerate(self):
        if equal(e, x):
            del self[i]
            return
    raise _err("remove", "element not found")


LIST_METHODS: dict[str, Callable[..., Any]] = {
    "append": list_append,
    "clear": list_clear,
    "extend": list_extend,
    "index": list_index,
    "insert": list_insert,
    "pop": list_pop,
    "remove": list_remove,
}


# ---------------------------------------------------------------------------
# dict methods


def _hash_mutable(name: str, x: Dict | Set, verb: str) -> None:
    try:
        check_hash_mutable(x, verb)
    except EvalError as e:
        raise _err(name, e.msg) from None


def _key(name: str, k: Any) -> Any:
    """Key `k` as a dict or set stores it (`values.key_of`: hashable, bools
    wrapped), else `name`'s error."""
    if type(k) is tuple:  # fast path: a tuple of strs and ints is hashable
        for e in k:
            t = type(e)
            if t is not str and t is not int:
                break
        else:
            return k
    try:
        return key_of(k)
    except EvalError as e:
        raise _err(name, e.msg) from None


def dict_clear(self: Dict, /) -> None:
    if type(self) not in _IDLE_TYPES:  # the check only when it can fail
        _hash_mutable("clear", self, "clear")
    self.clear()


def dict_get(self: Dict, key: Any, default: Any = None, /) -> Any:
    t = type(key)
    if t is not str and t is not int:  # as check_hashable: these always are
        key = _key("get", key)
    return self.get(key, default)


def dict_items(self: Dict, /) -> List:
    return List(self.items())


def dict_keys(self: Dict, /) -> List:
    return List(self)


def dict_values(self: Dict, /) -> List:
    return List(self.values())


def dict_pop(self: Dict, key: Any, default: Any = _UNSET, /) -> Any:
    if type(self) not in _IDLE_TYPES:  # the check only when it can fail
        _hash_mutable("pop", self, "delete from")
    t = type(key)
    if t is not str and t is not int:  # as check_hashable: these always are
        key = _key("pop", key)
    if key in self:
        return self.pop(key)
    if default is not _UNSET:
        return default
    raise _err("pop", "missing key")


def dict_popitem(self: Dict, /) -> tuple:
    if not self:
        raise _err("popitem", "empty dict")
    if type(self) not in _IDLE_TYPES:  # the check only when it can fail
        _hash_mutable("popitem", self, "delete from")
    k = next(iter(self))  # spec: the first item in iteration order
    return (k, self.pop(k))


def dict_setdefault(self: Dict, key: Any, default: Any = None, /) -> Any:
    t = type(key)
    hk = key if t is str or t is int else _key("setdefault", key)
    if hk in self:
        return self[hk]
    if type(self) not in _IDLE_TYPES:  # the check only when it can fail
        _hash_mutable("setdefault", self, "insert into")
    hput(self, key, hk, default)
    return default


def dict_update(self: Dict, *args: Any, **kwargs: Any) -> None:
    _update_dict("update", self, args, kwargs)


DICT_METHODS: dict[str, Callable[..., Any]] = {
    "clear": dict_clear,
    "get": dict_get,
    "items": dict_items,
    "keys": dict_keys,
    "pop": dict_pop,
    "popitem": dict_popitem,
    "setdefault": dict_setdefault,
    "update": dict_update,
    "values": dict_values,
}


# ---------------------------------------------------------------------------
# set methods


def _set_elems(name: str, others: tuple) -> list[list[Any]]:
    """The elements of each of `*others`, all checked hashable."""
    out = []
    for i, o in enumerate(others):
        if not ops._is_iterable(o):
            raise _err(name, f"for parameter {i + 1}: got {type_name(o)}, want iterable")
        e = _elems(name, o)
        for v in e:
            _key(name, v)
        out.append(e)
    return out


def _set_one(name: str, x: Any) -> list[Any]:
    e = _elems(name, x)
    for v in e:
        _key(name, v)
    return e


def set_add(self: Set, x: Any, /) -> None:
    if type(self) not in _IDLE_TYPES:  # the check only when it can fail
        _hash_mutable("add", self, "insert into")
    t = type(x)
    if t is not str and t is not int:  # as check_hashable: these always are
        hput(self, x, _key("add", x), None)
        return
    self[x] = None


def set_clear(self: Set, /) -> None:
    if self:  # as Go: clearing an empty set is never an error
        if type(self) not in _IDLE_TYPES:  # the check only when it can fail
            _hash_mutable("clear", self, "clear")
        self.clear()


def set_difference(self: Set, *others: Any) -> Set:
    z = hcopy(self, Set)
    for e in _set_elems("difference", others):
        for v in e:
            z.pop(hkey(v), None)
    return z


def set_difference_update(self: Set, *others: Any) -> None:
    elems = _set_elems("difference_update", others)
    if type(self) not in _IDLE_TYPES:  # the check only when it can fail
        _hash_mutable("difference_update", self, "delete from")
    for e in elems:
        for v in e:
            self.pop(hkey(v), None)


def set_discard(self: Set, x: Any, /) -> None:
    if type(self) not in _IDLE_TYPES:  # the check only when it can fail
        _hash_mutable("discard", self, "delete from")
    self.pop(_key("discard", x), None)


def set_intersection(self: Set, *others: Any) -> Set:
    raw = dict.fromkeys(hkeys(self))
    for e in _set_elems("intersection", others):
        keep = dict.fromkeys(map(hkey, e))
        raw = dict.fromkeys([k for k in raw if k in keep])
    return hraw(Set, raw, (self,))


def set_intersection_update(self: Set, *others: Any) -> None:
    elems = _set_elems("intersection_update", others)
    if type(self) not in _IDLE_TYPES:  # the check only when it can fail
        _hash_mutable("intersection_update", self, "delete from")
    for e in elems:
        keep = dict.fromkeys(map(hkey, e))
        for k in [k for k in hkeys(self) if k not in keep]:
            dict.__delitem__(self, k)


def set_isdisjoint(self: Set, x: Any, /) -> bool:
    return not any(hkey(v) in self for v in _set_one("isdisjoint", x))


def set_issubset(self: Set, x: Any, /) -> bool:
    other = dict.fromkeys(map(hkey, _set_one("issubset", x)))
    return all(k in other for k in hkeys(self))


def set_issuperset(self: Set, x: Any, /) -> bool:
    return all(hkey(v) in self for v in _set_one("issuperset", x))


def set_pop(self: Set, /) -> Any:
    if not self:
        raise _err("pop", "empty set")
    if type(self) not in _IDLE_TYPES:  # the check only when it can fail
        _hash_mutable("pop", self, "delete from")
    k = next(iter(self))  # spec: the first element in iteration order
    del self[k]
    return k


def set_remove(self: Set, x: Any, /) -> None:
    if type(self) not in _IDLE_TYPES:  # the check only when it can fail
        _hash_mutable("remove", self, "delete from")
    hx = _key("remove", x)
    if hx not in self:
        raise _err("remove", "missing key")
    del self[hx]


def set_symmetric_difference(self: Set, x: Any, /) -> Set:
    elems = _set_one("symmetric_difference", x)
    z = hcopy(self, Set)
    _symmetric_difference_update(z, elems)
    return z


def set_symmetric_difference_update(self: Set, x: Any, /) -> None:
    elems = _set_one("symmetric_difference_update", x)
    if type(self) not in _IDLE_TYPES:  # the check only when it can fail
        _hash_mutable("symmetric_difference_update", self, "insert into")
    _symmetric_difference_update(self, elems)


def _symmetric_difference_update(z: Set, elems: list[Any]) -> None:
    other = dict.fromkeys(map(hkey, elems))
    mine = hkeys(z)
    add = [unkey(k) for k in other if k not in mine]
    for k in [k for k in mine if k in other]:
        dict.__delitem__(z, k)
    hupdate(z, add)


def set_union(self: Set, *others: Any) -> Set:
    z = hcopy(self, Set)
    for e in _set_elems("union", others):
        hupdate(z, e)
    return z


def set_update(self: Set, *others: Any) -> None:
    elems = _set_elems("update", others)
    if type(self) not in _IDLE_TYPES:  # the check only when it can fail
        _hash_mutable("update", self, "insert into")
    for e in elems:
        hupdate(self, e)


SET_METHODS: dict[str, Callable[..., Any]] = {
    "add": set_add,
    "clear": set_clear,
    "difference": set_difference,
    "difference_update": set_difference_update,
    "discard": set_discard,
    "intersection": set_intersection,
    "intersection_update": set_intersection_update,
    "isdisjoint": set_isdisjoint,
    "issubset": set_issubset,
    "issuperset": set_issuperset,
    "pop": set_pop,
    "remove": set_remove,
    "symmetric_difference": set_symmetric_difference,
    "symmetric_difference_update": set_symmetric_difference_update,
    "union": set_union,
    "update": set_update,
}


# ---------------------------------------------------------------------------
# The universe

_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": abs_,
    "all": all_,
    "any": any_,
    "bool": bool_,
    "bytes": bytes_,
    "chr": chr_,
    "dict": dict_,
    "dir": dir_,
    "enumerate": enumerate_,
    "fail": fail,
    "float": float_,
    "getattr": getattr_,
    "hasattr": hasattr_,
    "hash": hash_,
    "int": int_,
    "len": len_,
    "list": list_,
    "max": max_,
    "min": min_,
    "ord": ord_,
    "print": print_,
    "range": range_,
    "repr": repr_,
    "reversed": reversed_,
    "sorted": sorted_,
    "str": str_,
    "tuple": tuple_,
    "type": type_,
    "zip": zip_,
}

UNIVERSE: dict[str, Any] = {"None": None, "True": True, "False": False}
UNIVERSE.update((name, Builtin(name, fn)) for name, fn in _FUNCTIONS.items())

UNIVERSE_SET: dict[str, Any] = dict(UNIVERSE, set=Builtin("set", set_))


def universe(options: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The predeclared names for a dialect: `set` only with the "set" option. A new dict."""
    return dict(UNIVERSE_SET if "set" in options else UNIVERSE)
