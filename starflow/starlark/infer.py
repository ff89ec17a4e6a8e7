"""Local type inference: which locals of a function always hold an int (or a str, list, ...).

The compiler puts a type guard on every operator's fast path (`a + b if
type(a) is type(b) and ...`). When both operands are known ints, the guard
is dead weight: this module finds such facts so the compiler can drop it.

The analysis is flow-insensitive and per function. A Starlark local can only
be bound by statements of its own function (nested functions read it, never
assign it; there is no `nonlocal`), so the type of a local is the join of the
types of every value bound to it. Parameters are unknown (`*args` is a tuple,
`**kwargs` a dict). A fixpoint over the binding sites settles loops such as
`i = 0 ... i = i + 1`. A local read before any binding raises at run time
whatever its inferred type, so the facts hold wherever a value is read.

Types are small strings: "int", "str", "float", "bool", "list", "dict",
"tuple", "range", "function", "bytes", "none". ANY means unknown; None is
"no binding seen yet" (the bottom of the lattice).

Only the operators' own semantics are assumed: `int + int` is an int (or
the operation fails), `len(x)` is an int when `len` is the universal
built-in (the resolver tells us it is not shadowed), and so on.
"""

from __future__ import annotations

from . import syntax as s
from .syntax import Scope

__all__ = [
    "ANY",
    "CALL_RESULT",
    "ModuleTypes",
    "comprehension_types",
    "function_types",
    "module_types",
]

ANY = "any"

# Tests turn inference off to compare against the plain compile (every guard).
ENABLED = True

# universal built-ins whose result type does not depend on their arguments
CALL_RESULT = {
    "len": "int",
    "ord": "int",
    "hash": "int",
    "int": "int",
    "str": "str",
    "repr": "str",
    "type": "str",
    "chr": "str",
    "list": "list",
    "sorted": "list",
    "dir": "list",
    "dict": "dict",
    "tuple": "tuple",
    "range": "range",
    "bool": "bool",
    "float": "float",
    "any": "bool",
    "all": "bool",
    "hasattr": "bool",
}

# methods of a receiver of known type whose result type is fixed
_STR_METHODS = {
    **dict.fromkeys(
        "capitalize format join lower lstrip removeprefix removesuffix replace rstrip "
        "strip title upper".split(),
        "str",
    ),
    **dict.fromkeys("count find index rfind rindex".split(), "int"),
    **dict.fromkeys("split rsplit splitlines".split(), "list"),
    **dict.fromkeys("partition rpartition".split(), "tuple"),
    **dict.fromkeys(
        "endswith startswith isalnum isalpha isdigit islower isspace istitle isupper".split(),
        "bool",
    ),
}
_METHOD_RESULT = {
    "str": _STR_METHODS,
    "list": {"index": "int"},
    "dict": {"keys": "list", "values": "list", "items": "list"},
}


def method_result(recv: str, name: str) -> str | None:
    """The type of `x.name(...)` for a receiver of type `recv`, if fixed."""
    return _METHOD_RESULT.get(recv, {}).get(name)


def join(a: str | None, b: str | None) -> str | None:
    if a is None:
        return b
    if b is None or a == b:
        return a
    return ANY


def binary_type(op: str, x: str | None, y: str | None) -> str | None:
    """The type of `x op y` for operand types x and y (None: not known yet)."""
    if op in ("==", "!=", "<", "<=", ">", ">=", "in", "not in"):
        return "bool"
    if op in ("and", "or"):
        return join(x, y)
    if x is None or y is None:
        return None
    if op == "%" and x == "str":
        return "str"  # string interpolation
    if x == "int" and y == "int":
        return "float" if op == "/" else "int"
    # a str, list, tuple or bytes operand of + or * makes the result one too,
    # or the operation fails (str + str, list * int, 3 * "ab", ...)
    if op in ("+", "*"):
        for t in ("str", "list", "tuple", "bytes"):
            if t in (x, y):
                return t
    if op == "/" and x in ("int", "float") and y in ("int", "float"):
        return "float"
    if op in ("+", "-", "*", "//", "%") and {x, y} <= {"int", "float"}:
        return "float"
    return ANY


