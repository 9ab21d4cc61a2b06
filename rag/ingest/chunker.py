"""Structure-aware chunking: a `Document`'s blocks packed into `Chunk`s of at most `max_chars`.

A chunk never crosses a heading, an FAQ question stays with its answer, a table is its own chunk,
and a block longer than the limit is cut at sentence boundaries. Spans are exact: for every chunk,
`document.text[chunk.start:chunk.end] == chunk.text`. Ids hash source, span and text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import PurePosixPath

from rag.ingest import markdown, sentences
from rag.records import Block, Chunk, Document

CLAIM_MARKER = re.compile(r"\[\d+\]")
SECTION_SEPARATOR = " › "


def chunk_id(source: str, start: int, end: int, text: str) -> str:
    return hashlib.sha256(f"{source}\0{start}\0{end}\0{text}".encode()).hexdigest()[:16]


def section_label(document: Document, path: tuple[str, ...]) -> str:
    """The heading path as shown to users; the document title is dropped below the top."""
    shown = path[1:] if len(path) > 1 and path[0] == document.title else path
    return SECTION_SEPARATOR.join(shown) or document.title


def sentence_spans(text: str, kind: str) -> tuple[tuple[int, int], ...]:
    """Sentence spans relative to `text`; for a table, the body cells after the row label; for
    code, its lines."""
    if kind == "code":
        return tuple(sentences.code_lines(text))
    if kind != "table":
        return tuple(sentences.split_lines(text))
    spans, position = [], 0
    for number, line in enumerate(sentences.lines_of(text)):
        if number >= 2:  # skip the header row and the |---| separator
            spans.extend(cell for cell in sentences.table_cells(line.rstrip("\n"), position)[1:] if cell)
        position += len(line)
    return tuple(spans)


# -- long blocks ---------------------------------------------------------------------------------
# Blocks too long to cut sentence by sentence cheaply (over twice the limit, or holding a sentence
# longer than it) are first cut here in linear time, at the last sentence end or space in reach.


def _needs_cut(text: str, block: Block, max_chars: int) -> bool:
    length = block.end - block.start
    if length <= max_chars:
        return False
    if length > 2 * max_chars:
        return True
    if block.kind == "table":
        return False  # a table stays whole up to twice the limit, like the chunker keeps it
    ends = [block.start] + [e for _, e in sentences.split_lines(text[block.start:block.end], block.start)]
    return any(b - a > max_chars for a, b in zip(ends, ends[1:]))


def _cut_point(text: str, start: int, limit: int, hard_end: int, rows: bool) -> int:
    """Where a piece starting at `start` ends: after the last sentence (or table row) within
    `limit` chars, else at the last space in its second half, else at `limit` exactly."""
    end = min(start + limit, hard_end)
    if end == hard_end:
        return end
    window = text[start:end]
    best = window.rfind("\n") + 1 if rows else 0
    if not rows:  # the splitter's own ends ("[1]" stays); its last span is the cut-off remainder
        best = max((sentence_end for _, sentence_end in sentences.split(window)[:-1]), default=0)
    if best == 0:
        space = max(window.rfind(" ", limit // 2), window.rfind("\n", limit // 2))
        best = space if space > 0 else len(window)
    return start + best


def _cut(text: str, block: Block, max_chars: int) -> Iterator[Block]:
    """The block, or consecutive pieces of it of at most `max_chars`. Only the first piece keeps
    a table or FAQ kind (and the FAQ key): the rest are prose under the same heading. Every piece
    of code stays code, cut between lines: a long doctest cut into prose had its ">>>" lines
    merged into sentences and read as quotes (psutil's README, corpus4)."""
    if not _needs_cut(text, block, max_chars):
        yield block
        return
    start, first = block.start, True
    while start < block.end:
        end = _cut_point(text, start, max_chars, block.end, block.kind in ("table", "code"))
        piece = text[start:end]
        if piece.strip():
            a = start + len(piece) - len(piece.lstrip())
            b = start + len(piece.rstrip())
            kind, key = (block.kind, block.key) if first or block.kind == "code" else ("prose", "")
            yield Block(block.path, a, b, kind, key)
            first = False
        start = end


def _pieces(document: Document, block: Block, max_chars: int) -> Iterator[tuple[int, int]]:
    """The block's span, or sentence-aligned pieces of it when it is longer than `max_chars`."""
    if block.end - block.start <= max_chars or block.kind == "table":
        yield block.start, block.end
        return
    spans = sentence_spans(document.text[block.start:block.end], block.kind)
    spans = [(block.start + a, block.start + b) for a, b in spans]
    start = block.start
    for _, end in spans:
        if end - start > max_chars and end > start:
            previous = max((e for _, e in spans if e <= start + max_chars and e > start), default=end)
            yield start, previous
            start = _skip_space(document.text, previous)
    if start < block.end:
        yield start, block.end


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def _make(document: Document, block: Block, pieces: list[tuple[int, int, str]]) -> Chunk:
    """The chunk of the packed pieces (start, end, kind): each piece splits into sentences by its
    own kind, so a command packed with the prose around it is still quoted line by line."""
    start, end = pieces[0][0], pieces[-1][1]
    text = document.text[start:end]
    spans, code = [], []
    for piece_start, piece_end, kind in pieces:
        for a, b in sentence_spans(document.text[piece_start:piece_end], kind):
            if kind == "code":
                code.append(len(spans))
            spans.append((piece_start - start + a, piece_start - start + b))
    return Chunk(
        id=chunk_id(document.source, start, end, text),
        source=document.source,
        section=section_label(document, block.path),
        text=text,
        start=start,
        end=end,
        claims=tuple(dict.fromkeys(m for m in CLAIM_MARKER.findall(text)
                                   if m in {c.marker for c in document.claims})),
        kind=block.kind,
        key=block.key if block.kind == "faq" and start == block.start else "",
        sentences=tuple(spans),
        code=tuple(code),
    )


def chunk(document: Document, max_chars: int = 900) -> list[Chunk]:
    """Pack consecutive blocks under the same heading into chunks of at most `max_chars`."""
    chunks: list[Chunk] = []
    open_block: Block | None = None  # the first block of the chunk being packed
    pieces: list[tuple[int, int, str]] = []  # (start, end, kind) packed into it so far
    for block in (b for whole in document.blocks for b in _cut(document.text, whole, max_chars)):
        for piece_start, piece_end in _pieces(document, block, max_chars):
            fits = open_block is not None and piece_end - pieces[0][0] <= max_chars
            same_place = open_block is not None and block.path == open_block.path
            joinable = block.kind not in ("table", "faq") and open_block is not None \
                and open_block.kind != "table"
            if fits and same_place and joinable:
                pieces.append((piece_start, piece_end, block.kind))
                continue
            if open_block is not None:
                chunks.append(_make(document, open_block, pieces))
            open_block, pieces = block, [(piece_start, piece_end, block.kind)]
    if open_block is not None:
        chunks.append(_make(document, open_block, pieces))
    return chunks


# Bold marks ("**") go wherever they stand, since bold often runs over several sentences and a
# sentence holds only one of its marks; a single "*" goes only as a pair around words ("*em*"), so a
# lone one is text: msgpack's default "100*1024*1024" read "10010241024". "__" is left alone:
# "__init__" is a name far more often than "__strong__" is emphasis.
_BULLET = re.compile(r"^[ \t]*\*+[ \t]+")  # a list item's or an Org outline's "* ", "** "
_BOLD = re.compile(r"(?<!\w)\*\*|\*\*(?!\w)")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=[^\s*])(.{1,200}?)(?<=[^\s*])\*(?![\w*])")  # bounded: linear time


