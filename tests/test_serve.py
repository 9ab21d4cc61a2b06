"""End to end: `rag serve` as a user starts it, on a free loopback port, with the fast hashing embedder.

One server per module: chat through `gradio_client` (the UI's own `/chat` endpoint), the
OpenAI-compatible API (plain and streamed), a page that loads nothing from outside the machine (by
reading it, and in a headless Chromium when one is installed), and, last, live reload: the corpus
changes, `rag index` runs beside the server, and the next answer reflects it with no restart.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlparse

import httpx
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"

WATTS = "How much power does a typical home solar panel produce?"
READY_WITHIN_S = 60
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")  # loopback traffic never goes through a proxy


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def child_env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
            "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"}


class Server:
    def __init__(self, url: str, corpus: Path, index: Path, process: subprocess.Popen, log: Path):
        self.url, self.corpus, self.index, self.process, self.log = url, corpus, index, process, log

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60, trust_env=False)

    def chat(self, message: str, history: list | None = None) -> tuple:
        """Ask through the UI's `/chat` endpoint; returns (outputs streamed, final outputs)."""
        from gradio_client import Client

        client = Client(self.url + "/", verbose=False, download_files=False)
        try:
            job = client.submit(message, history or [], api_name="/chat")
            streamed = list(job)
            return streamed, job.result(timeout=60)
        finally:
            client.close()