class _Typer:
    """Types of expressions, given the current types of the function's locals.

    `genv` holds the module's global types (module_types); `calls` the result
    type of a direct call of each global def, in the specialized world only
    (None elsewhere: such calls are unknown).
    """

    def __init__(
        self,
        env: dict[str, str | None],
        genv: dict[str, str | None] | None = None,
        calls: dict[str, str | None] | None = None,
        elems: dict[str, tuple | None] | None = None,
        lists: dict[str, str | None] | None = None,
    ):
        self.env = env
        self.genv = genv
        self.calls = calls
        self.elems = elems  # global def -> the types of the tuple it returns
        self.lists = lists  # global def -> the element type of the fresh list it returns
        # global def -> (its Function, the parameters it only reads): a list
        # given there stays owned (`_owned_lists`, module_types only)
        self.lends: dict[str, tuple[s.Function, set[str]]] | None = None

    def elem_type(self, call: s.Expr, i: int, n: int) -> str | None:
        """The type of element `i` of the `n`-tuple that `call` returns (unpacked)."""
        call = _unparen(call)
        if type(call) is not s.CallExpr:
            return ANY
        fn = _unparen(call.fn)
        if type(fn) is s.DotExpr and fn.name in ("partition", "rpartition") and n == 3:
            recv = self.typeof(fn.x)
            return None if recv is None else ("str" if recv == "str" else ANY)
        if self.elems is None:
            return ANY
        if type(fn) is not s.Ident or fn.scope is not Scope.GLOBAL or fn.name not in self.elems:
            return ANY
        if self.calls is not None and self.calls.get(fn.name) is None:
            return None  # (the def's returns are not known yet)
        e = self.elems[fn.name]
        if e is None or len(e) != n:
            return ANY
        return e[i]

    def elems_of(self, e: s.Expr) -> str | None:
        """The type of every element of iterable `e`, when known (else ANY).

        Known: a range (ints); an owned list local (its `name[]` entry, see
        `_owned_lists`); a fresh list (a display, a comprehension, `split`
        of a str, `sorted`/`list` of a known one, a slice or sum of known
        ones, a call of a def returning one).
        """
        e = _unparen(e)
        t = type(e)
        if t is s.Ident:
            if e.scope is Scope.LOCAL:
                return self.env.get(e.name + "[]", ANY)
            return ANY
        if t is s.ListExpr or t is s.TupleExpr:
            out: str | None = None
            for x in e.elts:
                out = join(out, self.typeof(x))
            return out
        if t is s.Comprehension:
            if e.is_dict:
                return ANY
            inner = _overlay(self.env, e, self.elems_of)
            return _Typer(inner, self.genv, self.calls, self.elems, self.lists).typeof(e.body)
        if t is s.CallExpr:
            fn = _unparen(e.fn)
            if type(fn) is s.Ident and fn.scope is Scope.UNIVERSAL:
                if fn.name == "range":
                    return "int"
                if fn.name in ("sorted", "list", "tuple", "reversed") and e.args:
                    return self.elems_of(e.args[0].value)
                return ANY
            if type(fn) is s.DotExpr and fn.name in ("split", "rsplit", "splitlines"):
                recv = self.typeof(fn.x)
                return None if recv is None else ("str" if recv == "str" else ANY)
            if (
                type(fn) is s.Ident
                and fn.scope is Scope.GLOBAL
                and self.lists is not None
                and fn.name in self.lists
            ):
                return self.lists[fn.name]
            return ANY
        if t is s.SliceExpr:
            return self.elems_of(e.x) if self.typeof(e.x) == "list" else ANY
        if t is s.BinaryExpr and e.op == "+" and self.typeof(e) == "list":
            return join(self.elems_of(e.x), self.elems_of(e.y))
        if t is s.BinaryExpr and e.op == "*" and self.typeof(e) == "list":
            x = e.x if self.typeof(e.x) == "list" else e.y
            return self.elems_of(x)
        return ANY

    def typeof(self, e: s.Expr) -> str | None:
        t = type(e)
        if t is s.Literal:
            v = e.value
            return {int: "int", str: "str", float: "float", bytes: "bytes"}.get(type(v), ANY)
        if t is s.Ident:
            if e.scope is Scope.LOCAL or e.scope is Scope.CELL or e.scope is Scope.FREE:
                return self.env.get(e.name, ANY)
            if e.scope is Scope.GLOBAL:
                return ANY if self.genv is None else self.genv.get(e.name, ANY)
            if e.scope is Scope.UNIVERSAL:
                if e.name in ("True", "False"):
                    return "bool"
                if e.name == "None":
                    return "none"
            return ANY
        if t is s.ParenExpr:
            return self.typeof(e.x)
        if t is s.BinaryExpr:
            return binary_type(e.op, self.typeof(e.x), self.typeof(e.y))
        if t is s.UnaryExpr:
            if e.op == "not":
                return "bool"
            x = self.typeof(e.x)
            if x is None or x in ("int", "float"):
                return x
            return ANY
        if t is s.CallExpr:
            fn = e.fn
            while type(fn) is s.ParenExpr:
                fn = fn.x
            if type(fn) is s.Ident and fn.scope is Scope.UNIVERSAL:
                return CALL_RESULT.get(fn.name, ANY)
            if type(fn) is s.Ident and fn.scope is Scope.GLOBAL and self.calls is not None:
                return self.calls.get(fn.name, ANY)
            if type(fn) is s.DotExpr:
                recv = self.typeof(fn.x)
                if recv is None:
                    return None
                if recv == "list" and fn.name == "pop":
                    return self.elems_of(fn.x)
                return _METHOD_RESULT.get(recv, {}).get(fn.name, ANY)
            return ANY
        if t is s.ListExpr:
            return "list"
        if t is s.DictExpr:
            return "dict"
        if t is s.TupleExpr:
            return "tuple"
        if t is s.Comprehension:
            return "dict" if e.is_dict else "list"
        if t is s.CondExpr:
            return join(self.typeof(e.then), self.typeof(e.else_))
        if t is s.LambdaExpr:
            return "function"
        if t is s.SliceExpr:
            x = self.typeof(e.x)
            return x if x in ("str", "list", "tuple", "bytes", None) else ANY
        if t is s.IndexExpr:
            x = self.typeof(e.x)
            if x is None:
                return None
            if x == "list":
                return self.elems_of(e.x)
            return "str" if x == "str" else ANY
        return ANY


def _overlay(env: dict, c: s.Comprehension, elems_of) -> dict:
    """The environment inside comprehension `c`: its variables shadow the function's."""
    inner = dict(env)
    for n, ct in comprehension_types(c, elems_of).items():
        inner[n] = ct if ct is not None else ANY
        inner.pop(n + "[]", None)
    return inner


def _unparen(e: s.Expr) -> s.Expr:
    while type(e) is s.ParenExpr:
        e = e.x
    return e


def is_range_call(e: s.Expr) -> bool:
    """Whether `e` is a call of the universal `range` (its elements are ints)."""
    e = _unparen(e)
    if type(e) is not s.CallExpr:
        return False
    fn = _unparen(e.fn)
    return type(fn) is s.Ident and fn.scope is Scope.UNIVERSAL and fn.name == "range"


def _bindings(stmts: list[s.Stmt], out: list) -> None:
    """Collect (name, how) for every binding of a local by these statements.

    `how` is an expression, ("aug", op, name, rhs), ("elem", call, i, n) (element
    i of the n-tuple a call returns, unpacked) or a type string.
    """
    for st in stmts:
        t = type(st)
        if t is s.AssignStmt:
            lhs = _unparen(st.lhs)
            if st.op == "=":
                _bind_target(lhs, st.rhs, out)
            elif type(lhs) is s.Ident:
                out.append((lhs.name, ("aug", st.op[:-1], lhs, st.rhs)))
        elif t is s.ForStmt:
            target = _unparen(st.target)
            if type(target) is s.Ident and is_range_call(st.iter):
                out.append((target.name, "int"))
            elif type(target) is s.Ident:
                out.append((target.name, ("elems", st.iter)))
            else:
                _bind_target(target, None, out)
            _bindings(st.body, out)
        elif t is s.WhileStmt:
            _bindings(st.body, out)
        elif t is s.IfStmt:
            _bindings(st.then, out)
            _bindings(st.else_, out)
        elif t is s.DefStmt:
            out.append((st.name.name, "function"))


def _bind_target(target: s.Expr, value: s.Expr | None, out: list) -> None:
    target = _unparen(target)
    if type(target) is s.Ident:
        out.append((target.name, value if value is not None else ANY))
        return
    if type(target) in (s.TupleExpr, s.ListExpr):
        v = _unparen(value) if value is not None else None
        if type(v) in (s.TupleExpr, s.ListExpr) and len(v.elts) == len(target.elts):
            for sub, sv in zip(target.elts, v.elts, strict=True):
                _bind_target(sub, sv, out)
        elif type(v) is s.CallExpr:
            n = len(target.elts)
            for i, sub in enumerate(target.elts):
                sub = _unparen(sub)
                if type(sub) is s.Ident:
                    out.append((sub.name, ("elem", v, i, n)))
                else:
                    _bind_target(sub, None, out)
        else:
            for sub in target.elts:
                _bind_target(sub, None, out)
    # x[i] = v and x.f = v bind no local


def function_types(
    fn: s.Function,
    params: dict[str, str] | None = None,
    genv: dict[str, str | None] | None = None,
    calls: dict[str, str | None] | None = None,
    elems: dict[str, tuple] | None = None,
    lists: dict[str, str] | None = None,
    free: dict[str, str] | None = None,
) -> dict[str, str]:
    """The known type of each local of `fn` that always holds one type.

    `params` gives the types of parameters known from every call (a global
    def's specialized clone, see `module_types`); the others are unknown.
    """
    if not ENABLED:
        return {}
    # every local starts at the bottom (no value seen); `_bindings` sees every
    # statement that can bind one, so a local left there is never bound. A
    # free variable has its type in the enclosing function (`free`): only
    # that function binds it, and a read before it does fails.
    env: dict[str, str | None] = {n: ANY for n in fn.freevars}
    env.update(free or {})
    env.update(dict.fromkeys(fn.locals))
    for p in fn.params:
        if p.name is None:
            continue
        if p.kind is s.ParamKind.STAR:
            env[p.name.name] = "tuple"
            env[p.name.name + "[]"] = (params or {}).get(p.name.name + "[]", ANY)
        elif p.kind is s.ParamKind.STARSTAR:
            env[p.name.name] = "dict"
        else:
            env[p.name.name] = (params or {}).get(p.name.name, ANY)
    env, _ = _analyze(fn, env, _Typer(env, genv, calls, elems, lists))
    return {k: v for k, v in env.items() if v is not None and v != ANY}


