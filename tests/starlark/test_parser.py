"""Tests of `starflow.starlark.parser`: AST shape, positions, literals, syntax errors."""

from __future__ import annotations

import math

import pytest

from starflow.starlark import parser, syntax
from starflow.starlark.errors import ParseError, StarlarkSyntaxError
from starflow.starlark.syntax import (
    ArgKind,
    AssignStmt,
    BinaryExpr,
    BranchStmt,
    CallExpr,
    Comprehension,
    CondExpr,
    DefStmt,
    DictExpr,
    DotExpr,
    ExprStmt,
    ForClause,
    ForStmt,
    Ident,
    IfClause,
    IfStmt,
    IndexExpr,
    LambdaExpr,
    Literal,
    LoadStmt,
    ParamKind,
    ParenExpr,
    ReturnStmt,
    SliceExpr,
    TupleExpr,
    UnaryExpr,
    WhileStmt,
)


def parse(src: str | bytes) -> syntax.File:
    return parser.parse("t.star", src)


def expr(src: str) -> syntax.Expr:
    """The expression of a one-line file `src` (an expression statement)."""
    (stmt,) = parse(src).stmts
    assert isinstance(stmt, ExprStmt)
    return stmt.x


def error(src: str | bytes) -> str:
    """`line:col: message` of the ParseError that `src` raises."""
    with pytest.raises(ParseError) as info:
        parse(src)
    e = info.value
    assert e.filename == "t.star"
    return f"{e.line}:{e.col}: {e.msg}"


def pos(node) -> tuple[int, int]:
    return node.line, node.col


def show(e) -> str:
    """A fully parenthesized rendering of an expression, to check precedence."""
    if isinstance(e, BinaryExpr):
        return f"({show(e.x)} {e.op} {show(e.y)})"
    if isinstance(e, UnaryExpr):
        return f"({e.op} {show(e.x)})" if e.op == "not" else f"({e.op}{show(e.x)})"
    if isinstance(e, Ident):
        return e.name
    if isinstance(e, Literal):
        return repr(e.value)
    if isinstance(e, CondExpr):
        return f"({show(e.then)} if {show(e.cond)} else {show(e.else_)})"
    if isinstance(e, ParenExpr):
        return show(e.x)
    if isinstance(e, DotExpr):
        return f"{show(e.x)}.{e.name}"
    if isinstance(e, CallExpr):
        return f"{show(e.fn)}()"
    if isinstance(e, IndexExpr):
        return f"{show(e.x)}[{show(e.index)}]"
    raise AssertionError(type(e))


# ------------------------------------------------------------------ the API


def test_parse_returns_a_file_with_the_filename_and_statements():
    f = parser.parse("dir/x.star", "x = 1\ny = 2\n")
    assert isinstance(f, syntax.File)
    assert f.filename == "dir/x.star"
    assert [type(s) for s in f.stmts] == [AssignStmt, AssignStmt]


def test_source_may_be_bytes_decoded_as_utf8():
    f = parse("s = 'é'\n".encode())
    assert f.stmts[0].rhs.value == "é"


def test_invalid_utf8_is_a_parse_error_at_the_bad_byte():
    assert error(b"x = 1\ny = '\xff'\n") == "2:6: invalid UTF-8 encoding"


def test_parse_error_is_a_starlark_syntax_error_rendered_with_file_line_col():
    with pytest.raises(StarlarkSyntaxError) as info:
        parser.parse("a.star", "x = )\n")
    assert str(info.value) == "a.star:1:5: unexpected ')'"
    assert info.value.errors == [(info.value.pos, info.value.msg)]


def test_the_grammar_is_read_from_the_starflow_grammar_package():
    text = parser.grammar_text()
    assert "start symbol: file" in text.lower()
    assert "%declare _INDENT _DEDENT" in text


def test_empty_blank_and_comment_only_files_have_no_statements():
    assert parse("").stmts == []
    assert parse("\n\n   \n").stmts == []
    assert parse("# just a comment").stmts == []
    assert parse("# a\n\n  # indented comment\n").stmts == []


def test_crlf_and_lone_cr_are_newlines():
    f = parse("x = 1\r\ny = '''a\r\nb'''\rz = 3")
    assert [s.line for s in f.stmts] == [1, 2, 4]
    assert f.stmts[1].rhs.value == "a\nb"


def test_a_missing_final_newline_is_supplied():
    f = parse("def f():\n  return 1")
    assert isinstance(f.stmts[0].function.body[0], ReturnStmt)


# ---------------------------------------------------------------- positions


def test_identifier_and_literal_positions_are_their_first_character():
    e = expr("  \n(abc, 12, 'x')")
    assert pos(e) == (2, 1)
    assert [pos(x) for x in e.elts] == [(2, 2), (2, 7), (2, 11)]


def test_columns_count_code_points_not_bytes():
    e = expr("'日本語' + x")
    assert pos(e) == (1, 7)
    assert pos(e.y) == (1, 9)


def test_binary_expression_position_is_the_operator():
    e = expr("a  *  b")
    assert pos(e) == (1, 4)
    assert pos(expr("a not in b")) == (1, 7)  # (as Go: the `in` of `not in`)


def test_unary_expression_position_is_the_operator():
    e = expr("-  y")
    assert pos(e) == (1, 1)
    assert pos(e.x) == (1, 4)


