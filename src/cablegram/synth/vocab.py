"""Word lists for synthetic cables: posts, topics, sentence templates, invented people.

Posts are real (their routing indicators, stations and labels come from `cablegram.directory`);
people are invented, and so is every sentence: no real cable text is copied here.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["AGENCIES", "COLLECTIVES", "FIRST", "LAST", "POSTS", "TOPICS", "Post", "Topic"]


class Post(NamedTuple):
    """A post that writes cables: FM-line name, country TAGS code, country, region collective."""

    name: str
    country_tag: str
    country: str
    people: str  # adjective for the country's people and government
    collective: str | None


POSTS: tuple[Post, ...] = (
    Post("AMEMBASSY MOSCOW", "RS", "Russia", "Russian", "CIS COLLECTIVE"),
    Post("AMEMBASSY TBILISI", "GG", "Georgia", "Georgian", "CIS COLLECTIVE"),
    Post("AMEMBASSY KYIV", "UP", "Ukraine", "Ukrainian", "CIS COLLECTIVE"),
    Post("AMEMBASSY BAKU", "AJ", "Azerbaijan", "Azerbaijani", "CIS COLLECTIVE"),
    Post("AMEMBASSY YEREVAN", "AM", "Armenia", "Armenian", "CIS COLLECTIVE"),
    Post("AMEMBASSY ASTANA", "KZ", "Kazakhstan", "Kazakhstani", "CIS COLLECTIVE"),
    Post("AMEMBASSY TASHKENT", "UZ", "Uzbekistan", "Uzbek", "CIS COLLECTIVE"),
    Post("AMEMBASSY ANKARA", "TU", "Turkey", "Turkish", "NATO EU COLLECTIVE"),
    Post("AMCONSUL ISTANBUL", "TU", "Turkey", "Turkish", "NATO EU COLLECTIVE"),
    Post("AMEMBASSY BERLIN", "GM", "Germany", "German", "NATO EU COLLECTIVE"),
    Post("AMEMBASSY PARIS", "FR", "France", "French", "NATO EU COLLECTIVE"),
    Post("AMEMBASSY LONDON", "UK", "the United Kingdom", "British", "NATO EU COLLECTIVE"),
    Post("AMEMBASSY ROME", "IT", "Italy", "Italian", "NATO EU COLLECTIVE"),
    Post("AMEMBASSY MADRID", "SP", "Spain", "Spanish", "NATO EU COLLECTIVE"),
    Post("AMEMBASSY WARSAW", "PL", "Poland", "Polish", "NATO EU COLLECTIVE"),
    Post("AMEMBASSY STOCKHOLM", "SW", "Sweden", "Swedish", "EUROPEAN POLITICAL COLLECTIVE"),
    Post("AMEMBASSY VIENNA", "AU", "Austria", "Austrian", "EUROPEAN POLITICAL COLLECTIVE"),
    Post("AMEMBASSY REYKJAVIK", "IC", "Iceland", "Icelandic", "NATO EU COLLECTIVE"),
    Post("AMEMBASSY OTTAWA", "CA", "Canada", "Canadian", None),
    Post("AMEMBASSY BRASILIA", "BR", "Brazil", "Brazilian", "MERCOSUR COLLECTIVE"),
    Post("AMCONSUL SAO PAULO", "BR", "Brazil", "Brazilian", "MERCOSUR COLLECTIVE"),
    Post("AMEMBASSY BUENOS AIRES", "AR", "Argentina", "Argentine", "MERCOSUR COLLECTIVE"),
    Post("AMEMBASSY SANTIAGO", "CI", "Chile", "Chilean", "MERCOSUR COLLECTIVE"),
    Post("AMEMBASSY LIMA", "PE", "Peru", "Peruvian", None),
    Post("AMEMBASSY BOGOTA", "CO", "Colombia", "Colombian", None),
    Post("AMEMBASSY CARACAS", "VE", "Venezuela", "Venezuelan", "MERCOSUR COLLECTIVE"),
    Post("AMEMBASSY MEXICO", "MX", "Mexico", "Mexican", None),
    Post("AMCONSUL MONTERREY", "MX", "Mexico", "Mexican", None),
    Post("AMEMBASSY BEIJING", "CH", "China", "Chinese", None),
    Post("AMCONSUL SHANGHAI", "CH", "China", "Chinese", None),
    Post("AMEMBASSY TOKYO", "JA", "Japan", "Japanese", None),
    Post("AMEMBASSY SEOUL", "KS", "South Korea", "South Korean", None),
    Post("AMEMBASSY JAKARTA", "ID", "Indonesia", "Indonesian", "ASEAN MEMBER COLLECTIVE"),
    Post("AMEMBASSY BANGKOK", "TH", "Thailand", "Thai", "ASEAN MEMBER COLLECTIVE"),
    Post("AMEMBASSY MANILA", "RP", "the Philippines", "Philippine", "ASEAN MEMBER COLLECTIVE"),
    Post("AMEMBASSY HANOI", "VM", "Vietnam", "Vietnamese", "ASEAN MEMBER COLLECTIVE"),
    Post("AMEMBASSY CANBERRA", "AS", "Australia", "Australian", None),
    Post("AMEMBASSY NEW DELHI", "IN", "India", "Indian", None),
    Post("AMCONSUL MUMBAI", "IN", "India", "Indian", None),
    Post("AMEMBASSY ISLAMABAD", "PK", "Pakistan", "Pakistani", None),
    Post("AMEMBASSY KABUL", "AF", "Afghanistan", "Afghan", None),
    Post("AMEMBASSY BAGHDAD", "IZ", "Iraq", "Iraqi", "ARAB ISRAELI COLLECTIVE"),
    Post("AMEMBASSY TEL AVIV", "IS", "Israel", "Israeli", "ARAB ISRAELI COLLECTIVE"),
    Post("AMEMBASSY CAIRO", "EG", "Egypt", "Egyptian", "ARAB ISRAELI COLLECTIVE"),
    Post("AMEMBASSY AMMAN", "JO", "Jordan", "Jordanian", "ARAB ISRAELI COLLECTIVE"),
    Post("AMEMBASSY BEIRUT", "LE", "Lebanon", "Lebanese", "ARAB ISRAELI COLLECTIVE"),
    Post("AMEMBASSY RIYADH", "SA", "Saudi Arabia", "Saudi", "GULF COOPERATION COUNCIL COLLECTIVE"),
    Post("AMCONSUL JEDDAH", "SA", "Saudi Arabia", "Saudi", "GULF COOPERATION COUNCIL COLLECTIVE"),
    Post("AMEMBASSY DOHA", "QA", "Qatar", "Qatari", "GULF COOPERATION COUNCIL COLLECTIVE"),
    Post("AMEMBASSY KUWAIT", "KU", "Kuwait", "Kuwaiti", "GULF COOPERATION COUNCIL COLLECTIVE"),
    Post("AMEMBASSY RABAT", "MO", "Morocco", "Moroccan", None),
    Post("AMEMBASSY ABUJA", "NI", "Nigeria", "Nigerian", None),
    Post("AMEMBASSY NAIROBI", "KE", "Kenya", "Kenyan", None),
    Post("AMEMBASSY ADDIS ABABA", "ET", "Ethiopia", "Ethiopian", None),
    Post("AMEMBASSY PRETORIA", "SF", "South Africa", "South African", None),
    Post("AMEMBASSY DAKAR", "SG", "Senegal", "Senegalese", None),
    Post("USMISSION GENEVA", "", "Geneva", "delegation", None),
    Post("USMISSION USNATO", "NATO", "NATO", "Allied", "NATO EU COLLECTIVE"),
    Post("USEU BRUSSELS", "EUN", "the European Union", "EU", "NATO EU COLLECTIVE"),
    Post("USMISSION USUN NEW YORK", "UNSC", "the Security Council", "Council", None),
)  # fmt: skip

#: Washington agencies seen on INFO lines, with their routing indicators.
AGENCIES: tuple[tuple[str, str], ...] = (
    ("RHEHNSC", "NSC WASHDC"), ("RUEKJCS", "SECDEF WASHDC"), ("RUEKJCS", "JOINT STAFF WASHDC"),
    ("RHEFDIA", "DIA WASHDC"), ("RUEATRS", "DEPT OF TREASURY WASHDC"),
    ("RUCPDOC", "DEPT OF COMMERCE WASHDC"), ("RUEAIIA", "CIA WASHDC"),
)

COLLECTIVES = (
    "CIS COLLECTIVE", "NATO EU COLLECTIVE", "EUROPEAN POLITICAL COLLECTIVE", "MERCOSUR COLLECTIVE",
    "ASEAN MEMBER COLLECTIVE", "ARAB ISRAELI COLLECTIVE", "GULF COOPERATION COUNCIL COLLECTIVE",
)

FIRST = (
    "Anna", "Boris", "Carlos", "Dina", "Elena", "Farid", "Grace", "Hassan", "Ingrid", "Jorge",
    "Karin", "Leon", "Mira", "Nadia", "Omar", "Paulo", "Rosa", "Sergei", "Tomas", "Vera",
    "Walter", "Yusuf", "Zara", "Daniel", "Helen", "Martin", "Laura", "Peter", "Ruth", "Simon",
)  # fmt: skip
LAST = (
    "Abrell", "Bastin", "Corwell", "Dunmore", "Eskeland", "Falkner", "Garrow", "Holbeck",
    "Ivanek", "Jarrett", "Kessing", "Lindqvist", "Marlow", "Norwood", "Osterman", "Pellham",
    "Quarles", "Ravenel", "Stanwick", "Tillery", "Umbach", "Varden", "Westcott", "Yardley",
    "Zorin", "Ashdown", "Brennick", "Calloway", "Delacroix", "Everly",
)  # fmt: skip


class Topic(NamedTuple):
    """A subject area: its TAGS, subject lines, headings and sentences.

    Templates take {country}, {people}, {name}, {title}, {month}, {day}, {number} (a count),
    {pct} (a percentage), {bps} (basis points), {days}; upper-case names give upper-case values.
    """

    tags: tuple[str, ...]
    subjects: tuple[str, ...]
    headings: tuple[str, ...]
    sentences: tuple[str, ...]


TOPICS: tuple[Topic, ...] = (
    Topic(
        ("PGOV", "PREL", "KDEM"),
        ("{COUNTRY}: OPPOSITION WEIGHS BOYCOTT OF {MONTH} ELECTIONS",
         "{COUNTRY}: RULING PARTY REGROUPS AFTER CABINET RESHUFFLE",
         "{COUNTRY} PARLIAMENT DEBATES ELECTORAL LAW AMENDMENTS",
         "{COUNTRY}: NEW PRIME MINISTER OUTLINES PRIORITIES"),
        ("Opposition Parties Divided", "Electoral Commission Under Pressure",
         "Cabinet Changes", "Looking Ahead to the Vote", "Parliamentary Maneuvering"),
        ("{title} {name} told poloff on {month} {day} that the governing coalition would hold together"
         " until the {month} elections.",
         "Opposition leaders remain divided over whether to contest the vote or boycott it.",
         "The electoral commission has registered {number} parties, but observers doubt it can"
         " administer a credible vote on the current timetable.",
         "Press reports suggest the presidential administration is preparing a new cabinet list.",
         "{people} civil society contacts described the campaign environment as tense but calm.",
         "Turnout in the regions is expected to be lower than in the capital.",
         "The ruling party's list includes several regional governors and two former ministers."),
    ),
    Topic(
        ("ECON", "ETRD", "EFIN", "EINV"),
        ("{COUNTRY}: CENTRAL BANK CUTS RATES AS GROWTH SLOWS",
         "{COUNTRY} TRADE MINISTRY SEEKS NEW MARKET ACCESS TALKS",
         "{COUNTRY}: FOREIGN INVESTORS WARY OF NEW TAX CODE",
         "{COUNTRY}: BUDGET DEFICIT WIDENS, IMF CONSULTATIONS NEXT MONTH"),
        ("Macroeconomic Picture", "Trade Disputes", "Investment Climate", "Banking Sector"),
        ("The central bank lowered its policy rate by {bps} basis points on {month} {day}.",
         "{title} {name} said the government expects growth of about {pct} percent next year.",
         "Exporters complain that new customs procedures have doubled clearance times.",
         "American companies report that contract enforcement remains slow and unpredictable.",
         "The finance ministry has asked parliament to approve a supplementary budget.",
         "Econoffs met representatives of the {people} chamber of commerce to discuss the new tax"
         " code.",
         "Inflation reached {pct} percent year on year, the highest level in three years."),
    ),
    Topic(
        ("ENRG", "EPET", "ECON"),
        ("{COUNTRY}: GAS PIPELINE TALKS STALL OVER TRANSIT FEES",
         "{COUNTRY} ENERGY MINISTER PROMOTES NEW REFINERY PROJECT",
         "{COUNTRY}: ELECTRICITY SHORTAGES PROMPT EMERGENCY MEASURES"),
        ("Pipeline Negotiations", "Power Sector Reform", "Outlook"),
        ("{title} {name} said negotiations on transit fees would resume in {month}.",
         "The state energy company plans to invest {number} million dollars in new capacity.",
         "Rolling blackouts have affected industrial zones outside the capital.",
         "Western oil companies are watching the licensing round closely.",
         "The energy ministry blamed the shortfall on low reservoir levels and aging plants."),
    ),
    Topic(
        ("PTER", "PREL", "ASEC"),
        ("{COUNTRY}: AUTHORITIES DISRUPT EXTREMIST CELL",
         "{COUNTRY}: COUNTERTERRORISM COOPERATION UPDATE",
         "{COUNTRY}: THREAT ASSESSMENT FOR {MONTH} HOLIDAYS"),
        ("Arrests and Investigations", "Border Security", "Cooperation With Post"),
        ("Police arrested {number} suspects on {month} {day} in a series of raids.",
         "{title} {name} said the security services had shared information with post.",
         "The interior ministry has increased patrols at the main border crossings.",
         "RSO assesses the threat to official Americans as unchanged.",
         "Officials expressed interest in further training for their investigators."),
    ),
    Topic(
        ("PHUM", "PGOV", "KJUS"),
        ("{COUNTRY}: JOURNALISTS DETAINED AFTER PROTEST",
         "{COUNTRY}: HUMAN RIGHTS GROUPS CRITICIZE NEW NGO LAW",
         "{COUNTRY}: COURT UPHOLDS SENTENCE OF ACTIVIST"),
        ("The Detentions", "Government Response", "Civil Society Reaction"),
        ("Local monitors counted {number} detentions during the {month} {day} demonstration.",
         "{title} {name} told poloff that the detainees would be released within days.",
         "The new law requires foreign-funded organizations to register annually.",
         "Defense lawyers said they had not been allowed to see the case file.",
         "Post raised the cases with the ministry of foreign affairs on {month} {day}."),
    ),
    Topic(
        ("KNNP", "PARM", "MNUC", "PREL"),
        ("{COUNTRY} VIEWS ON NONPROLIFERATION TREATY REVIEW CONFERENCE",
         "{COUNTRY}: DEMARCHE ON EXPORT CONTROLS DELIVERED",
         "{COUNTRY} RESPONSE TO SANCTIONS RESOLUTION DRAFT"),
        ("Demarche Delivered", "Export Controls", "Next Steps"),
        ("Poloff delivered reftel points to {title} {name} on {month} {day}.",
         "{name} said {country} supports a strong statement on compliance and verification.",
         "The foreign ministry is reviewing its list of controlled dual-use items.",
         "{people} officials asked for more information on the shipments described in reftel.",
         "The government intends to coordinate its position with its regional partners."),
    ),
    Topic(
        ("SNAR", "KCRM", "PREL"),
        ("{COUNTRY}: RECORD COCAINE SEIZURE AT PORT",
         "{COUNTRY}: ANTI-NARCOTICS AGENCY REORGANIZED",
         "{COUNTRY}: MONEY LAUNDERING CASE TESTS NEW UNIT"),
        ("The Seizure", "Institutional Changes", "Cooperation"),
        ("Customs officers seized {number} kilograms of cocaine on {month} {day}.",
         "{title} {name} credited information shared through the DEA office.",
         "The prosecutor's office has opened an investigation into port officials.",
         "The new financial intelligence unit has so far filed few cases.",
         "Traffickers appear to be shifting routes toward smaller ports."),
    ),
    Topic(
        ("CVIS", "CMGT", "ASEC"),
        ("{COUNTRY}: VISA DEMAND UP {PCT} PERCENT",
         "CONSULAR SECTION STAFFING AND WORKLOAD",
         "{COUNTRY}: FRAUD TRENDS IN STUDENT VISA APPLICATIONS"),
        ("Workload", "Fraud Prevention", "Staffing"),
        ("Nonimmigrant visa applications rose {pct} percent over the same month last year.",
         "The fraud prevention unit reviewed a sample of student applications in {month}.",
         "Wait times for interview appointments now exceed {days} days.",
         "Post requests two additional temporary duty officers for the summer season.",
         "Most refusals were under section 214(b) of the Immigration and Nationality Act."),
    ),
    Topic(
        ("SENV", "KGHG", "ECON"),
        ("{COUNTRY} POSITION ON CLIMATE NEGOTIATIONS",
         "{COUNTRY}: FLOODS DISPLACE THOUSANDS",
         "{COUNTRY}: NEW FORESTRY LAW DRAWS CRITICISM"),
        ("Negotiating Position", "Domestic Politics", "Assistance Needs"),
        ("{title} {name} said {country} would not accept binding targets without financing.",
         "Floods have displaced an estimated {number} people since {month} {day}.",
         "Environmental groups argue that the law weakens protections for reserves.",
         "The government has asked donors for emergency relief supplies.",
         "Officials hope to announce a national adaptation plan before the conference."),
    ),
    Topic(
        ("MARR", "PREL", "MOPS"),
        ("{COUNTRY}: DEFENSE MINISTER ON PEACEKEEPING CONTRIBUTION",
         "{COUNTRY}: MILITARY EXERCISE PLANNING",
         "{COUNTRY} REQUESTS ADDITIONAL TRAINING SUPPORT"),
        ("Peacekeeping", "Bilateral Military Cooperation", "Procurement"),
        ("{title} {name} said {country} could contribute a battalion of about {number} troops.",
         "Planning for the joint exercise in {month} is on schedule.",
         "The defense ministry wants to modernize its helicopter fleet.",
         "The DATT met the chief of defense staff on {month} {day}.",
         "Parliament must approve any deployment longer than six months."),
    ),
)  # fmt: skip

TITLES = (
    "Deputy Foreign Minister", "Presidential Advisor", "Member of Parliament", "Deputy Minister",
    "Director General", "Party Secretary", "Governor", "Ambassador", "State Secretary",
    "Chief of Staff", "Deputy Speaker", "Central Bank Deputy Governor",
)
COMMENTS = (
    "Post will continue to follow the issue closely.",
    "The government's approach appears designed to buy time rather than to settle the matter.",
    "We expect little movement before the end of the year.",
    "This is the clearest statement of the government's position to date.",
    "Our contacts' optimism may be premature.",
)
DEPT_LINES = (
    "DEPT FOR EUR/RUS", "DEPT FOR WHA/BSC", "DEPT FOR EEB/ESC", "DEPT FOR NEA/ELA",
    "DEPT FOR EAP/CM", "DEPT FOR SCA/A", "DEPT FOR AF/E", "DEPT FOR ISN/MNSA",
    "DEPT FOR CA/VO", "DEPT FOR INL/LP", "DEPT FOR DRL",
)

#: Sentences that fit any topic, mixed into every body so paragraphs do not repeat.
GENERIC = (
    "{title} {name} added that the government had not yet taken a final decision.",
    "Several contacts told us privately that the issue is more divisive than it appears.",
    "The independent press has covered the story extensively since {month} {day}.",
    "{name} stressed that {country} values its partnership with the United States.",
    "A senior {people} official said the matter would be discussed at the next cabinet meeting.",
    "Post has seen no indication that the government intends to change course.",
    "Regional partners are watching the outcome closely.",
    "{name} asked that the conversation be treated as confidential.",
    "The opposition press accused the government of acting without consultation.",
    "According to {name}, the president is personally engaged on the issue.",
    "Polls published in {month} show public opinion evenly divided.",
    "{title} {name} promised to send a written response within two weeks.",
    "The foreign ministry has not commented publicly.",
    "Business leaders welcomed the announcement but cautioned that details remain unclear.",
    "Diplomatic colleagues from several EU missions share our assessment.",
)
