"""Reading the corpus folder: which files become `Document`s, and why the others are skipped.

Markdown and plain text keep the file's text (spans map into it; a configuration file's comment
marks read as spaces, one for one, `configuration.uncommented`); HTML becomes extracted text
(`rag.ingest.html`), and so does reStructuredText, rendered to HTML first
(`rag.ingest.restructured`); a PDF gives its text layer (`rag.ingest.pdf`), a Word document the
Markdown its styles amount to (`rag.ingest.word`). Any other file is read as plain text when its
content is text (a README or NEWS without a suffix, Org, AsciiDoc, an XML or .conf configuration
sample), and skipped as an unsupported type when it is not. Nothing outside the corpus folder is
opened: links leaving it, hidden entries and special files are skipped with a reason that the
index report and manifest keep.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rag.errors import CorpusError
from rag.ingest import html, markdown, pdf, plaintext, restructured, sentences, word
from rag.records import Document

MARKDOWN = {".md", ".markdown"}
TEXT = {".txt"}
HTML = {".html", ".htm"}
RESTRUCTURED = {".rst"}
XML = {".xml"}
# Types read by their own parser; a text file of any other type is read as plain text. Only the
# content tells a document from an image: a user's own docs come as README, NEWS.Debian,
# guide.org or settings.xml, and two of the twelfth blind set's ten were skipped by type alone.
SUFFIXES = MARKDOWN | TEXT | HTML | RESTRUCTURED | pdf.SUFFIXES | word.SUFFIXES
# Binary formats read by their own reader, and how each file of them opens.
BINARY_DOCUMENTS = {**{s: pdf.MAGIC for s in pdf.SUFFIXES}, **{s: word.MAGIC for s in word.SUFFIXES}}
# Text that is no document: source code, data and drawings (an SVG logo is XML text), which a
# folder of docs picks up beside them, and what editors leave behind ("guide.md~", "#guide.md#"),
# which would answer every question twice. Each is skipped with its reason.
NOT_DOCUMENTS = frozenset("""
.py .pyi .js .mjs .cjs .ts .tsx .jsx .c .h .cc .cpp .cxx .hpp .java .kt .scala .go .rs .rb .php .cs
.swift .m .pl .pm .lua .r .jl .sql .css .scss .sass .less .vue .svelte .ipynb
.json .jsonl .ndjson .csv .tsv .lock .map .log .pem .crt .key .svg .eps .ps
""".split())
TEMPORARY_SUFFIXES = ("~", ".swp", ".swx", ".tmp", ".part", ".crdownload", ".bak", ".orig", ".rej")
UTF8_MULTIBYTE = re.compile("[^\x00-\x7f\ufffd]")  # a character only valid UTF-8 decodes to
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
SNIFF_BYTES = 8192  # what tells text from binary


@dataclass(frozen=True)
class SourceFile:
    """A file found in the corpus: its path relative to the corpus, and its content hash."""

    source: str  # relative, forward slashes; a skipped folder ends in "/"
    path: Path
    sha256: str
    size: int
    skip: str = ""  # why it is not indexed; "" when it is


# -- finding files -------------------------------------------------------------------------------

def _entries(root: Path, exclude: Path | None) -> Iterator[tuple[str, Path, str]]:
    """(source, path, skip reason) of every entry worth reporting. Iterative, so 50-deep folders
    cost no recursion; hidden and linked folders are reported once and never entered."""
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as exc:
            if folder == root:
                raise CorpusError(f"cannot list the corpus folder {root}: {exc.strerror}") from exc
            yield folder.relative_to(root).as_posix() + "/", folder, f"unreadable folder ({exc.strerror})"
            continue
        for entry in entries:
            path = Path(entry.path)
            source = path.relative_to(root).as_posix()
            is_dir = entry.is_dir(follow_symlinks=False)
            if entry.name.startswith("."):
                yield source + ("/" if is_dir else ""), path, "hidden"
            elif is_dir and exclude is not None and path.resolve() == exclude:
                continue  # the index folder kept inside the corpus: our own output, not a source
            elif is_dir:
                stack.append(path)
            else:
                yield source, path, ""


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _open(path: Path) -> int:
    """A read-only descriptor; O_NOFOLLOW so a link swapped in after the check is not followed,
    O_NONBLOCK so a FIFO cannot hang the build (it is then refused as not a regular file)."""
    return os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)


def _read_capped(path: Path, max_bytes: int) -> bytes | str:
    """The file's bytes, or the reason it is skipped. Reads at most `max_bytes + 1` bytes."""
    fd = _open(path)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return "not a regular file"
        if info.st_size > max_bytes:
            return _too_large(max_bytes)
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(max_bytes + 1)
    finally:
        os.close(fd)
    if len(data) > max_bytes:  # it grew since fstat
        return _too_large(max_bytes)
    return data if data.strip() else "empty"


