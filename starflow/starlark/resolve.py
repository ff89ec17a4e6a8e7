"""Name resolution and static checks (spec: Name binding and variables).

The resolver walks a parsed `syntax.File`, decides the scope of every
identifier, and reports every static error of the file at once, each with its
position, before any code runs.

How it works. The lexical environment is a tree of blocks: the module block
at the root, whose children are functions (`def`, `lambda`) and
comprehensions, which nest further. A name bound anywhere in a function or
comprehension block (parameter, assignment, `for` target, nested `def`) is
local to that whole block, even before the binding statement, so resolution
takes two passes:

1. `_walk` visits every statement and expression. A binding use adds the
   name to the current block's bindings; every use, binding or not, is
   recorded with the block it occurs in. Module-level bindings become globals
   (or file-local names, for `load`), checked for reassignment as they appear.
2. `_resolve_uses` then looks each use up through the chain of enclosing
   blocks. Found in its own function or comprehension: LOCAL. Found in an
   enclosing function or comprehension: FREE, and the binding there becomes a
   CELL. Otherwise it is a module global, a loaded (file-local) name, a
   predeclared name, a universal one, or an error ("undefined: x"), with a
   "did you mean" hint.

Because the second pass runs after the whole module is walked, functions may
refer to globals defined later in the file; a top-level use before the
binding is not a static error but a runtime one ("global variable x
referenced before assignment"), as in Go.

The resolver also enforces the dialect: `while` needs the `while` option;
`if`/`for`/`while` at top level need `toplevelcontrol`; rebinding a global
needs `globalreassign`; `set` needs `set`. Recursion (`recursion`) is checked
at run time. It checks parameter lists and call argument order with Go's
wording. It evaluates nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

from . import syntax as s
from .errors import ResolveError
from .spell import nearest
from .syntax import Position, Scope

__all__ = ["resolve_file"]

_DOESNT = "this Starlark dialect does not "


_serials = itertools.count()


class _Block:
    __slots__ = ("bindings", "cells", "function", "kind", "parent", "serial")

    def __init__(self, kind: str, parent: _Block | None, function: s.Function | None = None):
        self.kind = kind  # "module", "function", "comp"
        self.parent = parent
        self.serial = next(_serials)  # (blocks in the order they begin)
        self.function = function
        self.bindings: dict[str, s.Ident] = {}  # name -> first binding ident
        self.cells: set[str] = set()


def resolve_file(
    file: s.File,
    is_predeclared: Callable[[str], bool],
    is_universal: Callable[[str], bool],
    options: Iterable[str] = (),
) -> None:
    """Resolve `file` in place; raise `ResolveError` carrying every static error.

    `is_predeclared` and `is_universal` report whether a name is provided by
    the embedder or by the language (predicates, so this module needs neither).
    """
    r = _Resolver(file, is_predeclared, is_universal, frozenset(options))
    r.run()
    if r.errors:
        pos, msg = r.errors[0]
        raise ResolveError(pos, msg, r.errors)


class _Resolver:
    def __init__(self, file, is_predeclared, is_universal, options):
        self.file = file
        self.filename = file.filename
        self.is_predeclared = is_predeclared
        self.is_universal = is_universal
        self.options = options
        self.errors: list[tuple[Position, str]] = []
        self.module = _Block("module", None)
        self.env = self.module
        self.loads: dict[str, s.Ident] = {}
        self.globals: dict[str, s.Ident] = {}
        self.uses: list[tuple[s.Ident, _Block]] = []
        self.loops = 0
        self.functions: list[tuple[s.Function, _Block]] = []
        self.comps: list[tuple[s.Comprehension, _Block]] = []
        self.callees: set[int] = set()  # id() of each Ident called directly, f(...)

    def error(self, line: int, col: int, msg: str) -> None:
        self.errors.append((Position(self.filename, line, col), msg))

    # ------------------------------------------------------------ pass 1

    def run(self) -> None:
        self.stmts(self.file.stmts)
        # Go's order of the errors (its binding shows the first): those its
        # walk of the statements finds, in order, then the undefined names,
        # in the order its resolver resolves the uses (_go_uses)
        self.errors.sort(key=lambda e: (e[0].line, e[0].col))
        self._resolve_uses()
        self.file.globals = list(self.globals)
        self.file.loads = list(self.loads)
        for fn, block in self.functions:
            fn.cells = set(block.cells)
        for comp, block in self.comps:
            comp.cells = set(block.cells)

    def at_top(self) -> bool:
        b = self.env
        while b.kind == "comp":
            b = b.parent
        return b.kind == "module"

    def stmts(self, stmts: list[s.Stmt]) -> None:
        for st in stmts:
            self.stmt(st)

    def stmt(self, st: s.Stmt) -> None:
        t = type(st)
        if t is s.ExprStmt:
            self.expr(st.x)
        elif t is s.AssignStmt:
            self.expr(st.rhs)
            if st.op != "=":
                # x += y reads x first; as Go, a global may not be rebound this way
                self.expr(st.lhs)
                self.assign(st.lhs, augmented=True)
            else:
                self.assign(st.lhs, augmented=False)
        elif t is s.DefStmt:
            self.bind(st.name)
            self.function(st.function)
        elif t is s.ReturnStmt:
            if self.at_top():
                self.error(st.line, st.col, "return statement not within a function")
            if st.value is not None:
                self.expr(st.value)
        elif t is s.IfStmt:
            if self.at_top() and "toplevelcontrol" not in self.options:
                self.error(st.line, st.col, "if statement not within a function")
            self.expr(st.cond)
            self.stmts(st.then)
            self.stmts(st.else_)
        elif t is s.ForStmt:
            if self.at_top() and "toplevelcontrol" not in self.options:
                self.error(st.line, st.col, "for loop not within a function")
            self.expr(st.iter)
            self.assign(st.target, augmented=False)
            self.loops += 1
            self.stmts(st.body)
            self.loops -= 1
        elif t is s.WhileStmt:
            if "while" not in self.options:
                self.error(st.line, st.col, _DOESNT + "support while loops")
            if self.at_top() and "toplevelcontrol" not in self.options:
                self.error(st.line, st.col, "while loop not within a function")
            self.expr(st.cond)
            self.loops += 1
            self.stmts(st.body)
            self.loops -= 1
        elif t is s.BranchStmt:
            if st.kind != "pass" and self.loops == 0:
                self.error(st.line, st.col, f"{st.kind} not in a loop")
        elif t is s.LoadStmt:
            if not self.at_top():
                self.error(st.line, st.col, "load statement within a function")
            for ident, orig in st.names:
                if orig.startswith("_"):
                    self.error(
                        ident.line,
                        ident.col,
                        f"load: names with leading underscores are not exported: {orig}",
                    )
                self.bind(ident, is_load=True)
        else:  # pragma: no cover - the parser builds nothing else
            raise TypeError(f"unexpected statement {t.__name__}")

    def assign(self, lhs: s.Expr, augmented: bool) -> None:
        t = type(lhs)
        if t is s.Ident:
            self.bind(lhs)
        elif t is s.IndexExpr:
            if not augmented:
                self.expr(lhs.x)
                self.expr(lhs.index)
        elif t is s.DotExpr:
            if not augmented:
                self.expr(lhs.x)
        elif t is s.TupleExpr or t is s.ListExpr:
            if augmented:
                kind = "tuple" if t is s.TupleExpr else "list"
                self.error(
                    lhs.line, lhs.col, f"can't use {kind} expression in augmented assignment"
                )
                return
            if not lhs.elts:
                self.error(
                    lhs.line,
                    lhs.col,
                    "can't assign to ()" if t is s.TupleExpr else "can't assign to []",
                )
            for e in lhs.elts:
                self.assign(e, augmented)
        elif t is s.ParenExpr:
            self.assign(lhs.x, augmented)
        else:
            self.error(lhs.line, lhs.col, f"can't assign to {_describe(lhs)}")

    def bind(self, ident: s.Ident, is_load: bool = False) -> None:
        env = self.env
        if env.kind == "module":
            name = ident.name
            prev = self.loads.get(name) or self.globals.get(name)
            if prev is not None:
                if "globalreassign" not in self.options or name in self.loads:
                    kind = "local" if name in self.loads else "global"
                    self.error(
                        ident.line,
                        ident.col,
                        f"cannot reassign {kind} {name} declared at "
                        f"{Position(self.filename, prev.line, prev.col)}",
                    )
                ident.scope = Scope.FILE if name in self.loads else Scope.GLOBAL
                return
            if is_load:
                self.loads[name] = ident
                ident.scope = Scope.FILE
            else:
                self.globals[name] = ident
                ident.scope = Scope.GLOBAL
            env.bindings[name] = ident
            return
        if ident.name not in env.bindings:
            env.bindings[ident.name] = ident
            if env.function is not None:
                env.function.locals.append(ident.name)
        self.uses.append((ident, env))

    def function(self, fn: s.Function) -> None:
        # Defaults are evaluated in the enclosing block, at definition time.
        for p in fn.params:
            if p.default is not None:
                self.expr(p.default)
        block = _Block("function", self.env, fn)
        self.functions.append((fn, block))
        saved_env, saved_loops = self.env, self.loops
        self.env, self.loops = block, 0
        self.params(fn)
        self.stmts(fn.body)
        self.env, self.loops = saved_env, saved_loops

    def params(self, fn: s.Function) -> None:
        seen_optional = False
        star: s.Param | None = None
        starstar: s.Param | None = None
        num_kwonly = 0
        ordered: list[s.Param] = []
        for p in fn.params:
            k = p.kind
            if k is s.ParamKind.NORMAL:
                assert p.name is not None
                if starstar is not None:
                    what = "optional" if p.default is not None else "required"
                    self.error(
                        p.line, p.col, f"{what} parameter may not follow **{starstar.name.name}"
                    )
                elif star is not None:
                    num_kwonly += 1
                elif p.default is None and seen_optional:
                    self.error(p.line, p.col, "required parameter may not follow optional")
                if p.default is not None:
                    seen_optional = True
                ordered.append(p)
            elif k is s.ParamKind.STAR:
                if starstar is not None:
                    self.error(p.line, p.col, f"* parameter may not follow **{starstar.name.name}")
                elif star is not None:
                    self.error(p.line, p.col, "multiple * parameters not allowed")
                else:
                    star = p
            else:
                if starstar is not None:
                    self.error(p.line, p.col, "multiple ** parameters not allowed")
                starstar = p
        if star is not None:
            if star.name is not None:
                fn.has_varargs = True
                ordered.append(star)
            elif num_kwonly == 0:
                self.error(
                    star.line, star.col, "bare * must be followed by keyword-only parameters"
                )
        if starstar is not None:
            fn.has_kwargs = True
            ordered.append(starstar)
        fn.num_kwonly = num_kwonly
        seen: set[str] = set()
        for p in ordered:
            assert p.name is not None
            if p.name.name in seen:
                self.error(p.name.line, p.name.col, f"duplicate parameter: {p.name.name}")
                continue
            seen.add(p.name.name)
            self.bind(p.name)

    def use(self, ident: s.Ident) -> None:
        self.uses.append((ident, self.env))

    def exprs(self, xs: Iterable[s.Expr | None]) -> None:
        for x in xs:
            if x is not None:
                self.expr(x)

    def expr(self, e: s.Expr) -> None:
        # An explicit stack, not recursion: deep expressions must not overflow.
        stack: list[s.Node] = [e]
        push = stack.append
        while stack:
            e = stack.pop()
            t = type(e)
            if t is s.Ident:
                self.use(e)
            elif t is s.Literal:
                pass
            elif t is s.BinaryExpr:
                push(e.y)
                push(e.x)
            elif t is s.CallExpr:
                self.check_call_args(e)
                for a in reversed(e.args):
                    push(a.value)
                fn = e.fn
                while type(fn) is s.ParenExpr:
                    fn = fn.x
                if type(fn) is s.Ident:
                    self.callees.add(id(fn))
                push(e.fn)
            elif t is s.DotExpr:
                push(e.x)
            elif t is s.IndexExpr:
                push(e.index)
                push(e.x)
            elif t is s.SliceExpr:
                for x in (e.step, e.hi, e.lo):
                    if x is not None:
                        push(x)
                push(e.x)
            elif t is s.ListExpr or t is s.TupleExpr:
                stack.extend(reversed(e.elts))
            elif t is s.DictExpr:
                for entry in reversed(e.entries):
                    push(entry.value)
                    push(entry.key)
            elif t is s.ParenExpr or t is s.UnaryExpr:
                push(e.x)
            elif t is s.CondExpr:
                push(e.else_)
                push(e.then)
                push(e.cond)
            elif t is s.LambdaExpr:
                self.function(e.function)
            elif t is s.Comprehension:
                self.comprehension(e)
            else:  # pragma: no cover
                raise TypeError(f"unexpected expression {t.__name__}")

    def check_call_args(self, call: s.CallExpr) -> None:
        # as Go's resolver: positional, then named (and *args), then **kwargs
        seen_varargs = seen_kwargs = False
        names: set[str] = set()
        for a in call.args:
            k = a.kind
            if k is s.ArgKind.STARSTAR:
                if seen_kwargs:
                    self.error(a.line, a.col, "multiple **kwargs not allowed")
                seen_kwargs = True
            elif k is s.ArgKind.STAR:
                if seen_kwargs:
                    self.error(a.line, a.col, "*args may not follow **kwargs")
                elif seen_varargs:
                    self.error(a.line, a.col, "multiple *args not allowed")
                seen_varargs = True
            elif k is s.ArgKind.KEYWORD:
                # (as 2023's Go: named arguments come before *args and **kwargs)
                if seen_kwargs:
                    self.error(a.line, a.col, "keyword argument may not follow **kwargs")
                elif seen_varargs:
                    self.error(a.line, a.col, "keyword argument may not follow *args")
                if a.name in names:
                    self.error(a.line, a.col, f'keyword argument "{a.name}" is repeated')
                names.add(a.name)
            else:
                if seen_varargs:
                    self.error(a.line, a.col, "positional argument may not follow *args")
                elif seen_kwargs:
                    self.error(a.line, a.col, "positional argument may not follow **kwargs")
                elif names:
                    self.error(a.line, a.col, "positional argument may not follow named")

    def comprehension(self, c: s.Comprehension) -> None:
        first = c.clauses[0]
        assert isinstance(first, s.ForClause)
        # spec: the first iterable is evaluated in the enclosing block
        self.expr(first.iter)
        block = _Block("comp", self.env)
        self.comps.append((c, block))
        saved = self.env
        self.env = block
        saved_loops, self.loops = self.loops, 0
        for i, clause in enumerate(c.clauses):
            if type(clause) is s.ForClause:
                if i > 0:
                    self.expr(clause.iter)
                self.assign(clause.target, augmented=False)
            else:
                self.expr(clause.cond)
        for name in block.bindings:
            c.locals.append(name)
        if c.is_dict:
            assert isinstance(c.body, s.DictEntry)
            self.expr(c.body.key)
            self.expr(c.body.value)
        else:
            self.expr(c.body)
        self.loops = saved_loops
        self.env = saved

    # ------------------------------------------------------------ pass 2

    def _resolve_uses(self) -> None:
        # How the globals are used, for infer.module_types: called directly
        # (f(...)), used otherwise (as values), named inside a def or lambda.
        called: set[str] = set()
        valued: set[str] = set()
        in_functions: set[str] = set()
        self.file.extra["global_uses"] = (called, valued, in_functions)
        undefined: list[s.Ident] = []
        for ident, env in self.uses:
            name = ident.name
            own = env
            b: _Block | None = env
            found = None
            while b is not None and b.kind != "module":
                if name in b.bindings:
                    found = b
                    break
                b = b.parent
            if found is not None:
                if found is own:
                    if ident.scope is not Scope.CELL:
                        ident.scope = Scope.LOCAL
                else:
                    ident.scope = Scope.FREE
                    found.cells.add(name)
                    # every function between the use and the binding captures it
                    blk = own
                    while blk is not found:
                        if blk.function is not None and name not in blk.function.freevars:
                            blk.function.freevars.append(name)
                        blk = blk.parent
                continue
            if name in self.globals:
                ident.scope = Scope.GLOBAL
                (called if id(ident) in self.callees else valued).add(name)
                b = env
                while b is not None and b.function is None:
                    b = b.parent
                if b is not None:
                    in_functions.add(name)
            elif name in self.loads:
                ident.scope = Scope.FILE
            elif self.is_predeclared(name):
                ident.scope = Scope.PREDECLARED
            elif self.is_universal(name):
                ident.scope = Scope.UNIVERSAL
                if name == "set" and "set" not in self.options:
                    self.error(ident.line, ident.col, _DOESNT + "support sets")
            else:
                ident.scope = Scope.UNDEFINED
                undefined.append(ident)
        if undefined:
            order, hints = self._go_hints({id(i) for i in undefined})
            for ident in order:
                msg = f"undefined: {ident.name}"
                if hints.get(id(ident)):
                    msg += f" (did you mean {hints[id(ident)]}?)"
                self.error(ident.line, ident.col, msg)
        # second sweep: binding idents of captured locals are cells
        for ident, env in self.uses:
            if ident.scope is Scope.LOCAL and ident.name in env.cells:
                ident.scope = Scope.CELL

    def _go_hints(self, wanted: set[int]) -> tuple[list[s.Ident], dict[int, str | None]]:
        """The "did you mean" of each undefined use in `wanted` (ids of
        idents), as Go's resolver guesses it: the nearest of the names of the
        module and of the blocks around the use, where a block (other than
        the module's) also holds every name its uses, and its inner blocks',
        looked up before (Go memoizes lookups there, so a universal name
        used earlier in a function is a candidate: `sor` -> `str`, but not
        at the top level: `Tru` gets no "did you mean True"). Go resolves
        the inner blocks' uses before a block's own."""

        # A use belongs to its function's block (or the module's), a
        # comprehension's included: Go resolves each function's uses in
        # order, after those of the functions inside it.
        def container(b: _Block) -> _Block:
            while b.kind == "comp" and b.parent is not None:
                b = b.parent
            return b

        blocks: dict[int, _Block] = {}
        uses_of: dict[int, list[tuple[s.Ident, _Block]]] = {}
        for ident, env in self.uses:
            c = container(env)
            uses_of.setdefault(id(c), []).append((ident, env))
            while True:
                blocks[id(c)] = c
                if c.parent is None:
                    break
                c = container(c.parent)
        children: dict[int, list[_Block]] = {}
        for b in sorted(blocks.values(), key=lambda b: b.serial):
            if b.parent is not None:
                children.setdefault(id(container(b.parent)), []).append(b)
        order: list[tuple[s.Ident, _Block]] = []
        # (post-order, iteratively: the inner blocks' uses, then the block's own)
        stack: list[tuple[_Block, bool]] = [(b, False) for b in blocks.values() if b.parent is None]
        while stack:
            b, done = stack.pop()
            if done:
                order += uses_of.get(id(b), [])
                continue
            stack.append((b, True))
            stack += [(c, False) for c in reversed(children.get(id(b), []))]
        memo: dict[int, set[str]] = {}
        hints: dict[int, str | None] = {}
        found: list[s.Ident] = []  # the wanted uses, in Go's order
        module = set(self.globals) | set(self.loads)
        for ident, env in order:
            chain: list[_Block] = []
            b = env
            while b is not None and b.kind != "module":
                chain.append(b)
                b = b.parent
            if id(ident) in wanted and any(ident.name in memo.get(id(b), ()) for b in chain):
                pass  # (as Go: an earlier use memoized it there, undefined: one error)
            elif id(ident) in wanted:
                candidates = set(module)
                for b in chain:
                    candidates.update(b.bindings)
                    candidates.update(memo.get(id(b), ()))
                candidates.discard(ident.name)  # (memoized by an earlier use)
                hints[id(ident)] = nearest(ident.name, sorted(candidates))
                found.append(ident)
            for b in chain:  # (Go memoizes in each block it did not find the name in)
                if ident.name in b.bindings:
                    break
                memo.setdefault(id(b), set()).add(ident.name)
        return found, hints


def _describe(e: s.Expr) -> str:
    names = {
        s.CallExpr: "function call",
        s.Literal: "literal",
        s.BinaryExpr: "binary expression",
        s.UnaryExpr: "unary expression",
        s.CondExpr: "conditional expression",
        s.DictExpr: "dict expression",
        s.Comprehension: "comprehension",
        s.LambdaExpr: "lambda expression",
        s.SliceExpr: "slice expression",
    }
    return names.get(type(e), "expression")
