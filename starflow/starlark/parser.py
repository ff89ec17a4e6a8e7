"""Source text to `syntax.File`: the Starlark parser.

This module owns everything between the bytes of a file and its AST: decoding,
the lexical rules that a regular expression cannot state (escapes, number forms,
reserved words), indentation, the grammar's LALR parser (`grammar/starlark.lark`,
installed as the package `starflow.grammar`), building the AST with exact
positions, and every syntax error, raised as `errors.ParseError` with
file:line:col and starlark-go's wording.

How it fits together:

- Lark's basic lexer tokenizes with the grammar's terminals. `_Indenter`, the
  post-lexer, turns raw newline tokens into `_NEWLINE`/`_INDENT`/`_DEDENT`,
  drops newlines inside brackets, limits nesting and rejects reserved words.
- Lark's LALR parser calls `_Builder`'s methods as it reduces rules (an inline
  transformer), so AST nodes are built directly, with no intermediate tree.
  Binary operators arrive as a flat sequence that `_Builder.chain` arranges by
  the spec's precedence table (see the grammar's header for why).
- Callbacks raise `_Fail(line, col, msg)`; `parse` adds the file name. Lark's
  own exceptions are translated into Go-style messages ("got ')', want ':'").

The Lark object is built once per process, lazily, and never cached to disk.
Nothing here recurses over the input, and the trees it returns are at most
`MAX_DEPTH` deep, so later passes may recurse over them: deeper input (see
`MAX_NESTING`, `MAX_INDENT`, `MAX_DEPTH`) is reported as "nesting too deep".
"""

from __future__ import annotations

import contextvars
import importlib.resources
import re
import threading
from dataclasses import fields, is_dataclass
from pathlib import Path

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from . import syntax
from .errors import ParseError
from .syntax import (
    Arg,
    ArgKind,
    BinaryExpr,
    BranchStmt,
    CallExpr,
    Comprehension,
    CondExpr,
    DefStmt,
    DictEntry,
    DictExpr,
    DotExpr,
    ExprStmt,
    ForClause,
    ForStmt,
    Function,
    Ident,
    IfClause,
    IfStmt,
    IndexExpr,
    LambdaExpr,
    ListExpr,
    Literal,
    LoadStmt,
    Param,
    ParamKind,
    ParenExpr,
    Position,
    ReturnStmt,
    SliceExpr,
    TupleExpr,
    UnaryExpr,
    WhileStmt,
)

__all__ = ["MAX_DEPTH", "MAX_INDENT", "MAX_NESTING", "grammar_text", "parse"]

#: Deepest bracket nesting accepted: (, [ and { together (CPython's limit too).
MAX_NESTING = 200
#: Deepest indentation accepted, in blocks (CPython's limit too).
MAX_INDENT = 100
#: Deepest AST accepted, in nodes from a statement list to a leaf. Downstream
#: passes (resolver, compiler, Python's own compile) walk the tree recursively;
#: this keeps them well inside Python's recursion limit.
MAX_DEPTH = 400

# spec: Keywords, "reserved as possible future keywords". As Go, `assert` is
# not reserved: Go's test suite (and ours) use it as an ordinary name.
_RESERVED = frozenset(
    "as async await class del except finally from global import is nonlocal raise "
    "try with yield".split()
)

_OPEN = {"LPAR": "RPAR", "LSQB": "RSQB", "LBRACE": "RBRACE"}
# Tokens that never add a level to the tree by themselves: operands, commas,
# closing brackets (their opening one counted), newlines. Each other token
# adds at most three levels (a call's `(` a CallExpr and an Arg; a lambda's
# `lambda` a LambdaExpr, a Function and a ReturnStmt ...), so a top-level
# statement with fewer than MAX_DEPTH / 3 of them is shallow enough.
_SHALLOW = frozenset(
    {"NAME", "INT", "FLOAT", "STRING", "COMMA", "RPAR", "RSQB", "RBRACE", "_NEWLINE", "_DEDENT"}
)
_CLOSE = frozenset(_OPEN.values())
_COMPARISONS = frozenset(["==", "!=", "<", ">", "<=", ">=", "in", "not in"])

# spec: Binary operators, lowest precedence first. `not` (prefix) sits between
# `and` and the comparisons; unary + - ~ bind tighter than any binary operator.
_BINARY_PREC = {
    "or": 1,
    "and": 2,
    "==": 4,
    "!=": 4,
    "<": 4,
    ">": 4,
    "<=": 4,
    ">=": 4,
    "in": 4,
    "not in": 4,
    "|": 5,
    "^": 6,
    "&": 7,
    "<<": 8,
    ">>": 8,
    "+": 9,
    "-": 9,
    "*": 10,
    "/": 10,
    "//": 10,
    "%": 10,
}
_NOT_PREC = 3
_UNARY_PREC = 11
_CMP_PREC = 4


class _Fail(Exception):
    """A syntax error found while building the AST; `parse` adds the file name."""

    def __init__(self, line: int, col: int, msg: str):
        super().__init__(msg)
        self.line = line
        self.col = col
        self.msg = msg


