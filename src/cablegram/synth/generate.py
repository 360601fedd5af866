"""Building synthetic `Cable` records: markings, header, addressees, body, references.

Every record is made so that `parse(render(cable))` gives it back (the tests check each one):
the fields are those the parser reads from the text the renderer writes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from cablegram import directory
from cablegram.model import EO, Address, Cable, ClassifiedBy, Header, Origin, Paragraph, Reference
from cablegram.synth import vocab
from cablegram.telegram.render import split_sections

__all__ = ["Generator", "Synthetic"]

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")
_SIGN = {"IMMEDIATE": "O", "PRIORITY": "P", "ROUTINE": "R"}
_SECURITY = {"UNCLASSIFIED": "ZNR UUUUU ZZH", "CONFIDENTIAL": "ZNY CCCCC ZZH",
             "SECRET": "ZNY SSSSS ZZH"}
_MARK = {"UNCLASSIFIED": "U", "CONFIDENTIAL": "C", "SECRET": "S"}
#: characters per section for synthetic cables (shorter than the wire's, so that the demo
#: shows multi-section cables and their page-break lines)
SECTION_CHARS = 2500


@dataclass(frozen=True)
class Synthetic:
    """One generated text: the record, its telegram text, and its release date (versions)."""

    cable: Cable
    text: str
    released: str | None = None


@dataclass(frozen=True)
class _Station:
    name: str
    station: str
    label: str
    indicator: str
    post: vocab.Post | None


def _station(name: str, post: vocab.Post | None = None) -> _Station:
    station = directory.station_from_name(name)
    label = directory.origin_label(name)
    indicator = directory.indicator_for_name(name)
    assert station and label and indicator, name
    return _Station(name, station, label, indicator, post)


class Generator:
    """Makes cables one after another, in date order, each citing some earlier ones."""

    def __init__(self, seed: int = 0, start: datetime | None = None,
                 end: datetime | None = None) -> None:
        self.rng = random.Random(seed)
        self.start = start or datetime(2004, 1, 1)
        self.end = end or datetime(2010, 2, 28)
        self.posts = [_station(p.name, p) for p in vocab.POSTS]
        self.state = _station("SECSTATE WASHDC")
        self.serials: dict[tuple[str, int], int] = {}
        self.sequence: dict[str, int] = {}
        self.ambassadors = {p.station: self._person() for p in self.posts}
        self.ambassadors["STATE"] = self._person()
        self.earlier: list[Cable] = []

    # --- small pieces ---------------------------------------------------------------------

    def _person(self) -> tuple[str, str]:
        r = self.rng
        return r.choice(vocab.FIRST), r.choice(vocab.LAST)

    def _serial(self, station: str, year: int) -> int:
        key = (station, year)
        base = 9000 if station == "STATE" else 0
        n = self.serials.get(key, base + self.rng.randint(1, 60)) + self.rng.randint(1, 6)
        self.serials[key] = n
        return n

    def _seq(self, name: str) -> int:
        n = self.sequence.get(name, self.rng.randint(100, 3000)) + self.rng.randint(1, 9)
        self.sequence[name] = n % 10000
        return self.sequence[name]

    def _dates(self, n: int) -> list[datetime]:
        span = int((self.end - self.start).total_seconds() // 60)
        return sorted(self.start + timedelta(minutes=self.rng.randrange(span)) for _ in range(n))

    def _fill(self, template: str, post: vocab.Post, when: datetime) -> str:
        r = self.rng
        first, last = self._person()
        month = _MONTH_NAMES[(when.month - 1 + r.randint(0, 2)) % 12]
        values = {
            "country": post.country, "people": post.people, "name": f"{first} {last}",
            "title": r.choice(vocab.TITLES), "month": month, "day": r.randint(1, 28),
            "number": r.choice((3, 5, 12, 15, 20, 35, 40, 150, 300, 1200)),
            "pct": r.choice((2, 3, 4, 6, 8, 11, 14)), "bps": r.choice((25, 50, 75, 100)),
            "days": r.choice((30, 45, 60, 90)),
        }
        text = template.format(**values, **{k.upper(): str(v).upper() for k, v in values.items()})
        return text[0].upper() + text[1:]

    def _classification(self) -> tuple[str, tuple[str, ...]]:
        r = self.rng.random()
        if r < 0.25:
            return "UNCLASSIFIED", ("SIPDIS",)
        if r < 0.45:
            return "UNCLASSIFIED", ("SENSITIVE", "SIPDIS")
        level = "CONFIDENTIAL" if r < 0.82 else "SECRET"
        return level, (("NOFORN", "SIPDIS") if self.rng.random() < 0.25 else ("SIPDIS",))

    def _markings(self, level: str, caveats: tuple[str, ...]) -> list[str]:
        """Portion marks a paragraph may carry; the first is the highest (the cable's level)."""
        if level == "UNCLASSIFIED":
            return ["SBU", "U"] if "SENSITIVE" in caveats else []
        top = _MARK[level] + ("/NF" if "NOFORN" in caveats else "")
        lower = ["C", "SBU", "U"] if level == "SECRET" else ["SBU", "U"]
        return [top, *lower]

    # --- the parts of a cable -------------------------------------------------------------

    def _body(self, post: vocab.Post, topic: vocab.Topic, when: datetime,
              marks: list[str]) -> tuple[list[Paragraph], str | None, str | None]:
        r = self.rng
        count = r.randint(4, 9)
        texts: list[str] = []
        summary = comment = None
        pool: list[str] = []
        for i in range(count):
            sentences: list[str] = []
            used: set[str] = set()
            for _ in range(r.randint(2, 4)):
                if not pool:
                    pool = [*topic.sentences, *r.sample(vocab.GENERIC, k=4)]
                    r.shuffle(pool)
                template = pool.pop()
                if template not in used:
                    used.add(template)
                    sentences.append(self._fill(template, post, when))
            body = " ".join(sentences) or self._fill(topic.sentences[0], post, when)
            if i == 0 and count >= 5:
                summary = body
                body = f"Summary: {body} End summary."
            elif i == count - 1 and count >= 5 and r.random() < 0.7:
                comment = " ".join(r.sample(vocab.COMMENTS, k=2))
                body = f"Comment: {comment} End comment."
            texts.append(body)
        headings = list(topic.headings)
        r.shuffle(headings)
        paragraphs = []
        for i, text in enumerate(texts):
            heading = headings.pop() if i and headings and r.random() < 0.3 else None
            marking = (marks[0] if i == 0 else r.choice(marks)) if marks else None
            paragraphs.append(Paragraph(i + 1, marking, heading, text))
        return paragraphs, summary, comment

    def _references(self, country: str, year: int) -> tuple[Reference, ...]:
        r = self.rng
        if not self.earlier or r.random() < 0.45:
            return ()
        recent = self.earlier[-600:]
        near = [c for c in recent if country and country in c.tags]
        if not near:
            return ()
        cited = r.sample(near, k=min(len(near), r.choice((1, 1, 1, 2, 2, 3))))
        cited.sort(key=lambda c: c.created or "")
        refs: list[tuple[str, str | None]] = []
        for c in cited:
            cyear = int((c.created or "2000")[:4])
            station, serial = c.origin.station or "STATE", c.serial or 0
            if r.random() < 0.08:  # a cable the archive does not hold
                serial += r.randint(1, 3) * 100000
            text = f"{station} {serial}" if cyear == year else f"{cyear % 100:02d} {station} {serial}"
            refs.append((text, f"{cyear % 100:02d}{station}{serial}"))
        if r.random() < 0.08:
            _first, last = self._person()
            refs.append((f"{last.upper()}-{self._person()[1].upper()} EMAIL", None))
        if len(refs) == 1:
            return (Reference(None, refs[0][0], refs[0][1]),)
        return tuple(Reference(chr(65 + i), t, rid) for i, (t, rid) in enumerate(refs))

    def _addressees(self, origin: _Station, to_state: bool,
                    precedence: str) -> tuple[tuple[Address, ...], tuple[Address, ...]]:
        r = self.rng
        if to_state:
            to = (Address("SECSTATE WASHDC", "RUEHC", precedence, self._seq(origin.station + "/STATE")),)
            info: list[Address] = []
            post = origin.post
            if post and post.collective:
                info.append(Address(post.collective, directory.indicator_for_name(post.collective)))
            for other in r.sample(self.posts, k=r.randint(0, 3)):
                if other.station != origin.station:
                    info.append(Address(other.name, other.indicator, precedence, self._seq(other.name)))
            for indicator, name in r.sample(vocab.AGENCIES, k=r.randint(0, 2)):
                if all(a.name != name for a in info):
                    info.append(Address(name, indicator, precedence, self._seq(name)))
            return to, tuple(info)
        posts = r.sample(self.posts, k=r.randint(1, 4))
        to = tuple(Address(p.name, p.indicator, precedence, self._seq(p.name)) for p in posts)
        agencies = r.sample(vocab.AGENCIES, k=r.randint(0, 2))
        names = {a.name for a in to}
        info = tuple(Address(n, i, precedence, self._seq(n)) for i, n in agencies if n not in names)
        return to, info

    # --- the whole cable ------------------------------------------------------------------

    def cable(self, when: datetime) -> Cable:
        """One cable dated `when` (its DTG), citing some of the cables made before it."""
        r = self.rng
        from_state = r.random() < 0.15
        origin = self.state if from_state else r.choice(self.posts)
        post = origin.post or r.choice(self.posts).post
        assert post is not None
        topic = r.choice(vocab.TOPICS)
        level, caveats = self._classification()
        precedence = r.choices(("ROUTINE", "PRIORITY", "IMMEDIATE"), (5, 4, 1))[0]
        serial = self._serial(origin.station, when.year)
        yy = when.year % 100
        marks = self._markings(level, caveats)
        paragraphs, summary, comment = self._body(post, topic, when, marks)
        country = [post.country_tag] if post.country_tag else []
        tags = tuple(dict.fromkeys([*r.sample(topic.tags, k=r.randint(1, len(topic.tags))), *country]))
        subject = self._fill(r.choice(topic.subjects), post, when).upper()
        eo, classified_by = self._eo(level, when, origin)
        to, info = self._addressees(origin, not from_state, precedence)
        relays = sorted({a.routing_indicator for a in info if a.routing_indicator})[:5]
        header = Header(
            transmission_id=("VZCZCXRO" if relays else "VZCZCXYZ") + f"{r.randint(0, 9999):04d}",
            routing_precedence=_SIGN[precedence] * 2,
            routing_indicators=tuple(relays or ["RUEHWEB"]),
            originator=origin.indicator, station_serial=serial, section=None,
            filing_time=f"{when.timetuple().tm_yday:03d}{when:%H%M}", security=_SECURITY[level],
            dtg=f"{when:%d%H%M}Z {_MONTHS[when.month - 1]} {yy:02d}",
        )
        signer = self.ambassadors[origin.station][1].upper()
        cable = Cable(
            reference_id=f"{yy:02d}{origin.station}{serial}",
            created=f"{when:%Y-%m-%dT%H:%M}:00Z",
            classification=level, caveats=caveats,
            classification_label=directory.classification_label(level, caveats),
            origin=Origin(origin.station, origin.name, origin.label, origin.indicator),
            precedence=precedence, header=header, from_=origin.name, to=to, info=info,
            eo=eo, classified_by=classified_by, tags=tags, subject=subject,
            subject_marking=(r.choice([*marks[:1], "U"]) if level != "UNCLASSIFIED" else None),
            serial=serial, references=self._references(post.country_tag, when.year),
            paragraphs=tuple(paragraphs), summary=summary, comment=comment, signers=(signer,),
            notes=((r.choice(vocab.DEPT_LINES),) if r.random() < 0.3 else ()),
        )
        cable = split_sections(cable, SECTION_CHARS)
        if cable.sections > 1:
            cable = replace(cable, header=replace(header, section=1))
        self.earlier.append(cable)
        return cable

    def _eo(self, level: str, when: datetime, origin: _Station) -> tuple[EO, ClassifiedBy | None]:
        order = "13526" if when >= datetime(2010, 1, 1) else "12958"
        if level == "UNCLASSIFIED":
            return EO(order, None, "N/A"), None
        decl = when.replace(year=when.year + 10, day=min(when.day, 28))
        eo = EO(order, f"{decl:%Y-%m-%d}", f"DECL: {decl:%m/%d/%Y}")
        first, last = self.ambassadors[origin.station]
        if origin.station == "STATE" or self.rng.random() < 0.5:
            first, last = self._person()
        title = self.rng.choice(("Ambassador", "Charge d'Affaires", "Political Counselor",
                                 "Deputy Chief of Mission", "Economic Counselor"))
        letters = self.rng.choice((("b", "d"), ("d",), ("b", "c", "d")))
        reasons = tuple(f"1.4({x})" for x in letters)
        said = " and ".join(f"({x})" for x in letters) if len(letters) < 3 else "(b), (c) and (d)"
        text = f"{title} {first} {last} for reasons 1.4 {said}."
        return eo, ClassifiedBy((f"{first} {last}",), title, reasons, text)

    def generate(self, n: int) -> list[Cable]:
        """`n` cables in date order."""
        return [self.cable(when) for when in self._dates(n)]
