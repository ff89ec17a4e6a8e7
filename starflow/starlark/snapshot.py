"""Snapshots of suspended threads: a versioned, deterministic binary codec.

`encode(state, hooks)` turns a `ThreadState` into bytes; `decode(blob, hooks)`
turns them back. No pickle, no marshal, no eval: a blob is data, and decoding
a hostile one raises `SnapshotError` and nothing else, in time and memory
linear in its size (every length and count is bounded by the bytes left,
and both directions are iterative, so nesting depth costs no Python stack).

Layout, version 1 (docs/snapshot-format.md is the full description; the two
must never disagree). `uv` is an unsigned LEB128 varint of at most 10 bytes,
`str` is `uv` length + UTF-8 ('surrogatepass'), `int` is `uv` length +
two's-complement big-endian bytes, `id` is a `uv` index into the value table.

    blob     = header table thread crc
    header   = "SFSNAP" version:uv(1) script_hash:32 bytes flags:uv(0)
               table_len:uv thread_len:uv
    table    = count:uv entry*count                       (table_len bytes)
    thread   = filename:str options:(uv str*) steps:uv max_steps:uv(0 None, else n+1)
               frames:(uv frame*) globals:names
               pending_name:str pending_args:(uv id*) pending_kwargs:names
               extra:names                                (thread_len bytes)
    frame    = code:uv site:uv locals:names
    names    = uv (name:str id)*                          (insertion order)
    crc      = CRC-32 (zlib.crc32) of all bytes before it, 4 bytes big-endian

    entry    = tag:byte payload; the entry's id is its position (from 0)
      0 None | 1 False | 2 True | 3 int | 4 float: 8 bytes IEEE-754 big-endian
      5 string: str | 6 bytes: uv length + bytes | 7 range: int int int
      8 tuple: uv id*                  9 list: state:uv uv id*
     10 dict: state:uv uv (key id, value id)*   11 set: state:uv uv id*
     12 cell: id                       13 function: code:uv name:str defaults:(uv id*)
                                          kwdefaults:names closure:(uv id*), each a cell
     14 built-in by name: str          15 bound method: name:str receiver:id
     16 host value: type_url:str uv length + payload
      state = itercount * 2 + frozen

A list, dict, set or cell (the mutable kinds) may refer to any id; every
other entry refers only to ids below its own. The decoder therefore builds
entries in order, creating mutable ones empty, and fills those at the end:
identity, aliasing and cycles (`x = []; x.append(x)`) survive. Ids follow
the encoder's walk of the roots in thread-part order, never `id()` or hash
order, and equal immutable values share one entry, so the same state gives
the same bytes in every process whatever PYTHONHASHSEED.
"""

from __future__ import annotations

import itertools
import struct
import zlib
from collections import deque
from dataclasses import dataclass
from typing import Any, Protocol

from . import ops
from .errors import SnapshotError, StarlarkError
from .values import (
    BASE,
    GUARDED,
    Box,
    Builtin,
    Dict,
    List,
    Module,
    Set,
    hstore,
    set_state,
    type_name,
)

__all__ = [
    "FORMAT_VERSION",
    "MAGIC",
    "MAX_KEY_DEPTH",
    "FrameRecord",
    "Hooks",
    "ThreadState",
    "decode",
    "encode",
]

FORMAT_VERSION = 1
MAGIC = b"SFSNAP"

# A dict key or set element may be a tuple nested at most this deep: hashing
# a deeper one recurses in C (and the interpreter itself refuses far less).
MAX_KEY_DEPTH = 1000

_HASH_LEN = 32
_CRC_LEN = 4
_MAX_VARINT = 10  # bytes: values below 2**70

# entry tags
_NONE, _FALSE, _TRUE, _INT, _FLOAT, _STR, _BYTES, _RANGE = range(8)
_TUPLE, _LIST, _DICT, _SET, _CELL, _FUNC, _NAMED, _METHOD, _HOST = range(8, 17)

_MUTABLE_TAGS = frozenset({_LIST, _DICT, _SET, _CELL})
_RECEIVER_TYPES = frozenset({str, bytes}) | GUARDED
_IDLE = frozenset({List, Dict, Set})  # containers neither frozen nor iterated