class _State:
    """What one `parse` call shares between the post-lexer, the builder and `parse`."""

    __slots__ = ("brackets", "deep", "end")

    def __init__(self, end: int):
        self.brackets: list[Token] = []  # open brackets, innermost last
        self.end = end  # length of the source text
        # the most tokens that may deepen the tree in one top-level statement
        # (see _check_depth: a file whose statements have few needs no check)
        self.deep = 0


_STATE: contextvars.ContextVar[_State] = contextvars.ContextVar("starlark_parse_state")

# ----------------------------------------------------------------- the grammar


def grammar_text() -> str:
    """Return the text of `starlark.lark`, the grammar this parser is built from.

    Returns:
        The grammar, read from the installed package `starflow.grammar`, or from
        the `grammar/` directory of a source checkout that is not installed.
    """
    try:
        resource = importlib.resources.files("starflow.grammar").joinpath("starlark.lark")
    except ModuleNotFoundError:
        # A source tree used in place: `starflow.grammar` is only a package once
        # installed (pyproject maps it to grammar/).
        resource = Path(__file__).resolve().parents[2] / "grammar" / "starlark.lark"
    return resource.read_text(encoding="utf-8")


_lark: Lark | None = None
_lark_lock = threading.Lock()


def _parser() -> Lark:
    """The process-wide Lark object, built on first use (about 0.1 s)."""
    global _lark
    if _lark is None:
        with _lark_lock:
            if _lark is None:
                _lark = Lark(
                    grammar_text(),
                    parser="lalr",
                    lexer="basic",
                    start="file",
                    postlex=_Indenter(),
                    transformer=_Builder(),
                    maybe_placeholders=True,
                    propagate_positions=False,
                    cache=False,  # never pickle: the grammar is small and builds fast
                )
    return _lark


# ------------------------------------------------------------------ the entry


def parse(filename: str, source: str | bytes) -> syntax.File:
    """Parse a Starlark file.

    Args:
        filename: The name positions and errors report; not opened.
        source: The file's text, or its bytes (UTF-8).

    Returns:
        The file's AST, with positions on every node (see `syntax`).

    Raises:
        ParseError: The source is not valid UTF-8 or not valid Starlark. The
            position is the offending token's (or character's).
    """
    if isinstance(source, bytes | bytearray):
        try:
            text = bytes(source).decode("utf-8")
        except UnicodeDecodeError as e:
            line = source.count(b"\n", 0, e.start) + 1
            col = len(source[source.rfind(b"\n", 0, e.start) + 1 : e.start].decode()) + 1
            raise ParseError(Position(filename, line, col), "invalid UTF-8 encoding") from None
    else:
        text = source
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        # As Go: "\r\n" and a lone "\r" are newlines, in strings too.
        text = text.replace("\r\n", "\n").replace("\r", "\n")

    lark = _parser()
    state = _State(len(text))
    reset = _STATE.set(state)
    try:
        stmts = lark.parse(text)
        if state.deep * 3 + 3 >= MAX_DEPTH:
            _check_depth(stmts)
    except _Fail as e:
        raise ParseError(Position(filename, e.line, e.col), e.msg) from None
    except UnexpectedInput as e:
        line, col, msg = _describe_lark_error(e, text, state)
        raise ParseError(Position(filename, line, col), msg) from None
    finally:
        _STATE.reset(reset)
    return syntax.File(filename, stmts)


# ---------------------------------------------------------- the post-lexer


def _indent_width(s: str) -> int:
    """Indentation of a line's leading blanks; as Go, a tab advances to a multiple of 8."""
    if "\t" not in s:
        return len(s)
    col = 0
    for i, c in enumerate(s):
        col += 8 - i % 8 if c == "\t" else 1
    return col


