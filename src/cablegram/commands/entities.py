"""`cablegram entities PATH... [--json]`: people, places and organisations in cables, no archive;
`--query Q --archive A`: the top entities of a search (`--network graphml|gexf|csv`: their co-mention
network); `--rebuild --archive A`: extract again."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator

from cablegram.archive import QueryError, archive_location, entities_store, open_archive
from cablegram.archive.entity_network import FORMATS, co_mentions, render
from cablegram.archive.entity_pages import KINDS, entity_page
from cablegram.cli import CommandError, plural
from cablegram.commands._archive import add_reader_option, open_for_reading
from cablegram.entities import Entities, extract
from cablegram.sources import SourceError, read_path
from cablegram.telegram import TelegramError, parse


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "entities",
        help="people, places and organisations in cables (offline)",
        description="Extract people, places and organisations from cables (any source `parse` reads), "
        "each with the paragraph numbers that mention it (0: subject, TAGS, classified-by line).",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files to read; - reads standard input")
    p.add_argument("--json", action="store_true", help="one JSON object per cable (JSON Lines)")
    p.add_argument("--query", metavar="Q", default=None,
                   help="the top people, places and organisations of a search of the archive")
    p.add_argument("--limit", type=int, default=None,
                   help="with --query: how many of each kind (default 10); with --network: how many entities "
                   "the network keeps, those named in the most cables (default 200)")
    p.add_argument("--entity", metavar="KIND:NAME", default=None,
                   help="one entity's page (person:lavrov, place:georgia, org:NATO; any spelling): its cables "
                   "by year, the posts reporting, the entities named with it, the first --limit cables")
    p.add_argument("--network", choices=FORMATS, default=None,
                   help="with --query: write the co-mention network of the search (entities named in the same "
                   "cables, weighted by cables) as GraphML, GEXF or a CSV edge list")
    p.add_argument("-o", "--output", metavar="FILE", default="-",
                   help="with --network: the file to write (default: standard output)")
    p.add_argument("--rebuild", action="store_true",
                   help="extract the entities of every cable of the archive again (ingest does it as it stores)")
    add_reader_option(p)
    p.set_defaults(func=run)


def _extracted(paths: list[str], problems: list[str]) -> Iterator[Entities]:
    for path in paths:
        try:
            records = read_path(path)
            for record in records:
                if record.error:
                    problems.append(f"{record.source.get('file', path)}: unreadable record: {record.error}")
                    continue
                try:
                    cable = parse(record.text)
                except TelegramError as exc:
                    problems.append(f"{record.source.get('file', path)}: {exc}")
                    continue
                yield extract(cable)
        except SourceError as exc:
            raise CommandError(str(exc)) from None


def _text(found: Entities) -> str:
    lines = [found.reference_id or "(no reference id)"]
    for kind in ("people", "places", "orgs"):
        items = getattr(found, kind)
        shown = ", ".join(f"{e.name} ({','.join(map(str, e.mentions))})" for e in items) or "-"
        lines.append(f"  {kind}: {shown}")
    return "\n".join(lines)


def _rebuild(args: argparse.Namespace) -> int:
    location = archive_location(args.archive)
    try:
        archive = open_archive(location)
    except Exception as exc:  # a missing server, a bad file: one line, no traceback
        raise CommandError(f"cannot open archive {location}: {exc}") from None
    try:
        cables, rows = entities_store.rebuild(archive)
    finally:
        archive.close()
    print(f"{cables} cables, {rows} entity mentions")
    return 0


def _network(args: argparse.Namespace) -> int:
    with open_for_reading(args) as archive:
        try:
            net = co_mentions(archive, args.query, most=200 if args.limit is None else args.limit)
        except QueryError as exc:
            raise CommandError(f"bad query: {exc}") from None
    data = render(net, args.network)
    if args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    try:
        with open(args.output, "wb") as f:
            f.write(data)
    except OSError as exc:
        raise CommandError(f"cannot write {args.output}: {exc.strerror}") from None
    print(f"wrote {plural(len(net.nodes), 'entity', 'entities')} and {plural(len(net.edges), 'link')}"
          f" ({plural(net.cables, 'cable')}) to {args.output}")
    return 0


def _top(args: argparse.Namespace) -> int:
    if args.network:
        return _network(args)
    with open_for_reading(args) as archive:
        top = entities_store.top_entities(archive, args.query, limit=10 if args.limit is None else args.limit)
    if args.json:
        print(json.dumps({"query": args.query, **{
            kind: [{"key": k, "name": n, "cables": c} for k, n, c in items] for kind, items in top.items()}},
            ensure_ascii=False))
        return 0
    for kind, items in top.items():
        shown = ", ".join(f"{n} ({c})" for _, n, c in items) or "-"
        print(f"{kind}: {shown}")
    return 0


def _entity(args: argparse.Namespace) -> int:
    kind, _, name = args.entity.partition(":")
    if kind not in KINDS or not name.strip():
        raise CommandError(f"say --entity KIND:NAME, KIND one of {', '.join(KINDS)} (person:lavrov)")
    limit = 10 if args.limit is None else args.limit
    with open_for_reading(args) as archive:
        found = entity_page(archive, kind, name, limit=limit)
    if found is None:
        reader = f" that {args.as_user} may read" if args.as_user else ""
        raise CommandError(f"no cable{reader} names {kind} {name!r}")
    if args.json:
        print(json.dumps(found.to_dict(), ensure_ascii=False))
        return 0
    years: dict[str, int] = {}
    for month, n in found.months:
        years[month[:4]] = years.get(month[:4], 0) + n
    print(f"{found.name} ({found.kind}:{found.key}): {plural(found.total, 'cable')}, "
          + ", ".join(f"{y}: {n}" for y, n in sorted(years.items())))
    print("posts: " + ", ".join(f"{o} ({n})" for o, n in found.posts[:limit]))
    for k in KINDS:
        shown = ", ".join(f"{e.name} ({e.cables})" for e in [e for e in found.co_mentioned if e.kind == k][:limit])
        print(f"with {k}: {shown or '-'}")
    for c in found.cables:
        print(f"  {(c.created or '')[:10]:<10}  {c.reference_id:<18}  ¶{','.join(map(str, c.paragraphs))}"
              f"  {(c.subject or '')[:60]}")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.entity is not None:
        if args.paths or args.query is not None or args.rebuild:
            raise CommandError("--entity reads the archive: no files, --query or --rebuild with it")
        return _entity(args)
    if args.rebuild or args.query is not None:
        if args.paths:
            raise CommandError("give files, or --query/--rebuild with an archive, not both")
        return _rebuild(args) if args.rebuild else _top(args)
    if args.network:
        raise CommandError("--network needs --query Q (and an archive)")
    if not args.paths:
        raise CommandError("give files to read, --query Q or --rebuild")
    problems: list[str] = []
    for found in _extracted(args.paths, problems):
        if args.json:
            sys.stdout.write(json.dumps(found.to_dict(), ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(_text(found) + "\n\n")
    for problem in problems:
        print(f"cablegram entities: {problem}", file=sys.stderr)
    return 1 if problems else 0
