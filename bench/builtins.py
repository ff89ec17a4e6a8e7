"""Micro-benchmark of the hot built-in functions and methods.

Times each built-in twice, printing ns per call:

- `py`: its Python implementation called directly (timeit, the minimum of
  several repeats), e.g. `strings.str_strip("  ab  ")`;
- `star`: a small Starlark loop making the same call through
  `starflow.starlark.exec_file`, minus the same loop without the call
  (so it includes the compiled code's dispatch to the built-in).

Usage (from the repository root):

    .venv/bin/python bench/builtins.py [--only strip,int] [--repeat 7] [--no-star]

The machine may be busy: compare runs made close together, and re-run before
trusting a small difference.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import timeit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import starflow.starlark as sl
from starflow.starlark import format as fmt
from starflow.starlark import strings, universe
from starflow.starlark.values import Dict, List

S = strings.STR_METHODS
L = universe.LIST_METHODS
D = universe.DICT_METHODS

# name -> (python statement, starlark statement); both see the names of ENV /
# the Starlark prelude below. `y = ...` so the Starlark statement is an assignment.
CASES: dict[str, tuple[str, str]] = {
    "percent %d": ("percent_format('k%d', 12345)", "y = 'k%d' % 12345"),
    "percent %s-%s": ("percent_format('%s-%s', ('ab', 'cd'))", "y = '%s-%s' % ('ab', 'cd')"),
    "percent %d,%s,%d": (
        "percent_format('%d,%s,%d', (7, 'name7', 21))",
        "y = '%d,%s,%d' % (7, 'name7', 21)",
    ),
    "percent %r": ("percent_format('<%r>', 'ab')", "y = '<%r>' % 'ab'"),
    "format {}:{}": ("format_('{}:{}', 12, 'ab')", "y = '{}:{}'.format(12, 'ab')"),
    "format {}: {} -> {}": (
        "format_('{}: {} -> {}', 12, 'k12', 5)",
        "y = '{}: {} -> {}'.format(12, 'k12', 5)",
    ),
    "format {0}{name}": (
        "format_('{0}-{name}', 1, name='x')",
        "y = '{0}-{name}'.format(1, name='x')",
    ),
    "str(int)": ("str_(12345)", "y = str(12345)"),
    "str(str)": ("str_('abc')", "y = str('abc')"),
    "str(float)": ("str_(1.5)", "y = str(1.5)"),
    "str(list)": ("str_(lst3)", "y = str(lst3)"),
    "int('12345')": ("int_('12345')", "y = int('12345')"),
    "int('-42')": ("int_('-42')", "y = int('-42')"),
    "int('ff', 16)": ("int_('ff', 16)", "y = int('ff', 16)"),
    "int(7)": ("int_(7)", "y = int(7)"),
    "list.append+pop": ("append(lst, 1); pop(lst)", "lst.append(1); y = lst.pop()"),
    "list.pop(-1)": ("append(lst, 1); pop(lst, -1)", "lst.append(1); y = lst.pop(-1)"),
    "dict.get hit": ("get(d, 'k1')", "y = d.get('k1')"),
    "dict.get miss int": ("get(d, 99, 0)", "y = d.get(99, 0)"),
    "dict.get tuple": ("get(d, ('a', 1))", "y = d.get(('a', 1))"),
    "dict.setdefault hit": ("setdefault(d, 'k1', 0)", "y = d.setdefault('k1', 0)"),
    "strip()": ("strip('  a b c  ')", "y = '  a b c  '.strip()"),
    "strip(';')": ("strip(';abc;', ';')", "y = ';abc;'.strip(';')"),
    "rstrip(';')": ("rstrip('abc;', ';')", "y = 'abc;'.rstrip(';')"),
    "lstrip()": ("lstrip('  abc')", "y = '  abc'.lstrip()"),
    "startswith": ("startswith('item-12', 'i1')", "y = 'item-12'.startswith('i1')"),
    "endswith": ("endswith('GROUP3', '3')", "y = 'GROUP3'.endswith('3')"),
    "endswith tuple": ("endswith('a.py', ('.go', '.py'))", "y = 'a.py'.endswith(('.go', '.py'))"),
    "replace": (
        "replace('item-12', 'item-', 'i')",
        "y = 'item-12'.replace('item-', 'i')",
    ),
    "find": ("find('Item-1 | value=7', 'value')", "y = 'Item-1 | value=7'.find('value')"),
    "count": ("count('Item-1 | value=7', 'e')", "y = 'Item-1 | value=7'.count('e')"),
    "index": ("index('Item-1 | value=7', 'value')", "y = 'Item-1 | value=7'.index('value')"),
    "split('|')": ("split('a | b | c', '|')", "y = 'a | b | c'.split('|')"),
    "split()": ("split('a b  c')", "y = 'a b  c'.split()"),
    "join": ("join(',', lst3s)", "y = ','.join(lst3s)"),
    "partition": ("partition('value=7', '=')", "y = 'value=7'.partition('=')"),
    "upper": ("upper('group7')", "y = 'group7'.upper()"),
    "lower": ("lower('Item-7')", "y = 'Item-7'.lower()"),
}

ENV = {
    "percent_format": fmt.percent_format,
    "format_": S["format"],
    "str_": universe.str_,
    "int_": universe.int_,
    "append": L["append"],
    "pop": L["pop"],
    "get": D["get"],
    "setdefault": D["setdefault"],
    **{name: S[name] for name in S},
}

PRELUDE = """
lst = []
lst3 = [1, "a", None]
lst3s = ["a", "bb", "ccc"]
d = {"k1": 1, "k2": 2, ("a", 1): 3}
"""


def fresh_env() -> dict:
    g = dict(ENV)
    g["lst"] = List()
    g["lst3"] = List([1, "a", None])
    g["lst3s"] = List(["a", "bb", "ccc"])
    g["d"] = Dict({"k1": 1, "k2": 2, ("a", 1): 3})
    return g


def time_py(stmt: str, repeat: int) -> float:
    t = timeit.Timer(stmt, globals=fresh_env())
    n, _ = t.autorange()
    n = max(n, 20000)
    return min(t.repeat(repeat, n)) / n * 1e9


def star_program(stmt: str, n: int) -> str:
    return f"""{PRELUDE}
def f(n):
    for i in range(n):
        {stmt}
f({n})
"""


def time_star(stmt: str, repeat: int, n: int) -> float:
    src = star_program(stmt, n)
    sl.exec_file("bench.star", src)  # compile (cached) and warm up
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        sl.exec_file("bench.star", src)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--only", help="comma-separated substrings of case names")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--n", type=int, default=100_000, help="Starlark loop iterations")
    ap.add_argument("--no-star", action="store_true", help="skip the Starlark timings")
    a = ap.parse_args()
    cases = CASES
    if a.only:
        keys = a.only.split(",")
        cases = {k: v for k, v in CASES.items() if any(s in k for s in keys)}
    base = 0.0
    if not a.no_star:
        base = time_star("y = i", a.repeat, a.n)
    print(f"# starflow from {os.path.dirname(sl.__file__)}")
    print(f"{'case':24} {'py ns':>8} {'star ns':>8}")
    for name, (pystmt, starstmt) in cases.items():
        py_ns = time_py(pystmt, a.repeat)
        if a.no_star:
            print(f"{name:24} {py_ns:8.0f}")
            continue
        st = (time_star(starstmt, a.repeat, a.n) - base) / a.n * 1e9
        print(f"{name:24} {py_ns:8.0f} {st:8.0f}", flush=True)


if __name__ == "__main__":
    main()
