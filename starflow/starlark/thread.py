"""Checkpointable threads: suspend at an external call, resume from recorded frames.

A `Thread` runs a module's top level and then its entry function. When the
program calls an `external(name)` value, nothing runs: the call raises
`_Suspension`, which unwinds every compiled frame. On the way out nothing is
recorded; at the boundary the thread reads the traceback once (lazy capture):
each Starlark frame becomes a `FrameRecord` (its code index, the call site it
is suspended at, its locals), which is all that frame's state because the
compiler keeps every live value in a local (see compiler.call_expr).

Resuming never replays anything. The thread builds, for each recorded frame,
the function's resume variant (compiler.resume_variant), which restores the
locals and jumps straight to the recorded site; the site's value comes from
the next frame's resumption, and the innermost site's from the value given to
`resume` (or the error given to `fail`). The same path serves a thread resumed
in-process and one restored from a snapshot in another process.

Refused, with a clear error: suspending inside a built-in's callback
(`sorted(key=...)`, `min`/`max(key=...)`) and inside a Starlark function
called as a method of a host value.

Known limit (issue #3 continues): a variable captured by a closure created
before the suspension is restored by value in the resumed frame, so a later
rebinding of it by the resumed frame is not seen by that closure.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import compiler as _compiler
from . import machine, values
from .errors import EvalError, SnapshotError, StarlarkError
from .values import Builtin

__all__ = ["External", "Finished", "Suspended", "Thread", "external"]


class External:
    """A function the embedder runs: calling it suspends the thread.

    `external(name)` makes one; put it in `predeclared` (or in a module).
    """

    type_name = "builtin_function_or_method"
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise _Suspension(self.name, args, kwargs)

    def starlark_repr(self) -> str:
        return f"<external {self.name}>"

    def __repr__(self) -> str:
        return f"external({self.name!r})"


def external(name: str) -> External:
    """A value that, when a script calls it, suspends the thread (see `Thread`)."""
    return External(name)


class _Suspension(BaseException):
    # BaseException: no `except Exception` in a host built-in may swallow it.
    def __init__(self, name: str, args: tuple, kwargs: dict):
        super().__init__(name)
        self.name = name
        self.call_args = args
        self.call_kwargs = kwargs


@dataclass(frozen=True, slots=True)
class Suspended:
    """The thread stopped at an external call; `resume(value)` supplies its result."""

    name: str
    args: tuple
    kwargs: dict
    step: int  # the n-th external call of this thread, counted from 1


@dataclass(frozen=True, slots=True)
class Finished:
    """The entry function returned `value`."""

    value: Any


@dataclass(slots=True)
class _Frame:
    code: int
    site: int
    locals: dict[str, Any]
    fn: Any = None  # the Function this frame runs (None for the top level)


@dataclass(slots=True)
class _State:
    phase: str = "init"  # init -> toplevel | entry -> done
    frames: list[_Frame] = field(default_factory=list)
    pending: tuple[str, tuple, dict] | None = None
    calls: int = 0
    entry: str = "main"
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


_SKIP_LOCALS = frozenset({"$L", "$r", "$inner"})


class Thread:
    """A Starlark thread that can stop at external calls and be snapshotted.

    Not thread-safe: one Python thread drives a `Thread` at a time.
    """

    def __init__(self) -> None:
        raise TypeError("use Thread.start(...) or Thread.restore(...)")

    @classmethod
    def _make(
        cls, filename, source, predeclared, options, max_steps, load, codec, print_fn=None
    ) -> Thread:
        self = object.__new__(cls)
        self._predeclared = {
            k: machine._wrap_predeclared(v) for k, v in (predeclared or {}).items()
        }
        self._options = machine._check_options(options)
        self._cm = machine.compile_module(filename, source, self._predeclared.keys(), self._options)
        self._ctx = machine.ThreadContext(print_fn=print_fn, max_steps=max_steps, load=load)
        self._globals = machine._module_globals(
            self._cm, self._predeclared, self._options, self._ctx
        )
        exec(self._cm.code, self._globals)  # noqa: S102 - defines $toplevel from our own AST
        self._codec = codec
        self._st = _State()
        return self

    @classmethod
    def start(
        cls,
        filename: str,
        source: str | bytes,
        *,
        entry: str = "main",
        args: tuple = (),
        kwargs: Mapping[str, Any] | None = None,
        predeclared: Mapping[str, Any] | None = None,
        options: Any = None,
        max_steps: int | None = None,
        load: Callable[[str], Mapping[str, Any]] | None = None,
        codec: Any = None,
        print: Callable[[str], None] | None = None,
    ) -> Thread:
        """Prepare a thread that runs the module's top level, then `entry(*args, **kwargs)`.

        Nothing runs until the first `resume()`. Static errors raise here.
        `print` receives each line the script prints (default: stdout).
        """
        self = cls._make(filename, source, predeclared, options, max_steps, load, codec, print)
        self._st.entry = entry
        self._st.args = tuple(values.from_python(a) for a in args)
        self._st.kwargs = {k: values.from_python(v) for k, v in (kwargs or {}).items()}
        return self

    # ------------------------------------------------------------ running

    def resume(self, value: Any = None) -> Suspended | Finished:
        """Run until the next external call or the end.

        The first call starts the thread (`value` is ignored); each later one
        supplies the result of the pending external call.
        """
        return self._advance(lambda: value)

    def fail(self, message: str) -> Suspended | Finished:
        """Make the pending external call fail with a Starlark error `message`."""
        if self._st.pending is None:
            raise StarlarkError("thread.fail: no external call is pending")

        def raise_it():
            raise EvalError(message)

        return self._advance(raise_it)

    @property
    def pending(self) -> Suspended | None:
        """The external call the thread is stopped at, if any."""
        st = self._st
        if st.pending is None:
            return None
        name, a, kw = st.pending
        return Suspended(name, a, kw, st.calls)

    def _advance(self, result: Callable[[], Any]) -> Suspended | Finished:
        st = self._st
        if st.phase == "done":
            raise StarlarkError("thread has finished")
        if st.phase != "init" and st.pending is None:
            raise StarlarkError("thread is not suspended")
        outer = machine._local.thread
        machine._local.thread = self._ctx
        try:
            value = machine._run_guarded(lambda: self._run(result), self._ctx)
        except _Suspension as sus:
            self._capture(sus)
            st.calls += 1
            st.pending = (sus.name, sus.call_args, sus.call_kwargs)
            return Suspended(sus.name, sus.call_args, sus.call_kwargs, st.calls)
        except BaseException:
            st.phase = "done"
            st.pending = None
            raise
        finally:
            machine._local.thread = outer
        st.phase = "done"
        st.pending = None
        return Finished(value)

    def _run(self, result: Callable[[], Any]) -> Any:
        st = self._st
        if st.phase == "init":
            st.phase = "toplevel"
            self._globals["$toplevel"]()
            return self._after_toplevel()
        frames, st.frames = st.frames, []
        st.pending = None
        out = self._resume_frames(frames, 0, result)
        if st.phase == "toplevel":
            return self._after_toplevel()
        return out

    def _after_toplevel(self) -> Any:
        st = self._st
        g = self._globals
        for name in self._cm.globals:
            pn = self._cm.pyname[name]
            if pn in g:
                values.freeze(g[pn])
        st.phase = "entry"
        pn = self._cm.pyname.get(st.entry)
        fn = g.get(pn) if pn else None
        if fn is None:
            raise EvalError(f"entry function {st.entry} is not defined")
        if type(fn) is not machine.Function:
            raise EvalError(f"entry {st.entry} is not a function ({values.type_name(fn)})")
        if st.entry in self._cm.entry_clones:
            # an entry no code of the script calls: its clone takes any
            # arguments and calls the specialized clones (infer.module_types)
            return g["$fs_" + st.entry](*st.args, **st.kwargs)
        return fn.fn(*st.args, **st.kwargs)

    def _resume_frames(self, frames: list[_Frame], i: int, result: Callable[[], Any]) -> Any:
        f = frames[i]
        cm = self._cm
        fresh = f.code not in cm.resumes
        code = _compiler.resume_variant(cm, f.code)
        if fresh:  # register the variant's code objects: frames, errors, captures
            for co, info in cm.codes.values():
                machine.register_code(co, info, cm)
        normal = cm.by_index[f.code]
        closure = None
        if code.co_freevars:
            cells = {}
            if normal.co_freevars:
                cells.update(zip(normal.co_freevars, f.fn.fn.__closure__, strict=True))
            cells.update(_frame_cells(normal, f.locals))
            closure = tuple(cells[n] for n in code.co_freevars)
        rfn = types.FunctionType(code, self._globals, code.co_name, None, closure)
        loc = dict(f.locals)
        loc["$site"] = f.site
        if i + 1 < len(frames):
            # a C-level partial: no Python frame between two Starlark frames
            loc["$inner"] = functools.partial(self._resume_frames, frames, i + 1, result)
        else:
            loc["$inner"] = result
        return rfn(loc)

    # ------------------------------------------------------------ capture

    def _capture(self, sus: _Suspension) -> None:
        """Record the suspended frames from the traceback (lazy capture)."""
        seen: list[tuple] = []  # (info, cm, code, pos, locals, Python frames after it)
        tb = sus.__traceback__
        while tb is not None:
            co = tb.tb_frame.f_code
            entry = machine.code_entry(co)
            if entry is None:
                if seen and co not in _TRAMPOLINES:
                    seen[-1][5].append(co.co_name)
            else:
                info, cm = entry
                pos = machine._position(co, tb.tb_lasti, cm.filename)
                if cm is not self._cm:
                    # frames of a loaded module's functions are not resumable (yet)
                    raise EvalError(
                        f"cannot suspend inside a function of loaded module {cm.filename}: "
                        f"external call {sus.name}"
                    ) from None
                seen.append((info, cm, co, pos, tb.tb_frame.f_locals, []))
            tb = tb.tb_next
        if not seen:
            raise EvalError(f"external {sus.name} called outside the thread's program")
        frames: list[_Frame] = []
        for i, (info, cm, _co, pos, loc, after) in enumerate(seen):
            if after and i + 1 < len(seen):
                name = after[0].rstrip("_")
                raise EvalError(
                    f"cannot suspend inside a callback of built-in {name}: "
                    f"external call {sus.name} not allowed there"
                ) from None
            site = (
                cm.sites.get(info.index, {}).get((pos.line, pos.col)) if info.index >= 0 else None
            )
            if site is None:
                raise EvalError(f"cannot suspend at {pos}: not a call site") from None
            # the function's own free variables come back with its closure; a
            # resume variant's other free variables are the frame's cells: kept
            free = set(cm.by_index[info.index].co_freevars)
            # (a def leaves its raw Python function in `name$index`, never read
            # again; a finished site-free loop leaves its iterable's type in `$tyN`)
            saved = {
                k: v
                for k, v in loc.items()
                if k not in _SKIP_LOCALS
                and k not in free
                and type(v) is not types.FunctionType
                and not k.startswith(("$ty", "$p"))
            }
            # a loop holding a call site keeps its iterator in `$pN` (and its
            # iterable in `$itK`, named in the loop): saved as a position
            for k, v in loc.items():
                if k.startswith("$p") and k[2:].isdigit():
                    # (an int: restored, and its loop not entered again since)
                    saved[k] = v if type(v) is int else machine.loop_position(v, loc["$it" + k[2:]])
            frames.append(_Frame(info.index, site, saved))
        # which Function each frame runs: the entry, or the callee its caller kept in $fK
        st = self._st
        for i, f in enumerate(frames):
            if f.code == 0:
                continue
            if i == 0:
                pn = self._cm.pyname.get(st.entry)
                f.fn = self._globals.get(pn)
            else:
                prev = frames[i - 1]
                f.fn = prev.locals.get(f"$f{prev.site}")
            if type(f.fn) is not machine.Function:
                raise EvalError(
                    f"cannot suspend inside a function called as a method: external {sus.name}"
                ) from None
        st.frames = frames

    # ------------------------------------------------------------ snapshots

    def snapshot(self) -> bytes:
        """Encode the suspended thread as deterministic bytes (docs/snapshot-format.md)."""
        from . import snapshot as sn

        st = self._st
        if st.pending is None:
            raise StarlarkError("thread.snapshot: the thread is not suspended")
        hooks = _Hooks(self)
        frames = [sn.FrameRecord(f.code, f.site, dict(f.locals)) for f in st.frames]
        state = sn.ThreadState(
            script_hash=self._cm.source_hash,
            filename=self._cm.filename,
            options=self._options,
            frames=frames,
            globals=self._module_values(),
            steps=self._ctx.steps,
            max_steps=self._ctx.max_steps,
            pending=st.pending,
            extra={
                "phase": st.phase,
                "calls": st.calls,
                "entry": st.entry,
                "args": st.args,
                "kwargs": values.Dict(st.kwargs),
            },
        )
        return sn.encode(state, hooks)

    def _module_values(self) -> dict[str, Any]:
        g = self._globals
        out: dict[str, Any] = {}
        for name in self._cm.globals:
            pn = self._cm.pyname[name]
            if pn in g:
                out[pn] = g[pn]
        out.update({k: v for k, v in g.items() if k.startswith("$l_")})
        return out

    @classmethod
    def restore(
        cls,
        blob: bytes,
        filename: str,
        source: str | bytes,
        *,
        predeclared: Mapping[str, Any] | None = None,
        options: Any = None,
        load: Callable[[str], Mapping[str, Any]] | None = None,
        codec: Any = None,
        print: Callable[[str], None] | None = None,
    ) -> Thread:
        """Rebuild a suspended thread from `snapshot()` bytes and the same source.

        Raises:
            SnapshotError: the blob is corrupt, truncated, forged, or was made
                from another source or with other dialect options.
        """
        from . import snapshot as sn

        self = cls._make(filename, source, predeclared, options, None, load, codec, print)
        hooks = _Hooks(self)
        try:
            state = sn.decode(blob, hooks, expect_hash=self._cm.source_hash)
            hooks.fill_cells()
        except SnapshotError:
            raise
        except StarlarkError as e:
            raise SnapshotError(f"snapshot: {e}") from None
        if frozenset(state.options) != self._options:
            raise SnapshotError(
                f"snapshot: made with options {sorted(state.options)}, "
                f"restoring with {sorted(self._options)}"
            )
        ctx = self._ctx
        ctx.max_steps = state.max_steps
        ctx.budget.reset(None if state.max_steps is None else state.max_steps - state.steps)
        self._globals.update(state.globals)
        machine.link_defs(self._globals, self._cm)
        st = self._st
        ex = state.extra
        st.phase = ex.get("phase", "entry")
        st.calls = ex.get("calls", 0)
        st.entry = ex.get("entry", "main")
        st.args = tuple(ex.get("args", ()))
        st.kwargs = dict(ex.get("kwargs", {}))
        st.pending = state.pending
        st.frames = [_Frame(f.code, f.site, dict(f.locals)) for f in state.frames]
        try:
            self._relink(st.frames)
        except (KeyError, IndexError, TypeError) as e:
            raise SnapshotError(f"snapshot: frames do not match the program: {e}") from None
        return self

    def _relink(self, frames: list[_Frame]) -> None:
        st = self._st
        for i, f in enumerate(frames):
            if f.code not in self._cm.by_index:
                raise KeyError(f"no code {f.code}")
            if f.site not in self._cm.sites.get(f.code, {}).values():
                raise KeyError(f"no call site {f.site} in code {f.code}")
            if f.code == 0:
                continue
            if i == 0:
                f.fn = self._globals.get(self._cm.pyname.get(st.entry, ""))
            else:
                prev = frames[i - 1]
                f.fn = prev.locals.get(f"$f{prev.site}")
            if type(f.fn) is not machine.Function:
                raise TypeError(f"frame {i} has no function")


def _frame_cells(code, loc: dict[str, Any]) -> dict[str, Any]:
    """The cells of `code`'s cell variables, taken from closures the frame made.

    A closure created by the frame (its def is nested in `code`) holds the
    frame's cell for each variable it captures; one found in the frame's
    locals, or one level inside a list, tuple or dict there, is used. A
    variable no closure holds gets a fresh cell (nobody else can see it).
    """
    children = {k.co_name for k in code.co_consts if type(k) is type(code)}
    wanted = set(code.co_cellvars)
    found: dict[str, Any] = {}

    def visit(v: Any) -> None:
        # a def made by the frame (normal or resume variant: same name$index)
        if type(v) is machine.Function and v.fn.__code__.co_name in children:
            fn = v.fn
            for n, cell in zip(fn.__code__.co_freevars, fn.__closure__ or (), strict=False):
                if n in wanted:
                    found.setdefault(n, cell)

    for v in loc.values():
        visit(v)
        t = type(v)
        if t in values.LIST_TYPES or t is tuple:
            for x in v:
                visit(x)
        elif t in values.DICT_TYPES:
            for x in v.values():
                visit(x)
    for n in wanted:
        if n not in found:
            found[n] = types.CellType()
    return found


_TRAMPOLINES = frozenset(
    {
        machine._invoke.__code__,
        External.__call__.__code__,
        Thread._resume_frames.__code__,
        machine._run_guarded.__code__,
        Thread._run.__code__,
        Thread._after_toplevel.__code__,
    }
)


class _Hooks:
    """What the snapshot codec asks of the machine: functions, built-ins, host values."""

    def __init__(self, thread: Thread):
        self.t = thread
        self._cells: dict[int, Any] = {}  # id(python cell) -> Box (encode)
        self._keep: list[Any] = []
        self._boxcells: dict[int, Any] = {}  # id(Box) -> python cell (decode)
        names: dict[int, str] = {}
        for k, v in machine._universe(thread._options | {"set"}).items():
            if type(v) is Builtin:
                names[id(v)] = k
        for k, v in thread._predeclared.items():
            names[id(v)] = "p:" + k
        g = thread._globals
        for k in list(g):
            if k.startswith("$b_"):
                names.setdefault(id(g[k]), "g:" + k[3:])
        self._names = names

    def function_ref(self, fn: Any):
        if type(fn) is not machine.Function:
            return None
        info = machine.code_entry(fn.fn.__code__)
        if info is None or info[0].index < 0:
            return None
        if info[1] is not self.t._cm:
            raise SnapshotError(
                f"cannot snapshot function {fn.name} of loaded module {info[1].filename}"
            )
        boxes = []
        for cell in fn.fn.__closure__ or ():
            box = self._cells.get(id(cell))
            if box is None:
                try:
                    v = cell.cell_contents
                except ValueError:  # unbound
                    v = None
                box = values.Box(v)
                self._cells[id(cell)] = box
                self._keep.append(cell)
            boxes.append(box)
        kw = dict(fn.fn.__kwdefaults__ or {})
        return (info[0].index, fn.name, tuple(fn.fn.__defaults__ or ()), kw, tuple(boxes))

    def make_function(
        self, code: int, name: str, defaults: tuple, kwdefaults: dict, closure: tuple
    ):
        co = self.t._cm.by_index[code]
        # Boxes are filled only when decoding ends (a cell may hold the very
        # function being built): cells start empty and `fill_cells` sets them.
        cells = []
        for box in closure:
            cell = self._boxcells.get(id(box))
            if cell is None:
                cell = types.CellType()
                self._boxcells[id(box)] = cell
                self._keep.append(box)
            cells.append(cell)
        if len(cells) != len(co.co_freevars):
            raise SnapshotError(f"snapshot: function {name} has a wrong closure")
        f = types.FunctionType(
            co, self.t._globals, co.co_name, tuple(defaults) or None, tuple(cells) or None
        )
        if kwdefaults:
            f.__kwdefaults__ = dict(kwdefaults)
        return machine.Function(f, name)

    def fill_cells(self) -> None:
        """After decoding: give each rebuilt closure cell its box's value."""
        boxes = {id(b): b for b in self._keep if type(b) is values.Box}
        for key, cell in self._boxcells.items():
            cell.cell_contents = boxes[key].v

    def builtin_name(self, b: Any) -> str | None:
        return self._names.get(id(b))

    def builtin(self, name: str) -> Any:
        t = self.t
        if name.startswith("p:"):
            return t._predeclared[name[2:]]
        if name.startswith("g:"):
            return t._globals["$b_" + name[2:]]
        v = machine._universe(t._options | {"set"})[name]
        return v

    def host_encode(self, v: Any):
        codec = self.t._codec
        return None if codec is None else codec.encode(v)

    def host_decode(self, type_url: str, payload: bytes) -> Any:
        codec = self.t._codec
        if codec is None:
            raise SnapshotError(f"snapshot: host value {type_url} needs a codec")
        return codec.decode(type_url, payload)
