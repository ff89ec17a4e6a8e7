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
that are not plain names are first bound to temporaries with `:=`, except
inside comprehensions (where `:=` would leak into the enclosing scope as a
cell), which use the helper directly.

Steps. `max_steps` counts loop iterations and calls: each loop back-edge and
each function entry does `$S[0] -= 1` on the thread's budget cell and calls
`$exhausted()` when it goes negative.

Suspension (issue #3) will re-enter functions at recorded points; the
compiler already keeps every loop's iterable and every call's callee in
plain locals, so a frame's state is what `f_locals` shows.
"""

from __future__ import annotations

import ast as py
import hashlib
from dataclasses import dataclass, field

from . import syntax as s
from .syntax import Scope

__all__ = ["CompiledModule", "compile_file"]

# Universal built-ins whose raw function the compiler may call directly.
# (Calls to them can never suspend and never reach a Starlark frame, except
# through `key=` callbacks, which are plain calls of Function values.)
DIRECT_BUILTINS = frozenset(
    "abs any all bool bytes chr dict dir enumerate fail float getattr hasattr hash int len "
    "list max min ord print range repr reversed set sorted str tuple type zip".split()
)

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


@dataclass(slots=True)
class CodeInfo:
    """What the machine needs to know about one compiled Python code object."""

    name: str  # Starlark function name, "<toplevel>", or "lambda"
    kind: str  # "toplevel", "function", "lambda", "comprehension"


@dataclass(slots=True)
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
    codes: dict[object, CodeInfo] = field(default_factory=dict)
    num_functions: int = 0


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

    def __init__(self, kind: str, parent: _Ctx | None):
        self.kind = kind  # "toplevel", "function", "lambda"
        self.parent = parent
        self.in_comp = 0  # >0 while compiling inside a comprehension
        self.ntemps = 0

    def temp(self, prefix: str = "$t") -> str:
        self.ntemps += 1
        return f"{prefix}{self.ntemps}"


def _at(node, line: int, col: int):
    node.lineno = line
    node.col_offset = max(col - 1, 0)
    node.end_lineno = line
    node.end_col_offset = max(col - 1, 0) + 1
    return node


class Compiler:
    def __init__(self, file: s.File, options: frozenset[str]):
        self.file = file
        self.filename = file.filename
        self.options = options
        self.recursion = "recursion" in options
        self.globals = set(file.globals)
        self.ctx: _Ctx | None = None
        self.line = 1
        self.col = 1
        self.universal_used: set[str] = set()
        self.predeclared_used: set[str] = set()
        self.call_names: dict[tuple[int, int], str] = {}
        self.nfuncs = 0

    # ------------------------------------------------------------ helpers

    def at(self, node, line: int | None = None, col: int | None = None):
        return _at(node, self.line if line is None else line, self.col if col is None else col)

    def name(self, id: str, ctx=None) -> py.Name:
        return self.at(py.Name(id=id, ctx=ctx or py.Load()))

    def store(self, id: str) -> py.Name:
        return self.at(py.Name(id=id, ctx=py.Store()))

    def const(self, v) -> py.Constant:
        return self.at(py.Constant(value=v))

    def call(self, fn: str, *args: py.expr) -> py.Call:
        return self.at(py.Call(func=self.name(fn), args=list(args), keywords=[]))

    def assign(self, target: str, value: py.expr) -> py.Assign:
        return self.at(py.Assign(targets=[self.store(target)], value=value))

    def expr_stmt(self, value: py.expr) -> py.Expr:
        return self.at(py.Expr(value=value))

    def is_simple(self, e: py.expr) -> bool:
        return isinstance(e, py.Name | py.Constant)

    def bind_temp(self, e: py.expr) -> tuple[py.expr, py.expr] | None:
        """Return (first_use, later_use) of `e` so it is evaluated once, or None."""
        if self.is_simple(e):
            return e, e
        if self.ctx.in_comp:
            return None
        t = self.ctx.temp()
        return self.at(py.NamedExpr(target=self.store(t), value=e)), self.name(t)

    # ------------------------------------------------------------ module

    def compile_module(self) -> py.Module:
        self.ctx = _Ctx("toplevel", None)
        body: list[py.stmt] = []
        gl = [global_pyname(g) for g in self.file.globals]
        if gl:
            body.append(self.at(py.Global(names=gl), 1, 1))
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
        mod = py.Module(body=[fn], type_ignores=[])
        return mod

    def budget_check(self, line: int, col: int) -> list[py.stmt]:
        # $S[0] -= 1
        # if $S[0] < 0: $exhausted()
        sub = py.AugAssign(
            target=self.at(
                py.Subscript(value=self.name("$S"), slice=self.const(0), ctx=py.Store()), line, col
            ),
            op=py.Sub(),
            value=self.const(1),
        )
        test = py.Compare(
            left=self.at(py.Subscript(value=self.name("$S"), slice=self.const(0), ctx=py.Load())),
            ops=[py.Lt()],
            comparators=[self.const(0)],
        )
        chk = py.If(test=self.at(test), body=[self.expr_stmt(self.call("$exhausted"))], orelse=[])
        return [self.at(sub, line, col), self.at(chk, line, col)]

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
            return [*pre, self.at(py.Return(value=v))]
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
        return local_pyname(ident.name)

    def assign_to_ident(self, ident: s.Ident, value: py.expr) -> py.stmt:
        return self.at(
            py.Assign(
                targets=[self.at(py.Name(id=self.ident_target(ident), ctx=py.Store()))], value=value
            )
        )

    def assign_stmt(self, st: s.AssignStmt) -> list[py.stmt]:
        pre: list[py.stmt] = []
        if st.op == "=":
            rhs = self.expr(st.rhs, pre)
            self.line, self.col = st.line, st.col
            return pre + self.assign_target(st.lhs, rhs)
        # augmented: x op= y
        op = st.op[:-1]
        lhs = st.lhs
        while type(lhs) is s.ParenExpr:
            lhs = lhs.x
        if type(lhs) is s.Ident:
            cur = self.expr(lhs, pre)
            rhs = self.expr(st.rhs, pre)
            self.line, self.col = st.line, st.col
            v = self.augmented(op, cur, rhs)
            return [*pre, self.assign_to_ident(lhs, v)]
        if type(lhs) is s.IndexExpr:
            x = self.expr(lhs.x, pre)
            i = self.expr(lhs.index, pre)
            tx, ti = self.ctx.temp(), self.ctx.temp()
            self.line, self.col = lhs.line, lhs.col
            pre.append(self.assign(tx, x))
            pre.append(self.assign(ti, i))
            cur = self.call("$index", self.name(tx), self.name(ti))
            rhs = self.expr(st.rhs, pre)
            self.line, self.col = st.line, st.col
            v = self.augmented(op, cur, rhs)
            self.line, self.col = lhs.line, lhs.col
            return [*pre, self.expr_stmt(self.call("$setindex", self.name(tx), self.name(ti), v))]
        if type(lhs) is s.DotExpr:
            x = self.expr(lhs.x, pre)
            tx = self.ctx.temp()
            pre.append(self.assign(tx, x))
            self.line, self.col = lhs.line, lhs.col
            cur = self.call("$getattr", self.name(tx), self.const(lhs.name))
            rhs = self.expr(st.rhs, pre)
            self.line, self.col = st.line, st.col
            v = self.augmented(op, cur, rhs)
            self.line, self.col = lhs.line, lhs.col
            return [
                *pre,
                self.expr_stmt(self.call("$setattr", self.name(tx), self.const(lhs.name), v)),
            ]
        raise TypeError("bad augmented assignment target")  # pragma: no cover

    def augmented(self, op: str, cur: py.expr, rhs: py.expr) -> py.expr:
        # as Go: list += iterable extends the list in place; everything else rebinds
        if op == "+":
            return self.call("$iadd", cur, rhs)
        if op in ("|", "&", "^", "-"):
            # spec: dict |= and the set operators update the left operand in place
            return self.call("$augmented", self.const(op), cur, rhs)
        return self.binop(op, cur, rhs)

    def assign_target(self, target: s.Expr, value: py.expr) -> list[py.stmt]:
        t = type(target)
        if t is s.ParenExpr:
            return self.assign_target(target.x, value)
        if t is s.Ident:
            return [self.assign_to_ident(target, value)]
        if t is s.TupleExpr or t is s.ListExpr:
            n = len(target.elts)
            self.line, self.col = target.line, target.col
            names = [self.ctx.temp() for _ in range(n)]
            unpack = self.call("$unpack", value, self.const(n))
            tup = self.at(py.Tuple(elts=[self.store(x) for x in names], ctx=py.Store()))
            out: list[py.stmt] = [self.at(py.Assign(targets=[tup], value=unpack))]
            for sub, nm in zip(target.elts, names, strict=True):
                out.extend(self.assign_target(sub, self.name(nm)))
            return out
        if t is s.IndexExpr:
            pre: list[py.stmt] = []
            tv = self.ctx.temp()
            pre.append(self.assign(tv, value))
            x = self.expr(target.x, pre)
            i = self.expr(target.index, pre)
            self.line, self.col = target.line, target.col
            return [*pre, self.expr_stmt(self.call("$setindex", x, i, self.name(tv)))]
        if t is s.DotExpr:
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

    def for_stmt(self, st: s.ForStmt) -> list[py.stmt]:
        pre: list[py.stmt] = []
        it = self.expr(st.iter, pre)
        self.line, self.col = st.line, st.col
        tv = self.ctx.temp("$it")
        pre.append(self.assign(tv, it))
        loopvar = self.ctx.temp("$x")
        body = self.budget_check(st.line, st.col)
        body += (
            self.assign_target(st.target, self.name(loopvar))
            if type(st.target) is not s.Ident
            else []
        )
        body += self.block(st.body, st.line, st.col)
        self.line, self.col = st.line, st.col
        target = (
            self.at(py.Name(id=self.ident_target(st.target), ctx=py.Store()))
            if type(st.target) is s.Ident
            else self.store(loopvar)
        )
        loop = self.at(
            py.For(target=target, iter=self.call("$iterate", self.name(tv)), body=body, orelse=[])
        )
        done = self.expr_stmt(self.call("$iter_done", self.name(tv)))
        guarded = self.at(py.Try(body=[loop], handlers=[], orelse=[], finalbody=[done]))
        return [*pre, guarded]

    def while_stmt(self, st: s.WhileStmt) -> list[py.stmt]:
        pre: list[py.stmt] = []
        cond = self.expr(st.cond, pre)
        self.line, self.col = st.line, st.col
        body = self.budget_check(st.line, st.col) + self.block(st.body, st.line, st.col)
        if pre:
            # the condition needs statements: while True: pre; if not cond: break
            self.line, self.col = st.line, st.col
            brk = self.at(
                py.If(
                    test=self.at(py.UnaryOp(op=py.Not(), operand=cond)),
                    body=[self.at(py.Break())],
                    orelse=[],
                )
            )
            return [self.at(py.While(test=self.const(True), body=[*pre, brk, *body], orelse=[]))]
        return [self.at(py.While(test=cond, body=body, orelse=[]))]

    # ------------------------------------------------------------ functions

    def arguments(self, fn: s.Function, pre: list[py.stmt]) -> py.arguments:
        args, kwonly, kw_defaults, defaults = [], [], [], []
        vararg = kwarg = None
        seen_star = False
        for p in fn.params:
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
            d = self.expr(p.default, pre) if p.default is not None else None
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

    def function_body(self, fn: s.Function, kind: str) -> list[py.stmt]:
        saved = self.ctx
        self.ctx = _Ctx(kind, saved)
        body = self.budget_check(fn.line, fn.col)
        for p in fn.params:
            if p.kind is s.ParamKind.STARSTAR:
                # Python passes **kwargs as a plain dict; Starlark's is a dict value
                kw = local_pyname(p.name.name)
                self.line, self.col = p.line, p.col
                body.append(self.assign(kw, self.call("$Dict", self.name(kw))))
        inner = self.block(fn.body, fn.line, fn.col)
        if not self.recursion:
            # as Go: a function may not call itself, directly or not, unless
            # the recursion option is on; one flag per def, set while active.
            self.line, self.col = fn.line, fn.col
            k = self.nfuncs
            flag = self.at(
                py.Subscript(value=self.name("$busy"), slice=self.const(k), ctx=py.Load())
            )
            enter = self.at(
                py.If(
                    test=flag,
                    body=[self.expr_stmt(self.call("$recursive", self.const(fn.name)))],
                    orelse=[],
                )
            )
            set1 = self.at(
                py.Assign(
                    targets=[
                        self.at(
                            py.Subscript(
                                value=self.name("$busy"), slice=self.const(k), ctx=py.Store()
                            )
                        )
                    ],
                    value=self.const(True),
                )
            )
            set0 = self.at(
                py.Assign(
                    targets=[
                        self.at(
                            py.Subscript(
                                value=self.name("$busy"), slice=self.const(k), ctx=py.Store()
                            )
                        )
                    ],
                    value=self.const(False),
                )
            )
            body += [
                enter,
                set1,
                self.at(py.Try(body=inner, handlers=[], orelse=[], finalbody=[set0])),
            ]
        else:
            body += inner
        self.nfuncs += 1
        self.ctx = saved
        return body

    def def_stmt(self, st: s.DefStmt) -> list[py.stmt]:
        pre: list[py.stmt] = []
        fn = st.function
        args = self.arguments(fn, pre)
        body = self.function_body(fn, "function")
        self.line, self.col = st.line, st.col
        pyname = self.ident_target(st.name)
        fdef = self.at(
            py.FunctionDef(name=pyname, args=args, body=body, decorator_list=[], returns=None)
        )
        wrap = self.at(
            py.Assign(
                targets=[self.at(py.Name(id=pyname, ctx=py.Store()))],
                value=self.call("$mkfunc", self.name(pyname), self.const(fn.name)),
            )
        )
        return [*pre, fdef, wrap]

    def lambda_expr(self, e: s.LambdaExpr, pre: list[py.stmt]) -> py.expr:
        fn = e.function
        self.line, self.col = e.line, e.col
        args = self.arguments(fn, pre)
        saved = self.ctx
        self.ctx = _Ctx("lambda", saved)
        self.ctx.in_comp = 1  # a lambda body is one expression: no statements, no temps
        ret = fn.body[0]
        assert isinstance(ret, s.ReturnStmt)
        assert ret.value is not None
        body_pre: list[py.stmt] = []
        body = self.expr(ret.value, body_pre)
        assert not body_pre
        self.ctx = saved
        self.line, self.col = e.line, e.col
        # count a step per call: `$tick() and body` ($tick returns True)
        parts = [self.call("$tick"), body]
        for p in fn.params:
            if p.kind is s.ParamKind.STARSTAR:
                # **kwargs arrives as a plain dict: `(kw := $Dict(kw)) is not None and ...`
                kw = local_pyname(p.name.name)
                fix = self.at(
                    py.NamedExpr(target=self.store(kw), value=self.call("$Dict", self.name(kw)))
                )
                test = self.at(
                    py.Compare(left=fix, ops=[py.IsNot()], comparators=[self.const(None)])
                )
                parts.insert(0, test)
        guarded = self.at(py.BoolOp(op=py.And(), values=parts))
        lam = self.at(py.Lambda(args=args, body=guarded))
        return self.call("$mkfunc", lam, self.const("lambda"))

    # ------------------------------------------------------------ expressions

    def expr(self, e: s.Expr, pre: list[py.stmt]) -> py.expr:
        t = type(e)
        if t is s.Ident:
            return self.ident(e)
        if t is s.Literal:
            return _at(py.Constant(value=e.value), e.line, e.col)
        if t is s.BinaryExpr:
            return self.binary(e, pre)
        if t is s.CallExpr:
            return self.call_expr(e, pre)
        if t is s.DotExpr:
            x = self.expr(e.x, pre)
            self.line, self.col = e.line, e.col
            return self.call("$getattr", x, self.const(e.name))
        if t is s.IndexExpr:
            x = self.expr(e.x, pre)
            i = self.expr(e.index, pre)
            self.line, self.col = e.line, e.col
            return self.call("$index", x, i)
        if t is s.SliceExpr:
            x = self.expr(e.x, pre)
            parts = [
                self.expr(p, pre) if p is not None else self.const(None)
                for p in (e.lo, e.hi, e.step)
            ]
            self.line, self.col = e.line, e.col
            return self.call("$slice", x, *parts)
        if t is s.ParenExpr:
            return self.expr(e.x, pre)
        if t is s.TupleExpr:
            elts = [self.expr(x, pre) for x in e.elts]
            return _at(py.Tuple(elts=elts, ctx=py.Load()), e.line, e.col)
        if t is s.ListExpr:
            elts = [self.expr(x, pre) for x in e.elts]
            self.line, self.col = e.line, e.col
            return self.call("$List", self.at(py.List(elts=elts, ctx=py.Load())))
        if t is s.DictExpr:
            return self.dict_expr(e, pre)
        if t is s.UnaryExpr:
            return self.unary(e, pre)
        if t is s.CondExpr:
            cond = self.expr(e.cond, pre)
            # then/else must be evaluated lazily: their temps may not be hoisted
            then = self.lazy_expr(e.then)
            els = self.lazy_expr(e.else_)
            return _at(py.IfExp(test=cond, body=then, orelse=els), e.line, e.col)
        if t is s.LambdaExpr:
            return self.lambda_expr(e, pre)
        if t is s.Comprehension:
            return self.comprehension(e, pre)
        raise TypeError(f"unexpected expression {t.__name__}")  # pragma: no cover

    def lazy_expr(self, e: s.Expr) -> py.expr:
        """Compile `e` where it may not run at all (and/or, if/else operands)."""
        sub: list[py.stmt] = []
        out = self.expr(e, sub)
        assert not sub, "expressions hoist no statements"
        return out

    def ident(self, e: s.Ident) -> py.expr:
        sc = e.scope
        if sc is Scope.GLOBAL:
            n = global_pyname(e.name)
        elif sc is Scope.FILE:
            n = "$l_" + e.name
        elif sc is Scope.UNIVERSAL:
            if e.name in ("True", "False", "None"):
                return _at(
                    py.Constant(value={"True": True, "False": False, "None": None}[e.name]),
                    e.line,
                    e.col,
                )
            self.universal_used.add(e.name)
            n = "$b_" + e.name
        elif sc is Scope.PREDECLARED:
            self.predeclared_used.add(e.name)
            n = "$b_" + e.name
        else:
            n = local_pyname(e.name)
        return _at(py.Name(id=n, ctx=py.Load()), e.line, e.col)

    def binary(self, e: s.BinaryExpr, pre: list[py.stmt]) -> py.expr:
        op = e.op
        if op in ("and", "or"):
            x = self.expr(e.x, pre)
            y = self.lazy_expr(e.y)
            node = py.BoolOp(op=py.And() if op == "and" else py.Or(), values=[x, y])
            return _at(node, e.line, e.col)
        x = self.expr(e.x, pre)
        y = self.expr(e.y, pre)
        self.line, self.col = e.line, e.col
        if op == "in":
            return self.call("$in", x, y)
        if op == "not in":
            return self.call("$not_in", x, y)
        if op in _CMP_HELPER:
            return self.compare(op, x, y)
        return self.binop(op, x, y)

    def guarded(self, fast, slow_fn: str, x: py.expr, y: py.expr, types: str) -> py.expr:
        """`fast(x, y) if type(x) is type(y) and type(x) in TYPES else slow_fn(x, y)`."""
        bx = self.bind_temp(x)
        by = self.bind_temp(y) if bx is not None else None
        if bx is None or by is None:
            return self.call(slow_fn, x, y)
        (x1, x2), (y1, y2) = bx, by
        # (x1 and y1 evaluate and bind the operands, in order)
        tx1 = self.call("$type", x1)
        ty1 = self.call("$type", y1)
        tx2 = self.call("$type", x2)
        same = self.at(py.Compare(left=tx1, ops=[py.Is()], comparators=[ty1]))
        native = self.at(py.Compare(left=tx2, ops=[py.In()], comparators=[self.name(types)]))
        test = self.at(py.BoolOp(op=py.And(), values=[same, native]))
        # on the slow path the operands are already bound (when they are temps)
        return self.at(py.IfExp(test=test, body=fast(x2, y2), orelse=self.call(slow_fn, x2, y2)))

    def binop(self, op: str, x: py.expr, y: py.expr) -> py.expr:
        helper = _BINOP_HELPER[op]
        if op in ("+", "-", "*"):
            pyop = _PY_BINOP[op]
            return self.guarded(
                lambda a, b: self.at(py.BinOp(left=a, op=pyop(), right=b)),
                helper,
                x,
                y,
                _FAST_SET[op],
            )
        return self.call(helper, x, y)

    def compare(self, op: str, x: py.expr, y: py.expr) -> py.expr:
        pyop = _PY_CMP[op]
        types = "$EQ_NATIVE" if op in ("==", "!=") else "$CMP_NATIVE"
        return self.guarded(
            lambda a, b: self.at(py.Compare(left=a, ops=[pyop()], comparators=[b])),
            _CMP_HELPER[op],
            x,
            y,
            types,
        )

    def unary(self, e: s.UnaryExpr, pre: list[py.stmt]) -> py.expr:
        x = self.expr(e.x, pre)
        self.line, self.col = e.line, e.col
        if e.op == "not":
            return self.at(py.UnaryOp(op=py.Not(), operand=x))
        helper = {"-": "$neg", "+": "$pos", "~": "$invert"}[e.op]
        return self.call(helper, x)

    def dict_expr(self, e: s.DictExpr, pre: list[py.stmt]) -> py.expr:
        self.line, self.col = e.line, e.col
        keys = [self.expr(en.key, pre) for en in e.entries]
        vals = [self.expr(en.value, pre) for en in e.entries]
        self.line, self.col = e.line, e.col
        consts = [k.value for k in keys if isinstance(k, py.Constant)]
        # Only distinct constant keys may use Python's dict display: it would
        # merge duplicates (1 and 1.0 too) silently, and hash a range.
        if len(consts) == len(keys) and len(set(consts)) == len(consts):
            return self.call("$Dict", self.at(py.Dict(keys=keys, values=vals)))
        pairs = [
            self.at(py.Tuple(elts=[k, v], ctx=py.Load())) for k, v in zip(keys, vals, strict=True)
        ]
        return self.call("$mkdict", self.at(py.Tuple(elts=pairs, ctx=py.Load())))

    def call_expr(self, e: s.CallExpr, pre: list[py.stmt]) -> py.expr:
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
        method = None
        if direct is not None:
            callee = None
        elif type(fn) is s.DotExpr:
            # x.name(args) -> $invoke(x, "name", args): no bound method is built
            callee = None
            method = self.expr(fn.x, pre)
        else:
            callee = self.expr(fn, pre)
        args: list[py.expr] = []
        keywords: list[py.keyword] = []
        for a in e.args:
            v = self.expr(a.value, pre)
            self.line, self.col = a.line, a.col
            if a.kind is s.ArgKind.POSITIONAL:
                args.append(v)
            elif a.kind is s.ArgKind.KEYWORD:
                keywords.append(self.at(py.keyword(arg=a.name, value=v)))
            elif a.kind is s.ArgKind.STAR:
                args.append(self.at(py.Starred(value=self.call("$star", v), ctx=py.Load())))
            else:
                keywords.append(self.at(py.keyword(arg=None, value=self.call("$starstar", v))))
        self.line, self.col = e.line, e.col
        if method is not None:
            args = [method, self.const(fn.name), *args]
            return self.at(py.Call(func=self.name("$invoke"), args=args, keywords=keywords))
        if direct is not None:
            func = self.name(direct)
        elif type(callee) is py.Name:
            # (f.fn if type(f) is $Function else $callable(f))(args)
            is_fn = self.at(
                py.Compare(
                    left=self.call("$type", callee),
                    ops=[py.Is()],
                    comparators=[self.name("$Function")],
                )
            )
            attr = self.at(py.Attribute(value=self.name(callee.id), attr="fn", ctx=py.Load()))
            func = self.at(
                py.IfExp(test=is_fn, body=attr, orelse=self.call("$callable", self.name(callee.id)))
            )
        else:
            func = self.call("$callable", callee)
        return self.at(py.Call(func=func, args=args, keywords=keywords))

    def comprehension(self, c: s.Comprehension, pre: list[py.stmt]) -> py.expr:
        first = c.clauses[0]
        assert isinstance(first, s.ForClause)
        outer_iter = self.expr(first.iter, pre)
        self.line, self.col = c.line, c.col
        it_temp = None
        if not self.ctx.in_comp:
            it_temp = self.ctx.temp("$it")
        self.ctx.in_comp += 1
        gens: list[py.comprehension] = []
        cur: py.comprehension | None = None
        for i, clause in enumerate(c.clauses):
            if type(clause) is s.ForClause:
                self.line, self.col = clause.line, clause.col
                if i == 0:
                    if it_temp is not None:
                        src = self.call("$iterate", self.name(it_temp))
                    else:
                        src = self.call("$iter_copy", outer_iter)
                else:
                    src = self.call("$iter_copy", self.lazy_expr(clause.iter))
                target, extra = self.comp_target(clause.target)
                cur = py.comprehension(target=target, iter=src, ifs=[], is_async=0)
                gens.append(cur)
                for t_store, value in extra:
                    # `for a, b in [$unpack(t, 2)]` is compiled by CPython as an assignment
                    self.line, self.col = clause.line, clause.col
                    gens.append(
                        py.comprehension(
                            target=t_store,
                            iter=self.at(py.List(elts=[value], ctx=py.Load())),
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
            self.line, self.col = c.line, c.col
            comp = self.at(py.DictComp(key=k, value=v, generators=gens))
            wrapped = self.call("$Dict", comp)
        else:
            elt = self.lazy_expr(c.body)
            self.line, self.col = c.line, c.col
            comp = self.at(py.ListComp(elt=elt, generators=gens))
            wrapped = self.call("$List", comp)
        self.ctx.in_comp -= 1
        if it_temp is not None:
            # $iter_end(($it := iterable), [...]) releases the iteration guard
            bound = self.at(py.NamedExpr(target=self.store(it_temp), value=outer_iter))
            return self.call("$iter_end", bound, wrapped)
        return wrapped

    def comp_target(self, target: s.Expr):
        """A comprehension `for` target: a name, or a temp plus unpacking assignments."""
        while type(target) is s.ParenExpr:
            target = target.x
        if type(target) is s.Ident:
            return self.at(py.Name(id=local_pyname(target.name), ctx=py.Store())), []
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
                stores.append(self.at(py.Name(id=local_pyname(sub.name), ctx=py.Store())))
            else:
                t = self.ctx.temp("$c")
                stores.append(self.store(t))
                nested.append((sub, t))
        tup = self.at(py.Tuple(elts=stores, ctx=py.Store()))
        extra.append((tup, self.call("$unpack", self.name(src), self.const(n))))
        for sub, t in nested:
            self._unpack_target(sub, t, extra)


def source_hash(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()


def compile_file(file: s.File, source_hash_: str, options: frozenset[str]) -> CompiledModule:
    """Compile a resolved file. Not cached here: the machine caches by content."""
    c = Compiler(file, options)
    mod = c.compile_module()
    code = compile(mod, file.filename, "exec", dont_inherit=True, optimize=0)
    codes: dict[object, CodeInfo] = {}
    _collect_codes(code, codes)
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
        codes=codes,
        num_functions=c.nfuncs,
    )


def _collect_codes(code, out: dict) -> None:
    stack = [code]
    while stack:
        co = stack.pop()
        name = co.co_name
        if name == "$toplevel":
            out[co] = CodeInfo("<toplevel>", "toplevel")
        elif name == "<lambda>":
            out[co] = CodeInfo("lambda", "lambda")
        elif name in ("<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>"):
            out[co] = CodeInfo(name, "comprehension")
        elif name != "<module>":
            out[co] = CodeInfo(name[3:] if name.startswith("$g_") else name, "function")
        stack.extend(k for k in co.co_consts if type(k) is type(code))
