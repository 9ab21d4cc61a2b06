"""Serving engines for a loaded model: how concurrent chats share it without mixing streams.

`FairQueue` runs one `generate` at a time in arrival order (CPU, or when batching is missing);
`Batcher` feeds every open chat into transformers' `ContinuousBatchingManager`, routing each
request's tokens to its own queue. Both yield lists of new token ids and honour cancellation.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("rag")


@dataclass(frozen=True)
class Sampling:
    max_new_tokens: int
    temperature: float
    stops: tuple[int, ...]
    ignore_eos: bool = False
    options: tuple[tuple[str, Any], ...] = ()  # extra `generate` keywords (static cache...)


class FairQueue:
    """One `generate` at a time, in arrival order; each runs in its own thread and streams ids."""

    def __init__(self, model: Any, pad_token_id: int | None) -> None:
        self.model, self.pad = model, pad_token_id
        self._waiting: list[object] = []
        self._turn = threading.Condition()

    def run(self, prompt: list[int], sampling: Sampling, cancel: threading.Event) -> Iterator[list[int]]:
        ticket = object()
        with self._turn:
            self._waiting.append(ticket)
        try:
            if self._wait(ticket, cancel):
                yield from self._generate(prompt, sampling, cancel)
        finally:
            with self._turn:
                self._waiting.remove(ticket)
                self._turn.notify_all()

    def _wait(self, ticket: object, cancel: threading.Event) -> bool:
        with self._turn:
            while self._waiting[0] is not ticket and not cancel.is_set():
                self._turn.wait(timeout=0.05)
        return not cancel.is_set()

    def _generate(self, prompt: list[int], sampling: Sampling, cancel: threading.Event) -> Iterator[list[int]]:
        import queue

        out: queue.Queue = queue.Queue()
        stop = threading.Event()
        worker = threading.Thread(
            target=self._work, args=(prompt, sampling, (cancel, stop), out), name="rag-generate", daemon=True
        )
        worker.start()
        try:
            while (item := out.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()  # the consumer left early: the stopping criterion ends generate next step
            worker.join()
            free_memory()

    def _work(self, prompt: list[int], sampling: Sampling, flags: tuple, out: Any) -> None:
        import torch
        from transformers import StoppingCriteriaList

        try:
            ids = torch.tensor([prompt], device=self.model.device)
            self.model.generate(
                input_ids=ids,
                attention_mask=torch.ones_like(ids),
                streamer=Relay(out),
                stopping_criteria=StoppingCriteriaList([Flagged(flags)]),
                **generate_kwargs(sampling, self.pad),
            )
        except BaseException as error:  # surfaces in the consumer's thread
            out.put(error)
        finally:
            out.put(None)

    def close(self) -> None:
        free_memory()


def generate_kwargs(sampling: Sampling, pad: int | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"max_new_tokens": sampling.max_new_tokens, "pad_token_id": pad}
    kwargs["eos_token_id"] = list(sampling.stops)
    if sampling.ignore_eos:
        kwargs["min_new_tokens"] = sampling.max_new_tokens
    kwargs["do_sample"] = sampling.temperature > 0
    if sampling.temperature > 0:
        kwargs["temperature"] = sampling.temperature
    return kwargs | dict(sampling.options)


class Relay:
    """A `generate` streamer that passes new token ids on; the first `put` is the prompt."""

    def __init__(self, out: Any) -> None:
        self.out, self.prompt_seen = out, False

    def put(self, value: Any) -> None:
        if self.prompt_seen:
            self.out.put(value.reshape(-1).tolist())
        self.prompt_seen = True

    def end(self) -> None:
        pass


class Flagged:
    """A stopping criterion: true once any of the events is set (checked after every step)."""

    def __init__(self, flags: tuple[threading.Event, ...]) -> None:
        self.flags = flags

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        import torch

        stop = any(flag.is_set() for flag in self.flags)
        return torch.full((input_ids.shape[0],), stop, dtype=torch.bool, device=input_ids.device)


class Batcher:
    """transformers' continuous batching manager, its results routed to one queue per request."""

    def __init__(self, model: Any, stops: tuple[int, ...], pad_token_id: int | None) -> None:
        from transformers import GenerationConfig

        config = GenerationConfig(do_sample=False, eos_token_id=list(stops), pad_token_id=pad_token_id)
        self.manager = model.init_continuous_batching(generation_config=config, **cache_options(model))
        self.manager.start()
        self._routes: dict[str, Any] = {}
        self._lock, self._closed, self._count = threading.Lock(), threading.Event(), 0
        threading.Thread(target=self._route, name="rag-batch-router", daemon=True).start()
        atexit.register(self.close)  # the manager's own thread is not a daemon: let the process exit

    def run(self, prompt: list[int], sampling: Sampling, cancel: threading.Event) -> Iterator[list[int]]:
        import queue

        rid, out = self._open()
        eos = -1 if sampling.ignore_eos else list(sampling.stops)
        self.manager.add_request(prompt, request_id=rid, max_new_tokens=sampling.max_new_tokens,
                                 streaming=True, eos_token_id=eos)  # fmt: skip
        seen: list[int] = []
        finished = False
        try:
            while not cancel.is_set() and not finished:
                try:
                    result = out.get(timeout=0.05)
                except queue.Empty:
                    continue
                if result.error:
                    raise RuntimeError(f"generation failed: {result.error}")
                new = fresh(seen, list(result.generated_tokens))
                seen += new
                finished = result.is_finished()
                if new:
                    yield new
        finally:
            self._close_route(rid, cancelled=not finished)

    def _open(self) -> tuple[str, Any]:
        import queue

        with self._lock:
            self._count += 1
            rid = f"rag-{self._count}"
            self._routes[rid] = queue.Queue()
            return rid, self._routes[rid]

    def _close_route(self, rid: str, cancelled: bool) -> None:
        if cancelled:
            self.manager.cancel_request(rid)
        with self._lock:
            self._routes.pop(rid, None)

    def _route(self) -> None:
        while not self._closed.is_set():
            result = self.manager.get_result(timeout=0.1)
            if result is None:
                self._closed.wait(0.01)  # the manager may be stopped: do not spin
                continue
            with self._lock:
                route = self._routes.get(result.request_id)
            if route is not None:
                route.put(result)

    def close(self) -> None:
        if not self._closed.is_set():
            self._closed.set()
            self.manager.stop(block=True)
            free_memory()


def cache_options(model: Any) -> dict[str, Any]:
    """Bound the manager's paged cache. Left alone it takes ~90% of free GPU memory, and eager paged
    attention then runs out when four 2k-token prompts prefill at once (seen on an H200); on CPU
    it would take gigabytes of RAM for nothing."""
    from transformers.generation import ContinuousBatchingConfig

    if model.device.type == "cuda":
        return {"continuous_batching_config": ContinuousBatchingConfig(max_memory_percent=0.4,
                                                                       max_batch_tokens=2048)}
    return {"continuous_batching_config": ContinuousBatchingConfig(num_blocks=256, page_size=64, max_batch_tokens=2048)}


def fresh(seen: list[int], tokens: list[int]) -> list[int]:
    """New ids in a streamed result: results carry all tokens so far (older versions: only new)."""
    return tokens[len(seen) :] if tokens[: len(seen)] == seen else tokens


def free_memory() -> None:
    """Hand cached GPU blocks back after a chat ends or is cancelled."""
    import torch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()
