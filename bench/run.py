"""Time the Starlark workloads on starflow, CPython and the peer implementations.

Usage (from the repository root):

    bash bench/setup_peers.sh            # once: venvs with the peers
    .venv/bin/python bench/run.py        # all workloads, all implementations
    .venv/bin/python bench/run.py --runs 3 --only starflow --workloads int_loops,dict_heavy
    .venv/bin/python bench/run.py --out /tmp/table.md --json /tmp/runs.json

Adapted from the project's shared harness (shared/bench/run_peers.py). Each
`bench/workloads/*.star` is valid Starlark and valid Python and binds a global
`result`. Every (workload, implementation) pair runs `--runs` times, each in a
fresh subprocess, and the median is reported with its ratio to CPython. The
runs of a workload are taken in turns (one of each implementation, then
again), so that a slow spell of the machine weighs on every implementation
alike, not on whichever was being timed then. The
time measured is parse + compile + execution of the module; the import of the
implementation is excluded, and so is its one-time lazy set-up (parser tables,
built-ins): before the timer starts, each runner executes a tiny different
script once. Each implementation's `result` is checked against CPython's.

A slow implementation stops repeating a workload once `--budget` seconds have
been spent on it (at least one run is always made); the notes say how many
runs its median is of. An implementation that fails shows "error" and the
reason in the notes.

To add an implementation, add an entry to RUNNERS: the Python executable that
has it installed, the distribution whose version to report, and source code
defining `run(src, path)`, which parses and executes `src` and returns a
zero-argument function giving the module's `result` as plain Python data
(called after the timer stops).
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import pathlib
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent
WORKLOADS = HERE / "workloads"
PEERS = pathlib.Path(os.environ.get("PEERS_DIR", pathlib.Path(tempfile.gettempdir()) / "peers"))
PEERS_PY = str(PEERS / "venv/bin/python")  # starlark (pure Python), starlark-go
PYO3_PY = str(PEERS / "venv-pyo3/bin/python")  # starlark-pyo3 (also imports as `starlark`)
_REPO_VENV_PY = REPO / ".venv/bin/python"
STARFLOW_PY = os.environ.get(
    "STARFLOW_PY", str(_REPO_VENV_PY) if _REPO_VENV_PY.exists() else sys.executable
)


@dataclass(frozen=True)
class Runner:
    """How to run one implementation in a subprocess."""

    python: str
    dist: str | None  # distribution whose version is reported (None: the Python itself)
    code: str


RUNNERS: dict[str, Runner] = {
    "cpython": Runner(
        sys.executable,
        None,
        """
def run(src, path):
    g = {}
    exec(compile(src, path, "exec"), g)
    return lambda: g["result"]
""",
    ),
    "starflow": Runner(
        STARFLOW_PY,
        "starflow",
        """
import starflow.starlark as sl
def run(src, path):
    g = sl.exec_file(path, src)
    return lambda: sl.to_python(g["result"])
""",
    ),
    # the same with a step budget, as the workflow engine runs untrusted scripts
    # (steps are counted only against a budget: docs/internals.md, "Steps")
    "starflow-budget": Runner(
        STARFLOW_PY,
        "starflow",
        """
import starflow.starlark as sl
def run(src, path):
    g = sl.exec_file(path, src, max_steps=10**9)
    return lambda: sl.to_python(g["result"])
""",
    ),
    "starlark-py": Runner(
        PEERS_PY,
        "starlark",
        """
import starlark
def run(src, path):
    m = starlark.exec_file(src, path)
    return lambda: starlark.from_value(m.globals["result"])
""",
    ),
    "starlark-go": Runner(
        PEERS_PY,
        "starlark-go",
        """
import starlark_go
def run(src, path):
    s = starlark_go.Starlark()
    s.exec(src, filename=path)
    return lambda: s.get("result")
""",
    ),
    "starlark-pyo3": Runner(
        PYO3_PY,
        "starlark-pyo3",
        """
import starlark
def run(src, path):
    m = starlark.Module()
    ast = starlark.parse(path, src, starlark.Dialect.standard())
    starlark.eval(m, ast, starlark.Globals.standard())
    return lambda: m["result"]
