"""The Starlark abstract syntax tree.

The parser (`parser.py`) builds these nodes, the resolver (`resolve.py`)
annotates them with bindings, and the compiler (`compiler.py`) turns them into
Python code. Every node carries the 1-based `line` and `col` (columns counted
in code points) of its first character, except where a field says otherwise:
binary expressions also record the operator's position, calls their `(`,
index and slice expressions their `[`, and dot expressions the `.`, because
that is where a runtime error in that operation is reported (as Go does).

Fields the resolver fills in are declared with defaults and documented as
"set by the resolver". Nothing here evaluates anything.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Position:
    """A place in a source file: 1-based line and column (code points)."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        if not self.line:  # (a built-in's frame: `<builtin>`, as Go)
            return self.file
        return f"{self.file}:{self.line}:{self.col}"


class Scope(enum.Enum):
    """Where a name lives (spec: Name binding).

    LOCAL        a local of the enclosing function or comprehension, not captured
    CELL         a local captured by a nested function (lives in a cell)
    FREE         a captured local of an enclosing function, seen from a nested one
    GLOBAL       bound at the top level of the module
    FILE         bound by a `load` statement; visible in this file only, not exported
    PREDECLARED  provided by the embedder (`predeclared=`)
    UNIVERSAL    a built-in of the language (`len`, `None`, ...)
    UNDEFINED    not found; the resolver reports an error
    """

    LOCAL = "local"
    CELL = "cell"
    FREE = "free"
    GLOBAL = "global"
    FILE = "file"
    PREDECLARED = "predeclared"
    UNIVERSAL = "universal"
    UNDEFINED = "undefined"


class Node:
    __slots__ = ()


# ---------------------------------------------------------------- expressions


class Expr(Node):
    __slots__ = ()


@dataclass(slots=True, eq=False)
class Ident(Expr):
    name: str
    line: int
    col: int
    scope: Scope = Scope.UNDEFINED  # set by the resolver


@dataclass(slots=True, eq=False)
class Literal(Expr):
    """An int, float, str or bytes literal, already decoded (escapes applied)."""

    value: int | float | str | bytes
    line: int
    col: int


@dataclass(slots=True, eq=False)
class ListExpr(Expr):
    elts: list[Expr]
    line: int
    col: int


@dataclass(slots=True, eq=False)
class TupleExpr(Expr):
    """`a, b` or `(a, b)` or `()`; `line`/`col` of the first element or of `(`."""

    elts: list[Expr]
    line: int
    col: int


@dataclass(slots=True, eq=False)
class DictEntry(Node):
    key: Expr
    value: Expr
    line: int  # position of the `:`
    col: int


@dataclass(slots=True, eq=False)
class DictExpr(Expr):
    entries: list[DictEntry]
    line: int
    col: int


@dataclass(slots=True, eq=False)
class ParenExpr(Expr):
    """A parenthesized expression `(x)`; kept so `(x) = 1` and `(a)(b)` are exact."""

    x: Expr
    line: int
    col: int


@dataclass(slots=True, eq=False)
class UnaryExpr(Expr):
    op: str  # "-", "+", "~", "not"
    x: Expr
    line: int
    col: int


@dataclass(slots=True, eq=False)
class BinaryExpr(Expr):
    """`x op y`. op is one of: or and == != < > <= >= in "not in" | ^ & << >> - + * / // %."""

    op: str
    x: Expr
    y: Expr
    line: int  # position of the operator
    col: int


@dataclass(slots=True, eq=False)
class CondExpr(Expr):
    """`then if cond else else_`."""

    cond: Expr
    then: Expr
    else_: Expr
    line: int  # position of `if`
    col: int


@dataclass(slots=True, eq=False)
class IndexExpr(Expr):
    x: Expr
    index: Expr
    line: int  # position of `[`
    col: int


@dataclass(slots=True, eq=False)
class SliceExpr(Expr):
    x: Expr
    lo: Expr | None
    hi: Expr | None
    step: Expr | None
    line: int  # position of `[`
    col: int


@dataclass(slots=True, eq=False)
class DotExpr(Expr):
    x: Expr
    name: str
    line: int  # position of `.`
    col: int
    name_line: int = 0
    name_col: int = 0


class ArgKind(enum.Enum):
    POSITIONAL = "positional"  # f(x)
    KEYWORD = "keyword"  # f(name=x)
    STAR = "star"  # f(*x)
    STARSTAR = "starstar"  # f(**x)


@dataclass(slots=True, eq=False)
class Arg(Node):
    kind: ArgKind
    value: Expr
    name: str | None  # only for KEYWORD
    line: int
    col: int


