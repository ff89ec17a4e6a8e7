"""The snapshot codec: round trips, identity, determinism, every error path, fuzzing.

The oracle is `same_state`: two states are the same when their scalar fields
are equal and their value graphs are isomorphic (same types, float bits,
flags, and the same sharing and cycles), checked iteratively.
"""

from __future__ import annotations

import importlib.util
import os
import pathlib
import random
import struct
import subprocess
import sys
import time
import zlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from starflow.starlark import SnapshotError, ops
from starflow.starlark import snapshot as sn
from starflow.starlark.snapshot import FrameRecord, ThreadState, decode, encode
from starflow.starlark.values import BASE, Box, Builtin, Dict, List, Module, Set

SAMPLES_DIR = pathlib.Path(__file__).resolve().parent.parent / "data" / "snapshots" / "v1"
_spec = importlib.util.spec_from_file_location("make_samples", SAMPLES_DIR / "make_samples.py")
samples = importlib.util.module_from_spec(_spec)
sys.modules["make_samples"] = samples
_spec.loader.exec_module(samples)

FakeFunction = samples.FakeFunction
FakeHooks = samples.FakeHooks
Point = samples.Point
BUILTINS = samples.BUILTINS
HASH = samples.SCRIPT_HASH
state = samples.state

# ---------------------------------------------------------------------------
# The oracle

_LEAVES = (type(None), bool, int, str, bytes)
_TRACKED = (List, Dict, Set, Box, FakeFunction, Point)


def iso(a: Any, b: Any) -> None:
    """Assert that value graphs `a` and `b` are isomorphic (identity and cycles included)."""
    fwd: dict[int, Any] = {}
    back: dict[int, Any] = {}
    keep = []
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        t = type(x)
        assert t is type(y), (x, y)
        t = BASE.get(t, t)  # (IterList, FrozenDict, ...: a List, a Dict ...)
        if t in _LEAVES:
            assert x == y
            continue
        if t is float:
            assert struct.pack(">d", x) == struct.pack(">d", y)
            continue
        if t is range:
            assert (x.start, x.stop, x.step) == (y.start, y.stop, y.step)
            continue
        if t in _TRACKED:
            if id(x) in fwd:
                assert fwd[id(x)] is y, "sharing differs"
                continue
            assert id(y) not in back, "two values became one"
            fwd[id(x)] = y
            back[id(y)] = x
            keep += [x, y]
        if t is tuple:
            assert len(x) == len(y)
            stack.extend(zip(x, y, strict=True))
        elif t is List or t is Dict or t is Set:
            assert (x.frozen, x.itercount) == (y.frozen, y.itercount)
            assert len(x) == len(y)
            if t is Dict:
                stack.extend(zip(x.keys(), y.keys(), strict=True))
                stack.extend(zip(x.values(), y.values(), strict=True))
            else:
                stack.extend(zip(x, y, strict=True))
        elif t is Box:
            stack.append((x.v, y.v))
        elif t is FakeFunction:
            assert (x.code, x.name) == (y.code, y.name)
            assert list(x.kwdefaults) == list(y.kwdefaults)
            stack.append((x.defaults, y.defaults))
            stack.append((tuple(x.kwdefaults.values()), tuple(y.kwdefaults.values())))
            stack.append((x.closure, y.closure))
        elif t is Builtin:
            assert (x.name, x.fn) == (y.name, y.fn)
            if x.recv is None:
                assert x is y
            else:
                stack.append((x.recv, y.recv))
        elif t is Module:
            assert x is y
        elif t is Point:
            assert x == y
        else:
            raise AssertionError(f"unexpected {t}")


def roots(s: ThreadState) -> tuple:
    out: list[Any] = []
    for f in s.frames:
        out += [f.code, f.site, *f.locals.items()]
    out += [*s.globals.items(), s.pending[0], s.pending[1], *s.pending[2].items()]
    out += list(s.extra.items())
    return tuple(out)


def same_state(a: ThreadState, b: ThreadState) -> None:
    assert (a.script_hash, a.filename, a.options) == (b.script_hash, b.filename, b.options)
    assert (a.steps, a.max_steps, len(a.frames)) == (b.steps, b.max_steps, len(b.frames))
    iso(roots(a), roots(b))


