"""Sentence spans: where a block's text splits into sentences, as (start, end) offsets.

Sentences are split by sentencex (Wikimedia's segmenter: abbreviations such as
"e.g." and "vs.", figures such as "$1.75", a trailing claim marker "... globally. [1]" kept with
its sentence); docs/RETRIEVAL.md has the measurement that chose it over our own regexes and pysbd.
Hard-wrapped text is unwrapped: a line continues the sentence of the line above unless it opens
a list item, a heading, a quote or a table row (a licence wrapped at 72 columns is not one
"sentence" per line). Code is the exception: each of its lines is a unit of its own.

sentencex pairs quotes in quadratic time ("'x' " * 100,000 took a minute), so a paragraph longer
than `SEGMENTER_WINDOW` is handed to it a window at a time, each cut after a full stop or else at
a space: a hostile 2 MB paragraph costs linear time, and no real sentence is that long.
"""

from __future__ import annotations

import re

from sentencex import get_sentence_boundaries

_MARKUP = re.compile(r"^(?:#{1,6}\s+|[-*+]\s+|\d+[.)]\s+|>\s*)")
FENCES = ("```", "~~~")  # the lines that open and close a Markdown code block
# "3." or "b)" opening a numbered item; bash's NEWS letters its items on past "z." to "aa.", "bb."
_NUMBERING = re.compile(r"\(?(?:\d{1,3}(?:\.\d{1,3})*|[a-z]{1,2})[.)]")
# A line that starts a unit of its own instead of continuing the one above.
_HEADING = re.compile(r"^\s*#{1,6}\s")
# A line that opens a unit of its own: a heading, a list item, a quote, a table row, or an option
# laid out in columns ("  -j JOBS, --jobs JOBS  number of parallel jobs", a --help text); an option
# a wrapped sentence carries on to ("-Np1 is recommended.  Test ...") has no such gap but after a
# sentence's end.
_OPENS_UNIT = re.compile(r"^\s*(?:#{1,6}\s|[-*+•o]\s|\d+[.)]\s|\([a-z0-9]{1,3}\)\s|>|\||"
                         r"--?[A-Za-z][\w-]{0,40}[^\n]{0,60}?\S(?<![.!?:;,]) {2,}\S)")


SEGMENTER_WINDOW = 10_000
# A full stop with a letter or digit right after it is inside a dotted name, not a sentence's end:
# "replaced by org.apache.commons.cli.Option.builder()" was cut at each "cli." (corpus19).
_INSIDE_NAME = re.compile(r"\.[A-Za-z0-9]")
# A "!" closing a word, with lower case after it, ends a name, not a sentence: Rust's macros
# ("the standard library's debug_assert! macro" was cut before "macro.", corpus26).
_MACRO_BANG = re.compile(r"(?<=\w)![ \t]+[a-z]")


