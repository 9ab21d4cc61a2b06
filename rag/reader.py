"""Reading the corpus folder: which files become `Document`s and which are skipped, and why.

Markdown and plain text are read as written, so chunk spans map into the file exactly. Nothing
outside the corpus folder is read: symlinks that leave it are skipped, like binary, empty,
oversized, hidden and unreadable files; each skip carries a reason for the index report.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rag import markdown
from rag.records import Block, Document
from rag.sentences import split_lines

MARKDOWN = {".md", ".markdown"}
TEXT = {".txt"}
SUFFIXES = MARKDOWN | TEXT


@dataclass(frozen=True)
class SourceFile:
    """A file found in the corpus: its path relative to the corpus, and its content hash."""

    source: str
    path: Path
    sha256: str
    size: int
    skip: str = ""  # why it is not indexed; "" when it is


def _relative(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _skip_reason(root: Path, path: Path, max_bytes: int) -> str:
    if any(part.startswith(".") for part in path.relative_to(root).parts):
        return "hidden"
    if path.is_symlink() and not path.resolve().is_relative_to(root.resolve()):
        return "symlink pointing outside the corpus"
    if path.suffix.lower() not in SUFFIXES:
        return f"unsupported type {path.suffix or '(none)'}"
    size = path.stat().st_size
    if size == 0:
        return "empty"
    if size > max_bytes:
        return f"larger than the {max_bytes:,}-byte cap"
    return ""


def scan(root: Path, max_bytes: int) -> Iterator[SourceFile]:
    """Every regular file under `root`, sorted, with its hash or the reason it is skipped."""
    for path in sorted(p for p in root.rglob("*") if p.is_file() or p.is_symlink()):
        source = _relative(root, path)
        try:
            reason = _skip_reason(root, path, max_bytes)
            data = b"" if reason else path.read_bytes()
        except OSError as exc:
            reason, data = f"unreadable ({exc.strerror or exc})", b""
        if not reason and b"\0" in data[:8192]:
            reason = "binary"
        yield SourceFile(source, path, hashlib.sha256(data).hexdigest() if data else "", len(data), reason)


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM); anything else is decoded with replacement characters."""
    return data.decode("utf-8-sig", errors="replace")


def read(file: SourceFile) -> Document:
    """Parse a file into a `Document`. The text is the file's text, unchanged."""
    text = decode(file.path.read_bytes())
    if file.path.suffix.lower() in MARKDOWN:
        title, blocks, claims = markdown.parse(text)
        return Document(file.source, text, title or Path(file.source).stem, blocks, claims)
    return _plain(file.source, text)


def _plain(source: str, text: str) -> Document:
    """Plain text: paragraphs separated by blank lines, under one heading (the file name)."""
    title = Path(source).stem
    blocks, position = [], 0
    for paragraph in text.split("\n\n"):
        spans = split_lines(paragraph, position, skip_headings=False)
        if spans:
            blocks.append(Block((title,), spans[0][0], spans[-1][1], "prose"))
        position += len(paragraph) + 2
    return Document(source, text, title, tuple(blocks), markdown.claim_definitions(text))
