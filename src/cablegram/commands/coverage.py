"""`cablegram coverage`: how many cables each post sent, estimated from serials, and the share held."""

from __future__ import annotations

import argparse
import json
from typing import Any

from cablegram.commands._archive import add_reader_option, open_for_reading
from cablegram.coverage import coverage, totals


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "coverage", help="estimate how many cables each post sent, and the share the archive holds",
        description="For each post and year: the highest serial seen, the distinct serials seen "
        "(held, and cited by references), the estimate of cables sent (m + m/k - 1) with a "
        "one-sided 90%% interval, the share the archive holds and the longest runs of missing "
        "serials.",
    )
    add_reader_option(p)
    p.add_argument("--json", action="store_true", help="print as JSON")
    p.add_argument("--origin", metavar="POST", help="only this post (as in reference ids: MOSCOW)")
    p.add_argument("--year", type=int, metavar="YEAR", help="only this year (e.g. 2008)")
    p.add_argument("--by", choices=("post-year", "post", "year"), default="post-year",
                   help="one row per post and year (default), or summed by post or by year")
    p.add_argument("--limit", type=int, default=30, metavar="N",
                   help="rows to print in the table (default 30; --json prints all)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with open_for_reading(args) as archive:
        rows = coverage(archive.iter_records(), post=args.origin, year=args.year)
    overall = totals(rows, "all")
    if args.by == "post-year":
        table: list[Any] = rows
    else:
        table = totals(rows, args.by)
    if args.json:
        print(json.dumps({"by": args.by, "rows": [r.to_dict() for r in table],
                          "total": overall[0].to_dict() if overall else None}, ensure_ascii=False))
        return 0
    if not rows:
        print("no cables with reference ids of the form YYPOSTSERIAL match")
        return 0
    if args.by == "post-year":
        print(f"{'post':<16}{'year':>5}{'held':>7}{'cited':>7}{'max':>8}{'estimate':>10}"
              f"{'90% interval':>20}{'share':>8}  longest gap")
        for r in rows[:args.limit]:
            gap = r.gaps[0].to_dict() if r.gaps else None
            gap_text = f"{gap['from']}-{gap['to']} ({gap['length']})" if gap else "-"
            print(f"{r.post:<16}{r.year:>5}{r.held:>7}{r.cited_absent:>7}{r.highest:>8}"
                  f"{r.estimate:>10.0f}{f'[{r.low}, {r.high}]':>20}{r.share:>8.1%}  {gap_text}")
    else:
        print(f"{args.by:<16}{'held':>7}{'estimate':>10}{'90% interval':>22}{'share':>8}")
        for t in table[:args.limit]:
            print(f"{t.key:<16}{t.held:>7}{t.estimate:>10.0f}{f'[{t.low}, {t.high}]':>22}"
                  f"{t.share:>8.1%}")
    if len(table) > args.limit:
        print(f"... {len(table) - args.limit} more (--limit, --json)")
    t = overall[0]
    print(f"\nall: {t.held} held of an estimated {t.estimate:.0f} sent "
          f"(90% interval [{t.low}, {t.high}]): {t.share:.2%} over {t.post_years} post-years")
    return 0
