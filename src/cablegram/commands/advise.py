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
        "marking stripped) and stores the model in the archive. `cablegram advise FILE_OR_ID...` "
        "prints the advised level, its calibrated probabilities, NOFORN's, and the terms that "
        "push it up. It is advice, never a block.",
    )
    add_reader_option(p)
    p.add_argument("targets", nargs="+", metavar="FILE_OR_ID",
                   help="`train`, or telegram files and reference ids (a file named train: ./train)")
    p.add_argument("--json", action="store_true", help="one JSON object a cable, a line each")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cablegram.archive import archive_location, open_archive

    location = archive_location(args.archive)
    if location.startswith("postgres") or not Path(location).exists():
        raise CommandError(f"no archive at {location}: run `cablegram ingest SOURCE...` first")
    if args.targets == ["train"]:
        return _train(open_archive, location, args.json)
    # archived ids are read as the reader may see them: in a controlled archive only with --as
    with open_for_reading(args) as archive:
        from cablegram.advise import load_model

        stored = load_model(archive.db)
        if stored is None:
            raise CommandError(f"no advice model in {location}: run `cablegram advise train` first")
        cables = [_cable(archive, target) for target in args.targets]
    for advice in stored.model.advise(cables, terms=True):
        if args.json:
            print(json.dumps(advice.to_dict(), ensure_ascii=False))
            continue
        warn = "  WARNING: marked below the advice" if advice.below_advice else ""
        print(f"{advice.reference_id or '(draft)'}: advise {advice.advised}"
              f" (P(classified) {advice.p_classified:.0%}, NOFORN {advice.noforn:.0%};"
              f" marked {advice.marked or '-'}){warn}")
        print("  " + "  ".join(f"{k} {v:.0%}" for k, v in advice.p.items()))
        if advice.terms:
            print("  pushed up by: " + ", ".join(advice.terms))
    return 0


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


def _train(open_archive: Any, location: str, as_json: bool) -> int:
    from cablegram.advise import AdviceModel, level_of, save_model
    from cablegram.advise.evaluate import holdout_metrics

    archive = open_archive(location)
    try:
        if _access_mode(archive) == "controlled":  # a model learnt from every cable would tell of hidden ones
            raise CommandError(f"{location} is a controlled archive: train on an open copy of it")
        cables = [c for c in archive.iter_records() if level_of(c)]
        if len({level_of(c) for c in cables}) < 2 or len(cables) < 20:
            raise CommandError(f"too few labelled cables to learn from ({len(cables)})")
        metrics = holdout_metrics(cables)
        model = AdviceModel().fit(cables)
        metrics["fit_seconds"] = round(model.fit_seconds, 1)
        version = save_model(archive.db, model, metrics)
    finally:
        archive.close()
    if as_json:
        print(json.dumps({"version": version, "trained_on": model.trained_on, **metrics}))
    else:
        print(f"advice model v{version}: trained on {model.trained_on} cables in "
              f"{model.fit_seconds:.0f}s; on a held-out fifth: ROC AUC {metrics['roc_auc']:.3f}, "
              f"recall of classified at 11% FPR {metrics['recall_at_11_fpr']:.1%}")
    return 0
