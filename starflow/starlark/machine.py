"""Running compiled Starlark: modules, function values, steps and errors.

The machine owns everything that happens at run time around the compiled
code: it builds a module's Python globals (runtime helpers, built-ins,
predeclared values, the step budget), runs `$toplevel`, freezes the globals,
and turns whatever Python raised into a Starlark error with a call stack.

Error translation. Compiled functions are ordinary Python functions whose
code objects the compiler registered (`CompiledModule.codes`). When an
exception reaches a boundary (`exec_file`, a Starlark `Function` called from
Python), the machine walks the traceback: each frame running one of our
code objects becomes a `CallFrame`, positioned by `tb_lasti` through
`co_positions()` (the compiler stamped Starlark lines and columns on every
Python node). Comprehension frames fold into the enclosing function's frame.
Then the exception itself is mapped:

- `EvalError` from the runtime (`ops`, `universe`, built-ins): keep the
  message, attach the stack;
- a Python exception raised *in* a Starlark frame: the few that compiled code
  can raise (NameError/UnboundLocalError: a variable referenced before
  assignment; TypeError at a call: argument binding, re-explained in Go's
  words; TypeError from hashing: unhashable key; ZeroDivisionError) become
  Starlark errors;
- RecursionError anywhere: "call stack too deep";
- any other exception raised inside `starflow.starlark`: `InternalError`
  (a bug), chained with `from`;
- an exception raised by an embedder's built-in: an error of that call.

Steps. The budget is an iterator shared by every module a thread runs
(`$T`, see `Budget`): compiled code takes one element with `next($T)` at
each function entry and counted loop iteration; the iterator raises
"too many steps" once its elements are gone.
"""

from __future__ import annotations

import functools
import gc
import inspect
import itertools
import operator
import os
import re
import sys
import threading
import types
import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from . import compiler as _compiler
from . import ops, parser, resolve, strings, universe, values
from .errors import CallFrame, EvalError, InternalError, StarlarkError, StarlarkSyntaxError
from .syntax import Position
from .values import Builtin, Dict, List, Set

__all__ = ["Function", "check", "current_thread", "exec_file"]

_PKG_DIR = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------- code registry

# id(code object) -> (weakref to it, CodeInfo, weakref to its CompiledModule).
# By identity: code objects compare equal by value, and two scripts may hold
# equal ones. Weak both ways: a module's globals keep its CompiledModule alive
# (`$cm`), the CompiledModule keeps its code objects alive, and an entry goes
# away with its code object.
_CODES: dict[int, tuple] = {}


def register_code(co, info, cm) -> None:
    """Record that `co` is Starlark code of `cm` (once per code object)."""
    key = id(co)
    entry = _CODES.get(key)
    if entry is not None and entry[0]() is co:
        return
    _CODES[key] = (weakref.ref(co, lambda _r, k=key: _CODES.pop(k, None)), info, weakref.ref(cm))


def code_entry(co):
    """(CodeInfo, CompiledModule) of a compiled Starlark code object, or None."""
    entry = _CODES.get(id(co))
    if entry is None or entry[0]() is not co:
        return None
    cm = entry[2]()
    return None if cm is None else (entry[1], cm)


class _ThreadState(threading.local):
    thread: Any = None


_local = _ThreadState()


_TOO_MANY_STEPS = "Starlark computation cancelled: too many steps"


class _OutOfSteps:
    """The end of a budget: an iterator whose every `next` is the steps error."""

    def __iter__(self):
        return self

    def __next__(self):
        raise EvalError(_TOO_MANY_STEPS)


class Budget:
    """A thread's step budget, as an iterator that compiled code advances.

    `next($T)` costs about 10 ns where `$S[0] -= 1; if $S[0] < 0: ...` on
    a list cell cost 27 (measured per call). The iterator is
    `chain(repeat(None, n), _OutOfSteps())`: its repeat part says how many
    steps remain (`length_hint`), and once it is used up every `next` raises
    "too many steps" (never StopIteration, which a built-in iterating
    something could mistake for the end of its input). Without a limit it is
    `repeat(None)`, which never ends.

    Every module a thread runs holds the iterator as its global `$T`;
    `reset` (restoring a snapshot) makes a new one and updates them.
    """

    __slots__ = ("it", "rep", "users")

    def __init__(self, remaining: int | None):
        self.users: list[dict] = []  # module globals holding `$T`
        self.reset(remaining)

    def reset(self, remaining: int | None) -> None:
        if remaining is None:
            self.rep = None
            self.it = itertools.repeat(None)
        else:
            self.rep = itertools.repeat(None, max(remaining, 0))
            self.it = itertools.chain(self.rep, _OutOfSteps())
        for g in self.users:
            g["$T"] = self.it
            g["$COUNTED"] = self.rep is not None

    def remaining(self) -> int | None:
        return None if self.rep is None else operator.length_hint(self.rep)

    def prepay(self, seq) -> bool:
        """A loop's steps for `seq` (a list, dict, tuple, range...) taken at
        once; False when they were, True when the loop must count each one
        (a budget too small). Compiled code calls it only with a budget, and
        only for 16 iterations or more (under that, counting costs less)."""
        return not self.take(len(seq))

    def take(self, n: int) -> bool:
        """Take `n` steps at once if that many remain (else take none)."""
        if self.rep is None:
            return True
        if n > operator.length_hint(self.rep):
            return False
        if n > 0:
            next(itertools.islice(self.rep, n - 1, None))  # ~1.4 ns per step
        return True


class ThreadContext:
    """The state a running Starlark thread needs from built-ins: print, steps."""

    __slots__ = ("budget", "load", "max_steps", "name", "print")

    def __init__(
        self,
        print_fn: Callable[[str], None] | None = None,
        max_steps: int | None = None,
        load: Callable[[str], Mapping[str, Any]] | None = None,
        name: str = "main",
    ):
        self.print = print_fn
        self.max_steps = max_steps
        self.budget = Budget(max_steps)
        self.load = load
        self.name = name

    @property
    def steps(self) -> int:
        """Steps taken so far (only meaningful when a budget was given)."""
        if self.max_steps is None:
            return 0
        return self.max_steps - (self.budget.remaining() or 0)


def current_thread() -> ThreadContext | None:
    """The Starlark thread running on this Python thread, if any."""
    return _local.thread


def _print(*args, sep: str = " ") -> None:
    msg = universe._join(args, sep, "print")
    th = _local.thread
    if th is not None and th.print is not None:
        th.print(msg)
    else:
        sys.stdout.write(msg + "\n")


# ---------------------------------------------------------------- Function


