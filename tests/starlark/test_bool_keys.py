"""True and 1 are distinct dict keys and set elements (values.BoolKeys).

Python's `True == 1` and `hash(True) == hash(1)`; Starlark's bool is not
an int. A random sequence of dict and set operations over keys that
Python confuses (True, 1, 1.0, False, 0, and tuples of them) runs in
Starlark and in a model keyed by Starlark's equality; they must agree,
with and without a step budget (two compile kinds). Snapshots keep the
keys' types.
"""

from __future__ import annotations

from ast import literal_eval

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from starflow.starlark import EvalError, Finished, Thread, exec_file, external, freeze
from starflow.starlark.format import repr_value
from starflow.starlark.values import BOOL_TYPES, Dict

_ATOMS = ["True", "False", "1", "0", "1.0", "0.0", '"a"']
_KEYS = [*_ATOMS, "(True,)", "(1,)", "(1.0, (False,))", "(1, (0,))", "(True, (False,))"]


def _canon(k):
    """A Python key equal exactly when the Starlark keys are: bool apart from numbers."""
    if type(k) is bool:
        return ("bool", k)
    if type(k) is tuple:
        return tuple(_canon(e) for e in k)
    return k  # (1 == 1.0 in Starlark too)


class _Model:
    """An insertion-ordered Starlark dict: canonical key -> (key, value)."""

    def __init__(self):
        self.d: dict = {}

    def set(self, k, v):
        c = _canon(k)
        if c in self.d:
            self.d[c] = (self.d[c][0], v)  # (the first key stays, as Go)
        else:
            self.d[c] = (k, v)

    def get(self, k):
        e = self.d.get(_canon(k))
        return None if e is None else e[1]

    def pop(self, k):
        e = self.d.pop(_canon(k), None)
        return None if e is None else e[1]

    def show(self):
        names = {bool: "bool", int: "int", float: "float", str: "string", tuple: "tuple"}
        return [(k, names[type(k)], v) for k, v in self.d.values()]


_OPS = ["set", "get", "in", "pop", "setdefault", "merge"]
_op = st.tuples(st.sampled_from(_OPS), st.sampled_from(_KEYS), st.integers(0, 9))


def _program(ops):
    lines = ["def f():", "    d = {}", "    out = []"]
    for op, k, v in ops:
        if op == "set":
            lines.append(f"    d[{k}] = {v}")
        elif op == "get":
            lines.append(f"    out.append(d.get({k}))")
        elif op == "in":
            lines.append(f"    out.append({k} in d)")
        elif op == "pop":
            lines.append(f"    out.append(d.pop({k}, None))")
        elif op == "setdefault":
            lines.append(f"    out.append(d.setdefault({k}, {v}))")
        else:
            lines.append(f"    d |= {{{k}: {v}}}")
    lines.append("    return out, [(k, type(k), v) for k, v in d.items()], d")
    lines.append("result = f()")
    return "\n".join(lines) + "\n"


def _expected(ops):
    m = _Model()
    out = []
    for op, k, v in ops:
        key = literal_eval(k)
        if op == "set" or op == "merge":
            m.set(key, v)
        elif op == "get":
            out.append(m.get(key))
        elif op == "in":
            out.append(_canon(key) in m.d)
        elif op == "pop":
            out.append(m.pop(key))
        else:
            got = m.get(key)
            if _canon(key) not in m.d:
                m.set(key, v)
                got = v
            out.append(got)
    return out, m.show()


def _typed(out):
    """`out`'s bools told apart from ints (Python's == would not)."""
    return [(type(x).__name__, x) for x in out]


@settings(max_examples=150, deadline=None)
@given(st.lists(_op, max_size=14), st.sampled_from([None, 10**6]))
def test_dict_operations_agree_with_a_model_that_keeps_bool_apart(ops, max_steps):
    src = _program(ops)
    out, items = _expected(ops)
    got_out, got_items, d = exec_file("t.star", src, max_steps=max_steps)["result"]
    assert _typed(got_out) == _typed(out)
    got = [(k, t, v) for k, t, v in got_items]
    assert [(repr(k), t, v) for k, t, v in got] == [(repr(k), t, v) for k, t, v in items]
    # the dict prints, compares and counts as its items say
    assert len(d) == len(items)
    assert repr_value(d) == "{" + ", ".join(f"{repr_value(k)}: {v}" for k, _, v in items) + "}"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(_KEYS), max_size=8), st.lists(st.sampled_from(_KEYS), max_size=8))
