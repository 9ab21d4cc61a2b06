"""Building the index: plan what changed since the serving generation, embed only that, write a
new generation and flip to it.

Files are compared by sha256 with the serving manifest; chunks of unchanged files are reused
as they are, and every text already embedded (by its hash) keeps its vector, so only new text is
embedded. A changed embedder, chunker setting or format forces a full rebuild, with the reason.
One build at a time: a lock file serialises concurrent `rag index` runs.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rag import reader, store
from rag.chunker import chunk as chunk_document, readable_sentences, search_text
from rag.embedder import Embedder
from rag.errors import CorpusError, IndexBusy
from rag.records import Chunk

CHUNKER_VERSION = 1


@dataclass
class BuildReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)  # {"path", "reason"}
    chunks: int = 0
    embedded: int = 0
    seconds: float = 0.0
    generation: str = ""
    rebuild_reason: str = ""
    wrote: bool = False
    dry_run: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def nothing_changed(self) -> bool:
        return not (self.added or self.changed or self.removed or self.rebuild_reason)


def settings_fingerprint(embedder_id: str, chunk_chars: int, max_file_bytes: int) -> dict[str, Any]:
    return {"embedder": embedder_id, "chunker": {"version": CHUNKER_VERSION, "max_chars": chunk_chars,
                                                 "max_file_bytes": max_file_bytes}}


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def embed_texts(chunk: Chunk) -> tuple[list[str], list[str]]:
    """(keys, sentences) to embed for a chunk: its passage text and, for an FAQ answer, its
    question as a key of its own; and each readable sentence, for extractive answering."""
    keys = [search_text(chunk)] + ([chunk.key] if chunk.key else [])
    return keys, readable_sentences(chunk)


def _previous(index_dir: Path) -> tuple[Path | None, dict[str, Any] | None]:
    try:
        generation = store.current_dir(index_dir)
        return generation, store.read_manifest(generation)
    except Exception:  # no index yet, or an unreadable one: build afresh
        return None, None


def _rebuild_reason(manifest: dict[str, Any] | None, fingerprint: dict[str, Any], forced: bool) -> str:
    if forced:
        return "--rebuild asked for it"
    if manifest is None:
        return "no index yet"
    if manifest["embedder"]["id"] != fingerprint["embedder"]:
        return f"embedder changed from {manifest['embedder']['id']} to {fingerprint['embedder']}"
    if manifest["chunker"] != fingerprint["chunker"]:
        return f"chunker settings changed from {manifest['chunker']} to {fingerprint['chunker']}"
    return ""


def plan(files: list[reader.SourceFile], manifest: dict[str, Any] | None, full: bool) -> BuildReport:
    """Sort the corpus files into added / changed / unchanged / removed / skipped."""
    report = BuildReport()
    known = {} if manifest is None else manifest["files"]
    for file in files:
        if file.skip:
            report.skipped.append({"path": file.source, "reason": file.skip})
        elif file.source not in known or known[file.source].get("skip"):
            report.added.append(file.source)
        elif full or known[file.source]["sha256"] != file.sha256:
            report.changed.append(file.source)
        else:
            report.unchanged.append(file.source)
    present = {f.source for f in files if not f.skip}
    report.removed = sorted(s for s, v in known.items() if s not in present and not v.get("skip"))
    return report


class Builder:
    """One incremental build of `corpus_dir` into `index_dir`."""

    def __init__(self, corpus_dir: Path, index_dir: Path, embedder: Embedder, chunk_chars: int = 900,
                 max_file_bytes: int = 5_000_000, progress: Callable[[int, int], None] | None = None):
        self.corpus_dir, self.index_dir, self.embedder = corpus_dir, index_dir, embedder
        self.chunk_chars, self.max_file_bytes = chunk_chars, max_file_bytes
        self.progress = progress  # called with (done, total) texts embedded

    def run(self, rebuild: bool = False, dry_run: bool = False) -> BuildReport:
        if not self.corpus_dir.is_dir():
            raise CorpusError(f"corpus folder {self.corpus_dir} does not exist: create it or pass --corpus")
        self.index_dir.mkdir(parents=True, exist_ok=True)
        from filelock import FileLock, Timeout

        try:
            with FileLock(str(self.index_dir / "lock"), timeout=600):
                return self._run_locked(rebuild, dry_run)
        except Timeout as exc:
            raise IndexBusy(f"another `rag index` has held {self.index_dir}/lock for 10 minutes; "
                            "wait for it or stop it") from exc

    def _run_locked(self, rebuild: bool, dry_run: bool) -> BuildReport:
        started = time.perf_counter()
        fingerprint = settings_fingerprint(self.embedder.id, self.chunk_chars, self.max_file_bytes)
        previous_dir, manifest = _previous(self.index_dir)
        reason = _rebuild_reason(manifest, fingerprint, rebuild)
        files = list(reader.scan(self.corpus_dir, self.max_file_bytes))
        report = plan(files, None if reason else manifest, full=bool(reason))
        report.rebuild_reason, report.dry_run = reason, dry_run
        skips_same = manifest is not None and {s["path"]: s["reason"] for s in report.skipped} == \
            {p: v["skip"] for p, v in manifest["files"].items() if v.get("skip")}
        if dry_run or (report.nothing_changed and skips_same):
            report.generation = previous_dir.name if previous_dir else ""
            report.chunks = sum(v.get("chunks", 0) for v in (manifest or {"files": {}})["files"].values())
            report.seconds = time.perf_counter() - started
            return report
        self._write(files, report, previous_dir, fingerprint, reuse=not reason)
        report.seconds = time.perf_counter() - started
        return report

    def _chunks(self, files: list[reader.SourceFile], report: BuildReport,
                previous_rows: list[dict[str, Any]]) -> tuple[list[tuple[Chunk, dict]], dict[str, str]]:
        """(chunk, its claim definitions) for every indexed file, and files that failed to read."""
        reused: dict[str, list[tuple[Chunk, dict]]] = {}
        for row in previous_rows:
            chunk = store.chunk_from_json(row["chunk"])
            reused.setdefault(chunk.source, []).append((chunk, row.get("claim_texts", {})))
        keep = set(report.unchanged)
        chunks, failures = [], {}
        for file in files:
            if file.skip:
                continue
            if file.source in keep:
                chunks.extend(reused.get(file.source, []))
                continue
            try:
                document = reader.read(file)
            except (OSError, ValueError, RecursionError) as exc:  # a file's content never stops a build
                failures[file.source] = f"could not be read: {exc}"
                continue
            defined = {c.marker: c.text for c in document.claims}
            chunks.extend((c, {m: defined[m] for m in c.claims})
                          for c in chunk_document(document, self.chunk_chars))
        return chunks, failures

    def _write(self, files, report: BuildReport, previous_dir: Path | None, fingerprint, reuse: bool) -> None:
        """Write the new generation; with `reuse`, chunks and vectors of the previous one are kept
        where their file or text is unchanged."""
        source = previous_dir if reuse else None
        previous_rows = store.read_rows(source) if source else []
        pairs, failures = self._chunks(files, report, previous_rows)
        chunks = [chunk for chunk, _ in pairs]
        for source, why in failures.items():
            report.skipped.append({"path": source, "reason": why})
            for bucket in (report.added, report.changed):
                if source in bucket:
                    bucket.remove(source)
        vectors, rows, hashes = self._vectors(pairs, source, report)
        name = store.new_generation_name()
        manifest = self._manifest(files, chunks, failures, fingerprint, report, previous_dir)
        from rag.search import build_files

        contents = {"manifest.json": json.dumps(manifest, indent=1, sort_keys=True).encode(),
                    "chunks.jsonl": store.chunks_jsonl(rows), "vectors.npy": vectors,
                    "texts.json": json.dumps(hashes).encode()}
        contents.update(build_files(chunks, rows, vectors))
        store.write_generation(self.index_dir, name, contents)
        store.point_at(self.index_dir, name)
        store.prune(self.index_dir, keep={name, previous_dir.name if previous_dir else ""})
        report.generation, report.chunks, report.wrote = name, len(chunks), True

    def _vectors(self, pairs, previous_dir, report):
        """Assemble the vector matrix, embedding only texts no earlier generation embedded."""
        known: dict[str, np.ndarray] = {}
        if previous_dir is not None:
            old = store.read_vectors(previous_dir)
            hashes = json.loads((previous_dir / "texts.json").read_text())
            known = {h: old[i] for i, h in enumerate(hashes)}
        texts, hashes, rows = [], [], []
        for chunk, claim_texts in pairs:
            keys, sentences = embed_texts(chunk)
            first = len(texts)
            texts += keys + sentences
            rows.append(store.chunk_row(chunk, list(range(first, first + len(keys))),
                                        list(range(first + len(keys), len(texts))), claim_texts))
        hashes = [text_hash(t) for t in texts]
        todo = sorted({h: t for h, t in zip(hashes, texts) if h not in known}.items())
        fresh = self._embed([t for _, t in todo])
        known.update({h: fresh[i] for i, (h, _) in enumerate(todo)})
        report.embedded = len(todo)
        dim = self.embedder.dim
        vectors = np.vstack([known[h] for h in hashes]) if hashes else np.zeros((0, dim), np.float32)
        return vectors.astype(np.float32), rows, hashes

    def _embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.embedder.dim), np.float32)
        done = 0

        def step(count: int) -> None:
            nonlocal done
            done += count
            if self.progress:
                self.progress(done, len(texts))

        return self.embedder.embed(texts, progress=step)

    def _manifest(self, files, chunks, failures, fingerprint, report, previous_dir) -> dict[str, Any]:
        per_file: dict[str, dict[str, Any]] = {}
        for file in files:
            entry = {"sha256": file.sha256, "size": file.size}
            why = file.skip or failures.get(file.source, "")
            entry.update({"skip": why} if why else {"chunks": 0})
            per_file[file.source] = entry
        for chunk in chunks:
            per_file[chunk.source]["chunks"] += 1
        return {"format": store.FORMAT_VERSION, "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "embedder": {"id": fingerprint["embedder"], "dim": self.embedder.dim},
                "chunker": fingerprint["chunker"], "files": per_file,
                "parent": previous_dir.name if previous_dir else None, "counts": {"chunks": len(chunks), "files": len(per_file)}}


def rollback(index_dir: Path) -> str:
    """Point the index back at the generation the serving one was built from."""
    from rag.errors import IndexMissing

    manifest = store.read_manifest(store.current_dir(index_dir))
    parent = manifest.get("parent")
    if not parent or not (store.generations_dir(index_dir) / parent / "manifest.json").is_file():
        raise IndexMissing("there is no earlier generation to roll back to")
    store.point_at(index_dir, parent)
    return parent
