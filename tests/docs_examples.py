"""The `$ cablegram ...` examples of README.md and docs/*.md: find them, run them, compare what
they print with what the docs show, and (with `CABLEGRAM_REGEN=1`) write today's output back.

An example is a `$ ` line in a ```console block (a trailing `\\` continues it) and the lines
after it up to the next `$ ` line. Only `cablegram` commands (optionally after `NAME=value`
assignments) and `sed` are run, in the order of the file, in a scratch directory beside a
`shared` link to the real data (so `../shared/...` works as in the docs). `demo` and `serve` are
started on a free port and stopped once they print their address (shown as port 8000).

What the docs show is a pattern: `…` or `...` inside a line matches any text; a line holding only
`…` or `...` matches any number of lines; an example that shows no output is only run (it must
succeed, unless its comment or output says it fails). Durations, rates, timestamps with seconds,
date-time groups and reference ids of the current year, and Julian filing times are masked on
both sides. A ```markdown or ```yaml block right after an HTML comment `<!-- file: NAME -->` is
written to NAME before the examples that follow it.
"""

from __future__ import annotations

import difflib
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = (ROOT / "docs" / "archive.md", ROOT / "docs" / "parsing.md", ROOT / "README.md", ROOT / "docs" / "web.md",
        ROOT / "docs" / "entities.md",
        ROOT / "docs" / "desk.md", ROOT / "docs" / "alerts.md", ROOT / "docs" / "analysis.md")
ELLIPSES = ("…", "...")
RUN = ("cablegram", "sed")


@dataclass
class Example:
    """One `$ command` with the output lines the docs show (`start`/`end`: their line numbers)."""

    doc: Path
    line: int
    command: str
    indent: str
    expected: list[str] = field(default_factory=list)
    start: int = 0
    end: int = 0


@dataclass(frozen=True)
class FileBlock:
    """A fenced block the docs name as a file (`<!-- file: NAME -->`)."""

    doc: Path
    line: int
    name: str
    text: str


def parse_doc(doc: Path) -> list[Example | FileBlock]:
    """The examples and file blocks of a Markdown file, in order."""
    lines = doc.read_text(encoding="utf-8").splitlines()
    out: list[Example | FileBlock] = []
    i = 0
    pending_file: str | None = None
    while i < len(lines):
        stripped = lines[i].strip()
        if m := re.fullmatch(r"<!-- file: (\S+) -->", stripped):
            pending_file = m.group(1)
        elif stripped.startswith("```"):
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            kind = stripped[3:].strip()
            j = i + 1
            while j < len(lines) and lines[j].strip() != "```":
                j += 1
            body = [ln[len(indent):] if ln.startswith(indent) else ln.lstrip() for ln in lines[i + 1:j]]
            if pending_file and kind in ("markdown", "yaml", "md"):
                out.append(FileBlock(doc, i + 1, pending_file, "\n".join(body) + "\n"))
            elif kind == "console":
                out += _examples(doc, body, i + 1, indent)
            pending_file = None
            i = j
        i += 1
    return out


def _examples(doc: Path, body: list[str], first: int, indent: str) -> list[Example]:
    out: list[Example] = []
    k = 0
    while k < len(body):
        if not body[k].startswith("$ "):
            if out:
                out[-1].expected.append(body[k])
                out[-1].end = first + k + 1
            k += 1
            continue
        command, line = body[k][2:], first + k + 1
        while command.endswith("\\") and k + 1 < len(body):
            k += 1
            command = command[:-1] + " " + body[k].strip()
        out.append(Example(doc, line, command, indent, start=first + k + 1, end=first + k + 1))
        k += 1
    return out


def split_comment(command: str) -> tuple[str, str]:
    """(`command`, its trailing `# comment`), a `#` inside quotes not counting."""
    quote = None
    for i, ch in enumerate(command):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and i and command[i - 1] == " ":
            return command[:i].rstrip(), command[i + 1:].strip()
    return command.rstrip(), ""


def runnable(command: str) -> bool:
    words = shlex.split(split_comment(command)[0])
    words = [w for w in words if not re.fullmatch(r"[A-Z_]+=.*", w)]
    return bool(words) and words[0] in RUN


