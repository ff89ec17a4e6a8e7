"""Starlark operators and the other slow paths that generated code calls.

This module owns the semantics of the binary and unary operators, `in`,
indexing, slicing, attribute access (`x.f`, `x.f = v`, `dir`), iteration
for `for` loops and comprehensions, sequence unpacking, `*args`/`**kwargs`
at call sites and augmented assignment. Generated code inlines the common
cases and calls these functions for the rest; they must therefore accept
any values and fail only with `EvalError` (Go's wording), never with a
Python exception.

`format` (string interpolation, repr in messages), `strings` (methods of
string and bytes) and `universe` (methods of list/dict/set) are imported
lazily: they import this module.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .errors import EvalError
from .spell import nearest
from .values import (
    BASE,
    BOOL_TYPES,
    DICT_TYPES,
    FALSE_KEY,
    GUARDED,
    LIST_TYPES,
    SET_TYPES,
    TRUE_KEY,
    Builtin,
    Dict,
    List,
    Module,
    Set,
    _has_bool,
    check_hash_mutable,
    check_hashable,
    check_list_mutable,
    compare,
    equal,
    hcopy,
    hkey,
    hkeys,
    hmark,
    hmerge,
    hraw,
    hstore_key,
    iter_acquire,
    iter_release,
    type_name,
)

__all__ = [
    "add",
    "as_int32",
    "augmented",
    "binary",
    "bitand",
    "bitor",
    "bitxor",
    "contains",
    "dir_",
    "eq",
    "floordiv",
    "ge",
    "getattr_",
    "gt",
    "hasattr_",
    "index",
    "invert",
    "iter_done",
    "iterate",
    "kwargs_dict",
    "le",
    "lshift",
    "lt",
    "mod",
    "mul",
    "ne",
    "nearest",
    "neg",
    "pos",
    "rshift",
    "setattr_",
    "setindex",
    "slice",
    "star_args",
    "star_args_kw",
    "sub",
    "to_float",
    "truediv",
    "unpack",
]

# ---------------------------------------------------------------------------
# Lazy imports (these modules import ops)

_format_mod: Any = None
_method_tables: dict[type, dict[str, Any]] | None = None


def _fmt() -> Any:
    global _format_mod
    if _format_mod is None:
        from . import format as f

        _format_mod = f
    return _format_mod


def _tables() -> dict[type, dict[str, Any]]:
    global _method_tables
    if _method_tables is None:
        from . import strings, universe

        _method_tables = {str: strings.STR_METHODS, bytes: strings.BYTES_METHODS}
        for ts, tbl in (
            (LIST_TYPES, universe.LIST_METHODS),
            (DICT_TYPES, universe.DICT_METHODS),
            (SET_TYPES, universe.SET_METHODS),
        ):
            _method_tables.update(dict.fromkeys(ts, tbl))
    return _method_tables


# ---------------------------------------------------------------------------
# Numeric helpers

I32_MIN = -(1 << 31)
I32_MAX = (1 << 31) - 1


def as_int32(x: Any) -> int:
    """`x` as an int in the signed 32-bit range, as Go's AsInt32 (bool is not an int)."""
    if type(x) is not int:
        raise EvalError(f"got {type_name(x)}, want int")
    if x < I32_MIN or x > I32_MAX:
        raise EvalError(f"{x} out of range")
    return x


I64_MIN = -(1 << 63)
I64_MAX = (1 << 63) - 1


def as_int64(x: Any) -> int:
    """`x` as an int in the signed 64-bit range (bool is not an int), as
    Go's arguments of type int on a 64-bit machine (`range`'s)."""
    if type(x) is not int:
        raise EvalError(f"got {type_name(x)}, want int")
    if x < I64_MIN or x > I64_MAX:
        raise EvalError(f"{x} out of range (want value in signed 64-bit range)")
    return x


def to_float(x: int) -> float:
    """The float nearest the int `x`; as Go, fails if it is not finite."""
    try:
        return float(x)
    except OverflowError:
        raise EvalError("int too large to convert to float") from None


def _unknown(op: str, x: Any, y: Any) -> EvalError:
    return EvalError(f"unknown binary op: {type_name(x)} {op} {type_name(y)}")


# Go's cap on the size of a repetition result.
_MAX_ALLOC = 1 << 30


# ---------------------------------------------------------------------------
# Arithmetic


