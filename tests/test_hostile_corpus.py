"""A hostile corpus: every file is either indexed correctly or skipped with a reason that the
report shows and the manifest keeps; the build never crashes on content, never hangs, and never
opens anything outside the corpus folder."""

from __future__ import annotations

import codecs
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from rag.embed.embedder import HashingEmbedder
from rag.index import store
from rag.index.builder import Builder
from rag.index.search import Index
from rag.ingest import reader, sentences
from rag.ingest.chunker import chunk
from tests.pdf_files import pdf_bytes

FIXTURE_CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"
SECRET = "xyzzysecretword"
CAP = 50_000
PAGE = """<!doctype html><html><head><title>Kettle page</title>
<style>body { font-family: stylesheetonlyword; }</style>
<script>var scriptonlyword = document.title;</script></head>
<body><nav><a href="/">navonlyword</a></nav>
<h1>Electric Kettles</h1><p>An electric kettle boils one litre of water in about three minutes.</p>
<h2>Safety</h2><ul><li>Never fill above the maximum mark.</li><li>Descale it every month.</li></ul>
<table><tr><th>Model</th><th>Power</th></tr><tr><td>K1</td><td>2200 watts</td></tr></table>
<noscript>noscriptonlyword</noscript></body></html>"""

# path -> the start of the reason it is skipped with
SKIPPED = {
    "blob.md": "binary",
    "empty.md": "empty",
    "blank.txt": "empty",
    "huge.md": "larger than the 50,000-byte cap",
    "leak.md": "symlink pointing outside the corpus",
    "outdir": "symlink pointing outside the corpus",
    "linked-folder": "link to a folder",
    ".hidden.md": "hidden",
    ".git/": "hidden",
    "photo.png": "unsupported type .png",
    "pipe.md": "not a regular file",
    "broken.md": "unreadable",
    "locked.md": "unreadable",
    "garbage.txt": "could not be read",
    "fake.pdf": "named .pdf but its content is something else",
    "fake.docx": "named .docx but its content is something else",
    "scan.pdf": "could not be read: NoTextLayer: the PDF has no text layer (a scan?): run OCR",
}
INDEXED = ["alias.md", "coffee.md", "crlf.txt", "kettle.html", "latin1.txt", "nested/" + "d/" * 49 + "deep.md",
           "rivers.txt", "separators.md", "solar.md", "stray.md", "utf16.txt"]