def _settle(
    stmts: list[s.Stmt], env: dict[str, str | None], typer: _Typer, extra: list = ()
) -> None:
    """Join into `env` the type of every binding in `stmts` (and `extra`), to a fixpoint."""
    sites: list = []
    _bindings(stmts, sites)
    sites.extend(extra)
    for _ in range(len(sites) * 3 + 3):  # each local can change at most twice
        changed = False
        for name, how in sites:
            if type(how) is str:
                t: str | None = how
            elif type(how) is tuple:
                if how[0] == "elem":
                    t = typer.elem_type(how[1], how[2], how[3])
                elif how[0] == "elems":
                    t = typer.elems_of(how[1])
                else:
                    _, op, ident, rhs = how
                    t = binary_type(op, typer.typeof(ident), typer.typeof(rhs))
            else:
                t = typer.typeof(how)
            new = join(env.get(name), t)
            if new != env.get(name):
                env[name] = new
                changed = True
        if not changed:
            break


# ---------------------------------------------------------------- the module


class ModuleTypes:
    """What `module_types` learns about a whole file.

    - `globals`: the type of each global that always holds one type (the join
      of every binding of it: a global is bound only by top-level statements
      of its own file, and a read before its binding fails).
    - The *specialized world* is the top level and the clones: there, a
      direct call `f(...)` of a global def (bound once, by a top-level `def`)
      calls `f`'s clone, compiled with `params[f]`: the join, over every such
      call, of the type of the argument each parameter receives (its
      default's when a call leaves it out). Nothing else calls a clone, so
      those types hold wherever the clone runs; its Function value (what
      escapes, and what nested functions and the plain defs call) stays the
      generic compile, with unknown parameters.
    - `returns[f]`: the type of every value the clone returns; `elems[f]`
      the types of the elements of the tuple it returns, when it always
      returns a tuple of one length (`q, r = divmod2(a, b)`).
    - `clones`: the defs worth a clone (a parameter of known type, or calls of
      global defs whose results get typed).
    - `escaped`: the defs a dynamic call may reach (used as values; every
      def when there is an entry); `lent[f]`: the parameters of clone `f`
      that only `f` reaches (docs/internals.md, "Freezing and iteration
      guards").
    """

    __slots__ = (
        "clones",
        "cold",
        "elems",
        "entries",
        "escaped",
        "globals",
        "lent",
        "lists",
        "params",
        "returns",
    )

    def __init__(self) -> None:
        self.globals: dict[str, str] = {}
        self.params: dict[str, dict[str, str]] = {}
        self.returns: dict[str, str] = {}
        self.elems: dict[str, tuple[str, ...]] = {}  # the element types of a returned tuple
        self.lists: dict[str, str] = {}  # the element type of a fresh list returned
        self.clones: set[str] = set()
        self.entries: set[str] = set()  # clones that take any arguments (a Thread's entry)
        self.escaped: set[str] = set()  # defs a dynamic call may reach (used as values)
        self.lent: dict[str, set[str]] = {}  # clone -> parameters only it can reach
        self.cold: set[str] = set()  # defs run at most once per call in straight top-level code


def _falls_through(stmts: list[s.Stmt]) -> bool:
    """Whether control may reach the end of `stmts` (an implicit `return None`)."""
    if not stmts:
        return True
    last = stmts[-1]
    if type(last) is s.ReturnStmt:
        return False
    if type(last) is s.IfStmt:
        return _falls_through(last.then) or _falls_through(last.else_)
    return True


def _bind_args(fn: s.Function, call: s.CallExpr, typeof) -> dict[str, str | None]:
    """The type each named parameter of `fn` receives from `call` (ANY when unknown)."""
    out: dict[str, str | None] = {}
    named = [p for p in fn.params if p.kind is s.ParamKind.NORMAL]
    if any(a.kind in (s.ArgKind.STAR, s.ArgKind.STARSTAR) for a in call.args):
        return {p.name.name: ANY for p in named}
    npos = 0
    for p in fn.params:
        if p.kind is not s.ParamKind.NORMAL:
            break
        npos += 1
    positional = [a for a in call.args if a.kind is s.ArgKind.POSITIONAL]
    for p, a in zip(named[:npos], positional, strict=False):
        out[p.name.name] = typeof(a.value)
    for a in call.args:
        if a.kind is s.ArgKind.KEYWORD and any(p.name.name == a.name for p in named):
            out[a.name] = join(out.get(a.name), typeof(a.value))
    return out


def _new_list(e: s.Expr) -> bool:
    """A list display or a list comprehension (`e` unparenthesized)."""
    return type(e) is s.ListExpr or (type(e) is s.Comprehension and not e.is_dict)


def _lendable(e: s.Expr, owned: set[str]) -> bool:
    """A list no other reference reaches: a display, a list comprehension, an owned local."""
    e = _unparen(e)
    if _new_list(e):
        return True
    return type(e) is s.Ident and e.scope is Scope.LOCAL and e.name in owned


def _star_elems(fn: s.Function, call: s.CallExpr, typer: _Typer) -> str | None:
    """The type of the elements `call` puts in `fn`'s `*args`: the join of
    the positional arguments past the named parameters' (of every positional
    argument and the elements of every `*x` when there is one); None when
    there are none."""
    npos = 0
    for p in fn.params:
        if p.kind is not s.ParamKind.NORMAL:
            break
        npos += 1
    starred = any(a.kind is s.ArgKind.STAR for a in call.args)
    out: str | None = None
    i = 0
    for a in call.args:
        if a.kind is s.ArgKind.POSITIONAL:
            if starred or i >= npos:
                out = join(out, typer.typeof(a.value))
            i += 1
        elif a.kind is s.ArgKind.STAR:
            out = join(out, typer.elems_of(a.value))
    return out


def _arg_params(fn: s.Function, call: s.CallExpr) -> list[str | None]:
    """The named parameter of `fn` each argument of `call` binds (None: none
    known, as for every argument of a call with `*x` or `**x`)."""
    if any(a.kind in (s.ArgKind.STAR, s.ArgKind.STARSTAR) for a in call.args):
        return [None] * len(call.args)
    positional: list[str] = []
    for p in fn.params:
        if p.kind is not s.ParamKind.NORMAL:
            break
        positional.append(p.name.name)
    named = {p.name.name for p in fn.params if p.kind is s.ParamKind.NORMAL}
    out: list[str | None] = []
    i = 0
    for a in call.args:
        if a.kind is s.ArgKind.POSITIONAL:
            out.append(positional[i] if i < len(positional) else None)
            i += 1
        else:
            out.append(a.name if a.name in named else None)
    return out


