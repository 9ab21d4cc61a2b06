"""Our OpenAI-compatible API as clients use it: the official `openai` SDK against a running
`rag serve` that answers through the OpenAI generator from a fake LLM server (tests/fake_llm.py),
with an API key set. Streaming and not, thinking and citations in the `rag` field, content as
parts, models.list(), auth for the API and the Gradio routes, and every malformed request."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.fake_llm import THINKING, FakeLLM
from tests.test_serve import WATTS, running_server

pytestmark = pytest.mark.slow

KEY = "s3cret-key"
MAX_QUESTION = 300
MAX_HISTORY = 4


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with FakeLLM() as llm:
        env = {"RAG_MAX_QUESTION_CHARS": str(MAX_QUESTION), "RAG_MAX_HISTORY_TURNS": str(MAX_HISTORY),
               "RAG_API_KEY": KEY}
        args = ("--generator", "openai", "--llm-url", llm.url, "--llm-model", "cite-reasoning")
        with running_server(tmp_path_factory.mktemp("api"), *args, env=env) as server:
            yield server, llm


@pytest.fixture
def server(served):
    return served[0]


def sdk(server, key: str = KEY, retries: int = 0):
    from openai import OpenAI

    return OpenAI(base_url=server.url + "/v1", api_key=key, max_retries=retries,
                  http_client=httpx.Client(trust_env=False, timeout=60))


def post(server, body, key: str | None = KEY, raw: bytes | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    with httpx.Client(trust_env=False, timeout=60) as http:
        if raw is not None:
            return http.post(server.url + "/v1/chat/completions", content=raw,
                             headers={**headers, "content-type": "application/json"})
        return http.post(server.url + "/v1/chat/completions", json=body, headers=headers)


def ask(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def test_a_plain_answer_carries_labels_citations_and_thinking(server):
    reply = sdk(server).chat.completions.create(model="rag-chat", messages=ask(WATTS))
    text = reply.choices[0].message.content
    assert "400 watts" in text and "[A]" in text
    rag = reply.model_extra["rag"]
    assert rag["generator"] == "openai" and rag["refused"] is False
    assert rag["citations"][0]["label"] == "A" and rag["citations"][0]["source"] == "solar.md"
    assert rag["claims"][0]["marker"] == "[1]" and rag["thinking"].strip() == THINKING
    assert THINKING not in text and reply.choices[0].message.model_extra["reasoning"].strip() == THINKING


def test_a_stream_sends_thinking_as_reasoning_then_the_cited_answer(server):
    stream = sdk(server).chat.completions.create(model="rag-chat", messages=ask(WATTS), stream=True)
    chunks = list(stream)
    reasoning = "".join((c.choices[0].delta.model_extra or {}).get("reasoning") or "" for c in chunks)
    content = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert reasoning.strip() == THINKING and "[A]" in content and THINKING not in content
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra["rag"]["citations"][0]["source"] == "solar.md"


def test_content_as_a_list_of_text_parts_and_history(server, served):
    llm = served[1]
    parts = [{"type": "text", "text": "How much power does a typical"},
             {"type": "text", "text": "home solar panel produce?"}]
    messages = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "What is solar power?"},
                {"role": "assistant", "content": [{"type": "text", "text": "Sunlight made electricity [A]."}]},
                {"role": "user", "content": parts}]
    reply = sdk(server).chat.completions.create(model="rag-chat", messages=messages)
    assert "[A]" in reply.choices[0].message.content
    sent = llm.requests[-1]["body"]["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert sent[-1]["content"] == "How much power does a typical\nhome solar panel produce?"
    assert sent[2]["content"] == "Sunlight made electricity [A]."


def test_models_list_and_health(server):
    assert [m.id for m in sdk(server).models.list()] == ["rag-chat"]
    health = httpx.get(server.url + "/healthz", trust_env=False)  # open to health checks, no key
    assert health.status_code == 200 and health.json()["generator"] == "openai"


def test_without_or_with_a_wrong_key_the_api_says_401(server):
    import openai

    with pytest.raises(openai.AuthenticationError) as caught:
        sdk(server, key="wrong").chat.completions.create(model="rag-chat", messages=ask(WATTS))
    assert caught.value.status_code == 401 and caught.value.code == "invalid_api_key"
    assert "not valid" in error_of(post(server, {"messages": ask(WATTS)}, key="wrong"), 401)["message"]
    assert "Bearer KEY" in error_of(post(server, {"messages": ask(WATTS)}, key=None), 401)["message"]
    page = httpx.get(server.url + "/", headers={"Accept": "text/html"}, trust_env=False)
    assert page.status_code == 401 and "/?key=" in page.text
    for path in ("/v1/models", "/gradio_api/info", "/config", "/"):
        reply = httpx.get(server.url + path, trust_env=False)
        assert reply.status_code == 401, path
        assert reply.json()["error"]["code"] == "invalid_api_key"


def test_gradio_routes_work_with_the_key_and_a_browser_logs_in_once(server):
    from gradio_client import Client

    client = Client(server.url + "/", verbose=False, headers={"Authorization": f"Bearer {KEY}"})
    try:
        history, sources, _, generator = client.predict(WATTS, [], api_name="/chat")
    finally:
        client.close()
    assert "openai" in generator and "solar.md" in sources
    with httpx.Client(trust_env=False, base_url=server.url) as browser:
        login = browser.get(f"/?key={KEY}", follow_redirects=True)  # the cookie is set, then the page
        assert login.status_code == 200 and "rag_key" in browser.cookies and "?key" not in str(login.url)
        assert browser.get("/gradio_api/info").status_code == 200


def error_of(reply: httpx.Response, status: int, code: str | None = None) -> dict:
    assert reply.status_code == status, reply.text
    error = reply.json()["error"]
    assert set(error) >= {"message", "type", "code"} and "Traceback" not in reply.text
    if code:
        assert error["code"] == code
    return error


@pytest.mark.parametrize("body, says", [
    ({"messages": [{"role": "user", "content": 5}]}, "content must be a string"),
    ({"messages": ask(WATTS), "stream": "yes"}, "'stream' must be true or false"),
    ({}, "'messages' is required"),
    ({"messages": []}, "'messages' is empty"),
    ({"messages": "hello"}, "must be a list"),
    ({"messages": [{"role": "wizard", "content": "hi"}]}, "role must be one of"),
    ({"messages": [{"role": "assistant", "content": "hi"}]}, "must come from the user"),
    ({"messages": ask("   ")}, "is empty"),
    ({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]},
     "only text parts"),
    ({"messages": [{"role": "user", "content": [{"type": "text", "text": 3}]}]}, "text must be a string"),
    ({"messages": ask(WATTS), "model": 7}, "'model' must be a string"),
])
def test_wrong_requests_are_400s_in_openai_shape(server, body, says):
    assert says in error_of(post(server, body), 400)["message"]


def test_bad_json_and_non_object_bodies(server):
    assert error_of(post(server, None, raw=b'{"messages": ['), 400, "invalid_json")
    assert error_of(post(server, None, raw=b"[1, 2]"), 400, "invalid_json")
    assert error_of(post(server, None, raw=b'{"messages": "\xff\xfe"}'), 400, "invalid_json")
    assert error_of(post(server, None, raw=b'{"messages": ' + b"[" * 50_000), 400, "invalid_json")
    assert error_of(post(server, None, raw=b""), 400, "invalid_json")


@pytest.mark.parametrize("stream", ["true", "false"])
def test_a_lone_surrogate_escape_is_refused_not_a_crash(server, stream):
    raw = b'{"messages": [{"role": "user", "content": "solar \\ud800 panel"}], "stream": %s}' % stream.encode()
    assert "surrogate" in error_of(post(server, None, raw=raw), 400)["message"]


def test_nul_and_control_characters_are_answered(server):
    reply = post(server, {"messages": ask("How much power\x00 does a typical\x07 home solar panel produce?")})
    assert reply.status_code == 200 and "[A]" in reply.json()["choices"][0]["message"]["content"]


def test_limits_on_the_question_and_the_history(server):
    import openai

    with pytest.raises(openai.BadRequestError) as caught:
        sdk(server).chat.completions.create(model="rag-chat", messages=ask("solar " * 100))
    assert caught.value.code == "context_length_exceeded" and str(MAX_QUESTION) in caught.value.message
    history = [{"role": r, "content": "solar"} for r in ("user", "assistant") * 3]
    error = error_of(post(server, {"messages": [*history, *ask(WATTS)]}), 400, "too_many_messages")
    assert str(MAX_HISTORY) in error["message"]


def test_an_unknown_model_is_a_404(server):
    import openai

    with pytest.raises(openai.NotFoundError) as caught:
        sdk(server).chat.completions.create(model="gpt-9", messages=ask(WATTS))
    assert caught.value.code == "model_not_found"


def test_unknown_routes_answer_in_openai_shape(server):
    assert "/v1/chat/completions" in error_of(post_to(server, "/v1/embeddings"), 404, "not_found")["message"]
    get = httpx.get(server.url + "/v1/chat/completions", headers={"Authorization": f"Bearer {KEY}"}, trust_env=False)
    error_of(get, 404, "not_found")


def post_to(server, path: str) -> httpx.Response:
    return httpx.post(server.url + path, json={}, headers={"Authorization": f"Bearer {KEY}"}, trust_env=False)


@pytest.fixture
def failing_api(built, served):
    """The API alone, served by uvicorn on loopback, answering through an LLM that fails mid-answer."""
    import threading
    import time

    import uvicorn
    from fastapi import FastAPI

    from rag.answer.generators.openai_compat import OpenAIGenerator
    from rag.answer.pipeline import Assistant
    from rag.embed.choose import make as make_embedder
    from tests.test_serve import free_port
    from ui.server import api_routes

    app = FastAPI()
    bot = Assistant(built.index, make_embedder("hashing", built.backend),
                    OpenAIGenerator(served[1].url, "error-midstream"), "test")
    api_routes(app, bot)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_an_answer_failing_mid_stream_ends_with_an_error_event_then_done(failing_api):
    import openai

    with httpx.Client(trust_env=False, timeout=60) as http:
        with http.stream("POST", failing_api + "/v1/chat/completions",
                         json={"messages": ask(WATTS), "stream": True}) as response:
            lines = [line for line in response.iter_lines() if line.startswith("data: ")]
        assert lines[-1] == "data: [DONE]"
        error = json.loads(lines[-2][len("data: "):])["error"]
        assert "CUDA out of memory" in error["message"] and "/v1" in error["message"]
        plain = http.post(failing_api + "/v1/chat/completions", json={"messages": ask(WATTS)})
        assert plain.status_code == 503 and "CUDA out of memory" in plain.json()["error"]["message"]
    client = openai.OpenAI(base_url=failing_api + "/v1", api_key="none", max_retries=0,
                           http_client=httpx.Client(trust_env=False))
    with pytest.raises(openai.APIError, match="CUDA out of memory"):
        list(client.chat.completions.create(model="rag-chat", messages=ask(WATTS), stream=True))
