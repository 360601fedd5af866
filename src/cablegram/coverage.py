"""How much of the record an archive holds: cables sent per post and year, from serial numbers.

A post numbers its telegrams in sequence each year (08MOSCOW2629 is Moscow's 2,629th cable of
2008). The serials an archive has seen are a sample of 1..N, where N is what the post sent. As Gill
and Spirling (2015) did for the WikiLeaks cables, N is estimated with the minimum-variance unbiased
estimator of the "German tank problem", `m + m/k - 1` (m the highest serial seen, k how many
distinct serials were seen), and a one-sided 90% interval `[m, U]`, U the largest N for which
seeing a maximum as low as m still has probability >= 10%: C(m, k) / C(N, k) >= 0.10.

Evidence of a serial is a cable in the archive (its re-released versions and sections are the
same serial) or a reference to one (`REF: MOSCOW 2618` proves MOSCOW 2618 was sent): a cited but
absent cable is a known gap. Citations are noisy (`STATE 856708` in a 2008 cable, when State sent
about 140,000 that year; a year-less `REF: STATE 1234` is dated to the citing cable's year), and a
single misread serial would swamp a maximum-based estimate: a cited serial above the upper bound
from the held serials alone is set aside as implausible and counted, not used. The estimator
assumes the serials seen are a uniform sample, which a leak or a release need not be; the
interval says nothing about that bias.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from cablegram.model import Cable

CONFIDENCE = 0.90
_REF_ID = re.compile(r"^(\d{2})([A-Z][A-Z0-9]*?)(\d+)$")


@dataclass(frozen=True)
class Serial:
    """A reference id's parts: the year the cable was sent, the post, its serial that year."""

    year: int
    post: str
    serial: int


def parse_reference_id(reference_id: str | None) -> Serial | None:
    """`08MOSCOW2629` -> Serial(2008, "MOSCOW", 2629); None when it is not of that form."""
    if not reference_id:
        return None
    m = _REF_ID.match(reference_id.replace(" ", "").upper())
    if not m or int(m.group(3)) <= 0:
        return None
    yy = int(m.group(1))
    return Serial(2000 + yy if yy < 50 else 1900 + yy, m.group(2), int(m.group(3)))


def mvue(m: int, k: int) -> float:
    """The minimum-variance unbiased estimate of N from k distinct serials with maximum m."""
    return m + m / k - 1


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def upper_bound(m: int, k: int, confidence: float = CONFIDENCE) -> int:
    """The largest N for which P(max of k serials drawn from 1..N <= m) >= 1 - confidence."""
    alpha = math.log(1 - confidence) - 1e-9  # a bound hit exactly is inside
    base = _log_comb(m, k)
    lo, hi = m, max(m + 1, math.ceil(m * (1 - confidence) ** (-1 / k)) + 2)
    while base - _log_comb(hi, k) >= alpha:  # widen until hi is outside the interval
        hi *= 2
    while hi - lo > 1:  # invariant: lo inside, hi outside
        mid = (lo + hi) // 2
        if base - _log_comb(mid, k) >= alpha:
            lo = mid
        else:
            hi = mid
    return lo


@dataclass(frozen=True)
class Gap:
    """A run of serials no evidence shows, between two that were seen (`before` 0: the start)."""

    before: int
    after: int

    @property
    def length(self) -> int:
        return self.after - self.before - 1

    def to_dict(self) -> dict[str, int]:
        return {"from": self.before + 1, "to": self.after - 1, "length": self.length}


@dataclass(frozen=True)
class PostYear:
    """The coverage of one post's cables in one year."""

    post: str
    year: int
    held: int  # distinct serials in the archive
    cited_absent: int  # serials only known from references: known gaps
    implausible: int  # cited serials above the held serials' upper bound: set aside
    highest: int
    seen: int  # distinct serials with any evidence (k)
    estimate: float
    low: int
    high: int
    gaps: tuple[Gap, ...] = field(default=())

    @property
    def share(self) -> float:
        """The share of the estimated traffic the archive holds."""
        return self.held / self.estimate

    def to_dict(self) -> dict[str, object]:
        return {
            "post": self.post, "year": self.year, "held": self.held,
            "cited_absent": self.cited_absent, "implausible_citations": self.implausible,
            "highest_serial": self.highest, "seen": self.seen,
            "estimate": round(self.estimate, 1), "interval": [self.low, self.high],
            "confidence": CONFIDENCE, "share": round(self.share, 6),
            "share_interval": [round(self.held / self.high, 6), round(self.held / self.low, 6)],
            "longest_gaps": [g.to_dict() for g in self.gaps],
        }


