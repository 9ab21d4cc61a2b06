"""Assembling a ready `Assistant` from settings: embedder, generator, and an index built first
if there is none yet. The CLI, the UI and the benchmarks all start here."""

from __future__ import annotations

from collections.abc import Callable

from rag.answer.generators.choose import LlmServer, choose
from rag.answer.pipeline import Assistant
from rag.embed.choose import make as make_embedder
from rag.embed.embedder import Embedder
from rag.index import store
from rag.index.builder import Builder, BuildReport
from rag.settings import Settings


def builder(settings: Settings, progress: Callable[[int, int], None] | None = None,
            embedder: Embedder | None = None) -> Builder:
    """`embedder`: one already loaded (a running server's), so a build does not load a second."""
    return Builder(settings.corpus, settings.index, embedder or make_embedder(settings.embedder, settings.backend),
                   settings.chunk_chars, settings.max_file_bytes, progress)


def ensure_index(settings: Settings, progress: Callable[[int, int], None] | None = None,
                 embedder: Embedder | None = None) -> BuildReport | None:
    """Build the index when the index folder holds none; return the report if it built."""
    if store.current_name(settings.index) is not None:
        return None
    return builder(settings, progress, embedder).run()


def llm_server(settings: Settings) -> LlmServer:
    return LlmServer(settings.llm_url, settings.llm_model, settings.llm_api_key, settings.llm_timeout)


def assistant(settings: Settings) -> Assistant:
    generator, reason = choose(settings.generator, settings.model, settings.max_new_tokens,
                               settings.reasoning_effort, settings.serving, llm_server(settings))
    return Assistant(settings.index, make_embedder(settings.embedder, settings.backend), generator,
                     reason, settings.top_k, settings.gate_threshold)
