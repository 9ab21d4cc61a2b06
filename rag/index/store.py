"""Index generations on disk: write one, point at it atomically, read the current one back.

Layout of the index folder: `generations/<name>/` (manifest.json, chunks.jsonl, vectors.npy,
dense.faiss, sentences.faiss, bm25/), `CURRENT` (the name of the generation that serves) and
`lock`. A generation is written under a temporary name, fsynced and renamed; then `CURRENT` is
replaced the same way.
Readers therefore see the old index or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import IndexMismatch, IndexMissing
from rag.records import Chunk

FORMAT_VERSION = 2  # 2: sentences.faiss, a dense index over single sentences
KEEP_GENERATIONS = 3  # the serving one, the one `--rollback` returns to, and one more


def generations_dir(index_dir: Path) -> Path:
    return index_dir / "generations"


def current_name(index_dir: Path) -> str | None:
    try:
        return (index_dir / "CURRENT").read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def pointer_stamp(index_dir: Path) -> tuple[int, int] | None:
    """(inode, mtime) of `CURRENT`: every flip replaces the file, so a new stamp means a new
    generation, learnt without reading anything."""
    try:
        status = os.stat(index_dir / "CURRENT")
    except FileNotFoundError:
        return None
    return status.st_ino, status.st_mtime_ns


def current_dir(index_dir: Path) -> Path:
    name = current_name(index_dir)
    if name is None or not (generations_dir(index_dir) / name / "manifest.json").is_file():
        raise IndexMissing(f"no index in {index_dir}: run `rag index` to build it")
    return generations_dir(index_dir) / name


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_path(path.parent)


def new_generation_name() -> str:
    return time.strftime("gen-%Y%m%dT%H%M%S") + f"-{time.time_ns() % 1_000_000_000:09d}"


def write_generation(index_dir: Path, name: str, files: dict[str, Any]) -> Path:
    """Write a generation's files (name -> bytes, ndarray, or a callable that writes into a
    folder path) under a temporary folder, fsync them and rename it into place."""
    final = generations_dir(index_dir) / name
    tmp = generations_dir(index_dir) / f".tmp-{name}"
    tmp.mkdir(parents=True)
    for file_name, content in files.items():
        target = tmp / file_name
        if callable(content):
            content(target)
        elif isinstance(content, np.ndarray):
            with open(target, "wb") as handle:
                np.save(handle, content)
        else:
            target.write_bytes(content)
    for path in sorted(tmp.rglob("*")):  # files and sub-folders (bm25/) alike
        _fsync_path(path)
    _fsync_path(tmp)
    os.replace(tmp, final)
    _fsync_path(final.parent)
    return final


def point_at(index_dir: Path, name: str) -> None:
    """Make `name` the serving generation, atomically."""
    _write_atomic(index_dir / "CURRENT", (name + "\n").encode())


def prune(index_dir: Path, keep: set[str]) -> None:
    """Remove leftovers of failed builds and generations beyond the newest KEEP_GENERATIONS.
    A doomed generation is renamed away before it is deleted, so a crash mid-delete never leaves
    a half-deleted generation that `--rollback` could point at."""
    root = generations_dir(index_dir)
    if not root.is_dir():
        return
    names = sorted((p.name for p in root.iterdir() if not p.name.startswith(".")), reverse=True)
    for name in names[KEEP_GENERATIONS:]:
        if name not in keep:
            os.replace(root / name, root / f".trash-{name}")
    for path in root.iterdir():
        if path.name.startswith((".tmp-", ".trash-")):
            shutil.rmtree(path, ignore_errors=True)


def chunks_jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n" for row in rows).encode()


def chunk_row(chunk: Chunk, key_rows: list[int], sentence_rows: list[int],
              claim_texts: dict[str, str]) -> dict[str, Any]:
    """A line of chunks.jsonl: the chunk, its rows in vectors.npy, and the definitions of the
    claims it carries (so a reused chunk keeps them without re-reading its file)."""
    return {"chunk": asdict(chunk), "key_rows": key_rows, "sentence_rows": sentence_rows,
            "claim_texts": claim_texts}


def chunk_from_json(data: dict[str, Any]) -> Chunk:
    data = dict(data)
    data["claims"] = tuple(data["claims"])
    data["sentences"] = tuple(tuple(span) for span in data["sentences"])
    return Chunk(**data)


def read_manifest(generation: Path) -> dict[str, Any]:
    manifest = json.loads((generation / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT_VERSION:
        raise IndexMismatch(f"index format {manifest.get('format')} is not {FORMAT_VERSION}: "
                            "run `rag index --rebuild`")
    return manifest


def read_rows(generation: Path) -> list[dict[str, Any]]:
    with open(generation / "chunks.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def read_vectors(generation: Path) -> np.ndarray:
    return np.load(generation / "vectors.npy")
