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

__all__ = ["ANY", "CALL_RESULT", "comprehension_types", "function_types"]

ANY = "any"

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
    """Types of expressions, given the current types of the function's locals."""

    def __init__(self, env: dict[str, str | None]):
        self.env = env

    def typeof(self, e: s.Expr) -> str | None:
        t = type(e)
        if t is s.Literal:
            v = e.value
            return {int: "int", str: "str", float: "float", bytes: "bytes"}.get(type(v), ANY)
        if t is s.Ident:
            if e.scope is Scope.LOCAL or e.scope is Scope.CELL:
                return self.env.get(e.name, ANY)
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
            if type(fn) is s.DotExpr:
                recv = self.typeof(fn.x)
                if recv is None:
                    return None
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
            return "str" if x == "str" else ANY
        return ANY


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

    `how` is an expression, ("aug", op, name, rhs) or a type string.
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
        else:
            for sub in target.elts:
                _bind_target(sub, None, out)
    # x[i] = v and x.f = v bind no local


def function_types(fn: s.Function) -> dict[str, str]:
    """The known type of each local of `fn` that always holds one type."""
    env: dict[str, str | None] = {}
    for p in fn.params:
        if p.name is None:
            continue
        if p.kind is s.ParamKind.STAR:
            env[p.name.name] = "tuple"
        elif p.kind is s.ParamKind.STARSTAR:
            env[p.name.name] = "dict"
        else:
            env[p.name.name] = ANY
    sites: list = []
    _bindings(fn.body, sites)
    typer = _Typer(env)
    for _ in range(len(sites) * 3 + 3):  # each local can change at most twice
        changed = False
        for name, how in sites:
            if type(how) is str:
                t: str | None = how
            elif type(how) is tuple:
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
    return {k: v for k, v in env.items() if v is not None and v != ANY}


def comprehension_types(c: s.Comprehension) -> dict[str, str | None]:
    """Each local of comprehension `c`: "int" if only a `range` binds it, else None."""
    seen: dict[str, str | None] = {}
    for cl in c.clauses:
        if type(cl) is not s.ForClause:
            continue
        target = _unparen(cl.target)
        names: list[tuple[str, str | None]] = []
        if type(target) is s.Ident:
            names.append((target.name, "int" if is_range_call(cl.iter) else None))
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
