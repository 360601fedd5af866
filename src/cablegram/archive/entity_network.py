"""The co-mention network of a search: entities named in the same cables, for Gephi, yEd, networkx.

Nodes are the people, places and organisations the matching cables name (the `most` named in the
most cables), ids `kind:key`; an undirected edge joins two entities named in the same cable, its
weight the number of such cables. As `entities --query`, it reads the search as its reader sees it
and counts only mentions in paragraphs the reader may see (a name from a withheld paragraph is no
node, and joins nothing). Written as GraphML, GEXF 1.3 or CSV (an edge list with weights), the
formats `archive/graph.py` writes reference threads in.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from itertools import combinations
from typing import IO, Any

from cablegram.archive.entities_store import KIND_OF_FIELD, matching_ids, spellings, visible_sql
from cablegram.archive.entity_pages import EntityRef, _base, reader_access

__all__ = ["FORMATS", "Network", "co_mentions", "render", "write"]

FORMATS = ("graphml", "gexf", "csv")
#: The most nodes a network keeps by default (the entities named in the most cables).
MOST = 200


@dataclass(frozen=True, slots=True)
class Network:
    """Entities (`cables`: how many matching cables name each) and weighted edges between them."""

    query: str
    cables: int
    nodes: tuple[EntityRef, ...]
    edges: tuple[tuple[str, str, int], ...]  # node id, node id, cables naming both

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "cables": self.cables,
                "nodes": [{"id": node_id(n), **n.to_dict()} for n in self.nodes],
                "edges": [{"source": a, "target": b, "weight": w} for a, b, w in self.edges]}


def node_id(e: EntityRef) -> str:
    return f"{e.kind}:{e.key}"


def co_mentions(archive: Any, query: str, *, most: int = MOST, cables: int = 10_000) -> Network:
    """The network of the (at most `cables`) cables matching `query`, its `most` busiest entities."""
    from cablegram.archive.entity_pages import available

    ids = matching_ids(archive, query, most=cables) if available(archive) else []
    access = reader_access(archive)
    base = _base(archive)
    per_cable: dict[int, set[tuple[str, str]]] = {}
    for i in range(0, len(ids), 500):
        part = ids[i:i + 500]
        marks = ",".join("?" * len(part))
        for cable_id, kind, key in base.fetch(
                f"SELECT DISTINCT m.cable_id, m.kind, m.key FROM entity_mentions m WHERE m.cable_id IN ({marks})"
                f" AND {visible_sql(access)}", part):
            per_cable.setdefault(int(cable_id), set()).add((str(kind), str(key)))
    counts = Counter(e for found in per_cable.values() for e in found)
    kept = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:max(0, most)]
    keep = {e for e, _ in kept}
    names: dict[str, dict[str, str]] = {}
    for kind in KIND_OF_FIELD:
        keys = [k for (kd, k), _ in kept if kd == kind]
        names[kind] = spellings(archive, kind, keys, access) if keys else {}
    nodes = tuple(EntityRef(kd, k, names[kd].get(k, k), n) for (kd, k), n in kept)
    weights: Counter[tuple[str, str]] = Counter()
    for found in per_cable.values():
        mine = sorted(f"{kd}:{k}" for kd, k in found if (kd, k) in keep)
        weights.update(combinations(mine, 2))
    edges = tuple((a, b, w) for (a, b), w in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0])))
    return Network(query, len(ids), nodes, edges)


def _graphml(net: Network) -> bytes:
    root = ET.Element("graphml", xmlns="http://graphml.graphdrawing.org/xmlns")
    for name, kind in (("label", "string"), ("kind", "string"), ("key", "string"), ("cables", "int")):
        ET.SubElement(root, "key", id=name, attrib={"for": "node", "attr.name": name, "attr.type": kind})
    ET.SubElement(root, "key", id="weight", attrib={"for": "edge", "attr.name": "weight", "attr.type": "int"})
    g = ET.SubElement(root, "graph", id="co-mentions", edgedefault="undirected")
    for n in net.nodes:
        el = ET.SubElement(g, "node", id=node_id(n))
        for name, value in (("label", n.name), ("kind", n.kind), ("key", n.key), ("cables", str(n.cables))):
            ET.SubElement(el, "data", key=name).text = value
    for i, (a, b, w) in enumerate(net.edges):
        el = ET.SubElement(g, "edge", id=f"e{i}", source=a, target=b)
        ET.SubElement(el, "data", key="weight").text = str(w)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _gexf(net: Network) -> bytes:
    root = ET.Element("gexf", xmlns="http://gexf.net/1.3", version="1.3")
    g = ET.SubElement(root, "graph", defaultedgetype="undirected", mode="static")
    attrs = ET.SubElement(g, "attributes", attrib={"class": "node"})
    for i, (name, kind) in enumerate((("kind", "string"), ("key", "string"), ("cables", "integer"))):
        ET.SubElement(attrs, "attribute", id=str(i), title=name, type=kind)
    nodes = ET.SubElement(g, "nodes")
    for n in net.nodes:
        el = ET.SubElement(nodes, "node", id=node_id(n), label=n.name)
        values = ET.SubElement(el, "attvalues")
        for i, value in enumerate((n.kind, n.key, str(n.cables))):
            ET.SubElement(values, "attvalue", attrib={"for": str(i), "value": value})
    edges = ET.SubElement(g, "edges")
    for i, (a, b, w) in enumerate(net.edges):
        ET.SubElement(edges, "edge", id=str(i), source=a, target=b, weight=str(w))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _csv(net: Network) -> bytes:
    """An edge list Gephi imports (Source, Target, Weight, Type) with the entities' names."""
    label = {node_id(n): n.name for n in net.nodes}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Source", "Target", "Weight", "Type", "source_name", "target_name"])
    for a, b, w in net.edges:
        writer.writerow([a, b, w, "Undirected", label.get(a, a), label.get(b, b)])
    return out.getvalue().encode("utf-8")


def render(net: Network, fmt: str) -> bytes:
    """The network as a file of format `fmt` (graphml, gexf, csv)."""
    if fmt == "graphml":
        return _graphml(net)
    if fmt == "gexf":
        return _gexf(net)
    if fmt == "csv":
        return _csv(net)
    raise ValueError(f"unknown network format {fmt!r}: one of {', '.join(FORMATS)}")


def write(net: Network, fmt: str, out: IO[bytes]) -> None:
    out.write(render(net, fmt))
