"""The README stays true: its set-up command's output and its Python example."""

import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_main_job_prints_what_the_readme_shows():
    block = README.split("```console", 1)[1].split("```", 1)[0]
    expected = [ln for ln in block.strip().splitlines() if not ln.startswith("$ ")]
    out = subprocess.run(
        [sys.executable, "-m", "starflow.starlark", "examples/orders.star"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.splitlines() == expected


def test_python_example_prints_what_its_comments_say(capsys):
    code = README.split("```python", 1)[1].split("```", 1)[0]
    exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - our own README
    printed = capsys.readouterr().out.splitlines()
    claimed = re.findall(r"print\(.*\)\s+# (.*)", code)
    # each single-line print claims its output in a trailing comment
    assert printed[0] == claimed[0]
    assert printed[1] == claimed[1].rsplit(": ", 1)[-1]
    assert printed[2] == claimed[2]
    assert printed[3:] == [
        "Traceback (most recent call last):",
        "  bad.star:3:2: in <toplevel>",
        "  bad.star:2:14: in f",
        "Error: unknown binary op: int + string",
    ]


def test_readme_test_command_is_what_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "$ .venv/bin/python -m pytest\n" in README
    assert "\n.venv/bin/python -m pytest\n" in ci


def test_thread_example_runs_as_the_readme_says():
    code = README.split("```python", 2)[2].split("```", 1)[0]
    code = code.replace("# ... later, in another process, with the same source:", "")
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)  # noqa: S102 - our own README
    from starflow.starlark import Finished

    assert scope["r"] == Finished(1050)