def round_trip(s: ThreadState) -> ThreadState:
    blob = encode(s, FakeHooks())
    back = decode(blob, FakeHooks(), expect_hash=s.script_hash)
    same_state(s, back)
    assert encode(back, FakeHooks()) == blob
    assert encode(s, FakeHooks()) == blob
    return back


def forge(table: bytes, thread: bytes, *, version: int = 1, flags: int = 0) -> bytes:
    """A blob with a valid header and checksum around hand-written sections."""
    body = (
        sn.MAGIC
        + sn._uv(version)
        + bytes.fromhex(HASH)
        + sn._uv(flags)
        + sn._uv(len(table))
        + sn._uv(len(thread))
        + table
        + thread
    )
    return body + zlib.crc32(body).to_bytes(4, "big")


def recrc(blob: bytes) -> bytes:
    body = blob[:-4]
    return body + zlib.crc32(body).to_bytes(4, "big")


# an empty thread part: filename "", no options, steps 0, max_steps None, no frames,
# no globals, pending "" with no args or kwargs, no extra
EMPTY_THREAD = bytes([0, 0, 0, 0, 0, 0, 0, 0, 0, 0])


def table(*entries: bytes) -> bytes:
    return sn._uv(len(entries)) + b"".join(entries)


def with_global(tbl: bytes, vid: int = 0) -> bytes:
    """Forge a blob whose only global `g` is value `vid` of table `tbl`."""
    thread = bytes([0, 0, 0, 0, 0, 1, 1]) + b"g" + sn._uv(vid) + bytes([0, 0, 0, 0])
    return forge(tbl, thread)


def decode_error(blob: bytes, **kw: Any) -> str:
    with pytest.raises(SnapshotError) as info:
        decode(blob, FakeHooks(), **kw)
    return str(info.value)


# ---------------------------------------------------------------------------
# Round trips


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        0,
        1,
        -1,
        127,
        128,
        -128,
        -129,
        2**63,
        -(2**63) - 1,
        10**100,
        -(10**100),
        0.0,
        -0.0,
        1.5,
        float("inf"),
        float("-inf"),
        float("nan"),
        struct.unpack(">d", bytes.fromhex("7ff8000000000123"))[0],
        5e-324,
        "",
        "hello",
        "é\u2028\U0001f600",
        "\ud800",
        "\udfff\ud800",
        "\x00",
        b"",
        b"\x00\xff" * 3,
        (),
        (1, "a", (2.0, None)),
        range(10),
        range(0),
        range(5, 5),
        range(-3, 10**20, 7),
        range(10, 0, -2),
        List(),
        List([1, List([2])]),
        Dict(),
        Dict({"a": 1, 2: "b", (1, "t"): List()}),
        Set(),
        Set.fromkeys(["z", "a", 3, (1, 2), b"x"]),
        Box(5),
        FakeFunction(2, "f", defaults=(1, List()), kwdefaults={"k": "v"}, closure=(Box(3),)),
        BUILTINS["len"],
        BUILTINS["json"],
        Point(1, -2),
    ],
    ids=repr,
)
def test_every_value_kind_round_trips_to_the_same_bytes(value):
    round_trip(state(globals_={"v": value}))


@pytest.mark.parametrize(
    ("recv", "name"),
    [
        ("a-b", "split"),
        (b"ab", "elems"),
        (List([1]), "append"),
        (Dict({"a": 1}), "get"),
        (Set.fromkeys([1]), "add"),
    ],
)
def test_bound_methods_are_rebuilt_by_name_on_their_receiver(recv, name):
    m = ops.getattr_(recv, name)
    back = round_trip(state(globals_={"m": m, "recv": recv}))
    bm = back.globals["m"]
    assert type(bm) is Builtin
    assert bm.name == name
    assert bm.fn is m.fn
    if type(recv) in (List, Dict, Set):
        assert bm.recv is back.globals["recv"]


def test_floats_keep_their_exact_bits():
    vals = (0.0, -0.0, float("nan"), -float("nan"), float("inf"), -float("inf"), 2.5e-310)
    back = round_trip(state(globals_={"f": vals}))
    got = back.globals["f"]
    assert [struct.pack(">d", x) for x in got] == [struct.pack(">d", x) for x in vals]


def test_strings_keep_every_code_point_including_lone_surrogates():
    s = "".join(chr(c) for c in (0, 0x7F, 0x80, 0xD7FF, 0xD800, 0xDBFF, 0xDC00, 0xFFFF, 0x10FFFF))
    back = round_trip(state(globals_={"s": s, "pair": "\ud83d\ude00"}))
    assert back.globals["s"] == s
    assert len(back.globals["pair"]) == 2  # two lone surrogates stay two code points