def add(x: Any, y: Any) -> Any:
    """`x + y`: numbers, and concatenation of string, bytes, tuple and list."""
    tx = type(x)
    ty = type(y)
    if tx in LIST_TYPES and ty in LIST_TYPES:  # (first: a compiled + took the others)
        z = List(x)
        z.extend(y)
        return z
    if tx is ty:
        if tx is int or tx is str or tx is float or tx is tuple or tx is bytes:
            return x + y
    elif tx is int and ty is float:
        return to_float(x) + y
    elif tx is float and ty is int:
        return x + to_float(y)
    raise _unknown("+", x, y)


def sub(x: Any, y: Any) -> Any:
    """`x - y`: numbers and set difference."""
    tx = type(x)
    ty = type(y)
    if tx in BASE and ty in BASE:
        tx, ty = BASE[tx], BASE[ty]
    if tx is ty:
        if tx is int or tx is float:
            return x - y
        if tx is Set:
            ky = hkeys(y)
            return hraw(Set, dict.fromkeys([k for k in hkeys(x) if k not in ky]), (x,))
    elif tx is int and ty is float:
        return to_float(x) - y
    elif tx is float and ty is int:
        return x - to_float(y)
    raise _unknown("-", x, y)


def _repeat(seq: Any, n: int) -> Any:
    t = type(seq)
    if t in LIST_TYPES:
        t = List
    if len(seq) == 0:
        return List() if t is List else seq
    if n < I32_MIN or n > I32_MAX:
        raise EvalError(f"repeat count {n} too large")
    if n < 1:
        return List() if t is List else t()
    if len(seq) * n >= _MAX_ALLOC:
        raise EvalError(f"excessive repeat ({len(seq)} * {n} elements)")
    if t is List:
        return List(list.__mul__(seq, n))
    return seq * n


_SEQ_REPEAT = frozenset({str, bytes, tuple}) | LIST_TYPES


def mul(x: Any, y: Any) -> Any:
    """`x * y`: numbers, and repetition of string, bytes, tuple and list by an int."""
    tx = type(x)
    ty = type(y)
    if tx is int:
        if ty is int:
            return x * y
        if ty is float:
            return to_float(x) * y
        if ty in _SEQ_REPEAT:
            return _repeat(y, x)
    elif tx is float:
        if ty is float:
            return x * y
        if ty is int:
            return x * to_float(y)
    elif ty is int and tx in _SEQ_REPEAT:
        return _repeat(x, y)
    raise _unknown("*", x, y)


def _num_pair(op: str, x: Any, y: Any) -> tuple[float, float]:
    """Both operands as floats (Go converts ints first), or an unknown-op error."""
    tx = type(x)
    ty = type(y)
    if (tx is int or tx is float) and (ty is int or ty is float):
        return (to_float(x) if tx is int else x), (to_float(y) if ty is int else y)
    raise _unknown(op, x, y)


def truediv(x: Any, y: Any) -> float:
    """`x / y`: always a float."""
    a, b = _num_pair("/", x, y)
    if b == 0.0:
        raise EvalError("floating-point division by zero")
    return a / b


def floordiv(x: Any, y: Any) -> Any:
    """`x // y`: floored; int if both operands are ints."""
    if type(x) is int and type(y) is int:
        if y == 0:
            raise EvalError("floored division by zero")
        return x // y
    a, b = _num_pair("//", x, y)
    if b == 0.0:
        raise EvalError("floored division by zero")
    q = a / b
    # as Go: floor(x / y), which is not always Python's float //
    return float(math.floor(q)) if math.isfinite(q) else q


def mod(x: Any, y: Any) -> Any:
    """`x % y`: floored remainder of numbers, or string interpolation."""
    tx = type(x)
    if tx is str:
        return _fmt().percent_format(x, y)
    ty = type(y)
    if tx is int and ty is int:
        if y == 0:
            raise EvalError("integer modulo by zero")
        return x % y
    a, b = _num_pair("%", x, y)
    if b == 0.0:
        raise EvalError("floating-point modulo by zero")
    return a % b  # Python's float % is floored, as Go's Float.Mod


def bitand(x: Any, y: Any) -> Any:
    """`x & y`: ints, and set intersection."""
    tx = type(x)
    if tx in SET_TYPES and type(y) in SET_TYPES:
        tx = Set
    elif tx is not type(y):
        tx = None
    if tx is not None:
        if tx is int:
            return x & y
        if tx is Set:
            ky = hkeys(y)
            return hraw(Set, dict.fromkeys([k for k in hkeys(x) if k in ky]), (x,))
    raise _unknown("&", x, y)


