"""Compare the memory of values built by a Starlark script in starflow and in CPython.

Usage (from the repository root):

    .venv/bin/python bench/memory.py [--runs 3]

Two cases, each a script that is valid Starlark and valid Python:

- list: a list of 1,000,000 small ints (0 to 999,999), built by `append` in a loop;
- dict: a dict of 100,000 string keys (`"key%d" % i`) mapping to ints.

Each (case, implementation) runs in a fresh process (this script re-invoked
with --child). After the implementation is imported and warmed up on a tiny
script, tracemalloc is started, the script is executed (starflow:
`exec_file`; CPython: `exec` of the same text) and, with the module's
globals still alive, tracemalloc reports the memory still allocated
("retained": the value plus the module's code and globals) and the peak
during the run. The table gives the medians and starflow's ratio to CPython.
tracemalloc sees only memory allocated through Python's allocators, which is
all of it for both implementations here.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc

REPO = pathlib.Path(__file__).resolve().parent.parent

CASES = {
    "list of 1,000,000 small ints": """
def build():
    xs = []
    for i in range(1000000):
        xs.append(i)
    return xs

result = build()
""",
    "dict of 100,000 string keys": """
def build():
    d = {}
    for i in range(100000):
        d["key%d" % i] = i
    return d

result = build()
""",
}
WARM = "def _w(x):\n    return [x, {'k': x}]\n\nresult = _w(1)\n"


def child(impl: str, case: str) -> dict[str, float]:
    """Build one case with one implementation; returns sizes in bytes and time."""
    source = CASES[case]
    if impl == "starflow":
        import starflow.starlark as sl  # imported here: only the starflow child needs it

        def run(src: str, name: str) -> object:
            return sl.exec_file(name, src)

    else:

        def run(src: str, name: str) -> object:
            g: dict = {}
            exec(compile(src, name, "exec"), g)  # noqa: S102 - our own benchmark script
            return g

    run(WARM, "warm.star")
    gc.collect()
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    t0 = time.perf_counter()
    module = run(source, "case.star")
    ms = (time.perf_counter() - t0) * 1000
    gc.collect()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert module is not None
    return {"retained": current - base, "peak": peak - base, "ms": ms}


def main() -> None:
    """Spawn the fresh-process runs and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--child", nargs=2, metavar=("IMPL", "CASE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print("@@" + json.dumps(child(*args.child)))
        return

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    print(f"### Memory (tracemalloc), Python {platform.python_version()}, median of {args.runs}")
    print()
    print(
        "| case | cpython retained MB | starflow retained MB | ratio "
        "| cpython peak MB | starflow peak MB | ratio |"
    )
    print("|---|---|---|---|---|---|---|")
    errors = []
    for case in CASES:
        med: dict[str, dict[str, float]] = {}
        for impl in ("cpython", "starflow"):
            runs = []
            for _ in range(args.runs):
                p = subprocess.run(
                    [sys.executable, __file__, "--child", impl, case],
                    capture_output=True,
                    text=True,
                    env=env,
                    check=False,
                )
                lines = [ln for ln in p.stdout.splitlines() if ln.startswith("@@")]
                if not lines:
                    err = (p.stderr.strip().splitlines() or [f"exit {p.returncode}"])[-1]
                    errors.append(f"{case} / {impl}: {err}")
                    break
                runs.append(json.loads(lines[-1][2:]))
            if runs:
                med[impl] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        row = [case]
        for key in ("retained", "peak"):
            row.extend(
                f"{med[impl][key] / 1e6:.2f}" if impl in med else "error"
                for impl in ("cpython", "starflow")
            )
            ok = "cpython" in med and "starflow" in med and med["cpython"][key] > 0
            row.append(f"{med['starflow'][key] / med['cpython'][key]:.2f}" if ok else "-")
        print("| " + " | ".join(row) + " |")
    for e in errors:
        print(f"- {e}")


if __name__ == "__main__":
    main()