def test_the_thread_fields_round_trip():
    s = state(
        filename="dir/wf.star",
        options=frozenset({"while", "set", "recursion"}),
        frames=[FrameRecord(0, 5, {"a": 1}), FrameRecord(7, 2, {"$f2": 3, "$l_x": "y"})],
        globals_={"G": 1, "H": List()},
        steps=2**62,
        max_steps=2**62 + 1,
        pending=("http.get", (1, "u"), {"timeout": 3.0, "retry": True}),
        extra={"phase": "main", "calls": 3},
    )
    back = round_trip(s)
    assert back.frames[1].code == 7
    assert back.frames[1].site == 2
    assert list(back.frames[1].locals) == ["$f2", "$l_x"]
    assert back.pending[0] == "http.get"
    assert type(back.pending[1]) is tuple
    assert back.options == frozenset({"while", "set", "recursion"})
    assert back.max_steps == 2**62 + 1
    assert round_trip(state(max_steps=0)).max_steps == 0
    assert round_trip(state(max_steps=None)).max_steps is None


def test_the_sample_states_round_trip():
    for make in samples.SAMPLES.values():
        round_trip(make())


# ---------------------------------------------------------------------------
# Identity, cycles, aliasing, flags


def test_a_list_containing_itself_stays_a_cycle():
    x = List()
    x.append(x)
    back = round_trip(state(globals_={"x": x}))
    y = back.globals["x"]
    assert y[0] is y


def test_two_names_bound_to_one_list_stay_one_list_across_frames_and_globals():
    shared = List([1])
    other = List([1])
    s = state(
        frames=[FrameRecord(0, 0, {"a": shared}), FrameRecord(1, 0, {"b": shared, "c": other})],
        globals_={"G": shared},
        pending=("ext", (shared,), {"k": shared}),
        extra={"e": shared},
    )
    back = round_trip(s)
    a = back.frames[0].locals["a"]
    assert back.frames[1].locals["b"] is a
    assert back.globals["G"] is a
    assert back.pending[1][0] is a
    assert back.pending[2]["k"] is a
    assert back.extra["e"] is a
    assert back.frames[1].locals["c"] is not a


def test_mutual_cycles_through_dicts_sets_and_tuples_survive():
    d = Dict()
    lst = List([d])
    d["self"] = d
    d["list"] = lst
    d["tup"] = (lst, (d,))
    s = Set.fromkeys([1, (2, "x")])
    lst.append(s)
    back = round_trip(state(globals_={"d": d}))
    d2 = back.globals["d"]
    assert d2["self"] is d2
    assert d2["tup"][0] is d2["list"]
    assert d2["tup"][1][0] is d2
    assert d2["list"][0] is d2


def test_frozen_and_itercount_are_preserved_exactly():
    lst, dct, st_ = List([1]), Dict({"a": 1}), Set.fromkeys([1])
    lst.frozen = True
    dct.itercount = 3
    st_.itercount = 2**40  # (kept as a count, not by looping)
    plain = List()
    back = round_trip(state(globals_={"l": lst, "d": dct, "s": st_, "p": plain}))
    g = back.globals
    assert (g["l"].frozen, g["l"].itercount) == (True, 0)
    assert (g["d"].frozen, g["d"].itercount) == (False, 3)
    assert (g["s"].frozen, g["s"].itercount) == (False, 2**40)
    assert type(g["p"]) is List  # a list that may change


def test_dict_and_set_keep_insertion_order():
    d = Dict()
    for k in ["z", "a", "m", 3, (1,), b"b"]:
        d[k] = len(d)
    s = Set.fromkeys(["z", "a", "m"])
    back = round_trip(state(globals_={"d": d, "s": s}))
    assert list(back.globals["d"].items()) == list(d.items())
    assert list(back.globals["s"]) == ["z", "a", "m"]


def test_nan_keys_stay_distinct_keys():
    nan = float("nan")
    d = Dict()
    d[nan] = 1
    d[float("nan")] = 2
    back = round_trip(state(globals_={"d": d}))
    assert list(back.globals["d"].values()) == [1, 2]


