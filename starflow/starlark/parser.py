"""Source text to `syntax.File`: the Starlark parser.

This module owns everything between the bytes of a file and its AST: decoding,
the lexical rules that a regular expression cannot state (escapes, number forms,
reserved words), indentation, the grammar's LALR parser (`grammar/starlark.lark`,
installed as the package `starflow.grammar`), building the AST with exact
positions, and every syntax error, raised as `errors.ParseError` with
file:line:col and starlark-go's wording.

How it fits together:

- Lark builds the LALR tables from the grammar (`_table_data`); a copy of
  them, as plain data, is the generated module `_parser_tables.py`
  (`write_tables`), which a process reads on its first parse (~2 ms from its
  bytecode, against ~0.1 s to build them, plus ~17 ms to import lark). The
  copy carries the grammar's hash: for another grammar the tables are built
  again by Lark, and a test checks the copy against the grammar. The states
  are numbered by a walk from the start, so the copy does not depend on the
  process's string hashing. `_Tables` makes one callback per rule from the
  data; Lark neither lexes nor drives the parser.
- `_tokenize` lexes the whole text with one regular expression made of the
  grammar's terminals (a keyword is a NAME found in a dict) and does the layout
  work at the same time: raw newline tokens become `_NEWLINE`/`_INDENT`/
  `_DEDENT`, newlines inside brackets are dropped, nesting is limited and
  reserved words are rejected. It stops at the first error, which `_run`
  raises only after parsing the tokens before it: errors come in source order,
  as they would from a lexer the parser pulls tokens from.
- `_run` is the LALR driver. On each reduction it calls the rule's callback:
  one function per rule, generated from what Lark's own callback chain
  would do (`_direct_callback`: keep the children the tree keeps, splice
  inlined rules), which calls `_Builder`'s method (an inline transformer),
  so AST nodes are built directly, with no intermediate tree. Binary
  operators arrive as a flat sequence that `_Builder.chain` arranges by the
  spec's precedence table (see the grammar's header for why).
- Callbacks raise `_Fail(line, col, msg)`; `parse` adds the file name. A token
  with no action in the tables is reported in Go's words ("got ')', want ':'").

Nothing here recurses over the input, and the trees it returns are at most
`MAX_DEPTH` deep, so later passes may recurse over them: deeper input (see
`MAX_NESTING`, `MAX_INDENT`, `MAX_DEPTH`) is reported as "nesting too deep".
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import re
import sys
import threading
from collections.abc import Iterator
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import NamedTuple

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


class _Token(NamedTuple):
    """A token as the parser and `_Builder` see it: a terminal's name, its text
    and where it starts (1-based line, and column in code points)."""

    type: str
    value: str
    line: int
    column: int


_new = tuple.__new__  # _new(_Token, (type, value, line, column)): no __new__ call
# Fed after the last token; its position is the end of the text (see _unexpected).
_EOF = _Token("$END", "", 0, 0)

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


# The groups of `_tokenize`'s regular expression, in the order they are tried.
# The first alternative that matches wins, as in Lark's basic lexer, which tries
# terminals by priority, then longest pattern first: where two terminals can
# start alike, FLOAT comes before INT and `.`, STRING before NAME, and longer
# punctuation before shorter. Each match first skips blanks (the grammar's
# `%ignore`; its other one, a line continuation, is the group CONT).
_K_FLOAT, _K_STRING, _K_INT, _K_NAME, _K_OP, _K_NEWLINE, _K_CONT, _K_END, _K_BAD = range(1, 10)
_IGNORED = ("[ \t\f]+", "\\\\\n")  # blanks, and a backslash before a newline


class _Tables:
    """What parsing needs from the grammar: the lexer's tables, the LALR tables
    and one callback per rule, made from `_table_data`'s plain data."""

    def __init__(self, data: dict) -> None:
        #: a terminal's name -> its text (the punctuation's, for messages)
        self.texts: dict[str, str] = data["texts"]
        #: keyword -> its terminal; a reserved word -> ""
        self.words: dict[str, str] = data["words"]
        #: punctuation -> its terminal
        self.ops: dict[str, str] = data["ops"]
        #: punctuation -> 1 if it may deepen the tree (see _SHALLOW), else 0
        self.op_depth = {text: int(name not in _SHALLOW) for text, name in self.ops.items()}
        self.token_re = re.compile(data["token_re"])
        assert self.token_re.groups == _K_BAD, "a terminal's pattern has a capturing group"
        builder = _Builder()
        #: rule -> (length, callback, origin). The callback is None for a
        #: `?rule` of one symbol: the value is that child's, as it is.
        self.rules: list[tuple[int, object, str]] = [
            (size, _make_callback(spec, builder), sys.intern(origin))
            for size, spec, origin in data["rules"]
        ]
        #: state -> {symbol: action}: the state to shift to or to go to (>= 0),
        #: or a reduction (< 0, an index into self.rules)
        self.actions: list[dict[str, int]] = [
            {sys.intern(sym): a for sym, a in row.items()} for row in data["actions"]
        ]
        #: state -> the terminals it has an action for (for error messages)
        self.expected = [frozenset(e) for e in data["expected"]]
        self.start: int = data["start"]
        self.end: int = data["end"]


