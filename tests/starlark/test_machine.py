"""Behaviour of the machine: exec_file, built-ins, Function values, steps, errors, load, options.

These tests go through the public API only (`starflow.starlark`) and check what
an embedder sees: returned globals, error messages, call stacks and positions.
"""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from starflow.starlark import (
    Dict,
    EvalError,
    Function,
    List,
    StarlarkError,
    StarlarkSyntaxError,
    check,
    exec_file,
    machine,
    to_python,
)
from starflow.starlark import parser as sl_parser
from starflow.starlark.errors import InternalError


def run(src: str, **kw):
    return exec_file("t.star", src, **kw)


def eval_error(src: str, **kw) -> EvalError:
    with pytest.raises(EvalError) as info:
        run(src, **kw)
    return info.value


def frames(err: EvalError) -> list[tuple[str, int, int]]:
    return [(f.name, f.line, f.col) for f in err.stack]


# ---------------------------------------------------------------- globals and freezing


def test_exec_file_returns_the_globals_in_binding_order():
    g = run("b = 1\na = [2]\nc = {'k': 3}\ndef f():\n    pass\nb2 = b + 1\n")
    assert list(g) == ["b", "a", "c", "f", "b2"]
    assert to_python(g["a"]) == [2]
    assert to_python(g["c"]) == {"k": 3}
    assert isinstance(g["f"], Function)


def test_only_globals_that_were_bound_are_returned():
    g = run("def f():\n    return 1\nx = f()\n", options=["toplevelcontrol"])
    assert set(g) == {"f", "x"}
    g = run("if False:\n    unbound = 1\nbound = 2\n", options=["toplevelcontrol"])
    assert g == {"bound": 2}


def test_returned_list_is_frozen_for_a_later_script():
    g = run("a = [1]\n")
    e = eval_error("a.append(2)\n", predeclared={"a": g["a"]})
    assert "frozen" in e.msg
    assert e.msg == "append: cannot append to frozen list"
    assert to_python(g["a"]) == [1]


def test_returned_dict_and_nested_values_are_frozen():
    g = run("d = {'k': [1]}\n")
    e = eval_error("d['x'] = 1\n", predeclared=g)
    assert "frozen" in e.msg
    e = eval_error("d['k'].append(2)\n", predeclared=g)
    assert "frozen" in e.msg


def test_returned_function_still_sees_its_frozen_globals():
    g = run("acc = []\ndef add(x):\n    acc.append(x)\n")
    with pytest.raises(EvalError, match="frozen"):
        g["add"](1)


def test_freeze_false_keeps_the_globals_mutable():
    g = run("a = [1]\nd = {}\n", freeze=False)
    g["a"].append(3)
    assert to_python(g["a"]) == [1, 3]
    g2 = run("a.append(4)\nd['k'] = 1\n", predeclared=g)
    assert g2 == {}
    assert to_python(g["a"]) == [1, 3, 4]
    assert to_python(g["d"]) == {"k": 1}


# ---------------------------------------------------------------- predeclared built-ins


def test_predeclared_callable_is_called_with_starlark_values():
    seen = []

    def probe(x, y=None, **kwargs):
        seen.append((x, y, kwargs))
        return len(x)

    g = run("r = probe([1, 2], y={'a': 1}, z=(1,))\n", predeclared={"probe": probe})
    assert g["r"] == 2
    [(x, y, kwargs)] = seen
    assert type(x) is List
    assert type(y) is Dict
    assert kwargs == {"z": (1,)}


def test_predeclared_callable_is_a_builtin_in_starlark():
    def host():
        return None

    g = run("t = type(host)\n", predeclared={"host": host})
    assert g["t"] == "builtin_function_or_method"


def test_predeclared_callable_wrong_arguments_are_reported_in_go_words():
    def needs(x, *, y=0):
        return x

    e = eval_error("needs()\n", predeclared={"needs": needs})
    assert e.msg == "needs: missing argument for x"
    e = eval_error("needs(1, z=2)\n", predeclared={"needs": needs})
    assert e.msg == 'needs: unexpected keyword argument "z"'


def test_exception_in_a_predeclared_callable_is_an_eval_error_of_that_call():
    def boom():
        raise ValueError("boom")

    src = "def g():\n    boom()\ng()\n"
    e = eval_error(src, predeclared={"boom": boom})
    assert not isinstance(e, InternalError)
    assert e.msg == "boom"
    assert frames(e) == [("<toplevel>", 3, 2), ("g", 2, 9)]
    assert str(e) == "t.star:2:9: boom"
    assert isinstance(e.__cause__, ValueError)


def test_exception_in_a_toplevel_predeclared_call_names_the_builtin():
    def bad():
        raise KeyError("nope")

    e = eval_error("x = bad()\n", predeclared={"bad": bad})
    assert frames(e) == [("<toplevel>", 1, 8)]
    assert e.function == "bad"
    assert e.backtrace().splitlines()[-1].startswith("Error in bad: ")


# ---------------------------------------------------------------- Function values from Python


