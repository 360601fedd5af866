"""Cablegate HTML to telegram text: the `<pre>` blocks of a cablegate page, as in the JSONL.

Newlines are `&#x000A;`; TAGS and paragraph marks are `<a>` links. The text keeps its literal `<`
and `&` (`<<Israel>>`, `R&D`, `&note`), so only real HTML tags are stripped and only
well-formed entity references (`&...;`) are unescaped.
"""

from __future__ import annotations

import html
import re

__all__ = [
    "PARTIAL_EXTRACT",
    "cablegate_html_to_text",
    "convert_cablegate",
    "html_fragment_to_text",
    "split_partial_extract",
]

#: Website boilerplate standing in for a missing routing header: not telegram text.
PARTIAL_EXTRACT = (
    "This record is a partial extract of the original cable. "
    "The full text of the original cable is not available."
)

_TAG = re.compile(
    r"</?(?:a|abbr|b|big|br|code|div|em|font|hr|i|p|pre|small|span|strong|sub|sup|"
    r"table|tbody|td|th|thead|tr|tt|u)(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)
_BR_BEFORE_NEWLINE = re.compile(r"<br\s*/?>(?=&#x000A;|\n)", re.IGNORECASE)
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9]{1,31});")


def _unescape(m: re.Match[str]) -> str:
    return html.unescape(m.group())


def html_fragment_to_text(fragment: str) -> str:
    """Strip HTML tags, turn `<br>` into a line break (unless one follows), unescape entities."""
    if "<" in fragment:
        if "<br" in fragment or "<BR" in fragment:
            fragment = _BR_BEFORE_NEWLINE.sub("", fragment)
            fragment = _BR.sub("\n", fragment)
        fragment = _TAG.sub("", fragment)
    fragment = fragment.replace("&#x000A;", "\n")
    if "&" in fragment:
        fragment = _ENTITY.sub(_unescape, fragment)
    if "\r" in fragment:
        fragment = fragment.replace("\r\n", "\n").replace("\r", "\n")
    return fragment


def split_partial_extract(header: str) -> tuple[str, bool]:
    """Drop the partial-extract sentence from a header text; say whether it was there."""
    if header.startswith(PARTIAL_EXTRACT):
        return header[len(PARTIAL_EXTRACT) :].lstrip("\n"), True
    return header, False


def convert_cablegate(header_html: str, body_html: str) -> tuple[str, bool]:
    """`cablegate_html_to_text`, and whether the header was the partial-extract sentence."""
    header, partial = split_partial_extract(html_fragment_to_text(header_html))
    body = html_fragment_to_text(body_html)
    return (f"{header}\n\n{body}" if header else body), partial


def cablegate_html_to_text(header_html: str, body_html: str) -> str:
    """The telegram text of a cablegate cable: header text, a blank line, body text.

    Line structure is kept exactly (blank lines, trailing spaces). The partial-extract sentence
    is left out; where it is the whole header, the text is the body alone.
    """
    return convert_cablegate(header_html, body_html)[0]
