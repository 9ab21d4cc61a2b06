"""`TransformersGenerator`: a local causal LM (gpt-oss-20b, or any chat model in a folder) that streams.

Weights load once per process, offline only, and are shared read-only. Concurrent chats: on CUDA,
transformers' own `ContinuousBatchingManager` batches every open stream into one forward pass; on
CPU (or when that manager is missing or fails to start) a fair FIFO queue serves one `generate` at
a time in arrival order. Prompt building lives in `rag.answer.prompt`, channel parsing in `rag.answer.harmony`.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.answer.generators import memory, mxfp4
from rag.answer.generators.base import Generator, Request
from rag.answer.generators.serving import Batcher, FairQueue, Sampling
from rag.answer.harmony import HarmonyParser, events
from rag.answer.prompt import PLAIN_TEMPLATE, build_messages, count_tokens, fit_passages, render
from rag.errors import ModelUnavailable
from rag.records import Passage, Thinking, Token

log = logging.getLogger("rag")

FETCH = (
    "fetch it once on a connected machine with `pip install -U huggingface_hub` then "
    "`hf download openai/gpt-oss-20b --local-dir models/gpt-oss-20b`, copy the folder here and pass "
    "`--model models/gpt-oss-20b` (see models/README.md)"
)
INSTALL = ("pip install 'transformers>=5.18,<5.23' torch (CUDA: pip install torch --index-url "
           "https://download.pytorch.org/whl/cu128, then pip install 'rag-chat[gpu]')")
HARMONY_STOPS = ("<|return|>", "<|call|>")  # `<|end|>` stops only after the final message: see HarmonyParser.done


@dataclass(frozen=True)
class Loaded:
    """A model in memory with what streaming needs; shared by every generator that names it."""

    model: Any
    tokenizer: Any
    engine: Any  # Batcher or FairQueue
    stops: tuple[int, ...]


_CACHE: dict[str, Loaded] = {}
_CACHE_LOCK = threading.Lock()


class TransformersGenerator(Generator):
    name = "transformers"

    def __init__(
        self,
        model: str,
        max_new_tokens: int = 512,
        reasoning_effort: str = "low",
        temperature: float = 0.0,
        max_prompt_tokens: int = 6000,
        device: str | None = None,
        batching: str = "auto",  # "auto", "continuous" or "queue"
        ignore_eos: bool = False,  # benchmarks: always decode max_new_tokens
        generate_options: Mapping[str, Any] | None = None,  # e.g. {"cache_implementation": "static"}
    ) -> None:
        self.model = model
        self.max_new_tokens = max_new_tokens
        self.reasoning_effort = reasoning_effort
        self.temperature = temperature
        self.max_prompt_tokens = max_prompt_tokens
        self.device = device
        self.batching = batching
        self.ignore_eos = ignore_eos
        self.generate_options = dict(generate_options or {})
        self._loaded: Loaded | None = None
        self._last_fit: tuple[Request, tuple[Passage, ...]] | None = None

    def warm_up(self) -> None:
        if self._loaded is None:
            self._loaded = load(self.model, self.device, self.batching)  # shared, read-only

    def stream(self, request: Request) -> Iterator[Thinking | Token]:
        parser, text = HarmonyParser(), Detokenizer(self.tokenizer())
        ids = self.token_ids(request)
        try:
            for chunk in ids:
                yield from events(parser.feed(text.add(chunk)))
                if request.cancel.is_set() or (parser.done and not self.ignore_eos):
                    return
            yield from events(parser.feed(text.flush()) + parser.finish())
        finally:
            ids.close()  # ends generation now if the consumer stopped early

    def token_ids(self, request: Request) -> Iterator[list[int]]:
        """The raw stream of new token ids (benchmarks count these); closing it stops generation."""
        self.warm_up()
        assert self._loaded is not None
        return self._loaded.engine.run(self.prompt_ids(request), self._sampling(request), request.cancel)

    def tokenizer(self) -> Any:
        self.warm_up()
        assert self._loaded is not None
        return self._loaded.tokenizer

    def passages_for(self, request: Request) -> tuple[Passage, ...]:
        """The passages that fit into what the rest of the prompt leaves of `max_prompt_tokens`.
        Asked twice per answer (the pipeline's citation check, then the prompt): the last fit is
        kept for reuse."""
        last = self._last_fit
        if last is not None and last[0] is request:
            return last[1]
        tokenizer = self.tokenizer()
        rest = count_tokens(tokenizer, render(tokenizer, build_messages(request, ()), self.effort(request)))
        fitted = fit_passages(request.passages, tokenizer, self.max_prompt_tokens - rest)
        self._last_fit = (request, fitted)  # one tuple swap: concurrent chats at worst refit
        return fitted

    def prompt_ids(self, request: Request) -> list[int]:
        """The prompt as token ids, with the passages that fit."""
        tokenizer = self.tokenizer()
        prompt = render(tokenizer, build_messages(request, self.passages_for(request)), self.effort(request))
        return tokenizer(prompt, add_special_tokens=False)["input_ids"]

    def effort(self, request: Request) -> str:
        return request.options.reasoning_effort or self.reasoning_effort

    def _sampling(self, request: Request) -> Sampling:
        assert self._loaded is not None
        temperature = request.options.temperature
        return Sampling(
            max_new_tokens=self.max_new_tokens,
            temperature=self.temperature if temperature is None else temperature,
            stops=self._loaded.stops,
            ignore_eos=self.ignore_eos,
            options=tuple(self.generate_options.items()),
        )


class Detokenizer:
    """Token ids in, new text out, special tokens kept (the harmony parser needs them). Holds text
    back while a multi-byte character is incomplete; restarts its window after each newline."""

    def __init__(self, tokenizer: Any) -> None:
        self._tokenizer = tokenizer
        self._ids: list[int] = []
        self._sent = ""

    def add(self, ids: list[int]) -> str:
        self._ids += ids
        text = self._tokenizer.decode(self._ids, skip_special_tokens=False)
        if text.endswith("\ufffd"):
            return ""
        new, self._sent = text[len(self._sent) :], text
        if text.endswith("\n"):
            self._ids, self._sent = [], ""
        return new

    def flush(self) -> str:
        text = self._tokenizer.decode(self._ids, skip_special_tokens=False)
        self._ids, self._sent, new = [], "", text[len(self._sent) :]
        return new


def register(key: str, model: Any, tokenizer: Any, batching: str = "auto") -> None:
    """Put a model built in memory (a benchmark's random 20b-shaped one) where `load(key)` finds it."""
    with _CACHE_LOCK:
        _CACHE[cache_key(key, batching)] = assemble(model, tokenizer, batching)


def load(model: str, device: str | None = None, batching: str = "auto") -> Loaded:
    """The model named `model` (a folder, or a hub id already in the local HF cache), loaded once
    per batching mode: the batching manager changes the model's attention, so modes do not share."""
    key = cache_key(model, batching)
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = assemble(*load_weights(model, device), batching)
        return _CACHE[key]


def cached_model_path(model: str) -> str | None:
    """The local HF-cache folder of a hub id (never a download), or None when it is not there."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    try:
        found = try_to_load_from_cache(model, "config.json")
    except ValueError:  # not a hub id at all (a path that does not exist, say)
        return None
    return str(found).rsplit("/", 1)[0] if isinstance(found, str) else None


def cache_key(model: str, batching: str) -> str:
    return model if batching == "auto" else f"{model}#{batching}"


def assemble(model: Any, tokenizer: Any, batching: str) -> Loaded:
    if not getattr(tokenizer, "chat_template", None):
        tokenizer.chat_template = PLAIN_TEMPLATE  # a base model: a plain role/content layout
    stops = stop_ids(model, tokenizer)
    return Loaded(model, tokenizer, engine(model, tokenizer, stops, batching), stops)


def engine(model: Any, tokenizer: Any, stops: tuple[int, ...], batching: str) -> Any:
    use_batcher = batching == "continuous" or (batching == "auto" and model.device.type == "cuda")
    if use_batcher and hasattr(model, "init_continuous_batching"):
        try:
            return Batcher(model, stops, tokenizer.pad_token_id)
        except Exception as error:  # a model or version the manager cannot serve: queue instead
            log.warning("continuous batching unavailable (%s); serving chats one at a time", error)
    return FairQueue(model, tokenizer.pad_token_id)


def stop_ids(model: Any, tokenizer: Any) -> tuple[int, ...]:
    eos = getattr(model.generation_config, "eos_token_id", None)
    ids = set(eos if isinstance(eos, list) else [eos]) | {tokenizer.eos_token_id}
    vocab = tokenizer.get_vocab()
    ids |= {vocab[token] for token in HARMONY_STOPS if token in vocab}
    return tuple(sorted(i for i in ids if i is not None))


def load_weights(model: str, device: str | None) -> tuple[Any, Any]:
    try:
        import torch
        from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
    except ImportError as error:
        raise ModelUnavailable(f"The transformers generator needs torch and transformers ({error}): {INSTALL}.")
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    probes = mxfp4.probe() if device.startswith("cuda") else mxfp4.Probes()
    problem = memory.refusal(model, local_folder(model), probes)
    if problem:  # before any weight is read: the figures now, not an out-of-memory error minutes later
        raise ModelUnavailable(problem)
    try:
        config = AutoConfig.from_pretrained(model, local_files_only=True)
        tokenizer = AutoTokenizer.from_pretrained(model, local_files_only=True)
        kwargs = load_options(config, device, probes)
        weights = AutoModelForCausalLM.from_pretrained(model, local_files_only=True, **kwargs)
    except (OSError, ValueError) as error:
        raise ModelUnavailable(f"Model '{model}' cannot be loaded offline ({first_line(error)}); {FETCH}.") from error
    if "device_map" not in kwargs:
        weights = weights.to(device)
    return weights.eval(), tokenizer


def local_folder(model: str) -> Path:
    """The folder holding the model's files: itself, or its entry in the local HF cache."""
    return Path(model) if Path(model).is_dir() else Path(cached_model_path(model) or model)


def load_options(config: Any, device: str, probes: mxfp4.Probes | None = None) -> dict[str, Any]:
    """dtype for the device, `device_map="auto"` on a GPU when accelerate is there, and MXFP4."""
    import torch

    options: dict[str, Any] = {"dtype": torch.bfloat16 if device.startswith("cuda") else torch.float32}
    if device.startswith("cuda") and importlib.util.find_spec("accelerate"):
        options["device_map"] = "auto"
    if mxfp4_checkpoint(config):
        options.update(mxfp4_options(device, probes or mxfp4.Probes()))
    return options


def mxfp4_checkpoint(config: Any) -> bool:
    quant = getattr(config, "quantization_config", None) or {}
    method = quant.get("quant_method") if isinstance(quant, dict) else getattr(quant, "quant_method", "")
    return str(method).lower().endswith("mxfp4")


def mxfp4_options(device: str, probes: mxfp4.Probes) -> dict[str, Any]:
    """Nothing when the MXFP4 path is ready on this GPU; else ask transformers to dequantize, which it
    would otherwise do on its own (a wrong kernels version) or fail at (no kernel offline)."""
    from transformers import Mxfp4Config

    if not device.startswith("cuda"):
        log.info("gpt-oss on %s: MXFP4 kernels run on CUDA only, so the experts are dequantized", device)
        return {"quantization_config": Mxfp4Config(dequantize=True)}
    verdict = mxfp4.verdict(probes, "mxfp4")
    if verdict.ready:
        log.info("gpt-oss: experts stay in MXFP4 (~13 GB for gpt-oss-20b): %s", verdict.reason)
        return {}
    log.warning("gpt-oss: MXFP4 not ready (%s): dequantizing to bf16, ~42 GB of GPU memory for gpt-oss-20b "
                "instead of ~13 GB", verdict.reason)
    return {"quantization_config": Mxfp4Config(dequantize=True)}


def first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def forget(model: str, batching: str = "auto") -> None:
    """Drop a cached model (tests, benchmarks): stops its batching thread and frees its memory."""
    with _CACHE_LOCK:
        loaded = _CACHE.pop(cache_key(model, batching), None)
    if loaded is not None:
        loaded.engine.close()


# The two ways of serving concurrent chats. Both yield lists of new token ids and stop early when
# the request's cancel event is set or when their iterator is closed.