""",
    ),
}

# Appended to each runner: warms the implementation up on a tiny script, times
# run() on the workload, and prints one JSON line with the result normalised
# (tuples -> lists, dicts -> ordered [key, value] pairs).
HARNESS = """
import json, sys, time
def norm(v):
    if isinstance(v, (list, tuple)):
        return [norm(x) for x in v]
    if isinstance(v, dict):
        return {"dict": [[norm(k), norm(x)] for k, x in v.items()]}
    return v
run("def _warm(x):\\n    return [x, {'k': (x,)}]\\n\\nresult = _warm(1)\\n", "warm.star")()
path = sys.argv[1]
with open(path) as f:
    src = f.read()
t0 = time.perf_counter()
get = run(src, path)
ms = (time.perf_counter() - t0) * 1000
print("@@" + json.dumps({"ms": ms, "result": norm(get())}))
"""

VERSION_CODE = """
import importlib.metadata, platform, sys
dist = sys.argv[1]
print(platform.python_version() if dist == "-" else importlib.metadata.version(dist))
"""


def subprocess_env(name: str) -> dict[str, str]:
    """The environment for a runner: starflow is imported from this checkout."""
    env = dict(os.environ)
    if name.startswith("starflow"):
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def run_once(name: str, path: pathlib.Path, timeout: float) -> dict:
    """Run one workload once in a fresh process: {"ms", "result"} or {"error"}."""
    runner = RUNNERS[name]
    if not os.path.exists(runner.python):
        return {"error": f"{runner.python} not found (run bench/setup_peers.sh)"}
    try:
        p = subprocess.run(
            [runner.python, "-c", runner.code + HARNESS, str(path)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=subprocess_env(name),
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timeout > {timeout:g}s"}
    for line in reversed(p.stdout.splitlines()):
        if line.startswith("@@"):
            return json.loads(line[2:])
    return {"error": error_line(p.stderr, p.returncode)}


ERROR_LINE = re.compile(r"^(error: |[\w.]*(Error|Exception)\b)")


def error_line(stderr: str, returncode: int) -> str:
    """The most telling line of a failed run's stderr: the last exception line,
    or the last `error: ...` line of a starlark-rust diagnostic."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    picked = [ln for ln in lines if ERROR_LINE.match(ln)]
    err = (picked or lines or [f"exit {returncode}"])[-1]
    return err[:200]


