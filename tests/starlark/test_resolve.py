"""The resolver: scopes, and every static error of a file reported at once."""

import pytest

from starflow.starlark import StarlarkSyntaxError, check


def errors(src: str, options=()) -> list[str]:
    with pytest.raises(StarlarkSyntaxError) as info:
        check("t.star", src, options=options)
    return [f"{p.line}:{p.col}: {m}" for p, m in info.value.errors]


@pytest.mark.parametrize(
    ("src", "message"),
    [
        ("f(a=1, b)", "1:8: positional argument may not follow named"),
        ("f(*a, b)", "1:7: positional argument may not follow *args"),
        ("f(**a, b)", "1:8: positional argument may not follow **kwargs"),
        ("f(**a, b=1)", "1:8: keyword argument may not follow **kwargs"),
        ("f(*a, b=1)", "1:7: keyword argument may not follow *args"),
        ("f(**k, *a)", "1:8: *args may not follow **kwargs"),
        ("f(*a, *b)", "1:7: multiple *args not allowed"),
        ("f(**a, **b)", "1:8: multiple **kwargs not allowed"),
        ("f(a=1, a=2)", '1:8: keyword argument "a" is repeated'),
    ],
)
def test_call_argument_order_is_checked_with_gos_messages(src, message):
    prelude = "def f(*args, **kwargs): pass\na, b, k = 1, 2, 3\n"
    assert errors(prelude + src) == ["3:" + message.split(":", 1)[1]]


def test_every_static_error_of_a_file_is_reported_at_once():
    # in Go's order (its first is starlark-go's error): what the walk of the
    # statements finds, then the undefined names as its resolver reaches
    # them, the functions' before the top level's
    src = "x = y\nz = w\ndef f():\n    return q\nbreak\n"
    assert errors(src) == [
        "5:1: break not in a loop",
        "4:12: undefined: q",
        "1:5: undefined: y",
        "2:5: undefined: w",
    ]


def test_undefined_name_gets_a_did_you_mean_hint():
    assert errors("alpha = 1\nprint(alpah)\n") == ["2:7: undefined: alpah (did you mean alpha?)"]


def test_reassigning_a_global_needs_the_globalreassign_option():
    assert errors("x = 1\nx = 2\n") == ["2:1: cannot reassign global x declared at t.star:1:1"]
    check("t.star", "x = 1\nx = 2\n", options={"globalreassign"})


def test_top_level_control_flow_needs_toplevelcontrol():
    src = "if True:\n    pass\nfor x in []:\n    pass\n"
    assert errors(src) == [
        "1:1: if statement not within a function",
        "3:1: for loop not within a function",
    ]
    check("t.star", src, options={"toplevelcontrol"})


def test_while_needs_the_while_option():
    src = "def f():\n    while True:\n        break\n"
    assert errors(src) == ["2:5: this Starlark dialect does not support while loops"]
    check("t.star", src, options={"while"})


def test_set_needs_the_set_option():
    assert errors("s = set()\n") == ["1:5: this Starlark dialect does not support sets"]
    check("t.star", "s = set()\n", options={"set"})


def test_parameter_lists_are_checked():
    assert errors("def f(a=1, b): pass\n") == ["1:12: required parameter may not follow optional"]
    assert errors("def f(a, a): pass\n") == ["1:10: duplicate parameter: a"]
    assert errors("def f(*): pass\n") == ["1:7: bare * must be followed by keyword-only parameters"]


def test_functions_may_refer_to_globals_defined_later():
    check("t.star", "def f():\n    return g()\ndef g():\n    return 1\n")


def test_comprehension_variables_do_not_leak():
    assert errors("def f():\n    [x for x in [1]]\n    return x\n") == ["3:12: undefined: x"]


def test_predeclared_names_resolve():
    check("t.star", "y = ext + 1\n", predeclared={"ext": 1})
    assert errors("y = ext + 1\n") == ["1:5: undefined: ext"]


def test_did_you_mean_as_go_guesses():
    # (each checked against starlark-go) Go's candidates are the names of the
    # module and of the blocks around the use, where a function's block also
    # holds the names its earlier uses looked up there: a universal name
    # used before in the same function is one, one used at the top level
    # is not, and neither is one never used
    assert errors("out = Tru\n") == ["1:7: undefined: Tru"]
    assert errors("x = int(1)\nout = in2\n") == ["2:7: undefined: in2"]
    assert errors("def f():\n    x = str(1)\n    return sor\n") == [
        "3:12: undefined: sor (did you mean str?)"
    ]
    assert errors("def f():\n    return sor\ndef g():\n    return str(1)\n") == [
        "2:12: undefined: sor"
    ]
    # a function's inner functions are resolved first, and a comprehension's
    # uses are its function's, in order
    assert errors("def f():\n    def g():\n        return str(1)\n    return sor\n") == [
        "4:12: undefined: sor (did you mean str?)"
    ]
    assert errors("def f(s):\n    x = str(1)\n    return [sor for y in s]\n") == [
        "3:13: undefined: sor (did you mean str?)"
    ]


def test_an_undefined_name_is_reported_once_per_function_as_go():
    # Go memoizes a name looked up in a function's block, undefined too: a
    # later use there (or in the function around an inner one) finds it and
    # reports nothing; at the top level nothing is memoized
    src = (
        "def f():\n    return q + q\n"
        "def g():\n    def h():\n        return q\n    return q\n"
        "x = q\ny = q\n"
    )
    assert errors(src) == [
        "2:12: undefined: q",
        "5:16: undefined: q",
        "7:5: undefined: q",
        "8:5: undefined: q",
    ]
