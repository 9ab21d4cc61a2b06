"""Sentence spans: where a block's text splits into sentences, as (start, end) offsets.

A rule-based splitter, kept deliberately small: it breaks after ., ! or ? followed by a space and
an upper-case letter, digit, quote or markup, keeps a trailing claim marker ("... globally. [1]")
with its sentence, and never breaks inside "vs." or "e.g." or a number such as "$1.75".
Hard-wrapped text is unwrapped: a line continues the sentence of the line above unless it opens
a list item, a heading, a quote or a table row (a licence wrapped at 72 columns is not one
"sentence" per line). Code is the exception: each of its lines is a unit of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_BOUNDARY = re.compile(r"[.!?][*_\"')\]]*(?:\s+\[\d+\])*(?=\s+(?!\[\d+\])[\"'*_(\[]*[A-Z0-9$])")
_NO_BREAK = re.compile(r"(?:\b(?:vs|e\.g|i\.e|etc|Mr|Mrs|Dr|St|approx|No|Inc|Ltd|U\.S)\.)$", re.I)
_ABBREVIATION_REACH = 8  # the longest abbreviation above, "approx", plus a separator
_MARKUP = re.compile(r"^(?:#{1,6}\s+|[-*+]\s+|\d+[.)]\s+|>\s*)")
FENCES = ("```", "~~~")  # the lines that open and close a Markdown code block
_NUMBERING = re.compile(r"\s*\(?(?:\d{1,3}(?:\.\d{1,3})*|[a-z])[.)]\Z")
# A line that starts a unit of its own instead of continuing the one above.
_OPENS_UNIT = re.compile(r"^\s*(?:#{1,6}\s|[-*+•o]\s|\d+[.)]\s|\([a-z0-9]{1,3}\)\s|>|\|)")


def split(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence spans of one line or paragraph of `text`, shifted by `offset`."""
    spans, start = [], 0
    for match in ends(text):
        if _NUMBERING.match(text, start, match.end()):
            continue  # "3." opening a numbered section is not a sentence
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    return [(offset + a + _lead(text[a:b]), offset + b) for a, b in spans if text[a:b].strip()]


def ends(text: str, boundary: re.Pattern = _BOUNDARY) -> Iterator[re.Match]:
    """The matches of `boundary` (by default this module's: a stop, closing marks and any claim
    markers such as "[1]") in `text` that end a sentence: not the period of "vs." or "e.g.".
    Only the last few characters before a match can hold an abbreviation: looking at the whole
    sentence so far would make a line full of "e.g." quadratic."""
    start = 0
    for match in boundary.finditer(text):
        if not _NO_BREAK.search(text[max(start, match.start() - _ABBREVIATION_REACH):match.start() + 1]):
            yield match
            start = match.end()


def _lead(piece: str) -> int:
    """Skip leading spaces and list or quote markup, so the span starts at the words."""
    stripped = piece.lstrip()
    skipped = len(piece) - len(stripped)
    markup = _MARKUP.match(stripped)
    return skipped + (markup.end() if markup else 0)


def lines_of(text: str) -> list[str]:
    """Lines ending at "\n" only, each with its newline. markdown-it counts lines this way;
    str.splitlines also breaks at form feeds and U+2028, which would shift every span after one."""
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


def units(text: str) -> list[tuple[int, int]]:
    """(start, end) of each unit of a multi-line block: runs of lines, where a line continues the
    one above unless it is blank-separated or opens a list item, heading, quote or table row."""
    found, position, continuing = [], 0, False
    for line in lines_of(text):
        body = line.rstrip("\n")
        if not body.strip():
            continuing = False
        elif continuing and not _OPENS_UNIT.match(body):
            found[-1] = (found[-1][0], position + len(body))
        else:
            found.append((position, position + len(body)))
            continuing = True
        position += len(line)
    return found


def split_lines(text: str, offset: int = 0, skip_headings: bool = True) -> list[tuple[int, int]]:
    """Sentence spans of a multi-line block, unit by unit (see `units`); headings are not sentences."""
    spans = []
    for start, end in units(text):
        if not (skip_headings and text[start:end].lstrip().startswith("#")):
            spans.extend(split(text[start:end], offset + start))
    return spans


def code_lines(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Each non-blank line of a code block, fence lines left out: a command is quoted whole."""
    spans, position = [], 0
    for line in lines_of(text):
        body = line.rstrip("\n")
        stripped = body.strip()
        if stripped and not stripped.startswith(FENCES):
            lead = len(body) - len(body.lstrip())
            spans.append((offset + position + lead, offset + position + len(body.rstrip())))
        position += len(line)
    return spans


def table_cells(row: str, offset: int = 0) -> list[tuple[int, int]]:
    """Spans of the cells of one pipe-table row (without the pipes and padding)."""
    cells, position = [], 0
    for part in row.split("|"):
        stripped = part.strip()
        if stripped:
            cells.append((offset + position + part.index(stripped), offset + position + part.index(stripped) + len(stripped)))
        position += len(part) + 1
    return cells
