"""`OpenAIGenerator`: answers through an OpenAI-compatible chat server (vLLM, llama-server, Ollama).

Owns the HTTP side only: the prompt and the passage budget come from `rag.answer.prompt`, like the
transformers generator's, and the pipeline verifies citations and applies the gate the same way.
Reasoning (`delta.reasoning` from vLLM and Ollama, `delta.reasoning_content` from llama.cpp) becomes
`Thinking`; every failure becomes one `ModelUnavailable` line naming the server's URL.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import httpx

from rag.answer.generators.base import Generator, Request
from rag.answer.harmony import HarmonyParser, events
from rag.answer.prompt import build_messages, fit_passages
from rag.errors import ModelUnavailable
from rag.records import Passage, Thinking, Token

CONNECT_TIMEOUT_S = 5.0
RETRY_PAUSE_S = 0.5
CHARS_PER_TOKEN = 3  # a cautious estimate: no tokenizer of the remote model is at hand
REASONING_FIELDS = ("reasoning", "reasoning_content")


def api_base(url: str) -> str:
    """`http://host:8000` and `http://host:8000/v1/` both mean `http://host:8000/v1`."""
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ModelUnavailable(f"--llm-url {url!r}: give an http:// or https:// URL, e.g. http://127.0.0.1:8000/v1")
    return url if httpx.URL(url).path not in ("", "/") else url + "/v1"


class Estimate:
    """A stand-in tokenizer for `fit_passages`: about one token per CHARS_PER_TOKEN characters."""

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        return [0] * (len(text) // CHARS_PER_TOKEN + 1)


class OpenAIGenerator(Generator):
    name = "openai"

    def __init__(self, url: str, model: str = "", api_key: str = "", max_new_tokens: int = 512,
                 reasoning_effort: str = "low", timeout_s: float = 120.0, max_prompt_tokens: int = 6000,
                 temperature: float = 0.0) -> None:
        self.url = api_base(url)
        self.model = model
        self.max_new_tokens = max_new_tokens
        self.reasoning_effort = reasoning_effort
        self.max_prompt_tokens = max_prompt_tokens
        self.temperature = temperature
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(headers=headers, timeout=httpx.Timeout(timeout_s, connect=CONNECT_TIMEOUT_S))
        self.timeout_s = timeout_s

    def warm_up(self) -> None:
        """Learn the model name when none was configured: the first the server lists."""
        if not self.model:
            self.model = first_model(self.url, list_models(self.url, client=self._http))

    def passages_for(self, request: Request) -> tuple[Passage, ...]:
        estimate = Estimate()
        rest = sum(len(estimate.encode(m["content"])) for m in build_messages(request, ()))
        return fit_passages(request.passages, estimate, self.max_prompt_tokens - rest)

    def body(self, request: Request) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "stream": True, "max_tokens": self.max_new_tokens,
                                "temperature": self.temperature,
                                "messages": build_messages(request, self.passages_for(request))}
        if self.reasoning_effort:  # gpt-oss on vLLM/Ollama reads it; set it to "" for servers that refuse it
            body["reasoning_effort"] = self.reasoning_effort
        return body

    def stream(self, request: Request) -> Iterator[Thinking | Token]:
        self.warm_up()
        try:
            with self._open(self.body(request)) as response:
                check_status(response, self.url)
                yield from read_events(response.iter_lines(), self.url, request)
        except httpx.TimeoutException as error:
            raise ModelUnavailable(f"LLM server {self.url} sent nothing for {self.timeout_s:g} s "
                                   f"({type(error).__name__}); is it overloaded? raise llm_timeout") from None
        except httpx.HTTPError as error:
            raise ModelUnavailable(f"LLM server {self.url} broke the stream ({describe(error)})") from None

    def _open(self, body: dict[str, Any]) -> closing[httpx.Response]:
        """The streamed response; a refused connection is tried once more after a short pause."""
        for attempt in (1, 2):
            try:
                response = self._http.send(self._http.build_request("POST", self.url + "/chat/completions",
                                                                    json=body), stream=True)
                return closing(response)
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                if attempt == 2:
                    raise ModelUnavailable(f"LLM server {self.url} is not reachable ({describe(error)}); "
                                           "start it or fix --llm-url") from None
                time.sleep(RETRY_PAUSE_S)
        raise AssertionError("unreachable")


def check_status(response: httpx.Response, url: str) -> None:
    if response.status_code < 400:
        return
    response.read()
    raise ModelUnavailable(f"LLM server {url} answered HTTP {response.status_code}: {error_message(response)}")


def error_message(response: httpx.Response) -> str:
    try:
        error = response.json().get("error", response.json())
        message = error.get("message", error) if isinstance(error, dict) else error
    except (ValueError, AttributeError):
        message = response.text
    return " ".join(str(message).split())[:300] or "(no message)"


def read_events(lines: Iterator[str], url: str, request: Request) -> Iterator[Thinking | Token]:
    """Server-sent events in, thinking and answer pieces out, until `[DONE]` or a finish reason.
    Content goes through the harmony parser too: a server without a reasoning parser sends
    gpt-oss's raw channels, and its markers must never reach the answer."""
    finished, parser = False, HarmonyParser()
    for line in lines:
        if not line.startswith("data:"):
            continue  # blank separators, `: keep-alive` comments, `event:` lines
        data = line[len("data:"):].strip()
        if data == "[DONE]":
            break
        chunk = parse_chunk(data, url)
        choice = (chunk.get("choices") or [{}])[0]
        delta = choice.get("delta") or {}
        for field in REASONING_FIELDS:
            if isinstance(delta.get(field), str) and delta[field]:
                yield Thinking(delta[field])
        if isinstance(delta.get("content"), str) and delta["content"]:
            yield from events(parser.feed(delta["content"]))
        finished = finished or bool(choice.get("finish_reason"))
        if request.cancel.is_set():
            return
    else:
        if not finished:
            raise ModelUnavailable(f"LLM server {url} ended the stream before the answer was finished")
    yield from events(parser.finish())