def bitor(x: Any, y: Any) -> Any:
    """`x | y`: ints, dict union and set union."""
    tx = type(x)
    ty = type(y)
    if tx in BASE and ty in BASE:
        tx, ty = BASE[tx], BASE[ty]
    if tx is ty:
        if tx is int:
            return x | y
        if tx is Dict or tx is Set:
            z = hcopy(x, tx)
            hmerge(z, y)
            return z
    raise _unknown("|", x, y)


def bitxor(x: Any, y: Any) -> Any:
    """`x ^ y`: ints, and set symmetric difference."""
    tx = type(x)
    if tx in SET_TYPES and type(y) in SET_TYPES:
        tx = Set
    elif tx is not type(y):
        tx = None
    if tx is not None:
        if tx is int:
            return x ^ y
        if tx is Set:
            kx, ky = hkeys(x), hkeys(y)
            raw = dict.fromkeys([k for k in kx if k not in ky])
            raw.update(dict.fromkeys([k for k in ky if k not in kx]))
            return hraw(Set, raw, (x, y))
    raise _unknown("^", x, y)


def _shift_count(y: Any) -> int:
    n = as_int32(y)
    if n < 0:
        raise EvalError(f"negative shift count: {n}")
    return n


def lshift(x: Any, y: Any) -> int:
    """`x << y` on ints; as Go, the count must be in [0, 512)."""
    if type(x) is int:
        n = _shift_count(y)
        if n >= 512:
            raise EvalError(f"shift count too large: {n}")
        return x << n
    raise _unknown("<<", x, y)


def rshift(x: Any, y: Any) -> int:
    """`x >> y` on ints (arithmetic shift)."""
    if type(x) is int:
        return x >> _shift_count(y)
    raise _unknown(">>", x, y)


# ---------------------------------------------------------------------------
# Unary


def neg(x: Any) -> Any:
    """`-x` for int and float."""
    t = type(x)
    if t is int or t is float:
        return -x
    raise EvalError(f"unknown unary op: - {type_name(x)}")


def pos(x: Any) -> Any:
    """`+x` for int and float."""
    t = type(x)
    if t is int or t is float:
        return +x
    raise EvalError(f"unknown unary op: + {type_name(x)}")


def invert(x: Any) -> int:
    """`~x` for int."""
    if type(x) is int:
        return ~x
    raise EvalError(f"unknown unary op: ~ {type_name(x)}")


# ---------------------------------------------------------------------------
# Comparisons


def eq(x: Any, y: Any) -> bool:
    """`x == y`."""
    return equal(x, y)


def ne(x: Any, y: Any) -> bool:
    """`x != y`."""
    return not equal(x, y)


def lt(x: Any, y: Any) -> bool:
    """`x < y`."""
    return compare("<", x, y)


def le(x: Any, y: Any) -> bool:
    """`x <= y`."""
    return compare("<=", x, y)


def gt(x: Any, y: Any) -> bool:
    """`x > y`."""
    return compare(">", x, y)


def ge(x: Any, y: Any) -> bool:
    """`x >= y`."""
    return compare(">=", x, y)


# ---------------------------------------------------------------------------
# Membership


