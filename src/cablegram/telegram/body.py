"""The body: numbered, portion-marked paragraphs with their headings, signature, summary, comment."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cablegram.model import Paragraph
from cablegram.telegram.defects import DefectLog
from cablegram.telegram.normalize import CLASS_INITIALS, is_lone_classification, squeeze_spaces

__all__ = ["Body", "extract_between", "parse_body"]

_MARK = (
    r"(?:U|SBU|C|S|TS|LOU|FOUO|U/FOUO|U//FOUO|SBU/NF|SBU//NF"
    r"|[CST]\s?/{1,2}\s?[A-Z][A-Z ,/-]{0,30}|U/[A-Z]{2,6}|SBU/[A-Z]{2,6})"
)
_PARA = re.compile(
    rf"^(?P<pil>¶\s*)?(?P<num>\d{{1,3}})\s*\.(?!\d)\s*(?:\((?P<mark>{_MARK})\))?\s*(?P<rest>.*)$"
)
_LEAD_IN_MARK = re.compile(rf"^((?:[A-Z][A-Za-z]*\s?){{1,4}}[.:])\s*\((?P<mark>{_MARK})\)\s*")
# A pilcrow paragraph start in the middle of a reflowed line: `... End Summary. ¶2. (SBU) On June 19`.
# (Run-in numbers without a pilcrow are split later, when they continue the numbering.)
_INLINE_PARA = re.compile(r"¶\s*\d{1,3}\s*\.")
_DIGITS_PILCROW = frozenset("0123456789¶")
_DASH_RUNS = re.compile(r"^[-=_\s]{3,}|[-=_\s]{3,}$")
_DASHES = re.compile(r"^[\s\-_=*]{3,}$")
_SIGNATURE = re.compile(r"^[A-Z][A-Z'.-]+(?:[ /][A-Z][A-Z'.-]+){0,2}$")
# What follows the signature: end-of-message marks, the next message's routing (`NMAFVVZCZ`), the
# review stamp of released 1970s cables.
_TRAILER = re.compile(
    r"^(?:NNNN?|BT|#\d+|END CABLE|END OF CABLE|\(END\))\b|^\w{0,6}VZCZ|^Declassified/Released\b|^Systematic Review\b",
    re.I,
)
_NAME_AFTER_SENTENCE = re.compile(
    r"(?:(?<=[.!?\"')*”])\s+|(?<=XXXXXX)\s+|\s{2,})([A-Z][A-Z'-]{2,}(?: [A-Z][A-Z'-]{2,})?)$"
)
# A surname in mixed case after the last sentence or a website line's redaction or stars:
# `... on strike. Scobey`, `... Website: XXXXXXXXXXXX LeBaron`.
_MIXED_NAME_AFTER = re.compile(r"(?:XXXXXX|\*{3,}|(?<=[.!?\"')”]))\s+((?:Mc|Mac|Le|De|O')?[A-Z][a-z]{2,})$")
_SENTENCE_ENDS = (".", '"', "'", ")", "!", "?", "*", "”", "XXXXXX")
_MIXED_SIGNATURE = re.compile(r"^(?:Mc|Mac|Le|De|Van |O')?[A-Z][a-z]{2,}$")
_NOT_MIXED_NAMES = frozenset({
    "Thanks", "Regards", "Comment", "Summary", "End", "Note", "Action", "Sipdis", "Unclassified", "Confidential",
    "Secret", "Noforn", "Sensitive", "Text", "Ends", "Begin", "Signed",
})
_NOT_NAMES = frozenset({
    "END", "SUMMARY", "COMMENT", "SIPDIS", "NNNN", "BT", "NOFORN", "UNCLASSIFIED", "CONFIDENTIAL",
    "SECRET", "UNCLAS", "SENSITIVE", "EXDIS", "NODIS", "LIMDIS", "NOTE", "ACTION", "PARA",
    "QUOTE", "UNQUOTE", "TEXT", "MINIMIZE", "CONSIDERED",
})


@dataclass
class Body:
    paragraphs: list[Paragraph]
    signers: list[str]


@dataclass(slots=True)
class _Block:
    """A run of non-blank body lines (left-stripped) and the line number of its first line."""

    line_no: int
    lines: list[str]


def _is_heading(block: list[str]) -> bool:
    return len(block) <= 2 and looks_like_heading(" ".join(block))


def looks_like_heading(text: str) -> bool:
    """Short, no closing punctuation, not a paragraph start: `Russia Looks Ahead to CSTO Meeting`."""
    text = _DASH_RUNS.sub("", " ".join(text.split()))
    if not text or len(text) > 100:
        return False
    if text[-1] in ".,;" and not text.endswith("..."):
        return False
    return not _PARA.match(text)


def has_mid_pilcrow(text: str) -> bool:
    """Whether a pilcrow stands after other text on its line (a reflowed paragraph start)."""
    i = text.find("¶")
    while i != -1:
        if text[text.rfind("\n", 0, i) + 1:i].strip():
            return True
        i = text.find("¶", i + 1)
    return False


def _split_inline(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for no, line in lines:
        if line.find("¶", 1) != -1:
            cuts = [m.start() for m in _INLINE_PARA.finditer(line) if m.start() > 0]
            if cuts:
                prev = 0
                for c in cuts:
                    out.append((no, line[prev:c]))
                    prev = c
                out.append((no, line[prev:]))
                continue
        out.append((no, line))
    return out


def _is_trailer(line: str) -> bool:
    return bool(_TRAILER.match(line)) or is_lone_classification(line)


def _signers(blocks: list[_Block]) -> list[str]:
    """Take the signature block off the end of the body."""
    while blocks and all(_is_trailer(line.strip()) for line in blocks[-1].lines):
        blocks.pop()
    if not blocks:
        return []
    if len(blocks) > 1 and len(blocks[-1].lines) == 1 and blocks[-1].lines[0].rstrip().endswith("..."):
        # `DANIEL ORTEGA AN...`: a line the source cut short after the signature stays text.
        tail = blocks.pop()
        names = _signers(blocks)
        blocks.append(tail)
        return names
    last = blocks[-1].lines
    while last and (_TRAILER.match(last[-1].strip()) or is_lone_classification(last[-1])):
        last.pop()
    if not last:
        blocks.pop()
        return _signers(blocks)
    text = last[-1].strip()
    if _MIXED_SIGNATURE.match(text) and text not in _NOT_MIXED_NAMES and (
        len(last) == 1 or last[-2].rstrip().endswith(_SENTENCE_ENDS)
    ):
        # A surname in mixed case on its own line: `Clinton`, `Scobey`.
        last.pop()
        if not last:
            blocks.pop()
        return [text]
    if _SIGNATURE.match(text) and not _NOT_NAMES.isdisjoint(text.replace(".", " ").split()):
        # `END SUMMARY`, `END COMMENT.`; `CLINTON UNQUOTE CLINTON`, `MINIMIZE CONSIDERED SHANNON`: the name after them
        words = text.split()
        cut = max(i for i, w in enumerate(words) if w.strip(".") in _NOT_NAMES) + 1
        tail = " ".join(words[cut:])
        if not tail or not _is_name_line(tail):
            return []
        last[-1] = " ".join(words[:cut])
        return [tail]
    if len(last) <= 2 and _is_name_line(text.rstrip(".")):
        if len(last) == 1 or _is_name_line(last[0].strip().rstrip(".")):
            names = _distinct_names(last)
            blocks.pop()
            return names
    if len(last) >= 2 and _SIGNATURE.match(text) and text not in _NOT_NAMES and len(text) <= 40:
        # One or two signature lines after the text's last sentence (`FRISBIE` typed twice: one name).
        k = 2 if len(last) >= 3 and _is_name_line(last[-2].strip()) else 1
        if _closes_text(last[-k - 1]):
            names = _distinct_names(last[-k:])
            del last[-k:]
            return names
    tail_from = max(0, len(text) - 80)  # a signature is a few words: no need to scan a long line
    if len(blocks) and (m := _NAME_AFTER_SENTENCE.search(text, tail_from)):
        name = m.group(1)
        if _NOT_NAMES.isdisjoint(name.split()):
            last[-1] = text[: m.start()]
            return [name]
    if len(blocks) and (m := _MIXED_NAME_AFTER.search(text, tail_from)) and m.group(1) not in _NOT_MIXED_NAMES:
        last[-1] = text[: m.start(1)].rstrip()
        return [m.group(1)]
    return []


def _closes_text(line: str) -> bool:
    """A line after which a signature may stand: the end of a sentence, or `END TEXT`, `MINIMIZE CONSIDERED`."""
    line = line.rstrip()
    words = line.replace(".", " ").split()
    return line.endswith(_SENTENCE_ENDS) or (bool(words) and all(w in _NOT_NAMES for w in words))


def _distinct_names(lines: list[str]) -> list[str]:
    """`BOYCE BOYCE` or `FRISBIE` twice: one name; `BLAKE.`: the period goes."""
    names = []
    for line in lines:
        words = line.strip().rstrip(".").split()
        if len(words) == 2 and words[0] == words[1]:
            words = words[:1]
        names.append(" ".join(words))
    return list(dict.fromkeys(n for n in names if n))


def _is_name_line(text: str) -> bool:
    """A line that can only be a signature: `FRISBIE`, not `CAFTA-DR.` nor `END COMMENT`."""
    return (bool(_SIGNATURE.match(text)) and not text.endswith(".") and len(text) <= 40
            and _NOT_NAMES.isdisjoint(text.split()))


def _blocks(lines: list[tuple[int, str]]) -> list[_Block]:
    """Blocks of non-blank lines, a paragraph start always opening a new block."""
    blocks: list[_Block] = []
    current: list[str] | None = None
    for no, line in lines:
        s = line.lstrip()
        if (not s or (s[0] in "-_=*" and _DASHES.match(s))
                or (len(s) < 40 and s[0] in CLASS_INITIALS and is_lone_classification(s))):
            current = None
            continue
        if current is None or (s[0] in _DIGITS_PILCROW and _numbered(s)):
            current = [s]
            blocks.append(_Block(no, current))
        else:
            current.append(s)
    return blocks


def parse_body(lines: list[tuple[int, str]], log: DefectLog, *, mid_pilcrows: bool = True) -> Body:
    """Paragraphs and signers of the body lines. `mid_pilcrows=False` (known from the whole text)
    skips looking for paragraph starts inside lines."""
    if mid_pilcrows:
        lines = _split_inline(lines)
    blocks = _blocks(lines)
    signers = _distinct_names(_signers(blocks))

    paragraphs: list[Paragraph] = []
    pending_heading: str | None = None
    expected = 1
    numbered_seen = False
    open_text: list[str] | None = None
    open_meta: tuple[int | None, str | None, str | None] = (None, None, None)

    def close() -> None:
        nonlocal open_text
        if open_text is not None:
            num, mark, heading = open_meta
            text = squeeze_spaces(" ".join(open_text))
            if text or num is not None:
                paragraphs.append(Paragraph(num, mark, heading, text))
        open_text = None

    starts = [_numbered(block.lines[0]) for block in blocks]
    for bi, block in enumerate(blocks):
        m = starts[bi]
        if m:
            num = int(m.group("num"))
            if num != expected:
                digits = str(num)
                if digits.startswith("1") and digits[1:] == str(expected):
                    log.add("mangled-pilcrow", f"paragraph {digits}. read as ¶{expected}", block.line_no)
                    num = expected
                elif numbered_seen or num > 3:
                    log.add("paragraph-number-gap", f"paragraph {num} where {expected} was due", block.line_no)
            close()
            mark, rest = m.group("mark"), m.group("rest")
            if mark is None and (lead := _LEAD_IN_MARK.match(rest)):
                # `1. Summary and comment. (C) The ...`: the marking after a short lead-in
                mark, rest = lead.group("mark"), f"{lead.group(1)} {rest[lead.end():]}"
            open_meta = (num, " ".join(mark.split()) if mark else None, pending_heading)
            pending_heading = None
            open_text = [rest, *block.lines[1:]]
            expected = num + 1
            numbered_seen = True
            continue
        texts = block.lines
        next_is_para = bi + 1 < len(starts) and starts[bi + 1] is not None
        if next_is_para and _is_heading(texts) and pending_heading is None:
            close()
            pending_heading = _DASH_RUNS.sub("", " ".join(" ".join(texts).split())) or None
            continue
        if pending_heading is not None:
            # A heading not followed by a numbered paragraph heads unnumbered text.
            close()
            open_meta = (None, None, pending_heading)
            pending_heading = None
            open_text = list(texts)
            continue
        if numbered_seen and open_text is not None:
            open_text.extend(texts)
            continue
        close()
        open_meta = (None, None, None)
        open_text = list(texts)
    close()
    if pending_heading is not None:
        paragraphs.append(Paragraph(None, None, pending_heading, ""))
    return Body(_split_run_in(paragraphs), signers)


_RUN_IN = re.compile(rf"\s(\d{{1,3}})\s*\.\s*\((?P<mark>{_MARK})\)\s*")
_DOT_PAREN = re.compile(r"\. ?\(")  # `. (` or `.(`: one regex scan is faster than two substring tests


def _split_run_in(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """`... End Comment. 10. (U) This message ...`: the next paragraph run into this one."""
    out: list[Paragraph] = []
    for p in paragraphs:
        while p.number is not None and _DOT_PAREN.search(p.text):
            m = next((m for m in _RUN_IN.finditer(p.text)
                      if int(m.group(1)) == p.number + 1 and p.text[: m.start()].rstrip()[-1:] in ".:;\"')"), None)
            if m is None:
                break
            out.append(Paragraph(p.number, p.marking, p.heading, p.text[: m.start()].rstrip()))
            p = Paragraph(p.number + 1, " ".join(m.group("mark").split()), None, p.text[m.end():])
        out.append(p)
    return out


def _numbered(line: str) -> re.Match[str] | None:
    """The paragraph-start match of a line, if its number is a paragraph number and not a figure
    (`2006, Bank ...`)."""
    if not line or line[0] not in _DIGITS_PILCROW:
        return None
    m = _PARA.match(line)
    if not m:
        return None
    if m.group("pil") or m.group("mark"):
        return m
    rest = m.group("rest")
    ok = bool(rest) and (rest[0].isupper() or rest[0] in "\"'(-") and int(m.group("num")) < 200
    return m if ok else None



_BETWEEN: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {}


def _between_patterns(word: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    if word not in _BETWEEN:
        _BETWEEN[word] = (
            re.compile(rf"(?:^|(?<=[\s.]))(?i:{word})(?:\s+and\s+\w+)?\s*(?::|\.|-{{1,2}}|(?=\s+[A-Z]))\s*"),
            re.compile(rf"(?i)\(?\bend\s+(?:of\s+)?{word}\b[.:)]*"),
        )
    return _BETWEEN[word]


def _search_end(end_re: re.Pattern[str], text: str, start: int) -> re.Match[str] | None:
    """`end_re.search(text, start)`, tried only where the text reads `end` (in any case), or at
    the `(` before it: scanning a long paragraph with the case-insensitive pattern is slow."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a character lowered to two: positions would not line up
        return end_re.search(text, start)
    at = lowered.find("end", start)
    while at != -1:
        if at > start and text[at - 1] == "(":
            if m := end_re.match(text, at - 1):
                return m
        elif m := end_re.match(text, at):
            return m
        at = lowered.find("end", at + 1)
    return None


