"""One settings object, built at the edge from flags > `RAG_*` environment > `rag.toml` > defaults.

Only `load()` reads the environment or the settings file; everything under `rag/` takes the plain
values it needs from a `Settings` passed down.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from rag.errors import RagError


@dataclass(frozen=True)
class Settings:
    corpus: Path = Path("corpus")
    index: Path = Path("index")
    # "minilm" (the packaged all-MiniLM-L6-v2), "hashing" (fast, dependency-free) or a model folder.
    embedder: str = "minilm"
    # How the embedder runs: "onnx-int8", "onnx" or "torch" (sentence-transformers on PyTorch).
    backend: str = "onnx-int8"
    top_k: int = 5
    chunk_chars: int = 900
    max_file_bytes: int = 5_000_000
    generator: str = "auto"  # "auto", "extractive", "transformers" or "openai"
    model: str = ""  # a local model folder or a model id in the local HF cache
    max_new_tokens: int = 512
    reasoning_effort: str = "low"
    # How concurrent chats share a GPU model: "auto" (continuous batching on CUDA, else a queue),
    # "continuous" or "queue". "compiled" = a queue with a static cache and torch.compile: on an
    # H100 and an H200 it decoded a gpt-oss-20b-shaped model ~3x faster for one chat (docs/PERFORMANCE.md).
    serving: str = "auto"
    # An OpenAI-compatible LLM server (vLLM, llama.cpp's llama-server, Ollama): its base URL
    # (".../v1"), the model it serves ("" = the first it lists), an optional key, and how long a
    # silent stream may last before the answer fails with a message naming the URL.
    llm_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_timeout: float = 120.0
    # gpt-oss's MXFP4 kernel (kernels-community/gpt-oss-triton-kernels), fetched once (models/README.md):
    # when the folder exists the CLI points the `kernels` package at it, so nothing is looked up online.
    kernel_folder: Path = Path("models/kernels/gpt-oss-triton-kernels")
    host: str = "127.0.0.1"
    port: int = 7860
    # The relevance gate's threshold on dense + 0.5 * word coverage, fitted by scripts/fit_gate.py on
    # eval/gold.jsonl + eval/project.jsonl: midpoint of the 0.450 .. 0.543 gap (docs/RETRIEVAL.md).
    gate_threshold: float = 0.496
    # A key the HTTP API (the /v1 routes and the Gradio API) and the page's Re-index action ask for; "" = none (loopback only).
    api_key: str = ""
    # Bounded work per request (ui/guard.py): body size for the API and the Gradio endpoint, the
    # longest question, and how many earlier messages of a chat are kept.
    max_request_bytes: int = 1_000_000
    max_question_chars: int = 4_000
    max_history_turns: int = 40
    # Chats waiting in the Gradio queue beyond the 8 answered at once; one more is told the queue is full.
    max_queue: int = 64
    # Where the chat's thumbs up/down land, one JSON line each; relative to the working folder.
    feedback: Path = Path("feedback.jsonl")


_FIELDS = {f.name: f for f in fields(Settings)}


def _coerce(name: str, value: Any) -> Any:
    kind = type(getattr(Settings(), name))
    if kind is Path:
        return Path(value)
    try:
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise RagError(f"setting {name!r}: cannot read {value!r} as {kind.__name__}") from exc


def _from_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RagError(f"{path}: not valid TOML ({exc}); fix or remove the file") from exc
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise RagError(f"{path}: unknown settings {unknown}; known: {sorted(_FIELDS)}")
    return data


def _from_env(environ: dict[str, str]) -> dict[str, Any]:
    return {name: environ[f"RAG_{name.upper()}"] for name in _FIELDS if f"RAG_{name.upper()}" in environ}


def load(flags: dict[str, Any] | None = None, environ: dict[str, str] | None = None,
         config: Path = Path("rag.toml")) -> Settings:
    """Merge the layers; a flag left at None does not override the layers below it."""
    environ = dict(os.environ) if environ is None else environ
    merged: dict[str, Any] = {}
    merged.update(_from_file(Path(environ.get("RAG_CONFIG", config))))
    merged.update(_from_env(environ))
    merged.update({k: v for k, v in (flags or {}).items() if v is not None})
    return replace(Settings(), **{k: _coerce(k, v) for k, v in merged.items()})