class _CallScan:
    """Every direct call of a global def in a body (not in nested functions),
    with a typer that sees the comprehension variables in scope."""

    def __init__(self, defs: dict[str, s.Function], typer: _Typer, found: list, hot: bool):
        self.defs = defs
        self.typer = typer
        self.found = found  # (def name, call, typer, hot)
        self.hot = hot  # inside a function body or a loop (else straight top-level code)

    def stmts(self, stmts: list[s.Stmt]) -> None:
        for st in stmts:
            t = type(st)
            if t is s.ExprStmt:
                self.expr(st.x)
            elif t is s.AssignStmt:
                self.expr(st.lhs)
                self.expr(st.rhs)
            elif t is s.ReturnStmt:
                if st.value is not None:
                    self.expr(st.value)
            elif t is s.IfStmt:
                self.expr(st.cond)
                self.stmts(st.then)
                self.stmts(st.else_)
            elif t is s.ForStmt or t is s.WhileStmt:
                if t is s.ForStmt:
                    self.expr(st.target)
                    self.expr(st.iter)
                hot, self.hot = self.hot, True
                if t is s.WhileStmt:
                    self.expr(st.cond)
                self.stmts(st.body)
                self.hot = hot
            elif t is s.DefStmt:
                for p in st.function.params:
                    if p.default is not None:
                        self.expr(p.default)

    def expr(self, e) -> None:
        t = type(e)
        if t is s.CallExpr:
            fn = _unparen(e.fn)
            if type(fn) is s.Ident and fn.scope is Scope.GLOBAL and fn.name in self.defs:
                self.found.append((fn.name, e, self.typer, self.hot))
            self.expr(e.fn)
            for a in e.args:
                self.expr(a.value)
        elif t is s.Comprehension:
            first = e.clauses[0]
            self.expr(first.iter)  # evaluated outside the comprehension's scope
            inner = _overlay(self.typer.env, e, self.typer.elems_of)
            saved, hot = self.typer, self.hot
            self.typer = _Typer(inner, saved.genv, saved.calls, saved.elems, saved.lists)
            self.hot = True
            for i, cl in enumerate(e.clauses):
                if type(cl) is s.ForClause:
                    if i:
                        self.expr(cl.iter)
                else:
                    self.expr(cl.cond)
            if type(e.body) is s.DictEntry:
                self.expr(e.body.key)
                self.expr(e.body.value)
            else:
                self.expr(e.body)
            self.typer, self.hot = saved, hot
        elif t is s.LambdaExpr:
            for p in e.function.params:
                if p.default is not None:
                    self.expr(p.default)
        elif t is s.BinaryExpr:
            self.expr(e.x)
            self.expr(e.y)
        elif t is s.UnaryExpr or t is s.ParenExpr or t is s.DotExpr:
            self.expr(e.x)
        elif t is s.IndexExpr:
            self.expr(e.x)
            self.expr(e.index)
        elif t is s.SliceExpr:
            for x in (e.x, e.lo, e.hi, e.step):
                if x is not None:
                    self.expr(x)
        elif t is s.ListExpr or t is s.TupleExpr:
            for x in e.elts:
                self.expr(x)
        elif t is s.DictExpr:
            for en in e.entries:
                self.expr(en.key)
                self.expr(en.value)
        elif t is s.CondExpr:
            self.expr(e.cond)
            self.expr(e.then)
            self.expr(e.else_)


def _returns_of(stmts: list[s.Stmt], out: list) -> None:
    """The value of every `return` in `stmts` (None for a bare one), not in nested defs."""
    for st in stmts:
        t = type(st)
        if t is s.ReturnStmt:
            out.append(st.value)
        elif t is s.IfStmt:
            _returns_of(st.then, out)
            _returns_of(st.else_, out)
        elif t is s.ForStmt or t is s.WhileStmt:
            _returns_of(st.body, out)


_NO_ELEMS = ("no",)  # (a marker: compared by identity)


def _tuple_elems(v: s.Expr | None, typer: _Typer) -> tuple | None:
    """The element types of the tuple `v` evaluates to: None while unknown
    (a call whose return is not known yet), _NO_ELEMS if it may be no tuple."""
    v = _unparen(v) if v is not None else None
    if type(v) is s.TupleExpr:
        return tuple(typer.typeof(x) for x in v.elts)
    if type(v) is s.CallExpr:
        fn = _unparen(v.fn)
        if (
            type(fn) is s.Ident
            and fn.scope is Scope.GLOBAL
            and typer.elems is not None
            and fn.name in typer.elems
        ):
            if typer.calls is not None and typer.calls.get(fn.name) is None:
                return None
            e = typer.elems[fn.name]
            return _NO_ELEMS if e is None else e
    return _NO_ELEMS


def _fresh_elems(v: s.Expr | None, typer: _Typer, owned: set[str]) -> str | None:
    """The element type of the fresh list `v` evaluates to (_NO_LIST if not one)."""
    v = _unparen(v) if v is not None else None
    if type(v) is s.Ident:
        return typer.env.get(v.name + "[]") if v.name in owned else _NO_LIST
    if v is not None and typer.typeof(v) == "list":
        t = type(v)
        if t is s.ListExpr or (t is s.Comprehension and not v.is_dict):
            return typer.elems_of(v)
        if t is s.CallExpr:
            f = _unparen(v.fn)
            if type(f) is s.Ident and f.scope is Scope.GLOBAL and typer.lists is not None:
                got = typer.lists.get(f.name, _NO_LIST)
                return got  # (None: not known yet)
    return _NO_LIST


def _join_list(a: str | None, b: str | None) -> str | None:
    if a == _NO_LIST or b == _NO_LIST:
        return _NO_LIST
    return join(a, b)


def _join_elems(a: tuple | None, b: tuple | None) -> tuple | None:
    if a is None:
        return b
    if b is None:
        return a
    if a is _NO_ELEMS or b is _NO_ELEMS or len(a) != len(b):
        return _NO_ELEMS
    return tuple(join(x, y) for x, y in zip(a, b, strict=True))