class _Indenter:
    """Lark post-lexer: indentation, newlines, bracket nesting, reserved words.

    Modelled on lark's `Indenter`, but it raises `_Fail` with a position, follows
    Go's scanner (blank and comment-only lines are ignored, tabs count to the next
    multiple of 8, a missing final newline is supplied) and limits nesting.
    """

    always_accept = ("_NEWLINE",)

    def process(self, stream):
        prev_type = None
        state = _STATE.get()
        brackets = state.brackets
        indents = [0]
        end = state.end
        emitted = None  # type of the last token passed on (None: nothing yet)
        first = True
        tok = None
        deep = 0  # tokens that may deepen the tree, in this top-level statement
        shallow = _SHALLOW
        at_top = False  # a line at indentation 0 began: a new statement, or an elif/else
        for tok in stream:
            t = tok.type
            if at_top and t != "_NEWLINE":
                at_top = False
                if t != "ELIF" and t != "ELSE":  # (an if's chain is one statement)
                    if deep > state.deep:
                        state.deep = deep
                    deep = 0
            if t not in shallow:
                deep += 1
            if first:
                first = False
                if t != "_NEWLINE" and tok.column > 1:
                    # Indentation of the first line (later lines are measured by
                    # their _NEWLINE token): "got indent, ..." from the parser.
                    yield Token.new_borrow_pos("_INDENT", "", tok)
                    indents.append(tok.column - 1)
            if t == "_NEWLINE":
                if brackets:
                    continue  # spec: implicit line joining
                if emitted is not None and emitted != "_NEWLINE":
                    yield tok
                    emitted = "_NEWLINE"
                if tok.end_pos == end:
                    break  # trailing blank lines: no indentation to measure
                v = tok.value
                width = _indent_width(v[v.rfind("\n") + 1 :])
                if width == 0:
                    at_top = True
                if width > indents[-1]:
                    indents.append(width)
                    if len(indents) > MAX_INDENT + 1:
                        raise _Fail(tok.end_line, tok.end_column, "nesting too deep")
                    yield _synth("_INDENT", tok)
                    emitted = "_INDENT"
                elif width < indents[-1]:
                    while width < indents[-1]:
                        indents.pop()
                        yield _synth("_DEDENT", tok)
                    emitted = "_DEDENT"
                    if width != indents[-1]:
                        raise _Fail(
                            tok.end_line,
                            tok.end_column,
                            "unindent does not match any outer indentation level",
                        )
                continue
            if t == "EQUAL" and prev_type == "LAMBDA":
                # as Go: `lambda = 1` is a lambda whose parameter is missing
                raise _Fail(tok.line, tok.column, "not an identifier")
            prev_type = t
            if t == "NAME":
                if tok.value in _RESERVED:
                    raise _Fail(tok.line, tok.column, f"keyword {tok.value} is reserved")
            elif t in _OPEN:
                brackets.append(tok)
                if len(brackets) > MAX_NESTING:
                    raise _Fail(tok.line, tok.column, "nesting too deep")
            elif t in _CLOSE:
                if not brackets:
                    raise _Fail(tok.line, tok.column, f"unexpected {tok.value!r}")
                emitted = t
                yield tok
                brackets.pop()  # after the parser took it: errors see the open bracket
                continue
            emitted = t
            yield tok
        if deep > state.deep:
            state.deep = deep
        if brackets:
            return  # the parser reports the missing closing bracket at EOF
        if emitted is not None and emitted != "_NEWLINE" and emitted != "_DEDENT":
            # As Go: end of file ends the last line.
            yield _eof_token("_NEWLINE", tok, end)
        for _ in range(len(indents) - 1):
            yield _eof_token("_DEDENT", tok, end)


def _synth(type_: str, nl: Token) -> Token:
    """An _INDENT/_DEDENT at the first token of the line after newline token `nl`."""
    return Token(type_, "", nl.end_pos, nl.end_line, nl.end_column, nl.end_line, nl.end_column)


def _eof_token(type_: str, last: Token, end: int) -> Token:
    line = last.end_line
    col = last.end_column
    return Token(type_, "", end, line, col, line, col)


# ------------------------------------------------------------ the AST builder


def _start(e: syntax.Expr) -> tuple[int, int]:
    """Where expression `e` begins (its node may record an operator's position)."""
    while True:
        t = type(e)
        if t is BinaryExpr:
            e = e.x
        elif t is CallExpr:
            e = e.fn
        elif t is DotExpr or t is IndexExpr or t is SliceExpr:
            e = e.x
        elif t is CondExpr:
            e = e.then
        else:
            return e.line, e.col


def _check_target(lhs: syntax.Expr, augmented: bool) -> None:
    """Reject what cannot be assigned to, in Go's words (Go does this in its resolver)."""
    todo = [lhs]
    while todo:
        e = todo.pop()
        t = type(e)
        if t is Ident or t is IndexExpr or t is DotExpr:
            continue
        if t is ParenExpr:
            todo.append(e.x)
        elif t is TupleExpr or t is ListExpr:
            kind = "tuple" if t is TupleExpr else "list"
            if not e.elts:
                raise _Fail(
                    e.line, e.col, "can't assign to ()" if kind == "tuple" else "can't assign to []"
                )
            if augmented:
                raise _Fail(e.line, e.col, f"can't use {kind} expression in augmented assignment")
            todo.extend(reversed(e.elts))
        else:
            line, col = _start(e)
            raise _Fail(line, col, f"can't assign to {t.__name__.lower()}")


def _flatten(items: list) -> list[syntax.Stmt]:
    """Statements from a mix of single statements and `simple_stmt` lists."""
    out: list[syntax.Stmt] = []
    for s in items:
        if type(s) is list:
            out.extend(s)
        else:
            out.append(s)
    return out


