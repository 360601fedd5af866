"""Every `$ cablegram ...` example in README.md and docs/*.md runs and prints what the docs show
(see `docs_examples` for the rules). The examples run in the order of each file, against the
real dev corpus, the demo and a desk built by the examples themselves.

When the output changes on purpose, regenerate the docs' output in one step:

    CABLEGRAM_REGEN=1 python -m pytest -q tests/test_docs_examples.py

then read the diff (`git diff README.md docs/`) before committing it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from archive_fixtures import run_cli
from corpus import DEV, SHARED
from docs_examples import DOCS, ROOT, report, rewrite, run_doc

pytestmark = pytest.mark.skipif(not DEV.exists(), reason=f"the shared corpus is absent: {SHARED}")
REGEN = os.environ.get("CABLEGRAM_REGEN") == "1"


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working directory with `../shared` pointing at the real data, as beside the project."""
    top = tmp_path_factory.mktemp("docs")
    (top / "shared").symlink_to(SHARED.resolve())
    (top / "work").mkdir()
    (top / "work" / "tests").symlink_to(ROOT / "tests")  # docs name the tests' own fixtures
    (top / "desk").mkdir()
    return top


@pytest.mark.parametrize("doc", DOCS, ids=[str(d.relative_to(ROOT)) for d in DOCS])
def test_the_docs_examples_print_what_the_docs_show(doc: Path, scratch: Path) -> None:
    desk = doc.name == "desk.md"
    cwd = scratch / ("desk" if desk else "work")
    if doc.name in ("README.md", "analysis.md") and not (cwd / "dev.db").exists():  # as archive.md builds it
        run_cli("ingest", str(DEV), "--archive", str(cwd / "dev.db"), "--quiet")
    if doc.name == "README.md" and not (cwd / "cables.db").exists():
        shutil.copyfile(cwd / "dev.db", cwd / "cables.db")
    outcomes = run_doc(doc, cwd, {"CABLEGRAM_ARCHIVE": "desk.db"} if desk else {})
    assert outcomes, f"no runnable examples in {doc}"
    if REGEN:
        rewrite(doc, outcomes)
    failures = report(outcomes, regenerated_docs=REGEN)
    assert not failures, f"{failures}\n\n(regenerate: CABLEGRAM_REGEN=1 python -m pytest -q {__file__})"


def test_the_readme_python_example_does_what_its_comments_say() -> None:
    import cablegram
    from corpus import SEED_TEXT

    if not SEED_TEXT.exists():
        pytest.skip(f"the shared seed is absent ({SEED_TEXT})")
    cable = cablegram.parse(SEED_TEXT.read_text(encoding="utf-8"))
    assert cable.reference_id == "08MOSCOW2629"
    again = cablegram.parse(cablegram.render(cable))
    assert again.telegram_dict() == cable.telegram_dict()  # "every telegram field of c"


def test_synth_is_the_same_byte_for_byte_per_seed_across_processes(tmp_path: Path) -> None:
    """docs/web.md promises it: the same seed gives the same cables, byte for byte."""
    outs = []
    for hashseed in ("1", "2"):
        done = subprocess.run([sys.executable, "-m", "cablegram", "synth", "60", "--seed", "7"], check=True,
                              capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src"),
                                                        "PYTHONHASHSEED": hashseed}, timeout=300)
        outs.append(done.stdout)
    assert outs[0] == outs[1] and len(outs[0]) > 10_000


def test_every_page_and_api_example_of_web_md_answers_on_the_demo(tmp_path: Path) -> None:
    """docs/web.md's tables name pages and endpoints of the demo archive: each one is there
    (collections, which a reader makes, aside)."""
    import re

    from fastapi.testclient import TestClient

    from cablegram.web import create_app

    run_cli("demo", "--no-serve", "--archive", str(tmp_path / "demo.db"))
    text = (ROOT / "docs" / "web.md").read_text(encoding="utf-8")
    paths = sorted({p for p in re.findall(r"`(/[^`\s]*)`", text)
                    if not p.startswith(("/collections/", "/api/collections/", "/static/"))
                    and p != "/api/" and "..." not in p and "{" not in p})  # {id}: a pattern
    assert any("/cable/" in p for p in paths) and any(p.startswith("/api/cables/") for p in paths)
    signed_in = ("/alerts", "/api/alerts")  # the docs say "(logged in)": there, and asking for it
    with TestClient(create_app(str(tmp_path / "demo.db"))) as client:
        answers = {p: client.get(p.split("#")[0]).status_code for p in paths}
    missing = {p: code for p, code in answers.items()
               if code != (401 if p.startswith(signed_in) else 200)}
    assert not missing, missing
    assert any(p.startswith(signed_in) for p in answers)