def test_starlark_function_is_callable_from_python_with_native_args():
    g = run("def f(x, y):\n    return x + y\ndef t(v):\n    return type(v)\n")
    r = g["f"]([1], [2])
    assert type(r) is List
    assert to_python(r) == [1, 2]
    assert g["f"](2**70, -1) == 2**70 - 1
    assert g["t"]({"a": [1]}) == "dict"
    assert g["t"]((1, 2)) == "tuple"
    assert g["t"]([1]) == "list"


def test_starlark_function_from_python_accepts_keywords_and_defaults():
    g = run("def two(a, b=2, *, c=3):\n    return [a, b, c]\n")
    assert to_python(g["two"](1)) == [1, 2, 3]
    assert to_python(g["two"](1, c=[{"a": (1, 2)}])) == [1, 2, [{"a": (1, 2)}]]


def test_starlark_function_from_python_can_call_back_into_python():
    g = run("def cb(f, x):\n    return f(x) + 1\n")
    assert g["cb"](lambda x: x * 2, 20) == 41


def test_error_in_a_starlark_function_called_from_python_has_a_stack():
    g = run("def h(x):\n    return g(x)\ndef g(x):\n    return 1 // x\n")
    with pytest.raises(EvalError) as info:
        g["h"](0)
    e = info.value
    assert not isinstance(e, InternalError)
    assert e.msg == "floored division by zero"
    assert frames(e) == [("h", 2, 13), ("g", 4, 14)]
    assert e.backtrace() == (
        "Traceback (most recent call last):\n"
        "  t.star:2:13: in h\n"
        "  t.star:4:14: in g\n"
        "Error: floored division by zero"
    )


def test_starlark_function_called_from_python_with_wrong_arguments_is_an_eval_error():
    g = run("def two(a, b=2):\n    return a\n")
    with pytest.raises(EvalError) as info:
        g["two"]()
    assert not isinstance(info.value, InternalError)
    assert info.value.msg == "function two missing 1 argument (a)"


def test_a_function_that_failed_can_be_called_again():
    g = run("def f(x):\n    return 1 // x\n")
    for _ in range(2):
        with pytest.raises(EvalError, match="division by zero"):
            g["f"](0)
    assert g["f"](1) == 1  # no stale "called recursively" after an error


def test_builtin_calling_back_a_starlark_function_keeps_the_whole_stack():
    def apply(f, x):
        return f(x)

    src = "def h():\n    return apply(lambda x: 1 // x, 0)\nh()\n"
    e = eval_error(src, predeclared={"apply": apply})
    # the built-in's own frame too, between its caller and its callback (as Go)
    want = [("<toplevel>", 3, 2), ("h", 2, 17), ("apply", 0, 0), ("lambda", 2, 30)]
    assert frames(e) == want
    assert "\n  <builtin>: in apply\n" in e.backtrace()
    assert run("r = apply(lambda x: x * 2, 4)\n", predeclared={"apply": apply})["r"] == 8


def test_running_out_of_memory_is_an_eval_error_with_the_stack():
    # no budget bounds memory: Python's MemoryError, wherever it comes from,
    # is the script's error, not an internal one
    def grow(n):
        raise MemoryError

    src = "def f():\n    return grow(1)\nf()\n"
    e = eval_error(src, predeclared={"grow": grow})
    assert type(e) is EvalError
    assert e.msg == "out of memory"
    assert frames(e) == [("<toplevel>", 3, 2), ("f", 2, 16)]


def test_recursion_through_a_builtin_is_still_called_recursively():
    def apply(f):
        return f()

    src = "def f():\n    return apply(f)\nf()\n"
    e = eval_error(src, predeclared={"apply": apply})
    assert e.msg == "function f called recursively"


def test_the_same_function_may_run_in_two_python_threads_at_once():
    barrier = threading.Barrier(2, timeout=5)

    def rendezvous():
        barrier.wait()  # both threads are inside f at the same time
        return 1

    g = run("def f():\n    return rendezvous()\n", predeclared={"rendezvous": rendezvous})
    results: list = []

    def worker():
        try:
            results.append(g["f"]())
        except StarlarkError as e:
            results.append(e.msg)
            barrier.abort()  # release the other thread at once

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == [1, 1]


def test_recursion_is_caught_while_another_python_thread_runs_the_function():
    entered, release = threading.Event(), threading.Event()

    def wait():
        entered.set()
        assert release.wait(5)
        return 7

    src = "def f(n):\n    if n == 0:\n        return wait()\n    return f(n - 1)\n"
    g = run(src, predeclared={"wait": wait})
    results: list = []
    other = threading.Thread(target=lambda: results.append(g["f"](0)))
    other.start()
    try:
        assert entered.wait(5)  # the other thread is inside f, holding its flag
        with pytest.raises(StarlarkError) as e:
            g["f"](1)  # a real re-entry, in this thread
        assert e.value.msg == "function f called recursively"
        # at the inner call, then in the re-entered frame (as Go), not on entry
        assert frames(e.value) == [("f", 4, 13), ("f", 2, 8)]
    finally:
        release.set()
        other.join(10)
    assert results == [7]


# ---------------------------------------------------------------- steps


def test_max_steps_stops_a_huge_loop_quickly():
    src = "def f():\n    for i in range(1000000000):\n        pass\nf()\n"
    t0 = time.perf_counter()
    e = eval_error(src, max_steps=10_000)
    assert time.perf_counter() - t0 < 1.0
    assert "too many steps" in e.msg
    assert frames(e)[0][0] == "<toplevel>"
    assert frames(e)[-1][0] == "f"