def test_a_closure_cell_shared_by_two_functions_stays_shared():
    cell = Box(List(["x"]))
    f = FakeFunction(1, "f", closure=(cell,))
    g = FakeFunction(2, "g", closure=(cell, Box(0)))
    hooks = FakeHooks()
    back = decode(encode(state(globals_={"f": f, "g": g}), hooks), hooks)
    f2, g2 = back.globals["f"], back.globals["g"]
    assert f2.closure[0] is g2.closure[0]
    assert f2.closure[0].v == ["x"]
    assert g2.closure[1] is not f2.closure[0]
    assert [fn.name for fn in hooks.made] == ["f", "g"]


def test_a_function_capturing_a_list_that_contains_the_function_survives():
    holder = List()
    f = FakeFunction(1, "f", defaults=(holder,))
    holder.append(f)
    rec_cell = Box()
    r = FakeFunction(2, "r", closure=(rec_cell,))
    rec_cell.v = r  # a recursive nested function: its cell holds itself
    back = round_trip(state(globals_={"f": f, "r": r}))
    f2 = back.globals["f"]
    assert f2.defaults[0][0] is f2
    r2 = back.globals["r"]
    assert r2.closure[0].v is r2


def test_a_function_is_rebuilt_once_however_often_it_is_named():
    f = FakeFunction(1, "f")
    hooks = FakeHooks()
    back = decode(encode(state(globals_={"a": f, "b": (f, f), "c": List([f])}), hooks), hooks)
    assert len(hooks.made) == 1
    assert back.globals["b"][0] is back.globals["a"] is back.globals["c"][0]


def test_built_ins_and_modules_are_restored_by_name_as_the_same_objects():
    back = round_trip(state(globals_={"len": BUILTINS["len"], "json": BUILTINS["json"]}))
    assert back.globals["len"] is BUILTINS["len"]
    assert back.globals["json"] is BUILTINS["json"]


def test_host_values_go_through_the_embedders_codec():
    p = Point(7, 8)
    back = round_trip(state(globals_={"p": p, "q": p, "r": Point(7, 8)}))
    g = back.globals
    assert g["p"] == Point(7, 8)
    assert g["p"] is g["q"]  # one host object stays one
    assert g["r"] is not g["p"]


def test_equal_immutable_values_share_one_entry_so_size_follows_the_live_state():
    one = encode(state(globals_={"a": "x" * 1000}), FakeHooks())
    two = encode(state(globals_={"a": "x" * 1000, "b": "x" * 1000}), FakeHooks())
    assert len(two) - len(one) == 3  # the name "b" (2 bytes) and its value id (1 byte)
    t1 = encode(state(globals_={"a": (1, (2, 3))}), FakeHooks())
    t2 = encode(state(globals_={"a": (1, (2, 3)), "b": (1, (2, 3))}), FakeHooks())
    assert len(t2) - len(t1) == 3


def test_size_grows_linearly_with_a_big_list():
    small = encode(samples.small(), FakeHooks())
    assert len(small) < 200
    big = encode(samples.big_list(), FakeHooks())
    assert 10_000 * 3 < len(big) < 10_000 * 8
    back = decode(big, FakeHooks())
    assert back.globals["L"] == list(range(10_000))
    same = encode(state(globals_={"L": List([7] * 10_000)}), FakeHooks())
    assert len(same) < 10_000 * 1 + 100  # one int entry, 10,000 one-byte references


def test_deep_nesting_needs_no_python_recursion():
    deep_list = List()
    cur = deep_list
    for _ in range(50_000):
        nxt = List()
        cur.append(nxt)
        cur = nxt
    deep_tuple: Any = ()
    for _ in range(50_000):
        deep_tuple = (deep_tuple,)
    s = state(globals_={"l": deep_list, "t": deep_tuple})
    blob = encode(s, FakeHooks())
    back = decode(blob, FakeHooks())
    assert encode(back, FakeHooks()) == blob
    t = back.globals["t"]
    n = 0
    while t:
        t = t[0]
        n += 1
    assert n == 50_000


# ---------------------------------------------------------------------------
# Determinism


def test_encoding_twice_gives_identical_bytes():
    for make in samples.SAMPLES.values():
        assert encode(make(), FakeHooks()) == encode(make(), FakeHooks())