def plain(text: str, code: bool = False) -> str:
    """Markdown emphasis, heading marks, HTML tags and images removed, links as their text, and
    hard-wrapped lines unwrapped: the words a reader sees. In `code`, stars, backticks and "#" are
    characters, not marks: "FreeRepos=ubuntu-*-main;ubuntu-*-universe" read "ubuntu--main", and a
    comment line ("# And finally save it somewhere") is shown as one."""
    lines = text.splitlines() if code else [line.lstrip("#").strip() if line.lstrip().startswith("#")
                                            else _BULLET.sub("", line) for line in text.splitlines()]
    text = markdown.visible_text("\n".join(lines))
    if not code:
        text = _EMPHASIS.sub(r"\1", _BOLD.sub("", text)).replace("`", "")
    return _WRAP.sub(" ", _SPACES.sub(" ", text)).strip()


# any run of spaces but a line break: a DocBook text indents its wrapped lines with no-break spaces,
# which kept "Start\n   at 2 seconds" from unwrapping (corpus9's XDMCP spec)
_SPACES = re.compile(r"[^\S\n]+")
# a line break inside a paragraph; not before a list item ("- x", "1. x"), a table row, a quote or
# a heading, but before "--track-origins=yes", which a hard-wrapped sentence carries on to
_WRAP = re.compile(r" ?\n ?(?=\S)(?![-*+•]\s|[|>#]|\d+[.)]\s)")