class _Builder(Transformer):
    """Lark inline-transformer callbacks: one per aliased rule, each builds a node.

    Lark calls them during LALR reductions with the rule's children (tokens that
    the grammar names, and the nodes built for sub-rules); they must not recurse.
    """

    # ---- statements

    def file(self, c):
        return _flatten(c)

    def simple_stmt(self, c):
        return c

    def suite(self, c):
        return _flatten(c)

    def expr_stmt(self, c):
        x = c[0]
        line, col = _start(x)
        return ExprStmt(x, line, col)

    def assign_stmt(self, c):
        lhs, op, rhs = c
        _check_target(lhs, op.type != "EQUAL")
        return syntax.AssignStmt(op.value, lhs, rhs, op.line, op.column)

    def return_stmt(self, c):
        tok = c[0]
        return ReturnStmt(c[1] if len(c) > 1 else None, tok.line, tok.column)

    def branch_stmt(self, c):
        tok = c[0]
        return BranchStmt(tok.value, tok.line, tok.column)

    def load_stmt(self, c):
        load, lpar = c[0], c[1]
        rpar = c[-1]
        args = c[2] if len(c) == 4 else ([], None)
        args = args[0]
        if not args or args[0].kind is not ArgKind.POSITIONAL or not _is_str(args[0].value):
            line, col = (args[0].line, args[0].col) if args else (rpar.line, rpar.column)
            raise _Fail(line, col, "first operand of load statement must be a string literal")
        names: list[tuple[Ident, str]] = []
        for a in args[1:]:
            v = a.value
            if a.kind is ArgKind.POSITIONAL and _is_str(v):
                # As Go: the local name's position is just inside the quote.
                names.append((Ident(v.value, v.line, v.col + 1), v.value))
            elif a.kind is ArgKind.KEYWORD:
                if not _is_str(v):
                    line, col = _start(v)
                    raise _Fail(
                        line,
                        col,
                        f'original name of loaded symbol must be quoted: {a.name}="originalname"',
                    )
                names.append((Ident(a.name, a.line, a.col), v.value))
            elif a.kind is ArgKind.POSITIONAL and type(v) is Ident:
                raise _Fail(
                    v.line,
                    v.col,
                    f'load operand must be "{v.name}" or {v.name}="originalname" '
                    f"(want '=' after {v.name})",
                )
            else:
                got = (
                    _describe_expr(v)
                    if a.kind is ArgKind.POSITIONAL
                    else ("'*'" if a.kind is ArgKind.STAR else "'**'")
                )
                raise _Fail(
                    a.line, a.col, f'load operand must be "name" or localname="name" (got {got})'
                )
        if not names:
            raise _Fail(lpar.line, lpar.column, "load statement must import at least 1 symbol")
        return LoadStmt(args[0].value.value, names, load.line, load.column, rpar.line, rpar.column)

    def if_stmt(self, c):
        # c: IF cond suite (ELIF cond suite)* (ELSE suite)?
        n = len(c)
        else_: list[syntax.Stmt] = []
        i = n
        if n % 3 == 2:  # a trailing (ELSE, suite) pair
            else_ = c[n - 1]
            i = n - 2
        # Build from the last elif backwards: an elif is an IfStmt alone in else_.
        while i > 3:
            tok, cond, body = c[i - 3], c[i - 2], c[i - 1]
            else_ = [IfStmt(cond, body, else_, tok.line, tok.column)]
            i -= 3
        tok = c[0]
        return IfStmt(c[1], c[2], else_, tok.line, tok.column)

    def for_stmt(self, c):
        tok, target, _in, it, body = c
        _check_target(target, False)
        return ForStmt(target, it, body, tok.line, tok.column)

    def while_stmt(self, c):
        tok, cond, body = c
        return WhileStmt(cond, body, tok.line, tok.column)

    def def_stmt(self, c):
        tok, name, _lpar = c[0], c[1], c[2]
        body = c[-1]
        rpar = c[-2]
        params: list[Param] = []
        if len(c) == 6:
            params, trailing = c[3]
            if trailing is not None and any(p.kind is not ParamKind.NORMAL for p in params):
                # As Go: no trailing comma after *args or **kwargs.
                raise _Fail(rpar.line, rpar.column, "got ')', want parameter")
        fn = Function(name.value, params, body, tok.line, tok.column)
        return DefStmt(Ident(name.value, name.line, name.column), fn, tok.line, tok.column)

    def loop_tuple(self, c):
        line, col = _start(c[0])
        return TupleExpr(c, line, col)

    def params(self, c):
        if type(c[-1]) is Token:
            return c[:-1], c[-1]
        return c, None

    def lambda_params(self, c):
        return c

    def param_plain(self, c):
        tok = c[0]
        return Param(
            ParamKind.NORMAL, Ident(tok.value, tok.line, tok.column), None, tok.line, tok.column
        )

    def param_default(self, c):
        tok = c[0]
        return Param(
            ParamKind.NORMAL, Ident(tok.value, tok.line, tok.column), c[1], tok.line, tok.column
        )

    def param_star(self, c):
        star = c[0]
        name = c[1] if len(c) > 1 else None
        ident = Ident(name.value, name.line, name.column) if name is not None else None
        return Param(ParamKind.STAR, ident, None, star.line, star.column)

    def param_starstar(self, c):
        star, name = c
        ident = Ident(name.value, name.line, name.column)
        return Param(ParamKind.STARSTAR, ident, None, star.line, star.column)

    # ---- expressions

    def tuple(self, c):
        line, col = _start(c[0])
        return TupleExpr(c, line, col)

    def tuple_trailing(self, c):
        comma = c[-1]
        raise _Fail(comma.line, comma.column, "unparenthesized tuple with trailing comma")

    def cond(self, c):
        then, tok, cond, _else, else_ = c
        return CondExpr(cond, then, else_, tok.line, tok.column)

    def lambda_expr(self, c):
        tok = c[0]
        body = c[-1]
        params = c[1] if len(c) == 3 else []
        line, col = _start(body)
        fn = Function("lambda", params, [ReturnStmt(body, line, col)], tok.line, tok.column)
        return LambdaExpr(fn, tok.line, tok.column)

    def chain(self, c):
        """Arrange `[prefix*] operand (binop [prefix*] operand)*` by precedence.

        Shunting-yard, iterative. Comparisons do not associate (as Go: `a < b < c`
        is an error) and `not` is only allowed where an operand of `and`/`or`/`not`
        may start (as Go: `a == not b` is an error).
        """
        ops: list[tuple[int, str, Token, bool]] = []  # (prec, op, token, unary)
        vals: list = []
        want_operand = True
        i = 0
        n = len(c)
        while i < n:
            it = c[i]
            i += 1
            if want_operand:
                if type(it) is not Token:
                    vals.append(it)
                    want_operand = False
                elif it.type == "NOT":
                    if ops and ops[-1][0] > _NOT_PREC:
                        raise _Fail(it.line, it.column, "got not, want primary expression")
                    ops.append((_NOT_PREC, "not", it, True))
                else:
                    ops.append((_UNARY_PREC, it.value, it, True))
                continue
            op = it.value
            if it.type == "NOT":
                op = "not in"
                i += 1  # the IN token
            prec = _BINARY_PREC[op]
            while ops and ops[-1][0] >= prec:
                top = ops.pop()
                if prec == _CMP_PREC and top[0] == _CMP_PREC and not top[3]:
                    raise _Fail(
                        it.line, it.column, f"{top[1]} does not associate with {op} (use parens)"
                    )
                _reduce(top, vals)
            ops.append((prec, op, it, False))
            want_operand = True
        while ops:
            _reduce(ops.pop(), vals)
        return vals[0]

    def dot(self, c):
        x, dot, name = c
        return DotExpr(x, name.value, dot.line, dot.column, name.line, name.column)

    def call(self, c):
        fn, lpar = c[0], c[1]
        rpar = c[-1]
        args: list[Arg] = []
        if len(c) == 4:
            args, trailing = c[2]
            _check_args(args, trailing, rpar)
        return CallExpr(fn, args, lpar.line, lpar.column, rpar.line, rpar.column)

    def index(self, c):
        x, lsqb, i, _rsqb = c
        return IndexExpr(x, i, lsqb.line, lsqb.column)

    def slice(self, c):
        x, lsqb = c[0], c[1]
        lo, hi = c[2], c[3]
        step = c[4] if len(c) == 6 else None
        return SliceExpr(x, lo, hi, step, lsqb.line, lsqb.column)

    def arguments(self, c):
        trailing = None
        if type(c[-1]) is Token:
            trailing = c.pop()
        for i, a in enumerate(c):
            if type(a) is not Arg:
                line, col = _start(a)
                c[i] = Arg(ArgKind.POSITIONAL, a, None, line, col)
        return c, trailing

    def keyword_arg(self, c):
        name, eq, value = c
        if type(name) is not Ident:
            # As Go: parse `test = test`, then insist on a name.
            raise _Fail(eq.line, eq.column, "keyword argument must have form name=expr")
        return Arg(ArgKind.KEYWORD, value, name.name, name.line, name.col)

    def star_arg(self, c):
        tok, value = c
        return Arg(ArgKind.STAR, value, None, tok.line, tok.column)

    def starstar_arg(self, c):
        tok, value = c
        return Arg(ArgKind.STARSTAR, value, None, tok.line, tok.column)

    def ident(self, c):
        tok = c[0]
        return Ident(tok.value, tok.line, tok.column)

    def int_lit(self, c):
        tok = c[0]
        return Literal(_int_value(tok), tok.line, tok.column)

    def float_lit(self, c):
        tok = c[0]
        try:
            value = float(tok.value)
        except ValueError:  # an exponent with no digits: `1e`, `2.5e+`
            raise _Fail(tok.line, tok.column, "invalid float literal") from None
        if value == float("inf"):
            # spec: a float literal too large for a finite float is a static error.
            raise _Fail(tok.line, tok.column, "invalid float literal")
        return Literal(value, tok.line, tok.column)

    def string_lit(self, c):
        tok = c[0]
        return Literal(_string_value(tok), tok.line, tok.column)

    def paren(self, c):
        lpar, x, _rpar = c
        return ParenExpr(x, lpar.line, lpar.column)

    def paren_tuple(self, c):
        lpar = c[0]
        elts = [x for x in c[1:-1] if type(x) is not Token]
        return TupleExpr(elts, lpar.line, lpar.column)

    def list_expr(self, c):
        lsqb = c[0]
        elts = [x for x in c[1:-1] if type(x) is not Token]
        return ListExpr(elts, lsqb.line, lsqb.column)

    def dict_expr(self, c):
        lbrace = c[0]
        entries = [x for x in c[1:-1] if type(x) is not Token]
        return DictExpr(entries, lbrace.line, lbrace.column)

    def list_comp(self, c):
        tok = c[0]
        return Comprehension(False, c[1], c[2:-1], tok.line, tok.column)

    def dict_comp(self, c):
        tok = c[0]
        return Comprehension(True, c[1], c[2:-1], tok.line, tok.column)

    def entry(self, c):
        k, colon, v = c
        return DictEntry(k, v, colon.line, colon.column)

    def comp_for(self, c):
        tok, target, _in, it = c
        _check_target(target, False)
        return ForClause(target, it, tok.line, tok.column)

    def comp_if(self, c):
        tok, cond = c
        return IfClause(cond, tok.line, tok.column)