def test_max_steps_applies_to_toplevel_loops():
    src = "for i in range(1000000000):\n    pass\n"
    e = eval_error(src, max_steps=1000, options=["toplevelcontrol"])
    assert "too many steps" in e.msg


def test_small_script_under_a_generous_budget_succeeds():
    src = "def f():\n    t = 0\n    for i in range(100):\n        t += i\n    return t\nr = f()\n"
    assert run(src, max_steps=1_000_000)["r"] == 4950


def test_calls_count_as_steps():
    loop_only = "def g():\n    for i in range(1000):\n        pass\ng()\n"
    run(loop_only, max_steps=1500)  # 1000 iterations + 1 call: fits
    # f calls a function: its calls are steps (the top level, g, 1000
    # iterations, 1000 calls of f; h, which calls nothing, is no step)
    with_calls = "def h():\n    pass\ndef f():\n    h()\n"
    with_calls += "def g():\n    for i in range(1000):\n        f()\ng()\n"
    e = eval_error(with_calls, max_steps=1500)
    assert "too many steps" in e.msg
    run(with_calls, max_steps=2002)
    with pytest.raises(EvalError, match="too many steps"):
        run(with_calls, max_steps=2001)


def test_a_call_of_a_function_without_loops_or_calls_is_not_a_step():
    # its work is bounded by its size, as a statement's is
    leaf = (
        "def f(x):\n    return x * 2 + 1\ndef g():\n    for i in range(1000):\n        f(i)\ng()\n"
    )
    run(leaf, max_steps=1002)  # the top level, g, and 1000 iterations


def test_a_key_function_costs_a_step_per_element():
    # the top level and 1000 elements (g and k have no loop and no call site)
    src = "def k(x):\n    return -x\ndef g():\n    return sorted(range(1000), key=k)\ng()\n"
    run(src, max_steps=1001)
    with pytest.raises(EvalError, match="too many steps"):
        run(src, max_steps=1000)
    src = "def g():\n    return max(range(1000000), key=lambda x: x)\ng()\n"
    t0 = time.perf_counter()
    with pytest.raises(EvalError, match="too many steps"):
        run(src, max_steps=10_000)
    assert time.perf_counter() - t0 < 1.0


def _iterations_within(src: str, budget: int) -> int:
    """How many times `src` printed before it ran out of `budget` steps (or finished)."""
    out: list[str] = []
    try:
        run(src, max_steps=budget, print=out.append)
    except EvalError as e:
        if "too many steps" not in e.msg:
            raise
    return len(out)