@dataclass(frozen=True, slots=True)
class FrameRecord:
    """One suspended Starlark frame."""

    code: int  # index of the compiled code object in its module (0 = top level)
    site: int  # index of the call site where the frame is suspended
    locals: dict[str, Any]  # local name (may start with "$") -> value


@dataclass(frozen=True, slots=True)
class ThreadState:
    """Everything a suspended thread is, minus its code."""

    script_hash: str  # sha256 hex of the source
    filename: str
    options: frozenset[str]
    frames: list[FrameRecord]  # outermost first
    globals: dict[str, Any]  # module-level name -> value (only bound names)
    steps: int  # steps taken so far
    max_steps: int | None
    pending: tuple[str, tuple, dict]  # (external name, args, kwargs) of the waiting call
    extra: dict[str, Any]  # reserved for the embedder/engine (values, encoded like the rest)


class Hooks(Protocol):
    """What the codec asks of the machine and the embedder."""

    def function_ref(self, fn: Any) -> tuple[int, str, tuple, dict, tuple] | None:
        """For a Starlark function: (code index, name, defaults, kwdefaults, closure Boxes)."""

    def make_function(
        self, code: int, name: str, defaults: tuple, kwdefaults: dict, closure: tuple
    ) -> Any:
        """The inverse of `function_ref`. The closure Boxes may still be empty (see docs)."""

    def builtin_name(self, b: Any) -> str | None:
        """The name of a universe/predeclared value, else None."""

    def builtin(self, name: str) -> Any:
        """The inverse of `builtin_name`; KeyError if unknown."""

    def host_encode(self, v: Any) -> tuple[str, bytes] | None:
        """The embedder's codec: (type url, payload), or None if `v` is not its."""

    def host_decode(self, type_url: str, payload: bytes) -> Any:
        """The inverse of `host_encode`."""


# ---------------------------------------------------------------------------
# Primitive writers