def test_the_bytes_do_not_depend_on_pythonhashseed_or_the_process():
    want = "".join(f"{name} {samples.blob(name).hex()}\n" for name in samples.SAMPLES)
    root = pathlib.Path(__file__).resolve().parents[2]
    for seed in ("0", "1", "98765"):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(root))
        out = subprocess.run(
            [sys.executable, str(SAMPLES_DIR / "make_samples.py"), "--hex"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        assert out == want, f"PYTHONHASHSEED={seed}"


def test_equal_states_built_separately_give_identical_bytes():
    def build() -> ThreadState:
        inner = List(["a", "b"])
        return state(globals_={"x": (inner, "".join(["s", "t"]), 10**20 + 1), "y": inner})

    assert encode(build(), FakeHooks()) == encode(build(), FakeHooks())


# ---------------------------------------------------------------------------
# The committed v1 samples


@pytest.mark.parametrize("name", sorted(samples.SAMPLES))
def test_committed_v1_samples_still_decode_and_reencode_to_the_same_bytes(name):
    blob = (SAMPLES_DIR / f"{name}.snap").read_bytes()
    assert blob[:6] == b"SFSNAP"
    assert blob[6] == 1
    back = decode(blob, FakeHooks(), expect_hash=HASH)
    same_state(samples.SAMPLES[name](), back)
    assert encode(back, FakeHooks()) == blob
    assert samples.blob(name) == blob


def test_every_committed_sample_has_a_generator():
    files = sorted(p.stem for p in SAMPLES_DIR.glob("*.snap"))
    assert files == sorted(samples.SAMPLES)


# ---------------------------------------------------------------------------
# Decoding errors


@pytest.fixture(scope="module")
def good() -> bytes:
    return encode(samples.every_kind(), FakeHooks())


def test_bad_magic_is_reported(good):
    assert decode_error(b"XXSNAP" + good[6:]) == "snapshot: bad magic (not a starflow snapshot)"
    assert decode_error(b"") == "snapshot: truncated at byte 0 (header)"
    assert decode_error(b"SFS") == "snapshot: truncated at byte 3 (header)"
    assert "bad magic" in decode_error(b"\x89PNG\r\n\x1a\n")


def test_an_unsupported_version_is_reported_before_anything_else(good):
    blob = good[:6] + bytes([7]) + b"garbage"
    assert decode_error(blob) == "snapshot: unsupported format version 7 (supported: 1)"


def test_truncation_names_the_byte_and_the_section(good):
    msg = decode_error(good[:100])
    assert msg.startswith("snapshot: truncated at byte 100 (value table; want ")
    assert decode_error(good[:-2]).startswith(f"snapshot: truncated at byte {len(good) - 2} (")
    assert "(header)" in decode_error(good[:20])


def test_trailing_bytes_are_reported(good):
    assert decode_error(good + b"\x00") == "snapshot: 1 unexpected bytes after the checksum"


def test_a_flipped_bit_is_a_checksum_mismatch(good):
    bad = bytearray(good)
    bad[len(good) // 2] ^= 0x10
    assert decode_error(bytes(bad)) == "snapshot: checksum mismatch (the blob is corrupt)"


def test_a_snapshot_of_another_script_is_refused(good):
    other = "ab" * 32
    msg = decode_error(good, expect_hash=other)
    assert msg == f"snapshot: made from script {HASH[:12]} but restoring {other[:12]}"
    assert decode(good, FakeHooks(), expect_hash=HASH.upper()).script_hash == HASH


def test_nonzero_header_flags_are_refused():
    assert decode_error(forge(table(), EMPTY_THREAD, flags=4)) == (
        "snapshot: unknown header flags 0x4"
    )


def test_a_forged_but_well_formed_empty_state_decodes():
    s = decode(forge(table(), EMPTY_THREAD), FakeHooks())
    assert s.frames == []
    assert s.pending == ("", (), {})


@pytest.mark.parametrize(
    ("tbl", "message"),
    [
        (table(bytes([sn._TUPLE, 1, 9])), "snapshot: value id 9 out of range at byte"),
        (table(bytes([sn._TUPLE, 1, 0])), "value 0 refers to value 0, which is not defined"),
        (table(bytes([99])), "snapshot: unknown value tag 99 at byte"),
        (table(bytes([sn._NAMED, 3]) + b"foo"), "snapshot: unknown built-in 'foo'"),
        (table(bytes([sn._STR, 1, 0xFF])), "snapshot: bad UTF-8 in string at byte"),
        (table(bytes([sn._RANGE, 1, 0, 1, 5, 1, 0])), "snapshot: range with step 0"),
        (table(bytes([sn._STR, 5]) + b"ab"), "snapshot: truncated at byte"),
        (table(bytes([sn._LIST, 0, 0x80, 0x80, 0x01])), "exceeds the bytes left (value table)"),
        (table(bytes([sn._INT]) + b"\xff" * 11), "snapshot: varint too long at byte"),
        (
            table(bytes([sn._NONE]), bytes([sn._FUNC, 1, 1]) + b"f" + bytes([0, 0, 1, 0])),
            "closure of function 'f' refers to value 0, not a cell",
        ),
        (
            table(bytes([sn._DICT, 0, 2, 1, 1, 1, 1]), bytes([sn._STR, 1]) + b"k"),
            "snapshot: dict 0 has a duplicate key",
        ),
        (table(bytes([sn._SET, 0, 1, 0])), "snapshot: set 0 has an unhashable key (TypeError"),
        (
            table(bytes([sn._NONE]), bytes([sn._METHOD, 6]) + b"append" + bytes([0])),
            "snapshot: bound method 'append' on a NoneType",
        ),
        (table(bytes([sn._LIST, 0, 0]), bytes([sn._METHOD, 3]) + b"pop" + bytes([0])), None),
        (
            table(bytes([sn._LIST, 0, 0]), bytes([sn._METHOD, 4]) + b"nope" + bytes([0])),
            "snapshot: unknown method 'nope' of list",
        ),
        (
            table(bytes([sn._HOST, 3]) + b"x/y" + bytes([0])),
            "snapshot: host value 'x/y': KeyError: 'x/y'",
        ),
        (
            table(bytes([sn._HOST, 10]) + b"test/Point" + bytes([1]) + b"?"),
            "snapshot: host value 'test/Point': ValueError",
        ),
        (table(bytes([sn._NONE, sn._NONE])), "snapshot: 1 unused bytes at the end of the value"),
    ],
)
def test_malformed_value_tables_are_reported_clearly(tbl, message):
    blob = with_global(tbl)
    if message is None:
        decode(blob, FakeHooks())
    else:
        assert message in decode_error(blob)


def test_a_key_nested_too_deep_is_refused_before_hashing():
    depth = sn.MAX_KEY_DEPTH + 1
    entries = [bytes([sn._TUPLE, 0])]
    entries += [bytes([sn._TUPLE, 1]) + sn._uv(i) for i in range(depth - 1)]
    entries.append(bytes([sn._SET, 0, 1]) + sn._uv(depth - 1))
    msg = decode_error(with_global(table(*entries), len(entries) - 1))
    assert f"has a key nested more than {sn.MAX_KEY_DEPTH} deep" in msg


def test_malformed_thread_parts_are_reported_clearly():
    tbl = table(bytes([sn._NONE]))
    cases = {
        # options not sorted
        bytes([0, 2, 1]) + b"b" + bytes([1]) + b"a": "options are not sorted and distinct",
        # globals repeat a name
        bytes([0, 0, 0, 0, 0, 2, 1])
        + b"g"
        + bytes([0, 1])
        + b"g"
        + bytes([0, 0, 0, 0, 0]): "globals repeats the name 'g'",
        # an id out of range
        bytes([0, 0, 0, 0, 0, 1, 1]) + b"g" + bytes([5, 0, 0, 0, 0]): "value id 5 out of range",
        # stops early
        bytes([0, 0, 0]): "snapshot: truncated at byte",
        # left-over bytes
        EMPTY_THREAD + b"\x00": "1 unused bytes at the end of the thread part",
    }
    for thread, message in cases.items():
        assert message in decode_error(forge(tbl, thread)), message


def test_hook_failures_become_snapshot_errors():
    class Broken(FakeHooks):
        def make_function(self, *args):
            raise IndexError("no code 42")

    blob = encode(state(globals_={"f": FakeFunction(42, "f")}), FakeHooks())
    with pytest.raises(SnapshotError, match=r"cannot rebuild function 'f' \(code 42\)"):
        decode(blob, Broken())


def test_decode_wants_bytes():
    with pytest.raises(SnapshotError, match="want bytes, got str"):
        decode("SFSNAP", FakeHooks())  # type: ignore[arg-type]
    good_blob = encode(samples.small(), FakeHooks())
    assert decode(bytearray(good_blob), FakeHooks()).steps == 7
    assert decode(memoryview(good_blob), FakeHooks()).steps == 7


# ---------------------------------------------------------------------------
# Encoding errors


class Opaque:
    pass


def test_an_unsupported_value_is_named_with_where_it_was_found():
    s = state(frames=[FrameRecord(0, 0, {"x": List([1, Opaque()])})])
    with pytest.raises(SnapshotError) as info:
        encode(s, FakeHooks())
    assert (
        str(info.value)
        == "cannot snapshot value of type Opaque (reachable from local of frame 0 'x')"
    )


def test_an_unknown_built_in_or_module_cannot_be_snapshotted():
    with pytest.raises(SnapshotError, match="cannot snapshot value of type builtin_function_or_"):
        encode(state(globals_={"b": Builtin("mine", len)}), FakeHooks())
    with pytest.raises(SnapshotError, match="cannot snapshot value of type module"):
        encode(state(globals_={"m": Module("m", {})}), FakeHooks())
    with pytest.raises(SnapshotError, match=r"\(method x of a point\)"):
        encode(state(globals_={"b": Builtin("x", len, Point(1, 2))}), FakeHooks())


def test_a_cycle_through_immutable_values_is_refused():
    class Liar(FakeHooks):
        def function_ref(self, fn):
            if type(fn) is FakeFunction:
                return (1, "f", (fn,), {}, ())
            return None

    with pytest.raises(SnapshotError, match="cycle through immutable values"):
        encode(state(globals_={"f": FakeFunction(1, "f")}), Liar())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"script_hash": "abc"}, "script_hash must be 64 hex digits"),
        ({"steps": -1}, "cannot snapshot steps -1"),
        ({"max_steps": 1.5}, "cannot snapshot max_steps 1.5"),
        ({"globals_": {1: 2}}, "cannot snapshot globals: want a dict with string keys"),
        ({"pending": ("x", [1], {})}, "pending must be (name, args, kwargs)"),
        ({"frames": [FrameRecord(-1, 0, {})]}, "cannot snapshot code -1"),
        ({"options": frozenset({1})}, "options must be strings"),
    ],
)
def test_malformed_states_are_refused_at_encode_time(change, message):
    with pytest.raises(SnapshotError) as info:
        encode(state(**change), FakeHooks())
    assert message in str(info.value)