def _make_hostile(corpus: Path, outside: Path) -> None:
    outside.mkdir()
    (outside / "secret.md").write_text(f"# Secret\n\nThe password is {SECRET}.\n")
    (corpus / "blob.md").write_bytes(b"# Looks like Markdown\n\0\1\2\3" + os.urandom(2000))
    (corpus / "empty.md").write_bytes(b"")
    (corpus / "blank.txt").write_text("  \n\n\t\n")
    (corpus / "huge.md").write_text("# Huge\n\n" + "A sentence that fills the file. " * 2000)
    (corpus / "leak.md").symlink_to(outside / "secret.md")
    (corpus / "outdir").symlink_to(outside, target_is_directory=True)
    (corpus / "linked-folder").symlink_to(corpus / "nested", target_is_directory=True)
    (corpus / "alias.md").symlink_to(corpus / "coffee.md")
    (corpus / "broken.md").symlink_to(corpus / "missing.md")
    (corpus / ".hidden.md").write_text(f"# Hidden\n\n{SECRET} hidden.\n")
    (corpus / ".git").mkdir()
    (corpus / ".git" / "notes.md").write_text(f"# Git\n\n{SECRET} in git.\n")
    (corpus / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    (corpus / "fake.pdf").write_text("# Not a PDF\n\nA Markdown note saved under the wrong name.\n")
    (corpus / "fake.docx").write_text("Notes saved under the wrong name.\n")
    (corpus / "scan.pdf").write_bytes(pdf_bytes([[], []]))  # pages of images only: no text layer
    os.mkfifo(corpus / "pipe.md")
    (corpus / "locked.md").write_text("# Locked\n\nYou cannot read this.\n")
    (corpus / "locked.md").chmod(0)
    (corpus / "garbage.txt").write_bytes(bytes(range(0x80, 0x100)) * 40)  # no encoding makes text of it
    (corpus / "stray.md").write_bytes("# Stray byte\n\nCafé au lait costs 3 euros. \xff Enjoy.\n".encode()
                                      .replace(b"\xc3\xbf", b"\xff"))
    (corpus / "latin1.txt").write_bytes(("Crème brûlée est un dessert français très apprécié. Le café "
                                         "crème et le thé à la menthe sont servis après. " * 5).encode("cp1252"))
    (corpus / "utf16.txt").write_bytes(codecs.BOM_UTF16_LE + "Tea from Darjeeling is picked in spring.\n"
                                       .encode("utf-16-le"))
    (corpus / "crlf.txt").write_bytes(b"First paragraph about ferries.\r\n\r\nSecond paragraph about trains.\r\n")
    (corpus / "separators.md").write_text("# Odd breaks\n\nLine one\u2028still line one.\x0cAnd a form feed.\n\n"
                                          "Second paragraph.\n")
    (corpus / "kettle.html").write_text(PAGE)
    deep = corpus / "nested" / Path(*["d"] * 49)
    deep.mkdir(parents=True)
    (deep / "deep.md").write_text("# Deep\n\nThe deepest file mentions abyssal plains.\n")


class _Unreadable:
    """Root reads anything, so chmod 000 alone cannot fail: refuse that one path in `reader._open`."""

    def __init__(self, real_open, path: Path):
        self.real_open, self.path = real_open, path

    def __call__(self, path):
        if Path(path).name == self.path.name:
            raise PermissionError(13, "Permission denied")
        return self.real_open(path)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The fixture corpus plus every hostile case, built once; every open during the build is
    recorded by an audit hook."""
    root = tmp_path_factory.mktemp("hostile")
    corpus, outside = root / "corpus", root / "outside"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    _make_hostile(corpus, outside)
    opened: list[str] = []
    recording = [True]

    def hook(event, args):
        if recording[0] and event in ("open", "os.scandir", "os.listdir") and args and args[0] is not None:
            opened.append(os.fsdecode(args[0]) if isinstance(args[0], (str, bytes, os.PathLike)) else "")

    sys.addaudithook(hook)  # hooks cannot be removed; `recording` switches this one off
    patch = pytest.MonkeyPatch()
    try:
        os.open(corpus / "locked.md", os.O_RDONLY)  # succeeds when run as root
        patch.setattr(reader, "_open", _Unreadable(reader._open, corpus / "locked.md"))
    except PermissionError:
        pass
    try:
        started = time.perf_counter()
        report = Builder(corpus, root / "index", HashingEmbedder(), 900, CAP).run()
        seconds = time.perf_counter() - started
    finally:
        recording[0] = False
        patch.undo()
    return corpus, outside, root / "index", report, opened, seconds


@pytest.mark.parametrize("path, reason", sorted(SKIPPED.items()))
def test_skipped_with_reason_in_report_and_manifest(hostile, path, reason):
    _, _, index_dir, report, _, _ = hostile
    reported = {s["path"]: s["reason"] for s in report.skipped}
    assert reported.get(path, "").startswith(reason), reported
    manifest = store.read_manifest(store.current_dir(index_dir))
    assert manifest["files"][path]["skip"] == reported[path]


def test_everything_else_is_indexed(hostile):
    _, _, index_dir, report, _, _ = hostile
    index = Index(store.current_dir(index_dir))
    assert sorted({c.source for c in index.chunks}) == INDEXED
    assert sorted(report.added) == INDEXED
    assert set(index.manifest["files"]) == set(INDEXED) | set(SKIPPED)


def test_nothing_outside_the_corpus_is_opened_or_indexed(hostile):
    _, outside, index_dir, _, opened, _ = hostile
    assert not [p for p in opened if str(outside) in os.path.realpath(p)]
    index = Index(store.current_dir(index_dir))
    assert not [c for c in index.chunks if SECRET in c.text]


def test_spans_stay_exact_for_odd_files(hostile):
    corpus, _, index_dir, _, _, _ = hostile
    index = Index(store.current_dir(index_dir))
    for c in index.chunks:
        if c.source.endswith((".md", ".txt")) and c.source != "utf16.txt":
            text = reader.decode((corpus / c.source).read_bytes())
            text = sentences.plain_breaks(text)
            assert text[c.start:c.end] == c.text and c.text.strip(), c.source


def test_decoded_text_is_right(hostile):
    _, _, index_dir, _, _, _ = hostile
    texts = {c.source: c.text for c in Index(store.current_dir(index_dir)).chunks}
    assert "Crème brûlée" in texts["latin1.txt"]  # cp1252 recognised, not U+FFFD
    assert "Café au lait" in texts["stray.md"] and "\ufffd" in texts["stray.md"]  # one bad byte kept as U+FFFD
    assert "Darjeeling" in texts["utf16.txt"]


def test_crlf_paragraphs_split(hostile):
    _, _, index_dir, _, _, _ = hostile
    index = Index(store.current_dir(index_dir))
    document = [c for c in index.chunks if c.source == "crlf.txt"]
    assert len(document) == 1 and document[0].text.startswith("First paragraph")
    assert "Second paragraph about trains." in document[0].text


def test_html_drops_scripts_styles_and_nav_and_keeps_headings(hostile):
    _, _, index_dir, _, _, _ = hostile
    chunks = [c for c in Index(store.current_dir(index_dir)).chunks if c.source == "kettle.html"]
    text = "\n".join(c.text for c in chunks)
    for word in ("scriptonlyword", "stylesheetonlyword", "navonlyword", "noscriptonlyword"):
        assert word not in text
    assert "three minutes" in text and "Descale it every month." in text and "2200 watts" in text
    # the page's <title> ("Kettle page") names the document, so its <h1> heads the section path
    assert {c.section for c in chunks} == {"Electric Kettles", "Electric Kettles › Safety"}
    assert any(c.kind == "table" for c in chunks) and any(c.kind == "list" for c in chunks)


def test_second_build_changes_nothing(hostile):
    corpus, _, index_dir, _, _, _ = hostile
    patch = pytest.MonkeyPatch()
    patch.setattr(reader, "_open", _Unreadable(reader._open, corpus / "locked.md"))
    try:
        report = Builder(corpus, index_dir, HashingEmbedder(), 900, CAP).run()
    finally:
        patch.undo()
    assert not report.wrote and report.embedded == 0 and sorted(report.unchanged) == INDEXED


def _long_line_document(tmp_path: Path, text: str, name: str = "long.txt"):
    path = tmp_path / name
    path.write_text(text)
    data = path.read_bytes()
    import hashlib

    file = reader.SourceFile(name, path, hashlib.sha256(data).hexdigest(), len(data))
    document = reader.read(file)
    return document, chunk(document, 900)


@pytest.mark.parametrize("kind", ["sentences", "words", "one-token"])
def test_two_megabyte_line_chunks_quickly_within_the_limit(tmp_path, kind):
    pieces = {"sentences": [f"Sentence {i % 50} speaks of item {i % 7}. " for i in range(60_000)],
              "words": ["word "] * 400_000, "one-token": ["x"] * 2_000_000}[kind]
    text = "".join(pieces)[:2_000_000]
    started = time.perf_counter()
    document, chunks = _long_line_document(tmp_path, text)
    seconds = time.perf_counter() - started
    assert seconds < 30  # linear: about a second; a quadratic cut takes minutes
    assert all(0 < c.end - c.start <= 900 for c in chunks)
    assert all(document.text[c.start:c.end] == c.text for c in chunks)
    assert sum(len(c.text) for c in chunks) >= len(text.replace(" ", "")) * 0.99 or kind != "one-token"
    if kind == "sentences":
        assert all(c.text.endswith(".") for c in chunks[:-1])  # cut at sentence ends


def test_long_line_in_markdown_builds(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "long.md").write_text("# Long\n\n" + "".join(f"Fact {i % 40} is true. " for i in range(100_000)))
    report = Builder(corpus, tmp_path / "index", HashingEmbedder()).run()
    assert report.added == ["long.md"] and report.chunks > 1500
    assert all(len(c.text) <= 900 for c in Index(store.current_dir(tmp_path / "index")).chunks)


def test_file_changed_during_the_build_is_skipped_not_mislabelled(built, monkeypatch):
    real_scan = reader.scan

    def scan_then_edit(*args, **kwargs):
        files = list(real_scan(*args, **kwargs))
        (built.corpus / "coffee.md").write_text("# Coffee\n\nEdited after the scan.\n")
        return iter(files)

    (built.corpus / "coffee.md").write_text("# Coffee\n\nEdited before the scan.\n")
    monkeypatch.setattr(reader, "scan", scan_then_edit)
    report = Builder(built.corpus, built.index, HashingEmbedder()).run()
    assert {s["path"]: s["reason"] for s in report.skipped}["coffee.md"].startswith("could not be read")
    monkeypatch.setattr(reader, "scan", real_scan)
    report = Builder(built.corpus, built.index, HashingEmbedder()).run()
    assert report.added == ["coffee.md"]
    chunks = Index(store.current_dir(built.index)).chunks
    assert any("Edited after the scan." in c.text for c in chunks)


def test_a_file_that_breaks_the_chunker_is_skipped(built, monkeypatch):
    import rag.index.builder

    real = rag.index.builder.chunk_document

    def fragile(document, max_chars):
        if document.source == "solar.md":
            raise RecursionError("maximum recursion depth exceeded")
        return real(document, max_chars)

    (built.corpus / "solar.md").write_text("# Solar\n\nChanged so it is read again.\n")
    monkeypatch.setattr(rag.index.builder, "chunk_document", fragile)
    report = Builder(built.corpus, built.index, HashingEmbedder()).run()
    assert report.wrote and "RecursionError" in {s["path"]: s["reason"] for s in report.skipped}["solar.md"]
    assert "solar.md" not in {c.source for c in Index(store.current_dir(built.index)).chunks}


def test_deeply_nested_html_does_not_crash(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "nested.html").write_text("<div>" * 5000 + "<p>Deep words.</p>" + "</div>" * 5000)
    (corpus / "ok.md").write_text("# Fine\n\nA fine file.\n")
    report = Builder(corpus, tmp_path / "index", HashingEmbedder()).run()
    assert report.wrote and "ok.md" in report.added
    assert "nested.html" in report.added or "nested.html" in {s["path"] for s in report.skipped}