def _reduce(top: tuple[int, str, Token, bool], vals: list) -> None:
    _prec, op, tok, unary = top
    if unary:
        vals.append(UnaryExpr(op, vals.pop(), tok.line, tok.column))
    else:
        y = vals.pop()
        vals.append(BinaryExpr(op, vals.pop(), y, tok.line, tok.column))


def _check_args(args: list[Arg], trailing: Token | None, rpar: Token) -> None:
    """The trailing-comma rule; argument order is the resolver's (all errors at once)."""
    seen_varargs = any(a.kind is ArgKind.STAR for a in args)
    seen_kwargs = any(a.kind is ArgKind.STARSTAR for a in args)
    if trailing is not None and (seen_varargs or seen_kwargs):
        # As Go's parser: no trailing comma after *args or **kwargs.
        raise _Fail(rpar.line, rpar.column, "got ')', want argument")


def _is_str(e: syntax.Expr) -> bool:
    return type(e) is Literal and type(e.value) is str


def _describe_expr(e: syntax.Expr) -> str:
    """Go's name for the first token of `e`, for "got X" in load errors."""
    while True:  # down to the node of the first token, as `_start`
        t = type(e)
        if t is CallExpr:
            e = e.fn
        elif t is CondExpr:
            e = e.then
        elif t is BinaryExpr or t is DotExpr or t is IndexExpr or t is SliceExpr:
            e = e.x
        else:
            break
    if t is Literal:
        return {int: "int literal", float: "float literal", str: "string literal"}.get(
            type(e.value), "bytes literal"
        )
    if t is Ident:
        return "identifier"
    if t is UnaryExpr:
        return e.op if e.op == "not" else f"'{e.op}'"
    if t is LambdaExpr:
        return "lambda"
    if t is ListExpr or (t is Comprehension and not e.is_dict):
        return "'['"
    if t is DictExpr or t is Comprehension:
        return "'{'"
    return "'('"