def module_types(file: s.File, defs: dict[str, s.Function]) -> ModuleTypes:
    """Types of globals and of the global defs' clones (see `ModuleTypes`).

    `defs` are the global defs bound once (no `globalreassign`). A fixpoint:
    parameter types come from the calls in the top level and in the clones,
    whose locals' types depend on parameter and return types in turn. Every
    type only grows (unknown -> one type -> ANY), so it ends.
    """
    mt = ModuleTypes()
    genv: dict[str, str | None] = dict.fromkeys(file.globals)
    # Which defs may get a clone, from the calls alone: called in a loop of the
    # top level, or in a def that may get one; or called and calling defs.
    # None: then only the globals' types are wanted (one pass, calls unknown).
    top_calls: list = []
    _CallScan(defs, _Typer({}), top_calls, False).stmts(file.stmts)
    inner: dict[str, list] = {}
    for f, fn in defs.items():
        inner[f] = []
        _CallScan(defs, _Typer({}), inner[f], True).stmts(fn.body)
    reached = {c[0] for c in top_calls}
    # Entries: defs no code of the file calls directly (`main`, run by a
    # Thread) that call defs: a clone with unknown parameters routes their
    # calls to clones (Thread calls it, see `ModuleTypes.entries`).
    called_in_defs = {c[0] for calls in inner.values() for c in calls}
    # Cold defs: called only by the top level's straight-line code (not in a
    # loop or a comprehension), and named by no function and by no other
    # expression: each call runs once per execution of the module.
    uses = def_uses(file, defs)
    hot_top = {c[0] for c in top_calls if c[3]}
    mt.cold = {c[0] for c in top_calls if not c[3]} - hot_top - uses[2] - uses[1]
    entries = {f for f in defs if inner[f] and f not in reached and f not in called_in_defs}
    entries -= uses[0]  # (no nested function calls them either)
    todo = [c[0] for c in top_calls if c[3]] + [f for f in reached if inner[f]] + list(entries)
    maybe: set[str] = set()
    while todo:
        f = todo.pop()
        if f not in maybe:
            maybe.add(f)
            todo.extend(c[0] for c in inner[f])
    if not maybe:
        _settle(file.stmts, genv, _Typer(genv, genv, None))
        mt.globals = {k: v for k, v in genv.items() if v is not None and v != ANY}
        return mt
    params: dict[str, dict[str, str | None]] = {f: {} for f in defs}
    rets: dict[str, str | None] = dict.fromkeys(defs)
    # the element types of the tuple each def returns: _NO_ELEMS when it may
    # return something else, or tuples of differing lengths
    relems: dict[str, tuple | None] = dict.fromkeys(defs)
    # the element type of the fresh list each def returns (_NO_LIST: it may
    # return something else, or a list some other reference reaches)
    rlists: dict[str, str | None] = dict.fromkeys(defs)
    called: set[str] = set(entries)  # (an entry: called from outside, with anything)
    hot: set[str] = set()  # called in a loop or in a function (see the clones below)
    for f in entries:
        params[f] = {
            p.name.name + ("[]" if p.kind is s.ParamKind.STAR else ""): ANY
            for p in defs[f].params
            if p.name is not None and p.kind is not s.ParamKind.STARSTAR
        }
    # the parameters each def only reads: an owned list given there stays owned
    lends = {f: (fn, ro) for f, fn in defs.items() if (ro := readonly_params(fn))}
    owners: list[set[str]] = []  # the owned lists of the caller of each call found
    for _ in range(64):
        before = (
            dict(genv),
            {f: dict(p) for f, p in params.items()},
            dict(rets),
            dict(relems),
            dict(rlists),
            set(called),
        )
        calls = dict(rets)  # (None: no value known yet, the bottom)
        elems = {f: (None if e is _NO_ELEMS else e) for f, e in relems.items()}
        lists = dict(rlists)
        top = _Typer(genv, genv, calls, elems, lists)
        _settle(file.stmts, genv, top)
        found: list = []
        _CallScan(defs, top, found, False).stmts(file.stmts)
        owners = [set()] * len(found)  # (a global is no owned list)
        for f, fn in defs.items():
            if f not in called:
                continue
            ptypes = params[f]
            env: dict[str, str | None] = dict.fromkeys(fn.locals)
            typer = _Typer(env, genv, calls, elems, lists)
            typer.lends = lends
            for p in fn.params:
                if p.name is not None:
                    if p.kind is s.ParamKind.STAR:
                        env[p.name.name] = "tuple"
                        env[p.name.name + "[]"] = ptypes.get(p.name.name + "[]")
                    elif p.kind is s.ParamKind.STARSTAR:
                        env[p.name.name] = "dict"
                    else:
                        env[p.name.name] = ptypes.get(p.name.name)
            env, owned = _analyze(fn, env, typer)
            vals: list = []
            _returns_of(fn.body, vals)
            r = rets[f]
            e = relems[f]
            lt = rlists[f]
            for v in vals:
                r = join(r, "none" if v is None else typer.typeof(v))
                e = _join_elems(e, _tuple_elems(v, typer))
                lt = _join_list(lt, _fresh_elems(v, typer, owned))
            if _falls_through(fn.body):
                r = join(r, "none")
                e = _NO_ELEMS
                lt = _NO_LIST
            rets[f] = r
            relems[f] = e
            rlists[f] = lt
            _CallScan(defs, typer, found, True).stmts(fn.body)
            owners += [owned] * (len(found) - len(owners))
        hot.clear()
        for f, call, typer, is_hot in found:
            called.add(f)
            if is_hot:
                hot.add(f)
            fn = defs[f]
            got = _bind_args(fn, call, typer.typeof)
            for p in fn.params:
                if p.kind is s.ParamKind.STAR and p.name is not None:
                    # the type of every element of `*args` (a tuple: they stay)
                    n = p.name.name + "[]"
                    params[f][n] = join(params[f].get(n), _star_elems(fn, call, typer))
                if p.kind is not s.ParamKind.NORMAL:
                    continue
                n = p.name.name
                if n in got:
                    t = got[n]
                elif p.default is not None:
                    t = _Typer(genv, genv, None).typeof(p.default)
                else:
                    t = ANY  # a missing argument: the call fails
                params[f][n] = join(params[f].get(n), t)
        after = (
            dict(genv),
            {f: dict(p) for f, p in params.items()},
            dict(rets),
            relems,
            rlists,
            called,
        )
        if after == before:
            break
    else:  # pragma: no cover - the lattice is finite; never reached
        return ModuleTypes()
    mt.globals = {k: v for k, v in genv.items() if v is not None and v != ANY}
    for f in called:
        ps = {n: t for n, t in params[f].items() if t is not None and t != ANY}
        mt.params[f] = ps
        r = rets[f]
        if r is not None and r != ANY:
            mt.returns[f] = r
        e = relems[f]
        if r == "tuple" and e is not None and e is not _NO_ELEMS:
            mt.elems[f] = tuple(t if t is not None else ANY for t in e)
        lt = rlists[f]
        if r == "list" and lt is not None and lt != _NO_LIST:
            mt.lists[f] = lt
    # A clone costs a second compile of its def: worth it where it may run
    # often (called in a loop, or in a function) and differs from the
    # original (a parameter of known type), and for a def that calls global
    # defs (`main`): its calls then reach their clones.
    for f in called:
        if (f in hot and mt.params[f]) or inner[f]:
            mt.clones.add(f)
    mt.entries = entries & mt.clones
    # Lent parameters: a clone's parameter that it only reads and that every
    # call (all in the specialized world) fills with a fresh list or an
    # owned one. Nothing but the clone can reach that list while it runs, so
    # its loops over it need no guard (compiler.loop).
    for f in mt.clones - mt.entries:
        if f not in lends:
            continue
        callee, ok = lends[f]
        ok = set(ok)
        for (g, call, _, _), owned in zip(found, owners, strict=True):
            if g == f:
                bound = dict(
                    zip(_arg_params(callee, call), (a.value for a in call.args), strict=True)
                )
                ok = {p for p in ok if p in bound and _lendable(bound[p], owned)}
        if ok:
            mt.lent[f] = ok
    if mt.clones:
        # Values a dynamic call can reach: the defs used as values; with an
        # entry (a clone the host calls with any arguments, maybe functions
        # of modules that loaded this one) every def.
        mt.escaped = set(defs) if mt.entries else uses[1]
    return mt


def def_uses(file: s.File, defs: dict[str, s.Function]) -> tuple[set[str], set[str], set[str]]:
    """(called, escaped, named in functions): the global defs some code of
    the file calls directly; those it uses as values (passed, stored,
    returned: any use but the callee of a call); those named (called or not)
    inside some def or lambda. The resolver collects them
    (`file.extra["global_uses"]`)."""
    called, valued, in_functions = file.extra["global_uses"]
    return called & defs.keys(), valued & defs.keys(), in_functions & defs.keys()