def test_call_position_is_the_open_paren_and_records_the_close_paren():
    e = expr("f (a,\n  b=1)")
    assert isinstance(e, CallExpr)
    assert pos(e) == (1, 3)
    assert (e.rparen_line, e.rparen_col) == (2, 6)
    assert [(a.kind, a.name, pos(a)) for a in e.args] == [
        (ArgKind.POSITIONAL, None, (1, 4)),
        (ArgKind.KEYWORD, "b", (2, 3)),
    ]


def test_argument_position_is_its_start_or_its_star():
    e = expr("f(a.b + 1, *xs, **kw)")
    assert [(a.kind, pos(a)) for a in e.args] == [
        (ArgKind.POSITIONAL, (1, 3)),
        (ArgKind.STAR, (1, 12)),
        (ArgKind.STARSTAR, (1, 17)),
    ]


def test_index_and_slice_positions_are_the_open_bracket():
    e = expr("x [1]")
    assert isinstance(e, IndexExpr)
    assert pos(e) == (1, 3)
    s = expr("x[1:2]")
    assert isinstance(s, SliceExpr)
    assert pos(s) == (1, 2)


def test_dot_position_is_the_dot_and_records_the_name():
    e = expr("obj . attr")
    assert isinstance(e, DotExpr)
    assert e.name == "attr"
    assert pos(e) == (1, 5)
    assert (e.name_line, e.name_col) == (1, 7)


def test_dict_entry_position_is_the_colon():
    e = expr("{'k' :  v}")
    assert isinstance(e, DictExpr)
    assert pos(e) == (1, 1)
    assert pos(e.entries[0]) == (1, 6)


def test_assignment_position_is_the_operator():
    (s,) = parse("x.y  +=  1\n").stmts
    assert isinstance(s, AssignStmt)
    assert (s.op, pos(s)) == ("+=", (1, 6))


def test_expression_statement_position_is_the_start_of_its_expression():
    (s,) = parse("  \na.b(c)[0] + 1\n").stmts
    assert pos(s) == (2, 1)


def test_conditional_position_is_the_if():
    e = expr("a if b else c")
    assert isinstance(e, CondExpr)
    assert pos(e) == (1, 3)


def test_unparenthesized_tuple_position_is_its_first_element_parenthesized_its_paren():
    (s,) = parse("x = a.b, c\n").stmts
    assert isinstance(s.rhs, TupleExpr)
    assert pos(s.rhs) == (1, 5)
    assert pos(parse("x = (a, b)\n").stmts[0].rhs) == (1, 5)
    assert pos(expr("()")) == (1, 1)


def test_statement_positions_are_their_keyword():
    f = parse(
        "def f(a):\n"
        "  for x in a:\n"
        "    while x:\n"
        "      break\n"
        "  if a:\n"
        "    return\n"
        "  elif a:\n"
        "    pass\n"
        'load("m", "n")\n'
    )
    d = f.stmts[0]
    assert isinstance(d, DefStmt)
    assert pos(d) == (1, 1)
    assert pos(d.function) == (1, 1)
    assert pos(d.name) == (1, 5)
    loop = d.function.body[0]
    assert isinstance(loop, ForStmt)
    assert pos(loop) == (2, 3)
    assert isinstance(loop.body[0], WhileStmt)
    assert pos(loop.body[0]) == (3, 5)
    assert isinstance(loop.body[0].body[0], BranchStmt)
    assert pos(loop.body[0].body[0]) == (4, 7)
    cond = d.function.body[1]
    assert isinstance(cond, IfStmt)
    assert pos(cond) == (5, 3)
    assert pos(cond.then[0]) == (6, 5)
    assert pos(cond.else_[0]) == (7, 3)
    load = f.stmts[1]
    assert isinstance(load, LoadStmt)
    assert pos(load) == (9, 1)
    assert (load.rparen_line, load.rparen_col) == (9, 14)


def test_comprehension_clause_positions_are_their_keywords():
    e = expr("[x for x in y if x]")
    assert isinstance(e, Comprehension)
    assert pos(e) == (1, 1)
    f, i = e.clauses
    assert isinstance(f, ForClause)
    assert pos(f) == (1, 4)
    assert isinstance(i, IfClause)
    assert pos(i) == (1, 15)


def test_lambda_position_is_the_keyword_and_its_body_is_a_return():
    e = expr("lambda a, b=1: a + b")
    assert isinstance(e, LambdaExpr)
    assert pos(e) == (1, 1)
    fn = e.function
    assert fn.name == "lambda"
    assert [p.name.name for p in fn.params] == ["a", "b"]
    (ret,) = fn.body
    assert isinstance(ret, ReturnStmt)
    assert pos(ret) == (1, 16)


def test_parameter_positions_kinds_and_defaults():
    (d,) = parse("def f(a, b=2, *args, c, **kw): pass\n").stmts
    ps = d.function.params
    assert [(p.kind, p.name.name, pos(p)) for p in ps] == [
        (ParamKind.NORMAL, "a", (1, 7)),
        (ParamKind.NORMAL, "b", (1, 10)),
        (ParamKind.STAR, "args", (1, 15)),
        (ParamKind.NORMAL, "c", (1, 22)),
        (ParamKind.STARSTAR, "kw", (1, 25)),
    ]
    assert ps[1].default.value == 2


