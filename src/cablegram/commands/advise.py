"""`cablegram advise`: train the classification advice on an archive, and advise on cables."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from cablegram.cli import CommandError
from cablegram.commands._archive import _access_mode, add_reader_option, open_for_reading


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "advise", help="advise a classification level for drafts or archived cables",
        description="`cablegram advise train` learns from the archive's released cables (every "
        "marking stripped), stores the model in the archive and scores every cable (for the "
        "advice: filters and the reading room's over-classification view). `cablegram advise "
        "FILE_OR_ID...` prints the advised level, its calibrated probabilities, NOFORN's, and the "
        "paragraphs and terms that push it up. It is advice, never a block.",
    )
    add_reader_option(p)
    p.add_argument("targets", nargs="+", metavar="FILE_OR_ID",
                   help="`train`, or telegram files and reference ids (a file named train: ./train)")
    p.add_argument("--json", action="store_true", help="one JSON object a cable, a line each")
    p.add_argument("--from", dest="source", metavar="ARCHIVE",
                   help="train: learn from this open archive and store the model in --archive "
                   "(how a controlled archive gets advice: its own cables are neither learnt from "
                   "nor scored)")
    p.set_defaults(func=run)


def _exists(location: str) -> bool:
    return location.startswith(("postgresql://", "postgres://")) or Path(location).exists()


def run(args: argparse.Namespace) -> int:
    from cablegram.archive import archive_location

    location = archive_location(args.archive)
    if not _exists(location):
        raise CommandError(f"no archive at {location}: run `cablegram ingest SOURCE...` first")
    if args.targets == ["train"]:
        return _train(location, args.source, args.json)
    # archived ids are read as the reader may see them: in a controlled archive only with --as
    with open_for_reading(args) as archive:
        from cablegram.advise import load_model

        stored = load_model(archive)
        if stored is None:
            from cablegram.advise.store import older_model

            if older_model(archive):
                raise CommandError(f"the advice model in {location} is of an older format: "
                                   "retrain with `cablegram advise train`")
            raise CommandError(f"no advice model in {location}: run `cablegram advise train` first")
        cables = [_cable(archive, target) for target in args.targets]
    for advice in stored.model.advise(cables, terms=True):
        if args.json:
            print(json.dumps(advice.to_dict(), ensure_ascii=False))
        else:
            print(format_advice(advice))
    return 0


def format_advice(advice: Any) -> str:
    """The advice as the CLI prints it (also under `cablegram draft`)."""
    warn = "\n  WARNING: the marking sits below the advice (advice only: nothing is blocked)" \
        if advice.below_advice else ""
    lines = [f"{advice.reference_id or '(draft)'}: advise {advice.advised}"
             f" (P(classified) {advice.p_classified:.0%}, NOFORN {advice.noforn:.0%};"
             f" marked {advice.marked or '-'}){warn}",
             "  " + "  ".join(f"{k} {v:.0%}" for k, v in advice.p.items())]
    if advice.terms:
        lines.append("  pushed up by: " + ", ".join(advice.terms))
    for p in advice.paragraphs:
        lines.append(f"  ¶{p.number}: {p.excerpt}")
    return "\n".join(lines)


def _cable(archive: Any, target: str) -> Any:
    path = Path(target)
    if path.is_file():
        from cablegram.telegram import parse

        try:
            return parse(path.read_text(encoding="utf-8", errors="replace"))
        except OSError as exc:
            raise CommandError(f"cannot read {target}: {exc}") from None
    cable = archive.get(target.replace(" ", "").upper())
    if cable is None:
        raise CommandError(f"{target}: neither a file nor a cable in the archive")
    return cable


def _open(location: str) -> Any:
    import sqlite3

    from cablegram.archive import open_archive

    try:
        return open_archive(location)
    except (sqlite3.DatabaseError, NotImplementedError, ConnectionError) as exc:
        raise CommandError(f"cannot open archive {location}: {exc}") from None


def _train(location: str, source: str | None, as_json: bool) -> int:
    from cablegram.advise import AdviceModel, save_model
    from cablegram.advise.scores import score_archive

    learn_from = source or location
    if not _exists(learn_from):
        raise CommandError(f"no archive at {learn_from}")
    archive = _open(learn_from)
    try:
        if _access_mode(archive) == "controlled":  # a model learnt from every cable would tell of hidden ones
            raise CommandError(f"{learn_from} is a controlled archive: train on an open copy of it"
                               " (`advise train --from OPEN_COPY`)")
        # read as a stream, a batch at a time, stripped and hashed in two processes
        try:
            model = AdviceModel(workers=2).fit(archive.iter_records())
        except ValueError:
            model = None
        if model is None or model.trained_on < 20 or not model.metrics.get("roc_auc"):
            n = 0 if model is None else model.trained_on
            raise CommandError(f"too few labelled cables to learn from ({n}), or of one level")
        metrics = {**model.metrics, "fit_seconds": round(model.fit_seconds, 1)}
    finally:
        archive.close()
    target = _open(location)
    try:
        version = save_model(target, model, metrics)
        # the scores tell of every cable's text: never in a controlled archive
        scored = 0 if _access_mode(target) == "controlled" else score_archive(target, model, version)
    finally:
        target.close()
    if as_json:
        print(json.dumps({"version": version, "trained_on": model.trained_on, "scored": scored,
                          **metrics}))
    else:
        print(f"advice model v{version}: trained on {model.trained_on} cables in "
              f"{model.fit_seconds:.0f}s; on {metrics['holdout']} held-out cables: ROC AUC {metrics['roc_auc']:.3f}, "
              f"recall of classified at 11% FPR {metrics['recall_at_11_fpr']:.1%}; "
              f"{scored} cables scored")
    return 0