# ----------------------------------------------------------------- literals


def _int_value(tok: Token) -> int:
    """The value of an INT token (spec: int; Go's rules on prefixes and zeros)."""
    s = tok.value
    if len(s) > 1 and s[0] == "0":
        p = s[1]
        if p in "xX":
            base, kind, digits = 16, "hex", "0123456789abcdefABCDEF"
        elif p in "oO":
            base, kind, digits = 8, "octal", "01234567"
        elif p in "bB":
            base, kind, digits = 2, "binary", "01"
        else:
            if s.strip("0") == "":
                return 0  # "00" is zero, as Go
            if all(ch in "01234567" for ch in s):
                raise _Fail(tok.line, tok.column, f"obsolete form of octal literal; use 0o{s[1:]}")
            raise _Fail(tok.line, tok.column, "invalid int literal")
        body = s[2:]
        if not body or any(ch not in digits for ch in body):
            raise _Fail(tok.line, tok.column, f"invalid {kind} literal")
        return int(body, base)  # power-of-two bases have no digit limit
    if len(s) <= 4000:
        return int(s)
    # Python refuses str->int conversions past 4300 digits; Starlark ints are unbounded.
    value = 0
    for i in range(0, len(s), 4000):
        chunk = s[i : i + 4000]
        value = value * 10 ** len(chunk) + int(chunk)
    return value


_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
}
_HEX = frozenset("0123456789abcdefABCDEF")
_OCTAL = "01234567"


def _string_value(tok: Token) -> str | bytes:
    """Decode a STRING token (spec: String literals, Bytes literals; Go's messages)."""
    raw = tok.value
    i = 0
    while raw[i] not in "'\"":
        i += 1
    prefix = raw[:i].lower()
    is_bytes = "b" in prefix
    q = raw[i]
    if raw.startswith(q * 3, i) and len(raw) - i >= 6:
        start, body = i + 3, raw[i + 3 : -3]
    else:
        start, body = i + 1, raw[i + 1 : -1]
    if "r" in prefix or "\\" not in body:
        # spec: a raw literal keeps its backslashes (also before a quote or newline).
        return body.encode("utf-8") if is_bytes else body
    return _unescape(tok, body, start, is_bytes)


