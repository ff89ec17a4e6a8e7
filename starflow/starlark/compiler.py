"""Compile a resolved Starlark file to a Python code object.

The compiler builds a Python `ast` tree (never source text) from the resolved
Starlark AST and hands it to `compile()`. Every Python node carries the
Starlark line and column of the construct it implements, so the machine can
map a Python traceback (`tb_lasti` -> `co_positions()`) back to a Starlark
position without any per-statement bookkeeping at run time.

Shape of the output. The module becomes one Python function, `$toplevel`,
that declares every Starlark global `global` and runs the top-level
statements. A Starlark `def` becomes a nested Python `def` (Python's own
closures implement Starlark's cells and free variables; its argument binding
implements Starlark's, since both languages share positional, default,
`*args`, keyword-only and `**kwargs` rules) that is then wrapped in a
`machine.Function`. Names are mangled so the two namespaces never collide:

    Starlark global x        Python global  x   (True/False/None -> $g_True ...)
    Starlark local x         Python local   x
    predeclared/universal x  Python global  $b_x   (a value)
    universal built-in call  Python global  $f_x   (its raw Python function)
    loaded (file-local) x    Python global  $l_x
    compiler temporaries     Python local   $t1, $it1 ...
    runtime helpers          Python global  $add, $index, $List ...

The module's Python globals dict has `__builtins__ = {}`: a Starlark global
read before assignment raises NameError (translated by the machine), it never
falls back to a Python builtin.

Values are native where Starlark and Python agree. Each operator has a guarded
fast path inline, `a + b if type(a) is type(b) and type(a) in $ADD_NATIVE
else $add(a, b)`, and calls a runtime helper (`ops.py`) otherwise; operands
that are not plain names are first bound to temporaries with `:=` (inside
a comprehension such a temporary belongs to the enclosing function, as a
cell; in a comprehension's iterable, where Python forbids `:=`, the helper
is called directly).

Steps. `max_steps` counts loop iterations and calls: each function entry and
each counted loop iteration takes a step with `next($T)` from the thread's
budget iterator (machine.Budget); loops that cannot end early pay up front
(docs/internals.md, "Steps").

Suspension (issue #3) will re-enter functions at recorded points; the
compiler already keeps every loop's iterable and every call's callee in
plain locals, so a frame's state is what `f_locals` shows.
"""

from __future__ import annotations

import ast as py
import hashlib
from collections.abc import Callable, Container
from dataclasses import dataclass, field
from typing import Any

from . import infer, values
from . import syntax as s
from .errors import StarlarkError
from .syntax import Scope

__all__ = ["CompiledModule", "compile_file"]

# Universal built-ins whose raw function the compiler may call directly.
# (Calls to them can never suspend and never reach a Starlark frame, except
# through `key=` callbacks, which are plain calls of Function values.)
DIRECT_BUILTINS = frozenset(
    "abs any all bool bytes chr dict dir enumerate fail float getattr hasattr hash int len "
    "list max min ord print range repr reversed set sorted str tuple type zip".split()
)

# Module-wide type inference and clones of global defs (infer.module_types);
# tests turn it off to compare against the plain compile.
SPECIALIZE = True
# Cold code (`_Ctx.cold`) calls helpers instead of testing for fast paths;
# tests turn it off to compare.
COLD = True

_BINOP_HELPER = {
    "+": "$add",
    "-": "$sub",
    "*": "$mul",
    "/": "$truediv",
    "//": "$floordiv",
    "%": "$mod",
    "&": "$bitand",
    "|": "$bitor",
    "^": "$bitxor",
    "<<": "$lshift",
    ">>": "$rshift",
}
_PY_BINOP = {
    "+": py.Add,
    "-": py.Sub,
    "*": py.Mult,
    "/": py.Div,
    "//": py.FloorDiv,
    "%": py.Mod,
    "&": py.BitAnd,
    "|": py.BitOr,
    "^": py.BitXor,
    "<<": py.LShift,
    ">>": py.RShift,
}
_CMP_HELPER = {"==": "$eq", "!=": "$ne", "<": "$lt", "<=": "$le", ">": "$gt", ">=": "$ge"}
_PY_CMP = {"==": py.Eq, "!=": py.NotEq, "<": py.Lt, "<=": py.LtE, ">": py.Gt, ">=": py.GtE}
# The native-type sets of each fast path (bound as globals by the machine):
#   $ADD_NATIVE  types where Python's + is Starlark's (same type on both sides)
#   $INT         int only
#   $EQ_NATIVE   types where Python's == is Starlark's
#   $CMP_NATIVE  types where Python's ordering is Starlark's
_FAST_SET = {
    "+": "$ADD_NATIVE",
    "-": "$ARITH_NATIVE",
    "*": "$ARITH_NATIVE",
}


# inferred operand types (both sides the same) for which each fast path needs no guard
_NATIVE_KNOWN = {
    "$ADD_NATIVE": ("int", "str"),
    "$ARITH_NATIVE": ("int",),
    "$EQ_NATIVE": ("int", "str"),
    "$CMP_NATIVE": ("int", "str"),
}
_CONST_TYPES = {int: "int", str: "str", float: "float", bytes: "bytes", bool: "bool"}

# methods that change their receiver
_MUTATORS = frozenset(
    "append extend insert pop remove clear popitem setdefault update add discard "
    "difference_update intersection_update symmetric_difference_update".split()
)
# types no operation changes in place
_IMMUTABLE = ("int", "float", "str", "bytes", "tuple", "bool", "none", "range")

_OWNER_GLOBAL = {"str": "$str", "bytes": "$bytes", "list": "$List", "dict": "$Dict", "set": "$Set"}
_OWNERS: dict[str, tuple[str, ...]] | None = None


def _method_owners(name: str) -> tuple[str, ...]:
    """The built-in types that have a method `name`."""
    global _OWNERS
    if _OWNERS is None:
        from . import ops
        from .values import Dict, List, Set

        names = {str: "str", bytes: "bytes", List: "list", Dict: "dict", Set: "set"}
        owners: dict[str, list[str]] = {}
        for t, tbl in ops._tables().items():
            if t not in names:
                continue  # (IterList and the like: their base's methods)
            for m in tbl:
                owners.setdefault(m, []).append(names[t])
        _OWNERS = {m: tuple(ts) for m, ts in owners.items()}
    return _OWNERS.get(name, ())


def _operand(e: py.expr) -> tuple:
    if isinstance(e, py.Constant):
        return ("const", e.value)
    assert isinstance(e, py.Name)
    return ("name", e.id)


def _simple_verbs(fmt: str) -> list[str] | None:
    """The conversions of a format made of literals, %s, %d and %% only (else None)."""
    verbs: list[str] = []
    i = fmt.find("%")
    while i >= 0:
        c = fmt[i + 1 : i + 2]
        if c in ("s", "d"):
            verbs.append(c)
        elif c != "%":
            return None
        i = fmt.find("%", i + 2)
    return verbs


# known types whose Python iteration is Starlark's (a dict's keys, a set's elements)
_NATIVE_ITERABLE = ("list", "dict", "set", "tuple", "range")
# calls that return a new list, which nothing else can reach
_FRESH_LISTS = frozenset({"$List", "$m_dict_items", "$m_dict_keys", "$m_dict_values"})


def _call_of(e: py.expr, names: Container[str]) -> bool:
    """Compiled expression `e` is a call of a helper in `names`, with one argument."""
    return (
        type(e) is py.Call
        and type(e.func) is py.Name
        and e.func.id in names
        and len(e.args) == 1
        and not e.keywords
    )


def _fresh(e: py.expr) -> bool:
    """Compiled expression `e` makes a new list (a display, `d.items()` ...)."""
    if type(e) is py.Call and not e.args and not e.keywords:  # `$List()`: []
        return type(e.func) is py.Name and e.func.id == "$List"
    return _call_of(e, _FRESH_LISTS)


def _is_items(e: py.expr) -> bool:
    """Compiled expression `e` is `d.items()` of a known dict: a list of pairs."""
    return _call_of(e, ("$m_dict_items",))


def _may_change(c: s.Comprehension) -> bool:
    """Comprehension `c` calls something that may change a container: a method
    that changes its receiver, a def, a built-in with a key callback."""
    stack: list = [c]
    while stack:
        n = stack.pop()
        if type(n) is s.CallExpr:
            fn = n.fn
            while type(fn) is s.ParenExpr:
                fn = fn.x
            if type(fn) is s.DotExpr:
                if fn.name in _MUTATORS:
                    return True
            elif (
                type(fn) is not s.Ident
                or fn.scope is not Scope.UNIVERSAL
                or fn.name in ("sorted", "min", "max")
                or any(a.kind is not s.ArgKind.POSITIONAL for a in n.args)
            ):
                return True
        stack.extend(infer.sub_exprs(n))
    return False


def _is_list_display(e: py.expr) -> bool:
    """Compiled expression `e` is a list display, `$List([...])`."""
    return _call_of(e, ("$List",)) and type(e.args[0]) is py.List


def _dict_stores(a: py.Assign, temp: Callable[[], str], top: bool) -> list[py.stmt] | None:
    """`T = $Dict({k1: v1, ...})` as stores into a new Dict, or None.

        $tN = $Dict()
        $tN[k1] = v1
        ...
        T = $tN             ($tN is T itself when no value reads T or calls)

    Only for constant, distinct keys (the display's own condition) and up to
    16 of them. Nothing can observe the dict before it is whole: a value
    that reads T or calls anything (a closure may have captured T) sends the
    stores to a temporary. Measured: a dict of 3 keys took 136 ns as
    `Dict({...})` (a Python dict, then a copy), 84 ns as stores.
    """
    if len(a.targets) != 1 or type(a.targets[0]) is not py.Name:
        return None
    if top and not a.targets[0].id.startswith("$"):
        return None  # (a global: see Compiler.stmt)
    call = a.value
    if not (
        type(call) is py.Call
        and type(call.func) is py.Name
        and call.func.id == "$Dict"
        and len(call.args) == 1
        and type(call.args[0]) is py.Dict
        and not call.keywords
    ):
        return None
    d = call.args[0]
    if not 0 < len(d.keys) <= 16 or not all(type(k) is py.Constant for k in d.keys):
        return None
    target = a.targets[0].id
    # Into a temporary when a value reads the target, or calls anything: a
    # closure may have captured the target (a sealed compile leaves calls
    # in the display), and nothing may see it bound to a part of the dict.
    reads = any(
        type(n) is py.Call or (type(n) is py.Name and n.id == target)
        for v in d.values
        for n in py.walk(v)
    )
    name = temp() if reads else target
    line, col = a.lineno, a.col_offset + 1

    def at(node):
        return _at(node, line, col)

    out: list[py.stmt] = [
        at(py.Assign([at(py.Name(name, _STORE))], at(py.Call(at(py.Name("$Dict", _LOAD)), [], []))))
    ]
    for k, v in zip(d.keys, d.values, strict=True):
        sub = at(py.Subscript(at(py.Name(name, _LOAD)), k, _STORE))
        out.append(at(py.Assign([sub], v)))
    if reads:
        out.append(at(py.Assign([at(py.Name(target, _STORE))], at(py.Name(name, _LOAD)))))
    return out


_INT_TREE_OPS = frozenset({"+", "-", "*"})
_INT_TREE_HEADS = _INT_TREE_OPS | {"%", "//"}
# operands that are never ints
_NOT_INT = frozenset(
    {s.ListExpr, s.DictExpr, s.TupleExpr, s.Comprehension, s.LambdaExpr, s.SliceExpr}
)


def _int_tree(e: s.Expr, top: bool = True) -> tuple | None:
    """The shape of arithmetic expression `e` for `Compiler.int_tree`, or None.

    ("op", op, left, right, node) for + - * (and % or // by a nonzero int
    literal), ("neg", x, node) for unary minus, ("cmp", op, left, right,
    node) for a comparison (at the top only), ("leaf", expr) for anything
    else: a name, an int literal, a subscript, a call... A literal of any
    other type (a string's `%` is formatting) leaves the expression alone.
    """
    while type(e) is s.ParenExpr:
        e = e.x
    t = type(e)
    if t is s.BinaryExpr:
        op = e.op
        y = e.y
        while type(y) is s.ParenExpr:
            y = y.x
        if op in _INT_TREE_OPS or (
            op in ("%", "//") and type(y) is s.Literal and type(y.value) is int and y.value != 0
        ):
            left, right = _int_tree(e.x, False), _int_tree(e.y, False)
            if left is None or right is None:
                return None
            return ("op", op, left, right, e)
        if top and op in _CMP_HELPER:
            left, right = _int_tree(e.x, False), _int_tree(e.y, False)
            if left is None or right is None:
                return None
            return ("cmp", op, left, right, e)
    elif t is s.UnaryExpr and e.op == "-":
        x = _int_tree(e.x, False)
        return None if x is None else ("neg", x, e)
    elif (t is s.Literal and type(e.value) is not int) or t in _NOT_INT:
        return None
    return ("leaf", e)


def _int_tree_leaves(sh: tuple, leaves: list, nops: int) -> tuple[int, bool]:
    """Append `_int_tree` shape `sh`'s operands to `leaves` in evaluation
    order; return (operators so far, whether an operand other than a name or
    a literal comes after an operator)."""
    kind = sh[0]
    if kind == "leaf":
        x = sh[1]  # (without parentheses: `_int_tree` took them off)
        leaves.append(x)
        return nops, bool(nops) and type(x) is not s.Ident and type(x) is not s.Literal
    if kind == "neg":
        nops, bad = _int_tree_leaves(sh[1], leaves, nops)
        return nops + 1, bad
    nops, bad1 = _int_tree_leaves(sh[2], leaves, nops)
    nops, bad2 = _int_tree_leaves(sh[3], leaves, nops)
    return nops + 1, bad1 or bad2


def _int_tree_tested(sh: tuple, known) -> tuple[bool, int]:
    """(whether an operand of `_int_tree` shape `sh` is of unknown type, how
    many of its operators have such an operand below them); `known`: the
    operands' known types, in order."""
    kind = sh[0]
    if kind == "leaf":
        return next(known) is None, 0
    if kind == "neg":
        unknown, n = _int_tree_tested(sh[1], known)
        return unknown, n + unknown
    u1, n1 = _int_tree_tested(sh[2], known)
    u2, n2 = _int_tree_tested(sh[3], known)
    unknown = u1 or u2
    return unknown, n1 + n2 + unknown


def entry_pos(fn: s.Function) -> tuple[int, int]:
    """Where Go's frame of `fn` is before its first instruction ran: the
    position of that instruction if it has one (a name's load, ...), else
    the `def`'s or `lambda`'s. Go reports an error binding the arguments of a
    call of `fn` in a frame of `fn` at this position."""
    for st in fn.body:
        t = type(st)
        if t is s.ExprStmt and type(st.x) is s.Literal:
            continue  # (a doc string: Go compiles nothing)
        if t is s.BranchStmt:
            continue  # (`pass` compiles to nothing)
        if t is s.DefStmt:
            p = (st.line, st.col)
        elif t is s.AssignStmt:
            p = _first_pos(st.rhs if st.op == "=" else st.lhs)
        elif t is s.ExprStmt:
            p = _first_pos(st.x)
        elif t is s.ReturnStmt:
            p = _first_pos(st.value) if st.value is not None else None
        elif t is s.IfStmt or t is s.WhileStmt:
            p = _first_pos(st.cond)
        elif t is s.ForStmt:
            p = _first_pos(st.iter)
        else:
            p = None
        return p or (fn.line, fn.col)
    return (fn.line, fn.col)


def _first_pos(e: s.Expr | None) -> tuple[int, int] | None:
    """The position of the first instruction Go compiles for `e`, if it has one."""
    while True:
        t = type(e)
        if t is s.Ident:
            return None if e.scope is Scope.UNIVERSAL else (e.line, e.col)
        if t is s.ListExpr or t is s.TupleExpr:
            if not e.elts:
                return None
            e = e.elts[0]
        elif t is s.BinaryExpr or t is s.IndexExpr or t is s.DotExpr or t is s.ParenExpr:
            e = e.x
        elif t is s.UnaryExpr:
            e = e.x
        elif t is s.CondExpr:
            e = e.cond
        elif t is s.CallExpr:
            e = e.fn
        elif t is s.SliceExpr:
            # (the `[` is recorded first: it is the first instruction's if that has none)
            return _first_pos(e.x) or (e.line, e.col)
        elif t is s.LambdaExpr:
            return (e.line, e.col)
        else:  # a literal, a dict display, a comprehension: a constant or a new container
            return None


# compiled expressions that Python's compiler never folds into a constant
_NOT_FOLDED = frozenset({py.Name, py.Call, py.Subscript, py.Attribute, py.NamedExpr})


def _last_pos(*es: s.Expr | s.DictEntry | None) -> tuple[int, int] | None:
    """The position Go's compiler last records while compiling `es` in order:
    that of the last operation among them that may fail (a name's load, an
    operator, a call, an index, a dict entry ...), or None if none may.

    Go reports an error of a slice at this position (its SLICE instruction
    records none of its own, after the `[` it records first): that of the
    last instruction before it in Go's laid-out code. For `x and y` that is
    in `x` (the code after it follows `x`'s, `y`'s is laid out later); for
    `a if c else b`, in `c` or `b`.
    """
    for e in reversed(es):
        p = _last_pos1(e)
        if p is not None:
            return p
    return None


def _last_pos1(e: s.Expr | s.DictEntry | None) -> tuple[int, int] | None:
    t = type(e)
    if e is None or t is s.Literal:
        return None
    if t is s.Ident:
        return None if e.scope is Scope.UNIVERSAL else (e.line, e.col)
    if t is s.ParenExpr:
        return _last_pos1(e.x)
    if t is s.ListExpr or t is s.TupleExpr:
        return _last_pos(*e.elts)
    if t is s.DictExpr:
        return (e.entries[-1].line, e.entries[-1].col) if e.entries else None
    if t is s.DictEntry:
        return (e.line, e.col)
    if t is s.BinaryExpr:
        if e.op == "and":
            return _last_pos1(e.x)
        if e.op == "or":
            return _last_pos(e.x, e.y)
        if e.op == "+":
            return _plus_pos(e)
        return (e.line, e.col)
    if t is s.CondExpr:
        return _last_pos(e.cond, e.else_)  # (its `then` is laid out after)
    if t is s.SliceExpr:
        return _last_pos(e.x, e.lo, e.hi, e.step) or (e.line, e.col)
    if t is s.Comprehension:
        steps: list = []
        for c in e.clauses:
            if type(c) is s.ForClause:  # its iterable, then its `for` (ITERPUSH)
                steps += [c.iter, s.DictEntry(None, None, c.line, c.col)]
            else:
                steps.append(c.cond)
        return _last_pos(*steps, e.body)
    if t is s.LambdaExpr:
        defaults = [p.default for p in e.function.params if getattr(p, "default", None) is not None]
        return _last_pos(*defaults) or (e.line, e.col)
    # a unary operator, an index, a dot, a call: its own position
    return (e.line, e.col)


def _plus_pos(e: s.BinaryExpr) -> tuple[int, int] | None:
    """`a + b + ...` as Go compiles it: adjacent string literals, list
    displays or tuple displays are folded into one (no `+` of theirs is
    recorded); each remaining `+` records its position."""
    terms: list[tuple[s.Expr, tuple[int, int] | None]] = []
    x: s.Expr = e
    while type(x) is s.BinaryExpr and x.op == "+":
        y = x.y
        while type(y) is s.ParenExpr:
            y = y.x
        terms.append((y, (x.line, x.col)))
        x = x.x
        while type(x) is s.ParenExpr:
            x = x.x
    terms.append((x, None))
    terms.reverse()

    def kind(t: s.Expr) -> str | None:
        if type(t) is s.Literal and isinstance(t.value, str):
            return "s"
        return "l" if type(t) is s.ListExpr else "t" if type(t) is s.TupleExpr else None

    runs: list[list[tuple[s.Expr, tuple[int, int] | None]]] = []
    for term in terms:
        k = kind(term[0])
        if runs and k is not None and kind(runs[-1][0][0]) == k:
            runs[-1].append(term)
        else:
            runs.append([term])
    last: tuple[int, int] | None = None
    for i, run in enumerate(runs):
        inner = _last_pos(*(t for t, _ in run)) if len(run) > 1 else _last_pos1(run[0][0])
        last = inner or last
        if i:
            last = run[0][1]
    return last


def _small_const(e: py.expr) -> int | None:
    """The value of constant int `e` (or its negation) if it fits in int32, else None."""
    sign = 1
    if type(e) is py.UnaryOp and type(e.op) is py.USub:
        sign, e = -1, e.operand
    if type(e) is py.Constant and type(e.value) is int and -(2**31) <= e.value < 2**31:
        return sign * e.value
    return None