def longest_gaps(serials: Iterable[int], n: int = 3) -> tuple[Gap, ...]:
    """The `n` longest runs of missing serials below the highest seen, longest (then first) first."""
    ordered = sorted(set(serials))
    gaps = [Gap(a, b) for a, b in zip([0, *ordered], ordered, strict=False) if b - a > 1]
    return tuple(sorted(gaps, key=lambda g: (-g.length, g.before))[:n])


def evidence(records: Iterable[Cable]) -> tuple[dict[tuple[str, int], set[int]],
                                                dict[tuple[str, int], set[int]]]:
    """The serials held and the serials cited, per (post, year)."""
    held: dict[tuple[str, int], set[int]] = {}
    cited: dict[tuple[str, int], set[int]] = {}
    for cable in records:
        own = parse_reference_id(cable.reference_id)
        if own:
            held.setdefault((own.post, own.year), set()).add(own.serial)
        for ref in cable.references:
            s = parse_reference_id(ref.reference_id)
            if s:
                cited.setdefault((s.post, s.year), set()).add(s.serial)
    return held, cited


def estimate(post: str, year: int, held: set[int], cited: set[int],
             confidence: float = CONFIDENCE, gaps: int = 3) -> PostYear:
    """One post-year's estimate from the serials held and the plausible serials cited."""
    ceiling = upper_bound(max(held), len(held), confidence)
    plausible = {s for s in cited if s <= ceiling}
    seen = held | plausible
    m, k = max(seen), len(seen)
    return PostYear(post, year, len(held), len(plausible - held), len(cited - plausible), m, k,
                    mvue(m, k), m, upper_bound(m, k, confidence), longest_gaps(seen, gaps))


def coverage(records: Iterable[Cable], *, post: str | None = None, year: int | None = None,
             confidence: float = CONFIDENCE) -> list[PostYear]:
    """The coverage of every post-year with a cable in `records`, largest estimate first.

    Post-years known only from citations are left out: the archive holds none of them, and a
    citation samples the citing post's interests, not the cited post's traffic.
    """
    held, cited = evidence(records)
    want_post = post.replace(" ", "").upper() if post else None
    out = [estimate(p, y, serials, cited.get((p, y), set()), confidence)
           for (p, y), serials in held.items()
           if (want_post is None or p == want_post) and (year is None or y == year)]
    return sorted(out, key=lambda c: (-c.estimate, c.post, c.year))


@dataclass(frozen=True)
class Total:
    """Post-years summed (by post, by year or overall). Bounds are summed too: the sum of one-sided
    90% bounds is conservative (covers at least as often as each part)."""

    key: str
    held: int
    estimate: float
    low: int
    high: int
    post_years: int

    @property
    def share(self) -> float:
        return self.held / self.estimate

    def to_dict(self) -> dict[str, object]:
        return {"key": self.key, "held": self.held, "estimate": round(self.estimate, 1),
                "interval": [self.low, self.high], "share": round(self.share, 6),
                "post_years": self.post_years}


def totals(rows: Iterable[PostYear], by: str) -> list[Total]:
    """Sum post-years by "post" or "year" (anything else: one overall total)."""
    groups: dict[str, list[PostYear]] = {}
    for r in rows:
        key = r.post if by == "post" else str(r.year) if by == "year" else "all"
        groups.setdefault(key, []).append(r)
    out = [Total(k, sum(r.held for r in g), sum(r.estimate for r in g), sum(r.low for r in g),
                 sum(r.high for r in g), len(g)) for k, g in groups.items()]
    return sorted(out, key=lambda t: (-t.estimate, t.key))