# ---------------------------------------------------------------------------
# Property: generated nested values

_atoms = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**200), max_value=2**200),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.integers(0, 0x10FFFF), max_size=6).map(lambda cs: "".join(map(chr, cs))),
    st.binary(max_size=6),
    st.builds(range, st.integers(-5, 5), st.integers(-5, 5), st.integers(1, 3)),
)
_keys = st.recursive(
    st.one_of(st.integers(), st.text(max_size=4), st.binary(max_size=3)),
    lambda k: st.tuples(k, k),
    max_leaves=4,
)


def _flags(c: Any, frozen: bool, itercount: int) -> Any:
    # (a frozen container is never counted as iterated: values.List)
    if frozen:
        c.frozen = True
    elif itercount:
        c.itercount = itercount
    return c


_values = st.recursive(
    _atoms,
    lambda v: st.one_of(
        st.lists(v, max_size=4).map(tuple),
        st.builds(_flags, st.lists(v, max_size=4).map(List), st.booleans(), st.integers(0, 3)),
        st.builds(
            _flags,
            st.lists(st.tuples(_keys, v), max_size=4).map(Dict),
            st.booleans(),
            st.integers(0, 3),
        ),
        st.builds(_flags, st.lists(_keys, max_size=4).map(Set.fromkeys), st.booleans(), st.just(0)),
        v.map(Box),
        st.builds(
            lambda d, c: FakeFunction(1, "f", defaults=d, closure=c),
            st.lists(v, max_size=2),
            st.lists(v.map(Box), max_size=2),
        ),
    ),
    max_leaves=20,
)