def contains(container: Any, x: Any) -> bool:
    """`x in container`."""
    t = type(container)
    if t in BASE:
        t = BASE[t]
    elif t is dict:
        t = Dict  # a function's read-only **kwargs (compiler.function_def): no copy
    if t is List or t is tuple:
        tx = type(x)
        if tx is str or tx is bytes:
            return x in container  # Python's == agrees with Starlark's here
        if tx is int or (tx is float and x == x):
            # Python's == finds every Starlark match and more (True == 1): a
            # miss is a miss; a hit is confirmed without the bool impostors.
            # Measured: list_heavy's `in` went from 4.1 s to 0.3 s of profile;
            # `index` finds the candidates natively. (A NaN takes the general
            # path: Starlark's floats are totally ordered, NaN equals NaN.)
            if x not in container:
                return False
            i = 0
            while True:
                try:
                    i = container.index(x, i)
                except ValueError:
                    return False
                e = container[i]
                if e == x and type(e) is not bool:
                    return True
                i += 1
        return any(equal(e, x) for e in container)
    if t is Dict:
        # as Go: an unhashable key is simply not found
        tx = type(x)
        if tx is str or tx is int:
            return x in container
        if tx is bool:
            return (TRUE_KEY if x else FALSE_KEY) in container
        try:
            hit = x in container
        except TypeError:
            return False
        if hit and tx is tuple and type(container) not in BOOL_TYPES:
            # (a plain Dict holds no bool key, values.hkey: a probe holding
            # a bool that hits found its int twin; the loop inline: a call
            # costs ~30 ns)
            for e in x:
                te = type(e)
                if te is bool or (te is tuple and _has_bool(e)):
                    return False
        return hit
    if t is Set:
        tx = type(x)
        if tx is str or tx is int:
            return x in container
        check_hashable(x)
        return hkey(x) in container
    if t is str:
        if type(x) is not str:
            raise EvalError(f"'in <string>' requires string as left operand, not {type_name(x)}")
        return x in container
    if t is bytes:
        tx = type(x)
        if tx is bytes:
            return x in container
        if tx is int:
            if x < 0 or x > 255:
                raise EvalError(
                    f"int in bytes: {x} out of range (want value in unsigned 8-bit range)"
                )
            return x in container
        raise EvalError(f"'in bytes' requires bytes or int as left operand, not {type_name(x)}")
    if t is range:
        tx = type(x)
        if tx is int:
            return x in container
        if tx is float and math.isfinite(x):
            # spec: equal to some member (Go truncates the float first)
            return x.is_integer() and int(x) in container
        raise EvalError(f"'in <range>' requires integer as left operand, not {type_name(x)}")
    raise _unknown("in", x, container)


# ---------------------------------------------------------------------------
# Indexing and slicing


def _out_of_range(i: int, n: int, x: Any) -> EvalError:
    if n == 0:
        return EvalError(f"index {i} out of range: empty {type_name(x)}")
    return EvalError(f"{type_name(x)} index {i} out of range [{-n}:{n - 1}]")


_INDEXABLE = frozenset({tuple, str, bytes, range}) | LIST_TYPES


def index(x: Any, i: Any) -> Any:
    """`x[i]`: an element of a list, tuple, string, bytes or range, or a dict lookup."""
    t = type(x)
    if t in BASE:
        t = BASE[t]
    elif t is dict:
        t = Dict  # a read-only **kwargs
    if t is Dict:
        try:
            ti = type(i)
            if ti is bool:
                return x[TRUE_KEY if i else FALSE_KEY]
            v = x[i]
            if ti is tuple and type(x) not in BOOL_TYPES:
                for e in i:  # (its int twin: as `contains`)
                    te = type(e)
                    if te is bool or (te is tuple and _has_bool(e)):
                        raise KeyError(i)
            return v
        except KeyError:
            check_hashable(i)  # (a range: Python hashes it, Starlark does not)
            raise EvalError(f"key {_fmt().repr_value(i)} not in dict") from None
        except TypeError:
            check_hashable(i)
            raise  # pragma: no cover - check_hashable always raises here
    if t is List or t is tuple:
        # fast path: an in-range int index (as Go, no bools, negative from the end)
        if type(i) is int and -len(x) <= i < len(x):
            return x[i]
    if t in _INDEXABLE or getattr(t, "starlark_indexable", False):
        try:
            j = as_int32(i)
        except EvalError as e:
            raise EvalError(f"{type_name(x)} index: {e.msg}") from None
        n = len(x)
        k = j + n if j < 0 else j
        if k < 0 or k >= n:
            raise _out_of_range(j, n, x)
        return x[k]
    raise EvalError(f"unhandled index operation {type_name(x)}[{type_name(i)}]")


def setindex(x: Any, i: Any, v: Any) -> None:
    """`x[i] = v` for list elements and dict entries."""
    t = type(x)
    if t in BASE:
        t = BASE[t]
    if t is Dict:
        check_hash_mutable(x, "insert into")
        hstore_key(x, i, v)
        return
    if t is List:
        if type(i) is int and -len(x) <= i < len(x) and type(x) is List:
            x[i] = v  # fast path: an in-range index of a mutable list
            return
        j = as_int32(i)
        n = len(x)
        k = j + n if j < 0 else j
        if k < 0 or k >= n:
            raise _out_of_range(j, n, x)
        check_list_mutable(x, "assign to element of")
        x[k] = v
        return
    raise EvalError(f"{type_name(x)} value does not support item assignment")


