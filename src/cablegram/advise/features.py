"""The labels an archive teaches (level, NOFORN) and the features a draft offers (never a marking)."""

from __future__ import annotations

import math
from typing import Any

from cablegram.advise.strip import drafter_text
from cablegram.model import Cable

LEVELS = ("UNCLASSIFIED", "SBU", "CONFIDENTIAL", "SECRET")
CLASSIFIED = ("CONFIDENTIAL", "SECRET")


def level_of(cable: Cable) -> str | None:
    """The level a released cable was marked: one of LEVELS, or None when unknown.

    SBU is UNCLASSIFIED with the SENSITIVE or SBU caveat (or a FOR OFFICIAL USE ONLY label), and
    the 1970s LIMITED OFFICIAL USE; TOP SECRET counts as SECRET (too rare here to learn apart)."""
    c = (cable.classification or "").upper()
    label = (cable.classification_label or "").upper()
    if "SECRET" in c:
        return "SECRET"
    if "CONFIDENTIAL" in c:
        return "CONFIDENTIAL"
    if "LIMITED OFFICIAL USE" in c:
        return "SBU"
    if c.startswith("UNCLAS"):
        caveats = {v.upper() for v in cable.caveats}
        sensitive = caveats & {"SENSITIVE", "SBU"} or "OFFICIAL USE" in label
        return "SBU" if sensitive else "UNCLASSIFIED"
    return None


def noforn_of(cable: Cable) -> bool:
    return any(v.upper() == "NOFORN" for v in cable.caveats)


def record_features(cable: Cable, text: str | None = None) -> dict[str, Any]:
    """What the record says besides the text: origin, TAGS, addressees, precedence, length.
    Header fields (the routing security field ZNY CCCCC) and every marking field are left out."""
    f: dict[str, Any] = {}
    if cable.origin.station:
        f[f"origin={cable.origin.station.upper()}"] = 1
    for tag in cable.tags:
        f[f"tag={tag.upper()}"] = 1
    for kind, addresses in (("to", cable.to), ("info", cable.info)):
        for a in addresses[:40]:
            f[f"{kind}={a.name.upper()}"] = 1
    f["n_info"] = math.log1p(len(cable.info))
    if cable.precedence:
        f[f"precedence={cable.precedence.upper()}"] = 1
    text = drafter_text(cable) if text is None else text
    f["log_chars"] = math.log1p(len(text)) / 10
    f["log_paragraphs"] = math.log1p(len(cable.paragraphs)) / 3
    f["sections"] = min(cable.sections or 1, 10) / 10
    f["references"] = min(len(cable.references), 10) / 10
    return f