class Function:
    """A Starlark function value (`def` or `lambda`).

    `fn` is the compiled Python function: its defaults and closure cells are
    the Starlark function's defaults and captured variables. Generated code
    calls `fn` directly; calling the `Function` from Python goes through the
    machine, which converts arguments with `from_python` and translates errors.
    """

    type_name = "function"
    __slots__ = ("__weakref__", "fn", "name")

    def __init__(self, fn: types.FunctionType, name: str):
        self.fn = fn
        self.name = name

    def starlark_repr(self) -> str:
        return f"<function {self.name}>"

    def starlark_freeze(self) -> None:
        fn = self.fn
        for d in fn.__defaults__ or ():
            values.freeze(d)
        for d in (fn.__kwdefaults__ or {}).values():
            values.freeze(d)
        for cell in fn.__closure__ or ():
            try:
                v = cell.cell_contents
            except ValueError:  # an empty cell: the variable is not bound yet
                continue
            values.freeze(v)

    def __repr__(self) -> str:
        return f"<function {self.name}>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _local.thread is not None:
            # called back by a built-in of a running thread (sorted's key=...):
            # the arguments are Starlark values already; errors propagate
            return self.fn(*args, **kwargs)
        args = tuple(values.from_python(a) for a in args)
        kwargs = {k: values.from_python(v) for k, v in kwargs.items()}
        ctx = ThreadContext()
        _local.thread = ctx

        def call():
            return self.fn(*args, **kwargs)

        try:
            return _run_guarded(call, ctx)
        except InternalError as err:
            cause = err.__cause__
            if isinstance(cause, TypeError) and _innermost_code(cause) is call.__code__:
                # Python could not bind the arguments: say so in Go's words
                raise EvalError(_function_binding_message(self.name, str(cause))) from None
            raise
        finally:
            _local.thread = None

    @property
    def params(self) -> list[str]:
        co = self.fn.__code__
        n = co.co_argcount + co.co_kwonlyargcount
        n += bool(co.co_flags & inspect.CO_VARARGS) + bool(co.co_flags & inspect.CO_VARKEYWORDS)
        return list(co.co_varnames[:n])


universe.FUNCTION_TYPE = Function


def _innermost_code(e: BaseException):
    tb = e.__traceback__
    if tb is None:
        return None
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code


def _mkfunc(fn: types.FunctionType, name: str) -> Function:
    return Function(fn, name)


def _callable(f):
    t = type(f)
    if t is Function:
        return f.fn
    if t is Builtin:
        return f
    if callable(f) and hasattr(t, "type_name"):
        return f
    raise EvalError(f"invalid call of non-function ({values.type_name(f)})")


class _RecursiveCall(EvalError):
    """Raised by a function's prologue; reported in its own frame at its
    entry position, below the caller's call site, as Go does."""


def _invoke(x, name: str, /, *args, **kwargs):
    """`x.name(args)`: call a built-in method without materialising the bound method."""
    tbl = _METHOD_TABLES.get(type(x))
    if tbl is not None:
        fn = tbl.get(name)
        if fn is not None:
            return fn(x, *args, **kwargs)
    f = _callable(ops.getattr_(x, name))
    return f(*args, **kwargs)


_METHOD_TABLES = ops._tables()
_OWNER_TABLES = {
    "str": _METHOD_TABLES[str],
    "bytes": _METHOD_TABLES[bytes],
    "list": _METHOD_TABLES[List],
    "dict": _METHOD_TABLES[Dict],
    "set": _METHOD_TABLES[Set],
}


def _recursive(k: int, name: str) -> None:
    """Called on entry to a function whose recursion flag `$busy[k]` is set.

    The flag is the module's, not the Python thread's (a per-thread flag
    would cost every call a thread-local lookup). So the flag being set
    means a re-entry only if a frame of a function holding flag k (the def,
    its clones) is on this thread's stack; otherwise another Python thread
    runs it and this call goes on. (That thread's flag is then cleared when
    this call returns: a re-entry there is stopped by the depth limit, "call
    stack too deep", instead of this error.)
    """
    f = sys._getframe(1)  # the function being entered
    g = f.f_globals
    cm = g["$cm"]
    codes, flag_of = cm.codes, cm.flag_of
    f = f.f_back
    while f is not None:
        if f.f_globals is g:
            info = codes.get(id(f.f_code))
            if info is not None and flag_of.get(info[1].index) == k:
                raise _RecursiveCall(f"function {name} called recursively")
        f = f.f_back


def _make_charge(ctx: ThreadContext):
    """`$charge(seq)` and `$iterate_charge(x)`: pay a whole loop's steps up front.

    A loop that cannot leave early (no `break`, no `return`, no call site in
    its body; comprehensions) runs exactly len(seq) iterations unless it
    fails. When the budget covers them all, they are taken at once and the
    loop runs without a per-iteration counter; otherwise (or when the length
    is unknown) each element is counted as it is taken, so the computation
    is cancelled at exactly the same step as with a counter.
    """
    budget = ctx.budget

    def counted(seq):
        it = budget.it
        for x in seq:
            next(it)
            yield x

    def charge(seq):
        if budget.rep is None:  # no budget: nothing to count
            return seq
        try:
            n = len(seq)
        except TypeError:
            return counted(seq)
        if budget.take(n):
            return seq
        return counted(seq)

    def iterate_charge(x):
        # (the common kinds inline: a comprehension over a range or a list)
        t = type(x)
        if t is range or t is tuple:
            return x if budget.rep is None else charge(x)
        if t is List:
            x.__class__ = values.IterList
            return x if budget.rep is None else charge(x)
        return charge(ops.iterate(x))

    def charge_key(x):
        # sorted/min/max(x, key=f): f runs once per element (and a function
        # with no loop and no call is no step of its own)
        if type(x) in _NATIVE_ITER and not budget.take(len(x)):
            raise EvalError(_TOO_MANY_STEPS)
        return x

    return charge, iterate_charge, charge_key


def _iter_end(it, result):
    t = type(it)
    if t is range or t is tuple:
        return result
    if t is values.IterList and not values._NESTED:
        it.__class__ = List
        return result
    ops.iter_done(it)
    return result


def _iter_copy(x):
    # An inner comprehension loop iterates a copy: it cannot release a
    # guard from inside an expression (see compiler: comprehensions).
    # An immutable sequence needs no copy (and a huge range must not get one).
    t = type(x)
    if t is range or t is tuple:
        return x
    seq = ops.iterate(x)
    try:
        return tuple(seq)
    finally:
        ops.iter_done(x)


# iterables whose Python iterator tells its position (`loop_position`)
_NATIVE_ITER = values.GUARDED | {tuple, range}


def _iter_quiet(x):
    # The iterable of a comprehension that changes nothing (compiler:
    # comprehension): a list, dict or set iterates natively, as Starlark does.
    if type(x) in _NATIVE_ITER:
        return x
    return _iter_copy(x)


