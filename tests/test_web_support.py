"""Fixtures for the web tests: small archives built once per session, and test clients.

Two archives: synthetic cables (with threads, versions and one cable of hostile text), and a
slice of the real dev corpus with its re-released versions (skipped when ../shared is absent).
Other web test modules import what they use from here.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import Any

import pytest

from cablegram.archive import ingest, open_archive
from cablegram.model import Paragraph
from cablegram.sources import RawRecord, read_path
from cablegram.synth import synthesize
from cablegram.telegram.render import render
from corpus import DEV, SHARED

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


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Any]]:
    """(archive path, synthetic items) built once."""
    path = tmp_path_factory.mktemp("web") / "synthetic.db"
    return path, build_synthetic(path)


@pytest.fixture(scope="session")
def dev_slice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 800 dev cables and every re-released version, ingested once."""
    if not DEV.exists():
        pytest.skip(f"the shared dev corpus is absent ({DEV})")
    path = tmp_path_factory.mktemp("web") / "dev-slice.db"
    records = list(islice(read_path(DEV), 800))
    if VERSIONS.exists():
        records += list(read_path(VERSIONS))
    with open_archive(path) as archive:
        ingest(archive, records, workers=0)
    return path


def make_client(path: Path) -> Any:
    """A TestClient over the app serving `path`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from cablegram.web import create_app

    return TestClient(create_app(path), raise_server_exceptions=False)


@pytest.fixture(scope="session")
def synth_client(synthetic: tuple[Path, list[Any]]) -> Any:
    return make_client(synthetic[0])


@pytest.fixture(scope="session")
def dev_client(dev_slice: Path) -> Any:
    return make_client(dev_slice)


@pytest.fixture(params=["synthetic", "dev"])
def client(request: pytest.FixtureRequest) -> Any:
    """Each test taking `client` runs on both archives."""
    return request.getfixturevalue("synth_client" if request.param == "synthetic" else "dev_client")


def test_hostile_cable_parses_with_its_text() -> None:
    from cablegram.telegram.parse import parse

    rid, text = hostile_cable_text()
    cable = parse(text)
    assert cable.reference_id == rid
    assert cable.subject == HOSTILE_SUBJECT
    text = " ".join(p.text for p in cable.paragraphs)
    assert "<img src=x onerror=alert(1)>" in text and "{{ 7*7 }}" in text  # kept as text