def extract_between(paragraphs: list[Paragraph], word: str) -> str | None:
    """`Summary: ... End summary.` (or to the end of its paragraph) -> the text between."""
    start_re, end_re = _between_patterns(word)
    for i, p in enumerate(paragraphs):
        text = p.text
        start: int | None = None
        head = text[:60 + len(word)]
        m = start_re.search(head) if word in head.lower() else None
        before = text[: m.start()].strip(" -(").lower() if m else ""
        heading = (p.heading or "").strip(" -:")
        if m and m.start() < 40 and not before.startswith("end") and not before.endswith(("end", "end of")):
            start = m.end()
        elif heading and _HEADING_WORD.match(heading) and heading[: len(word)].lower() == word:
            start = 0  # a `Summary` heading on its own line, or `Summary, Comment and Recommendation`
        if start is None:
            continue
        return _without_mark(_between(paragraphs, i, start, end_re))
    return None


_HEADING_WORD = re.compile(r"(?i)^(?:summary|comment)(?:\s*(?:,|and)\s*\w+)*$")
_LEADING_MARK = re.compile(r"^\((?:U|SBU|C|S|TS|[CST]\s?/{1,2}\s?[A-Za-z][A-Za-z ,/-]{0,30})\)\s*")


def _without_mark(text: str | None) -> str | None:
    """`(S//REL China) We have ...`: a portion mark the summary's paragraph carried in its text."""
    if text and text[0] == "(":
        text = _LEADING_MARK.sub("", text) or None
    return text


def _between(paragraphs: list[Paragraph], i: int, start: int, end_re: re.Pattern[str]) -> str | None:
    text = paragraphs[i].text
    end = _search_end(end_re, text, start)
    if end:
        return text[start:end.start()].rstrip(" (").strip() or None
    # Runs on over following paragraphs to an `End summary` if one comes soon.
    for j in range(i + 1, min(i + 4, len(paragraphs))):
        end = _search_end(end_re, paragraphs[j].text, 0)
        if end:
            parts = [text[start:], *(x.text for x in paragraphs[i + 1:j]), paragraphs[j].text[: end.start()]]
            return " ".join(parts).rstrip(" (").strip() or None
    return text[start:].strip() or None