def _grammar_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _table_data() -> dict:
    """Build the tables from the grammar with Lark (about 0.1 s), as plain data.

    Returns:
        What `_Tables` is made from: the lexer's tables, Lark's LALR tables
        as lists indexed by state and rule, and each rule's callback as a
        spec for `_make_callback`. `_parser_tables.py` holds a copy, made by
        `write_tables`.
    """
    # (lark is imported here only: a process that parses with the copy never
    # imports it)
    from lark import Lark
    from lark.lexer import Lexer
    from lark.parse_tree_builder import ExpandSingleChild
    from lark.parsers.lalr_analysis import Shift

    class NoLexer(Lexer):
        """What Lark is given as its lexer: `_tokenize` does the lexing."""

        def __init__(self, conf: object) -> None:
            pass

        def lex(self, lexer_state, parser_state):
            raise NotImplementedError("starflow.starlark.parser lexes with _tokenize")

    text = grammar_text()
    # (the Lark object is dropped once its tables are read: its ~12,000
    # objects would stay tracked by the cyclic GC, and every full
    # collection of the process would walk them)
    transformer = _Builder()
    lark = Lark(
        text,
        parser="lalr",
        lexer=NoLexer,
        start="file",
        transformer=transformer,
        maybe_placeholders=True,
        propagate_positions=False,
        cache=False,
    )
    # Names as plain strings: Lark's are often its Token (a str whose __eq__
    # is Python code), and `_tokenize` types tokens with literals.
    terms = {str(t.name): t for t in lark.terminals}
    texts = {name: t.pattern.value for name, t in terms.items()}

    # ---- the lexer. What `_tokenize` assumes of the grammar is checked here.
    ignored = {terms[name].pattern.to_regexp() for name in lark.ignore_tokens}
    assert ignored == set(_IGNORED), ignored
    regexps = {
        name: t.pattern.to_regexp()
        for name, t in terms.items()
        if t.pattern.type == "re" and name not in lark.ignore_tokens
    }
    ranked = ("FLOAT", "STRING", "INT", "NAME", "_NEWLINE")
    assert set(regexps) == set(ranked), regexps
    assert [terms[name].priority for name in ranked] == [3, 2, 2, 0, 0]
    name_re = re.compile(regexps["NAME"])
    words: dict[str, str] = dict.fromkeys(sorted(_RESERVED), "")
    ops: dict[str, str] = {}
    for name, t in terms.items():
        if t.pattern.type == "str":
            assert t.priority == 0, name
            value = t.pattern.value
            if name_re.fullmatch(value):  # as Lark: a NAME, renamed
                assert value not in words, value
                words[value] = name
            else:
                ops[value] = name
    longest_first = sorted(ops, key=len, reverse=True)
    token_re = (
        "[ \t\f]*+(?:"
        f"(?P<FLOAT>{regexps['FLOAT']})"
        f"|(?P<STRING>{regexps['STRING']})"
        f"|(?P<INT>{regexps['INT']})"
        f"|(?P<NAME>{regexps['NAME']})"
        f"|(?P<OP>{'|'.join(map(re.escape, longest_first))})"
        f"|(?P<NEWLINE>{regexps['_NEWLINE']})"
        "|(?P<CONT>\\\\\n)"  # a line continuation
        "|(?P<END>\\Z)"
        "|(?P<BAD>[\\s\\S]))"  # what no terminal matches: an error
    )

    # ---- the parser: Lark's tables, as lists indexed by state and rule
    lalr = lark.parser.parser  # lark.parsers.lalr_parser.LALR_Parser
    table = lalr._parse_table
    callbacks = lalr.parser.callbacks
    # No terminal has a callback: a shift pushes the token itself.
    assert all(not isinstance(key, str) for key in callbacks)
    rules = []
    code = {}  # rule -> its index minus the number of rules: < 0, and indexes `rules`
    for i, rule in enumerate(lark.rules):
        size = len(rule.expansion)
        cb = callbacks[rule]
        spec = None if size == 1 and type(cb) is ExpandSingleChild else _callback_spec(rule, cb)
        if spec is not None and spec[0] == "method":
            assert cb == getattr(transformer, spec[1]), (rule, cb)
        rules.append((size, spec, str(rule.origin.name)))
        code[rule] = i - len(lark.rules)
    # States numbered in the order a walk from the start reaches them, each
    # state's symbols in sorted order: Lark's own numbers depend on the
    # process's string hashing, these do not (the copy is reproducible).
    start = table.start_states["file"]
    number = {start: 0}
    walk = [start]
    for s in walk:  # (grows while it is walked)
        for sym in sorted(table.states[s], key=str):
            action, arg = table.states[s][sym]
            if action is Shift and arg not in number:
                number[arg] = len(walk)
                walk.append(arg)
    assert len(walk) == len(table.states), "a state no walk from the start reaches"
    actions = [
        {
            str(sym): (number[arg] if action is Shift else code[arg])
            for sym, (action, arg) in sorted(table.states[s].items(), key=lambda kv: str(kv[0]))
        }
        for s in walk
    ]
    expected = [sorted(str(sym) for sym in table.states[s] if sym.isupper()) for s in walk]
    return {
        "grammar": _grammar_hash(text),
        "texts": texts,
        "words": words,
        "ops": ops,
        "token_re": token_re,
        "rules": rules,
        "actions": actions,
        "expected": expected,
        "start": 0,
        "end": number[table.end_states["file"]],
    }


