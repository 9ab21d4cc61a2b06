"""Index generations on disk: write one, point at it atomically, read the current one back.

Layout of the index folder: `generations/<name>/` (manifest.json, chunks.jsonl, vectors.npy,
dense.faiss, sentences.faiss, bm25/), `CURRENT` (the name of the generation that serves) and
`lock`. A generation is written under a temporary name, fsynced and renamed; then `CURRENT` is
replaced the same way.
Readers therefore see the old index or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import IndexDamaged, IndexMismatch, IndexMissing
from rag.records import Chunk

FORMAT_VERSION = 3  # 2: sentences.faiss, a dense index over single sentences; 3: per-file sha256 in the manifest
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
    """A name that sorts by time: the second and its nanoseconds, from one clock reading (read
    twice, a build at the turn of a second was named as if a second earlier, sorted as the oldest,
    and pruning kept the wrong generations)."""
    now = time.time_ns()
    return time.strftime("gen-%Y%m%dT%H%M%S", time.localtime(now // 1_000_000_000)) + f"-{now % 1_000_000_000:09d}"


def write_generation(index_dir: Path, name: str, files: dict[str, Any]) -> Path:
    """Write a generation's files (name -> bytes, ndarray, or a callable that writes into a
    folder path) under a temporary folder, fsync them and rename it into place. "manifest.json",
    a dict, is written last with the size and sha256 of every other file added."""
    final = generations_dir(index_dir) / name
    tmp = generations_dir(index_dir) / f".tmp-{name}"
    tmp.mkdir(parents=True)
    files = dict(files)
    manifest = files.pop("manifest.json")
    for file_name, content in files.items():
        target = tmp / file_name
        if callable(content):
            content(target)
        elif isinstance(content, np.ndarray):
            with open(target, "wb") as handle:
                np.save(handle, content)
        else:
            target.write_bytes(content)
    manifest = {**manifest, "checksums": checksums(tmp)}
    (tmp / "manifest.json").write_bytes(json.dumps(manifest, indent=1, sort_keys=True).encode())
    for path in sorted(tmp.rglob("*")):  # files and sub-folders (bm25/) alike
        _fsync_path(path)
    _fsync_path(tmp)
    os.replace(tmp, final)
    _fsync_path(final.parent)
    return final


def checksums(generation: Path) -> dict[str, dict[str, Any]]:
    """{relative path: {"size", "sha256"}} of every file of a generation but its manifest."""
    found = {}
    for path in sorted(p for p in generation.rglob("*") if p.is_file() and p.name != "manifest.json"):
        found[path.relative_to(generation).as_posix()] = {"size": path.stat().st_size, "sha256": _sha256(path)}
    return found


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _problem(path: Path, expected: dict[str, Any]) -> str:
    if not path.is_file():
        return "missing"
    if path.stat().st_size != expected["size"]:
        return f"{path.stat().st_size} bytes, not {expected['size']}"
    return "sha256 differs" if _sha256(path) != expected["sha256"] else ""


def verify(generation: Path) -> dict[str, Any]:
    """The generation's manifest once every file matches the size and sha256 it records (and
    chunks.jsonl holds the chunk count); IndexDamaged naming the first file that does not."""
    fix = "run `rag index --rebuild`, or `rag index --rollback` to serve the previous one"
    try:
        manifest = read_manifest(generation)
    except (OSError, ValueError) as exc:
        raise IndexDamaged(f"index generation {generation.name} is damaged (manifest.json: {exc}): {fix}") from exc
    recorded = manifest.get("checksums") or {}
    if "chunks.jsonl" not in recorded:
        raise IndexDamaged(f"index generation {generation.name} is damaged (no checksums recorded): {fix}")
    for name, expected in recorded.items():
        problem = _problem(generation / name, expected)
        if problem:
            raise IndexDamaged(f"index generation {generation.name} is damaged ({name}: {problem}): {fix}")
    with open(generation / "chunks.jsonl", "rb") as handle:
        lines = sum(1 for _ in handle)
    if lines != manifest["counts"]["chunks"]:
        raise IndexDamaged(f"index generation {generation.name} is damaged (chunks.jsonl holds {lines} "
                           f"chunks, not {manifest['counts']['chunks']}): {fix}")
    return manifest


def good_generation(index_dir: Path) -> tuple[Path, str]:
    """(generation to serve, "" or the one-line report of why the current one is not served): the
    current one when it verifies, else the newest earlier one that does."""
    name = current_name(index_dir)
    if name is None:
        raise IndexMissing(f"no index in {index_dir}: run `rag index` to build it")
    current = generations_dir(index_dir) / name
    try:
        verify(current)
        return current, ""
    except (IndexDamaged, IndexMismatch) as exc:
        damage = str(exc)
    others = sorted((p for p in generations_dir(index_dir).iterdir()
                     if p.is_dir() and not p.name.startswith(".") and p != current), reverse=True)
    for generation in others:
        try:
            verify(generation)
        except (IndexDamaged, IndexMismatch):
            continue
        return generation, f"{damage}; serving {generation.name} meanwhile"
    raise IndexDamaged(damage)


def clean_leftovers(index_dir: Path) -> None:
    """Remove the `.tmp-*` folders a killed build left behind (called under the build lock)."""
    root = generations_dir(index_dir)
    if root.is_dir():
        for path in root.iterdir():
            if path.name.startswith((".tmp-", ".trash-")):
                shutil.rmtree(path, ignore_errors=True)


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
    data["code"] = tuple(data.get("code", ()))
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