def parse_chunk(data: str, url: str) -> dict[str, Any]:
    try:
        chunk = json.loads(data)
    except ValueError:
        raise ModelUnavailable(f"LLM server {url} sent a chunk that is not JSON: {data[:80]!r}") from None
    if not isinstance(chunk, dict):
        raise ModelUnavailable(f"LLM server {url} sent a chunk that is not an object: {data[:80]!r}")
    if chunk.get("error"):
        error = chunk["error"]
        message = error.get("message", error) if isinstance(error, dict) else error
        raise ModelUnavailable(f"LLM server {url} failed mid-answer: {' '.join(str(message).split())[:300]}")
    return chunk


def describe(error: BaseException) -> str:
    return " ".join(str(error).split())[:200] or type(error).__name__


def list_models(url: str, api_key: str = "", timeout_s: float = 5.0, client: httpx.Client | None = None) -> list[str]:
    """The model ids the server lists at GET /v1/models (maybe none: transformers serve 5.22 lists only
    its hub cache); a `ModelUnavailable` saying why when the server does not answer with a list."""
    base = api_base(url)
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        if client is not None:
            response = client.get(base + "/models")
        else:
            response = httpx.get(base + "/models", headers=headers, timeout=timeout_s)
    except httpx.HTTPError as error:
        raise ModelUnavailable(f"LLM server {base} is not reachable ({describe(error)}); "
                               "start it or fix --llm-url") from None
    if response.status_code >= 400:
        raise ModelUnavailable(f"LLM server {base} answered HTTP {response.status_code} to GET /models: "
                               f"{error_message(response)}")
    try:
        ids = [str(m["id"]) for m in response.json()["data"]]
    except (ValueError, KeyError, TypeError):
        raise ModelUnavailable(f"LLM server {base}: GET /models did not return an OpenAI model list") from None
    return ids


def first_model(url: str, listed: list[str]) -> str:
    """The model to use when none was configured: the first the server lists."""
    if not listed:
        raise ModelUnavailable(f"LLM server {api_base(url)} lists no models; load one or pass --llm-model")
    return listed[0]