def test_set_algebra_agrees_with_a_model_that_keeps_bool_apart(xs, ys):
    src = f"""
a = set([{", ".join(xs)}])
b = set([{", ".join(ys)}])
result = [list(s) for s in (a, a | b, a & b, a - b, a ^ b, a.union(b), a.intersection(b),
          a.difference(b), a.symmetric_difference(b))] + [a == b, a.issubset(b), a.isdisjoint(b)]
"""
    got = exec_file("t.star", src, options={"set"})["result"]
    a = _Model()
    b = _Model()
    for k in xs:
        a.set(literal_eval(k), None)
    for k in ys:
        b.set(literal_eval(k), None)
    ka = [k for k, _, _ in a.show()]
    kb = [k for k, _, _ in b.show()]
    inb = {_canon(k) for k in kb}
    ina = {_canon(k) for k in ka}
    union = ka + [k for k in kb if _canon(k) not in ina]
    inter = [k for k in ka if _canon(k) in inb]
    diff = [k for k in ka if _canon(k) not in inb]
    sym = diff + [k for k in kb if _canon(k) not in ina]
    want = [ka, union, inter, diff, sym, union, inter, diff, sym]
    for g, w in zip(got[:9], want, strict=True):
        assert [(type(k), repr(k)) for k in g] == [(type(k), repr(k)) for k in w]
    assert got[9:] == [ina == inb, ina <= inb, not (ina & inb)]


def test_a_dict_with_bool_keys_survives_a_snapshot_while_its_loop_is_suspended():
    src = """
def main():
    d = {1: "int", True: "bool", (True, 0): "t", (1, 0): "u"}
    seen = []
    for k in d:
        seen.append((k, type(k), ext(k)))
    d[False] = d[0] if 0 in d else "none"
    return seen, d, [type(k) for k in d]
"""
    pre = {"ext": external("ext")}
    t = Thread.start("w.star", src, predeclared=pre)
    r = t.resume()
    answers = 0
    while not isinstance(r, Finished):
        blob = t.snapshot()
        t = Thread.restore(blob, "w.star", src, predeclared=pre)
        answers += 1
        r = t.resume(answers)
    seen, d, types = r.value
    assert list(seen) == [
        (1, "int", 1),
        (True, "bool", 2),
        ((True, 0), "tuple", 3),
        ((1, 0), "tuple", 4),
    ]
    assert type(list(seen)[1][0]) is bool
    assert repr_value(d) == '{1: "int", True: "bool", (True, 0): "t", (1, 0): "u", False: "none"}'
    assert list(types) == ["int", "bool", "tuple", "tuple", "bool"]


def test_a_frozen_dict_with_bool_keys_stays_frozen_through_a_snapshot():
    src = """
def main():
    d = {"k": [1]}
    d[True] = [2]
    freeze_me(d)
    ext()
    return d
"""
    frozen = []
    pre = {"ext": external("ext"), "freeze_me": lambda d: frozen.append(freeze(d))}
    t = Thread.start("w.star", src, predeclared=pre)
    t.resume()
    t2 = Thread.restore(t.snapshot(), "w.star", src, predeclared=pre)
    d = t2.resume(None).value
    assert type(d) in BOOL_TYPES
    assert isinstance(d, Dict)
    assert d.frozen
    assert d[True].frozen
    assert d["k"].frozen
    assert list(d) == ["k", True]
    assert type(list(d)[1]) is bool


def test_bool_keys_fail_as_go_where_dicts_may_not_change():
    src = """
d = {True: 1}
def loop():
    for k in d:
        d[1] = 2
loop()
"""
    with pytest.raises(EvalError, match="cannot insert into hash table during iteration"):
        exec_file("t.star", src)
    src = "d = {True: 1}\nresult = d\n"
    g = exec_file("t.star", src)
    with pytest.raises(EvalError, match="cannot insert into frozen hash table"):
        exec_file("u.star", "d[False] = 0\n", predeclared={"d": g["result"]})
