"""The OpenAI-compatible generator against real servers on loopback: a fault-injecting one of our
own (tests/fake_llm.py) and `transformers serve` running a tiny local model built by the test."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time

import httpx
import pytest

from rag.answer.generators.choose import LlmServer, choose
from rag.answer.generators.openai_compat import OpenAIGenerator
from rag.answer.pipeline import Assistant
from rag.embed.choose import make as make_embedder
from rag.errors import ModelUnavailable, RagError
from rag.records import Done, Thinking, Token
from tests.fake_llm import STALL_S, THINKING, FakeLLM

WATTS = "How much power does a typical home solar panel produce?"
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture(scope="module")
def llm():
    with FakeLLM() as server:
        yield server


def assistant(built, generator) -> Assistant:
    return Assistant(built.index, make_embedder("hashing", built.backend), generator, "test")


def run(bot: Assistant, question: str = WATTS) -> tuple[list, Done]:
    events = list(bot.answer(question))
    return events, events[-1]


@pytest.mark.parametrize("model", ["cite-reasoning", "cite-reasoning-content"])
def test_reasoning_in_either_field_is_thinking_and_the_answer_is_cited(built, llm, model):
    bot = assistant(built, OpenAIGenerator(llm.url, model, api_key="k3y", reasoning_effort="medium"))
    events, done = run(bot)
    thinking = "".join(e.text for e in events if isinstance(e, Thinking))
    answer = "".join(e.text for e in events if isinstance(e, Token))
    assert thinking.strip() == THINKING and THINKING not in answer
    assert "400 watts" in done.answer.text and "[A]" in done.answer.text
    assert done.answer.citations[0].chunk.source == "solar.md" and done.answer.thinking.strip() == THINKING
    sent = llm.requests[-1]
    assert sent["authorization"] == "Bearer k3y" and sent["body"]["reasoning_effort"] == "medium"
    system = sent["body"]["messages"][0]
    assert system["role"] == "system" and "[A] (section:" in system["content"]
    assert "Cite every sentence" in system["content"]


def test_raw_harmony_channels_in_content_never_reach_the_answer():
    from rag.answer.generators.base import Request
    from rag.answer.generators.openai_compat import read_events

    pieces = ["<|chan", "nel|>analysis<|message|>Think", " hard.<|end|><|start|>assistant<|channel|>final",
              "<|message|>Forty [A].<|return|>"]
    lines = [f'data: {{"choices": [{{"delta": {{"content": {json.dumps(p)}}}}}]}}' for p in pieces] + ["data: [DONE]"]
    out = list(read_events(iter(lines), "http://x/v1", Request("q", "q", ())))
    assert "".join(e.text for e in out if isinstance(e, Thinking)) == "Think hard."
    assert "".join(e.text for e in out if isinstance(e, Token)) == "Forty [A]."


def test_an_off_topic_question_is_refused_by_the_gate_without_calling_the_server(built, llm):
    before = len(llm.requests)
    _, done = run(assistant(built, OpenAIGenerator(llm.url, "cite-reasoning")), "What is the capital of France?")
    assert done.answer.refused and len(llm.requests) == before


def sent_labels(llm) -> list[str]:
    return re.findall(r"^\[([A-Z]+)\] \(section", llm.requests[-1]["body"]["messages"][0]["content"], re.MULTILINE)


def test_a_passage_budget_drops_the_lowest_ranked_passages(built, llm):
    run(assistant(built, OpenAIGenerator(llm.url, "cite-reasoning")))
    given = sent_labels(llm)
    assert len(given) > 5 and given == list("ABCDEFGH")[: len(given)], "up to eight passages, not five"
    run(assistant(built, OpenAIGenerator(llm.url, "cite-reasoning", max_prompt_tokens=380)))
    kept = sent_labels(llm)
    assert 1 <= len(kept) < len(given) and kept == given[: len(kept)], "best ranked kept, lowest dropped"


@pytest.mark.parametrize("model, says", [
    ("error-midstream", "failed mid-answer: CUDA out of memory"),
    ("malformed", "not JSON"),
    ("cut", "ended the stream before the answer was finished"),
    ("http-500", "answered HTTP 500: model crashed while loading"),
])
def test_a_failing_server_gives_one_line_naming_its_url(built, llm, model, says):
    with pytest.raises(ModelUnavailable) as caught:
        run(assistant(built, OpenAIGenerator(llm.url, model)))
    message = str(caught.value)
    assert llm.url in message and says in message and "\n" not in message


def test_a_stall_past_the_read_timeout_fails_promptly(built, llm):
    started = time.monotonic()
    with pytest.raises(ModelUnavailable, match="sent nothing for 0.5 s"):
        run(assistant(built, OpenAIGenerator(llm.url, "stall", timeout_s=0.5)))
    assert time.monotonic() - started < STALL_S


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_server_that_is_down_is_named_after_one_retry(built):
    url = f"http://127.0.0.1:{closed_port()}/v1"
    started = time.monotonic()
    with pytest.raises(ModelUnavailable, match=f"{url} is not reachable"):
        run(assistant(built, OpenAIGenerator(url, "m")))
    assert time.monotonic() - started >= 0.5, "the connection was tried a second time"


def test_auto_uses_a_reachable_server_and_says_so(llm):
    generator, reason = choose("auto", llm=LlmServer(llm.url, "cite-reasoning"))
    assert generator.name == "openai" and llm.url in reason and "cite-reasoning" in reason
    generator, reason = choose("openai", llm=LlmServer(llm.url))  # no model: the first listed
    assert generator.model == "cite-reasoning"


def test_auto_falls_back_when_the_server_is_down_and_says_why():
    url = f"http://127.0.0.1:{closed_port()}/v1"
    generator, reason = choose("auto", llm=LlmServer(url, "m"))
    assert generator.name == "extractive" and f"{url} is not reachable" in reason
    with pytest.raises(RagError, match="not reachable"):
        choose("openai", llm=LlmServer(url, "m"))
    with pytest.raises(RagError, match="--llm-url"):
        choose("openai")


def test_doctor_lists_the_servers_models(llm):
    from rag.doctor import llm_server

    assert "cite-reasoning" in llm_server(llm.url.removesuffix("/v1"), "") and "answers" in llm_server(llm.url, "")
    assert "not reachable" in llm_server(f"http://127.0.0.1:{closed_port()}", "")


@pytest.mark.slow
def test_against_transformers_serve_with_a_tiny_local_model(built, tiny_llama, tmp_path):
    """A real OpenAI-compatible server (transformers' own) on loopback; the model's words are
    random, so this checks the plumbing: a stream that ends, the prompt accepted, an answer."""
    pytest.importorskip("accelerate", reason="transformers serve needs accelerate to place the model")
    port = closed_port()
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "transformers.cli.transformers", "serve", str(tiny_llama),
               "--host", "127.0.0.1", "--port", str(port), "--device", "cpu"]
    # transformers 5.22's GET /v1/models lists only the hub cache (and fails when the folder is
    # missing), so the model is named, as a user of that version sets --llm-model
    (tmp_path / "hub").mkdir()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path / "hub")}
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/v1"
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(url + "/models", timeout=2, trust_env=False).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        generator, reason = choose("auto", max_new_tokens=12, reasoning_effort="", llm=LlmServer(url, model=str(tiny_llama)))
        assert generator.name == "openai" and str(tiny_llama) in reason
        events, done = run(assistant(built, generator))
        assert any(isinstance(e, Token) for e in events) and done.answer.generator == "openai"
        # random words cite nothing, so the answer says the knowledge base does not hold one
        assert done.answer.citations or "not found in the knowledge base" in done.answer.text
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_chat_ui_shows_a_failing_server_as_one_line_in_the_chat(built, llm):
    from ui.app import respond

    bot = assistant(built, OpenAIGenerator(llm.url, "error-midstream"))
    *_, (history, _, _, _) = respond(bot, WATTS, [])
    last = history[-1]
    assert last["role"] == "assistant" and last["content"].startswith("⚠️")
    assert llm.url in last["content"] and "CUDA out of memory" in last["content"]


def test_rag_llm_settings_from_the_environment_choose_and_configure_the_generator(built, llm, tmp_path):
    from rag.service import assistant as from_settings
    from rag.settings import load

    env = {"RAG_LLM_URL": llm.url, "RAG_LLM_MODEL": "cite-reasoning-content", "RAG_LLM_API_KEY": "envkey",
           "RAG_LLM_TIMEOUT": "7"}
    config = load({"corpus": built.corpus, "index": built.index, "embedder": "hashing"}, env, tmp_path / "none.toml")
    bot = from_settings(config)
    assert bot.generator.name == "openai" and bot.generator.timeout_s == 7.0
    assert bot.generator_reason.startswith("auto: LLM server") and "cite-reasoning-content" in bot.generator_reason
    _, done = run(bot)
    assert "[A]" in done.answer.text and llm.requests[-1]["authorization"] == "Bearer envkey"
