"""`python -m starflow.starlark`: running a file and the REPL, through a real subprocess."""

from __future__ import annotations

import subprocess
import sys

import pytest


def starlark(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "starflow.starlark", *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def script(tmp_path):
    def write(text: str, name: str = "prog.star") -> str:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


# ---------------------------------------------------------------- running a file


def test_running_a_file_prints_its_output_and_exits_zero(script):
    path = script(
        'def greet(who):\n    return "hello, " + who\nprint(greet("world"))\nprint(1, [2])\n'
    )
    r = starlark(path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "hello, world\n1 [2]\n"
    assert r.stderr == ""


def test_runtime_error_prints_a_backtrace_and_exits_one(script):
    path = script('def f(x):\n    return 1 // x\nprint("before")\nf(0)\nprint("after")\n')
    r = starlark(path)
    assert r.returncode == 1
    assert r.stdout == "before\n"
    assert r.stderr.splitlines() == [
        "Traceback (most recent call last):",
        f"  {path}:4:2: in <toplevel>",
        f"  {path}:2:14: in f",
        "Error: floored division by zero",
    ]


def test_runtime_error_in_a_builtin_names_it(script):
    path = script("x = len(1)\n")
    r = starlark(path)
    assert r.returncode == 1
    assert "Traceback (most recent call last):" in r.stderr
    assert f"{path}:1:8: in <toplevel>" in r.stderr
    assert r.stderr.rstrip().endswith("len: value of type int has no len")


def test_syntax_error_prints_file_line_col_and_exits_one(script):
    path = script("x = 1\ny = (1 +\n")
    r = starlark(path)
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.startswith(f"{path}:3:1: ")
    assert "Traceback" not in r.stderr


def test_resolve_errors_are_all_printed(script):
    path = script("x = y\nz = w\n")
    r = starlark(path)
    assert r.returncode == 1
    assert r.stderr.splitlines() == [f"{path}:1:5: undefined: y", f"{path}:2:5: undefined: w"]


def test_missing_file_exits_one(tmp_path):
    r = starlark(str(tmp_path / "nope.star"))
    assert r.returncode == 1
    assert r.stderr.startswith("Error: ")


def test_option_flag_enables_a_dialect_option(script):
    path = script("for i in range(2):\n    print(i)\n")
    assert starlark(path).returncode == 1
    r = starlark("--option", "toplevelcontrol", path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "0\n1\n"


def test_max_steps_flag_bounds_the_run(script):
    path = script("def f():\n    for i in range(1000000000):\n        pass\nf()\n")
    r = starlark("--max-steps", "1000", path)
    assert r.returncode == 1
    assert "too many steps" in r.stderr


# ---------------------------------------------------------------- the REPL


def printed(stdout: str) -> list[str]:
    """The REPL's output lines without prompts."""
    text = stdout.replace(">>> ", "").replace("... ", "")
    return [line for line in text.splitlines() if line.strip()]


REPL_SESSION = """\
1 + 2
def double(x):
    return x * 2

double(21)
1 // 0
"still" + " alive"
xs = [1]
xs.append(2)
xs
"""


def test_repl_evaluates_entries_and_survives_an_error():
    r = starlark(stdin=REPL_SESSION)
    assert r.returncode == 0, r.stderr
    assert printed(r.stdout) == ["3", "42", '"still alive"', "[1, 2]"]
    assert r.stdout.startswith(">>> 3\n")
    assert r.stdout.count(">>> ") >= 9
    assert "... " in r.stdout  # the def continued with the secondary prompt
    assert r.stderr.splitlines()[0] == "Traceback (most recent call last):"
    assert "Error: floored division by zero" in r.stderr


def test_repl_block_entry_continues_until_a_blank_line():
    r = starlark(stdin="for i in range(3):\n    print(i * 10)\n\n")
    assert r.returncode == 0, r.stderr
    assert printed(r.stdout) == ["0", "10", "20"]


def test_repl_expression_value_none_prints_nothing():
    r = starlark(stdin="None\n1\n")
    assert printed(r.stdout) == ["1"]


def test_repl_syntax_error_does_not_end_the_session():
    r = starlark(stdin='x = )\nundefined_name\n"ok"\n')
    assert r.returncode == 0
    assert '"ok"\n' in r.stdout
    assert "undefined: undefined_name" in r.stderr


def test_repl_statement_error_reports_the_entry_line():
    r = starlark(stdin="x = 1 // 0\n")
    assert "<stdin>:1:7: in <toplevel>" in r.stderr


def test_repl_expression_error_reports_the_entry_line():
    r = starlark(stdin="1 // 0\n")
    assert "<stdin>:1:3: in <toplevel>" in r.stderr


def test_repl_entry_with_an_open_bracket_continues_on_the_next_line():
    r = starlark(stdin="[1,\n2]\n")
    assert r.stderr == ""
    assert printed(r.stdout) == ["[1, 2]"]
