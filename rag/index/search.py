"""Hybrid search over one index generation: dense (FAISS) and BM25 (bm25s), fused by relative
scores (each side min-max scaled, then averaged; reciprocal rank fusion stays as an option).

`build_files` makes the search structures a generation stores; `Index` loads a generation once
and answers `search()` with no file reads. Three rankings are fused: dense over passage keys (a
chunk's text and, for an FAQ answer, its question), dense over single sentences (a fact buried in
a long passage still surfaces), and BM25; a chunk scores by its best key or sentence. A caller
may name what an answer looks like (`prefer`): the passages among the best twenty that state it
are lifted.
"""

from __future__ import annotations

import heapq
import logging
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import IndexMismatch
from rag.index import dense, lexical, store
from rag.ingest.chunker import document_words, search_text
from rag.records import Chunk, Claim, Hit

RRF_K = 60  # the usual reciprocal-rank-fusion constant: rank 1 counts ~2x rank 60, not 60x
# Relative-score fusion keeps how far ahead a hit is, which RRF throws away; on the eval sets it
# measured better (docs/RETRIEVAL.md: MRR 0.917 vs 0.867 for RRF). Equal weights, not tuned, but
# BM25's ranking counts twice when the question holds an identifier (`Index._identifier`).
FUSION = "score"
_IDENTIFIER = re.compile(r"\d\.\d|\w-\w*\d")  # "1.21.3", "gpt-oss-20b" (terms never hold "_")
# A passage that states what the answer looks like ("$0.12 per million input tokens" for "how
# cheap is self hosting") is lifted by this share of the best fused score, among this many of the
# best: the embedding barely relates a figure to the words that ask for it (docs/RETRIEVAL.md,
# tenth session; 0.1 to 0.5 measured alike).
PREFERRED_LIFT, PREFERRED_POOL = 0.25, 20
# A release number ("1.20", "2.14.0", "5.1") in the question; a passage under a heading naming that
# release (or a point release of it: "5.1" names "v5.1.0") is about it, though its own words
# seldom repeat the number: "when did mit kerberos 1.20 come out" ranked "Major changes in 1.20
# (2022-05-26)" eleventh. Lifted by half the best fused score: recall@5 rose on four of the
# nineteen dev corpora (5 items) and fell on none (docs/RETRIEVAL.md, twelfth session).
_RELEASE_NUMBER, RELEASE_LIFT = re.compile(r"v?\d+(?:\.\d+)+"), 0.5


def chunk_terms(chunk: Chunk) -> list[str]:
    """The words BM25 and the gate see of a chunk: its search text, its FAQ key, and the name of
    its file, since a passage deep in a document seldom repeats what the document is about (a
    clause of "apache-license-2.0.txt" never says "Apache"). The embedded key leads with the file
    name too (`rag.index.builder.embed_texts`)."""
    return lexical.terms(f"{document_words(chunk.source)}\n{search_text(chunk)}\n{chunk.key}")


# A file-name word used by more documents than this names no one subject ("try" of Try-Tiny.3pm).
MAX_SUBJECT_DOCUMENTS = 2
_SUBJECT_WORD = re.compile(r"[a-z][a-z0-9]{2,}")


def subject_words(chunks: Sequence[Chunk], terms: Sequence[set[str]]) -> frozenset[str]:
    """Words of file names that name what their document is about ("parso" of parso-README.rst),
    in lower case: used by at most `MAX_SUBJECT_DOCUMENTS` documents. A question naming one asks
    about that document, not about one that never mentions it ("what licence is parso distributed
    under" is not answered by traitlets' licence). `terms`: each chunk's `chunk_terms`."""
    users: dict[str, set[str]] = {}
    for chunk, held in zip(chunks, terms):
        for term in held:
            users.setdefault(term, set()).add(chunk.source)
    words = set()
    for source in {c.source for c in chunks}:
        for word in document_words(source).lower().split():
            stems = lexical.terms(word)
            if _SUBJECT_WORD.fullmatch(word) and len(stems) == 1 \
                    and len(users.get(stems[0], ())) <= MAX_SUBJECT_DOCUMENTS:
                words.add(word)
    return frozenset(words)


def _key_table(rows: Sequence[dict[str, Any]], field: str = "key_rows") -> tuple[np.ndarray, np.ndarray]:
    """(vector row of each key, chunk position of each key); `field` "sentence_rows" for sentences."""
    key_rows = [r for row in rows for r in row[field]]
    owners = [i for i, row in enumerate(rows) for _ in row[field]]
    return np.asarray(key_rows, dtype=np.int64), np.asarray(owners, dtype=np.int64)


def _dense_over(vectors: np.ndarray, rows_of_keys: np.ndarray):
    return dense.make_dense_index(vectors[rows_of_keys] if len(rows_of_keys)
                                  else np.zeros((0, vectors.shape[1]), np.float32))


