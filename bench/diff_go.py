"""Differential testing against starlark-go: random programs, run by both.

    bash bench/setup_peers.sh                      # once: the peers' venvs
    .venv/bin/python bench/diff_go.py --seeds 0:600
    .venv/bin/python bench/diff_go.py --show 334   # print one seed's program

Each seed gives a program of a few defs (statements over their parameters:
assignments, augmented and indexed assignments, loops, ifs, appends to a
global list) and top-level calls of them with literal arguments of every
type, some through a comprehension so one def sees several argument types.
Expressions mix operators, indexing, slicing, built-ins, methods,
comprehensions, lambdas and `%` formatting over values of any type, so most
programs stop at an error: what is compared is the whole outcome, `out`'s
value or the error's backtrace (frames, positions, message), as starlark-go
renders it. starflow runs each program three ways: `exec_file` without a
budget (no step counting), with one, and in a `Thread` (every call a call
site), since each is compiled differently.

Differences are printed; a crash of starflow's (an exception other than a
Starlark error) is always one. Known, documented differences are listed in
docs/differences.md; pass `--skip-known` to leave them out. The cases found
so far are regression tests in tests/starlark/test_go_agreement.py.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import random
import resource
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
    """A documented difference (docs/differences.md): a syntax error's
    position and wording, the quotes around a parameter's name, or the
    built-in's name that starflow's messages carry, in `Error in abs: abs:
    got ...`."""
    if "static" in go and "static" in got:
        return True
    if "error" not in go or "error" not in got:
        return False

    # (Go quotes the name of a parameter given by name, not one given by
    # position; starflow always quotes `key` and `reverse`)
    def unquoted(e: str) -> str:
        return e.replace('for parameter "', "for parameter ").replace('": got', ": got")

    go, got = {"error": unquoted(go["error"])}, {"error": unquoted(got["error"])}
    if go == got:
        return True
    g, o = go["error"].rsplit("\n", 1), got["error"].rsplit("\n", 1)
    if g[0] != o[0] or not o[1].startswith("Error in "):
        return False
    name = o[1][len("Error in ") :].split(":", 1)[0]
    # (Go's float has no colon in it: "float got list, want number or string")
    theirs = g[1].replace(f"Error in {name}: {name} got ", f"Error in {name}: got ", 1)
    return o[1] == theirs.replace(f"Error in {name}: ", f"Error in {name}: {name}: ", 1)


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
    ap.add_argument("--skip-known", action="store_true", help="leave documented differences out")
    args = ap.parse_args()
    if args.show is not None:
        print(Program(args.show).source(), end="")
        return
    if not os.path.exists(GO_PY):
        sys.exit(f"no {GO_PY}: run bench/setup_peers.sh first")
    start, stop = (int(x) for x in args.seeds.split(":"))
    _limit_memory()
    go = _start_go()
    differ = skipped = 0
    for seed in range(start, stop):
        src = Program(seed).source()
        go.stdin.write(json.dumps(src) + "\n")
        go.stdin.flush()
        line = go.stdout.readline()
        if not line:  # starlark-go died (out of memory on `"x" * 2**40` ...)
            go.wait()
            go = _start_go()
            skipped += 1
            print(f"=== seed {seed}: starlark-go crashed, skipped\n")
            continue
        want = json.loads(line)
        for mode in ("plain", "budget", "thread"):
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
