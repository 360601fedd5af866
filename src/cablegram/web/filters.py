"""Jinja filters and globals for the templates: highlighting, badges, links, numbers.

Everything that builds HTML here escapes its input first (cable text is untrusted).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from markupsafe import Markup, escape

from cablegram import directory
from cablegram.archive import MARK_END, MARK_START

__all__ = ["entity_url", "facet_filter", "highlight", "install", "level_class", "url"]


def highlight(snippet: str | None) -> Markup:
    """A search snippet, escaped, with the archive's match markers as <mark>."""
    text = str(escape(snippet or ""))
    opened = 0
    out = []
    for ch in text:
        if ch == MARK_START:
            out.append("<mark>")
            opened += 1
        elif ch == MARK_END and opened:
            out.append("</mark>")
            opened -= 1
        elif ch not in (MARK_START, MARK_END):
            out.append(ch)
    out.append("</mark>" * opened)
    return Markup("".join(out))


def level_class(label: str | None) -> str:
    """A CSS class for a classification label: lvl-u, lvl-sbu, lvl-c, lvl-s, lvl-ts."""
    s = (label or "").upper()
    if s.startswith("TOP SECRET"):
        return "lvl-ts"
    if s.startswith("SECRET"):
        return "lvl-s"
    if s.startswith("CONFIDENTIAL"):
        return "lvl-c"
    if "OFFICIAL USE" in s or "SBU" in s:
        return "lvl-sbu"
    return "lvl-u"


def marking_class(marking: str | None) -> str:
    """A CSS class for a portion mark: (S/NF) -> lvl-s, (SBU) -> lvl-sbu."""
    m = (marking or "").upper().split("/")[0]
    return {"TS": "lvl-ts", "S": "lvl-s", "C": "lvl-c", "SBU": "lvl-sbu"}.get(m, "lvl-u")


def _quoted(value: str) -> str:
    value = value.replace('"', "")
    return f'"{value}"' if any(c in value for c in ' ():') else value


def facet_filter(facet: str, value: str) -> str:
    """The query-language filter selecting one facet value."""
    if facet == "origin":
        return f"origin:{_quoted(value)}"
    if facet == "classification":
        return f"class:{_quoted(value)}"
    if facet in ("year", "month"):
        return f"from:{value} to:{value}"
    if facet == "tag":
        return f"tag:{_quoted(value)}"
    if facet == "caveat":
        return f"caveat:{_quoted(value)}"
    if facet in ("person", "place", "org"):
        return f"{facet}:{_quoted(value)}"
    raise ValueError(facet)


def entity_url(kind: str, key: str, suffix: str = "") -> str:
    """The page of an entity: `/entity/person/lavrov`, `/entity/org/north-atlantic-treaty-organization`."""
    return f"/entity/{quote(kind, safe='')}/{quote(key.replace(' ', '-'), safe='')}{suffix}"


def url(path: str, **params: Any) -> str:
    """`path?params`, dropping empty values; list values become repeated parameters."""
    pairs: list[tuple[str, str]] = []
    for k, v in params.items():
        if v is None or v == "" or v == []:
            continue
        for item in v if isinstance(v, (list, tuple)) else [v]:
            pairs.append((k, str(item)))
    return path + ("?" + urlencode(pairs) if pairs else "")


def cable_url(reference_id: str | None, suffix: str = "") -> str:
    """The page of a cable."""
    return f"/cable/{quote(reference_id or '', safe='')}{suffix}"


def number(n: int | float | None) -> str:
    """12345 -> '12,345'."""
    return f"{n:,}" if isinstance(n, (int, float)) else ""


def install(env: jinja2.Environment) -> None:
    """Register the filters and globals on a Jinja environment."""
    env.filters.update(
        highlight=highlight, level_class=level_class, marking_class=marking_class,
        number=number, tag_meaning=lambda t: directory.tag_meaning(t) or "",
        date=lambda s: (s or "")[:10], datetime=lambda s: (s or "")[:16].replace("T", " "),
        quote=lambda s: quote(str(s or ""), safe=""),
    )
    env.globals.update(url=url, cable_url=cable_url, facet_filter=facet_filter, entity_url=entity_url)