def _uv(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _int_payload(n: int) -> bytes:
    b = n.to_bytes((n.bit_length() + 8) // 8, "big", signed=True)
    return _uv(len(b)) + b


def _str_payload(s: str) -> bytes:
    b = s.encode("utf-8", "surrogatepass")
    return _uv(len(b)) + b


_F64 = struct.Struct(">d")


# ---------------------------------------------------------------------------
# Encoder


class _Frame:
    """A composite immutable value (tuple, function, bound method) being encoded."""

    __slots__ = ("children", "i", "info", "kind", "obj", "pos")

    def __init__(self, obj: Any, kind: int, children: Any, info: Any = None):
        self.obj = obj
        self.kind = kind
        self.children = children
        self.info = info
        self.i = 0
        self.pos: list[int] = []


class _Encoder:
    def __init__(self, hooks: Hooks):
        self.hooks = hooks
        self.records: list[bytes | None] = []
        self.by_id: dict[int, int] = {}  # id(obj) -> entry (obj kept alive in self.keep)
        self.by_key: dict[tuple, int] = {}  # content key -> entry (leaves, tuples, methods)
        self.keep: list[Any] = []
        self.active: set[int] = set()  # ids of composites on the stack
        self.stack: list[_Frame] = []
        self.muts: deque[tuple[int, Any]] = deque()
        self.tdepth: dict[int, int] = {}  # tuple entry -> nesting depth
        self.where = ""

    # -- entries

    def _add(self, rec: bytes | None) -> int:
        self.records.append(rec)
        return len(self.records) - 1

    def _leaf(self, key: tuple, rec: bytes) -> int:
        p = self.by_key.get(key)
        if p is None:
            p = self._add(rec)
            self.by_key[key] = p
        return p

    def _track(self, v: Any, p: int) -> int:
        self.by_id[id(v)] = p
        self.keep.append(v)
        return p

    def _cannot(self, what: str) -> SnapshotError:
        return SnapshotError(f"{what} (reachable from {self.where})")

    def _enter(self, v: Any) -> int | None:
        """The entry of `v` if it is done (or a leaf); else push a frame and return None."""
        t = type(v)
        if t is str:
            return self._leaf((_STR, v), bytes((_STR,)) + _str_payload(v))
        if t is int:
            return self._leaf((_INT, v), bytes((_INT,)) + _int_payload(v))
        if t is bool:
            return self._leaf((_TRUE if v else _FALSE,), bytes((_TRUE if v else _FALSE,)))
        if v is None:
            return self._leaf((_NONE,), bytes((_NONE,)))
        if t is float:
            b = _F64.pack(v)
            return self._leaf((_FLOAT, b), bytes((_FLOAT,)) + b)
        if t is bytes:
            return self._leaf((_BYTES, v), bytes((_BYTES,)) + _uv(len(v)) + v)
        if t is range:
            rec = (
                bytes((_RANGE,))
                + _int_payload(v.start)
                + _int_payload(v.stop)
                + _int_payload(v.step)
            )
            return self._leaf((_RANGE, v.start, v.stop, v.step), rec)
        p = self.by_id.get(id(v))
        if p is not None:
            return p
        if id(v) in self.active:
            raise self._cannot(
                f"cannot snapshot a cycle through immutable values (a {type_name(v)})"
            )
        if t in GUARDED or t is Box:
            p = self._track(v, self._add(None))
            self.muts.append((p, v))
            return p
        if t is tuple:
            return self._push(_Frame(v, _TUPLE, v))
        hooks = self.hooks
        if t is Builtin or t is Module:
            name = hooks.builtin_name(v)
            if name is not None:
                return self._named(v, name)
            if t is Builtin and v.recv is not None:
                if type(v.recv) not in _RECEIVER_TYPES:
                    raise self._cannot(
                        f"cannot snapshot value of type builtin_function_or_method "
                        f"(method {v.name} of a {type_name(v.recv)})"
                    )
                if type(v.name) is not str:
                    raise self._cannot("cannot snapshot a bound method whose name is not a string")
                return self._push(_Frame(v, _METHOD, (v.recv,), v.name))
            what = f"built-in {v.name}" if t is Builtin else f"module {v.name}"
            raise self._cannot(
                f"cannot snapshot value of type {type_name(v)} ({what} is not known to the machine)"
            )
        ref = hooks.function_ref(v)
        if ref is not None:
            return self._function(v, ref)
        name = hooks.builtin_name(v)
        if name is not None:
            return self._named(v, name)
        host = hooks.host_encode(v)
        if host is not None:
            url, payload = host
            if type(url) is not str or type(payload) is not bytes:
                raise self._cannot(
                    f"cannot snapshot value of type {type_name(v)}: "
                    "host_encode must give (str, bytes)"
                )
            rec = bytes((_HOST,)) + _str_payload(url) + _uv(len(payload)) + payload
            return self._track(v, self._add(rec))
        raise self._cannot(f"cannot snapshot value of type {type_name(v)}")

    def _named(self, v: Any, name: Any) -> int:
        if type(name) is not str:
            raise self._cannot(f"cannot snapshot value of type {type_name(v)}: bad built-in name")
        p = self._leaf((_NAMED, name), bytes((_NAMED,)) + _str_payload(name))
        return self._track(v, p)

    def _function(self, v: Any, ref: Any) -> int | None:
        try:
            code, name, defaults, kwdefaults, closure = ref
            defaults = tuple(defaults)
            kwdefaults = dict(kwdefaults)
            closure = tuple(closure)
        except (TypeError, ValueError):
            raise self._cannot(f"cannot snapshot {type_name(v)}: bad function_ref") from None
        if type(code) is not int or code < 0 or type(name) is not str:
            raise self._cannot(f"cannot snapshot {type_name(v)}: bad function_ref")
        if any(type(k) is not str for k in kwdefaults):
            raise self._cannot(f"cannot snapshot function {name}: keyword default not named")
        if any(type(c) is not Box for c in closure):
            raise self._cannot(f"cannot snapshot function {name}: closure entry is not a Box")
        children = (*defaults, *kwdefaults.values(), *closure)
        info = (code, name, len(defaults), tuple(kwdefaults))
        return self._push(_Frame(v, _FUNC, children, info))

    def _push(self, fr: _Frame) -> int | None:
        self.active.add(id(fr.obj))
        self.stack.append(fr)
        return None

    def _finish(self, fr: _Frame) -> int:
        v = fr.obj
        self.active.discard(id(v))
        pos = fr.pos
        ids = b"".join(_uv(p) for p in pos)
        if fr.kind == _TUPLE:
            key = (_TUPLE, *pos)
            p = self.by_key.get(key)
            if p is None:
                p = self._add(bytes((_TUPLE,)) + _uv(len(pos)) + ids)
                self.by_key[key] = p
                td = self.tdepth
                self.tdepth[p] = 1 + max((td.get(c, 0) for c in pos), default=0)
            return self._track(v, p)
        if fr.kind == _METHOD:
            key = (_METHOD, fr.info, pos[0])
            p = self.by_key.get(key)
            if p is None:
                p = self._add(bytes((_METHOD,)) + _str_payload(fr.info) + ids)
                self.by_key[key] = p
            return self._track(v, p)
        code, name, nd, kwnames = fr.info
        nk = len(kwnames)
        rec = [bytes((_FUNC,)), _uv(code), _str_payload(name), _uv(nd)]
        rec += [_uv(p) for p in pos[:nd]]
        rec.append(_uv(nk))
        for k, p in zip(kwnames, pos[nd : nd + nk], strict=True):
            rec += [_str_payload(k), _uv(p)]
        closure = pos[nd + nk :]
        rec.append(_uv(len(closure)))
        rec += [_uv(p) for p in closure]
        return self._track(v, self._add(b"".join(rec)))

    # -- the walk

    def ref(self, v: Any) -> int:
        """The entry of `v`, encoding it (and the immutable values under it) first."""
        p = self._enter(v)
        if p is not None:
            return p
        stack = self.stack
        while True:
            fr = stack[-1]
            if fr.i < len(fr.children):
                p = self._enter(fr.children[fr.i])
                if p is None:
                    continue
                fr.pos.append(p)
                fr.i += 1
            else:
                stack.pop()
                p = self._finish(fr)
                if not stack:
                    return p
                top = stack[-1]
                top.pos.append(p)
                top.i += 1

    def root(self, v: Any, where: str) -> int:
        """`ref` for a value the thread part names; then fill every mutable value reached."""
        self.where = where
        p = self.ref(v)
        self._drain()
        return p

    def _state(self, v: Any) -> bytes:
        if type(v) in _IDLE:
            return b"\x00"  # (the common state, with no property to ask)
        frozen = v.frozen
        ic = v.itercount
        if type(frozen) is not bool or type(ic) is not int or ic < 0:
            raise self._cannot(
                f"cannot snapshot a {type_name(v)} with frozen={frozen!r}, itercount={ic!r} "
                "(want a bool and an int >= 0)"
            )
        return _uv(ic * 2 + frozen)

    def _key(self, k: Any) -> int:
        p = self.ref(k)
        if self.tdepth.get(p, 0) > MAX_KEY_DEPTH:
            raise self._cannot(f"cannot snapshot a key nested more than {MAX_KEY_DEPTH} deep")
        return p

    def _drain(self) -> None:
        ref = self.ref
        muts = self.muts
        while muts:
            p, v = muts.popleft()
            t = type(v)
            t = BASE.get(t, t)
            if t is Box:
                rec = bytes((_CELL,)) + _uv(ref(v.v))
            elif t is List:
                ids = [_uv(ref(e)) for e in v]
                rec = b"".join([bytes((_LIST,)), self._state(v), _uv(len(ids)), *ids])
            elif t is Dict:
                parts = [bytes((_DICT,)), self._state(v), _uv(len(v))]
                for k, x in v.items():
                    parts.append(_uv(self._key(k)))
                    parts.append(_uv(ref(x)))
                rec = b"".join(parts)
            else:
                ids = [_uv(self._key(e)) for e in v]
                rec = b"".join([bytes((_SET,)), self._state(v), _uv(len(ids)), *ids])
            self.records[p] = rec


def _check_names(d: Any, what: str) -> dict[str, Any]:
    if not isinstance(d, dict) or any(type(k) is not str for k in d):
        raise SnapshotError(f"cannot snapshot {what}: want a dict with string keys")
    return d


def _check_uint(n: Any, what: str) -> int:
    if type(n) is not int or n < 0 or n >= 1 << 63:
        raise SnapshotError(f"cannot snapshot {what} {n!r}: want an int in [0, 2**63)")
    return n


def encode(state: ThreadState, hooks: Hooks) -> bytes:
    """The snapshot of `state`: deterministic bytes (see the module docstring for the layout).

    Raises:
        SnapshotError: a value cannot be snapshotted ("cannot snapshot value
            of type X (reachable from global 'y')"), or a field is malformed.
    """
    if type(state) is not ThreadState:
        raise SnapshotError(f"cannot snapshot {type(state).__name__}: want a ThreadState")
    try:
        script_hash = bytes.fromhex(state.script_hash)
    except (TypeError, ValueError):
        script_hash = b""
    if len(script_hash) != _HASH_LEN:
        raise SnapshotError("cannot snapshot: script_hash must be 64 hex digits (sha256)")
    if type(state.filename) is not str:
        raise SnapshotError("cannot snapshot: filename must be a string")
    options = sorted(state.options)
    if any(type(o) is not str for o in options):
        raise SnapshotError("cannot snapshot: options must be strings")
    steps = _check_uint(state.steps, "steps")
    max_steps = state.max_steps
    if max_steps is not None:
        _check_uint(max_steps, "max_steps")
    try:
        pname, pargs, pkwargs = state.pending
    except (TypeError, ValueError):
        raise SnapshotError("cannot snapshot: pending must be (name, args, kwargs)") from None
    if type(pname) is not str or not isinstance(pargs, tuple):
        raise SnapshotError("cannot snapshot: pending must be (name, args, kwargs)")
    _check_names(pkwargs, "pending kwargs")
    _check_names(state.globals, "globals")
    _check_names(state.extra, "extra")

    enc = _Encoder(hooks)
    out = [_str_payload(state.filename), _uv(len(options))]
    out += [_str_payload(o) for o in options]
    out += [_uv(steps), _uv(0 if max_steps is None else max_steps + 1)]

    def names(d: dict[str, Any], what: str) -> None:
        out.append(_uv(len(d)))
        for k, v in d.items():
            out.append(_str_payload(k))
            out.append(_uv(enc.root(v, f"{what} {k!r}")))

    frames = state.frames
    out.append(_uv(len(frames)))
    for i, f in enumerate(frames):
        if type(f) is not FrameRecord:
            raise SnapshotError(f"cannot snapshot frame {i}: want a FrameRecord")
        out += [_uv(_check_uint(f.code, "code")), _uv(_check_uint(f.site, "site"))]
        names(_check_names(f.locals, f"locals of frame {i}"), f"local of frame {i}")
    names(state.globals, "global")
    out.append(_str_payload(pname))
    out.append(_uv(len(pargs)))
    for i, a in enumerate(pargs):
        out.append(_uv(enc.root(a, f"argument {i} of {pname}")))
    names(pkwargs, f"keyword argument of {pname}")
    names(state.extra, "extra")

    records = enc.records
    table = b"".join([_uv(len(records)), *records])  # type: ignore[list-item]
    thread = b"".join(out)
    body = b"".join(
        [
            MAGIC,
            _uv(FORMAT_VERSION),
            script_hash,
            _uv(0),
            _uv(len(table)),
            _uv(len(thread)),
            table,
            thread,
        ]
    )
    return body + zlib.crc32(body).to_bytes(_CRC_LEN, "big")


# ---------------------------------------------------------------------------
# Decoder


class _Reader:
    __slots__ = ("b", "end", "p", "section")

    def __init__(self, b: bytes, p: int, end: int, section: str):
        self.b = b
        self.p = p
        self.end = end
        self.section = section

    def truncated(self) -> SnapshotError:
        return SnapshotError(f"snapshot: truncated at byte {self.end} ({self.section})")

    def byte(self) -> int:
        p = self.p
        if p >= self.end:
            raise self.truncated()
        self.p = p + 1
        return self.b[p]

    def take(self, n: int) -> bytes:
        p = self.p
        if n > self.end - p:
            raise self.truncated()
        self.p = p + n
        return self.b[p : p + n]

    def uv(self) -> int:
        b = self.b
        p = start = self.p
        end = self.end
        n = 0
        shift = 0
        while True:
            if p >= end:
                raise self.truncated()
            c = b[p]
            p += 1
            n |= (c & 0x7F) << shift
            if c < 0x80:
                self.p = p
                return n
            shift += 7
            if shift >= 7 * _MAX_VARINT:
                raise SnapshotError(f"snapshot: varint too long at byte {start} ({self.section})")

    def count(self, least: int) -> int:
        """A count of items that take at least `least` bytes each, bounded by the bytes left."""
        start = self.p
        n = self.uv()
        if n * least > self.end - self.p:
            raise SnapshotError(
                f"snapshot: count {n} at byte {start} exceeds the bytes left ({self.section})"
            )
        return n

    def text(self) -> str:
        start = self.p
        raw = self.take(self.uv())
        try:
            return raw.decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            raise SnapshotError(
                f"snapshot: bad UTF-8 in string at byte {start} ({self.section})"
            ) from None

    def integer(self) -> int:
        return int.from_bytes(self.take(self.uv()), "big", signed=True)


def _key(k: Any) -> Any:
    """A dict key or set element; each NaN key its own object, as NaN keys never collide."""
    if type(k) is float and k != k:
        return _F64.unpack(_F64.pack(k))[0]
    return k


def _hook_error(what: str, e: Exception) -> SnapshotError:
    if isinstance(e, SnapshotError):
        return e
    return SnapshotError(f"snapshot: {what}: {type(e).__name__}: {e}")


class _Table:
    """The decoded value table."""

    def __init__(self, r: _Reader, hooks: Hooks):
        self.r = r
        self.hooks = hooks
        n = self.n = r.count(1)
        self.vals: list[Any] = [None] * n
        self.tags = bytearray(n)
        self.tdepth: dict[int, int] = {}
        self.fills: list[tuple[int, Any, list[int]]] = []

    def ref(self) -> int:
        """An id of any entry."""
        start = self.r.p
        i = self.r.uv()
        if i >= self.n:
            raise SnapshotError(
                f"snapshot: value id {i} out of range at byte {start} (table has {self.n})"
            )
        return i

    def back(self, cur: int) -> int:
        """An id below `cur` (what an immutable entry may refer to)."""
        start = self.r.p
        i = self.ref()
        if i >= cur:
            raise SnapshotError(
                f"snapshot: value {cur} refers to value {i}, which is not defined before it "
                f"(byte {start})"
            )
        return i

    def build(self) -> None:
        r = self.r
        vals = self.vals
        for i in range(self.n):
            tag = self.tags[i] = r.byte()
            if tag <= _RANGE:
                vals[i] = self._leaf(tag, r)
            elif tag in _MUTABLE_TAGS:
                vals[i] = self._shell(tag, i)
            elif tag == _TUPLE:
                ids = [self.back(i) for _ in range(r.count(1))]
                vals[i] = tuple([vals[j] for j in ids])
                td = self.tdepth
                td[i] = 1 + max((td.get(j, 0) for j in ids), default=0)
            elif tag == _FUNC:
                vals[i] = self._function(i)
            elif tag == _NAMED:
                name = r.text()
                try:
                    vals[i] = self.hooks.builtin(name)
                except KeyError:
                    raise SnapshotError(f"snapshot: unknown built-in {name!r}") from None
                except Exception as e:  # noqa: BLE001  # the machine's error, reported as ours
                    raise _hook_error(f"built-in {name!r}", e) from None
            elif tag == _METHOD:
                vals[i] = self._method(i)
            elif tag == _HOST:
                url = r.text()
                payload = r.take(r.uv())
                try:
                    vals[i] = self.hooks.host_decode(url, payload)
                except Exception as e:  # noqa: BLE001  # the embedder's error, reported as ours
                    raise _hook_error(f"host value {url!r}", e) from None
            else:
                raise SnapshotError(f"snapshot: unknown value tag {tag} at byte {r.p - 1}")
        if r.p != r.end:
            raise SnapshotError(
                f"snapshot: {r.end - r.p} unused bytes at the end of the value table"
            )
        for i, obj, ids in self.fills:
            self._fill(i, obj, ids)

    def _leaf(self, tag: int, r: _Reader) -> Any:
        if tag == _NONE:
            return None
        if tag == _FALSE:
            return False
        if tag == _TRUE:
            return True
        if tag == _INT:
            return r.integer()
        if tag == _FLOAT:
            return _F64.unpack(r.take(8))[0]
        if tag == _STR:
            return r.text()
        if tag == _BYTES:
            return r.take(r.uv())
        start = r.p
        a, b, c = r.integer(), r.integer(), r.integer()
        if c == 0:
            raise SnapshotError(f"snapshot: range with step 0 at byte {start}")
        return range(a, b, c)

    def _shell(self, tag: int, i: int) -> Any:
        r = self.r
        if tag == _CELL:
            obj: Any = Box()
            self.fills.append((i, obj, [self.ref()]))
            return obj
        st = r.uv()
        obj = List() if tag == _LIST else Dict() if tag == _DICT else Set()
        if st:
            set_state(obj, bool(st & 1), st >> 1)
        if tag == _DICT:
            ids = []
            for _ in range(r.count(2)):
                ids.append(self.ref())
                ids.append(self.ref())
        else:
            ids = [self.ref() for _ in range(r.count(1))]
        self.fills.append((i, obj, ids))
        return obj

    def _fill(self, i: int, obj: Any, ids: list[int]) -> None:
        vals = self.vals
        t = type(obj)
        t = BASE.get(t, t)
        if t is Box:
            obj.v = vals[ids[0]]
            return
        if t is List:
            obj.extend([vals[j] for j in ids])
            return
        keys = ids[::2] if t is Dict else ids
        td = self.tdepth
        for j in keys:
            if td.get(j, 0) > MAX_KEY_DEPTH:
                raise SnapshotError(
                    f"snapshot: {type_name(obj)} {i} has a key nested more than "
                    f"{MAX_KEY_DEPTH} deep (value {j})"
                )
        try:
            if t is Dict:
                for k in range(0, len(ids), 2):
                    hstore(obj, _key(vals[ids[k]]), vals[ids[k + 1]])
            else:
                for j in ids:
                    hstore(obj, _key(vals[j]), None)
        except Exception as e:  # noqa: BLE001  # TypeError (unhashable) or a host value's __hash__
            raise SnapshotError(
                f"snapshot: {type_name(obj)} {i} has an unhashable key ({type(e).__name__}: {e})"
            ) from None
        if len(obj) != len(keys):
            raise SnapshotError(f"snapshot: {type_name(obj)} {i} has a duplicate key")

    def _function(self, i: int) -> Any:
        r = self.r
        vals = self.vals
        code = r.uv()
        name = r.text()
        defaults = tuple([vals[self.back(i)] for _ in range(r.count(1))])
        kwdefaults: dict[str, Any] = {}
        for _ in range(r.count(2)):
            k = r.text()
            if k in kwdefaults:
                raise SnapshotError(f"snapshot: function {name!r} repeats keyword default {k!r}")
            kwdefaults[k] = vals[self.back(i)]
        closure = []
        for _ in range(r.count(1)):
            j = self.back(i)
            if self.tags[j] != _CELL:
                raise SnapshotError(
                    f"snapshot: closure of function {name!r} refers to value {j}, not a cell"
                )
            closure.append(vals[j])
        try:
            return self.hooks.make_function(code, name, defaults, kwdefaults, tuple(closure))
        except Exception as e:  # noqa: BLE001  # the machine's error, reported as ours
            raise _hook_error(f"cannot rebuild function {name!r} (code {code})", e) from None

    def _method(self, i: int) -> Any:
        name = self.r.text()
        recv = self.vals[self.back(i)]
        if type(recv) not in _RECEIVER_TYPES:
            raise SnapshotError(
                f"snapshot: bound method {name!r} on a {type_name(recv)} (value {i})"
            )
        try:
            m = ops.getattr_(recv, name)
        except StarlarkError:
            m = None
        if type(m) is not Builtin or m.recv is not recv:
            raise SnapshotError(f"snapshot: unknown method {name!r} of {type_name(recv)}")
        return m


def _names(r: _Reader, t: _Table, what: str) -> dict[str, Any]:
    d: dict[str, Any] = {}
    for _ in range(r.count(2)):
        k = r.text()
        if k in d:
            raise SnapshotError(f"snapshot: {what} repeats the name {k!r}")
        d[k] = t.vals[t.ref()]
    return d


def _sections(b: bytes) -> tuple[str, int, int, int]:
    """Check magic, version, flags, length and checksum: (script hash, table start/end, end)."""
    n = len(b)
    head = _Reader(b, 0, n, "header")
    if b[: len(MAGIC)] != MAGIC[:n]:
        raise SnapshotError("snapshot: bad magic (not a starflow snapshot)")
    head.take(len(MAGIC))
    version = head.uv()
    if version != FORMAT_VERSION:
        raise SnapshotError(
            f"snapshot: unsupported format version {version} (supported: {FORMAT_VERSION})"
        )
    script_hash = head.take(_HASH_LEN).hex()
    flags = head.uv()
    if flags:
        raise SnapshotError(f"snapshot: unknown header flags {flags:#x}")
    tlen = head.uv()
    rlen = head.uv()
    table_at = head.p
    thread_at = table_at + tlen
    crc_at = thread_at + rlen
    total = crc_at + _CRC_LEN
    if n < total:
        section = "value table" if n < thread_at else "thread" if n < crc_at else "checksum"
        raise SnapshotError(f"snapshot: truncated at byte {n} ({section}; want {total} bytes)")
    if n > total:
        raise SnapshotError(f"snapshot: {n - total} unexpected bytes after the checksum")
    if zlib.crc32(b[:crc_at]) != int.from_bytes(b[crc_at:], "big"):
        raise SnapshotError("snapshot: checksum mismatch (the blob is corrupt)")
    return script_hash, table_at, thread_at, crc_at


def decode(blob: bytes, hooks: Hooks, *, expect_hash: str | None = None) -> ThreadState:
    """The `ThreadState` that `blob` (from `encode`) holds.

    `expect_hash` is the sha256 hex of the source being restored; a blob made
    from another source is refused.

    Raises:
        SnapshotError: and nothing else, whatever the bytes.
    """
    if not isinstance(blob, bytes | bytearray | memoryview):
        raise SnapshotError(f"snapshot: want bytes, got {type(blob).__name__}")
    b = bytes(blob)
    script_hash, table_at, thread_at, crc_at = _sections(b)
    if expect_hash is not None and expect_hash.lower() != script_hash:
        raise SnapshotError(
            f"snapshot: made from script {script_hash[:12]} but restoring {expect_hash[:12]}"
        )
    t = _Table(_Reader(b, table_at, thread_at, "value table"), hooks)
    t.build()
    vals = t.vals
    r = t.r = _Reader(b, thread_at, crc_at, "thread")  # ids in the thread part, via t.ref
    filename = r.text()
    options = [r.text() for _ in range(r.count(1))]
    if any(x >= y for x, y in itertools.pairwise(options)):
        raise SnapshotError("snapshot: options are not sorted and distinct")
    steps = r.uv()
    max_steps = r.uv()
    frames = []
    for i in range(r.count(3)):
        code = r.uv()
        site = r.uv()
        frames.append(FrameRecord(code, site, _names(r, t, f"locals of frame {i}")))
    globals_ = _names(r, t, "globals")
    pname = r.text()
    pargs = tuple([vals[t.ref()] for _ in range(r.count(1))])
    pkwargs = _names(r, t, "pending kwargs")
    extra = _names(r, t, "extra")
    if r.p != r.end:
        raise SnapshotError(f"snapshot: {r.end - r.p} unused bytes at the end of the thread part")
    return ThreadState(
        script_hash=script_hash,
        filename=filename,
        options=frozenset(options),
        frames=frames,
        globals=globals_,
        steps=steps,
        max_steps=None if max_steps == 0 else max_steps - 1,
        pending=(pname, pargs, pkwargs),
        extra=extra,
    )