class _Counting:
    """An iterator that counts the elements taken: a loop holding a call site
    over an iterable whose own iterator cannot tell its position."""

    __slots__ = ("it", "taken")

    def __init__(self, seq):
        self.it = iter(seq)
        self.taken = 0

    def __iter__(self):
        return self

    def __next__(self):
        x = next(self.it)
        self.taken += 1
        return x


def loop_position(it, seq) -> int:
    """The index of the element a suspended loop is at, from its iterator `it`.

    A list, tuple or range iterator says how many elements it has given
    (`__reduce__`); a dict's says which keys remain.
    """
    if type(it) is _Counting:
        return it.taken - 1
    r = it.__reduce__()
    if len(r) >= 3 and type(r[2]) is int:
        return r[2] - 1
    rest = r[1][0]
    return len(seq) - len(rest) - 1


def _resume_iter(seq, start: int):
    """Re-enter a loop at element `start` (the one it was at): an iterator
    positioned there, of the same kind as the loop's own.

    Suspending unwound the loop and its `finally` released the iteration
    guard, so this takes it again; the resumed loop's `finally` releases it.
    """
    ops.iterate(seq)
    it = iter(seq) if type(seq) in _NATIVE_ITER else _Counting(seq)
    for _ in range(start):
        next(it)
    return it


def _in(x, y):
    return ops.contains(y, x)


def _not_in(x, y):
    return not ops.contains(y, x)


def _iadd(x, y):
    if type(x) is type(y) and type(x) in _ADD_NATIVE:
        return x + y
    return ops.augmented("+", x, y)


# how many keys `_hashable` has wrapped (read by `_dict_of`)
_WRAPPED = [0]


def _hashable(k):
    """`k`, a key of a dict comprehension, after Starlark's test that it may
    be one, as the dict stores it (`values.hkey`)."""
    hk = values.key_of(k)
    if hk is not k:
        _WRAPPED[0] += 1
    return hk


def _dict_of(n, raw):
    """The Dict of comprehension `raw`, a Python dict of raw keys, which
    started when `_WRAPPED[0]` was `n`: a BoolDict if it may hold a
    wrapped key (another thread's or an inner comprehension's wrap may
    make it one needlessly, which costs speed only)."""
    d = Dict(raw)
    if _WRAPPED[0] != n:
        d.__class__ = values.BoolDict
    return d


def _has(x, name: str):
    """`x`, once it is known to have method `name` (else Go's error of the lookup)."""
    tbl = _METHOD_TABLES.get(type(x))
    if tbl is None or name not in tbl:
        ops.getattr_(x, name)  # (a module's member, a host value's attribute ... or the error)
    return x


def _dset(d: Dict, k, v) -> Dict:
    """Add entry `k: v` of a dict display to `d`, a new dict; return it."""
    hk = values.key_of(k)
    if hk in d:
        from .format import repr_value

        raise EvalError(f"duplicate key: {repr_value(k)}")
    values.hput(d, k, hk, v)
    return d


_ADD_NATIVE = frozenset({int, str, float, tuple, bytes})
_ARITH_NATIVE = frozenset({int, float})
# Floats are not here: Starlark orders NaN (equal to itself, above every
# other float), where Python's comparisons follow IEEE.
_EQ_NATIVE = frozenset({int, str, bytes, bool, type(None)})
_CMP_NATIVE = frozenset({int, str, bytes})
# dict keys whose Python hashing and equality are Starlark's
_KEY_NATIVE = frozenset({int, str})


def _runtime_helpers() -> dict[str, Any]:
    return {
        "__builtins__": {},
        "$List": List,
        "$Dict": Dict,
        "$Set": Set,
        "$IterList": values.IterList,
        "$IterDict": values.IterDict,
        "$NESTED": values._NESTED,
        "$Function": Function,
        "$type": type,
        "$int": int,
        "$bytes": bytes,
        "$IndexError": IndexError,
        "$ValueError": ValueError,
        "$str": str,
        "$tuple": tuple,
        "$range": range,
        "$mkfunc": _mkfunc,
        "$callable": _callable,
        "$invoke": _invoke,
        "$recursive": _recursive,
        "$next": next,
        "$iterate": ops.iterate,
        "$iter_done": ops.iter_done,
        "$iter_end": _iter_end,
        "$iter_copy": _iter_copy,
        "$iter_quiet": _iter_quiet,
        "$LIST_TYPES": values.LIST_TYPES,
        "$enumerate": enumerate,
        "$resume_iter": _resume_iter,
        "$iter": iter,
        "$NATIVE_ITER": _NATIVE_ITER,
        "$Counting": _Counting,
        "$unpack": ops.unpack,
        "$index": ops.index,
        "$setindex": ops.setindex,
        "$slice": ops.slice,
        "$getattr": ops.getattr_,
        "$setattr": ops.setattr_,
        "$star": ops.star_args,
        "$starstar": ops.kwargs_dict,
        "$star_kw": ops.star_args_kw,
        "$add": ops.add,
        "$sub": ops.sub,
        "$mul": ops.mul,
        "$truediv": ops.truediv,
        "$floordiv": ops.floordiv,
        "$mod": ops.mod,
        "$bitand": ops.bitand,
        "$bitor": ops.bitor,
        "$bitxor": ops.bitxor,
        "$lshift": ops.lshift,
        "$rshift": ops.rshift,
        "$iadd": _iadd,
        "$augmented": ops.augmented,
        "$eq": ops.eq,
        "$ne": ops.ne,
        "$lt": ops.lt,
        "$le": ops.le,
        "$gt": ops.gt,
        "$ge": ops.ge,
        "$in": _in,
        "$not_in": _not_in,
        "$neg": ops.neg,
        "$pos": ops.pos,
        "$invert": ops.invert,
        "$dset": _dset,
        "$has": _has,
        "$hashable": _hashable,
        "$dict_of": _dict_of,
        "$WRAPPED": _WRAPPED,
        "$ADD_NATIVE": _ADD_NATIVE,
        "$ARITH_NATIVE": _ARITH_NATIVE,
        "$EQ_NATIVE": _EQ_NATIVE,
        "$CMP_NATIVE": _CMP_NATIVE,
        "$KEY_NATIVE": _KEY_NATIVE,
        "$HAS_LEN": universe._HAS_LEN,
        "$SEQS": universe._SEQS,
        "$pylen": len,
        "$pyint": int,
        "$SPACE": strings._SPACE,
        "$ASCII_SPACE": strings._ASCII_SPACE,
        # ints between these print natively (CPython refuses to print 4,300+ digits)
        "$BIG": 10**4000,
        "$NBIG": -(10**4000),
    }


_HELPERS = _runtime_helpers()

# ---------------------------------------------------------------- compile cache

