"""The reference graph: what a cable cites, what cites it, threads, GraphML/GEXF export.

Edges come from `refs(from_id, to_id)`; a cited id is *resolved* when that cable is in the
archive (and visible to the reader).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cablegram.archive.base import AccessFilter, References, RefLink, Thread

if TYPE_CHECKING:
    from cablegram.archive.backend import Queryable

__all__ = ["references", "thread", "write_gexf", "write_graphml"]


def _query(archive: Queryable, sql: str, params: list[str]) -> list[tuple[Any, ...]]:
    """Rows of `sql` (`?` placeholders): every backend reads the same SQL through `fetch`."""
    return archive.fetch(sql, params)


def _visible(archive: Queryable, ids: set[str],
             access: AccessFilter | None) -> dict[str, dict[str, Any]]:
    """Metadata of those of `ids` that are archived and visible."""
    out: dict[str, dict[str, Any]] = {}
    items = sorted(ids)
    for i in range(0, len(items), 500):
        chunk = items[i:i + 500]
        for ref, created, origin, cls, subject in _query(
            archive, "SELECT c.reference_id, c.created, c.origin_label, c.classification_label, c.subject"
            " FROM cables c JOIN cable_facets f ON f.id = c.id"
            f" WHERE c.reference_id IN ({','.join('?' * len(chunk))})"
            f" AND {archive.access_sql(access)}", chunk,
        ):
            out[ref] = {"created": created, "origin": origin, "classification": cls,
                        "subject": subject}
    return out


def _edges(archive: Queryable, column: str, ids: list[str]) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        rows += _query(
            archive, f"SELECT from_id, to_id, text, label FROM refs WHERE {column} IN"
            f" ({','.join('?' * len(chunk))}) ORDER BY from_id, position", chunk)
    return rows


def references(archive: Queryable, reference_id: str, *,
               access: AccessFilter | None = None) -> References:
    """What `reference_id` cites (resolved or not) and which archived cables cite it.

    For an id that is not in the archive (or not visible to the reader) nothing is cited, and
    only the (visible) cables citing it are listed."""
    rid = reference_id.replace(" ", "").upper()
    out_rows = _edges(archive, "from_id", [rid]) if _visible(archive, {rid}, access) else []
    in_rows = _edges(archive, "to_id", [rid])
    seen = _visible(archive, {r[1] for r in out_rows if r[1]} | {r[0] for r in in_rows}, access)

    def link(r: tuple[Any, ...], other: str | None) -> RefLink:
        meta = seen.get(other or "")
        return RefLink(r[0], r[1], r[2], r[3], meta is not None,
                       meta["subject"] if meta else None)

    return References(
        rid,
        cites=[link(r, r[1]) for r in out_rows],
        cited_by=[link(r, r[0]) for r in in_rows if r[0] in seen],
    )


def thread(archive: Queryable, reference_id: str, depth: int = 2, *,
           access: AccessFilter | None = None) -> Thread:
    """Breadth-first walk of the reference graph, both ways, `depth` steps from the root.

    Nodes are the cables reached (with `in_archive` False for cited ids not archived); edges
    are the references between them. Hidden cables are neither nodes nor walked through.
    """
    root = reference_id.replace(" ", "").upper()
    nodes: dict[str, dict[str, Any]] = {}
    root_meta = _visible(archive, {root}, access)
    # A root not in the archive (or hidden) is walked only through the cables that cite it.
    nodes[root] = {**root_meta[root], "in_archive": True, "distance": 0} if root_meta else \
        {"in_archive": False, "distance": 0}
    edges: dict[tuple[str, str], RefLink] = {}
    frontier = [root]
    for step in range(1, depth + 1):
        rows = (_edges(archive, "from_id", frontier) if root_meta or step > 1 else []) \
            + _edges(archive, "to_id", frontier)
        candidates = {r[1] for r in rows if r[1]} | {r[0] for r in rows}
        meta = _visible(archive, candidates - nodes.keys(), access)
        nxt: list[str] = []
        for src, dst, text, label in rows:
            if not dst:
                continue
            src_ok = src in meta or (src in nodes and nodes[src]["in_archive"])
            if not src_ok:
                continue  # a hidden citing cable
            for n in (src, dst):
                if n not in nodes:
                    if n in meta:
                        nodes[n] = {**meta[n], "in_archive": True, "distance": step}
                        nxt.append(n)
                    else:
                        nodes[n] = {"in_archive": False, "distance": step}
            edges.setdefault((src, dst), RefLink(src, dst, text, label,
                                                 nodes[dst]["in_archive"]))
        frontier = nxt
        if not frontier:
            break
    return Thread(root, nodes, list(edges.values()))


def _str(v: Any) -> str:
    return "" if v is None else str(v)


_ATTRS = ("subject", "created", "origin", "classification", "in_archive", "distance")


def write_graphml(t: Thread, path: str | Path) -> None:
    """Write a thread as GraphML (Gephi, yEd, networkx)."""
    root = ET.Element("graphml", xmlns="http://graphml.graphdrawing.org/xmlns")
    for a in _ATTRS:
        kind = "boolean" if a == "in_archive" else "int" if a == "distance" else "string"
        ET.SubElement(root, "key", id=a, attrib={"for": "node", "attr.name": a,
                                                  "attr.type": kind})
    ET.SubElement(root, "key", id="text", attrib={"for": "edge", "attr.name": "text",
                                                   "attr.type": "string"})
    g = ET.SubElement(root, "graph", id=t.root, edgedefault="directed")
    for node_id, meta in t.nodes.items():
        n = ET.SubElement(g, "node", id=node_id)
        for a in _ATTRS:
            if a in meta:
                v = meta[a]
                ET.SubElement(n, "data", key=a).text = (str(v).lower() if isinstance(v, bool)
                                                        else _str(v))
    for i, e in enumerate(t.edges):
        el = ET.SubElement(g, "edge", id=f"e{i}", source=e.from_id, target=_str(e.to_id))
        ET.SubElement(el, "data", key="text").text = e.text
    ET.ElementTree(root).write(str(path), encoding="utf-8", xml_declaration=True)


def write_gexf(t: Thread, path: str | Path) -> None:
    """Write a thread as GEXF 1.3 (Gephi's own format)."""
    root = ET.Element("gexf", xmlns="http://gexf.net/1.3", version="1.3")
    g = ET.SubElement(root, "graph", defaultedgetype="directed", mode="static")
    attrs = ET.SubElement(g, "attributes", attrib={"class": "node"})
    for i, a in enumerate(_ATTRS):
        kind = "boolean" if a == "in_archive" else "integer" if a == "distance" else "string"
        ET.SubElement(attrs, "attribute", id=str(i), title=a, type=kind)
    nodes = ET.SubElement(g, "nodes")
    for node_id, meta in t.nodes.items():
        n = ET.SubElement(nodes, "node", id=node_id, label=node_id)
        values = ET.SubElement(n, "attvalues")
        for i, a in enumerate(_ATTRS):
            if a in meta:
                v = meta[a]
                ET.SubElement(values, "attvalue", attrib={
                    "for": str(i), "value": str(v).lower() if isinstance(v, bool) else _str(v)})
    edges = ET.SubElement(g, "edges")
    for i, e in enumerate(t.edges):
        ET.SubElement(edges, "edge", id=str(i), source=e.from_id, target=_str(e.to_id),
                      label=e.text)
    ET.ElementTree(root).write(str(path), encoding="utf-8", xml_declaration=True)