@lru_cache(maxsize=16_384)  # chunks are frozen; each question reads the same few again
def readable_sentences(chunk: Chunk) -> tuple[str, ...]:
    """The chunk's sentences as a reader sees them. A table cell is given its column header and
    row label ("Llama 4 (Open-Weights), Cost: Roughly $0.80 ..."), since alone it says little."""
    if chunk.kind != "table":
        # code lines too: "$ pip install x" reads the same
        code = code_sentences(chunk)
        return tuple(plain(s, code=i in code) for i, s in enumerate(chunk.sentence_texts()))
    return tuple(text for _, text in _table_cells(chunk))


_ITEM_MARK = re.compile(r"[ \t]*(?:[-*+•]|\d{1,3}[.)])[ \t]+")
# a GNU NEWS file's items under its outline ("** Fix computation of total bytes ..."): the sentence
# opens with its marks, which Markdown does not read as a list
_OUTLINE_ITEM = re.compile(r"[ \t]*\*{2,3}[ \t]")


@lru_cache(maxsize=16_384)
def list_item_sentences(chunk: Chunk) -> frozenset[int]:
    """Indexes of the chunk's sentences that open a list item ("- At least 10 GB of free disk
    space", "** Fix computation of ..."), also in a list packed into a prose chunk: an item states
    a fact without a full stop."""
    return frozenset(i for i, (a, _) in enumerate(chunk.sentences)
                     if _ITEM_MARK.fullmatch(before := chunk.text[chunk.text.rfind("\n", 0, a) + 1:a])
                     or (not before.strip() and _OUTLINE_ITEM.match(chunk.text, a)))


@lru_cache(maxsize=16_384)
def code_sentences(chunk: Chunk) -> frozenset[int]:
    """Indexes of the chunk's sentences that are lines of code (a code block, or between the
    fences of one packed with prose): a command states no sentence and needs no full stop."""
    if chunk.kind == "code":
        return frozenset(range(len(chunk.sentences)))
    fenced, inside, position = [], False, 0
    for line in sentences.lines_of(chunk.text):
        if line.lstrip().startswith(sentences.FENCES):
            inside = not inside
            if inside:
                fenced.append([position, len(chunk.text)])
            else:
                fenced[-1][1] = position
        position += len(line)
    return frozenset(chunk.code) | frozenset(i for i, (a, _) in enumerate(chunk.sentences)
                                             if any(lo <= a < hi for lo, hi in fenced))


def table_columns(chunk: Chunk) -> tuple[str, ...]:
    """A table's readable cells, one text per column. A comparison table gives each compared thing
    (a model, a plan) a column, so a column is what the table says about that one thing."""
    columns: dict[int, list[str]] = {}
    for column, text in _table_cells(chunk):
        columns.setdefault(column, []).append(text)
    return tuple("\n".join(texts) for texts in columns.values())


def _table_cells(chunk: Chunk) -> list[tuple[int, str]]:
    """(column, readable cell) for each body cell of a pipe table, row by row."""
    lines = chunk.text.splitlines()
    header = _cell_texts(lines[0]) if lines else []
    readable = []
    for line in lines[2:]:
        cells = _cell_texts(line)
        for column, cell in enumerate(cells[1:], start=1):
            if cell:
                heading = header[column] if column < len(header) else ""
                readable.append((column, plain(f"{heading}, {cells[0]}: {cell}")))
    return readable


def _cell_texts(line: str) -> list[str]:
    return [line[span[0]:span[1]] if span else "" for span in sentences.table_cells(line)]


def search_text(chunk: Chunk) -> str:
    """What the dense and lexical indexes see of a chunk: its section path, then its words."""
    body = "\n".join(readable_sentences(chunk)) if chunk.kind == "table" else plain(chunk.text)
    return f"{chunk.section}\n{body}"


def document_words(source: str) -> str:
    """A file's name as words ("apache-license-2.0.txt" -> "apache license 2.0", "README.Debian.txt"
    -> "README Debian": a dot between letters parts words, one between digits is a version's)."""
    return re.sub(r"[-_]+|(?<=[A-Za-z])\.(?=[A-Za-z])", " ", PurePosixPath(source).stem)
