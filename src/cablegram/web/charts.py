"""Charts drawn on the server as inline SVG: timeline, sparkline, map of origins.

No JavaScript and nothing fetched from elsewhere: each function returns SVG markup (every
text it carries is escaped) that a template inserts as is.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from cablegram.web.worldmap import LAND

__all__ = ["fill_months", "sparkline", "timeline", "world_map"]


def fill_months(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Monthly counts ('YYYY-MM' -> n) with the empty months between the first and last."""
    keys = sorted(k for k in counts if len(k) == 7 and k[:4].isdigit() and k[5:].isdigit())
    if not keys:
        return []
    y, m = int(keys[0][:4]), int(keys[0][5:])
    last = (int(keys[-1][:4]), int(keys[-1][5:]))
    out = []
    while (y, m) <= last and len(out) < 2400:
        key = f"{y:04d}-{m:02d}"
        out.append((key, counts.get(key, 0)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def timeline(months: Sequence[tuple[str, int]], link: Callable[[str], str],
             width: int = 900, height: int = 160) -> Markup:
    """Bars of cables per month, each a link (`link(month)`) with its count as a tooltip."""
    if not months:
        return Markup("")
    top = max(n for _, n in months) or 1
    pad_l, pad_b, pad_t = 44, 22, 8
    plot_w, plot_h = width - pad_l - 6, height - pad_b - pad_t
    bar = plot_w / len(months)
    parts = [f'<svg class="chart timeline" viewBox="0 0 {width} {height}" role="img"'
             f' aria-label="cables per month">']
    for frac in (0, 0.5, 1):
        y = pad_t + plot_h * (1 - frac)
        parts.append(f'<line class="grid" x1="{pad_l}" x2="{width - 6}" y1="{y:.1f}" y2="{y:.1f}"/>'
                     f'<text class="axis" x="{pad_l - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{round(top * frac):,}</text>')
    # A year label every `step` years, so that labels (about 30 px at 11 px) never overlap.
    year_w = bar * 12
    step = next((s for s in (1, 2, 5, 10, 20, 50, 100) if year_w * s >= 36), 100)
    labelled = [i for i, (month, _) in enumerate(months) if month.endswith("-01") and int(month[:4]) % step == 0]
    if not labelled or labelled[0] * bar >= 36:
        labelled.insert(0, 0)  # the first month, when it is clear of the first January shown
    for i, (month, n) in enumerate(months):
        h = plot_h * n / top
        x = pad_l + i * bar
        if n:
            parts.append(
                f'<a href="{escape(link(month))}"><rect class="bar" x="{x:.2f}" y="{pad_t + plot_h - h:.2f}"'
                f' width="{max(bar - 0.6, 0.6):.2f}" height="{max(h, 0.8):.2f}">'
                f'<title>{escape(month)}: {n:,} cables</title></rect></a>')
        if labelled and i == labelled[0]:
            labelled.pop(0)
            anchor = ' text-anchor="end"' if x > width - 30 else ""
            parts.append(f'<text class="axis" x="{x:.1f}" y="{height - 6}"{anchor}>{escape(month[:4])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def sparkline(months: Sequence[tuple[str, int]], width: int = 240, height: int = 36) -> Markup:
    """A small area chart of hits per month, with the first and last month as its caption."""
    if len(months) < 2:
        return Markup("")
    top = max(n for _, n in months) or 1
    step = width / (len(months) - 1)
    points = [(i * step, height - 2 - (height - 4) * n / top) for i, (_, n) in enumerate(months)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    area = f"0,{height} {line} {width},{height}"
    title = f"{months[0][0]} to {months[-1][0]}, peak {top:,} a month"
    return Markup(
        f'<svg class="chart sparkline" viewBox="0 0 {width} {height}" role="img"'
        f' aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f'<polygon class="area" points="{area}"/><polyline class="line" points="{line}"/></svg>')


def _xy(lat: float, lon: float, width: float, height: float) -> tuple[float, float]:
    """Equirectangular projection of latitudes 84..-58 onto the box."""
    return (lon + 180) / 360 * width, (84 - lat) / 142 * height


def world_map(points: Sequence[tuple[str, float, float, int, str]], width: int = 900,
              height: int = 360, label: str = "map of cable origins") -> Markup:
    """Dots at (label, lat, lon, count, href), area by count, on a coarse outline of the land."""
    parts = [f'<svg class="chart map" viewBox="0 0 {width} {height}" role="img"'
             f' aria-label="{escape(label)}">',
             f'<rect class="sea" width="{width}" height="{height}"/>']
    for lon in range(-180, 181, 30):
        x, _ = _xy(0, lon, width, height)
        parts.append(f'<line class="graticule" x1="{x:.1f}" x2="{x:.1f}" y1="0" y2="{height}"/>')
    for lat in range(-45, 90, 15):
        _, y = _xy(lat, 0, width, height)
        parts.append(f'<line class="graticule" x1="0" x2="{width}" y1="{y:.1f}" y2="{y:.1f}"/>')
    for poly in LAND:
        pts = " ".join("{:.1f},{:.1f}".format(*_xy(lat, lon, width, height)) for lon, lat in poly)
        parts.append(f'<polygon class="land" points="{pts}"/>')
    top = max((p[3] for p in points), default=1) or 1
    for label, lat, lon, n, href in sorted(points, key=lambda p: -p[3]):
        x, y = _xy(lat, lon, width, height)
        r = 2 + 12 * math.sqrt(n / top)
        parts.append(f'<a href="{escape(href)}"><circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}">'
                     f'<title>{escape(label)}: {n:,} cables</title></circle></a>')
    parts.append("</svg>")
    return Markup("".join(parts))