def _unescape(tok: Token, body: str, start: int, is_bytes: bool) -> str | bytes:
    out: list = []  # str pieces, or for bytes: bytes pieces
    enc = is_bytes
    n = len(body)
    i = 0
    while True:
        j = body.find("\\", i)
        if j < 0:
            j = n
        if j > i:
            out.append(body[i:j].encode("utf-8") if enc else body[i:j])
        if j >= n:
            break
        c = body[j + 1]  # the token regex guarantees a character after "\"
        i = j + 2
        if c == "\n":
            continue  # spec: an escaped newline is ignored
        simple = _SIMPLE_ESCAPES.get(c)
        if simple is not None:
            out.append(simple.encode() if enc else simple)
            continue
        if c in _OCTAL:
            k = i
            while k < n and k < j + 4 and body[k] in _OCTAL:
                k += 1
            code = int(body[j + 1 : k], 8)
            i = k
            if not is_bytes and code > 127:
                _escape_fail(
                    tok,
                    start + j,
                    f"non-ASCII octal escape \\{code:o} (use \\u{code:04X} for the UTF-8 "
                    f"encoding of U+{code:04X})",
                )
            if code > 255:
                _escape_fail(tok, start + j, f"invalid escape sequence \\{code:03o}")
            out.append(bytes([code]) if enc else chr(code))
        elif c == "x":
            hexs = body[j + 2 : j + 4]
            if len(hexs) < 2:
                _escape_fail(tok, start + j, f"truncated escape sequence {body[j:]}")
            if not (hexs[0] in _HEX and hexs[1] in _HEX):
                _escape_fail(tok, start + j, f"invalid escape sequence {body[j : j + 4]}")
            code = int(hexs, 16)
            if not is_bytes and code > 127:
                _escape_fail(
                    tok,
                    start + j,
                    f"non-ASCII hex escape {body[j : j + 4]} (use \\u{code:04X} for the UTF-8 "
                    f"encoding of U+{code:04X})",
                )
            out.append(bytes([code]) if enc else chr(code))
            i = j + 4
        elif c == "u" or c == "U":
            size = 6 if c == "u" else 10
            seq = body[j : j + size]
            if len(seq) < size:
                _escape_fail(tok, start + j, f"truncated escape sequence {body[j:]}")
            if not all(h in _HEX for h in seq[2:]):
                _escape_fail(tok, start + j, f"invalid escape sequence {seq}")
            code = int(seq[2:], 16)
            if code > 0x10FFFF:
                _escape_fail(
                    tok, start + j, f"code point out of range: {seq} (max \\U{0x10FFFF:08x})"
                )
            if 0xD800 <= code < 0xE000:
                _escape_fail(tok, start + j, f"invalid Unicode code point U+{code:04X}")
            out.append(chr(code).encode("utf-8") if enc else chr(code))
            i = j + size
        else:
            # As Go: a backslash must escape something (Python would keep it).
            _escape_fail(tok, start + j, f"invalid escape sequence \\{c}")
    return b"".join(out) if enc else "".join(out)


def _escape_fail(tok: Token, offset: int, msg: str) -> None:
    """Raise at the backslash `offset` characters into string token `tok`."""
    before = tok.value[:offset]
    nl = before.count("\n")
    if nl:
        line, col = tok.line + nl, offset - before.rfind("\n")
    else:
        line, col = tok.line, tok.column + offset
    raise _Fail(line, col, msg)


# ------------------------------------------------------------- depth check


_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(t: type) -> tuple[str, ...]:
    names = _CHILD_FIELDS.get(t)
    if names is None:
        skip = {"line", "col", "name_line", "name_col", "rparen_line", "rparen_col", "scope"}
        names = tuple(f.name for f in fields(t) if f.name not in skip) if is_dataclass(t) else ()
        _CHILD_FIELDS[t] = names
    return names


def _check_depth(stmts: list[syntax.Stmt]) -> None:
    """Reject a tree deeper than MAX_DEPTH (about 3 ms for a 1,000-line file).

    Brackets are limited as they are lexed, but `-x`, `a+b+...`, `a.b.c...`,
    `not not ...`, lambdas and elif chains nest without brackets. Iterative (an
    explicit stack), so it is safe on the trees it rejects.
    """
    todo: list[tuple[object, int]] = [(s, 1) for s in reversed(stmts)]
    while todo:
        node, depth = todo.pop()
        if depth > MAX_DEPTH:
            line, col = _node_pos(node)
            raise _Fail(line, col, "nesting too deep")
        depth += 1
        for name in _child_fields(type(node)):
            v = getattr(node, name)
            if isinstance(v, syntax.Node):
                todo.append((v, depth))
            elif type(v) is list:
                for x in v:
                    if type(x) is tuple:
                        x = x[0]  # LoadStmt.names
                    if isinstance(x, syntax.Node):
                        todo.append((x, depth))


def _node_pos(node: object) -> tuple[int, int]:
    if isinstance(node, syntax.Expr):
        return _start(node)
    return node.line, node.col  # type: ignore[attr-defined]


# ------------------------------------------------------------- lark errors

_PUNCT_TYPES = frozenset(
    """LPAR RPAR LSQB RSQB LBRACE RBRACE COMMA COLON DOT EQUAL PLUS MINUS STAR STARSTAR SLASH
    SLASHSLASH PERCENT TILDE AMPERSAND VBAR CIRCUMFLEX LSHIFT RSHIFT EQEQ NOTEQ LESSTHAN MORETHAN
    LESSEQ MOREEQ PLUSEQ MINUSEQ STAREQ SLASHEQ SLASHSLASHEQ PERCENTEQ AMPEQ VBAREQ CIRCUMFLEXEQ
    LSHIFTEQ RSHIFTEQ SEMICOLON""".split()
)
_NAMED = {
    "NAME": "identifier",
    "INT": "int literal",
    "FLOAT": "float literal",
    "_NEWLINE": "newline",
    "_INDENT": "indent",
    "_DEDENT": "outdent",
    "$END": "end of file",
}
_EXPR_START = frozenset(["NAME", "INT", "STRING", "LPAR", "LSQB"])