def _too_large(max_bytes: int) -> str:
    # a PDF with pictures passes 5 MB easily, though its text is small: say how to take it in
    return f"larger than the {max_bytes:,}-byte cap (raise max_file_bytes in rag.toml, or RAG_MAX_FILE_BYTES)"


def _head(path: Path) -> bytes:
    """The first bytes `is_binary` reads, and no more: an image or an archive is told by them."""
    fd = _open(path)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return b""  # `_read_capped` says what it is
        return os.read(fd, SNIFF_BYTES)
    finally:
        os.close(fd)


_CONTROL_BYTES = bytes([*range(9), *range(14, 32), 127])


def is_binary(data: bytes) -> bool:
    """NUL bytes (outside UTF-16) or mostly control bytes in the first 8 KB."""
    head = data[:SNIFF_BYTES]
    if head.startswith(UTF16_BOMS):
        return False
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))  # C speed: this runs on every scan
    return b"\0" in head or controls > len(head) // 10


def _examine(real_root: str, source: str, path: Path, max_bytes: int) -> SourceFile:
    target = path
    if path.is_symlink():
        real = os.path.realpath(path)
        if not _inside(real, real_root):
            return SourceFile(source, path, "", 0, "symlink pointing outside the corpus")
        if os.path.isdir(real):
            return SourceFile(source, path, "", 0, "link to a folder (not followed; its files are "
                                                   "indexed under their own paths)")
        target = Path(real)
    why_not = not_a_document(path.name)
    if why_not:
        return SourceFile(source, path, "", 0, why_not)
    try:
        if path.suffix.lower() not in SUFFIXES and is_binary(_head(target)):
            return SourceFile(source, path, "", 0, f"unsupported type {path.suffix or '(none)'}")
        data = _read_capped(target, max_bytes)
    except OSError as exc:
        return SourceFile(source, path, "", 0, f"unreadable ({exc.strerror or exc})")
    if isinstance(data, str):
        return SourceFile(source, path, "", 0, data)
    magic = BINARY_DOCUMENTS.get(path.suffix.lower())
    if magic is not None:  # binary by nature: read by its own reader
        if not data.startswith(magic):
            why = f"named {path.suffix.lower()} but its content is something else"
            return SourceFile(source, path, "", len(data), why)
    elif is_binary(data):
        return SourceFile(source, path, "", len(data), "binary")
    return SourceFile(source, path, hashlib.sha256(data).hexdigest(), len(data))


def is_temporary(name: str) -> bool:
    """An editor's backup, swap or autosave file, or a download in progress."""
    return name.endswith(TEMPORARY_SUFFIXES) or (name.startswith("#") and name.endswith("#"))


def not_a_document(name: str) -> str:
    """Why a file of this name is not read as a document (`NOT_DOCUMENTS`), or ""."""
    if is_temporary(name):
        return "an editor's backup or temporary file"
    suffix = Path(name).suffix.lower()
    if suffix in NOT_DOCUMENTS:
        return f"source code or data, not a document ({suffix}; rename it .txt to index it)"
    return ""


def scan(root: Path, max_bytes: int, exclude: Path | None = None) -> Iterator[SourceFile]:
    """Every entry under `root`, sorted by path, with its hash or the reason it is skipped.
    `exclude` (the index folder, if it lives in the corpus) is passed over silently."""
    real_root = os.path.realpath(root)
    exclude = exclude.resolve() if exclude is not None else None
    for source, path, skip in sorted(_entries(root, exclude)):
        yield SourceFile(source, path, "", 0, skip) if skip else \
            _examine(real_root, source, path, max_bytes)


# -- turning a file into a Document ------------------------------------------------------------

