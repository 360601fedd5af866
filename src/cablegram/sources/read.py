"""Reading paths: detect each file's format, run its reader, walk directories.

Records name their file as given, relative to the working folder (or by its name alone when it
lies outside it), so that no absolute path of the machine that read it is stored or shown.
"""

from __future__ import annotations

import io
import os
import zlib
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import IO, Any

from ._records import RawRecord, SourceError, decode, display_name, open_binary
from .cables_csv import read_cables_csv
from .detect import FORMATS, detect_content, undetectable_reason
from .jsonl import read_jsonl
from .limits import HEAD_CHARS, max_record, over_limit
from .pages import read_page
from .plusd import read_plusd
from .text import read_text

__all__ = ["READERS", "read_path", "read_paths", "source_name"]

Reader = Callable[[IO[bytes], str], Iterator[RawRecord]]

READERS: dict[str, Reader] = {
    "jsonl": read_jsonl,
    "csv": read_cables_csv,
    "cablegate-html": read_page,
    "plusd": read_plusd,
    "text": read_text,
}

#: Readers that stream records and take the record cap (`max_bytes`).
BOUNDED = frozenset({"jsonl", "csv"})
#: One cable a page, read whole: a page over the cap is not read into memory.
PAGES = frozenset({"cablegate-html", "plusd"})

#: File names a directory walk picks up (each also gzipped).
WALK_SUFFIXES = (".html", ".htm", ".txt", ".jsonl", ".csv")


def source_name(path: str | Path) -> str:
    """How records name their file: relative to the working folder when inside it, else the
    file name alone (never an absolute path); `<stdin>` for "-"."""
    if str(path) == "-":
        return display_name(path)
    p = Path(path)
    try:
        return Path(os.path.abspath(p)).relative_to(Path.cwd()).as_posix()
    except (ValueError, OSError):  # outside the working folder (or it is gone)
        return p.name


def _position(source: dict[str, Any]) -> str | None:
    for key in ("line", "row", "index"):
        if isinstance(source.get(key), int):
            return f"{key} {source[key]}"
    return None


def _capped_page(reader: Reader, fmt: str, limit: int) -> Reader:
    """`reader` for a page of at most `limit` bytes; a larger page becomes an error record
    holding its head (the rest is read in pieces and dropped)."""

    def read(stream: IO[bytes], name: str) -> Iterator[RawRecord]:
        data = stream.read(limit + 1)
        if len(data) <= limit:
            yield from reader(io.BytesIO(data), name)
            return
        size = len(data)
        while chunk := stream.read(1 << 20):
            size += len(chunk)
        source: dict[str, Any] = {"format": fmt, "file": name, "metadata": {}}
        yield RawRecord(decode(data[:HEAD_CHARS]), source, over_limit("page", size, limit))

    return read


def _guarded(reader: Reader, stream: IO[bytes], name: str, fmt: str) -> Iterator[RawRecord]:
    """Run a reader, close the stream, and turn a read failure midway (a truncated or corrupt
    `.gz`, an I/O error) into an error record saying where reading stopped."""
    last: dict[str, Any] = {}
    try:
        for record in reader(stream, name):
            last = record.source
            yield record
    except (OSError, EOFError, zlib.error) as e:
        after = _position(last) if last else None
        where = f"damaged after {after}" if after else "damaged before its first record"
        source: dict[str, Any] = {"format": fmt, "file": name, "metadata": {}}
        for key in ("line", "row"):
            if isinstance(last.get(key), int):
                source[key] = last[key] + 1
        kept = "the records before it are read" if after else "nothing could be read"
        yield RawRecord("", source, f"{name}: {where} ({kept}): {e}")
    finally:
        stream.close()


def read_path(path: str | Path, *, format: str | None = None,
              max_bytes: int | None = None) -> Iterator[RawRecord]:
    """The raw records of one file ("-" is stdin), its format detected from its content.

    A JSONL line, CSV row or page over `max_bytes` (default: `limits.max_record()`) becomes an
    error record. Raises SourceError at once for a missing, unreadable or undetectable file.
    """
    if format is not None and format not in READERS:
        raise SourceError(f"{display_name(path)}: unknown format {format!r} (one of {FORMATS})")
    stream, head = open_binary(path)
    fmt = format or detect_content(head)
    if fmt is None:
        stream.close()
        raise SourceError(f"{display_name(path)}: {undetectable_reason(head)}")
    reader = READERS[fmt]
    if fmt in BOUNDED:
        reader = partial(reader, max_bytes=max_record(max_bytes))
    elif fmt in PAGES:
        reader = _capped_page(reader, fmt, max_record(max_bytes))
    return _guarded(reader, stream, source_name(path), fmt)


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


def read_paths(paths: Iterable[str | Path], *,
               max_bytes: int | None = None) -> Iterator[RawRecord]:
    """The raw records of several paths in turn; a directory is walked (*.html, *.txt,
    *.jsonl, *.csv, each maybe .gz). A file met in a walk that cannot be read becomes an error
    record; a path named explicitly that cannot be read raises SourceError. `max_bytes`: see
    `read_path`."""
    for path in paths:
        if str(path) != "-" and Path(path).is_dir():
            for file in _walk(Path(path)):
                try:
                    records = read_path(file, max_bytes=max_bytes)
                except SourceError as e:
                    source = {"format": None, "file": source_name(file), "metadata": {}}
                    yield RawRecord("", source, str(e).replace(str(file), source["file"], 1))
                    continue
                yield from records
        else:
            yield from read_path(path, max_bytes=max_bytes)