@cache
def _masks() -> list[tuple[re.Pattern[str], str]]:
    yy = f"{datetime.now(UTC).year % 100:02d}"
    return [
        (re.compile(r"\(\d[\d,]* cables/s\)"), "(<rate>)"),
        (re.compile(r"\b\d[\d,]* cables/s\b"), "<rate>"),
        (re.compile(r"\b\d+(?:\.\d+)? ?(?:ms|s)\b"), "<duration>"),
        (re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"), "<time>"),
        (re.compile(rf"\b\d{{6}}Z [A-Z]{{3}} {yy}\b"), "<dtg>"),
        (re.compile(r"(\bDE R[A-Z]+ #\d+(?:/\d+)? )\d{7}\b"), r"\1<filed>"),
        (re.compile(rf"\b{yy}([A-Z]{{2,}}\d+)\b"), r"<yy>\1"),
        (re.compile(rf"\b{yy} ([A-Z]{{2,}} \d+)\b"), r"<yy> \1"),
    ]


def mask(line: str) -> str:
    for pattern, repl in _masks():
        line = pattern.sub(repl, line)
    return line.rstrip()


def _line_matches(expected: str, actual: str) -> bool:
    parts = re.split(r"…|\.\.\.", mask(expected))
    if len(parts) == 1:
        return parts[0] == mask(actual)
    return re.fullmatch(".*".join(re.escape(p) for p in parts), mask(actual)) is not None


def matches(expected: list[str], actual: list[str]) -> bool:
    """Whether the docs' lines (a pattern, see the module) describe the actual output."""
    if not expected:
        return True
    memo: dict[tuple[int, int], bool] = {}

    def go(i: int, j: int) -> bool:
        if (i, j) not in memo:
            if i == len(expected):
                ok = j == len(actual)
            elif expected[i].strip() in ELLIPSES:
                ok = any(go(i + 1, k) for k in range(j, len(actual) + 1))
            else:
                ok = j < len(actual) and _line_matches(expected[i], actual[j]) and go(i + 1, j + 1)
            memo[(i, j)] = ok
        return memo[(i, j)]

    return go(0, 0)


def _shape(line: str) -> str:
    return re.sub(r"\d[\d,.]*", "#", line.strip(), count=1)


def regenerated(expected: list[str], actual: list[str]) -> list[str]:
    """Today's output in place of the docs' lines. Where the docs elide (`…` lines), the elisions
    stay and each shown line becomes the next actual line of the same shape (its first number
    aside: `609  2006` becomes `613  2006`), or the line at that place."""
    if not any(x.strip() in ELLIPSES for x in expected):
        same = difflib.SequenceMatcher(None, [mask(x) for x in expected], [mask(x) for x in actual], autojunk=False)
        kept = list(actual)
        for block in same.get_matching_blocks():
            kept[block.b:block.b + block.size] = expected[block.a:block.a + block.size]
        return kept
    out, j = [], 0
    for line in expected:
        if line.strip() in ELLIPSES:
            out.append(line)
            continue
        found = next((k for k in range(j, len(actual)) if _shape(actual[k]) == _shape(line)), None)
        if found is None and j < len(actual):
            found = j
        if found is not None:
            out.append(line if _line_matches(line, actual[found]) else actual[found])
            j = found + 1
    if matches(out, actual):
        return out
    first = next(i for i, x in enumerate(expected) if x.strip() in ELLIPSES)  # the shown head, then `…`
    return [*actual[:first], expected[first]]


@dataclass
class Outcome:
    example: Example
    actual: list[str]
    returncode: int

    @property
    def may_fail(self) -> bool:
        comment = split_comment(self.example.command)[1]
        return "exit status" in comment or "error" in comment or any("error" in x for x in self.example.expected)

    @property
    def ok(self) -> bool:
        if self.returncode != 0 and not self.may_fail:
            return False
        return matches(self.example.expected, self.actual)


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CABLEGRAM_")}
    return {**env, "PYTHONPATH": str(ROOT / "src"), "PYTHONUNBUFFERED": "1", "COLUMNS": "100", "NO_COLOR": "1",
            **extra}


def _shell(command: str) -> str:
    return f"cablegram() {{ {shlex.quote(sys.executable)} -m cablegram \"$@\"; }}\n{command}"


def run_example(example: Example, cwd: Path, env: dict[str, str]) -> Outcome:
    command = split_comment(example.command)[0]
    words = shlex.split(command)
    server = len(words) > 1 and words[0] == "cablegram" and words[1] in ("demo", "serve")
    if server:
        return _run_server(example, command, cwd, env)
    done = subprocess.run(["bash", "-c", _shell(command)], cwd=cwd, env=_env(env), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=900)
    return Outcome(example, done.stdout.splitlines(), done.returncode)


def _run_server(example: Example, command: str, cwd: Path, env: dict[str, str]) -> Outcome:
    proc = subprocess.Popen(["bash", "-c", _shell(command + " --port 0")], cwd=cwd, env=_env(env),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip("\n")
            if m := re.search(r"http://127\.0\.0\.1:(\d+)/", line):
                lines.append(line.replace(f":{m.group(1)}/", ":8000/"))
                break
            lines.append(line)
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
    return Outcome(example, lines, 0)


def run_doc(doc: Path, cwd: Path, env: dict[str, str] | None = None) -> list[Outcome]:
    """Run every runnable example of `doc` in order in `cwd`; the outcomes."""
    out = []
    for item in parse_doc(doc):
        if isinstance(item, FileBlock):
            (cwd / item.name).write_text(item.text, encoding="utf-8")
        elif runnable(item.command):
            out.append(run_example(item, cwd, env or {}))
    return out


def report(outcomes: list[Outcome], *, regenerated_docs: bool = False) -> str:
    """What failed; after a regeneration, only what the new docs cannot fix (a failing command)."""
    parts = []
    for o in outcomes:
        if o.ok or (regenerated_docs and o.example.expected and (o.returncode == 0 or o.may_fail)):
            continue
        where = f"{o.example.doc.relative_to(ROOT)}:{o.example.line}"
        parts.append(f"{where}: $ {o.example.command}\n  exit status {o.returncode}\n  the docs show:\n"
                     + "\n".join("    " + x for x in o.example.expected)
                     + "\n  it prints:\n" + "\n".join("    " + x for x in o.actual))
    return "\n\n".join(parts)


def rewrite(doc: Path, outcomes: list[Outcome]) -> int:
    """Write today's output of the failing examples into `doc`; the number rewritten."""
    lines = doc.read_text(encoding="utf-8").splitlines()
    changed = 0
    stale = [o for o in outcomes if o.example.expected and not matches(o.example.expected, o.actual)]
    for o in sorted(stale, key=lambda o: -o.example.start):
        new = [o.example.indent + x if x else "" for x in regenerated(o.example.expected, o.actual)]
        lines[o.example.start:o.example.end] = new
        changed += 1
    end = "\n" if doc.read_text(encoding="utf-8").endswith("\n") else ""
    doc.write_text("\n".join(lines) + end, encoding="utf-8")
    return changed
