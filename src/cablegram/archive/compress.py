"""How the archive stores a cable's text and record: once, together, zstd-compressed.

A cable's raw text and its record JSON (`Cable.to_dict()`) are one *body*: the text's UTF-8
length (4 bytes, little-endian), the text, then the record JSON, compressed as one zstd frame.
The record repeats the text (its paragraphs), so compressing the two together stores that text
once: the record's copy becomes back-references into the text, a few bytes a line.

Bodies are compressed with a zstd *dictionary* trained on the archive's own cables (the first
`TRAIN_AT` an archive stores), kept in the archive and named by its id, which each row carries
(`dict_id`): a later dictionary can be added while the rows compressed with an earlier one stay
readable. Id 0 is no dictionary (an archive smaller than `TRAIN_AT`, or a row stored before the
first dictionary was trained).
"""

from __future__ import annotations

import sqlite3
import struct
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

import zstandard

__all__ = ["TRAIN_AT", "Codec", "pack", "unpack"]

#: An archive trains its first dictionary once it holds this many cables (samples).
TRAIN_AT = 1000
#: Dictionary size (bytes): 64 KiB gains as much as the default 110 KiB on cables.
DICT_SIZE = 64 * 1024
#: zstd level: 3 (the default) compresses a cable in ~0.1 ms; higher levels gain ~5% at 3x.
LEVEL = 3
_LEN = struct.Struct("<I")


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def pack(raw_text: str, record_json: str) -> bytes:
    """The uncompressed body of a cable (see the module docstring)."""
    raw = _utf8(raw_text)
    return _LEN.pack(len(raw)) + raw + _utf8(record_json)


def unpack(body: bytes) -> tuple[str, str]:
    """(raw text, record JSON) of an uncompressed body."""
    (n,) = _LEN.unpack_from(body)
    return (body[4:4 + n].decode("utf-8", "surrogatepass"),
            body[4 + n:].decode("utf-8", "surrogatepass"))


def train(samples: Iterable[bytes]) -> bytes:
    """A zstd dictionary trained on uncompressed bodies (fixed COVER parameters: the default
    search over them takes ~40x longer for a dictionary no better on cables)."""
    return zstandard.train_dictionary(DICT_SIZE, list(samples), k=256, d=8,
                                      level=LEVEL).as_bytes()