@pytest.mark.parametrize(
    ("loop", "steps_before", "steps_after"),
    [
        # paid up front when the budget allows
        ("    for i in range(50):\n        print(i)\n", 1, 0),
        (
            "    for i in range(50):\n        print(i)\n        if i > 99:\n            break\n",
            1,
            0,
        ),
        (
            "    for i in range(50):\n        print(i)\n        if i > 99:\n            return\n",
            1,
            0,
        ),
        ("    x = [print(i) for i in range(50)]\n", 1, 0),
        # g is a leaf: its call is no step (and no call site: g cannot suspend)
        ("    x = [g(print(i)) for i in range(50)]\n", 1, 0),
        # h calls g through a local, which might suspend: a call site (a
        # counted loop), and a call of h is a step after the print
        ("    x = [h(print(i)) for i in range(50)]\n", 1, 1),
    ],
)
def test_every_kind_of_loop_stops_at_the_same_step_for_each_budget(loop, steps_before, steps_after):
    # 1 step for the top level, 1 for the call of f, then per iteration
    # `steps_before` the print and `steps_after` it: whether a loop pays up
    # front or counts each iteration, the budget runs out at the same print.
    src = (
        "def g(x):\n    return x\ndef h(x):\n    k = g\n    return k(x)\ndef f():\n"
        + loop
        + "f()\n"
    )
    per = steps_before + steps_after
    for budget in [1, 2, 3, 4, 10, 30, 51, 52, 53, 101, 102, 200]:
        # the k-th print comes after 2 + per * (k - 1) + steps_before steps
        want = min(50, max(0, (budget - 2 - steps_before) // per + 1))
        assert _iterations_within(src, budget) == want, budget


def test_a_loop_calling_a_def_that_cannot_suspend_needs_the_same_total_budget():
    # h calls g directly: neither can suspend, so the comprehension is no
    # counted loop and pays for its 50 elements up front; the calls of h
    # then take their steps. Short of steps it may stop sooner than a
    # per-iteration count would (as nested loops do), but finishing takes
    # the same budget: top level + f + 50 elements + 50 calls of h.
    src = (
        "def g(x):\n    return x\ndef h(x):\n    return g(x)\n"
        "def f():\n    return [h(i) for i in range(50)]\nf()\n"
    )
    run(src, max_steps=102)
    with pytest.raises(EvalError, match="too many steps"):
        run(src, max_steps=101)


def test_nested_loops_that_pay_up_front_need_the_same_total_budget():
    # The outer loop pays for its 50 iterations when it starts, so when the
    # budget runs short it may stop before the same print as per-iteration
    # counting would (docs/internals.md, "Steps"); but it finishes with
    # exactly the budget it needs: 2 + 50 outer + 50 * 3 inner steps.
    for loop in (
        "    for i in range(50):\n        for j in range(3):\n            print(j)\n",
        "    x = [print(j) for i in range(50) for j in range(3)]\n",
    ):
        src = "def f():\n" + loop + "f()\n"
        assert _iterations_within(src, 202) == 150
        assert _iterations_within(src, 201) < 150


def test_a_comprehension_over_a_huge_range_is_cancelled_quickly():
    t0 = time.perf_counter()
    e = eval_error("def f():\n    return [0 for _ in range(1000000000)]\nf()\n", max_steps=10_000)
    assert time.perf_counter() - t0 < 1.0
    assert "too many steps" in e.msg
    e = eval_error("x = [0 for _ in range(10) for _ in range(1000000000)]\n", max_steps=10_000)
    assert "too many steps" in e.msg


def test_a_loaded_module_shares_the_budget_of_the_loading_thread():
    heavy = "def f():\n    for i in range(100000):\n        pass\nf()\n"

    def loader(name):
        return exec_file(name, heavy)

    e = eval_error('load("heavy.star", "f")\n', load=loader, max_steps=1000)
    assert "too many steps" in e.msg


# ---------------------------------------------------------------- runtime error stacks


THREE_DEEP = """\
def a():
    return b()

def b():
    x = 1
    return c(x)

def c(x):
    return x // 0

a()
"""


def test_three_deep_call_chain_gives_four_frames_with_positions():
    e = eval_error(THREE_DEEP)
    assert frames(e) == [
        ("<toplevel>", 11, 2),
        ("a", 2, 13),
        ("b", 6, 13),
        ("c", 9, 14),
    ]
    assert [f.file for f in e.stack] == ["t.star"] * 4
    assert e.msg == "floored division by zero"
    assert str(e) == "t.star:9:14: floored division by zero"


def test_backtrace_is_rendered_as_go_does():
    e = eval_error(THREE_DEEP)
    assert e.backtrace() == (
        "Traceback (most recent call last):\n"
        "  t.star:11:2: in <toplevel>\n"
        "  t.star:2:13: in a\n"
        "  t.star:6:13: in b\n"
        "  t.star:9:14: in c\n"
        "Error: floored division by zero"
    )


def test_backtrace_names_the_failing_builtin():
    e = eval_error("def f():\n    return len(1)\nf()\n")
    assert e.msg == "len: value of type int has no len"
    lines = e.backtrace().splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[1:3] == ["  t.star:3:2: in <toplevel>", "  t.star:2:15: in f"]
    assert lines[-1] in {
        "Error in len: len: value of type int has no len",
        "Error: len: value of type int has no len",
    }


def test_error_in_a_comprehension_is_reported_in_the_enclosing_function():
    src = "def f():\n    return [1 // x for x in [1, 0]]\nf()\n"
    e = eval_error(src)
    assert frames(e) == [("<toplevel>", 3, 2), ("f", 2, 15)]
    assert e.msg == "floored division by zero"


def test_error_in_a_toplevel_comprehension_is_reported_in_toplevel():
    e = eval_error("xs = [0]\ny = {k: 1 // k for k in xs}\n")
    assert frames(e) == [("<toplevel>", 2, 11)]


def test_error_in_a_lambda_names_the_frame_lambda():
    e = eval_error("f = lambda x: 1 // x\nf(0)\n")
    assert frames(e) == [("<toplevel>", 2, 2), ("lambda", 1, 17)]


def test_global_variable_referenced_before_assignment():
    e = eval_error("def f():\n    return x\nf()\nx = 1\n")
    assert e.msg == "global variable x referenced before assignment"
    assert frames(e) == [("<toplevel>", 3, 2), ("f", 2, 12)]


def test_local_variable_referenced_before_assignment():
    e = eval_error("def f():\n    if False:\n        y = 1\n    return y\nf()\n")
    assert e.msg == "local variable y referenced before assignment"
    assert frames(e)[-1] == ("f", 4, 12)


def test_captured_variable_referenced_before_assignment():
    src = "def f():\n    g = lambda: y\n    g()\n    y = 1\nf()\n"
    e = eval_error(src)
    assert e.msg == "local variable y referenced before assignment"


# ---------------------------------------------------------------- recursion


def test_deep_recursion_with_the_option_is_call_stack_too_deep():
    src = "def f(n):\n    return 0 if n == 0 else f(n - 1)\nr = f(100000)\n"
    with pytest.raises(StarlarkError) as info:
        run(src, options=["recursion"])
    e = info.value
    assert type(e) is EvalError
    assert "call stack too deep" in e.msg
    assert e.stack
    assert all(f.name in {"f", "<toplevel>"} for f in e.stack)


def test_moderate_recursion_with_the_option_works():
    src = "def f(n):\n    return 0 if n == 0 else 1 + f(n - 1)\nr = f(200)\n"
    assert run(src, options=["recursion"])["r"] == 200


def test_recursion_without_the_option_is_called_recursively():
    e = eval_error("def f(n):\n    return 0 if n == 0 else f(n - 1)\nf(3)\n")
    assert e.msg == "function f called recursively"
    # the re-entered frame too, at its entry (as Go)
    assert frames(e) == [("<toplevel>", 3, 2), ("f", 2, 30), ("f", 2, 17)]


def test_mutual_recursion_without_the_option_is_called_recursively():
    src = "def a(n):\n    return b(n)\ndef b(n):\n    return a(n)\na(1)\n"
    e = eval_error(src)
    assert e.msg == "function a called recursively"


# ---------------------------------------------------------------- load


LIB = "x = 1\ny = [2]\ndef f():\n    return x + 1\n_private = 3\n"


def lib_loader(name):
    sources = {"lib.star": LIB, "mid.star": 'load("lib.star", "f")\nz = f() * 10\n'}
    if name not in sources:
        raise FileNotFoundError(f"no module {name}")
    return exec_file(name, sources[name], load=lib_loader)


def test_load_callback_that_execs_a_module():
    g = run('load("lib.star", "x", g="f")\nr = g() + x\n', load=lib_loader)
    assert g == {"r": 3}


def test_load_is_transitive_through_the_callback():
    g = run('load("mid.star", "z")\nr = z + 1\n', load=lib_loader)
    assert g["r"] == 21


def test_loaded_names_are_not_exported():
    g = run('load("lib.star", "x", "y")\nr = x\n', load=lib_loader)
    assert "x" not in g
    assert "y" not in g
    assert list(g) == ["r"]


def test_loaded_values_are_frozen():
    e = eval_error('load("lib.star", "y")\ny.append(3)\n', load=lib_loader)
    assert "frozen" in e.msg


def test_loading_a_missing_name_is_an_error():
    e = eval_error('load("lib.star", "nope")\n', load=lib_loader)
    assert e.msg == "load: name nope not found in module lib.star"
    assert frames(e)[0][0] == "<toplevel>"
    assert e.stack[0].line == 1


def test_a_loader_that_raises_is_an_error_of_the_load_statement():
    e = eval_error('x = 1\nload("other.star", "a")\n', load=lib_loader)
    assert not isinstance(e, InternalError)
    assert e.msg.startswith("cannot load other.star")
    assert "no module other.star" in e.msg
    assert frames(e) == [("<toplevel>", 2, 1)]


def test_error_inside_a_loaded_module_is_an_error_of_the_load():
    def loader(name):
        return exec_file(name, "x = 1 // 0\n")

    e = eval_error('load("bad.star", "x")\n', load=loader)
    assert e.msg.startswith("cannot load bad.star")
    assert "division by zero" in e.msg


def test_load_without_a_load_callback_is_an_error():
    e = eval_error('load("lib.star", "x")\n')
    assert e.msg == "cannot load lib.star: no load function"


def test_loading_a_private_name_is_a_static_error():
    with pytest.raises(StarlarkSyntaxError, match="leading underscore"):
        run('load("lib.star", "_private")\n', load=lib_loader)


# ---------------------------------------------------------------- print


def test_print_hook_receives_each_line():
    lines: list[str] = []
    g = run('print("a", 1)\nprint([1], "b", sep="-")\nprint()\n', print=lines.append)
    assert g == {}
    assert lines == ["a 1", "[1]-b", ""]


def test_a_function_called_from_python_after_exec_file_prints_to_stdout(capsys):
    lines: list[str] = []
    g = run('def f(x):\n    print("got", x)\n', print=lines.append)
    g["f"](3)  # a new thread: the hook of the finished exec_file does not apply
    assert lines == []
    assert capsys.readouterr().out == "got 3\n"


def test_default_print_goes_to_stdout(capsys):
    run('print("hello", "world")\nprint(struct_like)\n', predeclared={"struct_like": (1, "a")})
    assert capsys.readouterr().out == 'hello world\n(1, "a")\n'


def test_print_in_a_loaded_module_uses_the_hook_of_the_loading_thread():
    lines: list[str] = []

    def loader(name):
        return exec_file(name, 'print("loading")\nx = 1\n')

    run('load("m.star", "x")\nprint("x", x)\n', load=loader, print=lines.append)
    assert lines == ["loading", "x 1"]


# ---------------------------------------------------------------- dialect options


OPTION_PROGRAMS = {
    "set": ("s = set([1, 2])\n", "does not support sets"),
    "while": (
        "def f():\n    n = 0\n    while n < 3:\n        n += 1\n    return n\nr = f()\n",
        "does not support while loops",
    ),
    "globalreassign": ("x = 1\nx = 2\n", "cannot reassign global x"),
    "toplevelcontrol": ("for i in [1]:\n    x = i\n", "for loop not within a function"),
}


@pytest.mark.parametrize("option", sorted(OPTION_PROGRAMS))
def test_dialect_option_off_is_a_static_error_and_on_runs(option):
    src, msg = OPTION_PROGRAMS[option]
    with pytest.raises(StarlarkSyntaxError, match=msg):
        run(src)
    with pytest.raises(StarlarkSyntaxError, match=msg):
        check("t.star", src)
    run(src, options=[option])
    check("t.star", src, options=[option])


def test_recursion_option_off_is_a_runtime_error_and_on_runs():
    src = "def f(n):\n    return 0 if n == 0 else f(n - 1)\nr = f(3)\n"
    with pytest.raises(EvalError, match="called recursively"):
        run(src)
    assert run(src, options=["recursion"])["r"] == 0


def test_options_may_be_combined():
    src = "x = 0\nfor i in range(3):\n    x = x + i\ns = set([x])\n"
    g = run(src, options=["toplevelcontrol", "globalreassign", "set"])
    assert g["x"] == 3


def test_unknown_option_name_raises_value_error():
    with pytest.raises(ValueError, match="bogus"):
        run("x = 1\n", options=["bogus"])
    with pytest.raises(ValueError, match="bogus"):
        check("t.star", "x = 1\n", options=["set", "bogus"])


# ---------------------------------------------------------------- compile cache


def test_second_exec_of_the_same_source_does_not_reparse(monkeypatch):
    calls = []
    real = sl_parser.parse

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(sl_parser, "parse", spy)
    src = f"# {uuid.uuid4()}\nx = [1, 2]\ny = len(x)\n"
    g1 = run(src)
    g2 = run(src)
    assert len(calls) == 1
    assert g1["y"] == g2["y"] == 2
    assert g1["x"] is not g2["x"]  # each run gets fresh values


def test_cache_distinguishes_filename_and_options(monkeypatch):
    calls = []
    real = sl_parser.parse

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(sl_parser, "parse", spy)
    src = f"# {uuid.uuid4()}\nx = 1\n"
    exec_file("a.star", src)
    exec_file("b.star", src)
    exec_file("b.star", src, options=["set"])
    exec_file("b.star", src, options=["set"])
    assert len(calls) == 3


def test_syntax_error_reports_every_error_with_positions():
    with pytest.raises(StarlarkSyntaxError) as info:
        run("x = y\nz = w\n")
    e = info.value
    assert (e.filename, e.line, e.col) == ("t.star", 1, 5)
    assert [(p.line, p.col, m) for p, m in e.errors] == [
        (1, 5, "undefined: y"),
        (2, 5, "undefined: w"),
    ]


# ---------------------------------------------------------------- no Python exception escapes


BAD_PROGRAMS = [
    # type errors
    '1 + "a"',
    '"a" - 1',
    "[] + ()",
    "{} + {}",
    "None + 1",
    '1 < "a"',
    "[1] < (1,)",
    '-"a"',
    "~1.5",
    '[1, 2] < [1, "a"]',
    "sorted([1, 'a'])",
    "x = 1\nx.foo",
    '"a".nope()',
    # bad indexes
    "[1, 2][5]",
    "[1][-3]",
    '"abc"[10]',
    '{}["k"]',
    "[1][None]",
    '"abc"[1 << 100]',
    "[1, 2, 3][::0]",
    "range(10)[100]",
    # bad calls
    "(1)()",
    "None()",
    "len(1)",
    "len()",
    "len([], [])",
    "def f(a):\n    pass\nf()",
    "def f(a):\n    pass\nf(1, 2)",
    "def f(a):\n    pass\nf(b=1)",
    "def f(*args):\n    return args\nx = f(*1)",
    "def f(**kw):\n    return kw\nx = f(**{1: 2})",
    "[].append()",
    'fail("custom")',
    # unhashable keys
    "{[1]: 2}",
    "set([[1]])",
    "d = {}\nd[{}] = 1",
    "{'a': 1}.get([])",
    # huge values
    '"x" * 1000000000000',
    "[1] * 1000000000000",
    '"a" * (1 << 100)',
    "1 << 1000000",
    "1 << -1",
    # division by zero
    "1 // 0",
    "1 % 0",
    "1 / 0",
    "1.0 / 0.0",
    "1.0 // 0.0",
    "1.0 % 0",
    # conversions
    'int("zz")',
    'int("1", base=99)',
    'float("x")',
    'int(float("inf"))',
    'int(float("nan"))',
    "1.0 * int('1' * 400)",
    "chr(-1)",
    # formatting, strings
    '"%d" % "x"',
    '"%s %s" % (1,)',
    '"{}".format()',
    '"a".join([1])',
    '"abc".split("")',
    # mutation during iteration, unpacking, misc
    "l = [1]\nfor x in l:\n    l.append(2)",
    "d = {1: 2}\nfor k in d:\n    d[3] = 4",
    "a, b = [1]",
    "a, b = 1",
    "x = (1,)\nx[0] = 2",
    "[].pop()",
    "range(1, 2, 0)",
]


@pytest.mark.parametrize("src", BAD_PROGRAMS)
def test_bad_program_raises_only_an_eval_error(src):
    t0 = time.perf_counter()
    with pytest.raises(EvalError) as info:
        run(src, options=["toplevelcontrol", "set", "globalreassign"])
    assert time.perf_counter() - t0 < 2.0
    e = info.value
    assert not isinstance(e, InternalError), str(e)
    assert e.msg
    assert e.stack
    assert e.stack[0].name == "<toplevel>"


def test_int_of_a_long_decimal_string_is_not_an_internal_error():
    g = run('x = int("9" * 5000)\n')
    assert g["x"] == 10**5000 - 1


def test_int_of_a_long_hexadecimal_string_works():
    assert run('x = int("f" * 5000, 16)\n')["x"] == 16**5000 - 1


def test_str_of_a_big_int_works():
    src = (
        "def big():\n    x = 1\n    for i in range(40):\n        x = x * (1 << 500)\n    return x\n"
    )
    src += "s = str(big())\n"
    s = run(src)["s"]
    assert len(s) == 6021  # digits of 2**20000
    assert s.isdigit()
    assert int(s[-12:]) == pow(2, 20000, 10**12)


# ---------------------------------------------------------------- bool is not an int


def test_bool_plus_int_fails():
    e = eval_error("x = True + 1\n")
    assert e.msg == "unknown binary op: bool + int"


def test_bool_does_not_equal_int():
    g = run("a = 1 == True\nb = [1] == [True]\nc = (0,) == (False,)\nd = 1 in [True]\n")
    assert g == {"a": False, "b": False, "c": False, "d": False}


def test_bool_and_int_have_different_types():
    g = run("a = type(True)\nb = type(1)\n")
    assert (g["a"], g["b"]) == ("bool", "int")


def test_recursion_through_a_key_callback_is_still_detected():
    for call in ("sorted(xs, key=f)", "sorted(xs, f)", "max(xs, key=f)"):
        src = f"def f(xs):\n    return {call}\nf([[1], [2]])\n"
        with pytest.raises(EvalError, match="function f called recursively"):
            exec_file("r.star", src)


def test_compiling_leaves_the_garbage_collector_as_it_was():
    import gc

    assert gc.isenabled()
    run("x = 1\n")
    assert gc.isenabled()
    with pytest.raises(StarlarkSyntaxError):
        run("x = \n")
    assert gc.isenabled()
    gc.disable()
    try:
        run("y = 2\n")
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize(
    ("src", "message"),
    [
        (
            "sorted([1, 2], key=lambda a, b: a)",
            "t.star:1:7: function lambda missing 1 argument (b)",
        ),
        ("max([1, 2], key=lambda a, b: a)", "t.star:1:4: function lambda missing 1 argument (b)"),
        ("min([1], key=lambda: 1)", "t.star:1:4: function lambda accepts no arguments (1 given)"),
        ("def f(a, b):\n    return a\nsorted([1], key=f)", "t.star:3:7: function f missing 1"),
    ],
)
def test_a_key_callback_called_with_the_wrong_arguments_says_so(src, message):
    with pytest.raises(EvalError) as info:
        exec_file("t.star", src)
    assert str(info.value).startswith(message)
    assert not isinstance(info.value, InternalError)


def test_min_and_max_with_a_key_pick_the_first_of_equal_elements():
    g = exec_file(
        "t.star",
        "pairs = [(1, 'a'), (0, 'b'), (1, 'c'), (0, 'd')]\n"
        "lo = min(pairs, key=lambda p: p[0])\n"
        "hi = max(pairs, key=lambda p: p[0])\n"
        "mixed = max([1, 2.5, True], key=lambda x: 0)\n"  # keys tie: the first
        "odd = max(['b', 1], key=lambda x: x if type(x) == 'int' else 0)\n",
    )
    assert g["lo"] == (0, "b")
    assert g["hi"] == (1, "a")
    assert g["mixed"] == 1
    assert g["odd"] == 1


def test_a_compile_leaves_no_garbage_for_the_cyclic_gc():
    # Everything a compile builds is freed by reference counting: otherwise
    # the next collection would walk the whole syntax tree (10 ms for
    # bench/workloads/big_generated.star).
    import gc
    import pathlib

    from starflow.starlark import machine

    src = (pathlib.Path(__file__).parents[2] / "bench/workloads/big_generated.star").read_text()
    src += "\ndef extra(xs, f):\n    return [f(y) for x in xs for y in x if y]\n"
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        machine.compile_module("garbage.star", src, (), frozenset())
        assert gc.collect() == 0
    finally:
        machine._CACHE.clear()
        if was:
            gc.enable()


def test_a_def_loaded_by_another_module_keeps_its_recursion_check():
    # `apply` is called once by its own module's top level (cold code there);
    # a module that loads it may still make it call itself through a callback
    lib = (
        "def apply(fns, x):\n    for f in fns:\n        x = f(x)\n    return x\n"
        "ONCE = apply([len], [1, 2])\n"
    )

    def loader(name):
        return exec_file(name, lib)

    src = (
        'load("apply.star", "apply")\n'
        "def again(x):\n    return apply([len], [x])\n"
        "r = apply([again], 1)\n"
    )
    e = eval_error(src, load=loader)
    assert e.msg == "function apply called recursively"


# ---- a sealed compile (exec_file outside a thread: every call a plain call) ----

_SEALED_CASES = [
    # dynamic calls, in loops, comprehensions and lambdas
    "def apply(fns, x):\n    for f in fns:\n        x = f(x)\n    return x\n"
    "def main():\n    fs = [lambda v: v + 1, lambda v: v * 2]\n"
    "    return [apply(fs, i) for i in range(30)]\n",
    "def mk(n):\n    def add(x):\n        return x + n\n    return add\n"
    "def main():\n    out = []\n    for i in range(20):\n        print(i)\n"
    "        out.append(mk(i)(i))\n    return out\n",
    "def g(x):\n    return x\ndef h(x):\n    k = g\n    return k(x)\n"
    "def main():\n    return [h(print(i)) for i in range(50)]\n",
    # method calls on values of unknown type, and their errors
    "def f(x):\n    return x.pop()\ndef main():\n    return [f([1, 2]), f({1: 2}), f('s')]\n",
    "def f(d, k):\n    return d.get(k, 0) + len(d.keys())\n"
    "def main():\n    return [f({'a': 1}, k) for k in ['a', 'b', 1]]\n",
    "def main():\n    xs = [1, 2]\n    for x in xs:\n        g = xs.append\n        g(x)\n"
    "    return xs\n",  # mutation through a bound method: the guard's error
    # errors raised in calls, with their positions
    "def main():\n    f = 1\n    return f(2)\n",
    "def main():\n    return g(1)\nresult = main()\ndef g(a):\n    return a\n",
    "def f(a, b):\n    return a\ndef main():\n    k = f\n    return k(1, 2, 3)\n",
    "def f():\n    return f()\ndef main():\n    k = f\n    return k()\n",  # recursion
]


def _outcome(src: str, budget: int | None) -> tuple:
    """What running `src` gives: its result or error, and what it printed."""
    out: list[str] = []
    try:
        g = exec_file("m.star", src, max_steps=budget, print=out.append)
        return ("ok", to_python(g["result"]), out)
    except StarlarkError as e:
        return ("error", str(e), out)


@pytest.mark.parametrize("src", _SEALED_CASES)
@pytest.mark.parametrize("budget", [None, 7, 40, 10_000])
def test_a_sealed_compile_behaves_as_the_one_with_call_sites(src, budget, monkeypatch):
    # values, errors (with positions) and the step where a budget runs out
    if "result =" not in src:
        src += "result = main()\n"

    def run_once() -> tuple:
        return _outcome(src, budget)

    sealed = run_once()
    plain_compile = machine.compile_module
    monkeypatch.setattr(
        machine,
        "compile_module",
        lambda *a, sealed=False, **k: plain_compile(*a, sealed=False, **k),
    )
    with_sites = run_once()
    assert sealed == with_sites
    cm = plain_compile("m.star", src, (), frozenset(), sealed=True)
    assert not any(cm.sites.values())  # (no call site at all)


_UNCOUNTED_CASES = [
    *_SEALED_CASES,
    # loops that pay up front or count each step, comprehensions (one and
    # several clauses), key callbacks, breaks and errors inside them
    "def main():\n    t = 0\n    for i in range(100):\n        t += i\n"
    "    for x in [1, 2, 3]:\n        if x == 2:\n            break\n        t += x\n"
    "    return [t, [a * b for a in range(4) for b in range(a)], {k: 1 for k in 'ab'}]\n",
    "def main():\n    d = {'b': 2, 'a': 1}\n"
    "    return [sorted(d, key=lambda k: d[k]), max([3, 1], key=lambda v: -v),"
    " [k for k, v in d.items() if v]]\n",
    "def main():\n    xs = [1, 2]\n    return [x for x in xs if xs.append(x)]\n",
    "def main():\n    return [1 // x for x in [1, 0]]\n",
    # a leaf (no step of its own), plain and with a recursion flag
    "def greet(who):\n    return 'hello, ' + who\nresult = greet('w')\n",
    "def leaf(f):\n    return sorted([2, 1], key=f)\nresult = leaf(lambda v: -v)\n",
]


def _code_names(co) -> set[str]:
    names = set(co.co_names)
    for k in co.co_consts:
        if type(k) is type(co):
            names |= _code_names(k)
    return names


@pytest.mark.parametrize("src", _UNCOUNTED_CASES)
def test_a_compile_without_step_counting_behaves_as_the_counted_one(src, monkeypatch):
    # exec_file with no budget counts no step: its compile leaves the
    # counting out, and must otherwise run as the compile that counts
    if "result =" not in src:
        src += "result = main()\n"

    def run_once() -> tuple:
        return _outcome(src, None)

    uncounted = run_once()
    plain_compile = machine.compile_module
    monkeypatch.setattr(
        machine,
        "compile_module",
        lambda *a, counted=True, **k: plain_compile(*a, counted=True, **k),
    )
    counted = run_once()
    assert uncounted == counted
    cm = plain_compile("m.star", src, (), frozenset(), sealed=True, counted=False)
    names = _code_names(cm.code)
    assert not names & {"$COUNTED", "$next", "$charge", "$charge_key", "$prepay"}
    names = _code_names(plain_compile("m.star", src, (), frozenset(), sealed=True).code)
    assert "$COUNTED" in names


def test_an_external_called_by_exec_file_is_a_clear_error():
    # exec_file runs no thread: nothing could suspend, whatever the call's kind
    from starflow.starlark import external

    for body in ["ask(1)", "f = ask\n    f(1)", "[ask(i) for i in range(2)]"]:
        src = f"def main():\n    {body}\nmain()\n"
        with pytest.raises(EvalError, match="cannot suspend outside a thread: external ask"):
            exec_file("m.star", src, predeclared={"ask": external("ask")})