_CACHE: dict[tuple, _compiler.CompiledModule] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_MAX = 256


def _universe(options: frozenset[str]) -> dict[str, Any]:
    return universe.universe(options)


def compile_module(
    filename: str,
    source: str | bytes,
    predeclared_names: Iterable[str],
    options: frozenset[str],
    sealed: bool = False,
    counted: bool = True,
) -> _compiler.CompiledModule:
    """Parse, resolve and compile `source`, or return the cached result.

    The cache key is the content (sha256 of the source), the filename, the
    dialect options, the set of predeclared names, `sealed` (a compile for
    a run where no call can suspend, see compiler.Compiler.sealed) and
    `counted` (False: for a run without a step budget, which counts no step,
    see compiler.Compiler.counted): the same script compiles once per
    process and kind of run.
    """
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8")
        except UnicodeDecodeError as e:
            raise StarlarkSyntaxError(
                Position(filename, 1, 1), f"invalid UTF-8 in source: {e.reason}"
            ) from None
    h = _compiler.source_hash(source)
    pre = frozenset(predeclared_names)
    key = (h, filename, options, pre, sealed, counted)
    cm = _CACHE.get(key)
    if cm is not None:
        return cm
    cm = _compile(filename, source, h, pre, options, False, sealed, counted)
    cm.rebuild_fdefs = functools.partial(
        _compile, filename, source, h, pre, options, sealed=sealed, counted=counted
    )
    for co, info in cm.codes.values():
        register_code(co, info, cm)
    with _CACHE_LOCK:
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = cm
    return cm


def _compile(
    filename: str,
    source: str,
    h: str,
    pre: frozenset[str],
    options: frozenset[str],
    keep_defs: bool = True,
    sealed: bool = False,
    counted: bool = True,
) -> _compiler.CompiledModule:
    """Parse, resolve and compile `source` (no cache); `keep_defs` False
    drops the generated Python defs (see CompiledModule.fdefs)."""
    # The cyclic GC finds nothing to free among the parse trees and AST nodes
    # a compile allocates, but runs often while they are built: off for the
    # duration. Measured: big_generated's cold compile 108 ms -> 89 ms. They
    # are freed (by their reference counts) before it is back on: else its
    # next collection would walk them all once (10 ms for big_generated).
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        cm = _parse_and_compile(filename, source, h, pre, options, sealed, counted)
        if not keep_defs:
            cm.fdefs = {}
        return cm
    finally:
        if gc_was_on:
            gc.enable()


def _parse_and_compile(
    filename: str,
    source: str,
    h: str,
    pre: frozenset[str],
    options: frozenset[str],
    sealed: bool = False,
    counted: bool = True,
) -> _compiler.CompiledModule:
    file = parser.parse(filename, source)
    uni = _universe(options | {"set"})
    resolve.resolve_file(file, pre.__contains__, uni.__contains__, options)
    try:
        return _compiler.compile_file(file, h, options, sealed, counted)
    except RecursionError:
        raise StarlarkSyntaxError(Position(filename, 1, 1), "program too deeply nested") from None


# ---------------------------------------------------------------- running modules


def _wrap_predeclared(v):
    # A plain Python callable (not a Starlark value) becomes a built-in.
    if callable(v) and not hasattr(type(v), "type_name") and type(v) not in (Builtin, Function):
        return Builtin(getattr(v, "__name__", "builtin"), v)
    return v


def _module_globals(
    cm: _compiler.CompiledModule,
    predeclared: Mapping[str, Any],
    options: frozenset[str],
    ctx: ThreadContext,
) -> dict[str, Any]:
    g = dict(_HELPERS)
    uni = _universe(options | {"set"})
    for name in cm.universal_used:
        v = uni[name]
        g["$b_" + name] = v
        if type(v) is Builtin:
            g["$f_" + name] = v.fn
    if "print" in cm.universal_used:
        g["$f_print"] = _print
        g["$b_print"] = Builtin("print", _print)
    for name in cm.predeclared_used:
        g["$b_" + name] = _wrap_predeclared(predeclared[name])
    for owner, name in cm.methods_used:
        g[f"$m_{owner}_{name}"] = _OWNER_TABLES[owner][name]
    g["$cm"] = cm  # keeps the compiled module (and its code registry entries) alive
    g["$T"] = ctx.budget.it
    g["$prepay"] = ctx.budget.prepay
    g["$COUNTED"] = ctx.budget.rep is not None  # (steps are counted only against a budget)
    ctx.budget.users.append(g)
    g["$charge"], g["$iterate_charge"], g["$charge_key"] = _make_charge(ctx)
    g["$busy"] = [False] * cm.num_functions
    g["$load"] = _make_loader(ctx, cm.filename)
    g["$loadattr"] = _loadattr
    return g


def link_defs(g: dict[str, Any], cm: _compiler.CompiledModule) -> None:
    """Rebind the globals direct calls use (`$fn_F`, `$fs_F`) from the module's
    Function values: after a snapshot is restored, the statements that bound
    them do not run again.

    A clone (compiler.compile_clones) is rebuilt from its code object with the
    original's defaults: it shares them, as it did when first defined.
    """
    for name, (_, clone) in cm.direct_defs.items():
        f = g.get(cm.pyname[name])
        if type(f) is not Function:
            continue
        g["$fn_" + name] = f.fn
        if clone is not None:
            co = cm.by_index[clone]
            c = types.FunctionType(co, g, co.co_name, f.fn.__defaults__)
            c.__kwdefaults__ = f.fn.__kwdefaults__
            g["$fs_" + name] = c


def _make_loader(ctx: ThreadContext, filename: str):
    def _load(module: str):
        if ctx.load is None:
            raise EvalError(f"cannot load {module}: no load function")
        try:
            result = ctx.load(module)
        except StarlarkError as e:
            raise EvalError(f"cannot load {module}: {e}") from e
        except Exception as e:  # the embedder's loader: any failure is the load's error
            raise EvalError(f"cannot load {module}: {e}") from e
        return result

    return _load


def _loadattr(mod, name: str, module: str):
    try:
        return mod[name]
    except (KeyError, TypeError):
        raise EvalError(f"load: name {name} not found in module {module}") from None