def _slice_index(v: Any, what: str) -> int | None:
    if v is None:
        return None
    try:
        return as_int32(v)
    except EvalError as e:
        raise EvalError(f"invalid {what}: {e.msg}") from None


def slice(x: Any, lo: Any, hi: Any, step: Any) -> Any:
    """`x[lo:hi:step]` (each bound may be None) for list, tuple, string, bytes and range."""
    t = type(x)
    if t not in _INDEXABLE:
        raise EvalError(f"invalid slice operand {type_name(x)}")
    st = _slice_index(step, "slice step")
    if st == 0:
        raise EvalError("zero is not a valid slice step")
    a = _slice_index(lo, "start index")
    b = _slice_index(hi, "end index")
    # Python's clamping of slice bounds is the spec's (and Go's)
    r = x[a:b:st]
    return List(r) if t in LIST_TYPES else r


# ---------------------------------------------------------------------------
# Attributes


def _attr_names(x: Any) -> list[str] | None:
    """Sorted attribute names of `x`, or None if its type has no attributes."""
    t = type(x)
    tbl = _tables().get(t)
    if tbl is not None:
        return sorted(tbl)
    if t is Module:
        return x.starlark_attr_names()
    f = getattr(t, "starlark_attr_names", None)
    if f is not None:
        return sorted(f(x))
    if getattr(t, "starlark_attr", None) is not None:
        return []
    return None


class NoAttrError(EvalError):
    """`x.name` where `x` has no such field or method. Raised by the lookup
    of a method call, the error is the `.`'s, not the call's (as Go)."""


def _no_attr(x: Any, name: str) -> NoAttrError:
    msg = f"{type_name(x)} has no .{name} field or method"
    names = _attr_names(x)
    if names:
        hint = nearest(name, names)
        if hint is not None:
            msg += f" (did you mean .{hint}?)"
    return NoAttrError(msg)


def getattr_(x: Any, name: str) -> Any:
    """`x.name`: a bound method of a built-in type, a module member, or a protocol attribute."""
    t = type(x)
    tbl = _tables().get(t)
    if tbl is not None:
        fn = tbl.get(name)
        if fn is not None:
            return Builtin(name, fn, x)
        raise _no_attr(x, name)
    f = getattr(t, "starlark_attr", None)
    if f is not None:
        try:
            return f(x, name)
        except AttributeError:
            raise _no_attr(x, name) from None
    raise _no_attr(x, name)


def hasattr_(x: Any, name: str) -> bool:
    """Whether `x.name` would succeed."""
    t = type(x)
    tbl = _tables().get(t)
    if tbl is not None:
        return name in tbl
    f = getattr(t, "starlark_attr", None)
    if f is None:
        return False
    try:
        f(x, name)
    except AttributeError:
        return False
    except EvalError:
        # as Go: an error computing a listed attribute still means it exists
        names = _attr_names(x) or []
        return name in names
    return True


def setattr_(x: Any, name: str, v: Any) -> None:
    """`x.name = v`: no built-in type has assignable fields."""
    raise EvalError(f"can't assign to .{name} field of {type_name(x)}")


def dir_(x: Any) -> List:
    """`dir(x)`: the sorted names of the attributes of `x`."""
    return List(_attr_names(x) or ())


# ---------------------------------------------------------------------------
# Iteration and unpacking

_GUARDED = GUARDED


def iterate(x: Any) -> Iterable[Any]:
    """A Python iterable over `x` for a `for` loop or comprehension.

    A list, dict or set cannot change during the loop (values.iter_acquire);
    the caller must call `iter_done(x)` afterwards (in a `finally`).
    """
    t = type(x)
    if t in _GUARDED:
        iter_acquire(x)
        return x
    if t is tuple or t is range or t is dict:  # (dict: a read-only **kwargs, see below)
        return x
    if getattr(t, "__iter__", None) is not None and isinstance(getattr(t, "type_name", None), str):
        return x  # a protocol value that is iterable (e.g. "abc".elems())
    raise EvalError(f"{type_name(x)} value is not iterable")


def iter_done(x: Any) -> None:
    """End an iteration begun with `iterate(x)`."""
    if type(x) in _GUARDED:
        iter_release(x)


def _is_iterable(x: Any) -> bool:
    t = type(x)
    if t in _GUARDED or t is tuple or t is range:
        return True
    return getattr(t, "__iter__", None) is not None and isinstance(
        getattr(t, "type_name", None), str
    )


