"""Run the chunked Starlark conformance files in `conformance/`.

Every chunk of every `conformance/*.star` file is one test, with id
`FILE:LINE` (the chunk's first line), so `pytest -k string.star` runs one
file and `pytest -k "string.star:120"` one chunk. See conformance/README.md.

A chunk runs through the public API (`exec_file`) with the predeclared
`assert` module defined here. It passes when every assertion holds and the
errors it raises are exactly the ones its `###` lines expect. A Python
exception other than a Starlark error, and `InternalError`, are interpreter
bugs and fail the chunk whatever it expected.
"""

from __future__ import annotations

import re
import traceback
from typing import Any

import pytest
from conformance_support import Chunk, all_chunks, conformance_files, count_assertions

from starflow.starlark import EvalError, StarlarkSyntaxError, exec_file, machine, values
from starflow.starlark import format as sformat
from starflow.starlark.errors import InternalError

MIN_TOTAL_ASSERTIONS = 1500

CHUNKS = all_chunks()


def _repr(v: Any) -> str:
    return sformat.repr_value(v)


def _truth(v: Any) -> bool:
    hook = getattr(type(v), "starlark_truth", None)
    return bool(hook(v)) if hook is not None else bool(v)


def _is_number(v: Any) -> bool:
    return type(v) is int or type(v) is float


def _less(a: Any, b: Any) -> bool:
    """`a < b` for the values assert.lt is meant for (numbers, strings, bytes, tuples, lists)."""
    if not (type(a) is type(b) or (_is_number(a) and _is_number(b))):
        raise EvalError(
            f"assert.lt: cannot compare {values.type_name(a)} and {values.type_name(b)}"
        )
    return values.compare("<", a, b)


def _contains(container: Any, elem: Any) -> bool:
    if isinstance(container, (list, tuple)):
        return any(values.equal(x, elem) for x in container)
    if isinstance(container, (str, bytes)) and not isinstance(elem, (str, bytes, int)):
        raise EvalError(f"assert.contains: cannot look for {values.type_name(elem)} in string")
    return elem in container


class _AssertModule:
    """The predeclared `assert` module.

    A failing assertion is recorded and raised as an EvalError, which stops
    the chunk; the runner reports it at the line of the failing call.
    """

    def __init__(self) -> None:
        self.failures: list[str] = []

    def fail(self, msg: str) -> None:
        self.failures.append(msg)
        raise EvalError(msg)

    def module(self) -> values.Module:
        fail = self.fail
        failures = self.failures

        def eq(got: Any, want: Any, /) -> None:
            if not values.equal(got, want):
                fail(f"assert.eq: got {_repr(got)}, want {_repr(want)}")

        def ne(got: Any, unwanted: Any, /) -> None:
            if values.equal(got, unwanted):
                fail(f"assert.ne: got {_repr(got)}, want something else")

        def true(cond: Any, msg: Any = "assertion failed", /) -> None:
            if not _truth(cond):
                text = msg if isinstance(msg, str) else _repr(msg)
                fail(f"assert.true: {text} (got {_repr(cond)})")

        def lt(a: Any, b: Any, /) -> None:
            if not _less(a, b):
                fail(f"assert.lt: {_repr(a)} is not less than {_repr(b)}")

        def contains(container: Any, elem: Any, /) -> None:
            if not _contains(container, elem):
                fail(f"assert.contains: {_repr(container)} does not contain {_repr(elem)}")

        def fails(fn: Any, pattern: Any, /) -> None:
            if not isinstance(pattern, str):
                fail(f"assert.fails: got {values.type_name(pattern)} for pattern, want string")
            before = len(failures)
            try:
                _call0(fn)
            except InternalError:
                raise
            except Exception as exc:
                err = _as_eval_error(exc)
                if err is None:
                    raise
                # An assertion failing inside fn is an expected failure here.
                del failures[before:]
                if not re.search(pattern, err.msg):
                    fail(
                        f"assert.fails: regular expression ({pattern}) "
                        f"did not match error ({err.msg})"
                    )
                return
            fail(
                f"assert.fails: evaluation succeeded unexpectedly (want error matching {pattern!r})"
            )

        funcs = (eq, ne, true, lt, contains, fails)
        return values.Module("assert", {f.__name__: values.Builtin(f.__name__, f) for f in funcs})


