"""Regenerate the generated data files of `cablegram.directory` from the shared reference tables.

    python -m cablegram.directory._build ../shared/reference

Writes `data/routing_indicators.csv` (route2name.csv with the known typos fixed, plus the
indicators the cables use that the 2010 list lacks), `data/stations.txt` (the station part of
every cablegate reference id, names only) and `data/countries.csv` (FIPS 10-4 code -> name).
The hand-written tables (`tags.csv`, `coordinates.csv`) are not touched.
"""

from __future__ import annotations

import csv
import gzip
import re
import sys
from pathlib import Path

DATA = Path(__file__).with_name("data")

# Indicator -> the name as the cables spell it (typos in the ACP 117 list, and names the
# cables shorten: "AMEMBASSY MEXICO", not "AMEMBASSY MEXICO CITY").
FIXES: dict[str, str] = {
    "RUEHC": "SECSTATE WASHDC",
    "RUEHLM": "AMEMBASSY COLOMBO",
    "RUEHPL": "AMEMBASSY PORT LOUIS",
    "RUEHPO": "AMEMBASSY PARAMARIBO",
    "RUEHPS": "AMEMBASSY PRISTINA",
    "RUEHQT": "AMEMBASSY QUITO",
    "RUEHYD": "AMEMBASSY YAOUNDE",
    "RUEHVN": "AMEMBASSY VIENTIANE",
    "RUEHAFM": "AMCONSUL MAZAR-E SHARIF",
    "RUEHUNV": "USMISSION UNVIE VIENNA",
    "RUEHVEN": "USMISSION USOSCE",
    "RUEHNO": "USMISSION USNATO",
    "RUCNDT": "USMISSION USUN NEW YORK",
    "RUEHME": "AMEMBASSY MEXICO",
    "RUEHGT": "AMEMBASSY GUATEMALA",
    "RUEHZP": "AMEMBASSY PANAMA",
    "RUEHROV": "AMEMBASSY VATICAN",
    "RUEHBN": "AMCONSUL MELBOURNE",
    "RUEHOS": "AMCONSUL LAGOS",
    "RUEHMK": "AMEMBASSY MANAMA",
    "RUEHDIR": "IRAN RPO DUBAI",  # the list swaps RUEHDIR and RUEHNAG
    "RUEHNAG": "AMCONSUL NAGOYA",
    "RUEHFSC": "USOFFICE FSC CHARLESTON",
}