def comprehension_types(c: s.Comprehension, elems_of=None) -> dict[str, str | None]:
    """Each local of comprehension `c`: its type if one clause binds it to
    elements of known type (a range's ints; `elems_of(iterable)` for the
    first clause, whose iterable is evaluated outside), else None."""
    if not ENABLED:
        return dict.fromkeys(c.locals)
    seen: dict[str, str | None] = {}
    for i, cl in enumerate(c.clauses):
        if type(cl) is not s.ForClause:
            continue
        target = _unparen(cl.target)
        names: list[tuple[str, str | None]] = []
        if type(target) is s.Ident:
            if is_range_call(cl.iter):
                t: str | None = "int"
            elif i == 0 and elems_of is not None:
                t = elems_of(cl.iter)
                t = None if t == ANY else t
            else:
                t = None
            names.append((target.name, t))
        else:
            stack = [target]
            while stack:
                x = _unparen(stack.pop())
                if type(x) is s.Ident:
                    names.append((x.name, None))
                elif type(x) in (s.TupleExpr, s.ListExpr):
                    stack.extend(x.elts)
        for n, t in names:
            seen[n] = t if n not in seen else None
    return {n: seen.get(n) for n in c.locals}


# ---------------------------------------------------------------- suspension


def nosuspend_defs(
    file: s.File,
    defs: dict[str, s.Function],
    genv: dict[str, str],
    builtin_method,
    direct_builtins: frozenset[str],
    types_of=None,
) -> set[str]:
    """The global defs whose call can never reach an external function.

    A def qualifies when every call in its body (not in nested functions) is
    a call of a universal built-in (`direct_builtins`), a method of a
    receiver of known built-in type (`builtin_method(type, name)`), or a
    call of a global def that qualifies in turn (a greatest fixpoint, so
    mutual recursion qualifies). A key= callback cannot suspend either (the
    thread refuses it). Such a call need not be a call site: no frame of it
    is ever captured, and a loop or comprehension holding it may stay plain
    Python (compiler.call_expr). Types come from the plain compile (unknown
    parameters); a clone only knows more.
    """
    calls: dict[str, set[str]] = {}
    ok: set[str] = set()
    for f, fn in defs.items():
        found: list = []
        # (the locals' types type the receivers of method calls; the compiler
        # computes them for every def anyway, `types_of` keeps them)
        env = types_of(fn) if types_of is not None else function_types(fn, genv=genv)
        scan = _AnyCall(_Typer({**env}, genv, None), builtin_method, direct_builtins, found)
        scan.stmts(fn.body)
        if scan.unknown:
            continue
        if set(found) <= set(defs):  # (a global that is no def: a value, unknown)
            calls[f] = set(found)
            ok.add(f)
    changed = True
    while changed:
        changed = False
        for f in list(ok):
            if not calls[f] <= ok:
                ok.discard(f)
                changed = True
    return ok


class _AnyCall(_CallScan):
    """Classify every call of a body: `unknown` once one may reach an external."""

    def __init__(self, typer: _Typer, builtin_method, direct_builtins, found: list):
        super().__init__({}, typer, [], True)
        self.builtin_method = builtin_method
        self.direct_builtins = direct_builtins
        self.names = found  # global names called directly
        self.unknown = False

    def expr(self, e) -> None:
        if type(e) is s.CallExpr:
            fn = _unparen(e.fn)
            if type(fn) is s.Ident and fn.scope is Scope.UNIVERSAL:
                if fn.name not in self.direct_builtins:
                    self.unknown = True
            elif type(fn) is s.Ident and fn.scope is Scope.GLOBAL:
                self.names.append(fn.name)
            elif type(fn) is s.DotExpr:
                recv = self.typer.typeof(fn.x)
                if not (recv is not None and self.builtin_method(recv, fn.name)):
                    self.unknown = True
            else:
                self.unknown = True
        super().expr(e)


# ---------------------------------------------------------------- owned lists

# universal built-ins that neither keep nor change a list argument
_KEEPS_NOTHING = frozenset(
    "len str repr print sorted list tuple min max any all bool enumerate zip reversed type "
    "dict set hash".split()
)
# list methods on the list itself (the list stays where it is)
_OWN_METHODS = frozenset("append extend insert pop remove index count clear".split())
# methods of other values that read a list argument and keep nothing of it
_READS_ARG = frozenset({"join", "extend", "index", "count"})