def _callback_spec(rule, cb) -> tuple:
    """Lark's callback chain for `rule`, as data for `_make_callback`.

    Lark wraps a rule's builder in a filter that drops the tokens the tree
    omits, splices the children of inlined rules (`_name`, which build a
    lark Tree for that) and fills placeholders for missing optionals. Here
    the same work is one generated function per rule, and an inlined rule
    returns its children as a plain list, spliced by its parent (measured:
    parsing big_generated took ~2 ms less). What a filter keeps is Lark's
    own `to_include`, so the children each builder gets are the same.

    Returns:
        ("children",): an inlined rule's (its children, as a list);
        ("method", name): `_Builder`'s method, given the children as they are;
        ("filter", includes, trailing, name): keep child i (spliced if
        `expand`, after `nones` placeholders) for each (i, expand, nones) of
        `includes`, add `trailing` placeholders, and give the list to
        `_Builder`'s method `name` (None: the list is the value).
    """
    from lark.parse_tree_builder import (
        ChildFilter,
        ChildFilterLALR,
        ChildFilterLALR_NoPlaceholders,
        ExpandSingleChild,
    )

    t = type(cb)
    if t is functools.partial:
        # (Lark's default: a Tree, only ever spliced into a parent)
        assert rule.origin.name.startswith("_"), rule
        return ("children",)
    if t is ChildFilterLALR_NoPlaceholders:
        includes = [(i, expand, 0) for i, expand in cb.to_include]
        trailing = 0
    elif t is ChildFilterLALR:
        includes = [tuple(x) for x in cb.to_include]
        trailing = cb.append_none
    else:
        assert not isinstance(cb, ChildFilter | ExpandSingleChild), (rule, cb)
        return ("method", cb.__name__)
    build = cb.node_builder
    name = None
    if type(build) is functools.partial:
        assert rule.origin.name.startswith("_"), rule
    else:
        name = build.__name__
    for i, expand, _ in includes:
        if expand:
            assert rule.expansion[i].name.startswith("_"), (rule, i)
    return ("filter", includes, trailing, name)


def _make_callback(spec: tuple | None, builder: _Builder):
    """The function a reduction calls, from `_callback_spec`'s data."""
    if spec is None:
        return None
    if spec[0] == "children":
        return _children
    if spec[0] == "method":
        return getattr(builder, spec[1])
    _, includes, trailing, name = spec
    # The list: the first spliced child's own list when it comes first (a
    # left-recursive repetition appends to it, as Lark does), else a new one.
    lines = []
    first = includes[0] if includes else None
    if first is not None and first[1] and not first[2]:
        lines.append(f"x = c[{int(first[0])}]")
        includes = includes[1:]
    else:
        lines.append("x = []")
    for i, expand, nones in includes:
        if nones:
            lines.append(f"x += {[None] * int(nones)!r}")
        lines.append(f"x += c[{int(i)}]" if expand else f"x.append(c[{int(i)}])")
    if trailing:
        lines.append(f"x += {[None] * int(trailing)!r}")
    lines.append("return x" if name is None else "return build(x)")
    src = "def f(c):\n    " + "\n    ".join(lines) + "\n"
    scope: dict = {"build": None if name is None else getattr(builder, name)}
    exec(src, scope)  # noqa: S102 - indices and counts from the grammar tables, no input
    return scope["f"]


def _children(c: list) -> list:
    """An inlined rule's value: its children, which its parent splices."""
    return c


_tables: _Tables | None = None
_tables_lock = threading.Lock()
TABLES_FILE = Path(__file__).with_name("_parser_tables.py")


def _load_data() -> dict:
    """The tables' data: `_parser_tables.py`'s copy when it was made from
    this grammar (the import reads its cached bytecode: ~2 ms), else built
    by Lark (~0.1 s)."""
    try:
        from . import _parser_tables
    except ImportError:  # pragma: no cover - removed from an installation
        return _table_data()
    data = _parser_tables.DATA
    if data.get("grammar") != _grammar_hash(grammar_text()):
        return _table_data()  # (a changed grammar: `write_tables` makes a new copy)
    return data


def write_tables(path: Path = TABLES_FILE) -> None:
    """Write the tables built from the grammar to `path` (`_parser_tables.py`)."""
    data = _table_data()
    path.write_text(
        '"""The parser\'s tables, made from grammar/starlark.lark by Lark.\n\n'
        "GENERATED by starflow.starlark.parser.write_tables: do not edit. A test\n"
        "checks it against the grammar; regenerate with\n\n"
        "    python -c 'from starflow.starlark import parser; parser.write_tables()'\n"
        '"""\n\n'
        f"DATA = {data!r}\n",
        encoding="utf-8",
    )


