"""TransformersGenerator on tiny random models (Llama-style and gpt-oss-style) built in a temp folder:
offline loading, streaming, max_new_tokens, cancellation, and concurrent streams that stay apart."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from llm_requests import fixed_request, make_chunk

from rag.answer.generators.base import Request, label_passages
from rag.answer.generators.transformers import Sampling, TransformersGenerator, forget, load
from rag.errors import ModelUnavailable
from rag.records import Hit, Thinking, Token

MODES = ["queue", "continuous"]


def generator(path: Path, batching: str, **kwargs) -> TransformersGenerator:
    return TransformersGenerator(model=str(path), batching=batching, **kwargs)


def question(i: int) -> Request:
    chunk = make_chunk(f"Passage {i} says gpt-oss costs {i} dollars. It is open weight.", n=i)
    return Request(question=f"What about number {i}?", query="q", passages=label_passages([Hit(chunk, 1.0)]))


def answer_of(gen: TransformersGenerator, request: Request) -> tuple[str, str]:
    events = list(gen.stream(request))
    return "".join(e.text for e in events if isinstance(e, Thinking)), "".join(e.text for e in events if isinstance(e, Token))


def generating_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "rag-generate"]


@pytest.fixture(scope="module", autouse=True)
def drop_models(tiny_llama: Path, tiny_gpt_oss: Path):
    yield
    for path in (tiny_llama, tiny_gpt_oss):
        for mode in MODES:
            forget(str(path), mode)


def test_a_missing_model_names_the_recipe(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match=r"hf download openai/gpt-oss-20b --local-dir models/gpt-oss-20b"):
        TransformersGenerator(model=str(tmp_path / "nowhere")).warm_up()


def test_construction_is_cheap() -> None:
    TransformersGenerator(model="models/none", max_new_tokens=8, reasoning_effort="low")  # nothing loads


def test_llama_streams_answer_tokens_only(tiny_llama: Path) -> None:
    events = list(generator(tiny_llama, "queue", max_new_tokens=8).stream(fixed_request()))
    assert events and all(isinstance(e, Token) for e in events)


@pytest.mark.parametrize("mode", MODES)
def test_gpt_oss_streams_and_never_leaks_markers(tiny_gpt_oss: Path, mode: str) -> None:
    thinking, answer = answer_of(generator(tiny_gpt_oss, mode, max_new_tokens=10), fixed_request())
    assert thinking or answer
    assert "<|" not in answer


@pytest.mark.parametrize("mode", MODES)
def test_stops_at_max_new_tokens(tiny_llama: Path, mode: str) -> None:
    loaded = load(str(tiny_llama), batching=mode)
    sampling = Sampling(max_new_tokens=7, temperature=0.0, stops=loaded.stops, ignore_eos=True)
    prompt = loaded.tokenizer("### user\nhello\n### assistant\n", add_special_tokens=False)["input_ids"]
    assert sum(len(ids) for ids in loaded.engine.run(prompt, sampling, threading.Event())) == 7


@pytest.mark.parametrize("mode", MODES)
def test_cancel_ends_generation_promptly(tiny_llama: Path, mode: str) -> None:
    request = question(1)
    stream = generator(tiny_llama, mode, max_new_tokens=5000, ignore_eos=True).stream(request)
    next(stream)
    request.cancel.set()
    started = time.monotonic()
    rest = list(stream)
    assert time.monotonic() - started < 2.0 and len(rest) < 100
    assert not generating_threads()


def test_closing_the_stream_ends_generation(tiny_gpt_oss: Path) -> None:
    stream = generator(tiny_gpt_oss, "queue", max_new_tokens=5000, ignore_eos=True).stream(question(2))
    next(stream)
    assert generating_threads()
    stream.close()
    assert not generating_threads()


@pytest.mark.parametrize("mode", MODES)
def test_four_concurrent_streams_do_not_interleave(tiny_llama: Path, mode: str) -> None:
    gen = generator(tiny_llama, mode, max_new_tokens=12)
    requests = [question(i) for i in range(4)]
    alone = [answer_of(gen, r) for r in requests]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda r: answer_of(gen, r), requests))
    assert together == alone
    assert len({a for _, a in alone}) > 1  # the requests really differ