def _bm25s():
    """bm25s, quietened: it sets its own logger to DEBUG on import, so once a server had set up
    logging, "DEBUG:bm25s:Building index from tokens" reached the `rag serve` console."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


def build_files(chunks: Sequence[Chunk], rows: Sequence[dict[str, Any]], vectors: np.ndarray):
    """The search structures of a generation, as writers for `store.write_generation`."""
    import faiss

    bm25s = _bm25s()

    passages = _dense_over(vectors, _key_table(rows)[0])
    sentences = _dense_over(vectors, _key_table(rows, "sentence_rows")[0])
    corpus = [chunk_terms(c) or ["_"] for c in chunks]  # bm25s needs a token per document

    def write_bm25(folder: Path) -> None:
        if not corpus:  # every file skipped, or none yet: bm25s cannot save an empty index
            folder.mkdir(parents=True, exist_ok=True)
            return
        retriever = bm25s.BM25()
        retriever.index(corpus, show_progress=False)
        retriever.save(str(folder), show_progress=False)

    return {"dense.faiss": lambda path: faiss.write_index(passages, str(path)),
            "sentences.faiss": lambda path: faiss.write_index(sentences, str(path)), "bm25": write_bm25}


class Index:
    """One loaded generation: chunks, their vectors, and the searches over them."""

    def __init__(self, generation: Path):
        import faiss

        bm25s = _bm25s()

        self.generation = generation
        self.manifest = store.read_manifest(generation)
        rows = store.read_rows(generation)
        vectors = store.read_vectors(generation)
        self.chunks = [store.chunk_from_json(row["chunk"]) for row in rows]
        self.claims = {m: Claim(m, t) for row in rows for m, t in row.get("claim_texts", {}).items()}
        self.sentence_vectors = {c.id: vectors[row["sentence_rows"]] for c, row in zip(self.chunks, rows)}
        key_rows, self.key_owner = _key_table(rows)
        self.keys = vectors[key_rows]
        _, self.sentence_owner = _key_table(rows, "sentence_rows")
        self.dense = faiss.read_index(str(generation / "dense.faiss"))
        self.sentence_dense = faiss.read_index(str(generation / "sentences.faiss"))
        for index in (self.dense, self.sentence_dense):
            dense.set_search_params(index, depth=50)  # efSearch does not survive write/read
        dense.configure_threads()  # one OpenMP thread: single queries are slower with two
        self.bm25 = bm25s.BM25.load(str(generation / "bm25"), show_progress=False) if self.chunks else None
        self.vocab = set(self.bm25.vocab_dict) if self.bm25 is not None else set()
        self.terms = [set(chunk_terms(c)) for c in self.chunks]
        # lower-case names in questions: words the corpus writes as names, and what documents are about
        self.proper = lexical.proper_words(c.text for c in self.chunks) | subject_words(self.chunks, self.terms)
        self.identifiers = lexical.identifiers(f"{c.section}\n{c.text}" for c in self.chunks)
        self.releases = [releases_in(c.section) for c in self.chunks]

    @property
    def embedder_id(self) -> str:
        return self.manifest["embedder"]["id"]

    def check(self, embedder_id: str) -> None:
        if embedder_id != self.embedder_id:
            raise IndexMismatch(
                f"the index in {self.generation.parent.parent} was built with embedder {self.embedder_id}, "
                f"but {embedder_id} is configured: run `rag index --rebuild` (or configure the same embedder)")

    def status(self) -> dict[str, Any]:
        files = self.manifest["files"]
        return {"documents": sum(1 for v in files.values() if not v.get("skip")),
                "skipped": sum(1 for v in files.values() if v.get("skip")), "chunks": len(self.chunks),
                "built_at": self.manifest["built_at"], "embedder": self.embedder_id,
                "generation": self.generation.name}

    # -- searching ---------------------------------------------------------------------------

    def dense_ranking(self, query_vector: np.ndarray, depth: int, sentences: bool = False) -> dict[int, float]:
        """Chunk position -> best cosine among the `depth` nearest passage keys (or sentences)."""
        index, owners = (self.sentence_dense, self.sentence_owner) if sentences else (self.dense, self.key_owner)
        if not len(owners):
            return {}
        scores, ids = index.search(query_vector[None, :].astype(np.float32), min(depth, len(owners)))
        best: dict[int, float] = {}
        for score, key in zip(scores[0], ids[0]):
            if key >= 0:
                owner = int(owners[key])
                best[owner] = max(best.get(owner, -1.0), float(score))
        return best

    def lexical_ranking(self, query_terms: list[str], depth: int) -> dict[int, float]:
        known = [t for t in query_terms if t in self.vocab]
        if not known or self.bm25 is None:
            return {}
        ids, scores = self.bm25.retrieve([known], k=min(depth, len(self.chunks)), show_progress=False)
        return {int(i): float(s) for i, s in zip(ids[0], scores[0]) if s > 0}

    def coverage(self, query_words: list[frozenset[str]], position: int) -> float:
        """Share of the query's distinct content words that the chunk contains (a compound word
        counts as found when any of its parts is)."""
        found = sum(1 for group in query_words if group & self.terms[position])
        return found / len(query_words) if query_words else 0.0

    def best_dense(self, query_vector: np.ndarray, position: int) -> float:
        rows = np.flatnonzero(self.key_owner == position)
        return float((self.keys[rows] @ query_vector).max()) if len(rows) else 0.0

    def _identifier(self, term: str) -> bool:
        """A term of the corpus written like an identifier: a version number, or a hyphenated name
        holding a digit."""
        return term in self.vocab and bool(_IDENTIFIER.search(term))

    def search(self, query: str, query_vector: np.ndarray, k: int = 5, mode: str = "hybrid",
               also: Sequence[tuple[str, np.ndarray]] = (),
               prefer: Callable[[str], bool] | None = None) -> list[Hit]:
        """The `k` best chunks for the query; `mode` is "hybrid", "dense" or "bm25". `also`: more
        (query, vector) pairs whose rankings join the fusion (a follow-up searched on its own as
        well as with the conversation); a hit's dense score is its best against any of them.
        `prefer`: whether a passage's text states what the answer looks like (`PREFERRED_LIFT`)."""
        depth = max(50, 4 * k)
        rankings = []
        for text, vector in [(query, query_vector), *also]:
            if mode in ("hybrid", "dense"):
                rankings.append(self.dense_ranking(vector, depth))
                rankings.append(self.dense_ranking(vector, depth, sentences=True))
            if mode in ("hybrid", "bm25"):
                terms = lexical.terms(text)
                lexical_ranking = self.lexical_ranking(terms, depth)
                # an identifier ("1.21.3", "gpt-oss-20b") is matched exactly by BM25
                # and hardly at all by the embedding, so its ranking counts as much as the dense two
                rankings.extend([lexical_ranking] * (2 if any(self._identifier(t) for t in terms) else 1))
        fused = rrf(rankings) if FUSION == "rrf" else relative_scores(rankings)
        if prefer is not None:
            self._lift(fused, prefer)
        named = releases_in(" ".join([query, *(text for text, _ in also)]))
        if named:
            self._lift_releases(fused, named)
        best = sorted(fused, key=lambda p: (-fused[p], p))[:k]
        query_words = lexical.word_groups(query)
        vectors = [query_vector, *(vector for _, vector in also)]
        return [Hit(self.chunks[p], fused[p], max(self.best_dense(v, p) for v in vectors),
                    self.coverage(query_words, p)) for p in best]

    def _lift_releases(self, fused: dict[int, float], named: frozenset[str]) -> None:
        """Raise, in place, the passages under a heading that names a release the question names:
        that very release where a heading names it, else its point releases ("5.1": "v5.1.0")."""
        exact = [p for p in fused if self.releases[p] & named]
        under = exact or [p for p in fused if any(is_release_of(h, n) for h in self.releases[p] for n in named)]
        lift = RELEASE_LIFT * max(fused.values(), default=0.0)
        for position in under:
            fused[position] += lift

    def _lift(self, fused: dict[int, float], prefer: Callable[[str], bool]) -> None:
        """Raise, in place, the fused score of each of the best passages whose text `prefer`s."""
        pool = heapq.nsmallest(PREFERRED_POOL, fused, key=lambda p: (-fused[p], p))  # the order `search` ranks by
        lift = PREFERRED_LIFT * fused[pool[0]] if pool else 0.0
        for position in pool:
            if prefer(self.chunks[position].text):
                fused[position] += lift


