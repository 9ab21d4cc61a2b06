"""Word documents (.docx) in the corpus, read as the Markdown they amount to.

A team's own documents are often written in Word. python-docx reads the paragraphs and tables in
the order they stand; a paragraph styled as a heading becomes a Markdown heading of its level, a
list paragraph a list item, a table a Markdown table. The Markdown reader then gives the document
its sections, list items and table rows, as it does for a README.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from rag.ingest import markdown
from rag.records import Document

SUFFIXES = {".docx"}
MAGIC = b"PK\x03\x04"  # a .docx is a zip archive
_HEADING_STYLE = re.compile(r"heading\s*(\d)", re.I)
_LIST_STYLE = re.compile(r"list", re.I)


def markdown_text(data: bytes) -> str:
    """The document's paragraphs and tables as Markdown, blocks parted by blank lines."""
    from docx import Document as WordDocument
    from docx.table import Table

    blocks = []
    for item in WordDocument(io.BytesIO(data)).iter_inner_content():
        if isinstance(item, Table):
            blocks.append(_table(item))
        elif item.text.strip():
            blocks.append(_paragraph(item.text.strip(), item.style.name if item.style is not None else ""))
    return "\n\n".join(b for b in blocks if b) + "\n"


def _paragraph(text: str, style: str) -> str:
    text = " ".join(text.split())  # a soft line break or a tab inside a paragraph is a space
    level = _HEADING_STYLE.search(style)
    if level:  # under the document's title, which is the one heading of level 1
        return "#" * min(int(level.group(1)) + 1, 6) + " " + text
    if style.lower() == "title":
        return "# " + text
    if _LIST_STYLE.search(style):
        return "- " + text
    return text


def _table(table) -> str:
    rows = [[" ".join(cell.text.split()).replace("|", "\\|") for cell in row.cells] for row in table.rows]
    rows = [row for row in rows if any(row)]
    if not rows:
        return ""
    width = max(len(row) for row in rows)
    lines = ["| " + " | ".join(row + [""] * (width - len(row))) + " |" for row in rows]
    return "\n".join([lines[0], "|" + " --- |" * width, *lines[1:]])


def document(source: str, data: bytes) -> Document:
    text = markdown_text(data)
    if not text.strip():
        raise ValueError("the Word document holds no text")
    title, blocks, claims = markdown.parse(text)
    return Document(source, text, title or Path(source).stem, blocks, claims)
