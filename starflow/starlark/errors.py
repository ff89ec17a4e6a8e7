"""Errors raised by the Starlark interpreter.

`StarlarkError` is the root. `StarlarkSyntaxError` reports static errors
(parse and resolve), all of a file's at once in `.errors`. `EvalError` reports
a runtime error with the Starlark call stack. `SnapshotError` reports a
corrupt, truncated, forged or mismatched snapshot. `InternalError` means a
bug in the interpreter: a Python exception escaped an operation.

Messages follow starlark-go's style: lowercase, no final period, the
built-in's name first, `got X, want Y` for type errors.
"""

from __future__ import annotations

from dataclasses import dataclass

from .syntax import Position

__all__ = [
    "CallFrame",
    "EvalError",
    "InternalError",
    "Position",
    "SnapshotError",
    "StarlarkError",
    "StarlarkSyntaxError",
]


class StarlarkError(Exception):
    """The root of every error the interpreter raises."""


class StarlarkSyntaxError(StarlarkError):
    """A static error: the file does not parse or does not resolve.

    `str()` is `file:line:col: message` of the first error; `.errors` holds
    every static error of the file as `(Position, message)` pairs, in order.
    """

    def __init__(self, pos: Position, msg: str, errors: list[tuple[Position, str]] | None = None):
        self.pos = pos
        self.msg = msg
        self.errors: list[tuple[Position, str]] = errors if errors is not None else [(pos, msg)]
        super().__init__(self._render())

    def _render(self) -> str:
        lines = [f"{p}: {m}" for p, m in self.errors]
        return "\n".join(lines)

    @property
    def filename(self) -> str:
        return self.pos.file

    @property
    def line(self) -> int:
        return self.pos.line

    @property
    def col(self) -> int:
        return self.pos.col


class ParseError(StarlarkSyntaxError):
    """The file does not parse."""


class ResolveError(StarlarkSyntaxError):
    """The file parses but has static errors (undefined names, misplaced statements)."""


@dataclass(frozen=True, slots=True)
class CallFrame:
    """One frame of a Starlark call stack: the function and where it was."""

    name: str
    pos: Position

    @property
    def file(self) -> str:
        return self.pos.file

    @property
    def line(self) -> int:
        return self.pos.line

    @property
    def col(self) -> int:
        return self.pos.col

    def __str__(self) -> str:
        return f"{self.pos}: in {self.name}"


class EvalError(StarlarkError):
    """A runtime error in a Starlark program.

    `msg` is the message; `stack` (alias `call_stack`) the Starlark frames,
    outermost first, each with the position being executed in that frame;
    the last one is where the error happened. `function` names the built-in
    that failed, if one did (rendered `Error in <name>: msg`).
    """

    def __init__(self, msg: str, stack: list[CallFrame] | None = None, function: str | None = None):
        self.msg = msg
        self.stack: list[CallFrame] = stack or []
        self.function = function
        super().__init__(self._render())

    @property
    def call_stack(self) -> list[CallFrame]:
        return self.stack

    @property
    def pos(self) -> Position | None:
        return self.stack[-1].pos if self.stack else None

    def _render(self) -> str:
        if self.stack:
            return f"{self.stack[-1].pos}: {self.msg}"
        return self.msg

    def __str__(self) -> str:
        return self._render()

    def backtrace(self) -> str:
        """Render the error as Go does: `Traceback (most recent call last):` then frames."""
        lines = ["Traceback (most recent call last):"]
        lines += [f"  {f.pos}: in {f.name}" for f in self.stack]
        if self.function:
            lines.append(f"Error in {self.function}: {self.msg}")
        else:
            lines.append(f"Error: {self.msg}")
        return "\n".join(lines)


class InternalError(EvalError):
    """A Python exception escaped the interpreter: a bug in starflow, not in the script."""


class SnapshotError(StarlarkError):
    """A snapshot cannot be restored: corrupt, truncated, forged, or made from other source."""


for _cls in (
    StarlarkError,
    StarlarkSyntaxError,
    ParseError,
    ResolveError,
    EvalError,
    InternalError,
    SnapshotError,
):
    _cls.__module__ = "starflow.starlark"