def _as_eval_error(exc: Exception) -> EvalError | None:
    """The Starlark error that `exc` stands for, or None if it is an interpreter bug.

    Inside a running thread, a Starlark function called back from a built-in
    lets Python exceptions propagate (an argument-binding TypeError, say); the
    machine translates them at the thread's boundary. assert.fails must see
    the error before that boundary, so it asks the machine's translator.
    """
    if isinstance(exc, InternalError):
        return None
    if isinstance(exc, EvalError):
        return exc
    translate = getattr(machine, "translate_error", None) or getattr(machine, "_translate", None)
    if translate is None:
        return None
    err = translate(exc, exc.__traceback__)
    if not isinstance(err, EvalError) or isinstance(err, InternalError):
        return None
    return err


def _call0(fn: Any) -> Any:
    if isinstance(fn, values.Builtin):
        return fn.fn(fn.recv) if fn.recv is not None else fn.fn()
    if not callable(fn):
        raise EvalError(f"assert.fails: got {values.type_name(fn)}, want function")
    return fn()


def _error_line(chunk: Chunk, exc: EvalError) -> int | None:
    """The line of the innermost frame of the error that is in the chunk's file."""
    for frame in reversed(exc.stack):
        if frame.file == chunk.name and frame.line > 0:
            return frame.line
    return None


def _where(chunk: Chunk, line: int | None) -> str:
    return f"{chunk.name}:{line if line is not None else chunk.start}"


def run_chunk(chunk: Chunk) -> list[str]:
    """Run one chunk; return the list of problems (empty when it passes)."""
    asserts = _AssertModule()
    problems: list[str] = []
    pending = dict(chunk.want_errors)

    def got_error(line: int | None, msg: str) -> None:
        rx = pending.pop(line, None) if line is not None else None
        if rx is None:
            problems.append(f"{_where(chunk, line)}: unexpected error: {msg}")
        elif not rx.search(msg):
            problems.append(
                f"{_where(chunk, line)}: error {msg!r} does not match pattern {rx.pattern!r}"
            )

    try:
        exec_file(
            chunk.name,
            chunk.source,
            predeclared={"assert": asserts.module()},
            options=set(chunk.options),
        )
    except InternalError as exc:
        problems.append(
            f"{_where(chunk, _error_line(chunk, exc))}: interpreter bug (InternalError): {exc}"
        )
        return problems
    except EvalError as exc:
        line = _error_line(chunk, exc)
        if asserts.failures and exc.msg == asserts.failures[-1]:
            problems.append(f"{_where(chunk, line)}: {exc.msg}")
            return problems
        got_error(line, exc.msg)
    except StarlarkSyntaxError as exc:
        for pos, msg in exc.errors:
            got_error(pos.line if pos.file == chunk.name else None, msg)
    except Exception as exc:  # noqa: BLE001 - any other exception is an interpreter bug
        tb = "".join(traceback.format_exception(exc))
        problems.append(f"{chunk.id}: interpreter bug ({type(exc).__name__}): {exc}\n{tb}")
        return problems
    for line, rx in sorted(pending.items()):
        problems.append(f"{chunk.name}:{line}: expected error matching {rx.pattern!r}")
    return problems


@pytest.mark.parametrize("chunk", CHUNKS, ids=[c.id for c in CHUNKS])
def test_chunk(chunk: Chunk) -> None:
    problems = run_chunk(chunk)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def test_chunks_name_their_spec_section() -> None:
    bad = [c.id for c in CHUNKS if not c.text.lstrip("\n").startswith("# spec:")]
    assert not bad, f"chunks without a leading '# spec: SECTION' comment: {bad}"


def test_assertion_count() -> None:
    files = conformance_files()
    total = sum(count_assertions(p.read_text(encoding="utf-8")) for p in files)
    assert total >= MIN_TOTAL_ASSERTIONS, (
        f"conformance/ holds {total} assertions (assert.* calls and ### lines) in "
        f"{len(files)} files, want at least {MIN_TOTAL_ASSERTIONS}"
    )
