"""Picking the generator the settings ask for; `auto` takes a reachable LLM server when one is
configured, else a local LLM when one is configured and usable, else the extractive generator,
and says why."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
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
    folder = model_folder(model)
    if folder is None:
        return f"model {model!r} is neither a folder nor in the local Hugging Face cache"
    return _wont_fit(model, folder)


def _wont_fit(model: str, folder: Path) -> str:
    """Why the model cannot fit on the GPUs (with figures and the fix), or "": checked before any
    loading. The kernel folder is found through LOCAL_KERNELS, which the CLI set from the settings."""
    from rag.answer.generators import memory, mxfp4

    return memory.refusal(model, folder, mxfp4.probe())


@dataclass(frozen=True)
class LlmServer:
    """Where an OpenAI-compatible LLM server is (the `llm_*` settings); an empty url means none."""

    url: str = ""
    model: str = ""
    api_key: str = ""
    timeout_s: float = 120.0


def _server_generator(llm: LlmServer, max_new_tokens: int, reasoning_effort: str) -> tuple[Generator, str]:
    """The OpenAI-compatible generator, once the server has listed its models (so it is up)."""
    from rag.answer.generators.openai_compat import OpenAIGenerator, first_model, list_models

    listed = list_models(llm.url, llm.api_key, timeout_s=min(llm.timeout_s, 5.0))
    model = llm.model or first_model(llm.url, listed)
    generator = OpenAIGenerator(llm.url, model, llm.api_key, max_new_tokens, reasoning_effort, llm.timeout_s)
    return generator, f"LLM server {generator.url}, model {model}"


def choose(kind: str, model: str = "", max_new_tokens: int = 512, reasoning_effort: str = "low",
           serving: str = "auto", llm: LlmServer = LlmServer()) -> tuple[Generator, str]:
    """(generator, the reason it was chosen)."""
    if kind not in ("auto", "extractive", "transformers", "openai"):
        raise ModelUnavailable(f"unknown generator {kind!r}: use auto, extractive, transformers or openai")
    if kind == "extractive":
        return ExtractiveGenerator(), "asked for with --generator extractive"
    if kind == "openai":
        if not llm.url:
            raise ModelUnavailable("--generator openai needs --llm-url (e.g. http://127.0.0.1:8000/v1); "
                                   "see models/README.md")
        generator, reason = _server_generator(llm, max_new_tokens, reasoning_effort)
        return generator, f"openai: {reason}"
    server_note = ""
    if kind == "auto" and llm.url:
        try:
            generator, reason = _server_generator(llm, max_new_tokens, reasoning_effort)
            return generator, f"auto: {reason} answered"
        except ModelUnavailable as error:
            server_note = f"{error}; "
    why_not = _why_not_transformers(model)
    if why_not:
        if kind == "transformers":
            raise ModelUnavailable(f"cannot use the transformers generator: {why_not}; see models/README.md")
        return ExtractiveGenerator(), f"auto: {server_note}{why_not}, so the extractive answerer"
    from rag.answer.generators.transformers import TransformersGenerator

    if serving not in ("auto", "continuous", "queue", "compiled"):
        raise ModelUnavailable(f"unknown serving {serving!r}: use auto, continuous, queue or compiled")
    compiled = serving == "compiled"
    generator = TransformersGenerator(model=model, max_new_tokens=max_new_tokens, reasoning_effort=reasoning_effort,
                                      batching="queue" if compiled else serving,
                                      generate_options={"cache_implementation": "static"} if compiled else None)
    return generator, f"{kind}: {server_note}local model {model}"