def _owned_lists(fn: s.Function, env: dict[str, str | None], typer: _Typer) -> set[str]:
    """The list locals of `fn` that no other reference can reach.

    Such a local is bound only to fresh lists (a display, a comprehension,
    `sorted(...)`, `s.split(...)`, a slice, a sum, a call of a def returning
    one) and used only where the list cannot escape: as the receiver of its
    own methods, indexed or sliced, iterated, tested, compared, measured,
    given to a built-in that keeps nothing of it, or returned. Then every
    element it ever holds was put there by this function's own code, whose
    types `_list_sites` collects: its element type (`name[]`) is known.
    A nested function may not see it (a cell is excluded).
    """
    params = {p.name.name for p in fn.params if p.name is not None}
    cands = {n for n in fn.locals if n not in params and n not in fn.cells and env.get(n) == "list"}
    if not cands:
        return set()
    bad: set[str] = set()

    def fresh(e: s.Expr) -> bool:
        e = _unparen(e)
        if _new_list(e):
            return True
        t = type(e)
        if t is s.CallExpr:
            f = _unparen(e.fn)
            if type(f) is s.Ident and f.scope is Scope.UNIVERSAL:
                return f.name in ("list", "sorted")
            if type(f) is s.DotExpr and f.name in ("split", "rsplit", "splitlines"):
                return typer.typeof(f.x) == "str"
            if type(f) is s.Ident and f.scope is Scope.GLOBAL:
                return typer.lists is not None and typer.lists.get(f.name) not in (None, _NO_LIST)
            return False
        if t is s.SliceExpr or (t is s.BinaryExpr and e.op in ("+", "*")):
            return typer.typeof(e) == "list"
        return False

    def use(e, safe: bool = False) -> None:
        """Visit expression `e`; `safe`: an owned list here does not escape."""
        e = _unparen(e) if e is not None else None
        t = type(e)
        if t is s.Ident:
            if e.name in cands and not safe:
                bad.add(e.name)
            return
        if t is s.CallExpr:
            f = _unparen(e.fn)
            if type(f) is s.DotExpr and type(_unparen(f.x)) is s.Ident:
                recv = _unparen(f.x)
                if recv.name in cands:
                    if f.name not in _OWN_METHODS:
                        bad.add(recv.name)
                    for a in e.args:
                        use(a.value)
                    return
            if type(f) is s.Ident and f.scope is Scope.UNIVERSAL and f.name in _KEEPS_NOTHING:
                for a in e.args:
                    use(a.value, safe=a.kind is s.ArgKind.POSITIONAL)
                return
            if type(f) is s.DotExpr and f.name in _READS_ARG:
                use(f.x)
                for a in e.args:
                    use(a.value, safe=a.kind is s.ArgKind.POSITIONAL)
                return
            lends = typer.lends
            if lends and type(f) is s.Ident and f.scope is Scope.GLOBAL and f.name in lends:
                callee, readonly = lends[f.name]
                bound = _arg_params(callee, e)
                for a, p in zip(e.args, bound, strict=True):
                    use(a.value, safe=p in readonly or a.kind is s.ArgKind.STAR)
                return
            use(e.fn)
            for a in e.args:
                use(a.value, safe=a.kind is s.ArgKind.STAR)  # (*x: its elements, copied)
            return
        if t is s.DotExpr:
            use(e.x)  # (a bare attribute of an owned list: a bound method escapes)
            return
        if t is s.IndexExpr:
            use(e.x, safe=True)
            use(e.index)
            return
        if t is s.SliceExpr:
            use(e.x, safe=True)
            for x in (e.lo, e.hi, e.step):
                if x is not None:
                    use(x)
            return
        if t is s.BinaryExpr:
            ok = e.op in ("in", "not in", "==", "!=", "+", "*", "<", "<=", ">", ">=")
            use(e.x, safe=ok and e.op not in ("in", "not in"))
            use(e.y, safe=ok)
            return
        if t is s.UnaryExpr:
            use(e.x, safe=e.op == "not")
            return
        if t is s.CondExpr:
            use(e.cond, safe=True)
            use(e.then)
            use(e.else_)
            return
        if t is s.Comprehension:
            for cl in e.clauses:
                if type(cl) is s.ForClause:
                    use(cl.iter, safe=True)
                    use(cl.target)
                else:
                    use(cl.cond, safe=True)
            if type(e.body) is s.DictEntry:
                use(e.body.key)
                use(e.body.value)
            else:
                use(e.body)
            # a method of an owned list called inside a comprehension: its
            # argument's type is the comprehension's business; give up there
            stack = [e.body, *(cl.iter if type(cl) is s.ForClause else cl.cond for cl in e.clauses)]
            while stack:
                n = stack.pop()
                if type(n) is s.CallExpr:
                    f = _unparen(n.fn)
                    if type(f) is s.DotExpr and type(_unparen(f.x)) is s.Ident:
                        if _unparen(f.x).name in cands:
                            bad.add(_unparen(f.x).name)
                stack.extend(sub_exprs(n))
            return
        if t is s.LambdaExpr:
            for p in e.function.params:
                if p.default is not None:
                    use(p.default)
            return
        for x in sub_exprs(e):
            use(x)

    def stmts(body: list[s.Stmt]) -> None:
        for st in body:
            t = type(st)
            if t is s.AssignStmt:
                lhs = _unparen(st.lhs)
                if type(lhs) is s.Ident and lhs.name in cands:
                    if st.op == "=":
                        if not fresh(st.rhs):
                            bad.add(lhs.name)
                        use(st.rhs)
                    elif st.op == "+=":
                        use(st.rhs, safe=True)  # (its elements are copied in)
                    else:
                        bad.add(lhs.name)
                        use(st.rhs)
                elif type(lhs) is s.IndexExpr:
                    use(lhs.x, safe=True)
                    use(lhs.index)
                    use(st.rhs)
                else:
                    for n in _target_names(lhs):
                        bad.add(n)  # (bound by unpacking: not a fresh list)
                    if type(lhs) is not s.Ident:
                        use(lhs)
                    use(st.rhs)
            elif t is s.ExprStmt:
                use(st.x)
            elif t is s.ReturnStmt:
                if st.value is not None:
                    use(st.value, safe=True)
            elif t is s.IfStmt:
                use(st.cond, safe=True)
                stmts(st.then)
                stmts(st.else_)
            elif t is s.WhileStmt:
                use(st.cond, safe=True)
                stmts(st.body)
            elif t is s.ForStmt:
                for n in _target_names(_unparen(st.target)):
                    bad.add(n)
                use(st.iter, safe=True)
                stmts(st.body)
            elif t is s.DefStmt:
                for p in st.function.params:
                    if p.default is not None:
                        use(p.default)
                bad.add(st.name.name)  # (bound to a function: no list)

    try:
        stmts(fn.body)
    finally:
        # (the nested functions call each other through their cells: a
        # cycle, which would keep the syntax tree alive until the cyclic GC
        # runs; see machine._compile)
        fresh = use = stmts = None  # type: ignore[assignment]
    return cands - bad


def _target_names(target: s.Expr) -> list[str]:
    target = _unparen(target)
    if type(target) is s.Ident:
        return [target.name]
    if type(target) in (s.TupleExpr, s.ListExpr):
        return [n for x in target.elts for n in _target_names(x)]
    return []


def sub_exprs(e) -> list:
    """The sub-expressions of expression `e` (a comprehension's included, a
    lambda's body not: it is a function of its own)."""
    t = type(e)
    if t is s.CallExpr:
        return [e.fn, *(a.value for a in e.args)]
    if t is s.Comprehension:
        return [e.body, *(cl.iter if type(cl) is s.ForClause else cl.cond for cl in e.clauses)]
    if t is s.DictEntry:
        return [e.key, e.value]
    if t is s.BinaryExpr:
        return [e.x, e.y]
    if t is s.UnaryExpr or t is s.ParenExpr or t is s.DotExpr:
        return [e.x]
    if t is s.IndexExpr:
        return [e.x, e.index]
    if t is s.SliceExpr:
        return [x for x in (e.x, e.lo, e.hi, e.step) if x is not None]
    if t is s.ListExpr or t is s.TupleExpr:
        return list(e.elts)
    if t is s.DictExpr:
        return [x for en in e.entries for x in (en.key, en.value)]
    if t is s.CondExpr:
        return [e.cond, e.then, e.else_]
    return []


def _list_sites(stmts_: list[s.Stmt], owned: set[str], out: list) -> None:
    """(`name[]`, how) for every way an owned list gets elements: its fresh
    value's elements, append, insert, extend, `+=`, and `x[i] = v`."""

    def expr(e) -> None:
        stack = [e]
        while stack:
            n = stack.pop()
            if n is None:
                continue
            if type(n) is s.CallExpr:
                f = _unparen(n.fn)
                if type(f) is s.DotExpr and type(_unparen(f.x)) is s.Ident:
                    name = _unparen(f.x).name
                    if name in owned:
                        args = [a.value for a in n.args]
                        if f.name == "append" and len(args) == 1:
                            out.append((name + "[]", args[0]))
                        elif f.name == "insert" and len(args) == 2:
                            out.append((name + "[]", args[1]))
                        elif f.name == "extend" and len(args) == 1:
                            out.append((name + "[]", ("elems", args[0])))
            if type(n) is not s.Comprehension:  # (owned lists are not changed in one)
                stack.extend(sub_exprs(n))

    for st in stmts_:
        t = type(st)
        if t is s.AssignStmt:
            lhs = _unparen(st.lhs)
            if type(lhs) is s.Ident and lhs.name in owned:
                out.append((lhs.name + "[]", ("elems", st.rhs)))
            elif type(lhs) is s.IndexExpr and type(_unparen(lhs.x)) is s.Ident:
                name = _unparen(lhs.x).name
                if name in owned:
                    if st.op == "=":
                        out.append((name + "[]", st.rhs))
                    else:  # x[i] op= v: the element's new value
                        out.append((name + "[]", ("aug", st.op[:-1], lhs, st.rhs)))
            expr(st.lhs)
            expr(st.rhs)
        elif t is s.ExprStmt:
            expr(st.x)
        elif t is s.ReturnStmt:
            expr(st.value)
        elif t is s.IfStmt:
            expr(st.cond)
            _list_sites(st.then, owned, out)
            _list_sites(st.else_, owned, out)
        elif t is s.WhileStmt:
            expr(st.cond)
            _list_sites(st.body, owned, out)
        elif t is s.ForStmt:
            expr(st.iter)
            _list_sites(st.body, owned, out)