def test_a_bare_star_parameter_has_no_name():
    (d,) = parse("def f(*, k): pass\n").stmts
    star, k = d.function.params
    assert (star.kind, star.name, pos(star)) == (ParamKind.STAR, None, (1, 7))
    assert k.name.name == "k"


def test_load_binds_local_names_to_exported_names():
    (s,) = parse('load("mod.star", "a", b = "c",)\n').stmts
    assert s.module == "mod.star"
    assert [(i.name, pos(i), n) for i, n in s.names] == [("a", (1, 19), "a"), ("b", (1, 23), "c")]


def test_positions_after_a_multiline_string_and_a_continuation_line():
    f = parse('x = """a\nb""" ; y = 1 + \\\n   2\n')
    assert pos(f.stmts[1]) == (2, 10)
    assert pos(f.stmts[1].rhs.y) == (3, 4)


# ---------------------------------------------------------------- literals


@pytest.mark.parametrize(
    ("src", "value"),
    [
        ("0", 0),
        ("00", 0),
        ("123", 123),
        ("0x7f", 127),
        ("0XFF", 255),
        ("0o755", 0o755),
        ("0O17", 15),
        ("0b101", 5),
        ("0B1", 1),
        ("123456789012345678901234567890", 123456789012345678901234567890),
        ("0x" + "f" * 40, 16**40 - 1),
    ],
)
def test_int_literals(src, value):
    e = expr(src)
    assert type(e.value) is int
    assert e.value == value


def test_int_literals_past_pythons_digit_limit_are_exact():
    assert expr("9" * 5000).value == 10**5000 - 1


@pytest.mark.parametrize(
    ("src", "value"),
    [("0.0", 0.0), ("1.", 1.0), (".5", 0.5), ("1e10", 1e10), ("1e+10", 1e10), ("1.5E-3", 1.5e-3)],
)
def test_float_literals(src, value):
    e = expr(src)
    assert type(e.value) is float
    assert e.value == value


@pytest.mark.parametrize(
    ("src", "value"),
    [
        ('"hello"', "hello"),
        ("'hello'", "hello"),
        ("'''it's'''", "it's"),
        ('"""a\n"b"\n"""', 'a\n"b"\n'),
        ("'a\"b'", 'a"b'),
        (r"'\a\b\f\n\r\t\v\\\'\"'", "\a\b\f\n\r\t\v\\'\""),
        ("'abc\\\ndef'", "abcdef"),
        (r"'\0\12\101-\132\119'", "\x00\nA-Z\t9"),
        (r"'\x00\x0A\x41-\x5a'", "\x00\nA-Z"),
        (r"'\u0041\u0414\u754c\U0001F600'", "AД界😀"),
        (r"r'a\nb\'c'", "a\\nb\\'c"),
        ("R'a\\\nb'", "a\\\nb"),
        ("'日本'", "日本"),
    ],
)
def test_string_literals_and_escapes(src, value):
    e = expr(src)
    assert type(e.value) is str
    assert e.value == value


@pytest.mark.parametrize(
    ("src", "value"),
    [
        ('b"abc"', b"abc"),
        ("B'abc'", b"abc"),
        ("b'''a\nb'''", b"a\nb"),
        ("b'é'", "é".encode()),
        (r"b'\377\xff\x00'", b"\xff\xff\x00"),
        (r"b'\u00e9\U0001F600'", "é😀".encode()),
        (r"rb'\d'", b"\\d"),
        (r"br'\d'", b"\\d"),
        (r"Rb'\n'", b"\\n"),
    ],
)
def test_bytes_literals_and_escapes(src, value):
    e = expr(src)
    assert type(e.value) is bytes
    assert e.value == value


@pytest.mark.parametrize(
    ("src", "message"),
    [
        (r"'\q'", "1:2: invalid escape sequence \\q"),
        (r"b'\q'", "1:3: invalid escape sequence \\q"),
        ("'ab\\x-0'", "1:4: invalid escape sequence \\x-0"),
        (r"'\x4'", "1:2: truncated escape sequence \\x4"),
        (r"'\u12'", "1:2: truncated escape sequence \\u12"),
        (r"'\u12g4'", "1:2: invalid escape sequence \\u12g4"),
        (r"'\ud800'", "1:2: invalid Unicode code point U+D800"),
        (r"'\U00110000'", "1:2: code point out of range: \\U00110000 (max \\U0010ffff)"),
        (
            r"'\200'",
            "1:2: non-ASCII octal escape \\200 (use \\u0080 for the UTF-8 encoding of U+0080)",
        ),
        (
            r"'\xff'",
            "1:2: non-ASCII hex escape \\xff (use \\u00FF for the UTF-8 encoding of U+00FF)",
        ),
        (r"b'\400'", "1:3: invalid escape sequence \\400"),
        ("'''a\nb\\q'''", "2:2: invalid escape sequence \\q"),
    ],
)
def test_invalid_escapes_are_reported_at_the_backslash(src, message):
    assert error(src) == message