def exec_file(
    filename: str,
    source: str | bytes,
    *,
    predeclared: Mapping[str, Any] | None = None,
    options: Iterable[str] | None = None,
    max_steps: int | None = None,
    load: Callable[[str], Mapping[str, Any]] | None = None,
    print: Callable[[str], None] | None = None,
    freeze: bool = True,
) -> dict[str, Any]:
    """Run a Starlark module and return its globals, frozen.

    Args:
        filename: the name used in positions and tracebacks.
        source: the program text (str, or UTF-8 bytes).
        predeclared: names the program may use besides the universal ones. A
            Python callable becomes a built-in, called with Starlark values.
        options: dialect flags: "set", "while", "recursion", "globalreassign",
            "toplevelcontrol".
        max_steps: a bound on loop iterations plus calls; past it the run
            stops with an `EvalError`.
        load: resolves `load("name", ...)` to a mapping of the module's globals.
        print: receives each line `print` produces (default: stdout).
        freeze: freeze the globals when the module is done (as the spec
            requires; the REPL turns it off so entries can keep mutating).

    Returns:
        The module's globals in binding order (only those bound), frozen.

    Raises:
        StarlarkSyntaxError: the file does not parse or resolve (every error).
        EvalError: a runtime error, with the Starlark call stack.
    """
    predeclared = dict(predeclared or {})
    opts = _check_options(options)
    outer = _local.thread
    # Outside a thread nothing can capture a suspension: a sealed compile,
    # whose calls are plain calls (compiler.Compiler.sealed). A module a
    # running thread loads keeps its call sites.
    # Without a budget (given, or shared with the thread that loads the
    # module) no step is counted: the compile leaves the counting out.
    cm = compile_module(
        filename,
        source,
        predeclared.keys(),
        opts,
        sealed=outer is None,
        counted=max_steps is not None or outer is not None,
    )
    ctx = ThreadContext(
        print_fn=print or (outer.print if outer else None), max_steps=max_steps, load=load
    )
    if outer is not None and max_steps is None:
        ctx.budget = outer.budget  # a module loaded by a running thread shares its budget
    g = _module_globals(cm, predeclared, opts, ctx)
    _local.thread = ctx
    try:
        exec(cm.code, g)  # noqa: S102 - code compiled from our own AST, never from text
        _run_guarded(g["$toplevel"], ctx)
    except BaseException as e:
        from .thread import _Suspension  # (thread imports this module)

        if outer is None and type(e) is _Suspension:
            # no thread to suspend: a plain error, not the thread's signal
            raise EvalError(
                f"cannot suspend outside a thread: external {e.name} called "
                "(run the script with starflow.starlark.Thread)"
            ) from None
        raise
    finally:
        _local.thread = outer
    result: dict[str, Any] = {}
    for name in cm.globals:
        pn = cm.pyname[name]
        if pn in g:
            result[name] = g[pn]
    if freeze:
        for v in result.values():
            values.freeze(v)
    return result


_OPTIONS = frozenset({"set", "while", "recursion", "globalreassign", "toplevelcontrol"})


def _check_options(options: Iterable[str] | None) -> frozenset[str]:
    if options is None:
        return frozenset()
    if isinstance(options, str):
        options = [options]
    opts = frozenset(options)
    bad = opts - _OPTIONS
    if bad:
        raise ValueError(f"unknown dialect option(s): {', '.join(sorted(bad))}")
    return opts


def check(
    filename: str,
    source: str | bytes,
    *,
    predeclared: Mapping[str, Any] | Iterable[str] | None = None,
    options: Iterable[str] | None = None,
) -> None:
    """Parse and resolve without running; raise `StarlarkSyntaxError` with every static error."""
    names = list(predeclared or ())
    compile_module(filename, source, names, _check_options(options))


# ---------------------------------------------------------------- error translation


def _run_guarded(fn: Callable[[], Any], ctx: ThreadContext) -> Any:
    try:
        return fn()
    except StarlarkError as e:
        if isinstance(e, EvalError) and e.stack:
            raise
        if isinstance(e, EvalError):
            raise _translate(e, e.__traceback__) from e.__cause__
        raise
    except RecursionError as e:
        raise _translate(e, e.__traceback__) from None
    except Exception as e:  # the boundary: every other exception is translated here
        err = _translate(e, e.__traceback__)
        raise err from e


def _frames(tb) -> tuple[list[CallFrame], Any, bool]:
    """Starlark frames of a traceback; the last Starlark tb; whether it raised itself."""
    frames: list[CallFrame] = []
    last = None
    between: set = set()  # the code of the Python frames since the last Starlark one
    while tb is not None:
        co = tb.tb_frame.f_code
        entry = code_entry(co)
        if entry is None:
            between.add(co)
        else:
            info, cm = entry
            pos = _position(co, tb.tb_lasti, cm.filename)
            if last is not None and between:
                # a built-in that called back (sorted's key=): its frame, as Go's
                name = _builtin_called(last, frames[-1].pos, between)
                if name is not None:
                    frames.append(CallFrame(name, BUILTIN_POS))
            if info.kind == "comprehension" and frames:
                frames[-1] = CallFrame(frames[-1].name, pos)
            else:
                frames.append(CallFrame(info.name, pos))
            last = tb
            between = set()
        tb = tb.tb_next
    raised_here = last is not None and last.tb_next is None
    return frames, last, raised_here


#: where a built-in's frame is: nowhere in a file (rendered `<builtin>`, as Go)
BUILTIN_POS = Position("<builtin>", 0, 0)


def _builtin_called(tb, pos: Position, between: set) -> str | None:
    """The name of the built-in called at `pos` in `tb`'s Starlark frame, if
    its Python code is among `between` (it is running: it called back)."""
    _, cm = code_entry(tb.tb_frame.f_code)
    name = cm.call_names.get((pos.line, pos.col))
    if name is None:
        return None
    frame = tb.tb_frame
    for obj in (
        frame.f_locals.get(name),
        frame.f_globals.get("$b_" + name),
        frame.f_globals.get(name),
    ):
        if type(obj) is Builtin:
            code = getattr(obj.fn, "__code__", None)
            return obj.name if code is not None and code in between else None
    return None


def _position(co, lasti: int, filename: str) -> Position:
    if lasti < 0:
        return Position(filename, co.co_firstlineno, 1)
    positions = list(co.co_positions())
    idx = lasti // 2
    if 0 <= idx < len(positions):
        line, _, col, _ = positions[idx]
        if line is not None:
            return Position(filename, line, (col or 0) + 1)
    return Position(filename, co.co_firstlineno, 1)


def _raised_in_package(tb) -> bool:
    while tb.tb_next is not None:
        tb = tb.tb_next
    fname = tb.tb_frame.f_code.co_filename
    return os.path.dirname(os.path.abspath(fname)) == _PKG_DIR