def _get_tables() -> _Tables:
    """The process-wide tables, made on first use."""
    global _tables
    tables = _tables
    if tables is None:
        with _tables_lock:
            if _tables is None:
                _tables = _Tables(_load_data())
            tables = _tables
    return tables


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

    tables = _get_tables()
    tokens, fail, deep = _tokenize(text, tables)
    if type(fail) is tuple:
        fail = _Fail(*_describe_bad_char(text, *fail))
        # an unterminated string's prefix (the `b` of `b'...`) was read as a
        # name: the string, and the error, start there (as Go's scanner)
        while tokens and (tokens[-1].line, tokens[-1].column) >= (fail.line, fail.col):
            tokens.pop()
    try:
        stmts = _run(tokens, fail, text, tables)
        if deep * 3 + 3 >= MAX_DEPTH:
            _check_depth(stmts)
    except _Fail as e:
        raise ParseError(Position(filename, e.line, e.col), e.msg) from None
    return syntax.File(filename, stmts)


# ---------------------------------------------------------------- the lexer


def _indent_width(s: str) -> int:
    """Indentation of a line's leading blanks; as Go, a tab advances to a multiple of 8."""
    if "\t" not in s:
        return len(s)
    col = 0
    for i, c in enumerate(s):
        col += 8 - i % 8 if c == "\t" else 1
    return col


def _tokenize(
    text: str, tables: _Tables
) -> tuple[list[_Token], _Fail | tuple[int, int, int] | None, int]:
    """Lex `text` and lay it out: the tokens the grammar's parser reads.

    The layout follows Go's scanner: blank and comment-only lines are ignored,
    tabs count to the next multiple of 8, a missing final newline is supplied,
    newlines inside brackets are dropped; nesting is limited and reserved words
    are rejected.

    Returns:
        The tokens; the error that stopped the lexer (the tokens are then those
        before it), or None: a `_Fail`, or the offset, line and column of a
        character no token begins with; and the most tokens that may deepen the
        tree in one top-level statement (see _check_depth: a file whose
        statements have few needs no check).
    """
    out: list[_Token] = []
    append = out.append
    words = tables.words
    ops = tables.ops
    op_depth = tables.op_depth
    token_re = tables.token_re
    n = len(text)
    line = 1
    bol = 0  # where the current line begins
    nest = 0  # open brackets
    indents = [0]
    deep = 0  # tokens that may deepen the tree, in this top-level statement
    most = 0  # the most of them in a top-level statement so far
    at_top = False  # a line at indentation 0 began: a new statement, or an elif/else
    prev = None  # type of the last token other than a newline
    last = None  # match of the last token (where the end of file's tokens go)
    fail = None

    # Indentation of the first line (later lines are measured by their newline
    # token): "got indent, ..." from the parser.
    m = token_re.match(text)
    while m.lastindex == _K_CONT:
        m = token_re.match(text, m.end())
    k = m.lastindex
    if k != _K_NEWLINE and k != _K_END and k != _K_BAD:
        start = m.start(k)
        col = start - text.rfind("\n", 0, start)
        if col > 1:
            append(_new(_Token, ("_INDENT", "", text.count("\n", 0, start) + 1, col)))
            indents.append(col - 1)

    for m in token_re.finditer(text):
        k = m.lastindex
        if k == _K_NAME:
            v = m[k]
            t = words.get(v)
            if t is None:
                t = "NAME"
                d = 0
            elif t:
                d = 1  # a keyword
            else:
                start = m.start(k)
                fail = _Fail(line, start - bol + 1, f"keyword {v} is reserved")
                break
        elif k == _K_OP:
            v = m[k]
            t = ops[v]
            d = op_depth[v]
            if t in _OPEN:
                nest += 1
                if nest > MAX_NESTING:
                    fail = _Fail(line, m.start(k) - bol + 1, "nesting too deep")
                    break
            elif t in _CLOSE:
                if not nest:
                    fail = _Fail(line, m.start(k) - bol + 1, f"unexpected {v!r}")
                    break
                nest -= 1
            elif t == "EQUAL" and prev == "LAMBDA":
                # as Go: `lambda = 1` is a lambda whose parameter is missing
                fail = _Fail(line, m.end(k) - bol + 1, "not an identifier")  # (past it)
                break
        elif k == _K_NEWLINE:
            # A newline with the blank lines, comments and indentation after it.
            v = m[k]
            start = m.start(k)
            tline = line
            tcol = start - bol + 1
            end = m.end()
            lines = v.count("\n")
            if lines:
                line += lines
                bol = start + v.rfind("\n") + 1
            last = m
            if nest:
                continue  # spec: implicit line joining
            if out and out[-1][0] != "_NEWLINE":
                append(_new(_Token, ("_NEWLINE", v, tline, tcol)))
            if end == n:
                break  # trailing blank lines: no indentation to measure
            width = end - bol
            if "\t" in v:
                width = _indent_width(text[bol:end])
            if width == 0:
                at_top = True
            if width > indents[-1]:
                indents.append(width)
                if len(indents) > MAX_INDENT + 1:
                    fail = _Fail(line, end - bol + 1, "nesting too deep")
                    break
                append(_new(_Token, ("_INDENT", "", line, end - bol + 1)))
            elif width < indents[-1]:
                col = end - bol + 1
                if width not in indents:
                    # (as Go's scanner: before any outdent, so the parser
                    # meets this error first)
                    fail = _Fail(line, col, "unindent does not match any outer indentation level")
                    break
                while width < indents[-1]:
                    indents.pop()
                    append(_new(_Token, ("_DEDENT", "", line, col)))
            continue
        elif k == _K_STRING:
            v = m[k]
            t = "STRING"
            d = 0
            if "\n" in v:  # a string of several lines: it starts here, the next token there
                start = m.start(k)
                tok = _new(_Token, (t, v, line, start - bol + 1))
                line += v.count("\n")
                bol = start + v.rfind("\n") + 1
                if at_top:
                    at_top = False
                    if deep > most:
                        most = deep
                    deep = 0
                prev = t
                last = m
                append(tok)
                continue
        elif k == _K_INT:
            v = m[k]
            t = "INT"
            d = 0
            if len(v) > 1 and v[0] == "0":
                # a prefixed or zero-led int: checked as Go's scanner reads it
                # (before the tokens after it are parsed)
                try:
                    _int_value(_new(_Token, (t, v, line, m.start(k) - bol + 1)))
                except _Fail as e:
                    fail = e
                    break
        elif k == _K_FLOAT:
            v = m[k]
            t = "FLOAT"
            d = 0
            if v[-1] in "eE+-":
                # an exponent with no digits: Go's scanner stops where they
                # should be
                fail = _Fail(line, m.end(k) - bol + 1, "invalid float literal")
                break
        elif k == _K_CONT:
            line += 1
            bol = m.end()
            continue
        elif k == _K_END:
            break
        else:  # _K_BAD: no terminal matches here (described by _run, if reached)
            start = m.start(k)
            fail = (start, line, start - bol + 1)
            break
        if at_top:
            at_top = False
            if t != "ELIF" and t != "ELSE":  # (an if's chain is one statement)
                if deep > most:
                    most = deep
                deep = 0
        deep += d
        prev = t
        last = m
        append(_new(_Token, (t, v, line, m.start(k) - bol + 1)))

    if deep > most:
        most = deep
    if fail is None and not nest and last is not None:
        # The end of the last token (not of the text: trailing blanks and
        # continuations are not counted).
        end = last.end()
        line = text.count("\n", 0, end) + 1
        col = end - text.rfind("\n", 0, end)
        if out and out[-1][0] != "_NEWLINE" and out[-1][0] != "_DEDENT":
            # As Go: end of file ends the last line.
            append(_new(_Token, ("_NEWLINE", "", line, col)))
        for _ in range(len(indents) - 1):
            append(_new(_Token, ("_DEDENT", "", line, col)))
    return out, fail, most


