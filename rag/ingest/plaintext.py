"""Plain-text structure: the headings a .txt file shows without Markdown, as blocks with spans.

Paragraphs are runs of lines between blank lines. A paragraph that is one short line not ending
in a full stop ("GNU gzip NEWS", "* Noteworthy changes in release 1.6", "TERMS AND CONDITIONS") is
a heading; so is the lead of a numbered section ("3. Grant of Patent License. Subject to...").
A heading that asks ("12. Is zlib thread-safe?") opens an FAQ block holding its answer, as a
Markdown question heading does. Outline stars and section numbers give the heading's level.
"""

from __future__ import annotations

import re
from pathlib import Path

from rag.ingest import markdown
from rag.records import Block, Document

BLANK_LINE = re.compile(r"\n[ \t\r]*\n")
HEADING_MAX_CHARS = 80
# "3. Grant of Patent License. Subject to ..." -> the number and the section's name
_NUMBERED_LEAD = re.compile(r"\s*((?:\d{1,3}\.)+\d{0,3}|\d{1,3}\))\s+([A-Z][^.\n]{2,60}?)\.(?:\s|$)")
_NUMBER = re.compile(r"\s*(?:\d{1,3}[.)])+(?:\d{1,3}\.?)?\s+")
_OUTLINE = re.compile(r"\s*(\*{1,6}|={2,}|-{2,})\s+")


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph, without its surrounding whitespace."""
    found, position = [], 0
    for gap in [*BLANK_LINE.finditer(text), None]:
        end = gap.start() if gap else len(text)
        piece = text[position:end]
        if piece.strip():
            found.append((position + len(piece) - len(piece.lstrip()), position + len(piece.rstrip())))
        position = gap.end() if gap else len(text)
    return found


def heading_of(paragraph: str) -> tuple[int, str, int] | None:
    """(level, heading, where the text after it starts) when the paragraph is, or opens with, a
    heading; else None. A numbered line may end in a full stop ("4. compress() returns an error.")."""
    lead = _NUMBERED_LEAD.match(paragraph)
    if lead and paragraph[lead.end():].strip():
        return 2 + lead.group(1).rstrip(".").count("."), f"{lead.group(1)} {lead.group(2)}", lead.end()
    number = _NUMBER.match(paragraph)
    if "\n" not in paragraph and len(paragraph) <= HEADING_MAX_CHARS \
            and (number or not paragraph.endswith((".", ",", ";", ":"))) \
            and not paragraph.startswith(("[", "(", "<", "$")) and "://" not in paragraph \
            and markdown.shows_words(paragraph):
        outline = _OUTLINE.match(paragraph)
        if outline:
            return min(len(outline.group(1)), 6) + 1, paragraph[outline.end():].strip(), len(paragraph)
        level = 2 + (number.group(0).strip().rstrip(".)").count(".") if number else 0)
        return level, paragraph.strip(), len(paragraph)
    return None


def document(source: str, text: str) -> Document:
    """A Document whose blocks carry the heading path the text shows; the title is the file name."""
    title = Path(source).stem
    path: list[str] = [title]
    blocks: list[Block] = []
    question: str | None = None  # an asking heading awaiting its answer
    for start, end in paragraphs(text):
        paragraph = text[start:end]
        heading = heading_of(paragraph)
        if heading is not None:
            level, name, body = heading
            path = markdown.heading_path(path, level, name)
            if not paragraph[body:].strip():  # a heading line alone
                question = name if name.endswith("?") else None
                continue
        block_path = tuple(p for p in path if p)
        if question is not None:
            # the answer alone: the question line is no sentence to quote, and the key searches it
            blocks.append(Block(block_path, start, end, "faq", question))
            question = None
        else:
            blocks.append(Block(block_path, start, end, "prose"))
    return Document(source, text, title, tuple(blocks), markdown.claim_definitions(text))