def _translate(e: BaseException, tb) -> EvalError:
    frames, last, raised_here = _frames(tb)
    function = None
    if last is not None:
        _, cm = code_entry(last.tb_frame.f_code)
        pos = frames[-1].pos if frames else None
        if pos is not None and not raised_here and last.tb_next.tb_frame.f_code not in _NOT_A_CALL:
            function = cm.call_names.get((pos.line, pos.col))
    if isinstance(e, _RecursiveCall):
        # as Go: in the re-entered function's own frame, at its entry
        frame = None
        if frames and last is not None:
            frame = _entry_frame(last.tb_frame.f_code, frames[-1].name)
        if frame is not None:
            return EvalError(e.msg, [*frames[:-1], frame], None)
        return EvalError(e.msg, frames[:-1] or frames, None)
    if isinstance(e, ops.NoAttrError) and _failed_method_lookup(last):
        # `x.name(...)` where x has no method `name`: the error of the lookup,
        # at its `.`, not one of a built-in called at the `(` (as Go)
        _, cm = code_entry(last.tb_frame.f_code)
        pos = frames[-1].pos
        dot = cm.dot_sites.get((pos.line, pos.col))
        if dot is not None:
            frames[-1] = CallFrame(frames[-1].name, Position(pos.file, *dot))
        return EvalError(e.msg, frames, None)
    if isinstance(e, EvalError):
        msg = e.msg
        if function is not None and 'for parameter "' in msg:
            msg = _quoted_as_given(msg, cm, frames[-1].pos)
        return EvalError(msg, frames, function)
    if isinstance(e, RecursionError):
        return EvalError("call stack too deep", frames[-50:])
    if isinstance(e, MemoryError):
        # the script's values outgrew the process (no budget bounds memory)
        return EvalError("out of memory", frames)
    if raised_here or (
        last is not None and isinstance(e, TypeError) and _is_binding_error(last, e)
    ):
        msg = _explain_here(e, last)
        if msg is not None:
            # (a built-in's arguments that do not bind: the built-in's error, as
            # Go; a Starlark function's: in a frame of the callee, as Go)
            callee = getattr(msg, "frame", None)
            if callee is not None:
                frames.append(callee)
            return EvalError(str(msg), frames, getattr(msg, "function", function))
    elif isinstance(e, TypeError) and _raised_in_package(tb):
        # a built-in (sorted's key=, ...) called a Starlark function with
        # arguments Python could not bind: its compiled name says which
        m = _COMPILED_CALL.match(str(e))
        if m is not None:
            name = m.group(1)
            return EvalError(_function_binding_message(name, str(e)), frames, function)
    if _raised_in_package(tb) or last is None:
        err = InternalError(f"internal error: {type(e).__name__}: {e}", frames, function)
        return err
    # an embedder's built-in raised: that is the error of the call
    return EvalError(str(e) or type(e).__name__, frames, function)


# helpers whose errors are at a call's position but not the callee's: a
# slice's (see compiler._last_pos), and the unpacking of `*args`, `**kwargs`
_NOT_A_CALL = frozenset(
    f.__code__ for f in (ops.slice, ops.star_args, ops.star_args_kw, ops.kwargs_dict)
)


_QUOTED_PARAM = re.compile(r'for parameter "(\w+)"')


def _quoted_as_given(msg: str, cm, pos) -> str:
    """A built-in's `for parameter "key": ...`, unquoted when the call at
    `pos` gave that argument by position: Go quotes a parameter's name only
    when it was given by name (a built-in cannot tell how it was given)."""
    m = _QUOTED_PARAM.search(msg)
    if m is None:
        return msg
    site = cm.keyword_sites.get((pos.line, pos.col))
    if site is not None and (m.group(1) in site[0] or site[1]):
        return msg  # by name (or perhaps in a **kwargs)
    return msg.replace(m.group(0), f"for parameter {m.group(1)}", 1)


def _failed_method_lookup(last) -> bool:
    """The error was raised by `$invoke`'s lookup of the method, not by the method."""
    if last is None:
        return False
    nxt = last.tb_next
    if nxt is None or nxt.tb_frame.f_code not in (_invoke.__code__, _has.__code__):
        return False
    nxt = nxt.tb_next
    return nxt is not None and nxt.tb_frame.f_code is ops.getattr_.__code__


# "$toplevel.<locals>.f$3() missing 1 required positional argument: 'b'"
_COMPILED_CALL = re.compile(r"(?:\S*\.)?(\w+)\$\d+\(\) ")


def _is_binding_error(last_tb, e: TypeError) -> bool:
    # Builtin.__call__ or _invoke calling fn(...) with arguments Python could not bind
    nxt = last_tb.tb_next
    return (
        nxt is not None
        and nxt.tb_next is None
        and nxt.tb_frame.f_code in (Builtin.__call__.__code__, _invoke.__code__)
    )


def _explain_here(e: BaseException, tb) -> str | None:
    """Explain a Python exception raised directly by compiled code."""
    if isinstance(e, UnboundLocalError):
        name = getattr(e, "name", None) or _quoted(str(e))
        return f"local variable {name} referenced before assignment"
    if isinstance(e, NameError):
        name = getattr(e, "name", None) or _quoted(str(e))
        if name and name.startswith(("$l_", "$g_", "$v_")):
            name = name[3:]
        elif name and name.startswith(("$fn_", "$fs_")):
            name = name[4:]  # a direct call of a global def not bound yet
        if "free variable" in str(e):
            return f"local variable {name} referenced before assignment"
        return f"global variable {name} referenced before assignment"
    if isinstance(e, ZeroDivisionError):
        return "division by zero"
    if isinstance(e, (IndexError, KeyError, TypeError)):
        msg = _explain_index(tb)
        if msg is not None:
            return msg
    if isinstance(e, TypeError):
        text = str(e)
        if "unhashable type" in text:
            return f"unhashable type: {_starlark_type_in(text)}"
        return _explain_call(tb, text)
    return None


def _explain_index(tb) -> str | None:
    """An inline `x[i]` failed natively: re-run `ops.index` for Starlark's message."""
    frame = tb.tb_frame
    entry = code_entry(frame.f_code)
    if entry is None:
        return None
    cm = entry[1]
    pos = _position(frame.f_code, tb.tb_lasti, cm.filename)
    site = cm.index_sites.get((pos.line, pos.col))
    if site is None:
        return None
    vals = []
    for kind, v in site:
        if kind == "const":
            vals.append(v)
        elif v in frame.f_locals:
            vals.append(frame.f_locals[v])
        elif v in frame.f_globals:
            vals.append(frame.f_globals[v])
        else:
            return None
    try:
        ops.index(*vals)
    except EvalError as err:
        return err.msg
    return None


def _quoted(text: str) -> str | None:
    i = text.find("'")
    j = text.find("'", i + 1)
    if i >= 0 and j > i:
        return text[i + 1 : j]
    return None


_PY_TYPE_NAMES = {"list": "list", "dict": "dict"}
_PY_TYPE_NAMES.update({t.__name__: values.type_name(t()) for t in values.GUARDED})


def _starlark_type_in(text: str) -> str:
    q = _quoted(text) or "value"
    return _PY_TYPE_NAMES.get(q, q)