def split(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence spans of one line or paragraph of `text`, shifted by `offset`, as sentencex
    (Wikimedia's segmenter, docs/RETRIEVAL.md) finds them; a span ends at its last mark, not at
    the spaces after it. A text longer than `SEGMENTER_WINDOW` is split a window at a time."""
    spans, start = [], 0
    while len(text) - start > SEGMENTER_WINDOW:
        low, high = start + SEGMENTER_WINDOW // 2, start + SEGMENTER_WINDOW
        stop = text.rfind(". ", low, high)  # a window ends at a sentence's end where one is near
        cut = stop + 1 if stop >= 0 else text.rfind(" ", low, high)
        end = cut + 1 if cut >= 0 else high
        spans.extend(_split_window(text[start:end], offset + start))
        start = end
    return spans + _split_window(text[start:], offset + start)


def _split_window(text: str, offset: int) -> list[tuple[int, int]]:
    spans, start = [], 0
    for boundary in get_sentence_boundaries("en", text):
        end = boundary["end_index"]
        if _NUMBERING.fullmatch(text[start:end].strip()):
            continue  # "3." opening a numbered section is not a sentence
        if _INSIDE_NAME.match(text, end - 1):
            continue  # sentencex ends a sentence at "java.util." in "java.util.List": no space, no end
        piece = text[start:end].rstrip()
        if piece.endswith("!") and _MACRO_BANG.match(text, start + len(piece) - 1):
            continue  # "debug_assert! macro": a name's "!"
        spans.append((start, end))
        start = end
    if start < len(text):
        spans.append((start, len(text)))
    return [(offset + a + _lead(text[a:b]), offset + a + len(text[a:b].rstrip())) for a, b in spans if text[a:b].strip()]


def _lead(piece: str) -> int:
    """Skip leading spaces and list or quote markup, so the span starts at the words."""
    stripped = piece.lstrip()
    skipped = len(piece) - len(stripped)
    markup = _MARKUP.match(stripped)
    return skipped + (markup.end() if markup else 0)


# Line breaks that str.splitlines() or markdown-it see and "\n" does not. markdown-it ends a line
# at a lone CR; a DocBook page writes them as "&#13;" entities (corpus8's shared-mime-info spec,
# which failed to index as its line maps ran past the text's end).
_LONE_CR = re.compile("\r(?!\n)")
_ODD_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def plain_breaks(text: str) -> str:
    """`text` with a lone CR as "\n" and other odd breaks as a space, one character for one, so
    every offset still points at the same place and our line count agrees with markdown-it's."""
    return _ODD_BREAKS.sub(" ", _LONE_CR.sub("\n", text))


def lines_of(text: str) -> list[str]:
    """Lines ending at "\n" only, each with its newline. markdown-it counts lines this way;
    str.splitlines also breaks at form feeds and U+2028, which would shift every span after one."""
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


# A run of lines that each open with a capital or a digit and end without a mark or a word that
# runs on ("8977    Allow kprop over more types of NATs", a NEWS file's unmarked items) is a list,
# one item a line; unwrapped, krb5's forty tickets read as one "sentence".
LINE_LIST_MIN = 3
FILLED_SHARE = 0.75  # of the longest line: lines all this long but the last are wrapped text
_ITEM_LINE = re.compile(r"\s*[A-Z0-9][^\n]*[^\s.,;:!?\-]\s*")
_RUNS_ON = re.compile(r"\b(?:a|an|and|or|nor|the|of|to|in|on|at|by|for|from|with|as|that|which|than|is|are)\s*$", re.I)


def _line_list(lines: list[str]) -> bool:
    """Whether a run of lines is a list, one item a line. A wrapped sentence whose lines happen to
    open with capitals ("... Public\nLicense along with ...\nFoundation, Inc., ...") fills each
    line but the last to the wrapping width; a list's lines end where their items do."""
    bodies = [line.rstrip() for line in lines]
    if len(bodies) < LINE_LIST_MIN or not all(_ITEM_LINE.fullmatch(b) and not _RUNS_ON.search(b) for b in bodies):
        return False
    widest = max(len(b) for b in bodies)
    return any(len(b) < FILLED_SHARE * widest for b in bodies[:-1])


def _listed(lines: list[str]) -> set[int]:
    """The numbers of the lines in runs (lines between blank ones) that are line lists."""
    listed: set[int] = set()
    run: list[int] = []
    for number, line in enumerate([*lines, ""]):
        if line.strip():
            run.append(number)
            continue
        items = run[1:] if run and lines[run[0]].rstrip().endswith(":") else run  # after a lead-in
        if _line_list([lines[n] for n in items]):
            listed.update(items)
        run = []
    return listed


def units(text: str) -> list[tuple[int, int]]:
    """(start, end) of each unit of a multi-line block: runs of lines, where a line continues the
    one above unless it is blank-separated or opens a list item, heading, quote or table row, or
    its run is a list of one item a line (`_line_list`)."""
    lines = lines_of(text)
    listed = _listed(lines)
    found, position, continuing = [], 0, False
    for number, line in enumerate(lines):
        body = line.rstrip("\n")
        if not body.strip():
            continuing = False
        elif continuing and not _OPENS_UNIT.match(body) and number not in listed:
            found[-1] = (found[-1][0], position + len(body))
        else:
            found.append((position, position + len(body)))
            continuing = not _HEADING.match(body)  # a heading is one line: the next starts anew
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


def table_cells(row: str, offset: int = 0) -> list[tuple[int, int] | None]:
    """Spans of the cells of one pipe-table row (without the pipes and padding), in column order.
    An empty cell is None, so the cells after it stay under their headers: "| 8 | | filter |" has
    its "filter" in the third column. What lies outside the first and last pipe is no cell."""
    cells: list[tuple[int, int] | None] = []
    parts = row.split("|")
    position = 0
    for number, part in enumerate(parts):
        stripped = part.strip()
        if stripped:
            begin = offset + position + part.index(stripped)
            cells.append((begin, begin + len(stripped)))
        elif 0 < number < len(parts) - 1:
            cells.append(None)
        position += len(part) + 1
    return cells
