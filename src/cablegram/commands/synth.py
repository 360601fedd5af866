"""`cablegram synth N`: write N synthetic cables (JSONL or a text dump) for demos and tests."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cablegram.cli import CommandError, plural


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "synth", help="generate realistic synthetic cables",
        description="Generate N invented cables (real posts, routing indicators, TAGS, DTGs and "
        "markings; invented people and text) with reference threads between them and a few "
        "re-released versions. Written through the renderer: `cablegram ingest` reads the output.",
    )
    p.add_argument("count", type=int, metavar="N", help="how many cables")
    p.add_argument("-o", "--output", metavar="FILE", default="-",
                   help="output file (default: stdout); *.txt means --format text")
    p.add_argument("--format", choices=("jsonl", "text"), default=None,
                   help="jsonl (default; carries release dates) or text (a dump split by form feeds)")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same cables)")
    p.add_argument("--versions", type=float, default=0.04,
                   help="share of classified cables also written in an earlier version (0 for none)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cablegram.synth import synthesize, write_jsonl, write_text

    if not 0 <= args.count <= 10_000_000:
        raise CommandError("N must be between 0 and 10,000,000")
    if not 0 <= args.versions <= 0.5:
        raise CommandError("--versions must be between 0 and 0.5")
    fmt = args.format or ("text" if str(args.output).endswith(".txt") else "jsonl")
    writer = write_text if fmt == "text" else write_jsonl
    items = synthesize(args.count, seed=args.seed, versions=args.versions)
    if args.output == "-":
        writer(items, sys.stdout)
        return 0
    try:
        with Path(args.output).open("w", encoding="utf-8") as f:
            n = writer(items, f)
    except OSError as exc:
        raise CommandError(f"cannot write {args.output}: {exc.strerror}") from None
    print(f"wrote {plural(n, 'text')} of {plural(args.count, 'cable')} to {args.output}", file=sys.stderr)
    return 0
