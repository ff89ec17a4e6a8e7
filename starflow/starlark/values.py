"""Starlark value types and the behaviours every value has.

This module owns the value representation of docs/internals.md: the
mutable containers `List`, `Dict` and `Set` (native Python subclasses so
that construction and iteration stay C-speed), `Builtin` (a built-in
function or bound method), `Module`, and the value-level operations that
the operators, the built-ins and the machine share: `type_name`, `truth`,
`freeze`, `equal`, `compare` (ordering), hashing (`check_hashable`,
`hash_value`) and the conversions between Python and Starlark values.

Every error is an `EvalError` with starlark-go's wording.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain
from typing import Any, NoReturn

from .errors import EvalError

__all__ = [
    "BASE",
    "BOOL_TYPES",
    "DICT_TYPES",
    "FALSE_KEY",
    "GUARDED",
    "LIST_TYPES",
    "MAX_COMPARE_DEPTH",
    "SET_TYPES",
    "TRUE_KEY",
    "BoolDict",
    "BoolKey",
    "BoolKeys",
    "BoolSet",
    "Box",
    "Builtin",
    "Dict",
    "FrozenDict",
    "FrozenList",
    "FrozenSet",
    "IterDict",
    "IterList",
    "IterSet",
    "List",
    "Module",
    "Set",
    "check_hash_mutable",
    "check_hashable",
    "check_list_mutable",
    "compare",
    "equal",
    "fnv32a",
    "freeze",
    "from_python",
    "hash_value",
    "hcopy",
    "hkey",
    "hkeys",
    "hmark",
    "hmerge",
    "hput",
    "hraw",
    "hstore",
    "hstore_key",
    "hupdate",
    "is_frozen",
    "iter_acquire",
    "iter_release",
    "java_string_hash",
    "key_of",
    "new_set",
    "set_state",
    "to_python",
    "truth",
    "type_name",
    "unkey",
]


# ---------------------------------------------------------------------------
# Containers


class _State:
    """`frozen` and `itercount` of a container, read from its class (and set,
    as a snapshot restores them: `set_state`)."""

    __slots__ = ()

    @property
    def frozen(self) -> bool:
        return type(self) in _FROZEN_TYPES

    @frozen.setter
    def frozen(self, v: bool) -> None:
        set_state(self, bool(v), 0 if v else _itercount(self))

    @property
    def itercount(self) -> int:
        return _itercount(self)

    @itercount.setter
    def itercount(self, n: int) -> None:
        set_state(self, type(self) in _FROZEN_TYPES, n)


class List(_State, list):
    """A Starlark list: a Python list subclass with no instance state of its own.

    A list's state (mutable, being iterated, frozen) is its class: `List`
    while it may be mutated, `IterList` while a loop iterates it, and
    `FrozenList` once frozen; both are subclasses of `List`, so
    `isinstance(x, List)` holds in every state, and `type(x) is List` is the
    whole test a mutation's fast path needs (about 4 ns, where reading two
    class attributes cost 18). `__slots__ = ()` keeps the object as small as
    a plain list, which the cyclic GC also traverses faster. Measured:
    building a tree of 300,000 dicts and lists took 1,087 ns a node with
    attributes, 891 with `__slots__ = ()`.
    """

    __slots__ = ()
    type_name = "list"


class IterList(List):
    """A list that a loop is iterating (see `iter_acquire`): it cannot change."""

    __slots__ = ()


class FrozenList(List):
    """A frozen list."""

    __slots__ = ()


class Dict(_State, dict):
    """A Starlark dict: insertion ordered; `IterDict` while iterated, `FrozenDict` once frozen."""

    __slots__ = ()
    type_name = "dict"


class IterDict(Dict):
    __slots__ = ()


class FrozenDict(Dict):
    __slots__ = ()


class Set(_State, dict):
    """A Starlark set: a Python dict whose keys are the elements (values are None).

    A dict rather than a Python set so that iteration is insertion ordered
    and never depends on PYTHONHASHSEED. Build one with `Set.fromkeys(it)`.
    `IterSet` while iterated, `FrozenSet` once frozen.
    """

    __slots__ = ()
    type_name = "set"


class IterSet(Set):
    __slots__ = ()


class FrozenSet(Set):
    __slots__ = ()


# ---------------------------------------------------------------------------
# Bool keys
#
# Python's True == 1 and hash(True) == hash(1), so a Python dict holds
# `True` and `1` (and `1.0`, and `(True,)` and `(1,)`) as one key; in
# Starlark they are distinct. A dict or set therefore stores the key True
# as `TRUE_KEY` (False as `FALSE_KEY`, a tuple holding a bool as the tuple
# of its keys), and only a dict or set of the `BoolKeys` classes holds
# such keys: the first bool key switches the container's class, as
# iterating and freezing do. `Dict` and `Set` themselves never hold a
# wrapped key, so their native paths (an int or str key) stay as they
# were; a lookup with a bool key passes through `hkey`. The `BoolKeys`
# classes wrap every key given to their methods and unwrap every key they
# give out (`__iter__`, `keys`, `items`, `popitem`), so Python code sees a
# mapping with real bool keys. Their raw storage is canonical (one stored
# form for each Starlark key), so Python's own dict equality and set
# operations on the raw keys (`dict.keys(x)`) are Starlark's.


class BoolKey:
    """How a dict or set stores the key True or False: `TRUE_KEY`, `FALSE_KEY`."""

    __slots__ = ("value",)

    def __init__(self, value: bool):
        self.value = value

    def __repr__(self) -> str:
        return f"BoolKey({self.value})"


TRUE_KEY = BoolKey(True)
FALSE_KEY = BoolKey(False)


def _has_bool(t: tuple) -> bool:
    """Whether tuple `t` holds a bool, at any depth."""
    for e in t:
        te = type(e)
        if te is bool or (te is tuple and _has_bool(e)):
            return True
    return False


def hkey(k: Any) -> Any:
    """Key `k` as a dict or set stores it (a bool, or a tuple holding one, wrapped)."""
    t = type(k)
    if t is bool:
        return TRUE_KEY if k else FALSE_KEY
    if t is tuple and _has_bool(k):
        return tuple([hkey(e) for e in k])
    return k


def unkey(k: Any) -> Any:
    """The Starlark key that a dict or set stores as `k` (`hkey`'s inverse)."""
    t = type(k)
    if t is BoolKey:
        return k.value
    if t is tuple and _has_boolkey(k):
        return tuple([unkey(e) for e in k])
    return k


def _has_boolkey(t: tuple) -> bool:
    for e in t:
        te = type(e)
        if te is BoolKey or (te is tuple and _has_boolkey(e)):
            return True
    return False


class BoolKeys:
    """The methods of a dict or set that may hold bool keys (`hkey` in, `unkey` out).

    Generated code reaches these classes through its helpers only (its
    native paths test `type(x) is Dict`). `__iter__` gives a list iterator,
    whose position a suspended loop reads (machine.loop_position).
    """

    __slots__ = ()

    def __iter__(self) -> Any:
        return iter([unkey(k) for k in dict.__iter__(self)])  # type: ignore[arg-type]

    def __reversed__(self) -> Any:
        return iter([unkey(k) for k in dict.__reversed__(self)])  # type: ignore[arg-type]

    def keys(self) -> list:  # type: ignore[override]
        return [unkey(k) for k in dict.__iter__(self)]  # type: ignore[arg-type]

    def items(self) -> list:  # type: ignore[override]
        return [(unkey(k), v) for k, v in dict.items(self)]  # type: ignore[arg-type]

    def __contains__(self, k: Any) -> bool:
        return dict.__contains__(self, hkey(k))  # type: ignore[arg-type]

    def __getitem__(self, k: Any) -> Any:
        return dict.__getitem__(self, hkey(k))  # type: ignore[arg-type]

    def __setitem__(self, k: Any, v: Any) -> None:
        dict.__setitem__(self, hkey(k), v)  # type: ignore[arg-type]

    def __delitem__(self, k: Any) -> None:
        dict.__delitem__(self, hkey(k))  # type: ignore[arg-type]

    def get(self, k: Any, default: Any = None) -> Any:
        return dict.get(self, hkey(k), default)  # type: ignore[arg-type]

    def pop(self, k: Any, *default: Any) -> Any:
        return dict.pop(self, hkey(k), *default)  # type: ignore[arg-type]

    def popitem(self) -> tuple:
        k, v = dict.popitem(self)  # type: ignore[arg-type]
        return unkey(k), v

    def setdefault(self, k: Any, default: Any = None) -> Any:
        return dict.setdefault(self, hkey(k), default)  # type: ignore[arg-type]

    def update(self, *args: Any, **kwargs: Any) -> None:
        for k, v in dict(*args, **kwargs).items():
            dict.__setitem__(self, hkey(k), v)  # type: ignore[arg-type]

    def copy(self) -> Any:
        return type(self)(dict.items(self))  # type: ignore[arg-type]


class BoolDict(BoolKeys, Dict):
    __slots__ = ()


class IterBoolDict(BoolKeys, IterDict):
    __slots__ = ()


class FrozenBoolDict(BoolKeys, FrozenDict):
    __slots__ = ()


class BoolSet(BoolKeys, Set):
    __slots__ = ()


class IterBoolSet(BoolKeys, IterSet):
    __slots__ = ()


class FrozenBoolSet(BoolKeys, FrozenSet):
    __slots__ = ()


BOOL_TYPES = frozenset(
    {BoolDict, IterBoolDict, FrozenBoolDict, BoolSet, IterBoolSet, FrozenBoolSet}
)
# a dict or set's class once it holds a bool key (in the same state)
_BOOLED: dict[type, type] = {
    Dict: BoolDict,
    IterDict: IterBoolDict,
    FrozenDict: FrozenBoolDict,
    Set: BoolSet,
    IterSet: IterBoolSet,
    FrozenSet: FrozenBoolSet,
}
_BOOLED.update({t: t for t in BOOL_TYPES})


def hput(d: Dict | Set, k: Any, hk: Any, v: Any) -> None:
    """`d[k] = v`, where `hk` is how `d` stores Starlark key `k` (`hkey`,
    `key_of`): a wrapped key makes `d` a BoolKeys dict or set first."""
    if hk is not k:
        d.__class__ = _BOOLED[type(d)]
    dict.__setitem__(d, hk, v)


def hstore(d: Dict | Set, k: Any, v: Any) -> None:
    """`d[k] = v` for a Starlark key `k` (a set's elements have v None)."""
    hput(d, k, hkey(k), v)


def _any_bool(keys: list) -> bool:
    """Whether any of `keys` is a bool or a tuple holding one (C-speed scans)."""
    ts = set(map(type, keys))
    while True:
        if bool in ts:
            return True
        if tuple not in ts:
            return False
        if len(ts) > 1:
            keys = [k for k in keys if type(k) is tuple]
        ts = set(map(type, chain.from_iterable(keys)))
        if tuple in ts:  # (deeper: the next level's elements, once more)
            keys = list(chain.from_iterable(keys))


def hstore_key(d: Dict | Set, k: Any, v: Any) -> None:
    """`check_hashable(k)`, then `hstore(d, k, v)`, in one pass over `k`.

    (`hput` inline: `x[i] = v`'s helper for a key neither int nor str; the
    extra call cost 50 ns a store, measured.)"""
    hk = key_of(k)
    if hk is not k:
        d.__class__ = _BOOLED[type(d)]
        dict.__setitem__(d, hk, v)
    else:
        d[k] = v


def hupdate(d: Dict | Set, keys: Any, v: Any = None) -> None:
    """Add each of Starlark values `keys` to set (or dict) `d`, with value `v`."""
    keys = keys if type(keys) is list else list(keys)
    if _any_bool(keys):
        d.__class__ = _BOOLED[type(d)]
        keys = [hkey(k) for k in keys]
    dict.update(d, dict.fromkeys(keys, v))


def new_set(elems: Any) -> Set:
    """A new `Set` of Starlark values `elems` (a list or any iterable)."""
    keys = elems if type(elems) is list else list(elems)
    if _any_bool(keys):
        s = BoolSet()
        dict.update(s, dict.fromkeys([hkey(k) for k in keys]))
        return s
    return Set.fromkeys(keys)


def hcopy(x: Any, cls: type) -> Any:
    """A new mutable dict or set (`cls`, Dict or Set) with the entries of `x`, raw."""
    if type(x) in BOOL_TYPES:
        return _BOOLED[cls](dict.items(x))
    return cls(x)


def hmark(x: Any) -> None:
    """Mark dict or set `x` as one that may hold bool keys (its state kept)."""
    x.__class__ = _BOOLED[type(x)]


def hmerge(z: Any, y: Any) -> None:
    """Add the entries of dict or set `y` to `z` (`z |= y`), raw."""
    if type(y) in BOOL_TYPES:
        z.__class__ = _BOOLED[type(z)]
        dict.update(z, dict.items(y))
    else:
        dict.update(z, y)


def hkeys(x: Any) -> Any:
    """The raw keys of dict or set `x` (a view: `hkey` of each Starlark key)."""
    return dict.keys(x)


def hraw(cls: type, raw: dict, sources: tuple = ()) -> Any:
    """A new mutable dict or set (`cls`) from `raw`, a Python dict of raw keys."""
    z = cls(raw)
    if any(type(x) in BOOL_TYPES for x in sources):
        z.__class__ = _BOOLED[cls]
    return z


LIST_TYPES = frozenset({List, IterList, FrozenList})
_FROZEN_TYPES = frozenset({FrozenList, FrozenDict, FrozenSet, FrozenBoolDict, FrozenBoolSet})
DICT_TYPES = frozenset({Dict, IterDict, FrozenDict, BoolDict, IterBoolDict, FrozenBoolDict})
SET_TYPES = frozenset({Set, IterSet, FrozenSet, BoolSet, IterBoolSet, FrozenBoolSet})
# every state of the containers whose mutation is guarded
GUARDED = LIST_TYPES | DICT_TYPES | SET_TYPES
# each state's base type (List, Dict or Set)
BASE: dict[type, type] = {t: List for t in LIST_TYPES}
BASE.update({t: Dict for t in DICT_TYPES})
BASE.update({t: Set for t in SET_TYPES})
_ITERATING = {
    List: IterList,
    Dict: IterDict,
    Set: IterSet,
    BoolDict: IterBoolDict,
    BoolSet: IterBoolSet,
}
_IDLE = {IterList: List, IterDict: Dict, IterSet: Set, IterBoolDict: BoolDict, IterBoolSet: BoolSet}
_FROZEN = {List: FrozenList, IterList: FrozenList, Dict: FrozenDict, IterDict: FrozenDict}
_FROZEN.update({Set: FrozenSet, IterSet: FrozenSet})
_FROZEN.update({BoolDict: FrozenBoolDict, IterBoolDict: FrozenBoolDict})
_FROZEN.update({BoolSet: FrozenBoolSet, IterBoolSet: FrozenBoolSet})
# each state's idle class (its own family: a BoolKeys class stays one)
_IDLE_OF: dict[type, type] = {t: List for t in LIST_TYPES}
_IDLE_OF.update({Dict: Dict, IterDict: Dict, FrozenDict: Dict, Set: Set, IterSet: Set})
_IDLE_OF.update({FrozenSet: Set, BoolDict: BoolDict, IterBoolDict: BoolDict})
_IDLE_OF.update({FrozenBoolDict: BoolDict, BoolSet: BoolSet, IterBoolSet: BoolSet})
_IDLE_OF.update({FrozenBoolSet: BoolSet})
# id -> [the container, iterations beyond the first], for a container that
# nested loops iterate. The entry holds the container itself, so its id
# cannot be reused while the entry lasts (an entry a loop never releases,
# from a snapshot's state, can leak the container but never mislead).
_NESTED: dict[int, list] = {}


def _nested(x: Any) -> int:
    e = _NESTED.get(id(x))
    return e[1] if e is not None and e[0] is x else 0


def _itercount(x: Any) -> int:
    if type(x) in _IDLE:
        return 1 + _nested(x)
    return 0


def iter_acquire(x: Any) -> None:
    """Start iterating guarded container `x`: it may not change until `iter_release`.

    A frozen container needs no guard. Generated code does the common case
    (an idle list or dict) inline.
    """
    t = type(x)
    it = _ITERATING.get(t)
    if it is not None:
        x.__class__ = it
    elif t in _IDLE:
        e = _NESTED.get(id(x))
        if e is not None and e[0] is x:
            e[1] += 1
        else:
            _NESTED[id(x)] = [x, 1]


def iter_release(x: Any) -> None:
    """End one iteration of `x` (see `iter_acquire`)."""
    idle = _IDLE.get(type(x))
    if idle is None:
        return  # frozen meanwhile, or never guarded
    k = id(x)
    e = _NESTED.get(k)
    if e is None or e[0] is not x:
        x.__class__ = idle
    elif e[1] == 1:
        del _NESTED[k]
    else:
        e[1] -= 1


def set_state(x: Any, frozen: bool, itercount: int) -> None:
    """Put container `x` in the given state (a snapshot restores it so)."""
    base = _IDLE_OF[type(x)]
    x.__class__ = base
    _NESTED.pop(id(x), None)
    if frozen:
        _freeze_one(x)
    elif itercount > 0:
        x.__class__ = _ITERATING[base]
        if itercount > 1:
            _NESTED[id(x)] = [x, itercount - 1]


def _freeze_one(x: Any) -> None:
    x.__class__ = _FROZEN[type(x)]
    _NESTED.pop(id(x), None)


def check_list_mutable(x: List, verb: str) -> None:
    """Fail if list `x` may not be mutated; `verb + " list"` names the operation (as Go)."""
    t = type(x)
    if t is FrozenList:
        raise EvalError(f"cannot {verb} frozen list")
    if t is IterList:
        raise EvalError(f"cannot {verb} list during iteration")


def check_hash_mutable(x: Dict | Set, verb: str) -> None:
    """Fail if dict or set `x` may not be mutated (as Go: dicts and sets are "hash table"s)."""
    t = type(x)
    if t in _FROZEN_TYPES:
        raise EvalError(f"cannot {verb} frozen hash table")
    if t in _IDLE:
        raise EvalError(f"cannot {verb} hash table during iteration")


# ---------------------------------------------------------------------------
# Builtin and Module


class Builtin:
    """A built-in function, or a method bound to its receiver `recv`.

    Calling it calls `fn(recv, *args, **kwargs)` for a bound method and
    `fn(*args, **kwargs)` otherwise.
    """

    __slots__ = ("fn", "name", "recv")
    type_name = "builtin_function_or_method"

    def __init__(self, name: str, fn: Callable[..., Any], recv: Any = None):
        self.name = name
        self.fn = fn
        self.recv = recv

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.recv is None:
            return self.fn(*args, **kwargs)
        return self.fn(self.recv, *args, **kwargs)

    def starlark_repr(self) -> str:
        # as Go: "<built-in method count of string value>" / "<built-in function len>"
        if self.recv is not None:
            return f"<built-in method {self.name} of {type_name(self.recv)} value>"
        return f"<built-in function {self.name}>"

    starlark_str = starlark_repr

    def starlark_freeze(self) -> None:
        # as Go: freezing a bound method freezes its receiver
        if self.recv is not None:
            freeze(self.recv)

    def __repr__(self) -> str:
        return self.starlark_repr()


class Module:
    """A named, immutable set of attributes, as Go's `starlarkstruct.Module`."""

    __slots__ = ("members", "name")
    type_name = "module"
    __hash__ = None  # type: ignore[assignment]  # as Go: "unhashable" (mutable members)

    def __init__(self, name: str, members: dict[str, Any]):
        self.name = name
        self.members = dict(members)

    def starlark_attr(self, name: str) -> Any:
        try:
            return self.members[name]
        except KeyError:
            raise AttributeError(name) from None

    def starlark_attr_names(self) -> list[str]:
        return sorted(self.members)

    def starlark_repr(self) -> str:
        return f'<module "{self.name}">'

    starlark_str = starlark_repr

    def starlark_freeze(self) -> None:
        for v in self.members.values():
            freeze(v)

    def __repr__(self) -> str:
        return self.starlark_repr()


class Box:
    """A mutable cell shared by closures: a captured variable, as the snapshot codec sees it.

    Identity-tracked like a list (two functions sharing a variable share one Box).
    """

    __slots__ = ("v",)
    type_name = "cell"

    def __init__(self, v: Any = None):
        self.v = v


# ---------------------------------------------------------------------------
# type, truth, freeze

_TYPE_NAMES: dict[type, str] = {
    type(None): "NoneType",
    bool: "bool",
    int: "int",
    float: "float",
    str: "string",
    bytes: "bytes",
    tuple: "tuple",
    range: "range",
    Builtin: "builtin_function_or_method",
    Module: "module",
}
_TYPE_NAMES.update(dict.fromkeys(LIST_TYPES, "list"))
_TYPE_NAMES.update(dict.fromkeys(DICT_TYPES, "dict"))
_TYPE_NAMES.update(dict.fromkeys(SET_TYPES, "set"))


def type_name(x: Any) -> str:
    """The Starlark type name of `x` (`type(x)`): Go's names, else the class's `type_name`."""
    try:
        return _TYPE_NAMES[type(x)]
    except KeyError:
        pass
    name = getattr(type(x), "type_name", None)
    if isinstance(name, str):
        return name
    return type(x).__name__  # not a Starlark value; only for messages


# Types whose Python truth value is their Starlark truth value.
_NATIVE_TRUTH = frozenset({type(None), bool, int, float, str, bytes, tuple, range}) | GUARDED


def truth(x: Any) -> bool:
    """Starlark truthiness; protocol values use `starlark_truth` (default True)."""
    t = type(x)
    if t in _NATIVE_TRUTH:
        return bool(x)  # float NaN is true, as Go (f != 0)
    f = getattr(t, "starlark_truth", None)
    if f is not None:
        return bool(f(x))
    return True


# Immutable leaves: freezing them is a no-op.
_ATOMS = frozenset({type(None), bool, int, float, str, bytes, range})


def freeze(x: Any) -> Any:
    """Freeze `x` and everything reachable from it; return `x`.

    Iterative and cycle-safe. A container already frozen is skipped
    (everything reachable from it is frozen already). Protocol values are
    asked to freeze themselves with `starlark_freeze` and must guard their
    own cycles (e.g. with a flag of their own).
    """
    stack = [x]
    seen: set[int] = set()  # ids of tuples and protocol values visited (all reachable from x)
    while stack:
        v = stack.pop()
        t = type(v)
        if t in _ATOMS:
            continue
        if t in _FROZEN:  # (a frozen container is skipped: all below it is frozen)
            v.__class__ = _FROZEN[t]
            if t in _IDLE:  # frozen while iterated: no guard left to release
                _NESTED.pop(id(v), None)
            if t is List or t is IterList:
                stack.extend(v)
            else:
                stack.extend(v.keys())
                if BASE[t] is Dict:
                    stack.extend(v.values())
        elif t is tuple:
            if id(v) not in seen:
                seen.add(id(v))
                stack.extend(v)
        else:
            if id(v) in seen:
                continue
            seen.add(id(v))
            f = getattr(t, "starlark_freeze", None)
            if f is not None:
                f(v)
    return x


def is_frozen(x: Any) -> bool:
    """Whether `x` is immutable: atoms always, containers once frozen, tuples by their elements."""
    t = type(x)
    if t in _ATOMS:
        return True
    if t in GUARDED:
        return t in _FROZEN_TYPES
    if t is tuple:
        return all(is_frozen(e) for e in x)
    return bool(getattr(x, "frozen", True))


# ---------------------------------------------------------------------------
# Equality and ordering

# divergence: Go limits comparison recursion to depth 10, which makes
# `==` fail on ordinary data nested more than 10 deep; we allow 100 and
# detect cycles separately, with Go's message for both.
MAX_COMPARE_DEPTH = 100

_DEPTH_MSG = "comparison exceeded maximum recursion depth"


def equal(x: Any, y: Any) -> bool:
    """Starlark `x == y`: bool != int, 1 == 1.0, NaN == NaN, deep and cycle-safe."""
    tx = type(x)
    if tx is type(y) and (tx is str or tx is int):
        return x == y  # fast path
    try:
        return _eq(x, y, MAX_COMPARE_DEPTH, None)
    except RecursionError:
        raise EvalError(_DEPTH_MSG) from None


def _eq(x: Any, y: Any, depth: int, active: set | None) -> bool:
    if depth < 1:
        raise EvalError(_DEPTH_MSG)
    tx = type(x)
    ty = type(y)
    if tx in BASE:
        tx = BASE[tx]
    if ty in BASE:
        ty = BASE[ty]
    if tx is not ty:
        # spec: int and float compare mathematically (Python's comparison is exact)
        if (tx is int and ty is float) or (tx is float and ty is int):
            return x == y
        return False
    if tx in _SIMPLE_EQ:
        return x == y
    if tx is float:
        return x == y or (x != x and y != y)  # spec: NaN == NaN
    if tx is tuple or tx is List or tx is Dict or tx is Set:
        if len(x) != len(y):
            return False
        if tx is Set:
            return dict.keys(x) <= dict.keys(y)  # (raw keys: `hkey`)
        # cycle detection: comparing a pair already being compared further up
        pair = (id(x), id(y))
        if active is None:
            active = set()
        elif pair in active:
            raise EvalError(_DEPTH_MSG)
        active.add(pair)
        try:
            if tx is Dict:
                has = dict.__contains__
                get = dict.__getitem__
                for k, v in dict.items(x):  # (raw keys: `hkey`)
                    if not has(y, k):
                        return False
                    if not _eq(v, get(y, k), depth - 1, active):
                        return False
                return True
            for a, b in zip(x, y, strict=False):
                if not _eq(a, b, depth - 1, active):
                    return False
            return True
        finally:
            active.discard(pair)
    if tx is range:
        return x == y  # Python compares ranges as sequences, as Starlark does
    f = getattr(tx, "starlark_equal", None)
    if f is not None:
        return bool(f(x, y))
    return x is y


_SIMPLE_EQ = frozenset({type(None), bool, int, str, bytes})

_ORDERED_SIMPLE = frozenset({bool, int, str, bytes})


def compare(op: str, x: Any, y: Any) -> bool:
    """Starlark ordered comparison `x op y` for op in < <= > >= (also == and !=).

    Errors as Go: `int < string not implemented`, `dict < dict not implemented`.
    """
    if op == "==":
        return equal(x, y)
    if op == "!=":
        return not equal(x, y)
    try:
        c = _cmp(op, x, y, MAX_COMPARE_DEPTH)
    except RecursionError:
        raise EvalError(_DEPTH_MSG) from None
    if op == "<":
        return c < 0
    if op == "<=":
        return c <= 0
    if op == ">":
        return c > 0
    if op == ">=":
        return c >= 0
    raise EvalError(f"unknown comparison operator {op}")


def _float_cmp(x: float, y: float) -> int:
    # spec: IEEE 754 order except NaN, which is equal to itself and above +Inf
    if x < y:
        return -1
    if x > y:
        return 1
    if x == y:
        return 0
    if x == x:
        return -1  # y is NaN
    if y == y:
        return 1  # x is NaN
    return 0


def _cmp(op: str, x: Any, y: Any, depth: int) -> int:
    """Three-way comparison; raises for unordered or unlike types."""
    if depth < 1:
        raise EvalError(_DEPTH_MSG)
    tx = type(x)
    ty = type(y)
    if tx in BASE:
        tx = BASE[tx]
    if ty in BASE:
        ty = BASE[ty]
    if tx is ty:
        if tx in _ORDERED_SIMPLE:
            return (x > y) - (x < y)
        if tx is float:
            return _float_cmp(x, y)
        if tx is tuple or tx is List:
            for a, b in zip(x, y, strict=False):
                if not _eq(a, b, depth - 1, None):
                    return _cmp(op, a, b, depth - 1)
            return (len(x) > len(y)) - (len(x) < len(y))
    elif tx is int and ty is float:
        if y != y:
            return -1  # NaN is above every number
        return (x > y) - (x < y)  # Python's int/float comparison is exact
    elif tx is float and ty is int:
        if x != x:
            return 1
        return (x > y) - (x < y)
    raise EvalError(f"{type_name(x)} {op} {type_name(y)} not implemented")


# ---------------------------------------------------------------------------
# Hashing


def check_hashable(x: Any) -> None:
    """Fail with Go's message if `x` may not be a dict key or set element."""
    t = type(x)
    if t is str or t is int:
        return
    bad = _key_scan(x) if t is tuple else _unhashable_part(x)
    if bad is not None and bad is not True:
        _unhashable(bad)


def key_of(k: Any) -> Any:
    """`hkey(k)`, once `k` is known hashable (else `check_hashable`'s error); one pass."""
    t = type(k)
    if t is str or t is int:
        return k
    if t is bool:
        return TRUE_KEY if k else FALSE_KEY
    r = _key_scan(k) if t is tuple else _unhashable_part(k)
    if r is None:
        return k
    if r is True:
        return tuple([hkey(e) for e in k])
    _unhashable(r)


def _unhashable(bad: Any) -> NoReturn:
    if type(bad) is range:
        raise EvalError("unhashable: range")  # as Go's rangeValue.Hash
    raise EvalError("unhashable type: " + type_name(bad))


_HASHABLE_ATOMS = frozenset({str, int, float, bytes, type(None)})


def _key_scan(x: tuple) -> Any:
    """Of tuple `x`: the first value inside that is unhashable; else True if
    it holds a bool (at any depth); else None."""
    found = None
    for e in x:
        te = type(e)
        if te in _HASHABLE_ATOMS:
            continue
        if te is bool:
            found = True
            continue
        r = _key_scan(e) if te is tuple else _unhashable_part(e)
        if r is True:
            found = True
        elif r is not None:
            return r
    return found


def _unhashable_part(x: Any) -> Any:
    """The first value inside `x` that makes it unhashable, or None if `x` is hashable."""
    t = type(x)
    if t is range:
        return x  # spec: ranges are not hashable (Python's are)
    if t is tuple:
        r = _key_scan(x)
        return None if r is True else r
    try:
        hash(x)
    except TypeError:
        return x
    return None


def java_string_hash(s: str) -> int:
    """java.lang.String.hashCode of `s` (over its UTF-16 code units), as a signed 32-bit int."""
    h = 0
    for ch in s:
        c = ord(ch)
        if c > 0xFFFF:
            c -= 0x10000
            h = (31 * h + (0xD800 + (c >> 10))) & 0xFFFFFFFF
            h = (31 * h + (0xDC00 + (c & 0x3FF))) & 0xFFFFFFFF
        else:
            h = (31 * h + c) & 0xFFFFFFFF
    return h - (1 << 32) if h >= 1 << 31 else h


def fnv32a(b: bytes) -> int:
    """32-bit FNV-1a hash of `b` (unsigned)."""
    h = 2166136261
    for c in b:
        h = ((h ^ c) * 16777619) & 0xFFFFFFFF
    return h


def hash_value(x: Any) -> int:
    """Starlark's `hash(x)`: deterministic across processes, for strings and bytes only.

    spec: strings hash as Java's String.hashCode, bytes as 32-bit FNV-1a.
    """
    t = type(x)
    if t is str:
        return java_string_hash(x)
    if t is bytes:
        return fnv32a(x)
    raise EvalError(f"hash: got {type_name(x)}, want string or bytes")


# ---------------------------------------------------------------------------
# Python <-> Starlark


def from_python(obj: Any) -> Any:
    """Convert a Python-native value to a Starlark value, recursively and cycle-safely.

    list -> List, dict -> Dict, set/frozenset -> Set (in the Python set's
    iteration order, which for strings depends on PYTHONHASHSEED: pass a
    list or dict when the order matters), tuple -> tuple. Starlark values are
    returned as they are; another Python callable is wrapped in a `Builtin`.
    """
    return _from_py(obj, {})


def _from_py(obj: Any, memo: dict[int, Any]) -> Any:
    t = type(obj)
    if t in _ATOMS or t in GUARDED:
        return obj
    if t is list or t is dict or t is set or t is frozenset or t is tuple:
        done = memo.get(id(obj))
        if done is not None:
            return done
        if t is list:
            out_l = List()
            memo[id(obj)] = out_l
            out_l.extend(_from_py(e, memo) for e in obj)
            return out_l
        if t is dict:
            out_d = Dict()
            memo[id(obj)] = out_d
            for k, v in obj.items():
                hstore(out_d, _from_py(k, memo), _from_py(v, memo))
            return out_d
        if t is tuple:
            return tuple(_from_py(e, memo) for e in obj)
        out_s = Set()
        memo[id(obj)] = out_s
        for e in obj:
            hstore(out_s, _from_py(e, memo), None)
        return out_s
    if t in _TYPE_NAMES or isinstance(getattr(t, "type_name", None), str):
        return obj
    if callable(obj):
        return Builtin(getattr(obj, "__name__", "builtin"), obj)
    raise TypeError(f"cannot convert Python value of type {t.__name__} to a Starlark value")


def to_python(value: Any) -> Any:
    """Convert a Starlark value to Python-native: List -> list, Dict -> dict, Set -> set.

    Recursive and cycle-safe; tuples stay tuples; other values are returned as they are.
    """
    return _to_py(value, {})


def _to_py(v: Any, memo: dict[int, Any]) -> Any:
    t = type(v)
    if t in BASE:
        t = BASE[t]
    if t is List:
        done = memo.get(id(v))
        if done is not None:
            return done
        out_l: list = []
        memo[id(v)] = out_l
        out_l.extend(_to_py(e, memo) for e in v)
        return out_l
    if t is Dict:
        done = memo.get(id(v))
        if done is not None:
            return done
        out_d: dict = {}
        memo[id(v)] = out_d
        for k, val in v.items():
            out_d[_to_py(k, memo)] = _to_py(val, memo)
        return out_d
    if t is Set:
        return {_to_py(e, memo) for e in v}
    if t is tuple:
        return tuple(_to_py(e, memo) for e in v)
    return v
