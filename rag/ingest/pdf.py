"""PDF files in the corpus: the text layer of each page, read as plain text.

A user's own documents are often PDFs (a vendor's manual, an exported wiki page, a paper). pypdf
reads the text a PDF draws, page by page, in the order it draws it; the pages then go through the
plain-text reader, which unwraps hard-wrapped lines into paragraphs and finds numbered or
underlined headings. A scanned PDF has no text layer: it is refused with what to do instead of
being indexed as nothing.
"""

from __future__ import annotations

import io
import logging
import re

from rag.ingest import plaintext, sentences
from rag.records import Document

SUFFIXES = {".pdf"}
MAGIC = b"%PDF-"
# A word broken at the end of a line ("configur-\nation"): joined again, as a reader reads it.
_BROKEN_WORD = re.compile(r"(?<=[a-z])-\n(?=[a-z])")


class NoTextLayer(ValueError):
    """A PDF that draws no text: a scan, or pages of images."""


def text(data: bytes) -> str:
    """The text of every page, without running headers and footers, parted into paragraphs, words
    broken at line ends joined."""
    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # a damaged xref is repaired, not worth a warning
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        raise ValueError("the PDF is encrypted with a password; save an unprotected copy to index it")
    pages = [(page.extract_text() or "").strip().split("\n") for page in reader.pages]
    # pages run on into each other: a sentence broken by a page break is one sentence
    joined = paragraphs("\n".join(line for page in without_running_lines(pages) for line in page))
    if not joined.strip():
        raise NoTextLayer("the PDF has no text layer (a scan?): run OCR on it first, e.g. `ocrmypdf in.pdf out.pdf`")
    return _BROKEN_WORD.sub("", sentences.plain_breaks(joined))


# Lines a page opens or closes with (up to this many each) that are a running header or footer
# when they recur on at least half of the pages: a title over every page, "Page 3 of 40".
EDGE_LINES = 2
_DIGITS = re.compile(r"\d+")


def without_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """The pages' lines without page numbers and the running headers and footers that break a
    sentence at every page turn ("... found in a / 2 / Shared MIME-info Database / directory")."""
    def key(line: str) -> str:
        return _DIGITS.sub("#", line.strip().lower())

    counts: dict[str, int] = {}
    for lines in pages:
        kept = [line for line in lines if line.strip()]
        for edge in {key(line) for line in kept[:EDGE_LINES] + kept[-EDGE_LINES:]}:
            counts[edge] = counts.get(edge, 0) + 1
    running = {k for k, n in counts.items() if len(pages) >= 3 and n >= len(pages) / 2}
    return [[line for line in lines if key(line) not in running and not _DIGITS.fullmatch(line.strip())]
            for lines in pages]


# A line shorter than this share of the page's usual width ends its paragraph: text is wrapped
# at the width, so only a paragraph's last line, a heading or a list item falls short of it.
SHORT_LINE = 0.6
_OPENS_BLOCK = re.compile(r"[A-Z0-9•▪●◦*-]")


def paragraphs(page: str) -> str:
    """A page's lines with a blank line after each that ends a paragraph. A PDF draws lines, not
    paragraphs, and pypdf writes them one after another: a heading ("1. Descaling") would run into
    the paragraph under it and be read as its first words."""
    lines = page.split("\n")
    widths = sorted(len(line.strip()) for line in lines if line.strip())
    if len(widths) < 3:
        return page
    usual = widths[int(0.9 * (len(widths) - 1))]
    out = []
    for line, after in zip(lines, [*lines[1:], ""]):
        out.append(line)
        short = len(line.strip()) < SHORT_LINE * usual
        if short and line.strip() and _OPENS_BLOCK.match(after.strip()[:1] or "x"):
            out.append("")
    return "\n".join(out)


def document(source: str, data: bytes) -> Document:
    return plaintext.document(source, text(data))
