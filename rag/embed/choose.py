"""The chooser: builds the embedder that the settings `embedder` and `backend` name. It imports the
implementations; they never import it (the seam and its helpers live in `rag.embed.embedder`)."""

from __future__ import annotations

from rag.embed.embedder import Embedder, HashingEmbedder, SentenceTransformerEmbedder
from rag.embed.onnx_embedder import OnnxEmbedder
from rag.errors import ModelUnavailable


def make(name: str, backend: str = "torch") -> Embedder:
    """The embedder that settings `embedder` and `backend` name."""
    if name == "hashing":
        return HashingEmbedder()
    if backend == "torch":
        return SentenceTransformerEmbedder(name)
    if backend in ("onnx", "onnx-int8"):
        return OnnxEmbedder(name, quantized=backend == "onnx-int8")
    raise ModelUnavailable(f"unknown embedder backend {backend!r}: use torch, onnx or onnx-int8")