@dataclass(slots=True, eq=False)
class CallExpr(Expr):
    fn: Expr
    args: list[Arg]
    line: int  # position of `(`
    col: int
    rparen_line: int = 0
    rparen_col: int = 0


class ParamKind(enum.Enum):
    NORMAL = "normal"  # x  or  x=default
    STAR = "star"  # *args, or a bare `*` when name is None
    STARSTAR = "starstar"  # **kwargs


@dataclass(slots=True, eq=False)
class Param(Node):
    kind: ParamKind
    name: Ident | None  # None only for a bare `*`
    default: Expr | None
    line: int
    col: int


@dataclass(slots=True, eq=False)
class Function(Node):
    """What `def` and `lambda` share: parameters, body, and the resolver's findings."""

    name: str  # "lambda" for lambdas
    params: list[Param]
    body: list[Stmt]  # a lambda's body is [ReturnStmt(expr)]
    line: int
    col: int
    # set by the resolver:
    locals: list[str] = field(default_factory=list)  # every local, parameters first
    cells: set[str] = field(default_factory=set)  # locals captured by nested functions
    freevars: list[str] = field(default_factory=list)  # names captured from outside
    has_varargs: bool = False
    has_kwargs: bool = False
    num_kwonly: int = 0


@dataclass(slots=True, eq=False)
class LambdaExpr(Expr):
    function: Function
    line: int
    col: int


@dataclass(slots=True, eq=False)
class ForClause(Node):
    target: Expr  # an Ident, or a TupleExpr/ListExpr/ParenExpr of targets
    iter: Expr
    line: int  # position of `for`
    col: int


@dataclass(slots=True, eq=False)
class IfClause(Node):
    cond: Expr
    line: int  # position of `if`
    col: int


@dataclass(slots=True, eq=False)
class Comprehension(Expr):
    """`[body for ...]` or `{k: v for ...}`; body is a DictEntry for dicts."""

    is_dict: bool
    body: Expr | DictEntry
    clauses: list[ForClause | IfClause]  # the first is always a ForClause
    line: int  # position of `[` or `{`
    col: int
    # set by the resolver: the comprehension's own locals (its loop variables)
    locals: list[str] = field(default_factory=list)
    cells: set[str] = field(default_factory=set)


# ---------------------------------------------------------------- statements


class Stmt(Node):
    __slots__ = ()


@dataclass(slots=True, eq=False)
class ExprStmt(Stmt):
    x: Expr
    line: int
    col: int


@dataclass(slots=True, eq=False)
class AssignStmt(Stmt):
    """`lhs = rhs` (op "=") or an augmented assignment (op "+=", "-=", ...)."""

    op: str
    lhs: Expr
    rhs: Expr
    line: int  # position of the operator
    col: int


@dataclass(slots=True, eq=False)
class DefStmt(Stmt):
    name: Ident
    function: Function
    line: int  # position of `def`
    col: int


@dataclass(slots=True, eq=False)
class ReturnStmt(Stmt):
    value: Expr | None
    line: int
    col: int


@dataclass(slots=True, eq=False)
class IfStmt(Stmt):
    cond: Expr
    then: list[Stmt]
    else_: list[Stmt]  # an `elif` is an IfStmt alone in else_
    line: int
    col: int


@dataclass(slots=True, eq=False)
class ForStmt(Stmt):
    target: Expr
    iter: Expr
    body: list[Stmt]
    line: int
    col: int


@dataclass(slots=True, eq=False)
class WhileStmt(Stmt):
    cond: Expr
    body: list[Stmt]
    line: int
    col: int


@dataclass(slots=True, eq=False)
class BranchStmt(Stmt):
    kind: str  # "break", "continue", "pass"
    line: int
    col: int


@dataclass(slots=True, eq=False)
class LoadStmt(Stmt):
    """`load("module", "a", b="c")`: binds local idents to names exported by module."""

    module: str
    names: list[tuple[Ident, str]]  # (local binding, name in the loaded module)
    line: int
    col: int
    rparen_line: int = 0
    rparen_col: int = 0


@dataclass(slots=True, eq=False)
class File(Node):
    filename: str
    stmts: list[Stmt]
    # set by the resolver:
    globals: list[str] = field(default_factory=list)  # module globals, in binding order
    locals: list[str] = field(default_factory=list)  # top-level temporaries (none today)
    loads: list[str] = field(default_factory=list)  # names bound by load statements
    extra: dict[str, Any] = field(default_factory=dict)
