"""Snapshot and restore cost of a suspended Starlark thread.

Two series, each point measured in this process (median of 5):
- live state: a thread holding a list of N small dicts, suspended once;
- steps taken: a thread with a small state, suspended after K external calls.
Prints markdown tables: snapshot bytes, snapshot ms, restore ms (decode +
relink), and resume-to-next-suspension ms after a restore.
"""

from __future__ import annotations

import statistics
import time

from starflow.starlark import Thread, external

PRE = {"ext": external("ext")}

LIVE = """
def main(n):
    rows = [{"id": i, "name": "row%d" % i, "tags": [i % 3, i % 5]} for i in range(n)]
    ext("loaded", len(rows))
    return ext("done")
"""

STEPS = """
def main(n):
    total = 0
    for i in range(n):
        total += ext("step", i)
    return total
"""


def timed(fn, runs: int = 5) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), out


def point(src: str, arg: int, resumes: int) -> tuple[int, float, float, float]:
    t = Thread.start("b.star", src, predeclared=PRE, args=(arg,))
    t.resume()
    for _ in range(resumes):
        t.resume(1)
    snap_ms, blob = timed(t.snapshot)
    restore_ms, _ = timed(lambda: Thread.restore(blob, "b.star", src, predeclared=PRE))

    def restore_and_resume():
        Thread.restore(blob, "b.star", src, predeclared=PRE).resume(1)

    resume_ms, _ = timed(restore_and_resume)
    return len(blob), snap_ms, restore_ms, resume_ms


def main() -> None:
    Thread.start("b.star", LIVE, predeclared=PRE, args=(1,)).resume()  # warm the caches
    print("### Against live-state size (one suspension)\n")
    print("| rows held | snapshot bytes | snapshot ms | restore ms | restore + resume ms |")
    print("|---|---|---|---|---|")
    for n in (10, 100, 1000, 10000):
        size, s, r, rr = point(LIVE, n, 0)
        print(f"| {n} | {size} | {s:.2f} | {r:.2f} | {rr:.2f} |")
    print("\n### Against steps already taken (small state)\n")
    head = (
        "| external calls made | snapshot bytes | snapshot ms | restore ms | restore + resume ms |"
    )
    print(head)
    print("|---|---|---|---|---|")
    for k in (1, 10, 100, 1000, 10000):
        size, s, r, rr = point(STEPS, 100000, k - 1)
        print(f"| {k} | {size} | {s:.2f} | {r:.2f} | {rr:.2f} |")


if __name__ == "__main__":
    main()