@pytest.mark.parametrize(
    ("src", "message"),
    [
        ("x = 0123", "1:9: obsolete form of octal literal; use 0o123"),  # (Go: past it)
        ("x = 0189", "1:5: invalid int literal"),
        ("x = 0x", "1:5: invalid hex literal"),
        ("x = 0xg", "1:5: invalid hex literal"),
        ("x = 0o8", "1:7: invalid octal literal"),  # (as Go: where the digits begin)
        ("x = 0b2", "1:7: invalid binary literal"),
        ("x = 1e999", "1:10: invalid float literal"),
    ],
)
def test_invalid_number_literals(src, message):
    assert error(src) == message


@pytest.mark.parametrize(
    ("src", "message"),
    [
        ("x = 'abc\ny'", "1:5: unexpected newline in string"),
        ("x = r'a\nb'", "1:5: unexpected newline in string"),
        ("x = 'abc", "1:5: unexpected EOF in string"),
        ('x = """abc\n', "1:5: unexpected EOF in string"),
        ("x = b'''abc'", "1:5: unexpected EOF in string"),
        # letters that are no prefix end a name; the string starts at the quote (as Go)
        ("x = rr'\n", "1:7: unexpected newline in string"),
        ("x = bb'a\n", "1:7: unexpected newline in string"),
        ("x = _r'a\n", "1:7: unexpected newline in string"),
        ("rr'", "1:3: unexpected EOF in string"),
    ],
)
def test_unterminated_strings(src, message):
    assert error(src) == message


def test_comments_and_whitespace_are_ignored_inside_lines_and_brackets():
    f = parse("x = [  # first\n  1,\t# second\n\n  2,\n]  # done\n")
    assert [e.value for e in f.stmts[0].rhs.elts] == [1, 2]


def test_implicit_line_joining_inside_brackets_ignores_indentation():
    f = parse("x = f(\n1,\n      2) + {\n  'a': (3,\n4)}\ny = 1\n")
    assert len(f.stmts) == 2


def test_backslash_continuation_joins_lines():
    (s,) = parse("x = 1 + \\\n2\n").stmts
    assert s.rhs.y.value == 2


@pytest.mark.parametrize(
    ("src", "message"),
    [
        ("x = 1 \\ 2", "1:7: stray backslash in program"),
        ("x = $", "1:5: unexpected input character '$'"),
        ("x = 1 ! 2", "1:7: unexpected input character '!'"),
        ("a = max(range(10)))", "1:19: unexpected ')'"),
        ("x = ]", "1:5: unexpected ']'"),
    ],
)
def test_bad_characters(src, message):
    assert error(src) == message


@pytest.mark.parametrize(
    "word",
    (
        "as async await class del except finally from global import is nonlocal raise "
        "try with yield"
    ).split(),
)
def test_reserved_words_are_rejected_as_go_does(word):
    assert error(f"x = {word}\n") == f"1:5: keyword {word} is reserved"


def test_reserved_words_are_rejected_as_attribute_names_too():
    assert error("x.class = 1\n") == "1:3: keyword class is reserved"


def test_assert_is_an_ordinary_name_as_in_go():
    assert expr("assert.eq(1, 1)").fn.x.name == "assert"


def test_while_is_a_keyword():
    assert error("while = 1\n") == "1:8: got '=', want primary expression"


# -------------------------------------------------------------- precedence


@pytest.mark.parametrize(
    ("src", "shape"),
    [
        ("a or b and c", "(a or (b and c))"),
        ("a and b or c", "((a and b) or c)"),
        ("not a and b", "((not a) and b)"),
        ("not a == b", "(not (a == b))"),
        ("not not a", "(not (not a))"),
        ("a and not b or c", "((a and (not b)) or c)"),
        ("a == b | c", "(a == (b | c))"),
        ("a in b", "(a in b)"),
        ("a not in b + c", "(a not in (b + c))"),
        ("a | b ^ c & d", "(a | (b ^ (c & d)))"),
        ("a & b << c", "(a & (b << c))"),
        ("a << b + c", "(a << (b + c))"),
        ("a - b - c", "((a - b) - c)"),
        ("a + b * c", "(a + (b * c))"),
        ("a * b // c % d / e", "((((a * b) // c) % d) / e)"),
        ("-a * b", "((-a) * b)"),
        ("- -a", "(-(-a))"),
        ("~a.b[0]()", "(~a.b[0]())"),
        ("+a + -b", "((+a) + (-b))"),
        ("a if b else c if d else e", "(a if b else (c if d else e))"),
        ("a or b if c and d else e", "((a or b) if (c and d) else e)"),
        ("(a == b) == c", "((a == b) == c)"),
        ("a < b and b < c", "((a < b) and (b < c))"),
    ],
)
def test_operator_precedence(src, shape):
    assert show(expr(src)) == shape


@pytest.mark.parametrize(
    ("src", "message"),
    [
        ("_ = 0 == 1 == 2", "1:14: == does not associate with == (use parens)"),
        ("_ = 0 <= i < n", "1:13: <= does not associate with < (use parens)"),
        ("_ = a in b not in c", "1:18: in does not associate with not in (use parens)"),
        ("_ = a not  in b < c", "1:18: not in does not associate with < (use parens)"),
        ("_ = not a != b > c", "1:17: != does not associate with > (use parens)"),
    ],
)
def test_comparisons_do_not_associate(src, message):
    assert error(src) == message


def test_not_may_not_follow_a_comparison_or_a_unary_operator():
    assert error("x = a == not b") == "1:13: got not, want primary expression"
    assert error("x = - not b") == "1:10: got not, want primary expression"