_NO_LIST = "no"  # (a def that may return something other than a fresh list)


def _analyze(
    fn: s.Function, env: dict[str, str | None], typer: _Typer
) -> tuple[dict[str, str | None], set[str]]:
    """Settle the types of `fn`'s locals in `env` (its parameters set), then
    again with the element types of its owned lists; return (env, owned)."""
    start = dict(env)
    _settle(fn.body, env, typer)
    owned: set[str] = set()
    for _ in range(3):  # (known elements may make more fresh lists known: again)
        more = _owned_lists(fn, env, typer)
        if more <= owned:
            break
        owned |= more
        env.clear()
        env.update(start)
        for n in owned:
            env[n + "[]"] = None
        sites: list = []
        _list_sites(fn.body, owned, sites)
        _settle(fn.body, env, typer, sites)
    for n in owned:
        env[n + "!"] = "owned"  # (the compiler's mark: no other reference reaches it)
    return env, owned


def range_locals(fn: s.Function) -> set[str]:
    """The locals of `fn` bound only by `for` loops over `range(...)`: ints
    within int32 (range's bounds are), so any sum or product of a few of them
    prints natively (compiler.bits)."""
    if not ENABLED:
        return set()
    sites: list = []
    _bindings(fn.body, sites)
    params = {p.name.name for p in fn.params if p.name is not None}
    names: dict[str, bool] = {}
    for name, how in sites:
        names[name] = names.get(name, True) and how == "int"  # ("int": a range loop)
    return {n for n, ok in names.items() if ok and n not in params}


def range_comprehension_vars(c: s.Comprehension) -> set[str]:
    """The variables of comprehension `c` that one clause over `range(...)` binds."""
    if not ENABLED:
        return set()
    count: dict[str, int] = {}
    ranged: set[str] = set()
    for cl in c.clauses:
        if type(cl) is not s.ForClause:
            continue
        for n in _target_names(cl.target):
            count[n] = count.get(n, 0) + 1
        target = _unparen(cl.target)
        if type(target) is s.Ident and is_range_call(cl.iter):
            ranged.add(target.name)
    return {n for n in ranged if count[n] == 1}


def readonly_kwargs(fn: s.Function) -> str | None:
    """The `**kwargs` parameter of `fn` if the function only reads it.

    Read: `kw[k]`, `k in kw`, `len(kw)`, iterated (a loop, a comprehension's
    first clause), `kw.get/keys/values/items(...)`, `**kw` in a call; not
    captured by a nested function, not rebound. Then it may stay the plain
    dict Python made (compiler.function_def): nothing can see it but those
    reads, which treat a plain dict as a dict.
    """
    if not ENABLED:
        return None
    kw = next((p.name.name for p in fn.params if p.kind is s.ParamKind.STARSTAR), None)
    if kw is None or not _reads_only(fn, kw, _DICT_READS, s.ArgKind.STARSTAR):
        return None
    return kw


_DICT_READS = frozenset({"get", "keys", "values", "items"})


def readonly_params(fn: s.Function) -> set[str]:
    """The named parameters of `fn` it only reads: `p[i]`, `p[i:j]`, `x in p`,
    `len(p)`, iterated (a loop, a comprehension's first clause); not
    captured by a nested function, not rebound, not passed on, not returned.
    A list given there stays out of every other reach (`module_types`, lent
    parameters)."""
    if not ENABLED:
        return set()
    return {
        p.name.name
        for p in fn.params
        if p.kind is s.ParamKind.NORMAL and _reads_only(fn, p.name.name, frozenset(), None)
    }


def _reads_only(fn: s.Function, kw: str, methods: frozenset, spread) -> bool:
    """Whether `fn` only reads its parameter `kw` (see `readonly_kwargs`):
    `methods` are the methods that read it, `spread` the kind of call
    argument (`**kw`) that passes it on as a copy."""
    if kw in fn.cells:
        return False
    ok = True

    def use(e, safe: bool = False) -> None:
        nonlocal ok
        e = _unparen(e) if e is not None else None
        t = type(e)
        if t is s.Ident:
            if e.name == kw and not safe:
                ok = False
            return
        if t is s.IndexExpr:
            use(e.x, safe=True)
            use(e.index)
            return
        if t is s.SliceExpr and spread is None:  # (a list's slice is a copy)
            use(e.x, safe=True)
            for x in (e.lo, e.hi, e.step):
                if x is not None:
                    use(x)
            return
        if t is s.BinaryExpr and e.op in ("in", "not in"):
            use(e.x)
            use(e.y, safe=True)
            return
        if t is s.CallExpr:
            f = _unparen(e.fn)
            if type(f) is s.Ident and f.scope is Scope.UNIVERSAL and f.name == "len":
                for a in e.args:
                    use(a.value, safe=a.kind is s.ArgKind.POSITIONAL)
                return
            if type(f) is s.DotExpr and f.name in methods:
                use(f.x, safe=True)
                for a in e.args:
                    use(a.value)
                return
            use(e.fn)
            for a in e.args:
                use(a.value, safe=a.kind is spread)
            return
        if t is s.Comprehension:
            for i, cl in enumerate(e.clauses):
                if type(cl) is s.ForClause:
                    use(cl.iter, safe=i == 0)
                else:
                    use(cl.cond)
            if type(e.body) is s.DictEntry:
                use(e.body.key)
                use(e.body.value)
            else:
                use(e.body)
            return
        if t is s.LambdaExpr:
            return  # (a lambda reading it would make it a cell: excluded above)
        for x in sub_exprs(e):
            use(x)

    def stmts(body: list[s.Stmt]) -> None:
        nonlocal ok
        for st in body:
            t = type(st)
            if t is s.AssignStmt:
                store(st.lhs)
                use(st.rhs)
            elif t is s.ExprStmt:
                use(st.x)
            elif t is s.ReturnStmt:
                use(st.value)
            elif t is s.IfStmt:
                use(st.cond)
                stmts(st.then)
                stmts(st.else_)
            elif t is s.WhileStmt:
                use(st.cond)
                stmts(st.body)
            elif t is s.ForStmt:
                store(st.target)
                use(st.iter, safe=True)
                stmts(st.body)
            elif t is s.DefStmt:
                for p in st.function.params:
                    if p.default is not None:
                        use(p.default)
                if st.name.name == kw:
                    ok = False

    def store(target) -> None:
        """An assignment target: rebinding it, or storing into it, is no read."""
        nonlocal ok
        target = _unparen(target)
        t = type(target)
        if t is s.Ident:
            if target.name == kw:
                ok = False
        elif t is s.TupleExpr or t is s.ListExpr:
            for x in target.elts:
                store(x)
        elif t is s.IndexExpr:
            use(target.x)  # (unsafe: a store into it)
            use(target.index)
        elif t is s.DotExpr:
            use(target.x)

    try:
        stmts(fn.body)
    finally:
        use = stmts = store = None  # type: ignore[assignment]  # (see _owned_lists)
    return ok
