"""`cablegram copy SRC DST`: the real dev archive from SQLite to PostgreSQL and back, and a desk.

The round trip must give back the very tables it started from (the same digests of every table
and of the full-text index's answers), the same search totals and stats on all three archives;
the copy must refuse a non-empty DST without --force, and its check must see a changed cable.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from archive_fixtures import run_cli, table_digests
from cablegram.archive import compress, open_archive
from cablegram.archive.copy import CopyError, copy_archive, verify
from pg_support import fresh_schema

QUERIES = ("georgia", '"south ossetia"', "tag:PGOV election*", "class:secret caveat:noforn",
           "origin:moscow from:2008-08 to:2008-09", "piracy -somalia", "")


def _totals(location: str) -> dict[str, int]:
    with open_archive(location, readonly=True) as archive:
        return {q: archive.search(q, limit=0).total for q in QUERIES}


def _stats(location: str) -> dict[str, object]:
    with open_archive(location, readonly=True) as archive:
        return archive.stats()


@pytest.mark.postgres
def test_the_dev_archive_to_postgresql_and_back_is_the_same_archive(dev_archive_path: Path,
                                                                     tmp_path: Path) -> None:
    back = tmp_path / "back.db"
    with fresh_schema("copy") as url:
        there = run_cli("copy", str(dev_archive_path), url, check=False)
        assert there.returncode == 0, there.stderr
        assert "5,433 cables compared with their versions: the same" in there.stdout
        assert "DIFFERS" not in there.stdout
        # the table's width follows its longest name (the desk's, once a web test opened the archive)
        assert re.search(r"│ cables +│ +5,433 │ +5,433 │ same", there.stdout), there.stdout
        again = run_cli("copy", str(dev_archive_path), url, check=False)
        assert again.returncode == 1 and "is not empty" in again.stderr
        assert ":***@" in again.stderr or "@" not in url.split("//")[1].split("@")[0]  # no password shown

        home = run_cli("copy", url, str(back), check=False)
        assert home.returncode == 0, home.stderr
        expected = _totals(str(dev_archive_path))
        assert expected["georgia"] > 100 and expected[""] == 5433
        assert _totals(url) == expected == _totals(str(back))
        assert _stats(url) == _stats(str(dev_archive_path)) == _stats(str(back))
        assert verify(str(dev_archive_path), url).ok
    assert table_digests(back) == table_digests(dev_archive_path)


def test_sqlite_to_sqlite_keeps_every_table_and_the_index(dev_archive_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    done: dict[str, int] = {}
    report = copy_archive(str(dev_archive_path), str(target),
                          progress=lambda table, n, total: done.__setitem__(table, n))
    assert report.ok and report.cables_checked == 5433
    assert {t.table: t.target_rows for t in report.tables}["versions"] == 4
    assert done["cables"] == 5433 and done["sources"] == 5437
    assert table_digests(target) == table_digests(dev_archive_path)
    assert _totals(str(target)) == _totals(str(dev_archive_path))


def test_a_changed_cable_is_found_and_named(dev_archive_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    assert copy_archive(str(dev_archive_path), str(target)).ok
    with open_archive(target) as archive:  # one character more in one stored text, one tag less
        db = archive.db
        rid, dict_id, body = db.execute("SELECT reference_id, dict_id, body FROM cables WHERE id = 100").fetchone()
        raw, record = archive.codec.record(dict_id, body)
        db.execute("UPDATE cables SET body = ? WHERE id = 100",
                   (archive.codec.compress(compress.pack(raw + " ", record), dict_id)[1],))
        db.execute("DELETE FROM tags WHERE rowid = (SELECT min(rowid) FROM tags)")
    report = verify(str(dev_archive_path), str(target))
    assert not report.ok and report.cables_differing == (rid,)
    bad = {t.table for t in report.tables if not t.ok}
    assert bad == {"cables", "tags"}, bad
    tags = next(t for t in report.tables if t.table == "tags")
    assert tags.target_rows == tags.source_rows - 1


def test_a_non_empty_target_is_refused_unless_forced(dev_archive_path: Path, tmp_path: Path) -> None:
    from itertools import islice

    from cablegram.archive import ingest
    from cablegram.sources import read_path
    from corpus import DEV

    target = tmp_path / "busy.db"
    with open_archive(target) as archive:
        ingest(archive, list(islice(read_path(DEV), 5000, 5437)), workers=0)
    with pytest.raises(CopyError, match="is not empty"):
        copy_archive(str(dev_archive_path), str(target))
    refused = run_cli("copy", str(dev_archive_path), str(target), check=False)
    assert refused.returncode == 1 and "--force" in refused.stderr and "Traceback" not in refused.stderr
    assert copy_archive(str(dev_archive_path), str(target), force=True).ok
    assert table_digests(target) == table_digests(dev_archive_path)
    with pytest.raises(CopyError, match="same archive"):
        copy_archive(str(target), str(target), force=True)
    missing = run_cli("copy", str(tmp_path / "nothing.db"), str(tmp_path / "x.db"), check=False)
    assert missing.returncode == 1 and "no archive at" in missing.stderr


def _desk_with_a_release(path: Path) -> None:
    from cablegram.desk import clear, release, save_draft
    from test_desk_support import make_desk, secret_fields

    desk, people = make_desk(path)
    draft, _problems = save_draft(desk, people["anna"], secret_fields(long=False))
    clear(desk, draft.id, people["boris"], "cleared")
    with open_archive(path) as archive:
        done = release(desk, draft.id, people["carla"], archive=archive, when=datetime(2009, 3, 4, 10, 15))
    desk.set_access_mode("controlled")
    desk.close()
    from cablegram.web.collections_store import CollectionStore

    CollectionStore(str(path)).add("gas talks", str(done.cable.reference_id))  # the reading room's tables


def test_the_desk_is_copied_with_the_archive(tmp_path: Path) -> None:
    from cablegram.desk import authenticate, open_desk

    source, target = tmp_path / "desk.db", tmp_path / "copy.db"
    _desk_with_a_release(source)
    report = copy_archive(str(source), str(target))
    assert report.ok, report
    rows = {t.table: t.target_rows for t in report.tables}
    assert rows["desk_users"] == 5 and rows["desk_drafts"] == 1 and rows["desk_inbox"] >= 2
    assert rows["desk_audit"] > 0 and rows["cables"] == 1 and rows["web_collection_items"] == 1
    desk = open_desk(target)
    try:
        assert desk.setting("access_mode") == "controlled"
        from test_desk_support import PASSWORDS

        assert authenticate(desk, "carla", PASSWORDS["carla"]).username == "carla"
    finally:
        desk.close()


@pytest.mark.postgres
def test_the_desk_goes_to_postgresql_and_back(tmp_path: Path) -> None:
    from cablegram.desk import authenticate, inbox, open_desk
    from test_desk_support import PASSWORDS

    source, back = tmp_path / "desk.db", tmp_path / "back.db"
    _desk_with_a_release(source)
    with fresh_schema("copydesk") as url:
        there = copy_archive(str(source), url)
        assert there.ok, there
        rows = {t.table: t.target_rows for t in there.tables}
        assert rows["desk_users"] == 5 and rows["desk_clearances"] == 1 and rows["desk_audit"] > 0
        from cablegram.web.collections_store import CollectionStore

        assert len(CollectionStore(url).items("gas talks")) == 1
        desk = open_desk(url)
        try:
            assert desk.access_mode == "controlled"
            dmitri = authenticate(desk, "dmitri", PASSWORDS["dmitri"])
            assert dmitri is not None and inbox(desk, dmitri)  # the released cable reached Washington
            from cablegram.desk import add_user

            # the ids go on after the copied ones (sequences moved past them)
            assert add_user(desk, "fiona", post="STATE", roles="reader", password="fiona-pass-6").id == 6
        finally:
            desk.close()
        home = copy_archive(url, str(back))
        assert home.ok, home
    desk = open_desk(back)
    try:
        assert desk.access_mode == "controlled"
        assert {u for (u,) in desk.query("SELECT username FROM desk_users")} == {*PASSWORDS, "fiona"}
    finally:
        desk.close()


def test_an_unreachable_server_is_one_line_without_the_password(dev_archive_path: Path) -> None:
    r = run_cli("copy", str(dev_archive_path), "postgresql://nobody:s3cret@127.0.0.1:1/x", check=False)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "cannot connect to postgresql://nobody:***@127.0.0.1:1/x" in r.stderr and "s3cret" not in r.stderr