def test_lambda_body_takes_a_conditional():
    e = expr("lambda: a if b else c")
    assert isinstance(e.function.body[0].value, CondExpr)


# -------------------------------------------------------------- expressions


def test_paren_expr_is_kept_and_tuples_are_not_wrapped():
    assert isinstance(expr("(x)"), ParenExpr)
    t = expr("(x,)")
    assert isinstance(t, TupleExpr)
    assert len(t.elts) == 1
    assert expr("()").elts == []
    assert len(expr("(a, b, c,)").elts) == 3


def test_list_and_dict_displays_allow_trailing_commas():
    assert [e.value for e in expr("[1, 2,]").elts] == [1, 2]
    assert expr("[]").elts == []
    d = expr("{1: 2, 3: 4,}")
    assert [(en.key.value, en.value.value) for en in d.entries] == [(1, 2), (3, 4)]
    assert expr("{}").entries == []


def test_comprehensions_with_several_clauses_and_tuple_targets():
    e = expr("{k: v for k, v in d.items() if k for z in k if z if not z}")
    assert e.is_dict
    assert e.body.key.name == "k"
    kinds = [type(c).__name__ for c in e.clauses]
    assert kinds == ["ForClause", "IfClause", "ForClause", "IfClause", "IfClause"]
    assert isinstance(e.clauses[0].target, TupleExpr)
    assert [t.name for t in e.clauses[0].target.elts] == ["k", "v"]
    lst = expr("[x for (a, b) in y]")
    assert not lst.is_dict
    assert isinstance(lst.clauses[0].target, TupleExpr)


def test_comprehension_if_clause_may_be_a_lambda():
    e = expr("[a for b in c if lambda: d]")
    assert isinstance(e.clauses[1].cond, LambdaExpr)


def test_slices_with_missing_parts():
    def parts(s):
        e = expr(s)
        return [None if p is None else p.value for p in (e.lo, e.hi, e.step)]

    assert parts("x[1:2:3]") == [1, 2, 3]
    assert parts("x[:]") == [None, None, None]
    assert parts("x[::2]") == [None, None, 2]
    assert parts("x[1:]") == [1, None, None]
    assert parts("x[:2:]") == [None, 2, None]


def test_index_may_be_an_unparenthesized_tuple():
    e = expr("x[1, 2]")
    assert isinstance(e.index, TupleExpr)
    assert isinstance(expr("x[1, 2:]").lo, TupleExpr)


def test_call_arguments_of_every_kind():
    e = expr("f(a, b, c=1, *d, e=2, **g)")
    assert [(a.kind.value, a.name) for a in e.args] == [
        ("positional", None),
        ("positional", None),
        ("keyword", "c"),
        ("star", None),
        ("keyword", "e"),
        ("starstar", None),
    ]


def test_lambda_parameters_of_every_kind():
    e = expr("lambda a, b=1, *c, d, **e: 0")
    kinds = [p.kind for p in e.function.params]
    assert kinds == [
        ParamKind.NORMAL,
        ParamKind.NORMAL,
        ParamKind.STAR,
        ParamKind.NORMAL,
        ParamKind.STARSTAR,
    ]
    assert expr("lambda: 0").function.params == []


# --------------------------------------------------------------- statements


def test_elif_is_an_if_statement_alone_in_else():
    (s,) = parse("if a:\n  x = 1\nelif b:\n  x = 2\nelif c: x = 3\nelse:\n  x = 4\n").stmts
    assert s.cond.name == "a"
    (e1,) = s.else_
    assert isinstance(e1, IfStmt)
    assert e1.cond.name == "b"
    (e2,) = e1.else_
    assert isinstance(e2, IfStmt)
    assert e2.cond.name == "c"
    assert e2.else_[0].rhs.value == 4
    (plain,) = parse("if a: pass\n").stmts
    assert plain.else_ == []


def test_for_loops_take_tuple_targets_and_unparenthesized_tuples():
    (s,) = parse("for a, b.c, d[0] in 1, 2: pass\n").stmts
    assert [type(t) for t in s.target.elts] == [Ident, DotExpr, IndexExpr]
    assert isinstance(s.iter, TupleExpr)


def test_while_break_continue_and_pass():
    (w,) = parse("while x:\n  break\n  continue\n  pass\n").stmts
    assert [b.kind for b in w.body] == ["break", "continue", "pass"]


def test_return_with_and_without_a_value():
    (d,) = parse("def f():\n  return\n  return 1, 2\n").stmts
    r1, r2 = d.function.body
    assert r1.value is None
    assert isinstance(r2.value, TupleExpr)


def test_simple_statements_separated_by_semicolons():
    f = parse("x = 1; y = 2;\nz = 3\n")
    assert [s.lhs.name for s in f.stmts] == ["x", "y", "z"]


def test_a_suite_on_the_same_line_as_the_colon():
    (d,) = parse("def f(): x = 1; return x\n").stmts
    assert [type(s) for s in d.function.body] == [AssignStmt, ReturnStmt]


@pytest.mark.parametrize(
    "op", ["=", "+=", "-=", "*=", "/=", "//=", "%=", "&=", "|=", "^=", "<<=", ">>="]
)
def test_assignment_operators(op):
    (s,) = parse(f"x[0] {op} 1\n").stmts
    assert s.op == op