# ---------------------------------------------------------------- the parser


def _run(
    tokens: list[_Token], fail: _Fail | tuple[int, int, int] | None, text: str, tables: _Tables
) -> list:
    """Parse `tokens` with the LALR tables; return the file's statements.

    Raises:
        _Fail: A token the grammar does not allow there, or `fail` (the lexer's
            error) once the tokens before it are parsed, or a callback's error.
    """
    actions = tables.actions
    rules = tables.rules
    end = tables.end
    s = tables.start
    states = [s]  # the LALR stack: states ...
    values: list = []  # ... and the value of the symbol that led to each (but the first)
    if fail is None:
        tokens.append(_EOF)
    for tok in tokens:
        t = tok[0]
        try:
            a = actions[s][t]
        except KeyError:
            raise _unexpected(tok, s, values, tokens, text, tables) from None
        while a < 0:  # reduce by rule a, then go to the state for its origin
            size, cb, origin = rules[a]
            if cb is None:  # the value is the child's
                s = actions[states[-2]][origin]
                states[-1] = s
            elif size == 1:
                values[-1] = cb([values[-1]])
                s = actions[states[-2]][origin]
                states[-1] = s
            elif size:
                c = values[-size:]
                del values[-size:]
                del states[-size:]
                v = cb(c)
                s = actions[states[-1]][origin]
                states.append(s)
                values.append(v)
            else:
                v = cb([])
                s = actions[s][origin]
                states.append(s)
                values.append(v)
            if s == end:  # only reached by reducing at the end of the input
                return values[-1]
            try:
                a = actions[s][t]
            except KeyError:
                raise _unexpected(tok, s, values, tokens, text, tables) from None
        states.append(a)
        values.append(tok)
        s = a
    assert fail is not None, "the end of input was shifted"
    if type(fail) is tuple:
        fail = _Fail(*_describe_bad_char(text, *fail))
    raise fail


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