def _explain_call(tb, text: str) -> str | None:
    """A TypeError at a call site: argument binding failed, or not callable."""
    frame = tb.tb_frame
    _, cm = code_entry(frame.f_code)
    pos = _position(frame.f_code, tb.tb_lasti, cm.filename)
    if "not callable" in text:
        return f"invalid call of non-function ({_starlark_type_in(text)})"
    if "argument after * must be" in text:
        return "argument after * must be iterable"
    if "argument after ** must be" in text:
        return "argument after ** must be a mapping"
    if "keywords must be strings" in text:
        d = frame.f_locals.get(cm.starstar_sites.get((pos.line, pos.col), ""))
        bad = [k for k in d if type(k) is not str] if isinstance(d, dict) else []
        if bad:
            return f"keywords must be strings, not {values.type_name(bad[0])}"
        return "keywords must be strings"
    nxt = tb.tb_next
    if nxt is not None and nxt.tb_frame.f_code is _invoke.__code__:
        loc = nxt.tb_frame.f_locals
        if "fn" in loc:
            return _builtin_binding_message(loc["name"], loc["fn"], True, text)
        f = loc.get("f")
        if type(f) is Builtin:
            return _builtin_binding_message(f.name, f.fn, f.recv is not None, text)
        head = text.split("(", 1)[0].rsplit(".", 1)[-1]
        return _function_binding_message("lambda" if head == "<lambda>" else head, text)
    if nxt is not None and nxt.tb_frame.f_code is Builtin.__call__.__code__:
        # a built-in called through its Builtin value: the arguments are known exactly
        loc = nxt.tb_frame.f_locals
        b = loc["self"]
        return _builtin_binding_message(b.name, b.fn, b.recv is not None, text)
    method = cm.method_sites.get((pos.line, pos.col))
    if method is not None:
        owner, mname, *recv = method
        if "|" in owner:  # a method several types have: the receiver's type says which
            owner = values.type_name(frame.f_locals.get(recv[0]))
            owner = "str" if owner == "string" else owner  # (the tables' key)
        table = _OWNER_TABLES.get(owner)
        if table is not None and mname in table:
            return _builtin_binding_message(mname, table[mname], True, text)
    callee = cm.call_names.get((pos.line, pos.col))
    obj = None
    if callee is not None:
        obj = frame.f_locals.get(callee, frame.f_globals.get(callee))
        if obj is None:
            obj = universe.UNIVERSE_SET.get(callee)
    if type(obj) is Builtin:
        return _builtin_binding_message(obj.name, obj.fn, obj.recv is not None, text)
    if type(obj) is Function:
        actual = _actual_arguments(frame, cm.star_sites.get((pos.line, pos.col)))
        if actual is not None:
            msg = _go_binding(obj, *actual)
            if msg is not None:
                return _with_callee_frame(msg, obj)
        site = cm.keyword_sites.get((pos.line, pos.col))
        text = _positional_first(obj, site, text)
        msg = _function_binding_message(obj.name, text, _missing_keyword_only(obj, site))
        co = obj.fn.__code__
        if "accepts no arguments" in msg and (
            co.co_argcount or co.co_kwonlyargcount or co.co_flags & 0x0C
        ):
            msg = msg.replace("accepts no arguments", "accepts 0 positional arguments")
        return _with_callee_frame(msg, obj)
    head = text.split("(", 1)[0].rsplit(".", 1)[-1]
    return _function_binding_message("lambda" if head == "<lambda>" else head, text)


# Go's wording for built-ins whose own checks differ from UnpackArgs'.
_EXACTLY_ONE = frozenset({"bytes", "str", "type"})
_NO_KEYWORDS = frozenset({"bytes", "chr", "float", "str", "type", "zip"})


class _CalleeMessage(str):
    """The message of an error binding a Starlark function's arguments, with
    the callee's `frame` (Go reports it there)."""

    frame: CallFrame


def _entry_frame(code, name: str) -> CallFrame | None:
    """The frame of Starlark function `code` at its entry (Go's position of
    a frame whose function has not run an instruction yet)."""
    entry = code_entry(code)
    if entry is None:
        return None
    info, cm = entry
    at = cm.entry_pos.get(info.index)
    return None if at is None else CallFrame(name, Position(cm.filename, *at))


def _with_callee_frame(msg: str, f: Function) -> str:
    frame = _entry_frame(f.fn.__code__, f.name)
    if frame is None:
        return msg
    out = _CalleeMessage(msg)
    out.frame = frame
    return out


class _BuiltinMessage(str):
    """The message of an error of built-in `function`."""

    function: str


def _builtin_binding_message(name: str, fn: Callable, is_method: bool, text: str) -> str:
    """Rephrase an argument-binding TypeError of a built-in as Go's UnpackArgs does."""
    msg = _BuiltinMessage(_binding_text(name, fn, is_method, text))
    msg.function = name
    return msg


def _binding_text(name: str, fn: Callable, is_method: bool, text: str) -> str:
    import re

    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return f"{name}: {text}"
    params = list(sig.parameters.values())
    if is_method and params:
        params = params[1:]
    P = inspect.Parameter
    positional = [p for p in params if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)]
    has_varargs = any(p.kind is P.VAR_POSITIONAL for p in params)
    takes_keywords = any(
        p.kind in (P.POSITIONAL_OR_KEYWORD, P.KEYWORD_ONLY, P.VAR_KEYWORD) for p in params
    )
    required = [p for p in positional if p.default is P.empty]
    lo, hi = len(required), (None if has_varargs else len(positional))
    m = re.search(r"unexpected keyword argument '([^']*)'", text) or re.search(
        r"positional-only arguments passed as keyword arguments: '([^']*)'", text
    )
    if m or "takes no keyword arguments" in text:
        if name in _NO_KEYWORDS:
            return f"{name} does not accept keyword arguments"
        if not takes_keywords or not m:
            return f"{name}: unexpected keyword arguments"
        return f'{name}: unexpected keyword argument "{m.group(1)}"'
    m = re.search(r"multiple values for argument '([^']*)'", text)
    if m:
        return f'{name}: got multiple values for keyword argument "{m.group(1)}"'
    got = None
    m = re.search(r"but (\d+) (?:positional arguments? )?(?:was|were) given", text)
    if m:
        got = int(m.group(1)) - (1 if is_method else 0)
    m2 = re.search(r"missing \d+ required (?:positional|keyword-only) arguments?: (.*)$", text)
    missing = re.findall(r"'([^']*)'", m2.group(1)) if m2 else []
    if missing and got is None:
        names = [p.name for p in positional]
        got = names.index(missing[0]) if missing[0] in names else 0
        if takes_keywords and name not in _EXACTLY_ONE:
            return f"{name}: missing argument for {missing[0]}"
    if got is None:
        return f"{name}: {text}"
    if name == "float":
        return f"float got {got} arguments, wants 1"
    if name in _EXACTLY_ONE:
        return f"{name}: got {got} arguments, want exactly 1"
    if hi is not None and got > hi:
        return f"{name}: got {got} arguments, want {'at most ' if hi > lo else ''}{hi}"
    return f"{name}: got {got} arguments, want {'at least ' if hi is None or hi > lo else ''}{lo}"


