"""Helpers for the web tests: the archives they serve, and test clients.

Two archives: synthetic cables (with threads, versions and one cable of hostile text), and a
slice of the real dev corpus with its re-released versions (skipped when ../shared is absent).
The fixtures serving them (`synthetic`, `dev_slice`, `synth_client`, `dev_client`, and their
PostgreSQL twins) are in tests/conftest.py, built once a session.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from cablegram.archive import ingest, open_archive
from cablegram.model import Paragraph
from cablegram.sources import RawRecord
from cablegram.synth import synthesize
from cablegram.telegram.render import render
from corpus import SHARED

VERSIONS = SHARED / "corpus" / "cablegate-versions.jsonl.gz"

#: Text a hostile cable carries, in its subject and a paragraph.
HOSTILE_SUBJECT = '<script>alert("subject")</script> & "QUOTES"'
HOSTILE_TEXT = "</pre><img src=x onerror=alert(1)> {{ 7*7 }} <b>bold</b> ' OR 1=1 --"
SYNTH_CABLES = 400


def _records(items: list[Any]) -> Iterator[RawRecord]:
    for i, item in enumerate(items):
        yield RawRecord(item.text, {"format": "text", "file": "synthetic", "line": i,
                                    "metadata": {"released": item.released}})


def hostile_cable_text() -> tuple[str, str]:
    """A synthetic cable whose subject and text are HTML and script: (reference id, text)."""
    base = synthesize(1, seed=99)[0].cable
    cable = replace(base, subject=HOSTILE_SUBJECT,
                    paragraphs=(*base.paragraphs, Paragraph(None, None, None, HOSTILE_TEXT)))
    return base.reference_id or "", render(cable)


def build_synthetic(path: Path, n: int = SYNTH_CABLES, seed: int = 5) -> list[Any]:
    """An archive of `n` synthetic cables plus the hostile one; returns the synthetic items."""
    items = synthesize(n, seed=seed)  # seed 5 starts in 2004: the hostile cable (seed 99) differs
    _rid, text = hostile_cable_text()
    extra = RawRecord(text, {"format": "text", "file": "hostile", "line": 1, "metadata": {}})
    with open_archive(path) as archive:
        ingest(archive, [*_records(items), extra], workers=0)
    return items


def make_client(path: Path) -> Any:
    """A TestClient over the app serving `path`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from cablegram.web import create_app

    return TestClient(create_app(path), raise_server_exceptions=False)


def test_hostile_cable_parses_with_its_text() -> None:
    from cablegram.telegram.parse import parse

    rid, text = hostile_cable_text()
    cable = parse(text)
    assert cable.reference_id == rid
    assert cable.subject == HOSTILE_SUBJECT
    text = " ".join(p.text for p in cable.paragraphs)
    assert "<img src=x onerror=alert(1)>" in text and "{{ 7*7 }}" in text  # kept as text
