"""The reference graph of a thread as SVG, laid out on the server.

Layout (deterministic, no physics): cables left to right by date, one column each; each goes
into the free lane nearest the lanes of the cables it is linked to that are already placed,
lanes alternating around the middle, a lane being free when its last label is far enough left.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from cablegram.archive import Thread
from cablegram.web.filters import cable_url

__all__ = ["MAX_NODES", "Placed", "draw", "layout"]

MAX_NODES = 200
LABEL_PX = 104
LANE_PX = 44


@dataclass
class Placed:
    """A node with its position."""

    id: str
    x: float
    y: float
    lane: int
    meta: dict[str, Any]


def _date(node_id: str, meta: dict[str, Any]) -> str:
    if meta.get("created"):
        return str(meta["created"])
    yy = node_id[:2]
    if yy.isdigit():  # a cited cable not in the archive: its id's year
        return ("19" if int(yy) > 50 else "20") + yy
    return "9999"


def _lanes() -> list[int]:
    out = [0]
    for i in range(1, 60):
        out += [i, -i]
    return out


def layout(thread: Thread, width: int = 1100) -> tuple[list[Placed], int]:
    """Positions of the thread's nodes (at most MAX_NODES, nearest the root first) and the
    drawing's height."""
    items = sorted(thread.nodes.items(), key=lambda kv: (kv[1].get("distance", 0), kv[0]))
    keep = dict(items[:MAX_NODES])
    order = sorted(keep, key=lambda k: (_date(k, keep[k]), k))
    links: dict[str, set[str]] = {k: set() for k in keep}
    for e in thread.edges:
        if e.from_id in keep and e.to_id in keep:
            links[e.from_id].add(e.to_id)
            links[e.to_id].add(e.from_id)
    n = len(order)
    step = (width - 70 - 130) / max(n - 1, 1)
    gap = max(1, -(-LABEL_PX // max(int(step), 1)))
    last_col: dict[int, int] = {}
    lane_of: dict[str, int] = {}
    for col, node in enumerate(order):
        near = [lane_of[m] for m in links[node] if m in lane_of]
        want = round(sum(near) / len(near)) if near else 0
        candidates = sorted(_lanes(), key=lambda lane: (abs(lane - want), abs(lane), lane))
        lane = next((c for c in candidates if col - last_col.get(c, -gap) >= gap), candidates[0])
        lane_of[node] = lane
        last_col[lane] = col
    lo = min(lane_of.values(), default=0)
    hi = max(lane_of.values(), default=0)
    height = (hi - lo) * LANE_PX + 120
    placed = [Placed(k, 70 + i * step if n > 1 else width / 2, 60 + (lane_of[k] - lo) * LANE_PX,
                     lane_of[k], keep[k]) for i, k in enumerate(order)]
    return placed, height


def draw(thread: Thread, width: int = 1100) -> Markup:
    """The SVG: edges (dashed to cables not in the archive), nodes linking to cable pages."""
    placed, height = layout(thread, width)
    pos = {p.id: p for p in placed}
    parts = [f'<svg class="thread" viewBox="0 0 {width} {height}" role="img"'
             f' aria-label="reference graph of {escape(thread.root)}">',
             '<defs><marker id="arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7"'
             ' markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#9aa7b4"/></marker></defs>']
    for e in thread.edges:
        a, b = pos.get(e.from_id), pos.get(e.to_id or "")
        if not a or not b:
            continue
        bend = min(45.0, 10 + 0.15 * abs(a.x - b.x))  # arcs over the nodes between them
        mx, my = (a.x + b.x) / 2, (a.y - bend if a.lane == b.lane else (a.y + b.y) / 2 - bend / 3)
        cls = "edge" if e.resolved else "edge missing"
        parts.append(f'<path class="{cls}" data-from="{escape(e.from_id)}" data-to="{escape(e.to_id or "")}"'
                     f' d="M{a.x:.1f},{a.y:.1f} Q{mx:.1f},{my:.1f} {b.x:.1f},{b.y:.1f}"'
                     f' marker-end="url(#arrow)"><title>{escape(e.from_id)} cites {escape(e.text)}</title></path>')
    for p in placed:
        in_archive = p.meta.get("in_archive", False)
        cls = "node root" if p.id == thread.root else "node" if in_archive else "node missing"
        tip = (f"{p.id} · {(p.meta.get('created') or '')[:10]} · {p.meta.get('origin') or ''}\n"
               f"{p.meta.get('subject') or ''}") if in_archive else f"{p.id} (not in the archive)"
        shape = (f'<circle cx="{p.x:.1f}" cy="{p.y:.1f}" r="{9 if p.id == thread.root else 6}"/>'
                 f'<text x="{p.x + 9:.1f}" y="{p.y - 8:.1f}">{escape(p.id)}</text>'
                 f"<title>{escape(tip)}</title>")
        if in_archive:
            parts.append(f'<a class="{cls}" data-id="{escape(p.id)}" href="{escape(cable_url(p.id, "/graph"))}">'
                         f"{shape}</a>")
        else:
            parts.append(f'<g class="{cls}" data-id="{escape(p.id)}">{shape}</g>')
    parts.append("</svg>")
    return Markup("".join(parts))
