"""Reading one document in a test: its chunks, its sentences by section, or an answer from a
corpus of that one file or of a few, indexed for real (the hashing embedder)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from rag.ingest.chunker import chunk, readable_sentences
from rag.ingest.reader import SourceFile, read


def chunks_of(tmp_path: Path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    data = path.read_bytes()
    document = read(SourceFile(name, path, hashlib.sha256(data).hexdigest(), len(data)))
    return document, chunk(document)


def ask_one_file(tmp_path: Path, name: str, text: str, question: str):
    """The extractive answer to `question` from a corpus of that one file, indexed for real."""
    return ask_files(tmp_path, {name: text}, question)


def ask_files(tmp_path: Path, files: dict[str, str | bytes], question: str):
    """The extractive answer to `question` from a corpus of these files (name: text or bytes)."""
    from rag.service import assistant, builder
    from rag.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir(parents=True)
    for name, content in files.items():
        if isinstance(content, bytes):
            (corpus / name).write_bytes(content)
        else:
            (corpus / name).write_text(content, encoding="utf-8")
    settings = Settings(corpus=corpus, index=tmp_path / "index", embedder="hashing", generator="extractive")
    builder(settings).run()
    return assistant(settings).ask(question)


def sentences_by_section(chunks) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for piece in chunks:
        found.setdefault(piece.section, []).extend(readable_sentences(piece))
    return found


def read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")
