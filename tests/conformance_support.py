"""Reading chunked conformance files (`conformance/*.star`).

A file is split into chunks by lines that consist of `---`. Each chunk is run
as its own module. A line containing `### "regexp"` (the regexp written as a
Go double-quoted string literal, or a backquoted raw string) says the chunk
must fail with an error reported at that line whose message matches the
regexp. `# option:NAME` anywhere in a chunk turns on a dialect option.

This module knows nothing of the interpreter: it only parses the files, so
that the runner and any other tool (counting, validating against another
implementation) read them the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

CONFORMANCE_DIR = Path(__file__).resolve().parent.parent / "conformance"

OPTIONS = frozenset({"set", "while", "recursion", "globalreassign", "toplevelcontrol"})

_OPTION_RE = re.compile(r"#\s*option:([A-Za-z_]+)")
_ASSERT_CALL_RE = re.compile(r"\bassert\.(eq|ne|true|lt|contains|fails)\(")
_GO_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    '"': '"',
    "'": "'",
}


class ChunkFormatError(ValueError):
    """A conformance file is malformed (bad `###` literal, unknown option)."""


def go_unquote(text: str) -> str:
    """Decode a Go string literal: `"..."` with Go's escapes, or a raw `` `...` ``."""
    if len(text) >= 2 and text[0] == text[-1] == "`":
        return text[1:-1]
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ChunkFormatError(f"not a quoted regexp: {text}")
    body = text[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == '"':
            raise ChunkFormatError(f"unescaped quote in {text}")
        if c != "\\":
            out.append(c)
            i += 1
            continue
        if i + 1 >= len(body):
            raise ChunkFormatError(f"trailing backslash in {text}")
        e = body[i + 1]
        if e in _GO_ESCAPES:
            out.append(_GO_ESCAPES[e])
            i += 2
        elif e == "x" and i + 4 <= len(body):
            out.append(chr(int(body[i + 2 : i + 4], 16)))
            i += 4
        elif e == "u" and i + 6 <= len(body):
            out.append(chr(int(body[i + 2 : i + 6], 16)))
            i += 6
        else:
            raise ChunkFormatError(f"unknown escape \\{e} in {text}")
    return "".join(out)


@dataclass
class Chunk:
    """One chunk of a conformance file."""

    path: Path
    start: int  # 1-based line of the chunk's first line in the file
    text: str  # the chunk's own lines
    source: str  # the chunk padded with blank lines so line numbers match the file
    want_errors: dict[int, re.Pattern[str]] = field(default_factory=dict)
    want_error_text: dict[int, str] = field(default_factory=dict)
    options: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def id(self) -> str:
        return f"{self.path.name}:{self.start}"

    def count_assertions(self) -> int:
        return count_assertions(self.text)


def count_assertions(text: str) -> int:
    """assert.* calls plus `###` expectations in some conformance text."""
    n = 0
    for line in text.split("\n"):
        stripped = line.lstrip()
        if stripped.startswith("#") and "###" not in line:
            continue
        n += len(_ASSERT_CALL_RE.findall(line))
        if "###" in line:
            n += 1
    return n


def read_chunks(path: Path) -> list[Chunk]:
    """Split a conformance file into chunks."""
    # newline="" keeps CR LF line endings: a chunk may be about them.
    with path.open(encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    chunks: list[Chunk] = []
    start = 0  # 0-based index of the current chunk's first line
    for i in range(len(lines) + 1):
        if i < len(lines) and lines[i].rstrip() != "---":
            continue
        body = lines[start:i]
        if any(line.strip() for line in body):
            chunks.append(_make_chunk(path, start, body))
        start = i + 1
    return chunks


def _make_chunk(path: Path, start: int, body: list[str]) -> Chunk:
    text = "\n".join(body)
    source = "\n" * start + text + "\n"
    chunk = Chunk(path=path, start=start + 1, text=text, source=source)
    options = set()
    for j, line in enumerate(body):
        lineno = start + 1 + j
        hashes = line.find("###")
        if hashes >= 0:
            literal = line[hashes + 3 :].strip()
            try:
                pattern = go_unquote(literal)
                chunk.want_errors[lineno] = re.compile(pattern)
            except (ChunkFormatError, re.error) as exc:
                raise ChunkFormatError(f"{path.name}:{lineno}: {exc}") from exc
            chunk.want_error_text[lineno] = pattern
        for m in _OPTION_RE.finditer(line):
            name = m.group(1)
            if name not in OPTIONS:
                raise ChunkFormatError(f"{path.name}:{lineno}: unknown option {name!r}")
            options.add(name)
    chunk.options = frozenset(options)
    return chunk


def conformance_files() -> list[Path]:
    return sorted(CONFORMANCE_DIR.glob("*.star"))


def all_chunks() -> list[Chunk]:
    return [c for p in conformance_files() for c in read_chunks(p)]
