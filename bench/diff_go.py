"""Differential testing against starlark-go: random programs, run by both.

    bash bench/setup_peers.sh                      # once: the peers' venvs
    .venv/bin/python bench/diff_go.py --seeds 0:600
    .venv/bin/python bench/diff_go.py --show 334   # print one seed's program

Each seed gives (default `--family random`) a program of a few defs
(statements over their parameters: assignments, augmented and indexed
assignments, loops, ifs, appends to a global list) and top-level calls of
them with literal arguments of every type, some through a comprehension so
one def sees several argument types.
Expressions mix operators, indexing, slicing, built-ins, methods,
comprehensions, lambdas and `%` formatting over values of any type, so most
programs stop at an error: what is compared is the whole outcome, `out`'s
value or the error's backtrace (frames, positions, message), as starlark-go
renders it. starflow runs each program three ways: `exec_file` without a
budget (no step counting), with one, and in a `Thread` (every call a call
site), since each is compiled differently.

`--family typed` gives well-typed programs instead (`TypedProgram`): most
run to their end, through the type-specialized code (clones of defs called
in loops, typed returns, owned and lent lists). `--family syntax` gives
programs of the random family with one token changed (`SyntaxProgram`):
mostly syntax errors, whose position and message are compared.

Differences are printed; a crash of starflow's (an exception other than a
Starlark error) is always one. A program starlark-go runs for longer than
`--go-timeout` seconds (it has no step budget) is skipped. Known, documented
differences are listed in docs/differences.md; pass `--skip-known` to leave
them out. The cases found so far are regression tests in
tests/starlark/test_go_agreement.py.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import random
import re
import resource
import select
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import starflow.starlark as sl  # noqa: E402

PEERS = pathlib.Path(os.environ.get("PEERS_DIR", pathlib.Path(tempfile.gettempdir()) / "peers"))
GO_PY = str(PEERS / "venv/bin/python")

# -------------------------------------------------------------- programs

INTS = ["0", "1", "2", "3", "-1", "7", "10", "-4", "2147483647", "4294967296"]
BIG = ["-9223372036854775808", "100000000000000000000"]
# (ASCII only: starflow's strings are code points, Go's UTF-8 bytes; documented)
STRS = ['""', '"a"', '"abc"', '"a,b,c"', '"Hello World"', '"  x y  "', '"ba%sr"', '"123"']
FLOATS = ["0.5", "1.0", "-2.5", "1e10", "0.0", "3.25", "1e308", "-0.0"]
FLOATS += ["float('nan')", "float('inf')"]
BUILTINS = [
    "len", "str", "int", "bool", "list", "tuple", "sorted", "reversed", "abs", "min",
    "max", "type", "repr", "hash", "any", "all", "enumerate", "dict", "float",
]  # fmt: skip
STR_METHODS = [
    "upper()", "lower()", "split(',')", "strip()", "replace('a', 'x')", "find('b')",
    "startswith('a')", "endswith('c')", "count('a')", "join(['p', 'q'])", "format(1)",
    "isdigit()", "title()", "index('a')", "splitlines()", "partition(',')", "elems()",
]  # fmt: skip
CONTAINER_METHODS = [
    "get('a')", "get(1, 0)", "keys()", "values()", "items()", "pop('a', 5)",
    "setdefault('z', 3)", "index(1)", "append(4)", "pop()", "extend([1])", "insert(0, 9)",
    "remove(1)", "clear()", "update({'q': 1})", "copy()",
]  # fmt: skip
BUILTINS2 = [
    "zip", "enumerate", "min", "max", "getattr", "hasattr", "int", "sorted", "range",
    "dict", "list",
]  # fmt: skip
FORMATS = ["'%d'", "'%s'", "'%r'", "'%x'", "'%o'", "'%e'", "'%f'", "'%g'", "'%5d'", "'%%%s'"]
METHODS_ARGS = [
    "split", "rsplit", "join", "replace", "find", "rfind", "index", "rindex", "count",
    "startswith", "endswith", "strip", "lstrip", "rstrip", "partition", "rpartition",
    "splitlines", "removeprefix", "removesuffix", "format", "capitalize", "isalpha",
    "isspace", "istitle", "codepoints", "elem_ords", "get", "pop", "index", "insert",
    "remove", "extend", "setdefault", "update", "popitem", "keys",
]  # fmt: skip
BINOPS = [
    "+", "-", "*", "//", "%", "+", "+", "==", "!=", "<", ">=", "in", "not in", "and", "or",
    "|", "&", "^", "<<", ">>", "/",
]  # fmt: skip


class Program:
    """A random program from one seed (see the module's docstring)."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def pick(self, xs: list[str]) -> str:
        return self.r.choice(xs)

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def literal(self) -> str:
        kind = self.r.randrange(11)
        if kind < 3:
            return self.pick(INTS + BIG if self.chance(0.1) else INTS)
        if kind < 5:
            return self.pick(STRS)
        small = INTS[:8]
        if kind == 5:
            return "[" + ", ".join(self.pick(small) for _ in range(self.r.randint(0, 4))) + "]"
        if kind == 6:
            n = self.r.randint(0, 3)
            items = ", ".join(self.pick(small) for _ in range(n))
            return "(" + items + ("," if n == 1 else "") + ")"
        if kind == 7:
            keys = ["'a'", "'b'", "'c'", "1", "2"]
            n = self.r.randint(0, 3)
            return "{" + ", ".join(f"{self.pick(keys)}: {self.pick(small)}" for _ in range(n)) + "}"
        if kind == 8:
            return self.pick(FLOATS)
        return self.pick(["True", "False", "None"])

    def expr(self, names: list[str], d: int = 0) -> str:
        if d > 3 or self.chance(0.25):
            return self.pick(names) if names and self.chance(0.6) else self.literal()

        def sub() -> str:
            return self.expr(names, d + 1)

        k = self.r.randrange(26)
        if k <= 4:
            return f"({sub()} {self.pick(BINOPS)} {sub()})"
        if k == 5:
            return f"({self.pick(['-', 'not ', '~', '+'])}{sub()})"
        if k == 6:
            return f"{sub()}[{sub()}]"
        if k == 7:
            return f"{sub()}[{self.pick(['', '1', '-1', '0'])}:{self.pick(['', '2', '-1'])}]"
        if k == 8:
            return f"{self.pick(BUILTINS)}({sub()})"
        if k == 9:
            return f"({sub()}).{self.pick(STR_METHODS)}"
        if k == 10:
            return f"({sub()}).{self.pick(CONTAINER_METHODS)}"
        if k == 11:
            return f"({sub()} if {sub()} else {sub()})"
        if k == 12:
            v = self.pick(["x", "y", "z"])
            inner = [*names, v]
            cond = f" if {self.expr(inner, d + 1)}" if self.chance(0.4) else ""
            return f"[{self.expr(inner, d + 1)} for {v} in {sub()}{cond}]"
        if k == 13:
            v = self.pick(["x", "y"])
            return f"{{{self.expr([*names, v], d + 1)}: {v} for {v} in {sub()}}}"
        if k == 14:
            rev = ", reverse = True" if self.chance(0.3) else ""
            return f"sorted({sub()}, key = lambda v: {self.expr([*names, 'v'], d + 1)}{rev})"
        if k == 15:
            return f"[{sub()}, {sub()}]"
        if k == 16:
            return f"({sub()}, {sub()})"
        if k == 17:
            return f"{{{self.pick(STRS)}: {sub()}}}"
        if k == 18:
            return f"'%s-%d' % ({sub()}, {sub()})"
        if k == 19:
            return f"range({sub()})"
        if k == 20:
            return f"{self.pick(BUILTINS2)}({sub()}, {sub()})"
        if k == 21:
            return f"{sub()}[{self.pick(['::-1', '::2', '1::2', ':-1:-1', '::0'])}]"
        if k == 22:
            fmt = self.pick(["'{} {}'", "'{0}{1}{0}'", "'{x}'", "'{}'", "'{!r}'"])
            return f"{fmt}.format({sub()}, {sub()})"
        if k == 23:
            return f"{self.pick(FORMATS)} % {sub()}"
        # a method with arguments of any type
        m = self.pick(METHODS_ARGS)
        args = ", ".join(sub() for _ in range(self.r.randint(0, 2)))
        return f"({sub()}).{m}({args})"

    def stmts(self, names: list[str], indent: int, n: int, in_loop: bool, d: int) -> list[str]:
        out: list[str] = []
        for _ in range(n):
            out += self.stmt(names, indent, in_loop, d)
        return out

    def stmt(self, names: list[str], indent: int, in_loop: bool, d: int) -> list[str]:
        p = "    " * indent
        k = self.r.randrange(3) if d > 2 else self.r.randrange(13)
        if k <= 2 or not names:
            v = self.pick(["a", "b", "c", "t", "u"])
            line = f"{p}{v} = {self.expr(names)}"
            if v not in names:
                names.append(v)
            return [line]
        if k == 3:
            op = self.pick(["+=", "-=", "*=", "//=", "%=", "|="])
            return [f"{p}{self.pick(names)} {op} {self.expr(names)}"]
        if k == 4:
            return [f"{p}{self.pick(names)}[{self.expr(names)}] = {self.expr(names)}"]
        if k == 5:
            return [f"{p}{self.pick(names)}[{self.expr(names)}] += {self.expr(names)}"]
        if k == 6:
            v = self.pick(["i", "j"])
            body = self.stmts([*names, v], indent + 1, self.r.randint(1, 3), True, d + 1)
            return [f"{p}for {v} in {self.expr(names)}:", *body]
        if k == 7:
            body = self.stmts(list(names), indent + 1, self.r.randint(1, 2), in_loop, d + 1)
            out = [f"{p}if {self.expr(names)}:", *body]
            if self.chance(0.5):
                out += [f"{p}else:", *self.stmts(list(names), indent + 1, 1, in_loop, d + 1)]
            return out
        if k == 8 and in_loop:
            return [f"{p}{self.pick(['break', 'continue'])}"]
        if k == 9 and len(names) >= 2:
            a, b = self.r.sample(names, 2)
            return [f"{p}{a}, {b} = {self.expr(names)}"]
        if k == 10:
            return [f"{p}{self.expr(names)}"]
        if k == 11 and d < 2:
            # a container changed while it is iterated (an error in Starlark)
            v = self.pick(names)
            change = self.pick(
                [f"{v}.append(1)", f"{v}[0] = 1", f"{v}.pop()", f"{v}.clear()", f"{v}['z'] = 1"]
            )
            return [f"{p}for i in {v}:", f"{p}    {change}"]
        return [f"{p}acc.append({self.expr(names)})"]

    def source(self) -> str:
        if self.chance(0.3):
            return self.calls()
        lines = ["acc = []"]
        defs: list[tuple[str, int]] = []
        for fi in range(self.r.randint(1, 3)):
            params = self.r.sample(["p", "q", "r", "s"], self.r.randint(1, 3))
            sig = list(params)
            if self.chance(0.3):
                sig[-1] += " = " + self.literal()
            lines.append(f"def f{fi}({', '.join(sig)}):")
            names = list(params)
            lines += self.stmts(names, 1, self.r.randint(1, 5), False, 0)
            lines.append(f"    return {self.expr(names)}")
            defs.append((f"f{fi}", len(params)))
            if self.chance(0.3):
                lines.append(f"h{fi} = lambda w: f{fi}(" + ", ".join(["w"] * len(params)) + ")")
        results = []
        for ci in range(self.r.randint(2, 6)):
            name, n = self.r.choice(defs)
            if self.chance(0.3):
                # the same def with arguments of several types
                each = ", ".join(["e"] * n)
                values = ", ".join(self.literal() for _ in range(3))
                lines.append(f"v{ci} = [{name}({each}) for e in [{values}]]")
            else:
                known = ["acc"] + [f"v{j}" for j in range(ci)]
                args = ", ".join(self.expr(known, 2) for _ in range(n))
                lines.append(f"v{ci} = {name}({args})")
            results.append(f"v{ci}")
        lines.append("out = str([" + ", ".join([*results, "acc"]) + "])")
        return "\n".join(lines) + "\n"

    def calls(self) -> str:
        """Defs of varied signatures, closures and lambdas, called with every
        kind of argument, bound or not."""
        sigs = [
            "a", "a, b", "a, b = 2", "a = 1, b = 2", "*args", "**kw", "a, *args", "a, **kw",
            "a, *args, **kw", "*, k", "a, *, k = 3", "a, *args, k", "a = [], b = {}",
        ]  # fmt: skip
        lines = ["acc = []"]
        names = []
        for fi in range(self.r.randint(1, 3)):
            sig = self.pick(sigs)
            params = [p.strip(" *").split("=")[0].strip() for p in sig.split(",")]
            params = [p for p in params if p]
            lines.append(f"def g{fi}({sig}):")
            if self.chance(0.4):
                # a closure over a parameter, changed through a list
                lines += [
                    "    box = [0]",
                    "    def inner(x):",
                    "        box[0] += 1",
                    f"        return [x, box[0], {params[0] if params else 'None'}]",
                    "    acc.append(inner(1))",
                ]
            lines.append(f"    return [{', '.join(params)}]")
            names.append(f"g{fi}")
        if self.chance(0.5):
            lines.append(f"lam = lambda x, y = 2, *r: [x, y, r, {self.literal()}]")
            names.append("lam")
        results = []
        for ci in range(self.r.randint(2, 6)):
            args = []
            for _ in range(self.r.randint(0, 4)):
                kind = self.r.randrange(6)
                v = self.expr(["acc"], 3)
                if kind < 3:
                    args.append(v)
                elif kind == 3:
                    args.append(f"{self.pick(['a', 'b', 'k', 'x', 'y', 'z'])} = {v}")
                elif kind == 4:
                    args.append(f"*{self.pick(['[1, 2]', '()', '(3,)', v])}")
                else:
                    args.append("**" + self.pick(["{}", "{'k': 1}", "{'a': 1}", v]))
            lines.append(f"v{ci} = {self.pick(names)}({', '.join(args)})")
            results.append(f"v{ci}")
        lines.append("out = str([" + ", ".join([*results, "acc"]) + "])")
        return "\n".join(lines) + "\n"


_PREFIX = {
    "int": "i",
    "str": "s",
    "list": "l",
    "dict": "d",
    "bool": "b",
    "tuple": "t",
    "float": "g",
}


class TypedProgram(Program):
    """A well-typed random program: it mostly runs to its end, through the
    compiler's type-specialized paths (clones of defs called in loops,
    parameters of known type, owned and lent lists, typed returns)."""

    TYPES = ("int", "int", "int", "str", "list", "dict", "bool", "tuple", "float")

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.defs: list[tuple[str, list[str], str]] = []  # name, parameter types, return type
        self.fresh = 0

    def var(self, env: dict[str, str], t: str) -> str | None:
        vs = [v for v, vt in env.items() if vt == t]
        return self.pick(vs) if vs else None

    def lit(self, t: str) -> str:
        r = self.r
        if t == "int":
            return self.pick(["0", "1", "2", "3", "5", "7", "-3", "10", "1000003", "4294967296"])
        if t == "str":
            return self.pick(['""', '"a"', '"ab"', '"abc"', '"a,b"', '"x y"', '"Zz"'])
        if t == "list":
            return "[" + ", ".join(str(r.randint(-3, 9)) for _ in range(r.randint(0, 4))) + "]"
        if t == "dict":
            ks = r.sample(["a", "b", "c", "ab"], r.randint(0, 3))
            return "{" + ", ".join(f'"{k}": {r.randint(0, 5)}' for k in ks) + "}"
        if t == "bool":
            return self.pick(["True", "False"])
        if t == "tuple":
            return f"({r.randint(-2, 5)}, {r.randint(0, 5)})"
        return self.pick(["0.5", "1.0", "-2.5", "3.25", "0.0"])

    def e(self, t: str, env: dict[str, str], d: int = 0) -> str:
        """An expression of type `t` (never failing, but for rare chosen errors)."""
        if d > 3 or self.chance(0.3):
            v = self.var(env, t)
            return v if v is not None and self.chance(0.75) else self.lit(t)

        def s(tt: str) -> str:
            return self.e(tt, env, d + 1)

        k = self.r.randrange(12)
        calls = [(n, ps) for n, ps, rt in self.defs if rt == t]
        if k == 0 and calls:
            n, ps = self.pick(calls)
            return f"{n}({', '.join(s(p) for p in ps)})"
        if k == 1:
            return f"({s(t)} if {s('bool')} else {s(t)})"
        if t == "int":
            k = self.r.randrange(16)
            if k < 4:
                return f"({s('int')} {self.pick(['+', '-', '*', '+'])} {s('int')})"
            if k == 4:
                return f"({s('int')} {self.pick(['//', '%'])} ({s('int')} % 7 + 1))"
            if k == 5:
                return f"len({s(self.pick(['list', 'str', 'dict']))})"
            if k == 6:
                lst = s("list")
                return f"([0] + {lst})[{s('int')} % (len({lst}) + 1)]"
            if k == 7:
                return f"{s('dict')}.get({s('str')}, {s('int')})"
            if k == 8:
                return f"{s('tuple')}[{self.pick(['0', '1', '-1'])}]"
            if k == 9:
                return f"({s('int')} {self.pick(['&', '|', '^'])} {s('int')})"
            if k == 10:
                return f"({s('int')} {self.pick(['<<', '>>'])} ({s('int')} % 5))"
            if k == 11:
                return f"{self.pick(['abs', 'int'])}({s('int')})"
            if k == 12:
                return f"{self.pick(['min', 'max'])}({s('int')}, {s('int')})"
            if k == 13:
                return f"{s('str')}.{self.pick(['find', 'count', 'rfind'])}({s('str')})"
            if k == 14:
                return f"int({s('float')})"
            return f"(-{s('int')})"
        if t == "str":
            k = self.r.randrange(8)
            if k < 2:
                return f"({s('str')} + {s('str')})"
            if k == 2:
                return f"{s('str')}.{self.pick(['upper()', 'lower()', 'strip()', 'title()'])}"
            if k == 3:
                return f"str({s(self.pick(['int', 'list', 'tuple', 'bool', 'dict']))})"
            if k == 4:
                return f"'%s-%d' % ({s('str')}, {s('int')})"
            if k == 5:
                return f"{s('str')}[{self.pick(['1:', ':2', '::-1', '1:3'])}]"
            if k == 6:
                return f'",".join([str(v) for v in {s("list")}])'
            return f"{s('str')}.replace({s('str')}, {s('str')})"
        if t == "bool":
            k = self.r.randrange(6)
            if k < 2:
                tt = self.pick(["int", "str", "int", "float"])
                return f"({s(tt)} {self.pick(['<', '<=', '==', '!=', '>'])} {s(tt)})"
            if k == 2:
                return f"({s('int')} in {s('list')})"
            if k == 3:
                return f"({s('str')} {self.pick(['in', 'not in'])} {s('dict')})"
            if k == 4:
                return f"(not {s('bool')})"
            return f"({s('bool')} {self.pick(['and', 'or'])} {s('bool')})"
        if t == "list":
            k = self.r.randrange(9)
            if k < 2:
                return f"({s('list')} + {s('list')})"
            if k == 2:
                c = f" if v % {self.pick(['2', '3'])}" if self.chance(0.5) else ""
                return f"[v * {s('int')} for v in {s('list')}{c}]"
            if k == 3:
                key = (
                    f", key = lambda v: {self.pick(['-v', 'v % 3', 'abs(v)'])}"
                    if self.chance(0.6)
                    else ""
                )
                return f"sorted({s('list')}{key})"
            if k == 4:
                return f"{s('list')}[{self.pick(['1:', ':2', '::-1', '::2'])}]"
            if k == 5:
                return f"list(range({s('int')} % 6))"
            if k == 6:
                return f"{s('dict')}.values()"
            if k == 7:
                return f"[{s('int')}, {s('int')}]"
            return f"[len(k) for k in {s('dict')}]"
        if t == "dict":
            k = self.r.randrange(4)
            if k == 0:
                return f"{{k: v for k, v in {s('dict')}.items() if v != {s('int')}}}"
            if k == 1:
                return f"dict({s('dict')})"
            if k == 2:
                return f"{{{s('str')}: {s('int')}}}"
            return f"{{str(v): v for v in {s('list')}}}"
        if t == "tuple":
            if self.chance(0.5):
                return f"({s('int')}, {s('int')})"
            return f"divmod2({s('int')}, {s('int')} % 5 + 1)"
        k = self.r.randrange(3)
        if k == 0:
            return f"({s('int')} / ({s('int')} % 4 + 1))"
        if k == 1:
            return f"({s('float')} * {s(self.pick(['int', 'float']))})"
        return f"float({s('int')})"

    def stmts(self, env, indent, n, in_loop, d, ret) -> list[str]:
        out: list[str] = []
        for _ in range(n):
            out += self.stmt(env, indent, in_loop, d, ret)
        return out or ["    " * indent + "pass"]

    def stmt(self, env, indent, in_loop, d, ret) -> list[str]:
        p = "    " * indent
        r = self.r
        k = r.randrange(4) if d > 2 else r.randrange(17)
        if k <= 2 or not env:
            t = self.pick(self.TYPES)
            same = [v for v, vt in env.items() if vt == t]
            if same and self.chance(0.5):
                v = self.pick(same)
            else:
                self.fresh += 1
                v = f"{_PREFIX[t]}{self.fresh}"
            line = f"{p}{v} = {self.e(t, env)}"
            env[v] = t
            return [line]
        if k == 3:
            t = self.pick(["int", "int", "str", "list", "float"])
            v = self.var(env, t)
            if v is None:
                return []
            op = self.pick(["+=", "-=", "*=", "%="]) if t == "int" else "+="
            rhs = self.e(t, env)
            if op == "%=":
                rhs = f"({rhs} % 9 + 1)"
            return [f"{p}{v} {op} {rhs}"]
        if k == 4:
            v = self.var(env, "list")
            if v is None:
                return []
            m = self.pick(["append", "extend", "insert", "pop", "remove", "setitem", "sort"])
            if m == "append":
                return [f"{p}{v}.append({self.e('int', env)})"]
            if m == "extend":
                return [f"{p}{v}.extend({self.e('list', env)})"]
            if m == "insert":
                return [f"{p}{v}.insert({self.e('int', env)}, {self.e('int', env)})"]
            if m == "pop":
                return [f"{p}if {v}:", f"{p}    {v}.pop()"]
            if m == "remove":
                x = self.e("int", env)
                return [f"{p}if {x} in {v}:", f"{p}    {v}.remove({x})"]
            if m == "sort":
                return [f"{p}{v} = sorted({v}, reverse = {self.lit('bool')})"]
            i = self.e("int", env)
            return [
                f"{p}if {v}:",
                f"{p}    {v}[{i} % len({v})] {self.pick(['=', '+='])} {self.e('int', env)}",
            ]
        if k == 5:
            v = self.var(env, "dict")
            if v is None:
                return []
            key = self.e("str", env)
            m = self.r.randrange(4)
            if m == 0:
                return [f"{p}{v}[{key}] = {self.e('int', env)}"]
            if m == 1:
                return [f"{p}{v}[{key}] = {v}.get({key}, 0) + {self.e('int', env)}"]
            if m == 2:
                return [f"{p}{v}.setdefault({key}, {self.e('int', env)})"]
            return [f"{p}{v}.pop({key}, None)"]
        if k in (6, 7):
            lv = f"e{d}"
            src = self.pick(["list", "range", "dict", "str"])
            if src == "range":
                it = f"range({self.e('int', env)} % 12)"
                et = "int"
            elif src == "dict":
                it = self.e("dict", env)
                et = "str"
            elif src == "str":
                it = f"{self.e('str', env)}.elems()"
                et = "str"
            else:
                it = self.e("list", env)
                et = "int"
            inner = dict(env)
            inner[lv] = et
            body = self.stmts(inner, indent + 1, r.randint(1, 3), True, d + 1, ret)
            self.merge(env, inner)
            return [f"{p}for {lv} in {it}:", *body]
        if k == 8:
            a, b = dict(env), dict(env)
            body = self.stmts(a, indent + 1, r.randint(1, 2), in_loop, d + 1, ret)
            out = [f"{p}if {self.e('bool', env)}:", *body]
            if self.chance(0.5):
                out += [
                    f"{p}else:",
                    *self.stmts(b, indent + 1, r.randint(1, 2), in_loop, d + 1, ret),
                ]
            self.merge(env, a, b)
            return out
        if k == 9 and in_loop:
            return [f"{p}if {self.e('bool', env)}:", f"{p}    {self.pick(['break', 'continue'])}"]
        if k == 10:
            a, b = self.fresh + 1, self.fresh + 2
            self.fresh += 2
            line = f"{p}i{a}, i{b} = {self.e('tuple', env)}"
            env[f"i{a}"] = env[f"i{b}"] = "int"
            return [line]
        if k == 11:
            return [f"{p}acc.append({self.e(self.pick(self.TYPES), env)})"]
        if k == 12 and ret is not None:
            return [f"{p}if {self.e('bool', env)}:", f"{p}    return {self.e(ret, env)}"]
        if k == 13:
            # a closure over a local list, called in a loop
            self.fresh += 1
            n = self.fresh
            return [
                f"{p}box{n} = [0]",
                f"{p}def bump{n}(x):",
                f"{p}    box{n}[0] += x",
                f"{p}    return box{n}[0]",
                f"{p}for j{n} in range(3):",
                f"{p}    acc.append(bump{n}(j{n} + {self.e('int', env)}))",
            ]
        if k == 14:
            # a higher-order call through a lambda or a def value
            fs = [n for n, ps, rt in self.defs if ps == ["int"] and rt == "int"]
            f = self.pick(fs) if fs and self.chance(0.6) else f"lambda z: z * {self.lit('int')}"
            self.fresh += 1
            v = f"i{self.fresh}"
            line = f"{p}{v} = apply({f}, {self.e('int', env)})"
            env[v] = "int"
            return [line]
        if k == 15 and d < 2:
            # a list changed while it is iterated: an error in Starlark, also
            # through a call that reaches the same list
            v = self.var(env, "list")
            if v is None:
                return []
            ch = self.pick([f"{v}.append(1)", f"{v}[0] = 1", f"grow({v})", f"{v}.clear()"])
            return [f"{p}for w in {v}:", f"{p}    if w > {self.lit('int')}:", f"{p}        {ch}"]
        return [f"{p}acc.append({self.e('int', env)})"]

    def merge(self, env, *branches) -> None:
        """After a branch or a loop: a name keeps its type only if every way
        through gives it that type (names bound in one way only stay out)."""
        for br in branches:
            for v in [v for v in env if br.get(v, env[v]) != env[v]]:
                del env[v]

    def source(self) -> str:
        r = self.r
        lines = [
            "acc = []",
            "def divmod2(a, b):",
            "    return (a // b, a % b)",
            "def apply(f, x):",
            "    return f(x)",
            "def grow(xs):",
            "    xs.append(0)",
        ]
        for fi in range(r.randint(1, 4)):
            ps = [self.pick(self.TYPES[:7]) for _ in range(r.randint(1, 3))]
            rt = self.pick(self.TYPES)
            names = [f"p{j}" for j in range(len(ps))]
            env = dict(zip(names, ps, strict=True))
            lines.append(f"def f{fi}({', '.join(names)}):")
            lines += self.stmts(env, 1, r.randint(1, 6), False, 0, rt)
            lines.append(f"    return {self.e(rt, env)}")
            self.defs.append((f"f{fi}", ps, rt))
        env: dict[str, str] = {"acc": "list"}
        results = []
        for ci in range(r.randint(2, 5)):
            n, ps, rt = self.pick(self.defs)
            if self.chance(0.3):
                args = ", ".join(self.e(p, env, 1) for p in ps)
                lines.append(f"r{ci} = {n}({args})")
            else:
                # called in a loop (a comprehension or a def's): the def gets a clone
                args = ", ".join(
                    "k" if p == "int" and self.chance(0.5) else self.e(p, env, 2) for p in ps
                )
                if self.chance(0.5):
                    lines.append(f"r{ci} = [{n}({args}) for k in range({r.randint(1, 30)})]")
                else:
                    lines += [
                        f"def run{ci}():",
                        "    r = []",
                        f"    for k in range({r.randint(1, 30)}):",
                        f"        r.append({n}({args}))",
                        "    return r",
                        f"r{ci} = run{ci}()",
                    ]
            results.append(f"r{ci}")
        if self.chance(0.4):
            lines.append("def top():")
            lines.append("    out = []")
            for n, ps, _ in self.defs[: r.randint(1, len(self.defs))]:
                lines.append("    for m in range(4):")
                args = ", ".join("m" if p == "int" else self.e(p, {}, 2) for p in ps)
                lines.append(f"        out.append({n}({args}))")
            lines.append("    return out")
            lines.append("rm = top()")
            results.append("rm")
        lines.append("out = str([" + ", ".join([*results, "acc"]) + "])")
        return "\n".join(lines) + "\n"


# -------------------------------------------------------------- running

_GO_SERVER = """
import json, sys
import starlark_go
for line in sys.stdin:
    s = starlark_go.Starlark()
    try:
        s.exec(json.loads(line), filename="t.star")
        r = {"value": str(s.get("out"))}
    except starlark_go.errors.EvalError as e:
        r = {"error": e.backtrace}
    except Exception as e:
        r = {"static": str(e)}
    print(json.dumps(r), flush=True)
"""


class SyntaxProgram:
    """A program of the random family with one token deleted, doubled,
    replaced or inserted: mostly a syntax error, whose position and message
    are compared (run it with --skip-known: starflow reports every static
    error of a file, Go its first)."""

    TOKENS = [
        ")", "(", "]", "[", "}", "{", ",", ":", "=", "+", "-", "*", "%", ".", "not", "in",
        "for", "if", "else", "elif", "lambda", "def", "return", "pass", "and", "or",
        "1", "x", '"s"', "\n", "  ", "**", "+=", "==", ";", "load",
    ]  # fmt: skip

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.r = random.Random(seed * 7 + 1)

    def source(self) -> str:
        base = Program(self.seed).source()
        spans = [m.span() for m in re.finditer(r'\w+|"[^"\n]*"|\n|\S', base)]
        a, b = self.r.choice(spans)
        kind = self.r.choice(["delete", "double", "replace", "insert"])
        new = self.r.choice(self.TOKENS)
        if kind == "delete":
            return base[:a] + base[b:]
        if kind == "double":
            return base[:b] + " " + base[a:b] + base[b:]
        if kind == "replace":
            return base[:a] + new + base[b:]
        return base[:a] + new + " " + base[a:]


def ours(src: str, mode: str) -> dict:
    try:
        if mode == "thread":
            th = sl.Thread.start("t.star", src + "def main():\n    return out\n", max_steps=10**7)
            return {"value": str(sl.to_python(th.resume().value))}
        g = sl.exec_file("t.star", src, max_steps=10**7 if mode == "budget" else None)
        return {"value": str(sl.to_python(g["out"]))}
    except sl.EvalError as e:
        return {"error": e.backtrace()}
    except sl.StarlarkSyntaxError as e:
        return {"static": str(e)}
    except Exception as e:  # noqa: BLE001 - any other exception is a bug of ours
        return {"crash": f"{type(e).__name__}: {e}"}


def known(go: dict, got: dict) -> bool:
    """A documented difference (docs/differences.md): a static error of
    Go's among starflow's (starflow reports every static error of the file,
    in file order; Go's first comes from the order its resolver works in),
    or the wording of a syntax error's "want". (The name of a built-in
    before its message and the quotes around a parameter's name were the
    others, until stop 13 made them Go's.)"""
    if "static" not in go or "static" not in got:
        return False
    first_go = go["static"].splitlines()[0]
    # (starflow lists every static error, in file order: Go's first, from its
    # resolver's order of work, is one of them)
    return first_go in got["static"].splitlines() or "want" in first_go


# Neither implementation bounds memory (`[x for x in range(2**31)]` without
# a step budget takes it all): each process gets at most this much.
MEMORY = 4 << 30


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def _start_go() -> subprocess.Popen:
    return subprocess.Popen(
        [GO_PY, "-c", _GO_SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        preexec_fn=_limit_memory,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", default="0:300", help="START:STOP (default 0:300)")
    ap.add_argument("--show", type=int, help="print one seed's program and exit")
    ap.add_argument(
        "--family",
        choices=["random", "typed", "syntax"],
        default="random",
        help="random: statements and calls over values of any type (most stop at an error); "
        "typed: well-typed programs through the type-specialized paths; "
        "syntax: random programs with one token changed (syntax errors)",
    )
    ap.add_argument("--skip-known", action="store_true", help="leave documented differences out")
    ap.add_argument(
        "--go-timeout",
        type=float,
        default=120.0,
        help="seconds starlark-go may run one program (default 120): it has no step budget",
    )
    args = ap.parse_args()
    make = {"typed": TypedProgram, "syntax": SyntaxProgram}.get(args.family, Program)
    if args.show is not None:
        print(make(args.show).source(), end="")
        return
    if not os.path.exists(GO_PY):
        sys.exit(f"no {GO_PY}: run bench/setup_peers.sh first")
    start, stop = (int(x) for x in args.seeds.split(":"))
    _limit_memory()
    go = _start_go()
    differ = skipped = 0
    for seed in range(start, stop):
        src = make(seed).source()
        go.stdin.write(json.dumps(src) + "\n")
        go.stdin.flush()
        # (starlark-go has no step budget: a program may loop for hours)
        ready, _, _ = select.select([go.stdout], [], [], args.go_timeout)
        line = go.stdout.readline() if ready else ""
        if not line:  # starlark-go died (out of memory on `"x" * 2**40` ...) or ran too long
            if not ready:
                go.kill()
            go.wait()
            go = _start_go()
            skipped += 1
            why = "crashed" if ready else f"ran over {args.go_timeout:g} s"
            print(f"=== seed {seed}: starlark-go {why}, skipped\n")
            continue
        want = json.loads(line)
        # (one parser for the three: a syntax error needs only one; and a
        # thread's run adds a `main` to the source)
        modes = ("plain",) if args.family == "syntax" else ("plain", "budget", "thread")
        for mode in modes:
            got = ours(src, mode)
            if got == want or (args.skip_known and known(want, got)):
                continue
            if "MemoryError" in str(got) and mode == "plain":
                continue  # (out of memory without a budget: Go crashed too, or hit its limit first)
            differ += 1
            print(f"=== seed {seed} ({mode})\n--- starlark-go\n{want}\n--- starflow\n{got}\n")
            break
    go.stdin.close()
    go.wait()
    print(f"{differ} of {stop - start} programs differ ({skipped} skipped)")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