# Indicators the cables use that the 2010 list lacks (seen as RI/NAME pairs in TO/INFO lines).
EXTRA: dict[str, str] = {
    "RUEHCG": "AMCONSUL CHENNAI",
    "RUEHGH": "AMCONSUL SHANGHAI",
    "RUEHJO": "AMCONSUL JOHANNESBURG",
    "RUEHMS": "AMEMBASSY MUSCAT",
    "RUEHSB": "AMEMBASSY HARARE",
    "RUEHKL": "AMEMBASSY KUALA LUMPUR",
    "RUEHEE": "ARAB LEAGUE COLLECTIVE",
    "RUEHGG": "UN SECURITY COUNCIL COLLECTIVE",
    "RUEHHH": "OPEC COLLECTIVE",
    "RUEHII": "VIENNA IAEA POSTS COLLECTIVE",
    "RUEHOO": "CHINA POSTS COLLECTIVE",
    "RUEHSS": "OECD POSTS COLLECTIVE",
    "RUEHWH": "WESTERN HEMISPHERIC AFFAIRS DIPL POSTS",
    "RUEHXC": "ALL US CONSULATES IN MEXICO COLLECTIVE",
    "RUEHXD": "MOSCOW POLITICAL COLLECTIVE",
    "RUEHXK": "ARAB ISRAELI COLLECTIVE",
    "RUEHXP": "ALL NATO POST COLLECTIVE",
    "RUEHXR": "RWANDA COLLECTIVE",
    "RUEHZA": "WHA CENTRAL AMERICAN COLLECTIVE",
    "RUEHZG": "NATO EU COLLECTIVE",
    "RUEHZJ": "HUMAN RIGHTS COUNCIL COLLECTIVE",
    "RUEHZK": "ECOWAS COLLECTIVE",
    "RUEHZL": "EUROPEAN POLITICAL COLLECTIVE",
    "RUEHZM": "GULF COOPERATION COUNCIL COLLECTIVE",
    "RUEHZN": "ENVIRONMENT SCIENCE AND TECHNOLOGY COLLECTIVE",
    "RUEHZO": "AFRICAN UNION COLLECTIVE",
    "RUCNAFG": "AFGHANISTAN COLLECTIVE",
    "RUCNARF": "ASEAN REGIONAL FORUM COLLECTIVE",
    "RUCNASE": "ASEAN MEMBER COLLECTIVE",
    "RUCNCAN": "ALL CANADIAN POSTS COLLECTIVE",
    "RUCNCIS": "CIS COLLECTIVE",
    "RUCNCLS": "ALL SOUTH AND CENTRAL ASIA COLLECTIVE",
    "RUCNCOM": "EC CARICOM COLLECTIVE",
    "RUCNDSC": "DISARMAMENT CONFERENCE COLLECTIVE",
    "RUCNFRG": "FRG COLLECTIVE",
    "RUCNFUR": "DARFUR COLLECTIVE",
    "RUCNIAD": "IGAD COLLECTIVE",
    "RUCNIRA": "IRAN COLLECTIVE",
    "RUCNISL": "ISLAMIC COLLECTIVE",
    "RUCNKOR": "KOREA COLLECTIVE",
    "RUCNMEM": "EU MEMBER STATES COLLECTIVE",
    "RUCNMER": "MERCOSUR COLLECTIVE",
    "RUCNMEU": "EU INTEREST COLLECTIVE",
    "RUCNMGH": "MAGHREB COLLECTIVE",
    "RUCNMUC": "EU CANDIDATE STATES COLLECTIVE",
    "RUCNNSG": "NUCLEAR SUPPLIERS GROUP COLLECTIVE",
    "RUCNRAQ": "IRAQ COLLECTIVE",
    "RUCNRCC": "REFUGEE COORDINATOR COLLECTIVE",
    "RUCNSAD": "SOUTHERN AF DEVELOPMENT COMMUNITY COLLECTIVE",
    "RUCNSOM": "SOMALIA COLLECTIVE",
    "RHEFDIA": "DIA WASHINGTON DC",
    "RHEHNSC": "NSC WASHDC",
    "RHEHOND": "DIR ONDCP WASHDC",
    "RUEATRS": "DEPT OF TREASURY WASHDC",
    "RUEAWJA": "DEPT OF JUSTICE WASHDC",
    "RUEAUSA": "DEPT OF HHS WASHDC",
    "RUEIDN": "DNI WASHINGTON DC",
    "RUEILB": "NCTC WASHINGTON DC",
    "RUEKJCS": "SECDEF WASHDC",
    "RUEAIIA": "CIA WASHDC",
    "RUCPDOC": "USDOC WASHDC",
    "RHHJJPI": "USPACOM HONOLULU HI",
    "RHBVAKS": "COMUSNAVCENT",
}