def test_assignment_targets_tuples_lists_and_parens():
    (s,) = parse("(a, [b, c.d]), (e) = x\n").stmts
    assert isinstance(s.lhs, TupleExpr)
    assert parse("(x) += 1\n").stmts[0].op == "+="


def test_tabs_in_indentation_count_to_the_next_multiple_of_eight_as_go():
    f = parse("def f():\n\tx = 1\n        y = 2\n")
    assert len(f.stmts[0].function.body) == 2


def test_nested_blocks_dedent_several_levels_at_once():
    f = parse("def f():\n  if a:\n    for x in y:\n      pass\nz = 1\n")
    assert len(f.stmts) == 2


# ------------------------------------------------------------- parse errors


@pytest.mark.parametrize(
    ("src", "message"),
    [
        ("x = 1 +\n2", "2:1: got newline, want primary expression"),
        ("_ = %x", "1:6: got '%', want primary expression"),
        ("def pass():\n  pass", "1:9: not an identifier"),
        ("def f :", "1:8: got ':', want '('"),
        ("def f(load): pass", "1:11: not an identifier"),
        ("f(a=1, *, b=2)", "1:10: got ',', want primary expression"),
        ("_ = {x for y in z}", "1:11: got for, want ':'"),
        (
            "_ = [x for x in lambda: True, lambda: False if x()]",
            "1:23: got lambda, want primary expression",
        ),
        ("_ = [x for x in 1, 2, 3]", "1:19: got ',', want ']', for, or if"),
        ("_ = [a for b in c if 1, 2]", "1:24: got ',', want ']', for, or if"),
        ("_ = [a for b in c if lambda: d if e else f]", "1:41: got else, want ']', for, or if"),
        ("_ = [x for x in a if b else c]", "1:28: got else, want ']', for, or if"),
        ("_ = a + b not c", "1:16: got identifier, want in"),
        ("print(1, 2, 3", "1:14: got end of file, want ')'"),
        ("x = (1, 2]", "1:11: got ']', want ')'"),
        ("print 1 2", "1:8: got int literal, want newline"),
        ("x = 'a' 'b'", "1:12: got string literal, want newline"),
        ("x = 1 b'a'", "1:11: got bytes literal, want newline"),
        ("load = 1", "1:7: got '=', want '('"),
        ("f(load())", "1:7: got load, want primary expression"),
        ("x = lambda a,: a", "1:15: not an identifier"),
        ("if x:\ny = 2", "2:2: got identifier, want indent"),
        ("if x\n  pass", "2:1: got newline, want ':'"),
    ],
)
def test_unexpected_tokens_are_reported_in_gos_words(src, message):
    # (each checked against starlark-go: its message and its position, just
    # past the token, where Go's scanner stands; Go names no bytes literal:
    # "got , want newline")
    assert error(src) == message


# Each outcome is starlark-go's, message and position (stop 13): Go's parser
# reads a call's arguments, a def's or lambda's parameters and a dict's
# entries item by item, so it wants the `,` or `:` that would continue the
# list; "want ']', for, or if" only inside a comprehension; a name that must
# come is "not an identifier"; a for's header wants `in`, then `:`.
@pytest.mark.parametrize(
    ("src", "message"),
    [
        ("f(x y)", "1:6: got identifier, want ','"),
        ("def f(a b): pass", "1:10: got identifier, want ','"),
        ("lambda 1: 2", "1:9: not an identifier"),
        ("x = lambda a b: 1", "1:15: got identifier, want ','"),
        ("[1 2]", "1:5: got int literal, want ']'"),
        ("{1: 2 3: 4}", "1:8: got int literal, want '}'"),
        ("x = {1: 2, 3 4}", "1:15: got int literal, want ':'"),
        ("for x y in z: pass\n", "1:8: got identifier, want in"),
        ("for x in range(3) x\n", "1:20: got identifier, want ':'"),
        ("load('a', 'b' 'c')", "1:18: got string literal, want ','"),
        ("x = a.b.\n", "2:1: not an identifier"),
        ("def f(:\n  pass", "1:8: got ':', want ')'"),
        ("x = lambda: ", "1:13: got end of file, want primary expression"),
        ("x = [1, 2\n", "2:1: got end of file, want ']'"),
        ("f(x]", "1:5: got ']', want ','"),
        ("x = {k: v for k, v in x y}", "1:26: got identifier, want '}', for, or if"),
        ("a[1 2]", "1:6: got int literal, want ']'"),
        ("def f() x: pass\n", "1:10: got identifier, want ':'"),
        ("out = str([v0, v1, = acc])", "1:21: got '=', want ']'"),
        ("v2 = f((0{ .5))", "1:11: got '{', want ')'"),
        ("def g(a, b = 2:\n    pass\n", "1:16: got ':', want ')'"),
        ("x = [a for a if b]", "1:16: got if, want in"),
        ("x = {k: v for k v in y}", "1:18: got identifier, want in"),
        ("x = (1, = 2)", "1:10: got '=', want ')'"),
        ("x = [1,", "1:8: got end of file, want ']'"),
        ("g(a)(b {)", "1:9: got '{', want ','"),
        ("f(a,]", "1:6: got ']', want primary expression"),
        ("x = {' 'b': 1}", "1:9: unexpected EOF in string"),
        ("x = [1, 0, -4elif ]", "1:15: invalid float literal"),
        ("x = 1.5e", "1:9: invalid float literal"),
        ("x = g1(+\nv4 = g0(1, 2)", "2:5: keyword argument must have form name=expr"),
        ("x = f(a + 1 = 2", "1:14: keyword argument must have form name=expr"),
        ("x = a not in b == c", "1:18: not in does not associate with == (use parens)"),
        ("x = 1 < 2 < 3", "1:12: < does not associate with < (use parens)"),
        ("lambda = f0(acc)", "1:9: not an identifier"),
        ("x = [y for + y in z]", "1:12: can't assign to unaryexpr"),
        ("x = 05", "1:7: obsolete form of octal literal; use 0o5"),
        ("x = 0or 1", "1:7: invalid octal literal"),
        (
            "def f():\n    if x:\n  y = 1",
            "3:3: unindent does not match any outer indentation level",
        ),
    ],
)
def test_syntax_errors_are_gos_in_lists_headers_and_names(src, message):
    assert error(src) == message