def unpack(x: Any, n: int) -> tuple:
    """The `n` elements of `x` for `a, b, ... = x`."""
    t = type(x)
    if t is tuple or t in LIST_TYPES or t is range:  # (sized: a range is not made a tuple)
        m = len(x)
        if m == n:
            return tuple(x)
        if m > n:
            raise EvalError(f"too many values to unpack (got {m}, want {n})")
        raise EvalError(f"too few values to unpack (got {m}, want {n})")
    if not _is_iterable(x):
        raise EvalError(f"got {type_name(x)} in sequence assignment")
    elems = tuple(x)
    m = len(elems)
    if m > n:
        raise EvalError(f"too many values to unpack (got {m}, want {n})")
    if m < n:
        raise EvalError(f"too few values to unpack (got {m}, want {n})")
    return elems


def star_args(x: Any) -> tuple:
    """The positional arguments of `f(*x)`."""
    if type(x) is tuple:
        return x
    if not _is_iterable(x):
        raise EvalError(f"argument after * must be iterable, not {type_name(x)}")
    return tuple(x)


def star_args_kw(x: Any, kw: Any) -> tuple:
    """`f(*x, **kw)`'s positional arguments: Go tests that `kw` is a mapping first."""
    if type(kw) not in DICT_TYPES:
        raise EvalError(f"argument after ** must be a mapping, not {type_name(kw)}")
    return star_args(x)


def kwargs_dict(x: Any) -> dict[str, Any]:
    """The keyword arguments of `f(**x)`: `x` must be a dict with string keys."""
    if type(x) not in DICT_TYPES:
        raise EvalError(f"argument after ** must be a mapping, not {type_name(x)}")
    for k in x:
        if type(k) is not str:
            raise EvalError(f"keywords must be strings, not {type_name(k)}")
    return dict(x)


# ---------------------------------------------------------------------------
# Generic dispatch

_BINARY = {
    "+": add,
    "-": sub,
    "*": mul,
    "/": truediv,
    "//": floordiv,
    "%": mod,
    "&": bitand,
    "|": bitor,
    "^": bitxor,
    "<<": lshift,
    ">>": rshift,
    "==": eq,
    "!=": ne,
    "<": lt,
    "<=": le,
    ">": gt,
    ">=": ge,
}


def binary(op: str, x: Any, y: Any) -> Any:
    """`x op y` for any binary operator of syntax.BinaryExpr except `and`/`or`."""
    f = _BINARY.get(op)
    if f is not None:
        return f(x, y)
    if op == "in":
        return contains(y, x)
    if op == "not in":
        return not contains(y, x)
    raise EvalError(f"unknown binary op: {type_name(x)} {op} {type_name(y)}")


def augmented(op: str, x: Any, y: Any) -> Any:
    """`x op= y` (op given as "+" or "+="): the new value of x.

    spec: `list += iterable` extends the list in place, `dict |= dict`
    updates the dict in place, and `|= &= -= ^=` on two sets update the
    left set in place; every other form rebinds x to `x op y`.
    """
    if op.endswith("=") and op not in ("==", "!=", "<=", ">="):
        op = op[:-1]
    tx = type(x)
    if tx in BASE:
        tx = BASE[tx]
    if tx is List and op == "+" and _is_iterable(y):
        check_list_mutable(x, "apply += to")
        x.extend(list(y) if y is x else y)
        return x
    if tx is Dict and op == "|" and type(y) in DICT_TYPES:
        check_hash_mutable(x, "apply |= to")
        hmerge(x, y)
        return x
    if tx is Set and type(y) in SET_TYPES and op in ("|", "&", "-", "^"):
        check_hash_mutable(x, "insert into" if op in ("|", "^") else "delete from")
        # (on the raw keys, `hkey`s: a BoolKeys set's methods would wrap again)
        kx, ky = hkeys(x), hkeys(y)
        if op == "|":
            hmerge(x, y)
        elif op == "&":
            for k in [k for k in kx if k not in ky]:
                dict.__delitem__(x, k)
        elif op == "-":
            for k in [k for k in kx if k in ky]:
                dict.__delitem__(x, k)
        else:
            add_ = [k for k in ky if k not in kx]
            for k in [k for k in kx if k in ky]:
                dict.__delitem__(x, k)
            if type(y) in BOOL_TYPES:
                hmark(x)
            dict.update(x, dict.fromkeys(add_))
        return x
    return binary(op, x, y)
