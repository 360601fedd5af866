"""Reading paths: detect each file's format, run its reader, walk directories."""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

from ._records import RawRecord, SourceError, display_name, open_binary
from .cables_csv import read_cables_csv
from .detect import FORMATS, detect_content, undetectable_reason
from .jsonl import read_jsonl
from .pages import read_page
from .plusd import read_plusd
from .text import read_text

__all__ = ["READERS", "read_path", "read_paths"]

Reader = Callable[[IO[bytes], str], Iterator[RawRecord]]

READERS: dict[str, Reader] = {
    "jsonl": read_jsonl,
    "csv": read_cables_csv,
    "cablegate-html": read_page,
    "plusd": read_plusd,
    "text": read_text,
}

#: File names a directory walk picks up (each also gzipped).
WALK_SUFFIXES = (".html", ".htm", ".txt", ".jsonl", ".csv")


def _guarded(reader: Reader, stream: IO[bytes], name: str, fmt: str) -> Iterator[RawRecord]:
    """Run a reader, close the stream, and turn a read failure midway into an error record."""
    try:
        yield from reader(stream, name)
    except (OSError, EOFError, zlib.error) as e:
        source = {"format": fmt, "file": name, "metadata": {}}
        yield RawRecord("", source, f"{name}: reading stopped: {e}")
    finally:
        stream.close()


def read_path(path: str | Path, *, format: str | None = None) -> Iterator[RawRecord]:
    """The raw records of one file ("-" is stdin), its format detected from its content.

    Raises SourceError at once for a missing, unreadable or undetectable file.
    """
    if format is not None and format not in READERS:
        raise SourceError(f"{display_name(path)}: unknown format {format!r} (one of {FORMATS})")
    stream, head = open_binary(path)
    fmt = format or detect_content(head)
    if fmt is None:
        stream.close()
        raise SourceError(f"{display_name(path)}: {undetectable_reason(head)}")
    return _guarded(READERS[fmt], stream, display_name(path), fmt)


def _wanted(name: str) -> bool:
    lower = name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    return lower.endswith(WALK_SUFFIXES)


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for filename in sorted(filenames):
            if _wanted(filename) and not filename.startswith("."):
                yield Path(dirpath) / filename


def read_paths(paths: Iterable[str | Path]) -> Iterator[RawRecord]:
    """The raw records of several paths in turn; a directory is walked (*.html, *.txt,
    *.jsonl, *.csv, each maybe .gz). A file met in a walk that cannot be read becomes an error
    record; a path named explicitly that cannot be read raises SourceError."""
    for path in paths:
        if str(path) != "-" and Path(path).is_dir():
            for file in _walk(Path(path)):
                try:
                    records = read_path(file)
                except SourceError as e:
                    yield RawRecord("", {"format": None, "file": str(file), "metadata": {}}, str(e))
                    continue
                yield from records
        else:
            yield from read_path(path)
