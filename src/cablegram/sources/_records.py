"""The raw record every source yields, the error for unreadable files, and file opening."""

from __future__ import annotations

import gzip
import io
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

__all__ = ["RawRecord", "SourceError", "decode", "display_name", "iter_lines", "open_binary"]

GZIP_MAGIC = b"\x1f\x8b"
HEAD_SIZE = 65536


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One raw cable: its telegram text and where it came from.

    `source` is JSON-ready: `format`, `file`, a position (`line` or `row`) and `metadata`, the
    source's own fields (never part of `text`). `error` is set when the record could not be read;
    `text` then holds whatever raw text could be recovered (maybe "").
    """

    text: str
    source: dict[str, Any]
    error: str | None = None


class SourceError(Exception):
    """A whole file is missing, unreadable or of unknown format."""


def display_name(path: str | Path) -> str:
    return "<stdin>" if str(path) == "-" else str(path)


class _Prefixed(io.RawIOBase):
    """A read-only stream: `head` bytes already read, then the rest of `rest`."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        view = memoryview(b).cast("B")
        if self._head:
            n = min(len(view), len(self._head))
            view[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(view))
        view[: len(data)] = data
        return len(data)


def _sniff(stream: IO[bytes], limit: int = HEAD_SIZE) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = stream.read(limit - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def open_binary(path: str | Path) -> tuple[IO[bytes], bytes]:
    """Open `path` ("-" is stdin) as a binary stream, gunzipped if it is gzip data.

    Returns the stream and its first bytes (up to 64 KiB, decompressed) for format detection.
    Raises SourceError if the file cannot be opened or read.
    """
    name = display_name(path)
    try:
        if str(path) == "-":
            raw: IO[bytes] = sys.stdin.buffer
            magic = _sniff(raw, 2)
            stream: IO[bytes] = io.BufferedReader(_Prefixed(magic, raw))
            if magic == GZIP_MAGIC:
                stream = gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[assignment]
            head = _sniff(stream)
            return io.BufferedReader(_Prefixed(head, stream)), head
        p = Path(path)
        if not p.exists():
            raise SourceError(f"{name}: no such file")
        if p.is_dir():
            raise SourceError(f"{name}: is a directory (read_paths walks directories)")
        with open(p, "rb") as f:
            gz = f.read(2) == GZIP_MAGIC
        opener = gzip.open if gz else open
        with opener(p, "rb") as f:
            head = _sniff(f)  # type: ignore[arg-type]
        return opener(p, "rb"), head  # type: ignore[return-value]
    except SourceError:
        raise
    except (OSError, EOFError, zlib.error) as e:
        raise SourceError(f"{name}: cannot read: {e}") from e


def decode(data: bytes) -> str:
    """UTF-8 (a BOM dropped), else Windows-1252 with replacement: text files are old."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def iter_lines(stream: IO[bytes]) -> Iterator[str]:
    """The lines of a binary stream, decoded, each with its line end."""
    for raw in stream:
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            yield raw.decode("cp1252", errors="replace")