def _lists_in(v: Any) -> list[List]:
    out, seen, stack = [], set(), [v]
    while stack:
        x = stack.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        if type(x) is List:
            out.append(x)
        if type(x) in (tuple, List):
            stack.extend(x)
        elif type(x) is Dict:
            stack.extend(x.values())
        elif type(x) is Box:
            stack.append(x.v)
        elif type(x) is FakeFunction:
            stack.extend(x.defaults)
            stack.extend(x.closure)
    return out


@settings(deadline=None, max_examples=150)
@given(_values, _values, st.data())
def test_generated_nested_values_with_sharing_and_cycles_round_trip(a, b, data):
    lists = _lists_in((a, b))
    if lists:
        for i, j in data.draw(
            st.lists(
                st.tuples(st.integers(0, len(lists) - 1), st.integers(0, len(lists) - 1)),
                max_size=4,
            )
        ):
            lists[i].append(lists[j])  # aliasing and cycles
    s = state(
        frames=[FrameRecord(0, 1, {"a": a, "both": (a, b)})],
        globals_={"b": b, "a_again": a},
        pending=("ext", (b,), {"k": a}),
    )
    round_trip(s)


# ---------------------------------------------------------------------------
# Fuzzing: only SnapshotError, quickly

_LIMIT = 1.0  # seconds for one decode of a small blob, generously


