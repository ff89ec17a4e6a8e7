"""starflow.starlark: a Starlark interpreter that compiles to Python bytecode.

The public API of the interpreter; everything else in this package is private.
See docs/internals.md for how the pieces fit together.
"""

from .errors import CallFrame, EvalError, SnapshotError, StarlarkError, StarlarkSyntaxError
from .machine import Function, check, exec_file
from .syntax import Position
from .thread import External, Finished, Suspended, Thread, external
from .values import Builtin, Dict, List, Module, Set, freeze, from_python, to_python

__all__ = [
    "Builtin",
    "CallFrame",
    "Dict",
    "EvalError",
    "External",
    "Finished",
    "Function",
    "List",
    "Module",
    "Position",
    "Set",
    "SnapshotError",
    "StarlarkError",
    "StarlarkSyntaxError",
    "Suspended",
    "Thread",
    "check",
    "exec_file",
    "external",
    "freeze",
    "from_python",
    "to_python",
]