def releases_in(text: str) -> frozenset[str]:
    """The release numbers a text names ("v5.1.0" as "5.1.0")."""
    return frozenset(m.lstrip("v") for m in _RELEASE_NUMBER.findall(text))


def is_release_of(release: str, named: str) -> bool:
    """The release named, or a point release of it: "5.1.0" is a release of "5.1"; "5.10" is not."""
    return release == named or release.startswith(named + ".")


def names_release_of(text: str, named: frozenset[str]) -> bool:
    """Whether the text names one of the `named` releases, or a point release of one."""
    return any(is_release_of(r, n) for r in releases_in(text) for n in named)


def rrf(rankings: Sequence[dict[int, float]], k: int = RRF_K) -> dict[int, float]:
    """Reciprocal rank fusion: each ranking adds 1 / (k + rank) for every item it holds."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(sorted(ranking, key=lambda i: (-ranking[i], i)), start=1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank)
    return fused


def relative_scores(rankings: Sequence[dict[int, float]]) -> dict[int, float]:
    """The mean of each ranking's scores scaled to [0, 1] (best 1, worst kept 0); an item a
    ranking does not hold scores 0 there, so a chunk only BM25 finds still takes part."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        if not ranking:
            continue
        low, high = min(ranking.values()), max(ranking.values())
        for item, score in ranking.items():
            scaled = (score - low) / (high - low) if high > low else 1.0
            fused[item] = fused.get(item, 0.0) + scaled / len(rankings)
    return fused


def load(index_dir: Path) -> Index:
    return Index(store.current_dir(index_dir))