@contextlib.contextmanager
def running_server(home: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    """`rag serve` on a free loopback port over a copy of the fixture corpus, until the block ends."""
    corpus, index, log = home / "corpus", home / "index", home / "serve.log"
    if not corpus.exists():  # a restart over the same home keeps its corpus and index
        shutil.copytree(FIXTURE_CORPUS, corpus)
    port = free_port()
    command = [sys.executable, "-m", "rag", "serve", "--embedder", "hashing", "--corpus", str(corpus),
               "--index", str(index), "--port", str(port), "--host", "127.0.0.1", *args]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env={**child_env(), **(env or {})}, stdout=out,
                                   stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_WITHIN_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"rag serve exited with {process.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(url + "/healthz", timeout=2, trust_env=False).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"rag serve not ready within {READY_WITHIN_S} s:\n{log.read_text()}")
            time.sleep(0.3)
        yield Server(url, corpus, index, process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("serve")) as running:
        yield running


def message_text(message: dict) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content or ""


def test_healthz_reports_the_index_and_generator(server):
    with server.http() as http:
        health = http.get("/healthz").json()
    assert health["ok"] is True and health["generator"] == "extractive"
    assert health["index"]["documents"] == 3 and health["index"]["embedder"].startswith("hashing")


def test_chat_through_gradio_client(server):
    from gradio_client import Client

    client = Client(server.url + "/", verbose=False)
    try:
        info = client.view_api(return_format="dict", print_info=False)
    finally:
        client.close()
    chat = info["named_endpoints"]["/chat"]
    assert [p["parameter_name"] for p in chat["parameters"]] == ["message", "history"]

    streamed, (history, sources, searched, generator) = server.chat(WATTS)
    assert len(streamed) > 1, "the answer streams"
    answer = message_text(history[-1])
    assert history[-1]["role"] == "assistant" and "[A]" in answer and "watts" in answer
    assert "<b>[A]</b>" in sources and "<mark>" in sources and "solar.md" in sources
    assert "Searched for:" in searched and "extractive" in generator

    # a follow-up sends the history back as the client received it
    _, (history, _, searched, _) = server.chat("and on cloudy days?", history)
    assert searched.endswith(f"{WATTS} and on cloudy days?")
    assert "cloudy" in message_text(history[-1]) and "[" in message_text(history[-1])


def test_openai_compatible_api(server):
    body = {"model": "rag-chat", "messages": [{"role": "user", "content": WATTS}]}
    with server.http() as http:
        reply = http.post("/v1/chat/completions", json=body)
        assert reply.status_code == 200
        plain = reply.json()
        assert plain["object"] == "chat.completion"
        text = plain["choices"][0]["message"]["content"]
        assert "[A]" in text and "watts" in text
        rag = plain["rag"]
        assert rag["refused"] is False and rag["generator"] == "extractive"
        assert rag["citations"][0]["label"] == "A" and rag["citations"][0]["source"] == "solar.md"
        assert rag["claims"] == [{"marker": "[1]", "text": "Energy Handbook - A typical home panel produces "
                                                          "about 400 watts in full sun."}]

        pieces, final = [], None
        with http.stream("POST", "/v1/chat/completions", json={**body, "stream": True}) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            lines = [line for line in response.iter_lines() if line.startswith("data: ")]
        assert lines[-1] == "data: [DONE]"
        for line in lines[:-1]:
            chunk = json.loads(line[len("data: "):])
            pieces.append(chunk["choices"][0]["delta"].get("content", ""))
            final = chunk
        assert final["choices"][0]["finish_reason"] == "stop"
        assert final["rag"]["answer"] == text
        assert "[A]" in "".join(pieces)

        france = {"messages": [{"role": "user", "content": "What is the capital of France?"}]}
        refused = http.post("/v1/chat/completions", json=france).json()
        assert refused["rag"]["refused"] is True and refused["rag"]["citations"] == []
        bad = http.post("/v1/chat/completions", json={"messages": [{"role": "assistant", "content": "hi"}]})
        assert bad.status_code == 400


def test_the_openai_sdk_without_a_key_when_none_is_set(server):
    from openai import OpenAI

    client = OpenAI(base_url=server.url + "/v1", api_key="anything", http_client=httpx.Client(trust_env=False))
    assert [m.id for m in client.models.list()] == ["rag-chat"]
    reply = client.chat.completions.create(model="rag-chat", messages=[{"role": "user", "content": WATTS}])
    assert "[A]" in reply.choices[0].message.content


# A browser loads what these name; <meta> (og:image and the like) and <a> links it does not fetch.
_LOADS = {"script": ["src"], "link": ["href"], "img": ["src", "srcset"], "iframe": ["src"],
          "source": ["src", "srcset"], "video": ["src", "poster"], "audio": ["src"], "embed": ["src"],
          "object": ["data"]}
_CSS_URL = re.compile(r"""@import\s+(?:url\()?\s*['"]?([^'")\s;]+)|url\(\s*['"]?([^'")]+)""")


def _html_urls(html: str) -> list[str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    urls = []
    for tag, attributes in _LOADS.items():
        for element in soup.find_all(tag):
            for attribute in attributes:
                value = element.get(attribute)
                if value:
                    urls += [part.split()[0] for part in value.split(",")] if attribute == "srcset" else [value]
    for style in soup.find_all("style"):
        urls += _css_urls(style.get_text())
    return urls


def _css_urls(css: str) -> list[str]:
    return [a or b for a, b in _CSS_URL.findall(css) if not (a or b).startswith(("data:", "#"))]


def _is_loopback(url: str, base: str) -> bool:
    absolute = urljoin(base + "/", url)
    parsed = urlparse(absolute)
    return parsed.scheme in ("http", "https", "ws", "wss") and parsed.hostname in LOOPBACK


def test_served_page_loads_nothing_from_outside(server):
    with server.http() as http:
        page = http.get("/")
        assert page.status_code == 200
        loaded = _html_urls(page.text)
        assert any(u.endswith(".js") for u in loaded) and any(u.endswith(".css") for u in loaded)
        for url in list(loaded):
            if url.endswith(".css") and _is_loopback(url, server.url):
                loaded += _css_urls(http.get(urljoin(server.url + "/", url)).text)
        loaded += _css_urls(http.get("/theme.css").text)

        config = http.get("/config").json()
        assert config["analytics_enabled"] is False
        loaded += config.get("stylesheets") or []
        loaded += _html_urls(config.get("head") or "") + _css_urls(config.get("css") or "")
        anywhere = re.findall(r"""(?:https?|wss?)://[^\s"'\\)]+""", json.dumps(config))
    outside = [u for u in loaded if not _is_loopback(u, server.url)]
    assert not outside, f"the page would load from outside the machine: {outside}"
    outside = [u for u in anywhere if not _is_loopback(u, server.url)]
    assert not outside, f"the config names outside URLs: {outside}"


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-default-apps", "--disable-extensions"]


def test_browser_loads_only_loopback_and_shows_a_cited_answer(server, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no chromium on PATH: install it with `apt-get install -y chromium` to run the browser check")
    playwright = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

    requests: list[str] = []
    with playwright.sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=chromium, headless=True,
            args=[flag for flag in CHROMIUM_FLAGS if flag != "--headless"],
            viewport={"width": 1280, "height": 900})
        try:
            context.on("request", lambda request: requests.append(request.url))
            page = context.pages[0] if context.pages else context.new_page()
            # not "networkidle": the page holds a heartbeat stream open for its per-tab state
            page.goto(server.url + "/", wait_until="load", timeout=60_000)
            box = page.get_by_placeholder("Ask a question")
            box.wait_for(timeout=60_000)
            box.fill(WATTS)
            box.press("Enter")
            answer = page.locator("[data-testid='bot']").filter(has_text="[A]")
            answer.first.wait_for(timeout=60_000)
            page.locator(".rag-source mark").first.wait_for(timeout=60_000)
            page.wait_for_timeout(1_000)  # whatever the answer made the page fetch has been asked for
            assert "watts" in answer.first.inner_text()
            page.screenshot(path="/tmp/ui.png", full_page=True)
        finally:
            context.close()

    assert requests, "the browser made requests"
    outside = [u for u in requests if not (u.startswith(("data:", "blob:")) or _is_loopback(u, server.url))]
    assert not outside, f"the browser fetched from outside the machine: {outside}"


def test_live_reload_after_reindex_without_restart(server):
    """Runs last: it changes the corpus the other tests read."""
    with server.http() as http:
        generation = http.get("/healthz").json()["index"]["generation"]
        solar = server.corpus / "solar.md"
        solar.write_text(solar.read_text(encoding="utf-8").replace("400 watts", "450 watts"), encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "rag", "index", "--embedder", "hashing",
                               "--corpus", str(server.corpus), "--index", str(server.index)],
                              cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr

        body = {"messages": [{"role": "user", "content": WATTS}]}
        reply = http.post("/v1/chat/completions", json=body).json()
        assert "450 watts" in reply["choices"][0]["message"]["content"]
        assert "400 watts" not in reply["choices"][0]["message"]["content"]
        assert http.get("/healthz").json()["index"]["generation"] != generation
    _, (history, sources, _, _) = server.chat(WATTS)
    assert "450 watts" in message_text(history[-1]) and "450 watts" in sources
    assert server.process.poll() is None, "the same server process answered"


def test_serve_killed_while_answering_restarts_cleanly(tmp_path):
    """SIGKILL while a streamed answer is on the wire; the next `rag serve` over the same index
    starts, reports a healthy index and answers, with nothing to repair by hand."""
    ask = {"model": "rag-chat", "stream": True, "messages": [{"role": "user", "content": WATTS}]}
    with running_server(tmp_path) as first:
        with contextlib.suppress(httpx.HTTPError), first.http() as http, \
                http.stream("POST", "/v1/chat/completions", json=ask) as reply:
            assert reply.status_code == 200
            lines = reply.iter_lines()
            next(lines)  # the answer has begun
            first.process.kill()
            first.process.wait(timeout=15)
            list(lines)  # the stream breaks off
    with running_server(tmp_path) as second, second.http() as http:
        health = http.get("/healthz").json()
        assert health["status"] == "ok", health
        reply = http.post("/v1/chat/completions", json={**ask, "stream": False})
        assert reply.status_code == 200 and "400 watts" in reply.json()["choices"][0]["message"]["content"]