class Codec:
    """Compresses and decompresses bodies with the archive's dictionaries.

    `load` reads the dictionaries (id -> bytes) from wherever the backend keeps them; it is
    called again when a row names a dictionary this codec does not know yet (another process
    trained it). The newest dictionary compresses new bodies.
    """

    def __init__(self, load: Callable[[], dict[int, bytes]]) -> None:
        self._load = load
        self._dicts: dict[int, zstandard.ZstdCompressionDict] = {}
        self._local = threading.local()  # zstd contexts are not thread-safe: one set a thread
        self.reload()

    def reload(self) -> None:
        """Read the dictionaries again (and forget contexts made with the ones known before)."""
        self._dicts = {i: zstandard.ZstdCompressionDict(d) for i, d in self._load().items()}
        self._local = threading.local()

    @property
    def _compressors(self) -> dict[int, zstandard.ZstdCompressor]:
        got = getattr(self._local, "c", None)
        if got is None:
            got = self._local.c = {}
        return got  # type: ignore[no-any-return]

    @property
    def _decompressors(self) -> dict[int, zstandard.ZstdDecompressor]:
        got = getattr(self._local, "d", None)
        if got is None:
            got = self._local.d = {}
        return got  # type: ignore[no-any-return]

    @property
    def current(self) -> int:
        """The id of the dictionary new bodies are compressed with (0: none yet)."""
        return max(self._dicts, default=0)

    def add(self, dict_id: int, data: bytes) -> None:
        self._dicts[dict_id] = zstandard.ZstdCompressionDict(data)

    def compress(self, body: bytes, dict_id: int | None = None) -> tuple[int, bytes]:
        """(dictionary id, compressed body)."""
        i = self.current if dict_id is None else dict_id
        c = self._compressors.get(i)
        if c is None:
            c = self._compressors[i] = (zstandard.ZstdCompressor(level=LEVEL, dict_data=self._dicts[i])
                                        if i else zstandard.ZstdCompressor(level=LEVEL))
        return i, c.compress(body)

    def decompress(self, dict_id: int, data: bytes) -> bytes:
        d = self._decompressors.get(dict_id)
        if d is None:
            if dict_id and dict_id not in self._dicts:
                self.reload()
                if dict_id not in self._dicts:
                    raise ValueError(f"the archive has no compression dictionary {dict_id}")
            d = self._decompressors[dict_id] = (
                zstandard.ZstdDecompressor(dict_data=self._dicts[dict_id]) if dict_id
                else zstandard.ZstdDecompressor())
        return d.decompress(data)

    def record(self, dict_id: int, data: bytes) -> tuple[str, str]:
        """(raw text, record JSON) of a stored body."""
        return unpack(self.decompress(dict_id, data))

    def _last(self, dict_id: int, data: bytes) -> bytes:
        """The decompressed body, remembered for the next call: SQL asks for a row's text and
        record (and a view's column once per use) one call after another."""
        last = getattr(self._local, "last", None)
        if last is not None and last[0] == dict_id and last[1] == data:
            return last[2]  # type: ignore[no-any-return]
        body = self.decompress(dict_id, data)
        self._local.last = (dict_id, data, body)
        return body

    def register(self, db: sqlite3.Connection) -> None:
        """SQL functions over stored bodies, for the views that read them (`cable_texts`,
        `version_texts`): `cable_text(dict_id, body)` and `cable_record(dict_id, body)`."""

        def text(dict_id: int | None, data: bytes | None) -> str | None:
            if data is None:
                return None
            body = self._last(int(dict_id or 0), data)
            (n,) = _LEN.unpack_from(body)
            return body[4:4 + n].decode("utf-8", "surrogatepass")

        def record(dict_id: int | None, data: bytes | None) -> str | None:
            if data is None:
                return None
            body = self._last(int(dict_id or 0), data)
            (n,) = _LEN.unpack_from(body)
            return body[4 + n:].decode("utf-8", "surrogatepass")

        db.create_function("cable_text", 2, text, deterministic=True)
        db.create_function("cable_record", 2, record, deterministic=True)


def store_sqlite_dictionary(db: sqlite3.Connection, codec: Codec, data: bytes,
                            samples: int) -> int:
    """Add dictionary `data` to a SQLite archive (in the caller's transaction) and to `codec`;
    return its id, which new bodies are compressed with from now on."""
    cur = db.execute("INSERT INTO dictionaries(created, samples, dict) VALUES (?, ?, ?)",
                     (datetime.now(UTC).isoformat(timespec="seconds"), samples, data))
    dict_id = int(cur.lastrowid or 0)
    codec.add(dict_id, data)
    return dict_id


def _read_dictionaries(db: sqlite3.Connection) -> dict[int, bytes]:
    if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'dictionaries'").fetchone():
        return {}
    return {int(i): bytes(d) for i, d in db.execute("SELECT id, dict FROM dictionaries")}


def sqlite_dictionaries(db: sqlite3.Connection) -> Callable[[], dict[int, bytes]]:
    """A `Codec` loader for a SQLite archive (an empty mapping before schema version 5): what
    `db` holds now, then, on a reload, what the file holds, read by a connection of its own.

    The loader must not keep `db`: the codec's SQL functions are registered on `db`, and a
    connection that refers to itself through them is never freed when dropped unclosed."""
    path = next((str(r[2]) for r in db.execute("PRAGMA database_list") if r[1] == "main"), "")
    first: dict[int, bytes] | None = _read_dictionaries(db)

    def load() -> dict[int, bytes]:
        nonlocal first
        if first is not None:
            got, first = first, None
            return got
        if not path:  # in memory: the only connection trains and adds them itself
            return {}
        other = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
        try:
            return _read_dictionaries(other)
        finally:
            other.close()

    return load
