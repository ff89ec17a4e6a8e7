"""Measure how long starflow takes to compile the generated 1,000+ line script.

Usage (from the repository root):

    .venv/bin/python bench/compile_time.py [--runs 5] [--file bench/workloads/big_generated.star]

Each run is a fresh process (this script re-invoked with --child), which
reports, in milliseconds:

- import: `import starflow.starlark` (kept out of every other figure);
- parser build: the first compile of a one-line script minus the compile of
  a second, different one-line script: the one-time cost of building the
  LALR parser and any other lazy set-up;
- cold compile: parse + resolve + compile of the big script (the parser is
  already built), with the time of each stage when the interpreter's stages
  can be observed (`parser.parse`, `resolve.resolve_file`,
  `compiler.compile_file`, wrapped while `machine.compile_module` runs);
- second compile: compiling the same source again in the same process,
  which should be a cache hit (~0 ms);
- exec (cached): `exec_file` of the big script once it is compiled, i.e. the
  cost of running its top level;
- cpython compile: CPython's own `compile()` of the same file, for scale.

The medians over the runs are printed as a markdown table. If the internal
`machine.compile_module` is not there, cold and second compile are taken
from two `exec_file` calls instead (the second then also executes).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_FILE = HERE / "workloads" / "big_generated.star"
STAGES = (("parser", "parse"), ("resolve", "resolve_file"), ("_compiler", "compile_file"))


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000


def child(path: pathlib.Path) -> dict[str, float | str]:
    """One fresh-process measurement; returns the figures in ms."""
    source = path.read_text()
    out: dict[str, float | str] = {}
    t0 = time.perf_counter()
    import starflow.starlark as sl  # imported here: the import is what is timed

    out["import"] = _ms(t0)
    machine = sys.modules.get("starflow.starlark.machine")
    compile_module = getattr(machine, "compile_module", None)

    if compile_module is None:
        out["mode"] = "exec_file (no machine.compile_module)"

        def compile_once(name: str, src: str) -> None:
            sl.exec_file(name, src)

    else:
        out["mode"] = "machine.compile_module"

        def compile_once(name: str, src: str) -> None:
            # (sealed: the compile exec_file makes outside a thread, which
            # the exec below then finds in the cache)
            compile_module(name, src, (), frozenset(), sealed=True)

    t0 = time.perf_counter()
    compile_once("tiny1.star", "a = 1\n")
    first_tiny = _ms(t0)
    t0 = time.perf_counter()
    compile_once("tiny2.star", "b = 2\n")
    out["parser build"] = first_tiny - _ms(t0)

    # Wrap the stage functions (looked up through machine's module globals at
    # call time) so the cold compile also yields a per-stage breakdown.
    stage_ms: dict[str, float] = {}
    restore = []
    for mod_name, fn_name in STAGES:
        mod = getattr(machine, mod_name, None)
        fn = getattr(mod, fn_name, None)
        if fn is None:
            continue

        def timed(*a, _fn=fn, _key=fn_name, **kw):
            t = time.perf_counter()
            try:
                return _fn(*a, **kw)
            finally:
                stage_ms[_key] = stage_ms.get(_key, 0.0) + _ms(t)

        setattr(mod, fn_name, timed)
        restore.append((mod, fn_name, fn))
    try:
        t0 = time.perf_counter()
        compile_once(path.name, source)
        out["cold compile"] = _ms(t0)
    finally:
        for mod, fn_name, fn in restore:
            setattr(mod, fn_name, fn)
    for key, ms in stage_ms.items():
        out["of which " + key] = ms

    t0 = time.perf_counter()
    compile_once(path.name, source)
    out["second compile"] = _ms(t0)
    t0 = time.perf_counter()
    try:
        sl.exec_file(path.name, source)
        out["exec (cached)"] = _ms(t0)
    except sl.StarlarkError as e:  # a runtime bug must not hide the compile figures
        out["exec error"] = str(e).splitlines()[0]
    t0 = time.perf_counter()
    compile(source, str(path), "exec")
    out["cpython compile"] = _ms(t0)
    return out


def main() -> None:
    """Spawn the fresh-process runs and print the medians."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", type=pathlib.Path, default=DEFAULT_FILE)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print("@@" + json.dumps(child(args.file)))
        return

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    results = []
    for _ in range(args.runs):
        p = subprocess.run(
            [sys.executable, __file__, "--child", "--file", str(args.file)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        lines = [ln for ln in p.stdout.splitlines() if ln.startswith("@@")]
        if not lines:
            err = (p.stderr.strip().splitlines() or [f"exit {p.returncode}"])[-1]
            sys.exit(f"compile_time: the child run failed: {err}")
        results.append(json.loads(lines[-1][2:]))

    lines_in_file = args.file.read_text().count("\n")
    print(f"### Compile time of {args.file.name} ({lines_in_file} lines)")
    print()
    print(f"- Python {platform.python_version()}, {os.cpu_count()} cores; median of {args.runs}")
    print(f"- compile measured through: {results[0]['mode']}")
    if "exec error" in results[0]:
        print(f"- exec_file of the script failed: {results[0]['exec error']}")
    print()
    print("| phase | ms |")
    print("|---|---|")
    for key in results[0]:
        if key in ("mode", "exec error"):
            continue
        ms = statistics.median(r[key] for r in results if key in r)
        print(f"| {key} | {ms:.2f} |")


if __name__ == "__main__":
    main()