def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with a BOM. Otherwise: a few bad bytes in UTF-8 text
    become U+FFFD and the file is indexed, since one stray byte should not hide a document;
    text in a legacy encoding (cp1252, Shift-JIS...) is recognised by charset-normalizer when it
    is installed; anything still mostly undecodable raises ValueError, so it is skipped."""
    if data.startswith(UTF16_BOMS):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8-sig", errors="replace")
    bad = text.count("\ufffd")
    if bad <= len(text) // 100 or (UTF8_MULTIBYTE.search(text) and bad <= len(text) // 10):
        return text  # UTF-8 with a few stray bytes
    guessed = _guess(data)
    if guessed is not None:
        return guessed
    if bad > len(text) // 10:
        raise ValueError("not text in UTF-8 or any encoding recognised")
    return text


def _guess(data: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:
        return None
    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        return None
    # Western text often fits cp1250/cp1257 as well as cp1252; on a tie, the far more common wins.
    tied = [m for m in matches if m.encoding == "cp1252" and m.chaos <= best.chaos
            and m.coherence >= best.coherence]
    return str(tied[0] if tied else best)


def _verified(file: SourceFile) -> bytes:
    """The bytes again, checked against the hash taken by `scan`: a file edited in between is
    refused, so the manifest never records a hash of content other than what was indexed."""
    data = _read_capped(file.path.resolve() if file.path.is_symlink() else file.path, file.size)
    if isinstance(data, str) or hashlib.sha256(data).hexdigest() != file.sha256:
        raise ValueError("changed while being indexed; run `rag index` again")
    return data


def read(file: SourceFile) -> Document:
    """Parse a file into a `Document`. For Markdown and text, `Document.text` is the file's text;
    for HTML and reStructuredText it is the text extracted from the page, for a PDF its pages'
    text layer, for a Word document the Markdown of its paragraphs and tables."""
    suffix = file.path.suffix.lower()
    if suffix in BINARY_DOCUMENTS:
        return _binary_document(file)
    text = decode(_verified(file))
    if suffix in HTML:
        return html.document(file.source, text)
    if suffix in XML or is_xml(text):
        text = settings_shown(comments_opened(text))
    text = sentences.plain_breaks(text)
    if suffix in RESTRUCTURED:
        return restructured.document(file.source, text)
    if suffix in MARKDOWN:
        title, blocks, claims = markdown.parse(text)
        return Document(file.source, text, title or Path(file.source).stem, blocks, claims)
    return plaintext.document(file.source, text)


def _binary_document(file: SourceFile) -> Document:
    if file.path.suffix.lower() in pdf.SUFFIXES:
        return pdf.document(file.source, _verified(file))
    return word.document(file.source, _verified(file))


_MARGIN = re.compile(r"^([ \t]*)([|*])(?=[ \t]|$)", re.M)  # " | text", " * text": a comment's left margin


def is_xml(text: str) -> bool:
    """Whether the text is XML whatever its suffix: Mesa's driconf file is 00-mesa-defaults.conf,
    and its explanations are all in comments."""
    return text.lstrip("\ufeff \t\r\n").startswith("<?xml")


# An element opening with attributes: in XML they hold the settings ('<option name="x" value="1"/>').
_ELEMENT_WITH_ATTRIBUTES = re.compile(r"<([A-Za-z][\w-]{0,30})(?=\s+[\w:.-]{1,60}\s*=)")


def settings_shown(text: str) -> str:
    """An XML file's elements named like HTML's ("option", "source") opened to text where they
    carry attributes, one character for one: in XML no element is markup to hide, and Mesa's
    driconf states each setting as '<option name="..." value="..."/>'."""
    return _ELEMENT_WITH_ATTRIBUTES.sub(
        lambda m: " " + m.group(1) if m.group(1).lower() in markdown.HTML_ELEMENTS else m.group(), text)


def comments_opened(text: str) -> str:
    """An XML file with its comment marks as spaces, one for one: a configuration sample explains
    each setting in comments (Maven's settings.xml), which would otherwise be dropped as markup.
    A comment's left margin of "|" or "*" goes too, so its lines unwrap into sentences. The
    elements stay: their names are the settings' names, and only HTML's are markup. One pass
    with `str.find`: an unclosed "<!--" costs no rescan."""
    pieces, position = [], 0
    while (start := text.find("<!--", position)) >= 0:
        end = text.find("-->", start + 4)
        if end < 0:
            break
        inside = _MARGIN.sub(lambda m: m.group(1) + " ", text[start + 4:end])
        pieces += [text[position:start], "    ", inside, "   "]
        position = end + 3
    return "".join(pieces) + text[position:]


def read_as_text(file: SourceFile) -> Document:
    """The file read as plain text, whatever its type: when a page's structure cannot be parsed
    (corpus8's DocBook spec once failed so), the document loses its headings, not its words. A
    PDF or a Word document has no text to fall back on but what its own reader finds."""
    if file.path.suffix.lower() in BINARY_DOCUMENTS:
        return _binary_document(file)
    text = decode(_verified(file))
    text = html.page_text(text) if file.path.suffix.lower() in HTML else sentences.plain_breaks(text)
    return plaintext.document(file.source, text)