def test_conditional_without_else_is_reported_at_the_if():
    assert error("_ = a if b\n") == "1:7: conditional expression without else clause"
    assert error("f(a + b if c)") == "1:9: conditional expression without else clause"
    assert error("[a for b in c if d") == "1:19: got end of file, want ']', for, or if"


def test_keyword_argument_must_be_a_name():
    # (as Go: just past the =)
    assert error("f(1+2 = 3)") == "1:8: keyword argument must have form name=expr"


@pytest.mark.parametrize(
    ("src", "message"),
    [
        ("a, b, = 1, 2", "1:5: unparenthesized tuple with trailing comma"),
        ("a, b = 1, 2,", "1:12: unparenthesized tuple with trailing comma"),
        ("x = 1,", "1:6: unparenthesized tuple with trailing comma"),
        ("for x in 1, 2,: pass", "1:14: unparenthesized tuple with trailing comma"),
        ("def f():\n  return 1,", "2:11: unparenthesized tuple with trailing comma"),
        ("x[1, 2,]", "1:7: unparenthesized tuple with trailing comma"),
    ],
)
def test_trailing_commas_are_only_allowed_inside_brackets(src, message):
    assert error(src) == message


@pytest.mark.parametrize(
    "src",
    [
        "def f(*args, ):\n  pass",
        "def f(**kwargs, ): pass",
        "def f(a, *, b, ): pass",
        "f(*args, )",
        "f(**kwargs, )",
        "f(a, *b, **c, )",
    ],
)
def test_a_trailing_comma_may_follow_star_parameters_and_arguments(src):
    # the spec's grammar (`'(' [Parameters [',']] ')'`) and Go's parser
    # allow it after any parameter or argument
    parse(src)


def test_keyword_arguments_may_follow_star_args():
    e = expr("f(*a, b=1, **c)")
    assert [a.kind for a in e.args] == [ArgKind.STAR, ArgKind.KEYWORD, ArgKind.STARSTAR]


@pytest.mark.parametrize(
    ("src", "message"),
    [
        ("f() = 1", "1:1: can't assign to callexpr"),
        ("1 = x", "1:1: can't assign to literal"),
        ("a + b = 1", "1:1: can't assign to binaryexpr"),
        ("-a = 1", "1:1: can't assign to unaryexpr"),
        ("x[1:2] = 1", "1:1: can't assign to sliceexpr"),
        ("(a, f()) = 1, 2", "1:5: can't assign to callexpr"),
        ("[] = 1", "1:1: can't assign to []"),
        ("() = 1", "1:1: can't assign to ()"),
        ("a, b += 1", "1:1: can't use tuple expression in augmented assignment"),
        ("[a] += 1", "1:1: can't use list expression in augmented assignment"),
        ("(a, b) += 1", "1:1: can't use tuple expression in augmented assignment"),
        ("for f() in x: pass", "1:5: can't assign to callexpr"),
        ("x = [1 for 1 in y]", "1:12: can't assign to literal"),
    ],
)
def test_invalid_assignment_targets_in_gos_words(src, message):
    assert error(src) == message


@pytest.mark.parametrize(
    ("src", "message"),
    [
        ('load("")', "1:5: load statement must import at least 1 symbol"),
        ('load("", 1)', '1:10: load operand must be "name" or localname="name" (got int literal)'),
        ("load(1, 2)", "1:6: first operand of load statement must be a string literal"),
        ("load()", "1:6: first operand of load statement must be a string literal"),
        ('load(b"m", "x")', "1:6: first operand of load statement must be a string literal"),
        ('load("a", x)', '1:11: load operand must be "x" or x="originalname" (want \'=\' after x)'),
        (
            'load("a", x2=x)',
            '1:14: original name of loaded symbol must be quoted: x2="originalname"',
        ),
        ('load("a", *x)', '1:11: load operand must be "name" or localname="name" (got \'*\')'),
    ],
)
def test_load_statement_errors(src, message):
    assert error(src) == message


def test_load_allows_positional_after_named_as_go_parser_does():
    (s,) = parse('load("a", x2="x", "y")\n').stmts
    assert [n for _, n in s.names] == ["x", "y"]


# -------------------------------------------------------------- indentation