def _leaves_early(stmts: list[s.Stmt]) -> bool:
    """Whether a loop body may end its loop early: a `break` of this loop, or a `return`."""
    for st in stmts:
        t = type(st)
        if t is s.ReturnStmt or (t is s.BranchStmt and st.kind == "break"):
            return True
        if t is s.IfStmt and (_leaves_early(st.then) or _leaves_early(st.else_)):
            return True
        if (t is s.ForStmt or t is s.WhileStmt) and any(
            type(x) is s.ReturnStmt or _returns(x) for x in st.body
        ):
            return True
    return False


def _returns(st: s.Stmt) -> bool:
    """Whether statement `st` holds a `return` (outside nested functions)."""
    t = type(st)
    if t is s.ReturnStmt:
        return True
    if t is s.IfStmt:
        return any(_returns(x) for x in st.then) or any(_returns(x) for x in st.else_)
    if t is s.ForStmt or t is s.WhileStmt:
        return any(_returns(x) for x in st.body)
    return False


@dataclass(slots=True)
class CodeInfo:
    """What the machine needs to know about one compiled Python code object."""

    name: str  # Starlark function name, "<toplevel>", or "lambda"
    kind: str  # "toplevel", "function", "lambda", "comprehension"
    index: int = -1  # the code index (-1 for Python comprehensions)
    resume: bool = False  # the resume variant (see `resume_variant`)


@dataclass(slots=True, weakref_slot=True)
class CompiledModule:
    """A compiled file: the Python code object and facts about it."""

    filename: str
    source_hash: str
    code: object  # the module code object; running it defines `$toplevel`
    globals: list[str]  # Starlark global names, in binding order
    pyname: dict[str, str]  # Starlark global -> Python name
    loads: list[str]
    universal_used: set[str]
    predeclared_used: set[str]
    call_names: dict[tuple[int, int], str] = field(default_factory=dict)
    # position of an inline `x[i]` -> its operands, each ("name", n) or ("const", v)
    index_sites: dict[tuple[int, int], tuple] = field(default_factory=dict)
    # (owner type, method) called directly; call position -> (owner, method)
    methods_used: set[tuple[str, str]] = field(default_factory=set)
    # (owners "list|dict" and the receiver's local when several types have the method)
    method_sites: dict[tuple[int, int], tuple] = field(default_factory=dict)
    # call position -> the local holding a known dict unpacked natively with **
    starstar_sites: dict[tuple[int, int], str] = field(default_factory=dict)
    # position of a method call `x.name(...)` -> its `.`: where an error of
    # the lookup itself (no such method) is reported, as Go does
    dot_sites: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    # position of a call with named or ** arguments -> (the names, whether **
    # is there, how many positional arguments it has: -1 with a *args)
    keyword_sites: dict[tuple[int, int], tuple[tuple[str, ...], bool, int]] = field(
        default_factory=dict
    )
    # position of a call with *args or **kwargs -> (how many positional
    # arguments it has besides *args, the names of its named arguments, and
    # its *args and **kwargs operands: the local that holds one, or what a
    # display holds (a list's length, a dict's constant keys), "" when there
    # is none, None otherwise); machine._actual_arguments
    star_sites: dict[tuple[int, int], tuple[int, tuple[str, ...], Any, Any]] = field(
        default_factory=dict
    )
    # code index of a def or lambda -> where Go's frame of it starts (entry_pos)
    entry_pos: dict[int, tuple[int, int]] = field(default_factory=dict)
    # id(code object) -> (code object, CodeInfo), for every code object compiled
    # for this module, resume variants included. By identity: code objects
    # compare equal by value, and a variant's inner defs equal the originals.
    codes: dict[int, tuple[object, CodeInfo]] = field(default_factory=dict)
    num_functions: int = 0
    # code index -> its recursion flag (an index into the module's `$busy`)
    flag_of: dict[int, int] = field(default_factory=dict)
    # code index -> {call position (line, col) -> site number}
    sites: dict[int, dict[tuple[int, int], int]] = field(default_factory=dict)
    # code index -> the Python def the compiler built, to derive resume
    # variants from. Not kept after the compile (its tens of thousands of AST
    # nodes would stay tracked by the cyclic GC, walked by every full
    # collection): `rebuild_fdefs` compiles the same source again, on the
    # first resume of a frame of this module.
    fdefs: dict[int, object] = field(default_factory=dict)
    rebuild_fdefs: Callable[[], CompiledModule] | None = None
    # code index -> its normal code object
    by_index: dict[int, object] = field(default_factory=dict)
    # code index -> the compiled resume variant (built on first restore)
    resumes: dict[int, object] = field(default_factory=dict)
    # global def -> (its code index, its clone's or None): the `$fn_F` and
    # `$fs_F` globals direct calls use (machine.link_defs rebuilds them)
    direct_defs: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    # global defs whose clone takes any arguments (infer.ModuleTypes.entries):
    # a Thread calls the clone of such an entry
    entry_clones: set[str] = field(default_factory=set)


def global_pyname(name: str) -> str:
    if name in ("True", "False", "None"):
        return "$g_" + name
    return name


def local_pyname(name: str) -> str:
    if name in ("True", "False", "None"):
        return "$v_" + name
    return name


class _Ctx:
    """Per-function compilation state."""

    def __init__(self, kind: str, parent: _Ctx | None, index: int = 0):
        self.kind = kind  # "toplevel", "function", "lambda"
        self.parent = parent
        self.index = index  # code index: 0 for the top level, then each def/lambda
        self.in_comp = 0  # >0 while compiling inside a Python comprehension
        # >0 while compiling a comprehension's iterable, where Python forbids `:=`
        self.no_walrus = 0
        self.ntemps = 0
        self.nsites = 0
        # calls that are sites, or would be without `Compiler.sealed`: what
        # steps, recursion flags and iteration guards count (the same in both)
        self.ncalls = 0
        self.sites: dict[tuple[int, int], int] = {}  # call position -> site number
        self.renames: dict[str, str] = {}  # comprehension variable -> its Python local
        # for the recursion flag (see Compiler.drop_needless_flags): the global
        # defs this function calls, and whether it calls anything else
        self.callees: set[str] = set()
        self.calls_unknown = False
        self.has_loops = False  # a for or while statement (or a comprehension as loops)
        self.loop_type: str | None = None  # the `$tyN` of the loop being compiled
        # inferred types (see infer.py): Python local name -> type, for the
        # function's locals and temporaries; then one dict per enclosing
        # Python comprehension, whose variables shadow the function's
        self.ptypes: dict[str, str] = {}
        self.ctypes: list[dict[str, str | None]] = []
        # the specialized world (infer.ModuleTypes): the top level and the
        # clones of global defs, whose direct calls of global defs go to clones
        self.specialized = kind == "toplevel"
        # cold code runs once per execution of the module (the top level, a
        # def only it calls, outside loops: infer.ModuleTypes.cold): there,
        # an operation of operands of unknown type calls its helper (fewer
        # nodes to build and compile) instead of testing for a fast path
        self.cold = kind == "toplevel" and COLD
        # what a loop body may do to containers (see `loop`): changes of a
        # container some other reference may reach; owned lists changed
        # (infer._owned_lists); calls that are no sites; built-in calls
        # with a callback (a key=, maybe given by position)
        self.mutations = 0
        self.mutated: list[str] = []
        self.plain_calls = 0
        self.callbacks = 0
        # the locals the loops being compiled iterate (innermost last), and
        # the temporaries that hold an owned list local (see `settled`)
        self.iterating: list[str] = []
        self.aliases: dict[str, str] = {}

    def temp(self, prefix: str = "$t") -> str:
        self.ntemps += 1
        return f"{prefix}{self.ntemps}"


# One instance of each context for every node (CPython's own parser shares
# them too): a node costs less to build.
_LOAD = py.Load()
_STORE = py.Store()


def _unparen_target(e: s.Expr) -> s.Expr:
    while type(e) is s.ParenExpr:
        e = e.x
    return e


# the type of a display's value, by its syntax
_DISPLAY_TYPES = {s.ListExpr: "list", s.DictExpr: "dict", s.TupleExpr: "tuple"}


def _fill_starts(node, line: int, col: int) -> None:
    """Give each node under `node` that has no start its parent's, as
    `ast.fix_missing_locations` does, but not an end (which that would take
    from line 1: see `_at`)."""
    if "lineno" in node._attributes:
        d = node.__dict__
        line = d.setdefault("lineno", line)
        col = d.setdefault("col_offset", col)
    for child in py.iter_child_nodes(node):
        _fill_starts(child, line, col)


def _at(node, line: int, col: int):
    # (the node's attributes live in its __dict__: writing it directly costs
    # less than setattr; a compile builds tens of thousands of nodes). Only
    # where a node starts: the machine reads no end, and compile() takes a
    # missing end to be the start, so each node has two attributes fewer to
    # write and for compile() to read.
    d = node.__dict__
    d["lineno"] = line
    d["col_offset"] = col - 1 if col > 0 else 0
    return node


