"""Spelling hints: the "did you mean" of undefined names and missing attributes.

As Go's internal/spell: candidates are compared ignoring case and
underscores, and one is suggested only if at most half its letters are wrong.
Used by the resolver (undefined names) and by `ops` (unknown attributes).
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["nearest"]


def nearest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to `name`, or None; ties go to the first candidate."""
    x = _fold(name)
    best = None
    best_d = (len(x) + 1) // 2
    for c in candidates:
        d = _levenshtein(x, _fold(c), best_d)
        if d < best_d:
            best_d = d
            best = c
    return best


def _fold(s: str) -> str:
    return s.replace("_", "").lower()


def _levenshtein(a: str, b: str, limit: int) -> int:
    """Edit distance of `a` and `b`, giving up (returning `limit`) once it reaches `limit`."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        best = i
        for j, cb in enumerate(b, 1):
            d = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            cur.append(d)
            best = min(best, d)
        if best >= limit:
            return limit
        prev = cur
    return prev[-1]