def _only_snapshot_error(blob: bytes) -> bool:
    t0 = time.perf_counter()
    try:
        decode(blob, FakeHooks())
        ok = True
    except SnapshotError:
        ok = False
    assert time.perf_counter() - t0 < _LIMIT
    return ok


def test_random_bytes_only_raise_snapshot_error():
    rng = random.Random(1)
    for _ in range(2000):
        n = rng.randrange(0, 200)
        junk = bytes(rng.randrange(256) for _ in range(n))
        assert not _only_snapshot_error(junk)
        assert not _only_snapshot_error(b"SFSNAP\x01" + junk)


def test_every_prefix_of_a_valid_blob_is_refused(good):
    for i in range(len(good)):
        assert not _only_snapshot_error(good[:i]), i


def test_every_single_byte_mutation_of_a_valid_blob_is_refused(good):
    for i in range(len(good)):
        for delta in (0x01, 0x80, 0xFF, 0x5A):
            bad = bytearray(good)
            bad[i] ^= delta
            assert not _only_snapshot_error(bytes(bad)), (i, delta)


def test_forged_mutations_with_a_valid_checksum_decode_or_raise_snapshot_error(good):
    # the checksum recomputed: this exercises the parser itself on hostile input
    rng = random.Random(2)
    for i in range(len(good) - 4):
        for new in {0x00, 0x01, 0x7F, 0x80, 0xFF, good[i] ^ 0x01, rng.randrange(256)}:
            bad = bytearray(good)
            bad[i] = new
            _only_snapshot_error(recrc(bytes(bad)))


def test_forged_random_sections_decode_or_raise_snapshot_error():
    rng = random.Random(3)
    for _ in range(3000):
        tbl = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 40)))
        thread = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 30)))
        _only_snapshot_error(forge(tbl, thread))
        _only_snapshot_error(forge(bytes([rng.randrange(1, 4)]) + tbl, EMPTY_THREAD))


# ---------------------------------------------------------------------------
# The documentation agrees with the code

_TAGS = {
    "_NONE": (0, "`None`", "None"),
    "_FALSE": (1, "`False`", "False"),
    "_TRUE": (2, "`True`", "True"),
    "_INT": (3, "int", "int"),
    "_FLOAT": (4, "float", "float"),
    "_STR": (5, "string", "string"),
    "_BYTES": (6, "bytes", "bytes"),
    "_RANGE": (7, "range", "range"),
    "_TUPLE": (8, "tuple", "tuple"),
    "_LIST": (9, "list", "list"),
    "_DICT": (10, "dict", "dict"),
    "_SET": (11, "set", "set"),
    "_CELL": (12, "cell", "cell"),
    "_FUNC": (13, "function", "function"),
    "_NAMED": (14, "built-in by name", "built-in by name"),
    "_METHOD": (15, "bound method", "bound method"),
    "_HOST": (16, "host value", "host value"),
}


def test_the_format_document_and_the_module_docstring_list_the_same_tags():
    doc = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "snapshot-format.md").read_text()
    brief = " ".join(sn.__doc__.split())
    assert f"# Snapshot format, version {sn.FORMAT_VERSION}" in doc
    assert f"Layout, version {sn.FORMAT_VERSION}" in brief
    for const, (num, in_doc, in_brief) in _TAGS.items():
        assert getattr(sn, const) == num
        assert f"| {num} | {in_doc} |" in doc, const
        assert f"{num} {in_brief}" in brief, const
    for field in ("version:uv(1) script_hash:32 bytes flags:uv(0)", "table_len:uv thread_len:uv"):
        assert field in brief
    assert doc.index("| script hash |") < doc.index("| flags |") < doc.index("| table length |")