class Compiler:
    def __init__(
        self, file: s.File, options: frozenset[str], sealed: bool = False, counted: bool = True
    ):
        self.file = file
        self.filename = file.filename
        self.options = options
        # Sealed: the module runs where no call can suspend (`exec_file`
        # outside a thread: nothing could capture a suspension there, and a
        # file without `load` runs no other module's code compiled for a
        # thread). Every call is then a plain call: no call site, no `$fK`
        # and `$sK` temporaries, loops and comprehensions with calls stay
        # plain Python. Steps, recursion flags and iteration guards count
        # those calls as they count sites (`_Ctx.ncalls`), so the two
        # compiles behave alike.
        self.sealed = sealed and not any(type(st) is s.LoadStmt for st in file.stmts)
        # Counted: the run may have a step budget. A run without one counts
        # no step (`$COUNTED` is false), so its compile leaves the counting
        # out: no `$COUNTED and next($T)`, no `$k` flags, no `$charge`.
        self.counted = counted
        self.recursion = "recursion" in options
        self.globals = set(file.globals)
        self.ctx: _Ctx | None = None
        self.line = 1
        self.col = 1
        self.universal_used: set[str] = set()
        self.predeclared_used: set[str] = set()
        self.call_names: dict[tuple[int, int], str] = {}
        self.index_sites: dict[tuple[int, int], tuple] = {}
        self.methods_used: set[tuple[str, str]] = set()
        self.method_sites: dict[tuple[int, int], tuple[str, str]] = {}
        self.starstar_sites: dict[tuple[int, int], str] = {}
        self.dot_sites: dict[tuple[int, int], tuple[int, int]] = {}
        self.entry_pos: dict[int, tuple[int, int]] = {}
        self.keyword_sites: dict[tuple[int, int], tuple[tuple[str, ...], bool, int]] = {}
        self.star_sites: dict[tuple[int, int], tuple[int, tuple[str, ...], Any, Any]] = {}
        self.nfuncs = 0
        self.ncodes = 1  # code index 0 is the top level
        self.code_names: dict[int, tuple[str, str]] = {0: ("<toplevel>", "toplevel")}
        self.fdefs: dict[int, py.FunctionDef] = {}
        self._types_cache: dict[tuple, dict] = {}
        self.sites: dict[int, dict[tuple[int, int], int]] = {}
        # global names bound by a top-level def (once: no `globalreassign`)
        self.global_defs: dict[str, int] = (
            {}
            if "globalreassign" in options
            else {st.name.name: 0 for st in file.stmts if type(st) is s.DefStmt}
        )
        # per def/lambda (by code index): (callees, calls_unknown, flag statements)
        self.flagged: dict[int, tuple[set[str], bool, py.FunctionDef | None, int]] = {}
        self.flag_of: dict[int, int] = {}  # code index -> its recursion flag
        self.flag_by_fn: dict[int, int] = {}  # id(Starlark Function) -> its flag
        # types across the module: globals, and the clones of global defs
        # (infer.module_types): a clone is compiled once the rest is, so the
        # original code indexes do not depend on which defs have one
        defs = {
            st.name.name: st.function
            for st in file.stmts
            if type(st) is s.DefStmt and st.name.name in self.global_defs
        }
        self.mt = infer.module_types(file, defs) if defs and SPECIALIZE else infer.ModuleTypes()
        # global defs whose calls are no call sites: they cannot suspend
        self.nosuspend: set[str] = (
            infer.nosuspend_defs(
                file,
                defs,
                self.mt.globals,
                lambda t, name: t in _method_owners(name),
                DIRECT_BUILTINS,
                self.generic_types,
            )
            if defs and SPECIALIZE
            else set()
        )
        self.clone_requests: list[tuple[s.Function, str, int, py.stmt]] = []
        # key= lambdas of sorted/min/max -> their parameter's type (type_key_lambda)
        self.key_params: dict[int, dict[str, str]] = {}
        self.clone_orig: dict[int, int] = {}  # clone's code index -> the original's
        # global def -> (code index, clone's code index or None), see `link_defs`
        self.direct_defs: dict[str, tuple[int, int | None]] = {}

    # ------------------------------------------------------------ helpers

    def at(self, node, line: int | None = None, col: int | None = None):
        return _at(node, self.line if line is None else line, self.col if col is None else col)

    # The helpers below, and the AST nodes built often, pass their fields by
    # position: keyword arguments cost an AST constructor about 140 ns more.
    def name(self, id: str, ctx=None) -> py.Name:
        return _at(py.Name(id, ctx or _LOAD), self.line, self.col)

    def store(self, id: str) -> py.Name:
        return _at(py.Name(id, _STORE), self.line, self.col)

    def const(self, v) -> py.Constant:
        return _at(py.Constant(v), self.line, self.col)

    def call(self, fn: str, *args: py.expr) -> py.Call:
        line, col = self.line, self.col
        return _at(py.Call(_at(py.Name(fn, _LOAD), line, col), list(args), []), line, col)

    def assign(self, target: str, value: py.expr) -> py.Assign:
        line, col = self.line, self.col
        return _at(py.Assign([_at(py.Name(target, _STORE), line, col)], value), line, col)

    def expr_stmt(self, value: py.expr) -> py.Expr:
        return _at(py.Expr(value), self.line, self.col)

    def known(self, e: py.expr) -> str | None:
        """The statically known Starlark type of compiled expression `e`, if any."""
        if type(e) is py.Constant:
            return _CONST_TYPES.get(type(e.value))
        return getattr(e, "sl_type", None)

    def typed(self, e: py.expr, t: str | None) -> py.expr:
        if t is not None:
            e.sl_type = t
        return e

    def local_type(self, pyname: str, ctx: _Ctx | None = None) -> str | None:
        ctx = ctx or self.ctx
        for d in reversed(ctx.ctypes):
            if pyname in d:
                return d[pyname]
        return ctx.ptypes.get(pyname)

    def generic_types(self, fn: s.Function, free: dict[str, str] | None = None) -> dict:
        """infer.function_types of the plain compile of `fn`, computed once."""
        key = (id(fn), tuple(sorted((free or {}).items())))
        got = self._types_cache.get(key)
        if got is None:
            got = self._types_cache[key] = infer.function_types(fn, genv=self.mt.globals, free=free)
        return got

    def note_mutation(self, x: py.expr) -> None:
        """Compiling a change of container `x` (see `loop`)."""
        if type(x) is py.Name and self.local_type(x.id + "!") == "owned":
            self.ctx.mutated.append(x.id)
        else:
            self.ctx.mutations += 1

    def elems_known(self, x: py.expr) -> str | None:
        """The type of every element of list `x`, an owned list local (infer.py)."""
        if type(x) is py.Name:
            return self.local_type(x.id + "[]")
        return None

    def ast_elems(self, e: s.Expr) -> str | None:
        """The element type of a comprehension's first iterable, when known."""
        while type(e) is s.ParenExpr:
            e = e.x
        if type(e) is s.Ident and e.scope is Scope.LOCAL:
            return self.local_type((self.ctx.renames.get(e.name) or local_pyname(e.name)) + "[]")
        if type(e) is s.ListExpr and e.elts:
            kinds = {_DISPLAY_TYPES.get(type(x)) for x in e.elts}
            return kinds.pop() if len(kinds) == 1 else None
        if type(e) is s.Comprehension and not e.is_dict:
            return _DISPLAY_TYPES.get(type(e.body))  # (a list of displays)
        return None

    def is_simple(self, e: py.expr) -> bool:
        return isinstance(e, py.Name | py.Constant)

    def all_of(self, tests: list[py.expr]) -> py.expr:
        """`t1 and t2 and ...` (the one test itself when there is one)."""
        return tests[0] if len(tests) == 1 else self.at(py.BoolOp(py.And(), tests))

    def bind_temp(self, e: py.expr) -> tuple[py.expr, py.expr] | None:
        """Return (first_use, later_use) of `e` so it is evaluated once, or None."""
        if self.is_simple(e):
            return e, e
        if self.ctx.no_walrus:
            return None
        # (inside a comprehension the temporary belongs to the enclosing
        # function, as a cell: the price of a native fast path there)
        t = self.ctx.temp()
        k = self.known(e)
        if k is not None:
            self.ctx.ptypes[t] = k
            if k == "int":
                b = self.bits(e)
                if b is not None:
                    self.ctx.ptypes[t + "#"] = str(b)
        return (
            self.typed(self.at(py.NamedExpr(self.store(t), e)), k),
            self.typed(self.name(t), k),
        )

    def hoist(self, e: py.expr, pre: list[py.stmt], names: bool = False) -> py.expr:
        """Evaluate `e` now, into a temporary, unless it is a constant or (but
        with `names`: a name's value may change, or its read fail) a name."""
        if type(e) is py.Constant or (type(e) is py.Name and not names):
            return e
        t = self.ctx.temp()
        pre.append(self.assign(t, e))
        k = self.known(e)
        if k is not None:
            self.ctx.ptypes[t] = k
            if k == "int":
                b = self.bits(e)
                if b is not None:
                    self.ctx.ptypes[t + "#"] = str(b)
        return self.typed(self.name(t), k)

    def exprs(self, nodes: list[s.Expr | None], pre: list[py.stmt]) -> list[py.expr | None]:
        """Compile operands left to right, keeping Starlark's evaluation order.

        An operand may hoist statements (a call site, see `call_expr`); the
        operands before it are then evaluated into temporaries first, so that
        when a call suspends, every value already computed is a local.
        """
        outs: list[py.expr | None] = []
        for n in nodes:
            if n is None:
                outs.append(None)
                continue
            sub: list[py.stmt] = []
            v = self.expr(n, sub)
            if sub:
                for i, o in enumerate(outs):
                    if o is not None:
                        outs[i] = self.hoist(o, pre)
                pre.extend(sub)
            outs.append(v)
        return outs

    # ------------------------------------------------------------ module

    def compile_module(self) -> py.Module:
        self.ctx = _Ctx("toplevel", None)
        body: list[py.stmt] = []
        gl = [global_pyname(g) for g in self.file.globals]
        if gl:
            body.append(self.at(py.Global(gl), 1, 1))
        body.extend(self.budget_check(1, 1))
        body.extend(self.stmts(self.file.stmts))
        if len(body) == 0 or (len(body) == 1 and isinstance(body[0], py.Global)):
            body.append(self.at(py.Pass(), 1, 1))
        fn = py.FunctionDef(
            name="$toplevel",
            args=py.arguments(
                posonlyargs=[],
                args=[],
                vararg=None,
                kwonlyargs=[],
                kw_defaults=[],
                kwarg=None,
                defaults=[],
            ),
            body=body,
            decorator_list=[],
            returns=None,
        )
        _at(fn, 1, 1)
        self.fdefs[0] = fn
        self.sites[0] = self.ctx.sites
        self.compile_clones(fn)
        if not self.recursion:
            self.drop_needless_flags()
        mod = py.Module(body=[fn], type_ignores=[])
        return mod

    def compile_clones(self, top: py.FunctionDef) -> None:
        """Compile each requested clone and put it right after its original's def.

        F$j = <F compiled with known parameter types>   (no defaults:)
        F$j.__defaults__ = F$i.__defaults__           (the same objects)
        $fs_F = F$j
        """
        if not self.direct_defs:
            return
        toplevel = self.ctx
        names = [f"$fn_{n}" for n in self.direct_defs]
        after: dict[int, list[py.stmt]] = {}
        for fn, name, orig, marker in self.clone_requests:
            self.ctx = toplevel
            self.line, self.col = fn.line, fn.col
            pre: list[py.stmt] = []
            pyname = self.function_def(fn, pre, clone_of=(name, orig))
            j = int(pyname.rsplit("$", 1)[1])
            self.clone_orig[j] = orig
            self.direct_defs[name] = (orig, j)
            self.line, self.col = fn.line, fn.col
            has_defaults = any(p.default is not None for p in fn.params)
            for attr in ("__defaults__", "__kwdefaults__") if has_defaults else ():
                src = self.at(py.Attribute(self.name(f"{fn.name}${orig}"), attr, _LOAD))
                dst = self.at(py.Attribute(self.name(pyname), attr, _STORE))
                pre.append(self.at(py.Assign([dst], src)))
            pre.append(self.assign(f"$fs_{name}", self.name(pyname)))
            names.append(f"$fs_{name}")
            after[id(marker)] = pre
        self.ctx = toplevel
        # (each original def's statements are in the top level's own body)
        body: list[py.stmt] = []
        for st in top.body:
            body.append(st)
            body.extend(after.get(id(st), ()))
        top.body[:] = body
        if top.body and isinstance(top.body[0], py.Global):
            top.body[0].names.extend(names)
        else:
            top.body.insert(0, self.at(py.Global(names), 1, 1))

    def budget_check(self, line: int, col: int) -> list[py.stmt]:
        # next($T): one step from the thread's budget (machine.Budget), which
        # raises "too many steps" when there is none left
        if not self.counted:
            return []
        saved = self.line, self.col
        self.line, self.col = line, col
        # `$COUNTED and next($T)`: without a budget (`$COUNTED` false) a step
        # costs a global's truth test (~2 ns) instead of a call (~10 ns)
        stmt = self.expr_stmt(
            self.at(
                py.BoolOp(py.And(), [self.name("$COUNTED"), self.call("$next", self.name("$T"))])
            )
        )
        self.line, self.col = saved
        return [stmt]

    # ------------------------------------------------------------ statements

    def stmts(self, stmts: list[s.Stmt]) -> list[py.stmt]:
        out: list[py.stmt] = []
        for st in stmts:
            out.extend(self.stmt(st))
        return out

    def block(self, stmts: list[s.Stmt], line: int, col: int) -> list[py.stmt]:
        out = self.stmts(stmts)
        if not out:
            out = [self.at(py.Pass(), line, col)]
        return out

    def stmt(self, st: s.Stmt) -> list[py.stmt]:
        out = self._stmt(st)
        if SPECIALIZE and not self.ctx.cold:
            # (not into a global: a def the values call could read it early)
            top = self.ctx.kind == "toplevel"
            for i in range(len(out) - 1, -1, -1):
                if type(out[i]) is py.Assign:
                    stores = _dict_stores(out[i], self.ctx.temp, top)
                    if stores is not None:
                        out[i : i + 1] = stores
        return out

    def _stmt(self, st: s.Stmt) -> list[py.stmt]:
        self.line, self.col = st.line, st.col
        t = type(st)
        if t is s.ExprStmt:
            pre: list[py.stmt] = []
            e = self.expr(st.x, pre)
            self.line, self.col = st.line, st.col
            return [*pre, self.expr_stmt(e)]
        if t is s.AssignStmt:
            return self.assign_stmt(st)
        if t is s.DefStmt:
            return self.def_stmt(st)
        if t is s.ReturnStmt:
            pre = []
            v = self.expr(st.value, pre) if st.value is not None else self.const(None)
            self.line, self.col = st.line, st.col
            return [*pre, self.at(py.Return(v))]
        if t is s.IfStmt:
            pre = []
            cond = self.expr(st.cond, pre)
            then = self.block(st.then, st.line, st.col)
            orelse = self.stmts(st.else_)
            self.line, self.col = st.line, st.col
            return [*pre, self.at(py.If(test=cond, body=then, orelse=orelse), st.line, st.col)]
        if t is s.ForStmt:
            return self.for_stmt(st)
        if t is s.WhileStmt:
            return self.while_stmt(st)
        if t is s.BranchStmt:
            node = {"break": py.Break, "continue": py.Continue, "pass": py.Pass}[st.kind]()
            return [self.at(node)]
        if t is s.LoadStmt:
            return self.load_stmt(st)
        raise TypeError(f"unexpected statement {t.__name__}")  # pragma: no cover

    def load_stmt(self, st: s.LoadStmt) -> list[py.stmt]:
        out: list[py.stmt] = []
        m = self.ctx.temp("$mod")
        out.append(self.assign(m, self.call("$load", self.const(st.module))))
        for ident, orig in st.names:
            self.line, self.col = ident.line, ident.col
            v = self.call("$loadattr", self.name(m), self.const(orig), self.const(st.module))
            out.append(self.assign_to_ident(ident, v))
        return out

    def ident_target(self, ident: s.Ident) -> str:
        sc = ident.scope
        if sc is Scope.GLOBAL:
            return global_pyname(ident.name)
        if sc is Scope.FILE:
            return "$l_" + ident.name
        return self.ctx.renames.get(ident.name) or local_pyname(ident.name)

    def assign_to_ident(self, ident: s.Ident, value: py.expr) -> py.stmt:
        return self.at(py.Assign([self.at(py.Name(self.ident_target(ident), _STORE))], value))

    def assign_stmt(self, st: s.AssignStmt) -> list[py.stmt]:
        pre: list[py.stmt] = []
        if st.op == "=":
            rhs = self.expr(st.rhs, pre)
            self.line, self.col = st.line, st.col
            return pre + self.assign_target(st.lhs, rhs, (st.line, st.col))
        # augmented: x op= y
        op = st.op[:-1]
        lhs = st.lhs
        while type(lhs) is s.ParenExpr:
            lhs = lhs.x
        if type(lhs) is s.Ident:
            rshape = _int_tree(st.rhs, False) if op in _INT_TREE_OPS else None
            if SPECIALIZE and not self.ctx.cold and rshape is not None:
                # `x op= <arithmetic>`: one int test for the whole (int_tree)
                shape = ("op", op, ("leaf", lhs), rshape, st)
                v = self.int_tree(shape, pre, augmented=True)
                if v is not None:
                    return [*pre, self.assign_to_ident(lhs, v)]
            cur = self.expr(lhs, pre)
            cur, rhs = self.read_then_rhs(cur, st.rhs, pre)
            self.line, self.col = st.line, st.col
            if op in ("+", "|", "&", "^", "-") and self.known(cur) not in _IMMUTABLE:
                self.note_mutation(cur)  # (list +=, dict |=, set |= ... change it in place)
            v = self.augmented(op, cur, rhs)
            return [*pre, self.assign_to_ident(lhs, v)]
        if type(lhs) is s.IndexExpr:
            x = self.expr(lhs.x, pre)
            i = self.expr(lhs.index, pre)
            tx, ti = self.ctx.temp(), self.ctx.temp()
            self.line, self.col = lhs.line, lhs.col
            pre.append(self.assign(tx, x))
            pre.append(self.assign(ti, i))
            kx, ki = self.known(x), self.known(i)
            for t, k in ((tx, kx), (ti, ki)):
                if k is not None:
                    self.ctx.ptypes[t] = k
            nx, ni = self.typed(self.name(tx), kx), self.typed(self.name(ti), ki)
            cur, rhs = self.read_then_rhs(self.index(nx, ni, lhs, pre), st.rhs, pre)
            self.line, self.col = st.line, st.col
            v = self.augmented(op, cur, rhs)
            self.line, self.col = lhs.line, lhs.col
            tv = self.ctx.temp()
            pre.append(self.assign(tv, v))
            slow = self.expr_stmt(
                self.call("$setindex", self.name(tx), self.name(ti), self.name(tv))
            )
            return [*pre, *self.store_index(nx, ni, self.name(tv), slow)]
        if type(lhs) is s.DotExpr:
            x = self.expr(lhs.x, pre)
            tx = self.ctx.temp()
            pre.append(self.assign(tx, x))
            self.line, self.col = lhs.line, lhs.col
            self.ctx.mutations += 1
            cur = self.call("$getattr", self.name(tx), self.const(lhs.name))
            cur, rhs = self.read_then_rhs(cur, st.rhs, pre)
            self.line, self.col = st.line, st.col
            v = self.augmented(op, cur, rhs)
            self.line, self.col = lhs.line, lhs.col
            return [
                *pre,
                self.expr_stmt(self.call("$setattr", self.name(tx), self.const(lhs.name), v)),
            ]
        raise TypeError("bad augmented assignment target")  # pragma: no cover

    def read_then_rhs(
        self, cur: py.expr, rhs: s.Expr, pre: list[py.stmt]
    ) -> tuple[py.expr, py.expr]:
        """`x op= rhs`: compile `rhs` after the read `cur` of the target. As
        Go, the target is read first: when `rhs` needs statements of its own,
        the read is made a statement before them (its error comes first)."""
        rpre: list[py.stmt] = []
        v = self.expr(rhs, rpre)
        if rpre:
            cur = self.hoist(cur, pre, names=True)
        pre += rpre
        return cur, v

    def augmented(self, op: str, cur: py.expr, rhs: py.expr) -> py.expr:
        # as Go: list += iterable extends the list in place; everything else rebinds
        if op == "+":
            # as `+`, but the slow path extends a list in place
            return self.guarded(
                lambda a, b: self.at(py.BinOp(a, py.Add(), b)),
                "$iadd",
                cur,
                rhs,
                "$ADD_NATIVE",
            )
        if op in ("|", "&", "^", "-"):
            # spec: dict |= and the set operators update the left operand in place
            return self.call("$augmented", self.const(op), cur, rhs)
        return self.binop(op, cur, rhs)

    def assign_target(
        self, target: s.Expr, value: py.expr, at: tuple[int, int] | None = None
    ) -> list[py.stmt]:
        """`target = value`. `at`: where an unpacking fails (as Go: the `=` of
        an assignment, the `for` of a loop; else the target)."""
        t = type(target)
        if t is s.ParenExpr:
            return self.assign_target(target.x, value, at)
        if t is s.Ident:
            return [self.assign_to_ident(target, value)]
        if t is s.TupleExpr or t is s.ListExpr:
            n = len(target.elts)
            self.line, self.col = at or (target.line, target.col)
            elts = [_unparen_target(x) for x in target.elts]
            direct = all(type(x) is s.Ident for x in elts)
            # names: the targets themselves when all are names (Python
            # assigns them left to right once every value is there, as
            # Starlark does), else temporaries assigned to them in turn
            names = (
                [self.ident_target(x) for x in elts]
                if direct
                else [self.ctx.temp() for _ in range(n)]
            )
            out: list[py.stmt] = []
            kv = self.known(value)

            def tup():
                return self.at(py.Tuple([self.store(x) for x in names], _STORE))

            def finish() -> list[py.stmt]:
                if not direct:
                    for sub, nm in zip(target.elts, names, strict=True):
                        out.extend(self.assign_target(sub, self.name(nm), at))
                return out

            if (type(value) is py.Tuple and len(value.elts) == n) or (
                type(value) is py.Constant and type(value.value) is tuple and len(value.value) == n
            ):
                # `a, b = b, a + b`: a tuple display of the right length
                # unpacks as Python's (which makes no tuple)
                out.append(self.at(py.Assign([tup()], value)))
                return finish()
            if not self.is_simple(value):
                v = self.ctx.temp()
                out.append(self.assign(v, value))
                value = self.name(v)

            slow = self.at(py.Assign([tup()], self.call("$unpack", value, self.const(n))))
            if isinstance(value, py.Constant):
                out.append(slow)
            else:
                # a tuple or list unpacks natively; a wrong length is re-raised
                # by $unpack in Starlark's words, anything else goes to it
                native = self.at(py.Assign([tup()], value))
                retry = self.at(py.ExceptHandler(self.name("$ValueError"), None, [slow]))
                attempt = self.at(py.Try(body=[native], handlers=[retry], orelse=[], finalbody=[]))
                if kv in ("tuple", "list"):  # (known: no test; any List unpacks)
                    out.append(attempt)
                else:
                    tests = [
                        self.at(py.Compare(self.call("$type", value), [py.Is()], [self.name(tn)]))
                        for tn in ("$tuple", "$List")
                    ]
                    test = self.at(py.BoolOp(py.Or(), tests))
                    out.append(self.at(py.If(test=test, body=[attempt], orelse=[slow])))
            return finish()
        if t is s.IndexExpr:
            pre: list[py.stmt] = []
            tv = self.ctx.temp()
            pre.append(self.assign(tv, value))
            x, i = self.exprs([target.x, target.index], pre)
            self.line, self.col = target.line, target.col
            x, i = self.hoist(x, pre), self.hoist(i, pre)
            slow = self.expr_stmt(self.call("$setindex", x, i, self.name(tv)))
            if isinstance(x, py.Constant):
                return [*pre, slow]

            return [*pre, *self.store_index(x, i, self.name(tv), slow)]
        if t is s.DotExpr:
            self.ctx.mutations += 1
            pre = []
            tv = self.ctx.temp()
            pre.append(self.assign(tv, value))
            x = self.expr(target.x, pre)
            self.line, self.col = target.line, target.col
            return [
                *pre,
                self.expr_stmt(self.call("$setattr", x, self.const(target.name), self.name(tv))),
            ]
        raise TypeError(f"bad assignment target {t.__name__}")  # pragma: no cover

    def store_index(self, x: py.Name, i: py.expr, v: py.Name, slow: py.stmt) -> list[py.stmt]:
        """`x[i] = v` natively for a mutable dict with a str or int key, or a
        mutable list with an int index; `slow` ($setindex) otherwise.

            if type(x) is $Dict and type(i) in $KEY_NATIVE:
                x[i] = v
            elif type(x) is $List and type(i) is $int:   (a List may change:
                try: x[i] = v                             values.List)
                except IndexError: $setindex(...)  (raises Starlark's error)
            else: $setindex(x, i, v)

        Tests whose answer is known statically (infer.py) are left out.
        Measured: list store 2x faster than the helper call.
        """
        # (`slow` and `store` appear in several branches: compile() takes shared
        # nodes, and no resume transformation rewrites a statement without a site)
        kx, ki = self.known(x), self.known(i)
        self.note_mutation(x)

        def is_type(e, tname):
            return self.at(py.Compare(self.call("$type", e), [py.Is()], [self.name(tname)]))

        def all_of(tests):
            if len(tests) == 1:
                return tests[0]
            return self.at(py.BoolOp(py.And(), tests))

        store = self.at(py.Assign([self.at(py.Subscript(x, i, _STORE))], v))
        dtests = [is_type(x, "$Dict")]
        if ki not in ("int", "str"):
            dtests.append(
                self.at(py.Compare(self.call("$type", i), [py.In()], [self.name("$KEY_NATIVE")]))
            )
        ltests = [is_type(x, "$List")]
        if ki != "int":
            ltests.append(is_type(i, "$int"))
        handler = self.at(py.ExceptHandler(self.name("$IndexError"), None, [slow]))
        fast = self.at(py.Try(body=[store], handlers=[handler], orelse=[], finalbody=[]))
        if kx == "dict":
            return [self.at(py.If(test=all_of(dtests), body=[store], orelse=[slow]))]
        if kx == "list":
            if self.settled(x):  # (a List here: only the index's type to test)
                ltests = ltests[1:]
                if not ltests:
                    return [fast]
            return [self.at(py.If(test=all_of(ltests), body=[fast], orelse=[slow]))]
        if kx is not None:
            return [slow]
        if ki is not None and ki != "int":
            # (a str key: no list takes it; the helper words the error)
            return [self.at(py.If(test=all_of(dtests), body=[store], orelse=[slow]))]
        list_path = self.at(py.If(test=all_of(ltests), body=[fast], orelse=[slow]))
        return [self.at(py.If(test=all_of(dtests), body=[store], orelse=[list_path]))]

    def for_stmt(self, st: s.ForStmt) -> list[py.stmt]:
        pre: list[py.stmt] = []
        it = self.expr(st.iter, pre)
        self.line, self.col = st.line, st.col
        return pre + self.loop(
            st.target,
            it,
            lambda: self.block(st.body, st.line, st.col),
            st.line,
            st.col,
            prepay=not _leaves_early(st.body),
        )

    def loop(
        self, target: s.Expr, it: py.expr, body_fn, line: int, col: int, prepay: bool
    ) -> list[py.stmt]:
        """`for target in it: body`, with the iteration guard held for the loop.

        Steps: a loop that cannot leave early (`prepay`: no break or return)
        and holds no call site pays for all its iterations when it starts
        (`$iterate_charge`, see machine._make_charge) instead of counting each.

        A loop whose body holds a call site also counts its iterations in a
        local (`$iN`, through `$enumerate`), so a suspended frame records
        where the loop was; resuming re-enters it at that index (see
        `resume_variant`).
        """
        self.line, self.col = line, col
        self.ctx.has_loops = True
        tv = self.ctx.temp("$it")
        out = [self.assign(tv, it)]
        loopvar = self.ctx.temp("$x")
        sites_before = self.ctx.nsites
        calls_before = self.ctx.ncalls
        ctx = self.ctx
        effects_before = (ctx.mutations, len(ctx.mutated), ctx.plain_calls, ctx.callbacks)
        check = self.budget_check(line, col)
        body: list[py.stmt] = []
        while type(target) is s.ParenExpr:
            target = target.x
        cold, ctx.cold = ctx.cold, False  # (a loop's body may run often)
        ctx.iterating.append(it.id if type(it) is py.Name else "")
        if type(target) is not s.Ident:
            body += self.assign_target(target, self.name(loopvar), (line, col))
        body += body_fn()
        ctx.iterating.pop()
        ctx.cold = cold
        self.line, self.col = line, col
        # A body that calls nothing that may suspend or change things (no
        # site, no def, no callback) and changes only owned lists other than
        # the one iterated cannot change the container: no guard to take.
        # (A changed owned list is no other value: nothing else reaches it.)
        quiet = (
            ctx.ncalls == calls_before
            and (ctx.mutations, ctx.plain_calls, ctx.callbacks)
            == (effects_before[0], effects_before[2], effects_before[3])
            and not (type(it) is py.Name and it.id in ctx.mutated[effects_before[1] :])
        )
        alone = self.local_type(it.id + "~") if type(it) is py.Name else None
        if not quiet and alone == "readonly" and ctx.ncalls == calls_before:
            quiet, it = True, self.typed(it, "dict")
        elif alone == "lent":
            quiet = True
        prepay = prepay and self.ctx.ncalls == calls_before
        if not prepay:
            body = check + body
        tgt = (
            self.at(py.Name(self.ident_target(target), _STORE))
            if type(target) is s.Ident
            else self.store(loopvar)
        )
        kt = self.known(it)
        kflag = self.ctx.temp("$k") if prepay and self.counted else None
        self.ctx.loop_type = None
        if kflag is not None:
            # if $k: next($T)   ($k: the loop did not pay up front, and counts:
            # true only with a budget)
            step = self.expr_stmt(self.call("$next", self.name("$T")))
            body = [self.at(py.If(test=self.name(kflag), body=[step], orelse=[])), *body]
        if quiet and kt not in ("tuple", "range"):
            guard, release = self.unguarded(tv, kt, kflag), []
        else:
            guard, release = self.iteration_guard(tv, kt, kflag, self.ctx.ncalls > calls_before)
        out += guard
        src = self.name(tv)
        if self.ctx.nsites > sites_before:
            # for x in ($pN := iter($itK)): the iterator in a local, from which
            # a suspension reads the loop's position (thread._loop_position)
            pos = "$p" + tv[3:]  # $pK goes with $itK (thread._capture reads both)
            ty = self.ctx.loop_type
            native = self.at(
                py.Compare(
                    self.name(ty) if ty else self.call("$type", self.name(tv)),
                    [py.In()],
                    [self.name("$NATIVE_ITER")],
                )
            )
            make = self.at(
                py.IfExp(
                    native, self.call("$iter", self.name(tv)), self.call("$Counting", self.name(tv))
                )
            )
            src = self.at(py.NamedExpr(self.store(pos), make))
        loop = self.at(py.For(target=tgt, iter=src, body=body, orelse=[]))
        if not release:
            out.append(loop)
        else:
            out.append(self.at(py.Try(body=[loop], handlers=[], orelse=[], finalbody=release)))
        return out

    def charge(self, seq: py.expr) -> py.expr:
        """`$charge(seq)`: a comprehension's steps paid when it starts (none
        in a compile without counting: `seq` itself)."""
        return self.call("$charge", seq) if self.counted else seq

    def prepay(self, tv: str, kflag: str | None) -> list[py.stmt]:
        """`$k = $COUNTED and (len($it) < 16 or $prepay($it))`: `$k` says
        the loop did not pay its steps up front and counts each
        (machine.Budget.prepay); without a budget there is nothing to count:
        `$k` false."""
        if kflag is None:
            return []
        # (the short loop's test inline: a call costs ~50 ns, and short loops
        # are the ones started often)
        short = self.at(py.Compare(self.call("$pylen", self.name(tv)), [py.Lt()], [self.const(16)]))
        paid = self.call("$prepay", self.name(tv))
        test = self.at(
            py.BoolOp(py.And(), [self.name("$COUNTED"), self.at(py.BoolOp(py.Or(), [short, paid]))])
        )
        return [self.assign(kflag, test)]

    def unguarded(self, tv: str, kt: str | None, kflag: str | None) -> list[py.stmt]:
        """The start of a loop that nothing can disturb (see `loop`): no guard.

        if type($it) in $NATIVE_ITER:   # a list, dict, set (any state), ...
            $k = $COUNTED and (len($it) < 16 or $prepay($it))
        else:
            $iterate($it)                # another iterable, or the error
            $k = $COUNTED
        """
        pay = self.prepay(tv, kflag)
        if kt in ("list", "dict"):
            return pay
        other: list[py.stmt] = [self.expr_stmt(self.call("$iterate", self.name(tv)))]
        if kflag is not None:
            other.append(self.assign(kflag, self.name("$COUNTED")))
        if not pay:  # (nothing to pay: `if type($it) not in $NATIVE_ITER: $iterate($it)`)
            other_kind = self.at(
                py.Compare(
                    self.call("$type", self.name(tv)), [py.NotIn()], [self.name("$NATIVE_ITER")]
                )
            )
            return [self.at(py.If(test=other_kind, body=other, orelse=[]))]
        native = self.at(
            py.Compare(self.call("$type", self.name(tv)), [py.In()], [self.name("$NATIVE_ITER")])
        )
        return [self.at(py.If(test=native, body=pay, orelse=other))]

    def iteration_guard(
        self, tv: str, kt: str | None, kflag: str | None, may_suspend: bool
    ) -> tuple[list[py.stmt], list[py.stmt]]:
        """The statements that start and end iterating `tv`, inline.

        A list or dict cannot change while a loop iterates it: its class
        becomes IterList/IterDict for the loop (values.List).

            $ty = type($it)
            if $ty is $List:                      # a list that may change
                $it.__class__ = $IterList
                $k = $COUNTED and (len($it) < 16 or $prepay($it))
            elif $ty is $Dict: ... likewise
            elif $ty is $tuple or $ty is $range:  # immutable: no guard
                $k = $COUNTED and (len($it) < 16 or $prepay($it))
            else:
                $iterate($it)                     # frozen, already iterated, a set,
                $k = $COUNTED                     # another iterable, or an error
            ...
            finally: the guard released likewise ($iter_done for the rest)

        `$k` (only for a loop that may pay up front, see `loop`) says that it
        did not: a short loop (under 16 iterations, where paying would cost
        more than counting) or a budget too small. A known type (infer.py)
        keeps only its branches.

        A loop that may suspend releases its guard from the container's
        class, not from `$ty`: a resumed loop took its guard again through
        `$resume_iter`, and a snapshot leaves `$ty` locals out. A loop that
        cannot suspend calls no host function, so nothing can freeze its
        container meanwhile: `$ty` says what to undo.
        """
        it = lambda: self.name(tv)  # noqa: E731

        def set_class(cls: str) -> py.stmt:
            target = self.at(py.Attribute(it(), "__class__", _STORE))
            return self.at(py.Assign([target], self.name(cls)))

        def pay() -> list[py.stmt]:
            return self.prepay(tv, kflag)

        def other(helper: str) -> list[py.stmt]:
            out = [self.expr_stmt(self.call(helper, it()))]
            if kflag is not None and helper == "$iterate":
                out.append(self.assign(kflag, self.name("$COUNTED")))
            return out

        if kt in ("tuple", "range"):
            return pay(), []
        if kt is not None and kt not in ("list", "dict"):
            return other("$iterate"), other("$iter_done")
        ty = self.ctx.temp("$ty")
        self.ctx.loop_type = ty

        def is_(*types: str, subject: py.expr | None = None) -> py.expr:
            tests = [
                self.at(
                    py.Compare(
                        subject if subject is not None else self.name(ty), [py.Is()], [self.name(t)]
                    )
                )
                for t in types
            ]
            return tests[0] if len(tests) == 1 else self.at(py.BoolOp(py.Or(), tests))

        def chain(branches: list[tuple[py.expr, list[py.stmt]]], last: list[py.stmt]):
            out = last
            for test, body in reversed(branches):
                out = [self.at(py.If(test=test, body=body or [self.at(py.Pass())], orelse=out))]
            return out

        kinds = [("$List", "$IterList"), ("$Dict", "$IterDict")]
        if kt == "list":
            kinds = kinds[:1]
        elif kt == "dict":
            kinds = kinds[1:]
        branches = [(is_(idle), [set_class(busy), *pay()]) for idle, busy in kinds]
        if kt is None:
            branches.append((is_("$tuple", "$range"), pay()))
        start = [self.assign(ty, self.call("$type", it())), *chain(branches, other("$iterate"))]
        if not may_suspend:
            ends = [(is_(idle), [set_class(idle)]) for idle, _ in kinds]
            if kt is None:
                ends.append((is_("$tuple", "$range"), []))
            end = chain(ends, other("$iter_done"))
        else:
            # from the class: `if type($it) is $IterList and not $NESTED: ...`
            now = lambda: self.call("$type", it())  # noqa: E731
            ends = [
                (
                    self.at(
                        py.BoolOp(
                            py.And(),
                            [
                                is_(busy, subject=now()),
                                self.at(py.UnaryOp(py.Not(), self.name("$NESTED"))),
                            ],
                        )
                    ),
                    [set_class(idle)],
                )
                for idle, busy in kinds
            ]
            if kt is None:
                ends.append((is_("$tuple", "$range", subject=now()), []))
            end = chain(ends, other("$iter_done"))
        return start, end

    def while_stmt(self, st: s.WhileStmt) -> list[py.stmt]:
        cold, self.ctx.cold = self.ctx.cold, False  # (a loop may run often)
        try:
            return self.while_loop(st)
        finally:
            self.ctx.cold = cold

    def while_loop(self, st: s.WhileStmt) -> list[py.stmt]:
        pre: list[py.stmt] = []
        self.ctx.has_loops = True
        cond = self.expr(st.cond, pre)
        self.line, self.col = st.line, st.col
        body = self.budget_check(st.line, st.col) + self.block(st.body, st.line, st.col)
        if pre:
            # the condition needs statements: while True: pre; if not cond: break
            self.line, self.col = st.line, st.col
            brk = self.at(
                py.If(
                    test=self.at(py.UnaryOp(py.Not(), cond)),
                    body=[self.at(py.Break())],
                    orelse=[],
                )
            )
            return [self.at(py.While(test=self.const(True), body=[*pre, brk, *body], orelse=[]))]
        return [self.at(py.While(test=cond, body=body, orelse=[]))]

    # ------------------------------------------------------------ functions

    def arguments(self, fn: s.Function, pre: list[py.stmt] | None) -> py.arguments:
        args, kwonly, kw_defaults, defaults = [], [], [], []
        vararg = kwarg = None
        seen_star = False
        # defaults are evaluated left to right, at definition time (a clone,
        # `pre` None, takes its original's: none here)
        if pre is None:
            dvals = iter([None] * len(fn.params))
        else:
            dvals = iter(self.exprs([p.default for p in fn.params], pre))
        for p in fn.params:
            d = next(dvals)
            self.line, self.col = p.line, p.col
            if p.kind is s.ParamKind.STAR:
                seen_star = True
                if p.name is not None:
                    vararg = self.at(py.arg(arg=local_pyname(p.name.name), annotation=None))
                continue
            if p.kind is s.ParamKind.STARSTAR:
                kwarg = self.at(py.arg(arg=local_pyname(p.name.name), annotation=None))
                continue
            a = self.at(py.arg(arg=local_pyname(p.name.name), annotation=None))
            if seen_star:
                kwonly.append(a)
                kw_defaults.append(d)
            else:
                args.append(a)
                if d is not None:
                    defaults.append(d)
        return py.arguments(
            posonlyargs=[],
            args=args,
            vararg=vararg,
            kwonlyargs=kwonly,
            kw_defaults=kw_defaults,
            kwarg=kwarg,
            defaults=defaults,
        )

    def busy_flag(self, k: int, ctx) -> py.Subscript:
        return self.at(py.Subscript(self.name("$busy"), self.const(k), ctx))

    def function_def(
        self, fn: s.Function, pre: list[py.stmt], clone_of: tuple[str, int] | None = None
    ) -> str:
        """Compile `fn` to a Python def appended to `pre`; return its Python name.

        `clone_of` (global name, code index) compiles the clone of a global
        def: its parameters have the types every direct call gives them
        (infer.module_types), and it takes its defaults from the original.
        """
        if clone_of is None:
            args = self.arguments(fn, pre)
        else:
            args = self.arguments(fn, None)
        index = self.ncodes
        self.ncodes += 1
        saved = self.ctx
        self.ctx = _Ctx("function", saved, index)
        # comprehension variables of the enclosing function that this one captures
        self.ctx.renames = {
            n: r for n, r in saved.renames.items() if n in fn.freevars and n not in fn.locals
        }
        mt = self.mt
        # the types of the variables it captures, from the enclosing function
        free: dict[str, str] = {}
        for n in fn.freevars:
            t = self.local_type(saved.renames.get(n) or local_pyname(n), saved)
            if t is not None:
                free[n] = t
        key_params = self.key_params.pop(id(fn), None)
        if key_params is not None:  # (a key= lambda, see `type_key_lambda`)
            types = infer.function_types(fn, key_params, mt.globals, free=free)
        elif clone_of is None:
            types = self.generic_types(fn, free)
        else:
            self.ctx.specialized = True
            types = infer.function_types(
                fn, mt.params.get(clone_of[0]), mt.globals, mt.returns, mt.elems, mt.lists, free
            )
        self.ctx.ptypes = {
            (self.ctx.renames.get(n) if n in free else None) or local_pyname(n): t
            for n, t in types.items()
        }
        # (a global def only the top level's straight-line code calls)
        self.ctx.cold = COLD and saved.kind == "toplevel" and fn.name in mt.cold

        for n in infer.range_locals(fn):  # (see `bits`)
            self.ctx.ptypes[local_pyname(n) + "#"] = "64"
        readonly_kw = infer.readonly_kwargs(fn)
        if readonly_kw is not None and SPECIALIZE:
            # a **kwargs only read: nothing else can reach it, so nothing can
            # change it while a loop iterates it (see `loop`)
            self.ctx.ptypes[local_pyname(readonly_kw) + "~"] = "readonly"
        if clone_of is not None:
            # a list parameter only this clone reaches (infer.ModuleTypes.lent):
            # nothing else can change it while a loop iterates it, even one
            # whose body calls anything
            for p in mt.lent.get(clone_of[0], ()):
                self.ctx.ptypes[local_pyname(p) + "~"] = "lent"
        body = self.budget_check(fn.line, fn.col)
        inner = self.block(fn.body, fn.line, fn.col)
        for p in fn.params:
            if p.kind is s.ParamKind.STARSTAR:
                # Python passes **kwargs as a plain dict; Starlark's is a dict
                # value. A function that only reads it and cannot suspend (no
                # snapshot can meet it) keeps Python's: no copy (ops.py reads
                # a plain dict as a dict). Measured: ~100 ns a call.
                if self.ctx.nsites == 0 and readonly_kw is not None:
                    continue
                kw = local_pyname(p.name.name)
                self.line, self.col = p.line, p.col
                body.append(self.assign(kw, self.call("$Dict", self.name(kw))))
        # A function with no call site can re-enter itself only through a
        # built-in's key= callback; without either it needs no flag.
        # Measured: the flag costs 16% of calls_positional.
        # Nor does one whose callees cannot lead back to it: its flag is
        # removed once the whole file is compiled (drop_needless_flags).
        may_recurse = self.ctx.ncalls > 0 or self.ctx.callbacks > 0 or bool(self.ctx.callees)
        flag_at = -1
        if not self.recursion and may_recurse:
            # as Go: a function may not call itself, directly or not, unless
            # the recursion option is on; one flag per def, set while active
            # (a clone shares its original's).
            self.line, self.col = fn.line, fn.col
            k = self.flag_of.get(clone_of[1]) if clone_of is not None else None
            if k is None:
                # (a def nested in a clone is compiled twice: one flag for both)
                k = self.flag_by_fn.get(id(fn))
            if k is None:
                k = self.nfuncs
                self.nfuncs += 1
            self.flag_of[index] = k
            self.flag_by_fn[id(fn)] = k
            enter = self.at(
                py.If(
                    test=self.busy_flag(k, _LOAD),
                    body=[
                        self.expr_stmt(self.call("$recursive", self.const(k), self.const(fn.name)))
                    ],
                    orelse=[],
                )
            )
            set1 = self.at(py.Assign([self.busy_flag(k, _STORE)], self.const(True)))
            set0 = self.at(py.Assign([self.busy_flag(k, _STORE)], self.const(False)))
            flag_at = len(body)
            body += [
                enter,
                set1,
                self.at(py.Try(body=inner, handlers=[], orelse=[], finalbody=[set0])),
            ]
        else:
            body += inner
        self.sites[index] = self.ctx.sites
        if self.ctx.ncalls == 0 and not self.ctx.has_loops and not self.ctx.callees:
            # A leaf (no loop, no call but of built-ins) does bounded work: its
            # call is not a step (docs/internals.md, "Steps"). Measured: the
            # step was 8% of calls_positional.
            if self.counted:  # (else there is no step to remove)
                del body[0]
                flag_at -= flag_at > 0  # (the flag's statements moved up by one)
            if not body:
                body.append(self.at(py.Pass(), fn.line, fn.col))
        callees, unknown = self.ctx.callees, self.ctx.calls_unknown or self.ctx.callbacks > 0
        self.ctx = saved
        self.line, self.col = fn.line, fn.col
        # A unique Python name per code object: `name$index` (the machine reads it back)
        pyname = f"{fn.name}${index}"
        self.code_names[index] = (fn.name, "lambda" if fn.name == "lambda" else "function")
        self.entry_pos[index] = entry_pos(fn)
        fdef = self.at(
            py.FunctionDef(name=pyname, args=args, body=body, decorator_list=[], returns=None)
        )
        self.fdefs[index] = fdef
        self.flagged[index] = (callees, unknown, fdef if flag_at >= 0 else None, flag_at)
        pre.append(fdef)
        return pyname

    def drop_needless_flags(self) -> None:
        """Remove the recursion flag of each function that cannot re-enter itself.

        Without the `recursion` option a function may not be re-entered while
        it runs; a flag set on entry enforces it. A function whose calls all go
        to global defs (bound once) and to built-ins that call nothing back,
        none of which can reach it or call anything else, needs none.
        Measured: calls_positional 0.77 s -> 0.72 s.

        A clone runs only inside the specialized world (the top level, or an
        entry the host calls), where a dynamic call (a function value, a
        callback) reaches only what this file gave out as a value: its nested
        functions and lambdas, the global defs it uses as values
        (`ModuleTypes.escaped`: every def when it has an entry), and the defs
        those call. A clone that reaches none of those leading back to its def
        needs no flag either, whatever it calls dynamically (`apply_all(fns,
        x)` calling each `f` of `fns`). Measured: ~20 ns a call.
        """
        defs = self.global_defs  # name -> code index
        roots: list[str] | None = None  # what a dynamic call may reach first
        for index, (callees, unknown, fdef, at) in self.flagged.items():
            if fdef is None:
                continue
            me = self.clone_orig.get(index, index)  # (a clone's calls are its original's)
            if index in self.clone_orig:
                if unknown and roots is None:
                    roots = self.dynamic_roots()
                ok = me not in {defs[n] for n in self.reach(callees, roots if unknown else None)}
            else:
                ok = not unknown
                seen: set[int] = set()
                todo = [defs[n] for n in callees]
                while ok and todo:
                    j = todo.pop()
                    if j == me or self.flagged[j][1]:
                        ok = False
                    elif j not in seen:
                        seen.add(j)
                        todo.extend(defs[n] for n in self.flagged[j][0])
            if ok:
                # body[at:at+3] is [if flag: error, flag = True, try: inner finally: flag = False]
                fdef.body[at : at + 3] = fdef.body[at + 2].body

    def dynamic_roots(self) -> list[str]:
        """The global defs a dynamic call can reach first: those used as
        values, and those a nested function or lambda calls directly."""
        originals = set(self.global_defs.values())
        out = set(self.mt.escaped)
        for index, (callees, _, _, _) in self.flagged.items():
            if index not in originals and index not in self.clone_orig:
                out |= callees
        return sorted(out)

    def reach(self, names, roots: list[str] | None) -> set[str]:
        """The global defs reached from calls of `names` (and, when `roots`
        is given, from a dynamic call): directly, or through a dynamic call
        of a function reached."""
        seen: set[str] = set()
        todo = [*names, *(roots or ())]
        dynamic = roots is not None
        while todo:
            n = todo.pop()
            if n in seen:
                continue
            seen.add(n)
            callees, unknown, _, _ = self.flagged[self.global_defs[n]]
            todo.extend(callees)
            if unknown and not dynamic:
                dynamic = True
                if roots is None:
                    roots = self.dynamic_roots()
                todo.extend(roots)
        return seen

    def def_stmt(self, st: s.DefStmt) -> list[py.stmt]:
        pre: list[py.stmt] = []
        pyname = self.function_def(st.function, pre)
        self.line, self.col = st.line, st.col
        value = self.call("$mkfunc", self.name(pyname), self.const(st.function.name))
        out = [*pre, self.assign_to_ident(st.name, value)]
        name = st.name.name
        if self.ctx.kind == "toplevel" and name in self.global_defs:
            index = int(pyname.rsplit("$", 1)[1])
            self.global_defs[name] = index
            # $fn_F: the raw Python function, which direct calls call (a
            # global def is bound once: no test that it is a function)
            raw = self.assign(f"$fn_{name}", self.name(pyname))
            out.append(raw)
            self.direct_defs[name] = (index, None)
            if name in self.mt.clones:
                self.clone_requests.append((st.function, name, index, raw))
        return out

    def type_key_lambda(self, e: s.CallExpr) -> None:
        """`sorted(xs, key=lambda r: ...)` (or min/max of one iterable): the
        lambda is called with the elements of `xs` only (nothing else holds
        it), so its parameter has their type when it is known (an owned
        list of dicts: `r["score"]` needs no test). See `function_def`."""
        pos = [a for a in e.args if a.kind is s.ArgKind.POSITIONAL]
        if len(pos) != 1 or len(e.args) > 3:
            return
        for a in e.args:
            if a.kind is s.ArgKind.KEYWORD and a.name == "key":
                lam = a.value
                while type(lam) is s.ParenExpr:
                    lam = lam.x
                if type(lam) is not s.LambdaExpr:
                    return
                params = lam.function.params
                if not params or params[0].kind is not s.ParamKind.NORMAL or params[0].name is None:
                    return
                elem = self.ast_elems(pos[0].value)
                if elem is not None and elem != infer.ANY:
                    self.key_params[id(lam.function)] = {params[0].name.name: elem}
            elif a.kind is not s.ArgKind.POSITIONAL:
                return

    def lambda_expr(self, e: s.LambdaExpr, pre: list[py.stmt]) -> py.expr:
        # A lambda is a def hoisted to where the lambda is evaluated: one kind of
        # function value, with statements for step counting and suspension.
        pyname = self.function_def(e.function, pre)
        self.line, self.col = e.line, e.col
        return self.call("$mkfunc", self.name(pyname), self.const("lambda"))

    # ------------------------------------------------------------ expressions

    def expr(self, e: s.Expr, pre: list[py.stmt]) -> py.expr:
        t = type(e)
        if t is s.Ident:
            return self.ident(e)
        if t is s.Literal:
            return _at(py.Constant(e.value), e.line, e.col)
        if t is s.BinaryExpr:
            return self.binary(e, pre)
        if t is s.CallExpr:
            return self.call_expr(e, pre)
        if t is s.DotExpr:
            x = self.expr(e.x, pre)
            self.line, self.col = e.line, e.col
            return self.call("$getattr", x, self.const(e.name))
        if t is s.IndexExpr:
            x, i = self.exprs([e.x, e.index], pre)
            self.line, self.col = e.line, e.col
            return self.index(x, i, e, pre)
        if t is s.SliceExpr:
            x, lo, hi, step = self.exprs([e.x, e.lo, e.hi, e.step], pre)
            self.line, self.col = e.line, e.col
            kx = self.known(x)
            if (
                kx in ("list", "str", "tuple")
                and all(b is None or _small_const(b) is not None for b in (lo, hi))
                and (step is None or _small_const(step))
            ):
                # Python's slice of a list, str or tuple with int bounds is the
                # spec's (bounds clamped alike; constants within int32, as the
                # helper wants them); a list slice is a new List
                sl = self.at(py.Slice(lo, hi, step))
                out = self.at(py.Subscript(x, sl, _LOAD))
                if kx == "list":
                    out = self.call("$List", out)
                return self.typed(out, kx)
            parts = [p if p is not None else self.const(None) for p in (lo, hi, step)]
            # (its error is at the position Go records last, see _last_pos)
            self.line, self.col = _last_pos(e.x, e.lo, e.hi, e.step) or (e.line, e.col)
            return self.call("$slice", x, *parts)
        if t is s.ParenExpr:
            return self.expr(e.x, pre)
        if t is s.TupleExpr:
            elts = self.exprs(e.elts, pre)
            return _at(py.Tuple(elts, _LOAD), e.line, e.col)
        if t is s.ListExpr:
            elts = self.exprs(e.elts, pre)
            self.line, self.col = e.line, e.col
            if not elts:
                return self.call("$List")  # (List() takes 38 ns, List([]) 58)
            return self.call("$List", self.at(py.List(elts, _LOAD)))
        if t is s.DictExpr:
            return self.dict_expr(e, pre)
        if t is s.UnaryExpr:
            return self.unary(e, pre)
        if t is s.CondExpr:
            cond = self.expr(e.cond, pre)
            then_pre: list[py.stmt] = []
            else_pre: list[py.stmt] = []
            then = self.expr(e.then, then_pre)
            els = self.expr(e.else_, else_pre)
            if not then_pre and not else_pre:
                return _at(py.IfExp(cond, then, els), e.line, e.col)
            # a branch holds a call site: only the chosen branch may run
            self.line, self.col = e.line, e.col
            tv = self.ctx.temp()
            then_pre.append(self.assign(tv, then))
            else_pre.append(self.assign(tv, els))
            pre.append(self.at(py.If(test=cond, body=then_pre, orelse=else_pre)))
            return self.name(tv)
        if t is s.LambdaExpr:
            return self.lambda_expr(e, pre)
        if t is s.Comprehension:
            cold, self.ctx.cold = self.ctx.cold, False
            try:
                if self.needs_stmts(e):
                    return self.comprehension_loops(e, pre)
                return self.comprehension(e, pre)
            finally:
                self.ctx.cold = cold
        raise TypeError(f"unexpected expression {t.__name__}")  # pragma: no cover

    def needs_stmts(self, c: s.Comprehension) -> bool:
        """Whether comprehension `c` holds a call site or a lambda (then it
        compiles to statements, see `comprehension_loops`).

        Not a site: a universal built-in, a global def that cannot suspend
        (infer.nosuspend_defs), a method of a local or global of known
        built-in type. The first iterable is evaluated outside (unless `c`
        is itself inside a Python comprehension).
        """
        shadow: set[str] = set()
        stack: list = [c]
        while stack:  # names a comprehension binds hide the function's
            n = stack.pop()
            if type(n) is s.Comprehension:
                shadow.update(n.locals)
            stack.extend(infer.sub_exprs(n))
        stack = [c.body, *(cl.iter if type(cl) is s.ForClause else cl.cond for cl in c.clauses)]
        if not self.ctx.in_comp:
            stack.remove(c.clauses[0].iter)
        while stack:
            n = stack.pop()
            t = type(n)
            if t is s.LambdaExpr:
                return True
            if t is s.CallExpr and not self.plain_call(n, shadow):
                return True
            stack.extend(infer.sub_exprs(n))
        # A later `for` clause iterates a copy of its iterable (a guard cannot
        # be released inside an expression), so a comprehension that may change
        # a container while it has several `for` clauses takes statements,
        # which guard each iterable.
        return sum(type(cl) is s.ForClause for cl in c.clauses) > 1 and _may_change(c)

    def plain_call(self, e: s.CallExpr, shadow: set[str]) -> bool:
        """Whether call `e` is no call site (it cannot reach an external)."""
        fn = e.fn
        while type(fn) is s.ParenExpr:
            fn = fn.x
        if type(fn) is s.Ident:
            if fn.scope is Scope.UNIVERSAL:
                return fn.name in DIRECT_BUILTINS
            return fn.scope is Scope.GLOBAL and fn.name in self.nosuspend
        if type(fn) is s.DotExpr:
            x = fn.x
            while type(x) is s.ParenExpr:
                x = x.x
            if type(x) is not s.Ident or x.name in shadow:
                return False
            if x.scope is Scope.GLOBAL:
                k = self.mt.globals.get(x.name)
            elif x.scope in (Scope.LOCAL, Scope.CELL, Scope.FREE):
                # (as `ident` types it: a FREE name seen from a comprehension
                # is a local of this function)
                k = self.local_type(self.ctx.renames.get(x.name) or local_pyname(x.name))
            else:
                return False
            return k is not None and k in _method_owners(fn.name)
        return False

    def lazy_expr(self, e: s.Expr) -> py.expr:
        """Compile `e` inside a Python comprehension (which holds no call site)."""
        sub: list[py.stmt] = []
        out = self.expr(e, sub)
        assert not sub, "a Python comprehension holds no call site"
        return out

    def ident(self, e: s.Ident) -> py.expr:
        sc = e.scope
        if sc is Scope.GLOBAL:
            # (a global is bound only by this file's top level: its type is
            # the join of its bindings, infer.module_types)
            node = _at(py.Name(global_pyname(e.name), _LOAD), e.line, e.col)
            return self.typed(node, self.mt.globals.get(e.name))
        elif sc is Scope.FILE:
            n = "$l_" + e.name
        elif sc is Scope.UNIVERSAL:
            if e.name in ("True", "False", "None"):
                return _at(
                    py.Constant({"True": True, "False": False, "None": None}[e.name]),
                    e.line,
                    e.col,
                )
            self.universal_used.add(e.name)
            n = "$b_" + e.name
        elif sc is Scope.PREDECLARED:
            self.predeclared_used.add(e.name)
            n = "$b_" + e.name
        else:
            n = self.ctx.renames.get(e.name) or local_pyname(e.name)
            # (a FREE name is either a local of this very function seen from a
            # comprehension, typed in ptypes, or a variable of an enclosing
            # function, which this function's ptypes never holds)
            return self.typed(_at(py.Name(n, _LOAD), e.line, e.col), self.local_type(n))
        return _at(py.Name(n, _LOAD), e.line, e.col)

    def int_tree(self, shape: tuple, pre: list[py.stmt], augmented: bool = False) -> py.expr | None:
        """An arithmetic expression of two operators or more (`_int_tree`)
        with one test for the whole: Python's own arithmetic when every
        operand is an int, else the expression compiled operator by operator
        (each with its own test). None when the shape does not qualify, and
        nothing is compiled then.

            (acc + q + r) % M  ->  (acc + q + r) % M if type(acc) is type(q) is type(r) is int
                                   else <operator by operator>

        Python's + - * and % or // by a nonzero constant are Starlark's on
        ints. The operands are evaluated once, in Starlark's order: an
        operand that is not a name or a constant (a subscript, a call) must
        come before every operator (in evaluation order: an operator that
        fails must fail before it is evaluated), and is bound to a temporary
        before the test reads the types. Measured: see the commit.
        """
        leaves: list[s.Expr] = []
        nops, impure_after_op = _int_tree_leaves(shape, leaves, 0)
        if nops < 2 or impure_after_op:
            return None
        vals = self.exprs(leaves, pre)
        known = [self.known(v) for v in vals]
        # worth it when two operators or more would test their operands
        tested = _int_tree_tested(shape, iter(known))[1]
        usable = all(k in (None, "int") for k in known) and tested >= 2
        if usable and self.ctx.in_comp:
            # no statements here: each operand that is not a name or a
            # constant is bound by `:=` in the test, where only the first two
            # always run
            entries = [
                self.is_simple(v)
                for v, k in zip(vals, known, strict=True)
                if k is None or not self.is_simple(v)
            ]
            usable = all(entries[2:]) and (all(entries) or not self.ctx.no_walrus)
        refs: list[py.expr] = []
        tests: list[py.expr] = []
        tested_names: set[str] = set()  # (a name tested once: `total - total // 10`)
        for v, k in zip(vals, known, strict=True):
            if self.is_simple(v) or not usable:
                refs.append(v)
                if k is None and usable and not (type(v) is py.Name and v.id in tested_names):
                    tests.append(v)
                    if type(v) is py.Name:
                        tested_names.add(v.id)
            elif self.ctx.in_comp:
                b = self.bind_temp(v)
                assert b is not None  # (no_walrus: not usable, above)
                tests.append(b[0])
                refs.append(b[1])
            else:
                r = self.hoist(v, pre)
                refs.append(r)
                if k is None:
                    tests.append(r)
        at = self.line, self.col
        slow = self.int_tree_ops(shape, iter(refs), augmented)
        if not usable or not tests:
            return slow
        self.line, self.col = at
        if len(tests) == 1:
            test = self.at(py.Compare(self.call("$type", tests[0]), [py.Is()], [self.name("$int")]))
        else:
            types = [self.call("$type", t) for t in tests]
            test = self.at(
                py.Compare(types[0], [py.Is()] * len(types), [*types[1:], self.name("$int")])
            )
        fast = self.int_tree_native(shape, iter(refs))
        out = self.at(py.IfExp(test, fast, slow))
        return self.typed(out, "bool") if shape[0] == "cmp" else out

    def int_tree_native(self, sh: tuple, refs) -> py.expr:
        """`int_tree`'s shape as Python's own operators on `refs` (the operands)."""
        kind = sh[0]
        if kind == "leaf":
            return next(refs)
        if kind == "neg":
            x = self.int_tree_native(sh[1], refs)
            return _at(py.UnaryOp(py.USub(), x), sh[2].line, sh[2].col)
        x = self.int_tree_native(sh[2], refs)
        y = self.int_tree_native(sh[3], refs)
        node = sh[4]
        if kind == "cmp":
            return _at(py.Compare(x, [_PY_CMP[sh[1]]()], [y]), node.line, node.col)
        return _at(py.BinOp(x, _PY_BINOP[sh[1]](), y), node.line, node.col)

    def int_tree_ops(self, sh: tuple, refs, augmented: bool = False) -> py.expr:
        """`int_tree`'s shape compiled operator by operator, as `binary` does."""
        kind = sh[0]
        if kind == "leaf":
            return next(refs)
        if kind == "neg":
            x = self.int_tree_ops(sh[1], refs)
            self.line, self.col = sh[2].line, sh[2].col
            return self.negate(x)
        x = self.int_tree_ops(sh[2], refs)
        y = self.int_tree_ops(sh[3], refs)
        self.line, self.col = sh[4].line, sh[4].col
        if kind == "cmp":
            return self.compare(sh[1], x, y)
        if augmented:
            if sh[1] in ("+", "-") and self.known(x) not in _IMMUTABLE:
                self.note_mutation(x)  # (list +=, set -= ... change it in place)
            return self.augmented(sh[1], x, y)
        return self.binop(sh[1], x, y)

    def binary(self, e: s.BinaryExpr, pre: list[py.stmt]) -> py.expr:
        op = e.op
        if op in ("and", "or"):
            x = self.expr(e.x, pre)
            sub: list[py.stmt] = []
            y = self.expr(e.y, sub)
            if not sub:
                node = py.BoolOp(py.And() if op == "and" else py.Or(), [x, y])
                return _at(node, e.line, e.col)
            # the right operand holds a call site: `$t = x; if $t: ...; $t = y`
            self.line, self.col = e.line, e.col
            tv = self.ctx.temp()
            pre.append(self.assign(tv, x))
            test = self.name(tv)
            if op == "or":
                test = self.at(py.UnaryOp(py.Not(), test))
            sub.append(self.assign(tv, y))
            pre.append(self.at(py.If(test=test, body=sub, orelse=[])))
            return self.name(tv)
        if SPECIALIZE and not self.ctx.cold and (op in _INT_TREE_HEADS or op in _CMP_HELPER):
            shape = _int_tree(e)
            if shape is not None:
                out = self.int_tree(shape, pre)
                if out is not None:
                    return out
        x, y = self.exprs([e.x, e.y], pre)
        self.line, self.col = e.line, e.col
        if op == "in" or op == "not in":
            fast = self.in_inline(x, y)
            if fast is not None:
                if op == "in":
                    return fast
                return self.typed(self.at(py.UnaryOp(py.Not(), fast)), "bool")
            return self.call("$in" if op == "in" else "$not_in", x, y)
        if op in _CMP_HELPER:
            return self.compare(op, x, y)
        if op == "%" and type(x) is py.Constant and type(x.value) is str and not self.ctx.cold:
            fast = self.percent_inline(x, y, pre)
            if fast is not None:
                return fast
        return self.binop(op, x, y)

    def in_inline(self, x: py.expr, y: py.expr) -> py.expr | None:
        """`x in y` natively where Python's `in` is Starlark's (ops.contains):
        a str in a known list or tuple (str equality is the same), a str or
        int key in a known dict, a str in a known str; None elsewhere."""
        kx, ky = self.known(x), self.known(y)
        if ky not in ("list", "tuple", "dict", "str") or not self.is_simple(y):
            return None
        if ky == "dict":
            ok = kx in ("str", "int")
            tname = "$KEY_NATIVE"
        else:
            ok = kx == "str"
            tname = "$str"
        native = self.typed(self.at(py.Compare(x, [py.In()], [y])), "bool")
        if ok:
            return native
        b = self.bind_temp(x) if ky != "str" else None
        if b is None:
            return None
        x1, x2 = b
        test = self.at(
            py.Compare(
                self.call("$type", x1), [py.In() if ky == "dict" else py.Is()], [self.name(tname)]
            )
        )
        native = self.at(py.Compare(x2, [py.In()], [y]))
        out = py.IfExp(test, native, self.call("$in", x2, y))
        return self.typed(self.at(out), "bool")

    def small_int_test(self, first: py.expr, later: py.expr) -> py.expr:
        """`type(first) is int and -$BIG < later < $BIG`: an int Python's str() can print
        (CPython refuses ints of over 4,300 digits; the helpers print those)."""
        return self.at(
            py.BoolOp(
                py.And(),
                [
                    self.at(py.Compare(self.call("$type", first), [py.Is()], [self.name("$int")])),
                    self.int_bound(later),
                ],
            )
        )

    def bits(self, e: py.expr) -> int | None:
        """A bound on the bit length of int expression `e`, when one is known.

        Known: int constants; locals bound only by `range` loops (range takes
        int64 bounds); `len(x)`; `x % c` for a positive constant c; and sums,
        products, shifts by constants and bit operations of known ones.
        """
        t = type(e)
        if t is py.Constant:
            v = e.value
            return v.bit_length() if type(v) is int else None
        if t is py.Name:
            b = self.local_type(e.id + "#")  # (a bit count, as a str)
            return int(b) if b is not None else None
        if t is py.NamedExpr:
            return self.bits(e.value)
        if self.known(e) != "int":
            return None
        if t is py.Call and type(e.func) is py.Name and e.func.id == "$pylen":
            return 63
        if t is py.UnaryOp:
            b = self.bits(e.operand)
            return None if b is None else b + 1
        if t is not py.BinOp:
            return None
        op, r = type(e.op), e.right
        if op is py.Mod and type(r) is py.Constant and type(r.value) is int and r.value > 0:
            return r.value.bit_length()
        left = self.bits(e.left)
        if left is None:
            return None
        if op in (py.FloorDiv, py.RShift) and type(r) is py.Constant:
            return left
        if op is py.LShift and type(r) is py.Constant and type(r.value) is int:
            return left + r.value
        right = self.bits(r)
        if right is None:
            return None
        if op is py.Add or op is py.Sub or op is py.BitOr or op is py.BitXor or op is py.BitAnd:
            return max(left, right) + 1
        if op is py.Mult:
            return left + right
        return None

    def printable(self, e: py.expr) -> bool:
        """Whether int expression `e` has fewer digits than CPython's str() allows."""
        b = self.bits(e)
        return b is not None and b < 12000  # (4,300 digits: 14,284 bits)

    def int_bound(self, v: py.expr) -> py.expr:
        return self.at(py.Compare(self.name("$NBIG"), [py.Lt(), py.Lt()], [v, self.name("$BIG")]))

    def str_test(self, first: py.expr, later: py.expr, verb: str) -> py.expr | None:
        """A test that operand `first`/`later` prints the same natively under `%verb`
        (a str for %s, or an int that str() can print); None when it is known to."""
        k = self.known(later)
        if k == "str" and verb == "s":
            return None
        if k == "int":
            if self.printable(first):
                return None
            return self.int_bound(first)  # (binds `first`: a chained comparison's middle)
        ints = self.small_int_test(first, later)
        if verb == "d":
            return ints
        is_str = self.at(py.Compare(self.call("$type", first), [py.Is()], [self.name("$str")]))
        return self.at(py.BoolOp(py.Or(), [is_str, self.small_int_test(later, later)]))

    def percent_inline(self, fmt: py.Constant, y: py.expr, pre: list[py.stmt]) -> py.expr | None:
        """`"..." % y` with a constant format of %s, %d and %%: Python's own `%`
        when each operand is a str (for %s) or a printable int, else `$mod`.

        Python formats str and int operands of %s and %d exactly as Starlark
        does; everything else (floats, bools, lists, errors) takes the helper.
        Measured: see the commit.
        """
        verbs = _simple_verbs(fmt.value)
        if verbs is None:
            return None
        if type(y) is py.Tuple:
            if len(y.elts) != len(verbs):
                return None
            if not all(self.is_simple(v) for v in y.elts):
                if self.ctx.in_comp:
                    return None
                y = self.at(py.Tuple([self.hoist(v, pre) for v in y.elts], _LOAD))
            tests = [self.str_test(v, v, verb) for v, verb in zip(y.elts, verbs, strict=True)]
            fy = sy = y
        else:
            if len(verbs) != 1:
                return None
            if self.known(y) in ("tuple", "list", "dict"):
                return None
            b = self.bind_temp(y)
            if b is None:
                return None
            y1, y2 = b
            test = self.str_test(y1, y2, verbs[0])
            tests = [test]
            fy = y1 if test is None else y2
            sy = y2
        tests = [t for t in tests if t is not None]
        fast = self.typed(self.at(py.BinOp(fmt, py.Mod(), fy)), "str")
        if not tests:
            return fast
        test = self.all_of(tests)
        slow = self.call("$mod", fmt, sy)
        return self.typed(self.at(py.IfExp(test, fast, slow)), "str")

    def guarded(self, fast, slow_fn: str, x: py.expr, y: py.expr, types: str) -> py.expr:
        """`fast(x, y) if type(x) is type(y) and type(x) in TYPES else slow_fn(x, y)`.

        Operands of statically known type (infer.py) need no test: two ints
        (two strs for `+` and comparisons) take the fast path unguarded.
        """
        kx, ky = self.known(x), self.known(y)
        if kx is not None and kx == ky and kx in _NATIVE_KNOWN[types]:
            out = fast(x, y)
            if types in ("$ADD_NATIVE", "$ARITH_NATIVE"):
                self.typed(out, kx)
            elif types in ("$EQ_NATIVE", "$CMP_NATIVE"):
                self.typed(out, "bool")
            return out
        if self.ctx.cold:
            return self.call(slow_fn, x, y)
        bx = self.bind_temp(x)
        by = self.bind_temp(y) if bx is not None else None
        if bx is None or by is None:
            return self.call(slow_fn, x, y)
        (x1, x2), (y1, y2) = bx, by
        # A constant operand's type is known: test only the other one.
        # Measured: `n + 1` guard 33 ns -> 19 ns.
        for const, other_first in ((y1, x1), (x1, y1)):
            k = self.known(const)
            # (a plain name or constant: no `:=` on it that the test would skip)
            if (
                k in ("int", "str")
                and self.is_simple(const)
                and (isinstance(const, py.Constant) or k in _NATIVE_KNOWN[types])
            ):
                if types == "$ARITH_NATIVE" and k == "str":
                    break
                known = "$int" if k == "int" else "$str"
                test = self.at(
                    py.Compare(self.call("$type", other_first), [py.Is()], [self.name(known)])
                )
                return self.at(py.IfExp(test, fast(x2, y2), self.call(slow_fn, x2, y2)))
        # (x1 and y1 evaluate and bind the operands, in order)
        ty1 = self.call("$type", y1)
        if kx in _NATIVE_KNOWN[types] or ky in _NATIVE_KNOWN[types]:
            # one operand's type is known and native (`acc + f(x)`, f returns
            # an int): the other's type being the same is the whole test
            same = self.at(py.Compare(self.call("$type", x1), [py.Is()], [ty1]))
            return self.at(py.IfExp(same, fast(x2, y2), self.call(slow_fn, x2, y2)))
        if self.ctx.no_walrus:
            tx1 = self.call("$type", x1)
            tx2 = self.call("$type", x2)
            same = self.at(py.Compare(tx1, [py.Is()], [ty1]))
            native = self.at(py.Compare(tx2, [py.In()], [self.name(types)]))
            test = self.at(py.BoolOp(py.And(), [same, native]))
        else:
            # ($tyN := type(x)) is type(y) and ($tyN is int or $tyN in TYPES):
            # ints, the common case, skip the set lookup. Measured: 19 -> 12 ns.
            tv = self.ctx.temp("$ty")
            tx1 = self.at(py.NamedExpr(self.store(tv), self.call("$type", x1)))
            same = self.at(py.Compare(tx1, [py.Is()], [ty1]))
            is_int = self.at(py.Compare(self.name(tv), [py.Is()], [self.name("$int")]))
            native = self.at(py.Compare(self.name(tv), [py.In()], [self.name(types)]))
            either = self.at(py.BoolOp(py.Or(), [is_int, native]))
            test = self.at(py.BoolOp(py.And(), [same, either]))
        # on the slow path the operands are already bound (when they are temps)
        return self.at(py.IfExp(test, fast(x2, y2), self.call(slow_fn, x2, y2)))

    def index(self, x: py.expr, i: py.expr, e: s.IndexExpr, pre: list[py.stmt]) -> py.expr:
        """`x[i]`: native for a dict, or a list with an int index; else `$index`.

        Python's IndexError/KeyError/TypeError from the native path is
        re-explained by the machine, which re-runs `ops.index` on the operands
        recorded here (names or constants) to get Starlark's exact message.
        Measured: 34 ns against 81 ns for the helper call.
        """
        # The index must be a name or a constant (a `:=` in it could be
        # skipped by the test's short-circuit), and the container not a
        # constant (CPython warns at compile time about `1[0]`).
        if isinstance(x, py.Constant):
            return self.call("$index", x, i)
        kx = self.known(x)
        if self.ctx.cold and not (kx == "dict" or (kx == "list" and self.known(i) == "int")):
            return self.call("$index", x, i)
        if not self.is_simple(i):
            if self.ctx.in_comp:
                kx, ki = self.known(x), self.known(i)
                b = None
                if self.is_simple(x) and (kx == "dict" or (kx == "list" and ki == "int")):
                    b = self.bind_temp(i)  # (a `:=` in a comprehension: a cell)
                if b is None:
                    return self.call("$index", x, i)
                self.index_sites[(e.line, e.col)] = (_operand(x), _operand(b[1]))
                out = self.at(py.Subscript(x, b[0], _LOAD))
                return self.typed(out, self.elems_known(x) if kx == "list" else None)
            # both operands into temporaries, in order (the test below may
            # skip an operand's `:=`)
            x, i = self.hoist(x, pre), self.hoist(i, pre)
        kx, ki = self.known(x), self.known(i)
        if self.is_simple(x) and (kx == "dict" or (kx == "list" and ki == "int")):
            # the container's type is known: no test at all
            self.index_sites[(e.line, e.col)] = (_operand(x), _operand(i))
            out = self.at(py.Subscript(x, i, _LOAD))
            return self.typed(out, self.elems_known(x) if kx == "list" else None)
        bx = self.bind_temp(x)
        if bx is None:
            return self.call("$index", x, i)
        (x1, x2), (i1, i2) = bx, (i, i)
        self.index_sites[(e.line, e.col)] = (_operand(x2), _operand(i2))
        # ($type(x1) is $Dict or ($type(x) is $List and $type(i1) is $int))
        is_dict = self.at(py.Compare(self.call("$type", x1), [py.Is()], [self.name("$Dict")]))
        is_list = self.at(py.Compare(self.call("$type", x2), [py.Is()], [self.name("$List")]))
        is_int = self.at(py.Compare(self.call("$type", i1), [py.Is()], [self.name("$int")]))
        if ki == "str":
            test = is_dict  # (a str index: only a dict takes it natively)
        elif ki == "int":
            test = self.at(py.BoolOp(py.Or(), [is_dict, is_list]))
        else:
            test = self.at(
                py.BoolOp(py.Or(), [is_dict, self.at(py.BoolOp(py.And(), [is_list, is_int]))])
            )
        fast = self.at(py.Subscript(x2, i2, _LOAD))
        return self.at(py.IfExp(test, fast, self.call("$index", x2, i2)))

    def binop(self, op: str, x: py.expr, y: py.expr) -> py.expr:
        helper = _BINOP_HELPER[op]
        if op == "+" and SPECIALIZE and _is_list_display(y) and self.known(x) != "list":
            # `path + [v]`: Python's list + list, when x is a list (of any
            # state); the display is built in the branch taken. Measured:
            # 101 ns, against 249 through $add.
            bx = self.bind_temp(x)
            if bx is not None and len(y.args[0].elts) <= 4:
                x1, x2 = bx
                test = self.at(
                    py.Compare(self.call("$type", x1), [py.In()], [self.name("$LIST_TYPES")])
                )
                fast = self.call("$List", self.at(py.BinOp(x2, py.Add(), y.args[0])))
                # (the display in both branches: compile() takes shared
                # nodes, and it holds no call site for a resume rewrite)
                slow = self.call(helper, x2, y)
                return self.at(py.IfExp(test, fast, slow))
        if op == "+" and SPECIALIZE and _is_list_display(y) and self.known(x) == "list":
            # a list + a list display: the display need not be a List first
            fast = self.at(py.BinOp(x, py.Add(), y.args[0]))
            return self.typed(self.call("$List", fast), "list")
        if op in ("+", "-", "*"):
            pyop = _PY_BINOP[op]
            return self.guarded(
                lambda a, b: self.at(py.BinOp(a, pyop(), b)),
                helper,
                x,
                y,
                _FAST_SET[op],
            )
        if op in ("%", "//"):
            return self.int_division(op, x, y)
        if op in ("&", "|", "^", "<<", ">>"):
            return self.int_bitop(op, x, y)
        return self.call(helper, x, y)

    def int_bitop(self, op: str, x: py.expr, y: py.expr) -> py.expr:
        """`&`, `|`, `^` of two ints, and shifts by a constant 0..63: native.

        Python's int bit operations are Starlark's; a shift count is checked
        by the helper (negative, or too large) unless it is a small constant.
        Sets (`|`, `&`, `^`) and everything else take the helper.
        """
        helper = _BINOP_HELPER[op]
        pyop = _PY_BINOP[op]()
        if op in ("<<", ">>") and not (
            isinstance(y, py.Constant) and type(y.value) is int and 0 <= y.value < 64
        ):
            return self.shift(op, x, y)
        kx, ky = self.known(x), self.known(y)
        if kx == "int" and ky == "int":
            return self.typed(self.at(py.BinOp(x, pyop, y)), "int")
        if self.ctx.cold:
            return self.call(helper, x, y)
        bx = self.bind_temp(x)
        by = self.bind_temp(y) if bx is not None else None
        if bx is None or by is None:
            return self.call(helper, x, y)
        (x1, x2), (y1, y2) = bx, by
        # `type(x1) is type(y1) is int` binds both operands, in order
        test = self.at(
            py.Compare(
                self.call("$type", x1),
                [py.Is(), py.Is()],
                [self.call("$type", y1), self.name("$int")],
            )
        )
        fast = self.at(py.BinOp(x2, pyop, y2))
        return self.at(py.IfExp(test, fast, self.call(helper, x2, y2)))

    def int_division(self, op: str, x: py.expr, y: py.expr) -> py.expr:
        """`x % y`, `x // y`: native for two ints with a nonzero divisor.

        Python's int `%` and `//` floor as Starlark's do. Division by zero, and
        every other type (string `%` formatting, floats), go to the helper with
        its Go wording. Measured: dict_heavy made 2.7 M `$mod` calls.
        """
        pyop = _PY_BINOP[op]()
        const_y = isinstance(y, py.Constant) and type(y.value) is int and y.value != 0
        if self.known(x) == "int" and (const_y or (self.known(y) == "int" and self.is_simple(y))):
            fast = self.at(py.BinOp(x, pyop, y))
            if const_y:
                return self.typed(fast, "int")
            # two ints: only the divisor's zero test remains
            slow = self.call(_BINOP_HELPER[op], x, y)
            return self.typed(self.at(py.IfExp(y, fast, slow)), "int")
        if self.ctx.cold:
            return self.call(_BINOP_HELPER[op], x, y)
        if const_y:
            bx = self.bind_temp(x)
            if bx is None:
                return self.call(_BINOP_HELPER[op], x, y)
            x1, x2 = bx
            test = self.at(py.Compare(self.call("$type", x1), [py.Is()], [self.name("$int")]))
        else:
            bx = self.bind_temp(x)
            by = self.bind_temp(y) if bx is not None else None
            if bx is None or by is None:
                return self.call(_BINOP_HELPER[op], x, y)
            (x1, x2), (y1, y2) = bx, by
            # `type(x1) is type(y1) is int` evaluates (and binds) both operands,
            # in order, before it can short-circuit
            same_int = self.at(
                py.Compare(
                    self.call("$type", x1),
                    [py.Is(), py.Is()],
                    [self.call("$type", y1), self.name("$int")],
                )
            )
            test = self.at(py.BoolOp(py.And(), [same_int, y2]))
            y = y2
        fast = self.at(py.BinOp(x2, pyop, y))
        return self.at(py.IfExp(test, fast, self.call(_BINOP_HELPER[op], x2, y)))

    def shift(self, op: str, x: py.expr, y: py.expr) -> py.expr:
        """`x << n`, `x >> n` with a computed count: native for two ints and a
        count in [0, 512) (Go's limit for <<; the helper words the errors)."""
        helper = _BINOP_HELPER[op]
        bx = self.bind_temp(x)
        by = self.bind_temp(y) if bx is not None else None
        if bx is None or by is None:
            return self.call(helper, x, y)
        (x1, x2), (y1, y2) = bx, by
        tests: list[py.expr] = []
        n = y2
        if not (self.known(x) == "int" and x1 is x2):
            # `type(x1) is type(y1) is int` evaluates both operands, in order
            tests.append(
                self.at(
                    py.Compare(
                        self.call("$type", x1),
                        [py.Is(), py.Is()],
                        [self.call("$type", y1), self.name("$int")],
                    )
                )
            )
        elif self.known(y) != "int":
            tests.append(
                self.at(py.Compare(self.call("$type", y1), [py.Is()], [self.name("$int")]))
            )
        else:
            n = y1
        tests.append(self.at(py.Compare(self.const(0), [py.LtE(), py.Lt()], [n, self.const(512)])))
        test = self.all_of(tests)
        fast = self.at(py.BinOp(x2, _PY_BINOP[op](), y2))
        out = self.at(py.IfExp(test, fast, self.call(helper, x2, y2)))
        return self.typed(out, "int") if self.known(x) == "int" else out

    def compare(self, op: str, x: py.expr, y: py.expr) -> py.expr:
        pyop = _PY_CMP[op]
        if op in ("==", "!=") and SPECIALIZE:
            for b, other in ((y, x), (x, y)):
                # (not for what Python folds to a constant, `-1`, `(1, 2)`,
                # `"a" + "b"`: it warns of `is` with a literal)
                if type(b) is py.Constant and b.value is None and type(other) in _NOT_FOLDED:
                    # None equals only None: a value of another type is never
                    # equal to it (Go compares values of different types as
                    # unequal, calling nothing)
                    is_op = py.Is() if op == "==" else py.IsNot()
                    out = self.at(py.Compare(x, [is_op], [y]))
                    return self.typed(out, "bool")
        types = "$EQ_NATIVE" if op in ("==", "!=") else "$CMP_NATIVE"
        return self.guarded(
            lambda a, b: self.at(py.Compare(a, [pyop()], [b])),
            _CMP_HELPER[op],
            x,
            y,
            types,
        )

    def unary(self, e: s.UnaryExpr, pre: list[py.stmt]) -> py.expr:
        x = self.expr(e.x, pre)
        self.line, self.col = e.line, e.col
        if e.op == "not":
            return self.at(py.UnaryOp(py.Not(), x))
        if e.op == "-":
            return self.negate(x)
        helper = {"+": "$pos", "~": "$invert"}[e.op]
        pyop = {"+": py.UAdd, "~": py.Invert}[e.op]
        if self.known(x) == "int":
            return self.typed(self.at(py.UnaryOp(pyop(), x)), "int")
        return self.call(helper, x)

    def negate(self, x: py.expr) -> py.expr:
        """`-x`: Python's for an int, else the helper."""
        if self.known(x) == "int":
            return self.typed(self.at(py.UnaryOp(py.USub(), x)), "int")
        if not self.ctx.cold:
            # `-x if type(x) is int else $neg(x)`: Python's negation of an int
            # is Starlark's
            b = self.bind_temp(x)
            if b is not None:
                test = self.at(py.Compare(self.call("$type", b[0]), [py.Is()], [self.name("$int")]))
                fast = self.at(py.UnaryOp(py.USub(), b[1]))
                return self.at(py.IfExp(test, fast, self.call("$neg", b[1])))
        return self.call("$neg", x)

    def dict_expr(self, e: s.DictExpr, pre: list[py.stmt]) -> py.expr:
        self.line, self.col = e.line, e.col
        flat = self.exprs([x for en in e.entries for x in (en.key, en.value)], pre)
        keys, vals = flat[0::2], flat[1::2]
        self.line, self.col = e.line, e.col
        consts = [k.value for k in keys if isinstance(k, py.Constant)]
        # Only distinct constant keys may use Python's dict display: it would
        # merge duplicates (1 and 1.0 too) silently, and hash a range.
        if not keys:
            return self.call("$Dict")  # (Dict() takes 42 ns, Dict({}) 68)
        if (
            len(consts) == len(keys)
            and len(set(consts)) == len(consts)
            and all(values.hkey(k) is k for k in consts)
        ):
            # (a bool key, wrapped, takes the $dset path: values.hkey)
            return self.call("$Dict", self.at(py.Dict(keys, vals)))
        # $dset(...$dset($Dict(), k1, v1)..., kn, vn): each entry is added at
        # its `:`, where Go reports a duplicate or unhashable key
        d = self.call("$Dict")
        for en, k, v in zip(e.entries, keys, vals, strict=True):
            self.line, self.col = en.line, en.col
            d = self.call("$dset", d, k, v)
        self.line, self.col = e.line, e.col
        return d

    def call_expr(self, e: s.CallExpr, pre: list[py.stmt]) -> py.expr:
        """A call. Any call but one of a universal built-in is a call *site*: it
        may reach an external function and suspend the thread. A site is its own
        statement, `$sK = call`, numbered K in its function; its callee is kept
        in `$fK`, and the operands evaluated before it are temporaries (see
        `exprs`), so a suspended frame's state is exactly its locals.
        """
        fn = e.fn
        while type(fn) is s.ParenExpr:
            fn = fn.x
        direct = None
        if type(fn) is s.Ident:
            self.call_names[(e.line, e.col)] = fn.name
            if fn.scope is Scope.UNIVERSAL and fn.name in DIRECT_BUILTINS:
                direct = "$f_" + fn.name
                self.universal_used.add(fn.name)
        elif type(fn) is s.DotExpr:
            self.call_names[(e.line, e.col)] = fn.name
            self.dot_sites[(e.line, e.col)] = (fn.line, fn.col)
        named = tuple(a.name for a in e.args if a.kind is s.ArgKind.KEYWORD)
        starstar = any(a.kind is s.ArgKind.STARSTAR for a in e.args)
        if named or starstar:
            # (what the errors of binding them need, see machine._explain_here)
            star = any(a.kind is s.ArgKind.STAR for a in e.args)
            npos = -1 if star else sum(a.kind is s.ArgKind.POSITIONAL for a in e.args)
            self.keyword_sites[(e.line, e.col)] = (named, starstar, npos)
        head: list[s.Expr] = []
        if direct is None:
            head = [fn.x] if type(fn) is s.DotExpr else [fn]
        elif fn.name in ("sorted", "min", "max") and SPECIALIZE:
            self.type_key_lambda(e)
        kinds = [a.kind for a in e.args]
        if (
            s.ArgKind.STAR in kinds
            and s.ArgKind.KEYWORD in kinds[: kinds.index(s.ArgKind.STAR)]
            and not self.ctx.in_comp
        ):
            # `f(k=x, *a)`: Go evaluates named arguments before *args, Python
            # after: each operand into a temporary, in Go's order
            nodes = [*head, *(a.value for a in e.args)]
            rank = {s.ArgKind.POSITIONAL: 0, s.ArgKind.KEYWORD: 1, s.ArgKind.STAR: 2}
            order = sorted(
                range(len(nodes)),
                key=lambda i: -1 if i < len(head) else rank.get(kinds[i - len(head)], 3),
            )
            vals = [None] * len(nodes)
            for i in order:
                vals[i] = self.hoist(self.expr(nodes[i], pre), pre)
        elif type(fn) is s.DotExpr and direct is None:
            # x.name(args): Go looks the method up before it evaluates the
            # arguments; when they need statements of their own, the receiver
            # is checked for it first, in a statement before theirs
            (recv,) = self.exprs(head, pre)
            apre: list[py.stmt] = []
            avals = self.exprs([a.value for a in e.args], apre)
            if apre:
                recv = self.hoist(recv, pre)
                if self.known(recv) not in _method_owners(fn.name):
                    self.line, self.col = fn.line, fn.col
                    pre.append(self.expr_stmt(self.call("$has", recv, self.const(fn.name))))
                pre += apre
            vals = [recv, *avals]
        else:
            vals = self.exprs([*head, *(a.value for a in e.args)], pre)
        callee = vals[0] if head else None
        args: list[py.expr] = []
        keywords: list[py.keyword] = []
        # the **kwargs operand, if any (a *args is unpacked after testing it)
        operands = list(zip(e.args, vals[len(head) :], strict=True))
        kwv = next((v for a, v in operands if a.kind is s.ArgKind.STARSTAR), None)
        starv = next((v for a, v in operands if a.kind is s.ArgKind.STAR), None)
        if starv is not None or kwv is not None:

            def operand(v: py.expr | None) -> Any:
                # a local's name; what a display holds (its length, its
                # constant keys); "" for no operand; None otherwise
                if v is None:
                    return ""
                if type(v) is py.Name:
                    return v.id
                if type(v) is py.Tuple or _is_list_display(v):
                    elts = v.elts if type(v) is py.Tuple else v.args[0].elts
                    if not any(type(x) is py.Starred for x in elts):
                        return len(elts)
                if type(v) is py.Call and type(v.func) is py.Name and not v.args:
                    if v.func.id == "$Dict" and not v.keywords:
                        return ()  # (an empty display)
                    if v.func.id == "$List" and not v.keywords:
                        return 0
                if _call_of(v, ("$Dict",)) and type(v.args[0]) is py.Dict:
                    keys = v.args[0].keys
                    if all(type(k) is py.Constant and type(k.value) is str for k in keys):
                        return tuple(k.value for k in keys)
                return None

            npos = sum(a.kind is s.ArgKind.POSITIONAL for a in e.args)
            self.star_sites[(e.line, e.col)] = (npos, named, operand(starv), operand(kwv))
        for a, v in operands:
            self.line, self.col = a.line, a.col
            if a.kind is s.ArgKind.POSITIONAL:
                args.append(v)
            elif a.kind is s.ArgKind.KEYWORD:
                keywords.append(self.at(py.keyword(arg=a.name, value=v)))
            elif a.kind is s.ArgKind.STAR:
                # a known list or tuple unpacks natively
                if kwv is not None and self.is_simple(kwv) and self.known(kwv) != "dict":
                    # (as Go, a **kwargs that is no mapping fails before a
                    # *args that is not iterable)
                    v = _at(self.call("$star_kw", v, kwv), e.line, e.col)
                elif self.known(v) not in ("list", "tuple"):
                    # (its error is the call's, at the `(`, as Go)
                    v = _at(self.call("$star", v), e.line, e.col)
                args.append(self.at(py.Starred(v, _LOAD)))
            elif self.known(v) == "dict" and type(v) is py.Name:
                # a known dict unpacks natively; a key that is not a str is
                # Python's TypeError, which the machine words as Go does from
                # the dict it finds here
                self.starstar_sites[(e.line, e.col)] = v.id
                keywords.append(self.at(py.keyword(arg=None, value=v)))
            else:
                v = _at(self.call("$starstar", v), e.line, e.col)  # (as `$star`)
                keywords.append(self.at(py.keyword(arg=None, value=v)))
        self.line, self.col = e.line, e.col
        if direct is not None:
            if len(args) == 1 and not keywords and type(args[0]) is not py.Starred:
                inline = self.builtin_inline(fn.name, args[0])
                if inline is not None:
                    return inline
            if fn.name in ("sorted", "min", "max") or any(
                a.kind is not s.ArgKind.POSITIONAL for a in e.args
            ):
                self.ctx.callbacks += 1  # a key callback, maybe given by position
                if len(args) == 1 and type(args[0]) is not py.Starred and keywords and self.counted:
                    # a key called once per element: a step per element, up front
                    args = [self.call("$charge_key", args[0])]
            call = self.at(py.Call(self.name(direct), args, keywords))
            return self.typed(call, infer.CALL_RESULT.get(fn.name))
        if type(fn) is s.DotExpr:
            krecv = self.known(callee)
            if krecv is not None and krecv in _method_owners(fn.name):
                # A method of a built-in value (infer.py knows the receiver's
                # type): it cannot reach an external, so it is no call site,
                # just a direct call. Measured: see the commit.
                if fn.name in _MUTATORS:
                    self.note_mutation(callee)
                self.methods_used.add((krecv, fn.name))
                self.method_sites[(e.line, e.col)] = (krecv, fn.name)
                call = py.Call(self.name(f"$m_{krecv}_{fn.name}"), [callee, *args], keywords)
                if not keywords and not any(type(a) is py.Starred for a in args):
                    if krecv == "str" and fn.name == "format" and type(callee) is py.Constant:
                        inline = self.format_inline(callee, args, self.at(call), pre)
                    else:
                        if not self.ctx.in_comp and not all(self.is_simple(a) for a in args):
                            # receiver, then arguments, into temporaries: the
                            # fast and the slow call below share them
                            t = self.ctx.temp()
                            pre.append(self.assign(t, callee))
                            self.ctx.ptypes[t] = krecv
                            if type(callee) is py.Name:
                                self.ctx.aliases[t] = callee.id
                            callee = self.typed(self.name(t), krecv)
                            args = [self.hoist(a, pre) for a in args]
                            call = py.Call(call.func, [callee, *args], keywords)
                        inline = self.method_inline(krecv, fn.name, callee, args, self.at(call))
                    if inline is not None:
                        return inline
                return self.typed(self.at(call), infer.method_result(krecv, fn.name))
        if type(fn) is s.Ident and fn.scope is Scope.GLOBAL and fn.name in self.nosuspend:
            # a global def that cannot suspend: a plain call, no site
            self.ctx.callees.add(fn.name)
            self.ctx.plain_calls += 1
            clone = self.ctx.specialized and fn.name in self.mt.clones
            # (at the name: where an unbound global is reported)
            func = _at(
                py.Name(f"$fs_{fn.name}" if clone else f"$fn_{fn.name}", _LOAD),
                fn.line,
                fn.col,
            )
            call = self.at(py.Call(func, args, keywords))
            return self.typed(call, self.mt.returns.get(fn.name) if self.ctx.specialized else None)
        self.ctx.ncalls += 1
        if not self.sealed:  # (sealed: no external can be reached, a plain call)
            k = self.ctx.nsites = self.ctx.nsites + 1
            self.ctx.sites[(e.line, e.col)] = k
        if type(fn) is s.Ident and fn.scope is Scope.GLOBAL and fn.name in self.global_defs:
            self.ctx.callees.add(fn.name)
        else:
            self.ctx.calls_unknown = True
        fref: py.expr
        if self.sealed and type(fn) is s.Ident and self.is_simple(callee):
            fref = callee  # (a name: read where the call reads it)
        else:
            assert not self.ctx.in_comp, "a call that needs statements in a comprehension"
            fk = self.ctx.temp() if self.sealed else f"$f{k}"
            pre.append(self.assign(fk, callee))
            fref = self.name(fk)
        if type(fn) is s.DotExpr:
            # x.name(args) -> $invoke(x, "name", args): no bound method is built
            # (its receiver is checked to have the method before the
            # arguments are evaluated, as Go looks the method up first; the
            # error is at the `.`)
            has = _at(self.call("$has", fref, self.const(fn.name)), fn.line, fn.col)
            call = py.Call(self.name("$invoke"), [has, self.const(fn.name), *args], keywords)
            owners = _method_owners(fn.name)
            krecv = self.known(callee)
            if krecv in owners:
                # the receiver's type is known (infer.py): call its method directly
                direct = f"$m_{krecv}_{fn.name}"
                self.methods_used.add((krecv, fn.name))
                self.method_sites[(e.line, e.col)] = (krecv, fn.name)
                call = py.Call(self.name(direct), [fref, *args], keywords)
                self.typed(call, infer.method_result(krecv, fn.name))
            elif len(owners) == 1:
                owner = owners[0]
                # Only one built-in type has this method: call it directly when
                # the receiver is of that type. Measured: string_methods 2.4 s
                # -> see commit; $invoke packs *args and looks up two tables.
                direct = f"$m_{owner}_{fn.name}"
                self.methods_used.add((owner, fn.name))
                self.method_sites[(e.line, e.col)] = (owner, fn.name)
                fast = py.Call(self.name(direct), [fref, *args], keywords)
                if (
                    owner == "list"
                    and fn.name == "append"
                    and len(args) == 1
                    and not keywords
                    and type(args[0]) is not py.Starred
                ):
                    # a List (not IterList or FrozenList) may change: Python's append
                    attr = self.at(py.Attribute(fref, "append", _LOAD))
                    fast = py.Call(attr, args, [])
                elif owner == "str" and not keywords:
                    fast = self.str_native(fn.name, fref, args) or fast
                is_owner = self.at(
                    py.Compare(
                        self.call("$type", fref),
                        [py.Is()],
                        [self.name(_OWNER_GLOBAL[owner])],
                    )
                )
                call = py.IfExp(is_owner, self.at(fast), self.at(call))
            elif len(owners) > 1:
                # a few types have it (list.pop, dict.pop): test each in turn
                self.method_sites[(e.line, e.col)] = ("|".join(owners), fn.name, fk)
                for owner in reversed(owners):
                    self.methods_used.add((owner, fn.name))
                    fast = py.Call(self.name(f"$m_{owner}_{fn.name}"), [fref, *args], keywords)
                    is_owner = self.at(
                        py.Compare(
                            self.call("$type", fref),
                            [py.Is()],
                            [self.name(_OWNER_GLOBAL[owner])],
                        )
                    )
                    call = self.at(py.IfExp(is_owner, self.at(fast), self.at(call)))
        elif type(fn) is s.Ident and fn.scope is Scope.GLOBAL and fn.name in self.global_defs:
            # a global bound once by a def: its raw function (`$fn_F`), or its
            # clone in the specialized world (`$fs_F`, see compile_clones),
            # whose result type is then known. ($fK keeps the Function, which
            # a suspension records.)
            pyfn = (
                f"$fs_{fn.name}"
                if self.ctx.specialized and fn.name in self.mt.clones
                else f"$fn_{fn.name}"
            )
            # (sealed, nothing reads the global first: an unbound one is
            # reported at the name, as for a def that cannot suspend)
            func = _at(py.Name(pyfn, _LOAD), fn.line, fn.col) if self.sealed else self.name(pyfn)
            call = py.Call(func, args, keywords)
            if self.ctx.specialized:
                self.typed(call, self.mt.returns.get(fn.name))
        elif self.known(callee) == "function":
            # a def or lambda (infer.py): its raw function, f.fn(args)
            call = py.Call(self.at(py.Attribute(fref, "fn", _LOAD)), args, keywords)
        else:
            # (f.fn if type(f) is $Function else $callable(f))(args)
            is_fn = self.at(
                py.Compare(self.call("$type", fref), [py.Is()], [self.name("$Function")])
            )
            attr = self.at(py.Attribute(fref, "fn", _LOAD))
            func = self.at(py.IfExp(is_fn, attr, self.call("$callable", fref)))
            call = py.Call(func, args, keywords)
        if self.sealed:
            return self.typed(self.at(call), self.known(call))
        sk = f"$s{k}"
        pre.append(self.assign(sk, self.at(call)))
        t = self.known(call)
        if t is not None:
            self.ctx.ptypes[sk] = t
        return self.typed(self.name(sk), t)

    def format_inline(
        self, fmt: py.Constant, args: list[py.expr], helper: py.Call, pre: list[py.stmt]
    ) -> py.expr | None:
        """`"...{}...".format(a, b)` with a constant format of `{}` fields only:
        Python's own format when each argument is a str or a printable int
        (which both languages print alike), `helper` otherwise."""
        text = fmt.value.replace("{{", "").replace("}}", "")
        if (
            text.count("{}") != len(args)
            or text.count("{") != len(args)
            or "}" in text.replace("{}", "")
        ):
            return None
        if not all(self.is_simple(a) for a in args):
            if self.ctx.in_comp:
                return None
            args = [self.hoist(a, pre) for a in args]
            helper = self.at(py.Call(helper.func, [helper.args[0], *args], []))
        tests = [t for t in (self.str_test(a, a, "s") for a in args) if t is not None]
        attr = self.at(py.Attribute(fmt, "format", _LOAD))
        fast = self.typed(self.at(py.Call(attr, args, [])), "str")
        if not tests:
            return fast
        test = self.all_of(tests)
        return self.typed(self.at(py.IfExp(test, fast, helper)), "str")

    def str_native(self, name: str, x: py.expr, args: list[py.expr]) -> py.expr | None:
        """Python's own method of str `x` where it is Starlark's for these
        constant arguments, else None (strings.py then checks and words errors).

            x.strip() -> x.strip($ASCII_SPACE) if x.isascii() else x.strip($SPACE)
                                              (Go's white space, not Python's)
            x.strip(";"), x.find("v"), x.count("e"), x.startswith("a"),
            x.partition("="), x.replace("ab", "c") -> the same natively
            x.split("|") -> $List(x.split("|"))

        A constant argument must be a non-empty str; replace must not grow
        the string (its helper turns a result too large into an error).
        Measured: see the commit.
        """
        if not all(type(a) is py.Constant and type(a.value) is str and a.value for a in args):
            return None

        def call(method: str, *extra: py.expr) -> py.expr:
            attr = self.at(py.Attribute(x, method, _LOAD))
            return self.at(py.Call(attr, [*extra, *args], []))

        n = len(args)
        if name in ("strip", "lstrip", "rstrip") and n == 0:
            # Go's white space: of an ASCII string, the six ASCII characters
            # (a short argument of one byte a character: 43 ns, against 56
            # for the whole set on a line of 32 characters)
            b = self.bind_temp(x)
            if b is None:
                return self.typed(call(name, self.name("$SPACE")), "str")
            x1, x2 = b
            test = self.at(py.Call(self.at(py.Attribute(x1, "isascii", _LOAD)), [], []))
            strip = self.at(py.Attribute(x2, name, _LOAD))
            fast = self.at(py.Call(strip, [self.name("$ASCII_SPACE")], []))
            slow = self.at(py.Call(strip, [self.name("$SPACE")], []))
            return self.typed(self.at(py.IfExp(test, fast, slow)), "str")
        if name in ("strip", "lstrip", "rstrip") and n == 1:
            return self.typed(call(name), "str")
        if name in ("find", "rfind", "count") and n == 1:
            return self.typed(call(name), "int")
        if name in ("startswith", "endswith") and n == 1:
            return self.typed(call(name), "bool")
        if name in ("partition", "rpartition") and n == 1:
            return self.typed(call(name), "tuple")
        if name == "replace" and n == 2 and len(args[1].value) <= len(args[0].value):
            return self.typed(call(name), "str")
        if name in ("split", "rsplit") and n == 1:
            return self.typed(self.call("$List", call(name)), "list")
        if name in ("lower", "upper") and n == 0:
            # ASCII only: Go and Python case non-ASCII letters differently
            b = self.bind_temp(x)
            if b is None:
                return None
            x1, x2 = b
            test = self.at(py.Call(self.at(py.Attribute(x1, "isascii", _LOAD)), [], []))
            native = self.at(py.Call(self.at(py.Attribute(x2, name, _LOAD)), [], []))
            self.methods_used.add(("str", name))
            slow = self.call(f"$m_str_{name}", x2)
            return self.typed(self.at(py.IfExp(test, native, slow)), "str")
        return None

    def settled(self, x: py.expr) -> bool:
        """Whether list `x` is a `List` here, neither iterated nor frozen: an
        owned list local (or a temporary holding one) that no loop being
        compiled iterates. Nothing else reaches it, so only this function's
        loops could switch its class, and nothing freezes it while the
        function runs."""
        if type(x) is not py.Name or not SPECIALIZE:
            return False
        n = self.ctx.aliases.get(x.id, x.id)
        return self.local_type(n + "!") == "owned" and n not in self.ctx.iterating

    def method_inline(
        self, recv: str, name: str, x: py.expr, args: list[py.expr], helper: py.expr
    ) -> py.expr | None:
        """Python's own method for a few hot methods of a known list or dict,
        when the receiver may change (or the key is a str or int); `helper`,
        the built-in's implementation, otherwise (it words every error).

            x.append(v) if type(x) is $List else helper     (values.List)
            x.pop() if x and type(x) is $List else helper
            x.extend(y) if type(x) is $List and type(y) in $SEQS and x is not y else helper
            x.get(k, d) if type(k) in $KEY_NATIVE else helper
            x.setdefault(k, d) if type(x) is $Dict and type(k) in $KEY_NATIVE else helper

        Measured: see the commit.
        """
        if recv == "str":
            return self.str_native(name, x, args)
        if not self.is_simple(x) or isinstance(x, py.Constant):
            return None

        def method(args):
            attr = self.at(py.Attribute(x, name, _LOAD))
            return self.at(py.Call(attr, args, []))

        def mutable() -> py.expr:
            return self.at(py.Compare(self.call("$type", x), [py.Is()], [self.name("$List")]))

        if recv == "list" and name == "append" and len(args) == 1:
            if self.settled(x):
                return method(args)
            return self.at(py.IfExp(mutable(), method(args), helper))
        if recv == "list" and name == "extend" and len(args) == 1 and self.is_simple(args[0]):
            # as the built-in's own fast path: a list or tuple argument
            y = args[0]
            tests = [] if self.settled(x) else [mutable()]
            if self.known(y) not in ("list", "tuple"):
                tests.append(
                    self.at(py.Compare(self.call("$type", y), [py.In()], [self.name("$SEQS")]))
                )
            tests.append(self.at(py.Compare(x, [py.IsNot()], [y])))
            test = self.all_of(tests)
            return self.at(py.IfExp(test, method(args), helper))
        if recv == "list" and name == "pop" and not args:
            test = x if self.settled(x) else self.at(py.BoolOp(py.And(), [x, mutable()]))
            out = self.at(py.IfExp(test, method([]), helper))
            return self.typed(out, self.elems_known(x))
        if recv == "dict" and name == "get" and len(args) in (1, 2):
            k = args[0]
            if self.known(k) in ("int", "str"):
                return method(args)
            if not self.is_simple(k):
                return None  # (the key would be evaluated twice)
            test = self.at(py.Compare(self.call("$type", k), [py.In()], [self.name("$KEY_NATIVE")]))
            return self.at(py.IfExp(test, method(args), helper))
        if recv == "dict" and name == "setdefault" and len(args) in (1, 2):
            # it may insert: the dict must be a `Dict` (neither iterated nor frozen)
            k = args[0]
            if not all(self.is_simple(a) for a in args):
                return None  # (an argument would be evaluated twice)
            tests = [self.at(py.Compare(self.call("$type", x), [py.Is()], [self.name("$Dict")]))]
            if self.known(k) not in ("int", "str"):
                native = self.name("$KEY_NATIVE")
                tests.append(self.at(py.Compare(self.call("$type", k), [py.In()], [native])))
            test = self.all_of(tests)
            return self.at(py.IfExp(test, method(args), helper))
        return None

    def builtin_inline(self, name: str, a: py.expr) -> py.expr | None:
        """`len(x)` and `str(x)` natively for the types where Python's agree;
        `int(s)` of a known str of ASCII digits."""
        if name == "int" and self.known(a) == "str" and not self.ctx.cold:
            # int(s): Python's int() for 1 to 4,000 ASCII digits (as
            # universe.int_'s own fast path), else the built-in
            b = self.bind_temp(a)
            if b is None:
                return None
            a1, a2 = b
            tests = [
                self.at(py.Call(self.at(py.Attribute(a1, "isascii", _LOAD)), [], [])),
                self.at(py.Call(self.at(py.Attribute(a2, "isdigit", _LOAD)), [], [])),
                self.at(py.Compare(self.call("$pylen", a2), [py.LtE()], [self.const(4000)])),
            ]
            fast = self.call("$pyint", a2)
            out = py.IfExp(self.at(py.BoolOp(py.And(), tests)), fast, self.call("$f_int", a2))
            return self.typed(self.at(out), "int")
        if name not in ("len", "str"):
            return None
        k = self.known(a)
        if name == "len" and k in ("str", "list", "dict", "tuple", "bytes", "range"):
            return self.typed(self.at(py.Call(self.name("$pylen"), [a], [])), "int")
        if name == "str" and k == "str":
            return a
        b = self.bind_temp(a)
        if b is None:
            return None
        a1, a2 = b
        if name == "len":
            test = self.at(py.Compare(self.call("$type", a1), [py.In()], [self.name("$HAS_LEN")]))
            fast = self.call("$pylen", a2)
            return self.typed(self.at(py.IfExp(test, fast, self.call("$f_len", a2))), "int")
        # str(x): x itself for a str, Python's str() for a printable int
        if k == "int" and self.printable(a1):
            return self.typed(self.call("$str", a1), "str")
        if k == "int":
            test = self.int_bound(a1)
            body = self.call("$str", a2)
            slow = self.call("$f_str", a2)
            return self.typed(self.at(py.IfExp(test, body, slow)), "str")
        is_str = self.at(py.Compare(self.call("$type", a1), [py.Is()], [self.name("$str")]))
        ints = self.at(
            py.IfExp(self.small_int_test(a2, a2), self.call("$str", a2), self.call("$f_str", a2))
        )
        return self.typed(self.at(py.IfExp(is_str, a2, ints)), "str")

    def comprehension_loops(self, c: s.Comprehension, pre: list[py.stmt]) -> py.expr:
        """A comprehension holding a call site or a lambda, as plain loops.

        Its variables become renamed locals of the enclosing function (they
        stay invisible to Starlark code outside it), so a call inside can
        suspend like any other: the loops are the function's own.
        """
        first = c.clauses[0]
        assert isinstance(first, s.ForClause)
        outer_iter = self.expr(first.iter, pre)
        self.line, self.col = c.line, c.col
        saved = dict(self.ctx.renames)
        tag = self.ctx.temp("$c")
        ctypes = infer.comprehension_types(c, self.ast_elems)
        ranged = infer.range_comprehension_vars(c)
        for name in c.locals:
            self.ctx.renames[name] = f"{tag}_{name}"
            if ctypes.get(name) is not None:
                self.ctx.ptypes[f"{tag}_{name}"] = ctypes[name]
            if name in ranged:
                self.ctx.ptypes[f"{tag}_{name}#"] = "64"
        result = self.ctx.temp("$r")
        empty = self.call("$Dict") if c.is_dict else self.call("$List")
        pre.append(self.assign(result, empty))

        def clauses(i: int, it: py.expr | None) -> list[py.stmt]:
            if i == len(c.clauses):
                out: list[py.stmt] = []
                if c.is_dict:
                    kv = self.exprs([c.body.key, c.body.value], out)
                    self.line, self.col = c.body.line, c.body.col  # (as Go: at the `:`)
                    out.append(self.expr_stmt(self.call("$setindex", self.name(result), *kv)))
                else:
                    v = self.expr(c.body, out)
                    self.line, self.col = c.line, c.col
                    append = py.Attribute(self.name(result), "append", _LOAD)
                    out.append(self.expr_stmt(self.at(py.Call(self.at(append), [v], []))))
                return out
            clause = c.clauses[i]
            self.line, self.col = clause.line, clause.col
            if type(clause) is s.ForClause:
                out = []
                src = it if it is not None else self.expr(clause.iter, out)
                return out + self.loop(
                    clause.target,
                    src,
                    lambda: clauses(i + 1, None),
                    clause.line,
                    clause.col,
                    prepay=True,
                )
            out = []
            cond = self.expr(clause.cond, out)
            self.line, self.col = clause.line, clause.col
            body = clauses(i + 1, None) or [self.at(py.Pass())]
            return [*out, self.at(py.If(test=cond, body=body, orelse=[]))]

        try:
            pre.extend(clauses(0, outer_iter))
        finally:
            # (it calls itself through its cell: a cycle holding `self`)
            clauses = None  # type: ignore[assignment]
        self.ctx.renames = saved
        return self.name(result)

    def comprehension(self, c: s.Comprehension, pre: list[py.stmt]) -> py.expr:
        first = c.clauses[0]
        assert isinstance(first, s.ForClause)
        self.ctx.has_loops = True
        # No temporary (`$t := ...`) in the first iterable: Python rejects an
        # assignment expression in a comprehension's iterable, and this one
        # may end up inside (a range, a fresh list, an unguarded iteration).
        # It is evaluated once per comprehension: the generic path costs
        # nothing that counts.
        self.ctx.no_walrus += 1
        outer_iter = self.expr(first.iter, pre)
        self.ctx.no_walrus -= 1
        self.line, self.col = c.line, c.col
        # (the first iterable's elements, seen from outside the comprehension)
        ctypes: dict[str, str | None] = {}
        ranged = infer.range_comprehension_vars(c)
        for n, t in infer.comprehension_types(c, self.ast_elems).items():
            ctypes[local_pyname(n)] = t
            ctypes[local_pyname(n) + "[]"] = None  # (it hides an owned list's elements)
            ctypes[local_pyname(n) + "#"] = "64" if n in ranged else None
        # its own variables shadow same-named variables of enclosing explicit loops
        saved_renames = self.ctx.renames
        self.ctx.renames = {k: v for k, v in saved_renames.items() if k not in c.locals}
        it_temp = None
        # an immutable first iterable (a range, a tuple) needs no guard to
        # take and release: only its steps are charged; nor does a fresh list
        # (`d.items()`, a list display ...): nothing else can reach it
        immutable = self.known(outer_iter) in ("range", "tuple") or (
            SPECIALIZE
            and (
                _fresh(outer_iter)
                # a clone's lent parameter (see `loop`): only the clone reaches it
                or (type(outer_iter) is py.Name and self.local_type(outer_iter.id + "~") == "lent")
            )
        )
        if not self.ctx.in_comp and not self.ctx.no_walrus and not immutable:
            # (no_walrus: it is inside another comprehension's iterable)
            it_temp = self.ctx.temp("$it")
        self.ctx.in_comp += 1
        self.ctx.ctypes.append(ctypes)
        gens: list[py.comprehension] = []
        # per for clause: its comprehension node, its iterable, and a native
        # iteration of that iterable for a comprehension that changes nothing
        sources: list[tuple[py.comprehension, py.expr, s.ForClause]] = []
        cur: py.comprehension | None = None
        for i, clause in enumerate(c.clauses):
            if type(clause) is s.ForClause:
                self.line, self.col = clause.line, clause.col
                # steps: each clause pays for its elements when it starts
                if i == 0:
                    iterable = outer_iter
                    if it_temp is not None:
                        src = self.call("$iterate_charge", self.name(it_temp))
                    elif immutable:
                        src = self.charge(outer_iter)
                    else:
                        src = self.charge(self.call("$iter_copy", outer_iter))
                else:
                    self.ctx.no_walrus += 1
                    later = iterable = self.lazy_expr(clause.iter)
                    self.ctx.no_walrus -= 1
                    src = self.charge(self.call("$iter_copy", later))
                # `k, v in d.items()`: pairs, which Python unpacks as Starlark does
                pairs = SPECIALIZE and _is_items(iterable)
                target, extra = self.comp_target(clause.target, pairs)
                cur = py.comprehension(target=target, iter=src, ifs=[], is_async=0)
                gens.append(cur)
                sources.append((cur, iterable, clause))
                for t_store, value in extra:
                    # `for a, b in [$unpack(t, 2)]` is compiled by CPython as an assignment
                    self.line, self.col = clause.line, clause.col
                    gens.append(
                        py.comprehension(
                            target=t_store,
                            iter=self.at(py.List([value], _LOAD)),
                            ifs=[],
                            is_async=0,
                        )
                    )
                cur = gens[-1]
            else:
                assert cur is not None
                cur.ifs.append(self.lazy_expr(clause.cond))
        self.line, self.col = c.line, c.col
        if c.is_dict:
            k = self.lazy_expr(c.body.key)
            v = self.lazy_expr(c.body.value)
            # (an entry's error, an unhashable key, is at its `:`, as Go)
            self.line, self.col = c.body.line, c.body.col
            native_key = self.known(k) in ("int", "str")
            if not native_key:
                # Python hashes what Starlark does not (a range, a tuple of one)
                bk = self.bind_temp(k)
                if bk is None:
                    k = self.call("$hashable", k)
                else:
                    native = self.at(
                        py.Compare(self.call("$type", bk[0]), [py.In()], [self.name("$KEY_NATIVE")])
                    )
                    k = self.at(py.IfExp(native, bk[1], self.call("$hashable", bk[1])))
            comp = _at(py.DictComp(k, v, gens), c.body.line, c.body.col)
            self.line, self.col = c.line, c.col
            if native_key:
                wrapped = self.call("$Dict", comp)
            else:
                # a bool key is stored wrapped: the Dict becomes a BoolDict
                # (values.hkey); $dict_of tells by $WRAPPED[0], read first
                n = self.at(py.Subscript(self.name("$WRAPPED"), self.const(0), _LOAD))
                wrapped = self.call("$dict_of", n, comp)
        else:
            elt = self.lazy_expr(c.body)
            self.line, self.col = c.line, c.col
            comp = self.at(py.ListComp(elt, gens))
            wrapped = self.call("$List", comp)
        self.ctx.in_comp -= 1
        self.ctx.ctypes.pop()
        self.ctx.renames = saved_renames
        if SPECIALIZE and not _may_change(c):
            # Nothing in the comprehension can change a container (no def
            # called, no callback, no method that changes its receiver): no
            # iterable can change while it is iterated, so none needs a guard
            # or a copy; Python iterates each as Starlark does.
            for i, (gen, iterable, clause) in enumerate(sources):
                self.line, self.col = clause.line, clause.col
                if _is_items(iterable):
                    native = self.at(
                        py.Call(self.at(py.Attribute(iterable.args[0], "items", _LOAD)), [], [])
                    )
                elif self.known(iterable) in _NATIVE_ITERABLE or _fresh(iterable):
                    native = iterable
                else:
                    native = self.call("$iter_quiet", iterable)
                gen.iter = self.charge(native)
                if i and self.is_simple(native) and self.counted:
                    # a later clause's iterable, once per element of the ones
                    # before: without a budget there is nothing to charge
                    gen.iter = self.at(py.IfExp(self.name("$COUNTED"), gen.iter, native))
            it_temp = None
        if it_temp is not None:
            # $iter_end(($it := iterable), [...]) releases the iteration guard
            bound = self.at(py.NamedExpr(self.store(it_temp), outer_iter))
            return self.call("$iter_end", bound, wrapped)
        return wrapped

    def comp_target(self, target: s.Expr, pairs: bool = False):
        """A comprehension `for` target: a name, or a temp plus unpacking assignments.

        `pairs`: the elements are 2-tuples, so a target of two names is
        Python's own unpacking.
        """
        while type(target) is s.ParenExpr:
            target = target.x
        if type(target) is s.Ident:
            return self.at(py.Name(local_pyname(target.name), _STORE)), []
        if pairs and len(target.elts) == 2 and all(type(x) is s.Ident for x in target.elts):
            names = [self.at(py.Name(local_pyname(x.name), _STORE)) for x in target.elts]
            return self.at(py.Tuple(names, _STORE)), []
        # for a, (b, c) in xs  ->  for $c in ... for a, $c2 in [$unpack($c, 2)] ...
        tmp = self.ctx.temp("$c")
        extra = []
        self._unpack_target(target, tmp, extra)
        return self.store(tmp), extra

    def _unpack_target(self, target: s.Expr, src: str, extra: list) -> None:
        while type(target) is s.ParenExpr:
            target = target.x
        n = len(target.elts)
        stores = []
        nested = []
        for sub in target.elts:
            while type(sub) is s.ParenExpr:
                sub = sub.x
            if type(sub) is s.Ident:
                stores.append(self.at(py.Name(local_pyname(sub.name), _STORE)))
            else:
                t = self.ctx.temp("$c")
                stores.append(self.store(t))
                nested.append((sub, t))
        tup = self.at(py.Tuple(stores, _STORE))
        extra.append((tup, self.call("$unpack", self.name(src), self.const(n))))
        for sub, t in nested:
            self._unpack_target(sub, t, extra)


