"""Loading the package's data files (read once, cached)."""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib.resources import files

__all__ = ["read_csv", "read_lines"]


def _text(name: str) -> str:
    return files("cablegram.directory").joinpath("data", name).read_text(encoding="utf-8")


@cache
def read_csv(name: str) -> tuple[dict[str, str], ...]:
    """The rows of `data/<name>` as dicts (the first row names the columns)."""
    return tuple(csv.DictReader(io.StringIO(_text(name), newline="")))


@cache
def read_lines(name: str) -> tuple[str, ...]:
    """The non-empty, non-comment lines of `data/<name>`."""
    return tuple(
        s for line in _text(name).splitlines() if (s := line.strip()) and not s.startswith("#")
    )
