"""Sentence spans: where a block's text splits into sentences, as (start, end) offsets.

A rule-based splitter, kept deliberately small: it breaks after ., ! or ? followed by a space and
an upper-case letter, digit, quote or markup, keeps a trailing claim marker ("... globally. [1]")
with its sentence, and never breaks inside "vs." or "e.g." or a number such as "$1.75".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_BOUNDARY = re.compile(r"[.!?][*_\"')\]]*(?:\s+\[\d+\])*(?=\s+(?!\[\d+\])[\"'*_(\[]*[A-Z0-9$])")
_NO_BREAK = re.compile(r"(?:\b(?:vs|e\.g|i\.e|etc|Mr|Mrs|Dr|St|approx|No|Inc|Ltd|U\.S)\.)$", re.I)
_ABBREVIATION_REACH = 8  # the longest abbreviation above, "approx", plus a separator
_MARKUP = re.compile(r"^(?:#{1,6}\s+|[-*+]\s+|\d+[.)]\s+|>\s*)")


def split(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence spans of one line or paragraph of `text`, shifted by `offset`."""
    spans, start = [], 0
    for match in ends(text):
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


def split_lines(text: str, offset: int = 0, skip_headings: bool = True) -> list[tuple[int, int]]:
    """Sentence spans of a multi-line block: each non-blank line splits on its own, since a line
    break in Markdown separates list items, and headings are not sentences."""
    spans, position = [], 0
    for line in lines_of(text):
        if line.strip() and not (skip_headings and line.lstrip().startswith("#")):
            spans.extend(split(line.rstrip("\n"), offset + position))
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