class _Builder:
    """The rules' callbacks: one per aliased rule, each builds a node.

    `_run` calls them during LALR reductions with the rule's children (tokens
    that the grammar names, and the nodes built for sub-rules), through the
    functions `_make_callback` makes; they must not recurse. Lark, when it
    builds the tables, is given one as its transformer.
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
        params: list[Param] = []
        if len(c) == 6:
            # (a trailing comma is allowed after any parameter, `*args` and
            # `**kwargs` too, as the spec's grammar and Go's parser say)
            params, _trailing = c[3]
        fn = Function(name.value, params, body, tok.line, tok.column)
        return DefStmt(Ident(name.value, name.line, name.column), fn, tok.line, tok.column)

    def loop_tuple(self, c):
        line, col = _start(c[0])
        return TupleExpr(c, line, col)

    def params(self, c):
        if type(c[-1]) is _Token:
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
        ops: list[tuple[int, str, _Token, bool]] = []  # (prec, op, token, unary)
        vals: list = []
        want_operand = True
        i = 0
        n = len(c)
        while i < n:
            it = c[i]
            i += 1
            if want_operand:
                if type(it) is not _Token:
                    vals.append(it)
                    want_operand = False
                elif it.type == "NOT":
                    if ops and ops[-1][0] > _NOT_PREC:
                        raise _Fail(*_token_end(it), "got not, want primary expression")
                    ops.append((_NOT_PREC, "not", it, True))
                else:
                    ops.append((_UNARY_PREC, it.value, it, True))
                continue
            op = it.value
            at = it  # where the operator is
            if it.type == "NOT":
                op = "not in"
                at = c[i]  # (as Go, `not in` is at its `in`)
                i += 1
            prec = _BINARY_PREC[op]
            while ops and ops[-1][0] >= prec:
                top = ops.pop()
                if prec == _CMP_PREC and top[0] == _CMP_PREC and not top[3]:
                    # (as Go: where its scanner stands, just past the operator)
                    raise _Fail(
                        *_token_end(at), f"{top[1]} does not associate with {op} (use parens)"
                    )
                _reduce(top, vals)
            ops.append((prec, op, at, False))
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
            # (a trailing comma is allowed after any argument, `*args` and
            # `**kwargs` too, as the spec's grammar and Go's parser say;
            # argument order is the resolver's: all errors at once)
            args, _trailing = c[2]
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
        if type(c[-1]) is _Token:
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
            # (as Go: where its scanner stands, just past the `=`)
            raise _Fail(*_token_end(eq), "keyword argument must have form name=expr")
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
        except ValueError:  # (an exponent with no digits: the lexer's error)
            raise _Fail(*_token_end(tok), "invalid float literal") from None
        if value == float("inf"):
            # spec: a float literal too large for a finite float is a static
            # error (as Go's scanner: just past it)
            raise _Fail(*_token_end(tok), "invalid float literal")
        return Literal(value, tok.line, tok.column)

    def string_lit(self, c):
        tok = c[0]
        return Literal(_string_value(tok), tok.line, tok.column)

    def paren(self, c):
        lpar, x, _rpar = c
        return ParenExpr(x, lpar.line, lpar.column)

    def paren_tuple(self, c):
        lpar = c[0]
        elts = [x for x in c[1:-1] if type(x) is not _Token]
        return TupleExpr(elts, lpar.line, lpar.column)

    def list_expr(self, c):
        lsqb = c[0]
        elts = [x for x in c[1:-1] if type(x) is not _Token]
        return ListExpr(elts, lsqb.line, lsqb.column)

    def dict_expr(self, c):
        lbrace = c[0]
        entries = [x for x in c[1:-1] if type(x) is not _Token]
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


def _reduce(top: tuple[int, str, _Token, bool], vals: list) -> None:
    _prec, op, tok, unary = top
    if unary:
        vals.append(UnaryExpr(op, vals.pop(), tok.line, tok.column))
    else:
        y = vals.pop()
        vals.append(BinaryExpr(op, vals.pop(), y, tok.line, tok.column))


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


def _int_value(tok: _Token) -> int:
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
                # (as Go: past the literal)
                raise _Fail(
                    tok.line, tok.column + len(s), f"obsolete form of octal literal; use 0o{s[1:]}"
                )
            raise _Fail(tok.line, tok.column, "invalid int literal")
        body = s[2:]
        if not body or any(ch not in digits for ch in body):
            # (as Go: a hex literal's error at its start, an octal's or a
            # binary's where its digits should begin)
            col = tok.column if kind == "hex" else tok.column + 2
            raise _Fail(tok.line, col, f"invalid {kind} literal")
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


def _string_value(tok: _Token) -> str | bytes:
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


def _unescape(tok: _Token, body: str, start: int, is_bytes: bool) -> str | bytes:
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


def _escape_fail(tok: _Token, offset: int, msg: str) -> None:
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


# ------------------------------------------------------------ parse errors

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


def _token_text(t: str) -> str:
    """The text of a punctuation terminal, from the grammar."""
    return _get_tables().texts.get(t, t)


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


def _want(expected: frozenset[str], closer: str | None) -> str:
    """Pick what to say the parser wanted, from the acceptable token types.

    `closer` is the closing bracket of the innermost open bracket, if any.
    """
    if _EXPR_START <= expected:
        return "primary expression"
    if "STAR" in expected and expected <= {"NAME", "STAR", "STARSTAR", "RPAR", "COLON"}:
        return "parameter"
    if expected == {"NAME"}:
        return "identifier"
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


def _unexpected(
    tok: _Token, state: int, values: list, tokens: list[_Token], text: str, tables: _Tables
) -> _Fail:
    """The error for `tok`, which has no action in LALR state `state`."""
    expected = tables.expected[state]
    if tok.type == "$END":
        line, col = _end_position(text)
        got = _describe_token_type("$END")
        before = tokens[:-1]  # all the tokens (the last is _EOF)
    elif tok.type == "_NEWLINE" and not tok.value:
        # the newline supplied at the end of a file that has none: Go's
        # scanner meets the end of the file there
        line, col = _end_position(text)
        got = _describe_token_type("$END")
        before = tokens[: len(tokens) - 1]
    else:
        line, col = _token_end(tok)
        got = _describe_token_type(tok.type, tok.value)
        i = next(i for i, t in enumerate(tokens) if t is tok)  # (each token is a new tuple)
        before = tokens[:i]
    eq = _pending_bad_keyword(values)
    if eq is not None:
        # As Go: reported as its parser reads the `=`, just past it.
        return _Fail(*_token_end(eq), "keyword argument must have form name=expr")
    if "ELSE" in expected and tok.type != "ELSE":
        if_tok = _pending_if(values)
        if if_tok is not None:
            # As Go: reported at the `if`.
            return _Fail(if_tok.line, if_tok.column, "conditional expression without else clause")
    # The brackets open when the parser met `tok`, with what each opens:
    # "call" (a call's arguments), "def" (a def's parameters), "group" (a
    # parenthesized expression or tuple), "index", "list", "dict"; and
    # whether a `for` has made it a comprehension.
    brackets: list[str] = []
    kinds: list[str] = []
    comp: list[bool] = []
    for i, t in enumerate(before):
        if t.type in _OPEN:
            brackets.append(t.type)
            kinds.append(_bracket_kind(before, i))
            comp.append(False)
        elif t.type in _CLOSE:
            brackets.pop()
            kinds.pop()
            comp.pop()
        elif t.type == "FOR" and comp:
            comp[-1] = True
    inner = kinds[-1] if kinds else None  # (before `tok`)
    in_comp = comp[-1] if comp else False
    # the closer of the innermost bracket (not one `tok` opens: Go reads on
    # to the enclosing one's end)
    closer = _OPEN[brackets[-1]] if brackets else None
    want = _want(expected, closer)
    if want.endswith(", for, or if") and not (in_comp and tok.type not in _OPEN):
        want = want[: -len(", for, or if")]  # (Go says so in a comprehension only)
    prev = before[-1].type if before else ""
    # the tokens since the innermost open bracket, or since the statement's
    # start outside brackets, at that level
    level: list[_Token] = []
    for _, t in _level_back(before):
        if not brackets and t.type in ("_NEWLINE", "_INDENT", "_DEDENT", "SEMICOLON"):
            break
        level.append(t)
    level.reverse()
    fors = [i for i, t in enumerate(level) if t.type == "FOR"]
    if (
        fors
        and not any(t.type == "IN" for t in level[fors[-1] :])
        and tok.type != "IN"
        and prev not in ("COMMA", "FOR")
    ):
        # a for's loop variables (a statement's or a comprehension's): Go
        # wants `in` (or another variable)
        return _Fail(line, col, f"got {got}, want in")
    if (
        prev == "COMMA"
        and inner in ("list", "group")
        and tok.type in ("EQUAL", "SEMICOLON", "$END")
        and closer is not None
    ):
        # Go's list of expressions ends at a token that ends one (`=`, `;`,
        # the end): it wants the bracket's closer
        return _Fail(line, col, f"got {got}, want {_describe_token_type(closer)}")
    if prev == "FOR" and tok.type in ("PLUS", "MINUS", "TILDE"):
        # Go reads a loop variable as an expression, then finds it is none
        # it can assign to: at its start
        return _Fail(tok.line, tok.column, "can't assign to unaryexpr")
    if want == "identifier":
        # Go's parseIdent: one message wherever a name must come
        return _Fail(line, col, "not an identifier")
    if want == "parameter":
        # Go reads parameters until `)`, `:` or the end: another token is
        # read as a name; one of those three ends an empty list there
        if prev == "LPAR" and tok.type in ("COLON", "$END"):
            return _Fail(line, col, f"got {got}, want ')'")
        return _Fail(line, col, "not an identifier")
    if (
        inner == "dict"
        and not in_comp
        and tok.type not in ("RBRACE", "COLON", "$END")
        and prev not in ("COMMA", "LBRACE", "COLON")
    ):
        # a dict display's entry: Go wants the `:` after its key
        entry = level[max((i for i, t in enumerate(level) if t.type == "COMMA"), default=-1) + 1 :]
        if not any(t.type == "COLON" for t in entry):
            return _Fail(line, col, f"got {got}, want ':'")
    lam = max((i for i, t in enumerate(level) if t.type == "LAMBDA"), default=-1)
    if (
        lam >= 0
        and not any(t.type == "COLON" for t in level[lam:])
        and tok.type not in ("COLON", "COMMA", "$END")
        and prev not in ("COMMA", "LAMBDA", "STAR", "STARSTAR", "EQUAL")
    ):
        # a lambda's parameters, read one by one as a def's
        return _Fail(line, col, f"got {got}, want ','")
    if (
        inner in ("call", "def")
        and tok.type not in ("RPAR", "$END")
        and got != "end of file"
        and "COMMA" in expected
        and prev not in ("COMMA", "LPAR")
    ):
        # Go reads a call's arguments or a def's parameters one by one: after
        # each but the last must come a comma (a def's list ends at a `:`)
        if inner == "def" and tok.type == "COLON":
            return _Fail(line, col, f"got {got}, want ')'")
        return _Fail(line, col, f"got {got}, want ','")
    if want == "newline" and "COLON" in expected and level and not brackets:
        if level[0].type in _COMPOUND and not any(t.type == "COLON" for t in level):
            # the header of an if, for, def ...: Go wants its `:`
            return _Fail(line, col, f"got {got}, want ':'")
    return _Fail(line, col, f"got {got}, want {want}")


def _bracket_kind(tokens: list[_Token], i: int) -> str:
    """What the bracket `tokens[i]` opens (see `_unexpected`)."""
    t = tokens[i].type
    prev = tokens[i - 1].type if i else ""
    if t == "LBRACE":
        return "dict"
    if t == "LSQB":
        return "index" if prev in _ENDS_OPERAND else "list"
    if prev == "NAME" and i >= 2 and tokens[i - 2].type == "DEF":
        return "def"
    return "call" if prev in _ENDS_OPERAND else "group"


# tokens that end an operand: a `(` after one opens a call's arguments
_ENDS_OPERAND = frozenset(
    {"NAME", "RPAR", "RSQB", "RBRACE", "STRING", "BYTES", "INT", "FLOAT", "LOAD"}
)
# the keywords that start a statement with a header and a `:`
_COMPOUND = frozenset({"IF", "ELIF", "ELSE", "FOR", "WHILE", "DEF"})


def _token_end(tok: _Token) -> tuple[int, int]:
    """Where Go reports a syntax error at token `tok`: its scanner's position
    once it has read the token, just past it (a newline's: the start of the
    next line; an indent's or outdent's: where it is, as it reads nothing)."""
    v = tok.value
    if tok.type == "_NEWLINE":
        return tok.line + v[: v.find("\n")].count("\n") + 1, 1
    n = v.count("\n")
    if n == 0:
        return tok.line, tok.column + len(v)
    return tok.line + n, len(v) - v.rfind("\n")


def _level_back(items: list) -> Iterator[tuple[int, _Token]]:
    """The tokens among `items` (tokens, and values the parser built), last
    first, with their indexes, at the level of the innermost bracket still
    open at the end; until that bracket."""
    depth = 0
    for i in range(len(items) - 1, -1, -1):
        v = items[i]
        if type(v) is not _Token:
            continue
        if v.type in _CLOSE:
            depth += 1
        elif v.type in _OPEN:
            if depth == 0:
                return
            depth -= 1
        elif depth == 0:
            yield i, v


def _pending_bad_keyword(stack: list) -> _Token | None:
    """The `=` of an argument not yet reduced in the innermost open call whose
    left side is no name (`f(a + 1 = 2 ...`), if any."""
    opened: list[int] = []  # the `(` still open in the stack
    for i, v in enumerate(stack):
        if type(v) is _Token:
            if v.type == "LPAR":
                opened.append(i)
            elif v.type == "RPAR" and opened:
                opened.pop()
    if not opened:
        return None
    lpar = opened[-1]
    for i in range(lpar + 2, len(stack)):
        v = stack[i]
        if type(v) is _Token and v.type == "EQUAL":
            left, before = stack[i - 1], stack[i - 2]
            name = (type(left) is _Token and left.type == "NAME") or type(left) is Ident
            alone = type(before) is _Token and before.type in ("COMMA", "LPAR")
            if not (name and alone):
                return v
    return None


def _pending_if(stack: list) -> _Token | None:
    """The `if` of a conditional expression still waiting for its `else`, if any."""
    # `x if cond` <error>: the value stack ends with x, IF, cond, where cond
    # may still be tokens (`{}` not yet reduced). In a comprehension's `if`,
    # a `for` precedes the IF at its level.
    found = None
    for i, v in _level_back(stack):
        if found is None and v.type == "IF":
            prev = stack[i - 1] if i else None
            operand = isinstance(prev, syntax.Expr) or (
                type(prev) is _Token and prev.type in _ENDS_OPERAND - {"LOAD"}
            )
            if not operand:
                return None
            found = v
        elif v.type == "FOR":
            return None  # (a comprehension's `if` clause)
        elif v.type in _NOT_IN_CONDITION:
            # (before the `if`: its condition's tokens end; after it, what
            # precedes the conditional: no comprehension's `for` there)
            return found
    return found


# tokens that cannot be inside a conditional expression's condition
_NOT_IN_CONDITION = frozenset(
    {"COMMA", "COLON", "EQUAL", "ELSE", "LAMBDA", "_NEWLINE", "_INDENT", "_DEDENT", "SEMICOLON"}
)


def _end_position(text: str) -> tuple[int, int]:
    line = text.count("\n") + 1
    return line, len(text) - (text.rfind("\n") + 1) + 1


_STRING_START = re.compile(r"(?:[rR][bB]?|[bB][rR]?)?('''|\"\"\"|'|\")")


def _describe_bad_char(text: str, pos: int, line: int, col: int) -> tuple[int, int, str]:
    c = text[pos]
    if c in "'\"":
        # An unterminated string: find where it starts (with its prefix) and why.
        # (its prefix: the longest one before the quote that begins a token;
        # in `rr'` or `xb'` the letters end a name, and the string is the quote)
        start = pos
        for k in (pos - 2, pos - 1):
            m = _STRING_START.match(text, k) if k >= 0 else None
            if (
                m is not None
                and m.start(1) == pos
                and not (k > 0 and (text[k - 1].isalnum() or text[k - 1] == "_"))
            ):
                start = k
                break
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