_texts: dict[str, str] = {}


def _token_text(t: str) -> str:
    """The text of a punctuation terminal, from the grammar."""
    if not _texts:
        for term in _parser().terminals:
            _texts[term.name] = term.pattern.value
    return _texts.get(t, t)


def _describe_token_type(t: str, value: str | None = None) -> str:
    """Go's name for a token (scan.go's tokenNames: punctuation quoted)."""
    if t in _NAMED:
        return _NAMED[t]
    if t == "STRING":
        if value is not None:
            prefix = value[: len(value) - len(value.lstrip("rRbB"))]
            if "b" in prefix.lower():
                return "bytes literal"
        return "string literal"
    if t in _PUNCT_TYPES:
        if value:
            return f"'{value}'"
        return f"'{_token_text(t)}'"
    return t.lower()  # a keyword, named by its text as Go does


def _want(expected: set[str], state: _State) -> str:
    """Pick what to say the parser wanted, from the acceptable token types."""
    if _EXPR_START <= expected:
        return "primary expression"
    if "STAR" in expected and expected <= {"NAME", "STAR", "STARSTAR", "RPAR"}:
        return "parameter"
    if expected == {"NAME"}:
        return "identifier"
    closer = _OPEN[state.brackets[-1].type] if state.brackets else None
    # Lark's LALR states merge lookaheads, so `expected` can be wider than the
    # context allows: only [...] and {...} hold comprehensions.
    if closer in ("RSQB", "RBRACE") and closer in expected and "FOR" in expected:
        return f"{_describe_token_type(closer)}, for, or if"
    if "_NEWLINE" in expected and closer is None:  # newlines are dropped inside brackets
        return "newline"
    if closer is not None and closer in expected:
        return _describe_token_type(closer)
    if "COLON" in expected:
        return "':'"
    if len(expected) == 1:
        (t,) = expected
        return _describe_token_type(t)
    names = sorted(_describe_token_type(t) for t in expected)
    return " or ".join(names[:4]) + (" or ..." if len(names) > 4 else "")


def _describe_lark_error(e: UnexpectedInput, text: str, state: _State) -> tuple[int, int, str]:
    if isinstance(e, UnexpectedCharacters):
        return _describe_bad_char(text, e.pos_in_stream, e.line, e.column)
    if isinstance(e, UnexpectedToken):
        tok = e.token
        expected = set(e.expected)
        if tok.type == "$END":
            line, col = _end_position(text)
        else:
            line, col = tok.line, tok.column
        got = _describe_token_type(tok.type, tok.value if tok.type != "$END" else None)
        if_tok = _pending_if(e) if "ELSE" in expected and tok.type != "ELSE" else None
        if if_tok is not None:
            # As Go: reported at the `if`.
            return if_tok.line, if_tok.column, "conditional expression without else clause"
        return line, col, f"got {got}, want {_want(expected, state)}"
    if isinstance(e, UnexpectedEOF):
        line, col = _end_position(text)
        return line, col, "unexpected end of file"
    line, col = getattr(e, "line", 1) or 1, getattr(e, "column", 1) or 1
    return line, col, "syntax error"


def _pending_if(e: UnexpectedToken) -> Token | None:
    """The `if` of a conditional expression still waiting for its `else`, if any."""
    ip = getattr(e, "interactive_parser", None)
    if ip is None:
        return None
    stack = ip.parser_state.value_stack
    # `x if cond` <error>: the value stack ends with x, IF, cond. (In a
    # comprehension's `if`, what precedes IF is a clause, not an expression.)
    if (
        len(stack) >= 3
        and type(stack[-2]) is Token
        and stack[-2].type == "IF"
        and isinstance(stack[-3], syntax.Expr)
    ):
        return stack[-2]
    return None


def _end_position(text: str) -> tuple[int, int]:
    line = text.count("\n") + 1
    return line, len(text) - (text.rfind("\n") + 1) + 1


_STRING_START = re.compile(r"(?:[rR][bB]?|[bB][rR]?)?('''|\"\"\"|'|\")")


def _describe_bad_char(text: str, pos: int, line: int, col: int) -> tuple[int, int, str]:
    c = text[pos]
    if c in "'\"":
        # An unterminated string: find where it starts (with its prefix) and why.
        start = quote = pos
        while start > 0 and text[start - 1] in "rRbB" and quote - start < 2:
            start -= 1
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
            start = quote
        col -= pos - start
        m = _STRING_START.match(text, start)
        assert m is not None
        if len(m.group(1)) == 1:
            k = m.end()
            while k < len(text) and text[k] != "\n":
                k += 2 if text[k] == "\\" else 1
            if k < len(text):
                return line, col, "unexpected newline in string"
        return line, col, "unexpected EOF in string"
    if c == "\\":
        return line, col, "stray backslash in program"
    return line, col, f"unexpected input character {c!r}"