def source_hash(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()


def compile_file(
    file: s.File,
    source_hash_: str,
    options: frozenset[str],
    sealed: bool = False,
    counted: bool = True,
) -> CompiledModule:
    """Compile a resolved file. Not cached here: the machine caches by content.
    `sealed`: for a run where no call can suspend (see `Compiler.sealed`);
    `counted` False: for a run without a step budget (see `Compiler.counted`)."""
    c = Compiler(file, options, sealed, counted)
    mod = c.compile_module()
    code = compile(mod, file.filename, "exec", dont_inherit=True, optimize=0)
    codes: dict[int, tuple[object, CodeInfo]] = {}
    _collect_codes(code, codes, c.code_names)
    return CompiledModule(
        filename=file.filename,
        source_hash=source_hash_,
        code=code,
        globals=list(file.globals),
        pyname={g: global_pyname(g) for g in file.globals},
        loads=list(file.loads),
        universal_used=c.universal_used,
        predeclared_used=c.predeclared_used,
        call_names=c.call_names,
        index_sites=c.index_sites,
        methods_used=c.methods_used,
        method_sites=c.method_sites,
        starstar_sites=c.starstar_sites,
        dot_sites=c.dot_sites,
        entry_pos=c.entry_pos,
        keyword_sites=c.keyword_sites,
        star_sites=c.star_sites,
        codes=codes,
        num_functions=c.nfuncs,
        flag_of=c.flag_of,
        sites=c.sites,
        fdefs=c.fdefs,
        by_index={info.index: co for co, info in codes.values() if info.index >= 0},
        direct_defs=c.direct_defs,
        entry_clones=set(c.mt.entries),
    )


def _collect_codes(
    code, out: dict, names: dict[int, tuple[str, str]], resume: bool = False
) -> None:
    """Register every code object under `code` with its Starlark name and code index.

    The compiler names each Python def `name$index` (and `$toplevel`), so the
    index is read back from `co_name`; a resume variant adds `$r`.
    """
    stack = [code]
    while stack:
        co = stack.pop()
        name = co.co_name
        if name.endswith("$r"):
            name = name[:-2]
        if name == "$toplevel":
            out[id(co)] = (co, CodeInfo("<toplevel>", "toplevel", 0, resume))
        elif name in ("<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>"):
            out[id(co)] = (co, CodeInfo(name, "comprehension"))
        elif "$" in name and name.rsplit("$", 1)[1].isdigit():
            index = int(name.rsplit("$", 1)[1])
            sname, kind = names[index]
            out[id(co)] = (co, CodeInfo(sname, kind, index, resume and co is code))
        stack.extend(k for k in co.co_consts if type(k) is type(code))


# ---------------------------------------------------------------- resume variants


def resume_variant(cm: CompiledModule, index: int) -> object:
    """The code object that re-enters function `index` at a recorded call site.

    Built from the Python def the compiler produced, so positions and local
    names are the same. The variant takes one argument, `$L`: the frame's
    locals plus `$site` (the site number) and `$inner` (a callable that resumes
    the next frame and returns the call's result). Its body restores the
    locals, then runs the original statements under guards: while `$r` (the
    site to reach) is set, a statement runs only if the site is inside it; an
    `if` takes the branch holding the site; a loop holding the site restarts
    at the recorded index (`$resume_iter`); the site itself takes its value
    from `$inner()` and clears `$r`. From there on the code runs as usual.

    A function with free variables is compiled nested in a wrapper that binds
    them, so the machine can build it with the suspended function's own
    closure cells.
    """
    code = cm.resumes.get(index)
    if code is not None:
        return code
    import copy

    if not cm.fdefs and cm.rebuild_fdefs is not None:
        again = cm.rebuild_fdefs()
        if (again.sites, again.direct_defs) != (cm.sites, cm.direct_defs):
            raise StarlarkError(f"{cm.filename}: internal error: compiled again, it differs")
        cm.fdefs = again.fdefs
    fdef = copy.deepcopy(cm.fdefs[index])
    normal = cm.by_index[index]
    sites = cm.sites.get(index, {})
    site_of_assign = {f"$s{k}": k for k in sites.values()}
    body = list(fdef.body)
    prologue: list[py.stmt] = []
    if body and isinstance(body[0], py.Global):
        prologue.append(body.pop(0))
    line, col = fdef.lineno, fdef.col_offset + 1

    def at(node):
        return _at(node, line, col)

    def name(n, store=False):
        return at(py.Name(n, _STORE if store else _LOAD))

    def r_is_none():
        return at(py.Compare(name("$r"), [py.Is()], [at(py.Constant(None))]))

    def r_in(ks):
        return at(
            py.Compare(
                name("$r"),
                [py.In()],
                [at(py.Tuple([at(py.Constant(k)) for k in sorted(ks)], _LOAD))],
            )
        )

    def sites_in(node) -> set[int]:
        found: set[int] = set()
        todo = [node]
        while todo:
            n = todo.pop()
            if isinstance(n, py.FunctionDef):
                continue  # a nested def's sites are its own
            if isinstance(n, py.Assign) and len(n.targets) == 1:
                t = n.targets[0]
                if isinstance(t, py.Name) and t.id in site_of_assign:
                    found.add(site_of_assign[t.id])
            todo.extend(py.iter_child_nodes(n))
        return found

    def guard_list(stmts: list[py.stmt]) -> list[py.stmt]:
        out: list[py.stmt] = []
        for st in stmts:
            ks = sites_in(st)
            if not ks:
                if _is_busy_set(st):
                    out.append(st)  # the recursion flag is held while the frame runs
                else:
                    out.append(
                        _at(
                            py.If(test=r_is_none(), body=[st], orelse=[]),
                            st.lineno,
                            st.col_offset + 1,
                        )
                    )
                continue
            # entered while running normally, or when resuming to a site inside it
            test = at(py.BoolOp(py.Or(), [r_is_none(), r_in(ks)]))
            body = transform(st, ks)
            out.append(_at(py.If(test=test, body=body, orelse=[]), st.lineno, st.col_offset + 1))
        return out

    def transform(st: py.stmt, ks: set[int]) -> list[py.stmt]:
        if (
            isinstance(st, py.Assign)
            and isinstance(st.targets[0], py.Name)
            and st.targets[0].id in site_of_assign
        ):
            k = site_of_assign[st.targets[0].id]
            call = st.value
            inner = _at(py.Call(name("$inner"), [], []), call.lineno, call.col_offset + 1)
            test = at(py.Compare(name("$r"), [py.Eq()], [at(py.Constant(k))]))
            st.value = _at(py.IfExp(test, inner, call), call.lineno, call.col_offset + 1)
            clear = _at(
                py.Assign([name("$r", True)], at(py.Constant(None))),
                st.lineno,
                st.col_offset + 1,
            )
            return [st, clear]
        if isinstance(st, py.If):
            then_ks = set().union(*[sites_in(x) for x in st.body]) if st.body else set()
            branch = r_in(then_ks) if then_ks else at(py.Constant(False))
            st.test = _at(
                py.IfExp(r_is_none(), st.test, branch),
                st.lineno,
                st.col_offset + 1,
            )
            st.body = guard_list(st.body)
            st.orelse = guard_list(st.orelse) if st.orelse else []
            return [st]
        if isinstance(st, py.Try):
            st.body = guard_list(st.body)
            return [st]
        if isinstance(st, py.For):
            src = st.iter
            if not (isinstance(src, py.NamedExpr) and src.target.id.startswith("$p")):
                raise AssertionError("a loop holding a call site keeps its iterator")
            pos = src.target.id
            seq = src.value.body.args[0]  # ($pN := iter($itK) if ... else ...)
            again = at(
                py.NamedExpr(
                    name(pos, True),
                    at(py.Call(name("$resume_iter"), [name(seq.id), name(pos)], [])),
                )
            )
            st.iter = at(py.IfExp(r_is_none(), st.iter, again))
            st.body = guard_list(st.body)
            return [st]
        if isinstance(st, py.While):
            resuming = at(py.UnaryOp(py.Not(), r_is_none()))
            st.test = at(py.BoolOp(py.Or(), [resuming, st.test]))
            st.body = guard_list(st.body)
            return [st]
        raise AssertionError(f"call site inside {type(st).__name__}")

    try:
        guarded = guard_list(body)
    finally:
        # (they call each other through their cells: a cycle)
        guard_list = transform = None  # type: ignore[assignment]
    # restore the locals the frame had (an absent one stays unbound)
    restore: list[py.stmt] = []
    params = _param_names(fdef.args)
    local_names = list(dict.fromkeys([*params, *normal.co_varnames, *normal.co_cellvars]))
    for n in local_names:
        if n in params or n in normal.co_varnames or n in normal.co_cellvars:
            key = at(py.Constant(n))
            has = at(py.Compare(key, [py.In()], [name("$L")]))
            get = at(py.Subscript(name("$L"), at(py.Constant(n)), _LOAD))
            restore.append(
                at(
                    py.If(
                        test=has,
                        body=[at(py.Assign([name(n, True)], get))],
                        orelse=[],
                    )
                )
            )
    get = lambda k: at(py.Subscript(name("$L"), at(py.Constant(k)), _LOAD))  # noqa: E731
    restore.append(at(py.Assign([name("$r", True)], get("$site"))))
    restore.append(at(py.Assign([name("$inner", True)], get("$inner"))))
    args = py.arguments(
        posonlyargs=[],
        args=[at(py.arg(arg="$L", annotation=None))],
        vararg=None,
        kwonlyargs=[],
        kw_defaults=[],
        kwarg=None,
        defaults=[],
    )
    rname = fdef.name + "$r"
    # The frame's cell variables are the cells its closures already hold: the
    # variant takes them as free variables (nonlocal), supplied by the machine.
    cellvars = list(normal.co_cellvars)
    if cellvars:
        prologue.append(at(py.Nonlocal(cellvars)))
    rdef = at(
        py.FunctionDef(
            name=rname,
            args=args,
            body=[*prologue, *restore, *guarded],
            decorator_list=[],
            returns=None,
        )
    )
    outer_names = [*normal.co_freevars, *cellvars]
    if outer_names:
        # def $wrap(): a = b = None; def f$r($L): ...; return f$r
        binds = [at(py.Assign([name(v, True)], at(py.Constant(None)))) for v in outer_names]
        wrap = at(
            py.FunctionDef(
                name="$wrap",
                args=py.arguments(
                    posonlyargs=[],
                    args=[],
                    vararg=None,
                    kwonlyargs=[],
                    kw_defaults=[],
                    kwarg=None,
                    defaults=[],
                ),
                body=[*binds, rdef, at(py.Return(name(rname)))],
                decorator_list=[],
                returns=None,
            )
        )
        top = wrap
    else:
        top = rdef
    mod = py.Module(body=[top], type_ignores=[])
    _fill_starts(mod, 1, 0)
    modcode = compile(mod, cm.filename, "exec", dont_inherit=True)
    target = _find_code(modcode, rname)
    codes: dict[int, tuple[object, CodeInfo]] = {}
    names = {
        i: (info.name, info.kind)
        for _, info in cm.codes.values()
        if info.index >= 0
        for i in [info.index]
    }
    _collect_codes(target, codes, names, resume=True)
    cm.codes.update(codes)
    cm.resumes[index] = target
    return target


def _find_code(code, name: str):
    stack = [code]
    while stack:
        co = stack.pop()
        if co.co_name == name:
            return co
        stack.extend(k for k in co.co_consts if type(k) is type(code))
    raise KeyError(name)


def _param_names(args: py.arguments) -> list[str]:
    names = [a.arg for a in args.args + args.kwonlyargs]
    if args.vararg:
        names.append(args.vararg.arg)
    if args.kwarg:
        names.append(args.kwarg.arg)
    return names


def _is_busy_set(st: py.stmt) -> bool:
    return (
        isinstance(st, py.Assign)
        and isinstance(st.targets[0], py.Subscript)
        and isinstance(st.targets[0].value, py.Name)
        and st.targets[0].value.id == "$busy"
        and isinstance(st.value, py.Constant)
        and st.value.value is True
    )
