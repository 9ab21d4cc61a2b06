"""Picking the generator the settings ask for; `auto` takes a local LLM when one is configured
and usable, the extractive generator otherwise, and says why."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from rag.answer.generators.base import Generator
from rag.answer.generators.extractive import ExtractiveGenerator
from rag.errors import ModelUnavailable


def model_folder(model: str) -> Path | None:
    """Where the configured model's files are: a folder, or an entry of the local Hugging Face cache
    (never fetched). None when neither holds it."""
    path = Path(model).expanduser()
    if path.is_dir():
        return path
    from rag.answer.generators.transformers import cached_model_path

    cached = cached_model_path(model)
    return Path(cached) if cached else None


def _why_not_transformers(model: str) -> str:
    """Why a transformers model cannot run here, or "" when it can."""
    if not model:
        return "no --model configured"
    if importlib.util.find_spec("torch") is None or importlib.util.find_spec("transformers") is None:
        return "torch and transformers are not installed"
    if model_folder(model) is None:
        return f"model {model!r} is neither a folder nor in the local Hugging Face cache"
    return ""


def choose(kind: str, model: str = "", max_new_tokens: int = 512,
           reasoning_effort: str = "low", serving: str = "auto") -> tuple[Generator, str]:
    """(generator, the reason it was chosen)."""
    if kind not in ("auto", "extractive", "transformers"):
        raise ModelUnavailable(f"unknown generator {kind!r}: use auto, extractive or transformers")
    if kind == "extractive":
        return ExtractiveGenerator(), "asked for with --generator extractive"
    why_not = _why_not_transformers(model)
    if why_not:
        if kind == "transformers":
            raise ModelUnavailable(f"cannot use the transformers generator: {why_not}; see models/README.md")
        return ExtractiveGenerator(), f"auto: {why_not}, so the extractive answerer"
    from rag.answer.generators.transformers import TransformersGenerator

    if serving not in ("auto", "continuous", "queue", "compiled"):
        raise ModelUnavailable(f"unknown serving {serving!r}: use auto, continuous, queue or compiled")
    compiled = serving == "compiled"
    generator = TransformersGenerator(model=model, max_new_tokens=max_new_tokens, reasoning_effort=reasoning_effort,
                                      batching="queue" if compiled else serving,
                                      generate_options={"cache_implementation": "static"} if compiled else None)
    return generator, f"{kind}: local model {model}"