@pytest.mark.parametrize(
    ("src", "message"),
    [
        ("def f():\n  pass\n pass\n", "3:2: unindent does not match any outer indentation level"),
        ("if x:\n    a\n  b\n", "3:3: unindent does not match any outer indentation level"),
        ("  x = 1\n", "1:3: got indent, want primary expression"),
        ("x = 1\n  y = 2\n", "2:3: got indent, want primary expression"),
        ("# c\n  x = 1\n", "2:3: got indent, want primary expression"),
        ("def f():\nreturn 1\n", "2:7: got return, want indent"),
    ],
)
def test_indentation_errors(src, message):
    assert error(src) == message


def test_blank_and_comment_lines_do_not_affect_indentation():
    f = parse("def f():\n  x = 1\n\n# flush-left comment\n      # deep comment\n  y = 2\n")
    assert len(f.stmts[0].function.body) == 2


# ------------------------------------------------------------------ nesting


@pytest.mark.parametrize(
    "src",
    [
        "x = " + "(" * 10000 + "1" + ")" * 10000,
        "x = " + "[" * 10000 + "]" * 10000,
        "x = " + "{" * 10000,
        "x = " + "f(" * 10000,
    ],
)
def test_deeply_nested_brackets_are_a_positioned_error(src):
    opens = [i for i, c in enumerate(src) if c in "([{"]
    assert error(src) == f"1:{opens[parser.MAX_NESTING] + 1}: nesting too deep"


def test_nesting_up_to_the_limit_parses():
    n = parser.MAX_NESTING
    e = expr("(" * n + "1" + ")" * n)
    for _ in range(n - 1):
        e = e.x
    assert e.x.value == 1


@pytest.mark.parametrize(
    "src",
    [
        "x = " + "-" * 5000 + "1",
        "x = 1" + " + 1" * 5000,
        "x = " + "not " * 3000 + "x",
        "x = a" + ".b" * 3000,
        "x = f" + "()" * 3000,
        "x = " + "lambda: " * 2000 + "1",
        "x = 1" + " if a else 1" * 2000,
        "if a: pass\n" + "elif b: pass\n" * 2000,
    ],
)
def test_deep_trees_without_brackets_are_a_positioned_error_not_a_recursion_error(src):
    assert error(src).endswith("nesting too deep")


def test_deep_indentation_is_a_positioned_error():
    src = "".join(" " * i + "if x:\n" for i in range(parser.MAX_INDENT + 5)) + "pass\n"
    assert error(src) == f"{parser.MAX_INDENT + 2}:{parser.MAX_INDENT + 2}: nesting too deep"


def test_deep_trees_inside_deep_blocks_are_found():
    body = "".join(" " * i + "def f():\n" for i in range(1, 12))
    src = "def f():\n" + body + " " * 12 + "x = " + "-" * 450 + "1\n"
    assert error(src).endswith("nesting too deep")


def test_long_elif_chains_inside_blocks_are_found():
    src = "def f():\n  if a: pass\n" + "  elif b: pass\n" * 450
    assert error(src).endswith("nesting too deep")
    parse("def f():\n  if a: pass\n" + "  elif b: pass\n" * 100)


def test_long_but_shallow_statements_parse():
    e = expr("[" + ", ".join(["1"] * 3000) + "]")
    assert len(e.elts) == 3000
    e = expr("x" + " + 1" * 100)
    assert isinstance(e, BinaryExpr)


def test_float_literals_too_large_to_be_finite_are_errors_but_large_ones_parse():
    assert expr("1.7976931348623157e308").value == 1.7976931348623157e308
    assert not math.isinf(expr("1e308").value)
    assert error("x = 2e308") == "1:10: invalid float literal"  # (as Go: past it)


# ---------------------------------------------------------------- the tables' copy


def test_the_tables_copy_is_what_lark_builds_from_the_grammar():
    from starflow.starlark import _parser_tables

    assert parser._table_data() == _parser_tables.DATA, (
        "grammar/starlark.lark changed: regenerate starflow/starlark/_parser_tables.py with\n"
        "    python -c 'from starflow.starlark import parser; parser.write_tables()'"
    )


def test_the_tables_do_not_depend_on_string_hashing():
    import hashlib
    import os
    import subprocess
    import sys

    code = (
        "import hashlib\n"
        "from starflow.starlark import parser\n"
        "print(hashlib.sha256(repr(parser._table_data()).encode()).hexdigest())\n"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1
    assert hashlib.sha256(b"").hexdigest() not in digests


def test_a_changed_grammar_is_built_by_lark_not_read_from_the_copy(monkeypatch):
    from starflow.starlark import _parser_tables

    text = parser.grammar_text() + "\n// a comment: another grammar's text\n"
    monkeypatch.setattr(parser, "grammar_text", lambda: text)
    data = parser._load_data()
    assert data is not _parser_tables.DATA
    assert data["grammar"] == parser._grammar_hash(text) != _parser_tables.DATA["grammar"]
    tables = parser._Tables(data)
    src = "def f(x, *a, **k):\n    return [y for y in x if y] + a[1:2]\n"
    tokens, fail, _ = parser._tokenize(src, tables)
    got = parser._run(tokens, fail, src, tables)
    want = parser.parse("t.star", src).stmts
    assert repr(got) == repr(want)  # (nodes compare by identity; their repr shows every field)
    assert "ListComp" in repr(want) or "Comprehension" in repr(want)