# Other spellings of the same office, for the inverse lookup (name -> indicator).
ALIASES: dict[str, tuple[str, ...]] = {
    "RUEHC": ("DEPT OF STATE WASHINGTON DC", "SECSTATE WASHINGTON DC", "SECSTATE WASH DC"),
    "RUEHBS": ("USEU BRUSSELS", "USMISSION USEU BRUSSELS", "USMISSION USEU"),
    "RUEHCI": ("AMCONSUL CALCUTTA",),
    "RUEHKV": ("AMEMBASSY KIEV",),
    "RUEHCG": ("AMCONSUL MADRAS",),
    "RUEHBI": ("AMCONSUL BOMBAY",),
    "RUEHDIR": ("RPO DUBAI",),
    "RUEHPS": ("USOFFICE PRISTINA",),
    "RUEHME": ("AMEMBASSY MEXICO CITY",),
    "RUEHGT": ("AMEMBASSY GUATEMALA CITY",),
    "RUEHZP": ("AMEMBASSY PANAMA CITY",),
    "RUEHROV": ("AMEMBASSY VATICAN CITY",),
    "RUEHBN": ("AMCONSUL MELBOURNE VIC",),
    "RUEHNO": ("USMISSION USNATO BRUSSELS BE", "US MISSION USNATO BRUSSELS BE"),
    "RUCNDT": ("USUN NEW YORK", "USMISSION USUN NEW YORK NY"),
    "RUEHUNV": ("UNVIE VIENNA",),
    "RUEHVEN": ("USMISSION USOSCE VIENNA AU", "USMISSION USOSCE VIENNA"),
    "RHEHNSC": ("NSC WASHINGTON DC", "WHITE HOUSE NATIONAL SECURITY COUNCIL WASHINGTON DC"),
    "RUEKJCS": ("SECDEF WASHINGTON DC", "JOINT STAFF WASHINGTON DC", "JOINT STAFF WASHDC"),
    "RHEFDIA": ("DIA WASHDC",),
    "RUEAIIA": ("CIA WASHINGTON DC",),
    "RUEATRS": ("DEPT OF TREASURY WASHINGTON DC",),
    "RUEAWJA": ("DEPT OF JUSTICE WASHINGTON DC",),
    "RUCPDOC": ("DEPT OF COMMERCE WASHINGTON DC", "DEPT OF COMMERCE WASHDC"),
}


def build_routing(ref: Path) -> None:
    rows: dict[str, str] = {}
    with (ref / "route2name.csv").open(newline="", encoding="utf-8") as f:
        for indicator, name in csv.reader(f):
            rows.setdefault(indicator.strip(), " ".join(name.split()))
    rows.update(FIXES)
    for indicator, name in EXTRA.items():
        rows.setdefault(indicator, name)
    with (DATA / "routing_indicators.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["indicator", "name", "aliases"])
        for indicator in sorted(rows):
            w.writerow([indicator, rows[indicator], "|".join(ALIASES.get(indicator, ()))])


def build_stations(ref: Path) -> None:
    stations: set[str] = set()
    with gzip.open(ref / "cable2month.csv.gz", "rt", encoding="utf-8") as f:
        for line in f:
            m = re.fullmatch(r"\d\d([A-Z]+?)\d+", line.split(",", 1)[0].strip())
            if m:
                stations.add(m.group(1))
    (DATA / "stations.txt").write_text("\n".join(sorted(stations)) + "\n", encoding="utf-8")


def build_countries(ref: Path) -> None:
    with (ref / "fips10-4_country_codes.csv").open(newline="", encoding="utf-8") as f:
        rows = [(r["FIPS"].strip(), r["name"].strip()) for r in csv.DictReader(f)]
    # The list runs Serbia's and Kosovo's codes together ("RIKV"): RI is Serbia, KV Kosovo.
    rows = [(c, n) for c, n in rows if c != "RIKV"] + [("RI", "Serbia"), ("KV", "Kosovo")]
    long_names = {"UK": "United Kingdom", "US": "United States"}
    rows = [(c, long_names.get(n, n)) for c, n in rows]
    with (DATA / "countries.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name"])
        for code, name in sorted(r for r in rows if r[0]):
            w.writerow([code, name])


def main(argv: list[str]) -> None:
    ref = Path(argv[0]) if argv else Path(__file__).resolve().parents[3].parent / "shared/reference"
    build_routing(ref)
    build_stations(ref)
    build_countries(ref)


if __name__ == "__main__":
    main(sys.argv[1:])