def _actual_arguments(frame, site: tuple | None) -> tuple[int, list[str]] | None:
    """How many positional arguments a failed call with `*args` or `**kwargs`
    at `site` (CompiledModule.star_sites) gave, and the names of its named
    ones in Go's order (the named, then the keys of **kwargs); None if an
    operand is neither a plain name, read again from the caller's frame, nor
    a display. (Nothing runs between the unpacking and the binding that
    could rebind a local of the caller.)"""
    if site is None:
        return None
    npos, named, star, starstar = site
    if star is None or starstar is None:
        return None
    loc = frame.f_locals
    names = list(named)
    try:
        if type(star) is int:
            npos += star  # (a display's length)
        elif star:
            v = loc[star] if star in loc else frame.f_globals[star]
            npos += len(ops.star_args(v))
        if type(starstar) is tuple:
            names += starstar  # (a display's keys)
        elif starstar:
            d = loc[starstar] if starstar in loc else frame.f_globals[starstar]
            names += list(d)
    except Exception:  # noqa: BLE001 - (an operand not found or not unpackable: Python's words then)
        return None
    return npos, names


def _go_binding(f: Function, npos: int, names: list[str]) -> str | None:
    """The error of Go's setArgs binding `npos` positional arguments and named
    ones `names` (in order) to Starlark function `f`'s parameters, or None if
    they bind. Go checks in this order: the number of positional arguments,
    each name (a parameter given twice, or unknown without **kwargs), then
    the parameters left without a value or a default."""
    fn = f.fn
    co = fn.__code__
    name = f.name
    nargs, nkwonly = co.co_argcount, co.co_kwonlyargcount
    varargs, varkw = bool(co.co_flags & 0x04), bool(co.co_flags & 0x08)
    if not (nargs or nkwonly or varargs or varkw):
        if npos + len(names):
            return f"function {name} accepts no arguments ({npos + len(names)} given)"
        return None
    defaults = fn.__defaults__ or ()
    kwdefaults = fn.__kwdefaults__ or {}
    nparams = nargs + nkwonly
    params = co.co_varnames[:nparams]
    n = npos
    if npos > nargs:
        if not varargs:
            at_most = "at most " if defaults else ""
            s = "" if nargs == 1 else "s"
            return f"function {name} accepts {at_most}{nargs} positional argument{s} ({npos} given)"
        n = nargs
    bound = [i < n for i in range(nparams)]
    extra: set[str] = set()
    for k in names:
        if k in params:
            i = params.index(k)
            if bound[i]:
                return f'function {name} got multiple values for parameter "{k}"'
            bound[i] = True
        elif not varkw:
            return f'function {name} got an unexpected keyword argument "{k}"'
        elif k in extra:
            return f'function {name} got multiple values for parameter "{k}"'
        else:
            extra.add(k)
    first_default = nargs - len(defaults)
    missing = [
        params[i]
        for i in range(n, nparams)
        if not bound[i] and (i < first_default if i < nargs else params[i] not in kwdefaults)
    ]
    if missing:
        s = "s" if len(missing) > 1 else ""
        return f"function {name} missing {len(missing)} argument{s} ({', '.join(missing)})"
    return None


def _positional_first(f: Function, site: tuple | None, text: str) -> str:
    """Python's error for too many positional arguments, if the call of `f` at
    `site` has them, in place of `text`: Go checks their number first, Python
    an unexpected keyword first."""
    if site is None or site[2] < 0:
        return text
    if "unexpected keyword" not in text and "multiple values" not in text:
        return text
    co = f.fn.__code__
    n, most = site[2], co.co_argcount
    if not (most or co.co_kwonlyargcount or co.co_flags & 0x0C) and not site[1]:
        # no parameter at all: Go counts every argument ("accepts no arguments")
        return f"takes 0 positional arguments but {n + len(site[0])} were given"
    if co.co_flags & 0x04 or n <= most:  # (a *args parameter takes any number)
        return text
    least = most - len(f.fn.__defaults__ or ())
    takes = f"from {least} to {most}" if least < most else str(most)
    return f"takes {takes} positional argument{'s' if most != 1 else ''} but {n} were given"


def _missing_keyword_only(f: Function, site: tuple | None) -> list[str]:
    """The keyword-only parameters of `f` without a default that a call with
    the named arguments of `site` (None: none) does not give; [] if unknown."""
    if site is not None and site[1]:
        return []  # (a **kwargs: which names it gives is not known here)
    co = f.fn.__code__
    given = set(site[0]) if site is not None else set()
    defaults = f.fn.__kwdefaults__ or {}
    kwonly = co.co_varnames[co.co_argcount : co.co_argcount + co.co_kwonlyargcount]
    return [k for k in kwonly if k not in defaults and k not in given]


def _function_binding_message(name: str, text: str, kwonly: list[str] | None = None) -> str:
    """Rephrase an argument-binding TypeError of a Starlark function in Go's
    words. Python names missing keyword-only parameters only once every
    positional one is given; Go names them all: `kwonly` are those missing."""
    import re

    m = re.search(r"missing (\d+) required (?:positional|keyword-only) arguments?: (.*)$", text)
    if m:
        names = re.findall(r"'([^']*)'", m.group(2))
        names += [k for k in kwonly or () if k not in names]
        n = len(names)
        return f"function {name} missing {n} argument{'s' if n != 1 else ''} ({', '.join(names)})"
    m = re.search(r"takes (from \d+ to )?(\d+) positional arguments? but (\d+)", text)
    if m:
        want, got = int(m.group(2)), int(m.group(3))
        if want == 0:
            return f"function {name} accepts no arguments ({got} given)"
        at_most = "at most " if m.group(1) else ""
        s = "s" if want != 1 else ""
        return f"function {name} accepts {at_most}{want} positional argument{s} ({got} given)"
    m = re.search(r"takes 0 positional arguments but (\d+)", text)
    if m:
        return f"function {name} accepts no arguments ({m.group(1)} given)"
    m = re.search(r"got an unexpected keyword argument '([^']*)'", text)
    if m:
        return f'function {name} got an unexpected keyword argument "{m.group(1)}"'
    m = re.search(r"got multiple values for (?:keyword )?argument '([^']*)'", text)
    if m:
        return f'function {name} got multiple values for parameter "{m.group(1)}"'
    return f"function {name}: {text}"