def version_of(name: str) -> str:
    """The installed version of an implementation, or why it is unavailable."""
    runner = RUNNERS[name]
    if not os.path.exists(runner.python):
        return "not installed"
    p = subprocess.run(
        [runner.python, "-c", VERSION_CODE, runner.dist or "-"],
        capture_output=True,
        text=True,
        env=subprocess_env(name),
        check=False,
    )
    if p.returncode:
        return "not installed" if runner.dist != "starflow" else "checkout (not installed)"
    return p.stdout.strip()


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (or platform's guess)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def git_commit() -> str:
    """The short commit of the checkout, marked dirty if bench/ or starflow/ changed."""
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--", "starflow", "grammar"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" + uncommitted interpreter changes" if dirty else "")


def machine_lines(names: list[str]) -> list[str]:
    """Markdown bullet lines describing the machine, date and implementations."""
    versions = ", ".join(f"{n} {version_of(n)}" for n in names if n != "cpython")
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    system = f"{platform.system()} {platform.release()}"
    return [
        f"- date: {now}",
        f"- machine: {cpu_model()}, {os.cpu_count()} cores, {system}",
        f"- Python: CPython {platform.python_version()} ({sys.executable})",
        f"- implementations: {versions}",
        f"- starflow commit: {git_commit()}",
    ]


def geomean(xs: list[float]) -> float:
    """Geometric mean of positive numbers."""
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def measure(
    names: list[str], path: pathlib.Path, runs: int, budget: float, timeout: float
) -> dict[str, tuple[list[dict], str | None]]:
    """Up to `runs` runs of each implementation on `path`, taken in turns (one
    run of each, then again), so that a slow spell of the machine falls on
    all of them alike; an implementation stops once `budget` seconds have
    been spent on it (after one run) or at its first error.
    Returns name -> (good runs, error)."""
    good: dict[str, list[dict]] = {n: [] for n in names}
    error: dict[str, str | None] = dict.fromkeys(names)
    spent: dict[str, float] = dict.fromkeys(names, 0.0)
    for _ in range(runs):
        for name in names:
            if error[name] is not None or (good[name] and spent[name] > budget):
                continue
            start = time.monotonic()
            r = run_once(name, path, timeout)
            spent[name] += time.monotonic() - start
            if "error" in r:
                error[name] = r["error"]
            else:
                good[name].append(r)
    return {n: (good[n], error[n]) for n in names}


def main() -> None:
    """Run the benchmark matrix and print the markdown table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=pathlib.Path, default=WORKLOADS, help="workload directory")
    ap.add_argument("--runs", type=int, default=7, help="runs per cell (median reported)")
    ap.add_argument("--budget", type=float, default=60, help="seconds per cell before fewer runs")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per run")
    ap.add_argument("--only", default="", help="comma-separated implementations (+ cpython)")
    ap.add_argument("--workloads", default="", help="comma-separated workload names")
    ap.add_argument("--out", type=pathlib.Path, help="also write the markdown here")
    ap.add_argument("--json", type=pathlib.Path, help="write the raw measurements here")
    args = ap.parse_args()

    only = [n for n in args.only.split(",") if n]
    unknown = [n for n in only if n not in RUNNERS]
    if unknown:
        ap.error("unknown implementation(s) {}; known: {}".format(unknown, ", ".join(RUNNERS)))
    names = [n for n in RUNNERS if not only or n in only or n == "cpython"]
    wanted = [w for w in args.workloads.split(",") if w]
    paths = sorted(p for p in args.dir.glob("*.star") if not wanted or p.stem in wanted)
    if not paths:
        ap.error(f"no workloads found in {args.dir}")

    out: list[str] = []

    def emit(line: str = "") -> None:
        out.append(line)
        print(line, flush=True)

    emit("### Starlark workloads: median ms of parse + compile + execute, fresh process each")
    emit()
    for line in machine_lines(names):
        emit(line)
    emit(f"- runs per cell: up to {args.runs} (budget {args.budget:g}s per cell)")
    emit()
    head = ["workload", "cpython ms"] + [h for n in names[1:] for h in (n + " ms", "x cpython")]
    emit("| " + " | ".join(head) + " |")
    emit("|" + "---|" * len(head))

    notes: list[str] = []
    ratios: dict[str, list[float]] = {n: [] for n in names[1:]}
    raw: dict[str, dict] = {}
    for path in paths:
        row, base_ms, base_result = [path.stem], None, None
        raw[path.stem] = {}
        cells = measure(names, path, args.runs, args.budget, args.timeout)
        for name in names:
            good, err = cells[name]
            raw[path.stem][name] = {"ms": [r["ms"] for r in good], "error": err}
            if err is not None:
                row += ["error"] if name == "cpython" else ["error", "-"]
                notes.append(f"{path.stem} / {name}: {err}")
                continue
            ms = statistics.median(r["ms"] for r in good)
            if len(good) < args.runs:
                notes.append(f"{path.stem} / {name}: median of {len(good)} run(s)")
            if name == "cpython":
                base_ms, base_result = ms, good[0]["result"]
                row.append(f"{ms:.1f}")
                continue
            mark = ""
            if base_result is not None and good[0]["result"] != base_result:
                mark = " (result differs)"
                got = json.dumps(good[0]["result"])[:120]
                notes.append(f"{path.stem} / {name}: result differs from CPython's: {got}")
            elif base_ms:
                ratios[name].append(ms / base_ms)
            ratio = f"{ms / base_ms:.1f}" if base_ms else "-"
            row += [f"{ms:.1f}{mark}", ratio]
        emit("| " + " | ".join(row) + " |")

    emit()
    emit("Geometric mean of the ratio to CPython (workloads with a correct result):")
    emit()
    for name in names[1:]:
        rs = ratios[name]
        if rs:
            emit(f"- {name}: {geomean(rs):.2f}x over {len(rs)} of {len(paths)} workloads")
        else:
            emit(f"- {name}: no workload ran correctly")
    if notes:
        emit()
        emit("Notes:")
        emit()
        for n in notes:
            emit("- " + n)

    if args.out:
        args.out.write_text("\n".join(out) + "\n")
    if args.json:
        args.json.write_text(json.dumps(raw, indent=1) + "\n")


if __name__ == "__main__":
    main()
