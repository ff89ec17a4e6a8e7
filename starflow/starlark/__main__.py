"""`python -m starflow.starlark [FILE]`: run a Starlark file, or a REPL without one.

Running a file prints errors with the Starlark backtrace and exits 1. The REPL
evaluates each statement as it is entered: an expression prints its value, a
`def` or any block reads lines until a blank one, and an error is printed
without ending the session. Globals persist from one entry to the next.
"""

from __future__ import annotations

import argparse
import sys

from . import CallFrame, EvalError, Position, StarlarkError, StarlarkSyntaxError, exec_file
from .format import repr_value

_ALL_OPTIONS = ["set", "while", "recursion", "globalreassign", "toplevelcontrol"]


def _report(e: StarlarkError) -> None:
    if isinstance(e, EvalError):
        print(e.backtrace(), file=sys.stderr)
    else:
        print(str(e), file=sys.stderr)


def run_file(path: str, options: list[str], max_steps: int | None) -> int:
    try:
        with open(path, "rb") as f:
            src = f.read()
    except OSError as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1
    try:
        exec_file(path, src, options=options, max_steps=max_steps)
    except StarlarkError as e:
        _report(e)
        return 1
    return 0


def _is_complete(text: str) -> bool:
    """Whether `text` is a complete entry (or hopelessly broken): try to parse it."""
    from .parser import parse

    try:
        parse("<stdin>", text)
    except StarlarkSyntaxError as e:
        msg = e.msg.lower()
        return "eof" not in msg and "end of file" not in msg
    return True


def repl(options: list[str]) -> int:
    env: dict = {}
    opts = set(options) | {"globalreassign", "toplevelcontrol"}
    lines: list[str] = []
    n = 0
    while True:
        try:
            line = input("... " if lines else ">>> ")
        except EOFError:
            print()
            return 0
        except KeyboardInterrupt:
            print("\nKeyboardInterrupt")
            lines = []
            continue
        lines.append(line)
        text = "\n".join(lines) + "\n"
        block = lines[0].rstrip().endswith(":") or lines[0].startswith(("def ", "if ", "for "))
        if block and line.strip():
            continue  # a block ends with a blank line
        if not block and not _is_complete(text):
            continue
        lines = []
        if not text.strip():
            continue
        n += 1
        _eval_entry(text, env, opts, n)


def _eval_entry(text: str, env: dict, opts: set[str], n: int) -> None:
    # An expression entry prints its value: try it as `_ = (expr)` first.
    from .parser import parse

    is_expr = False
    try:
        f = parse("<stdin>", f"_ = ({text}\n)\n")
        is_expr = len(f.stmts) == 1
    except StarlarkSyntaxError:
        pass
    # on one line, so errors keep the entry's line numbers (columns shift by 5)
    src = f"_ = ({text}\n)\n" if is_expr else text
    try:
        g = exec_file(
            "<stdin>",
            src,
            predeclared=env,
            options=opts,
            freeze=False,
        )
    except StarlarkError as e:
        if is_expr and isinstance(e, EvalError):
            # undo the `_ = (` prefix on the entry's first line
            e.stack = [
                CallFrame(f.name, Position(f.file, f.line, f.col - 5))
                if f.file == "<stdin>" and f.line == 1
                else f
                for f in e.stack
            ]
        _report(e)
        return
    env.update({k: v for k, v in g.items() if k != "_" or not is_expr})
    if is_expr and g.get("_") is not None:
        print(repr_value(g["_"]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m starflow.starlark", description=__doc__)
    ap.add_argument("file", nargs="?", help="a Starlark file to run (none: start a REPL)")
    ap.add_argument(
        "--option",
        action="append",
        default=[],
        choices=_ALL_OPTIONS,
        help="enable a dialect option (repeatable)",
    )
    ap.add_argument("--max-steps", type=int, default=None, help="bound on loop iterations + calls")
    args = ap.parse_args(argv)
    if args.file:
        return run_file(args.file, args.option, args.max_steps)
    return repl(args.option)


if __name__ == "__main__":
    sys.exit(main())
