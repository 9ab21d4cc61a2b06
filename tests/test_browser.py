"""The chat page in a real headless Chromium (Debian's, driven by Playwright; never downloaded).

Two real servers on loopback ports: `rag serve` on the fixture corpus (extractive answers) started in
a scratch working folder, so `feedback.jsonl` lands there by default; and the same app with a paced
fake generator (tests/paced_server.py) for streaming, lag and stop. Every browser request is routed
through a check that aborts and records anything not for 127.0.0.1. Screenshots of the main states go
to $RAG_SCREENSHOTS (default build/screenshots); the path is printed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"
SHOTS = Path(os.environ.get("RAG_SCREENSHOTS") or ROOT / "build" / "screenshots")
WATTS = "How much power does a typical home solar panel produce?"
LIFE = "How long do solar panels last?"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-default-apps", "--disable-extensions"]
RATE, TOKENS = 200, 1200  # the paced generator: 6 s of answer at 200 tokens/s


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(command: list[str], cwd: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
           "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT), "NO_PROXY": "127.0.0.1,localhost"}
    with log.open("wb") as out:
        process = subprocess.Popen([*command, "--port", str(port)], cwd=cwd, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{command} exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url + "/healthz", timeout=2, trust_env=False).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    process.kill()
    pytest.fail(f"{command} not ready in 90 s:\n{log.read_text()}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("browser")
    shutil.copytree(FIXTURE_CORPUS, home / "corpus")
    return home


@pytest.fixture(scope="module")
def served(home) -> Iterator[str]:
    """`rag serve` as a user runs it, in `home` as its working folder."""
    process, url = start([sys.executable, "-m", "rag", "serve", "--embedder", "hashing", "--corpus", "corpus",
                          "--index", "index"], home, home / "serve.log")
    yield url
    stop(process)


@pytest.fixture(scope="module")
def paced(home) -> Iterator[tuple[str, Path]]:
    log = home / "paced"
    log.mkdir()
    process, url = start([sys.executable, str(ROOT / "tests" / "paced_server.py"), "--corpus", "corpus",
                          "--index", "paced-index", "--log", str(log), "--rate", str(RATE), "--tokens",
                          str(TOKENS)], home, home / "paced.log")
    yield url, log
    stop(process)


@pytest.fixture(scope="module")
def browser(home):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no chromium on PATH: install it with `apt-get install -y chromium` to run the browser tests")
    playwright = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    SHOTS.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {SHOTS}")
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=chromium, headless=True, args=FLAGS)
        yield launched
        launched.close()


class Tab:
    """A browser context whose every request must be for 127.0.0.1; others are aborted and kept."""

    def __init__(self, browser, width: int = 1280, height: int = 900, dark: bool = False):
        self.outside: list[str] = []
        self.context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True,
                                           color_scheme="dark" if dark else "light")
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlparse(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def open(self, url: str) -> None:
        self.page.goto(url + "/", wait_until="load", timeout=60_000)
        self.box.wait_for(timeout=60_000)

    @property
    def box(self):
        return self.page.locator("#rag-question textarea")

    def ask(self, question: str) -> None:
        self.box.fill(question)
        self.box.press("Enter")

    def bot_answers(self):
        return self.page.locator("[data-testid='bot']")

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()
        assert not self.outside, f"the page tried to reach outside the machine: {self.outside}"


@pytest.fixture
def tab(browser):
    opened = Tab(browser)
    yield opened
    opened.close()


def passage(page, answer: int, label: str):
    return page.locator(f"#rag-sources .rag-group[data-answer='{answer}'] [data-source='{label}']")


def in_view(page, locator) -> bool:
    """The element's box lies inside the window and inside the scrolling sources panel."""
    return locator.evaluate("""e => { const r = e.getBoundingClientRect(), p = e.closest('#rag-sources')
                                          .getBoundingClientRect();
        return r.top >= Math.max(0, p.top) - 1 && r.bottom <= Math.min(innerHeight, p.bottom) + 1; }""")


def test_citations_lead_to_their_passages_also_for_an_earlier_answer(served, home, tab):
    page = tab.page
    tab.open(served)
    tab.shot("1-empty")
    tab.ask(WATTS)
    first = page.locator("[data-testid='bot'] .rag-cite[data-cite='A'][data-answer='1']")
    first.wait_for(timeout=60_000)
    assert "400 watts" in tab.bot_answers().last.inner_text()
    # the claim marker shows its definition, in the answer (on hover) and in the sources panel
    claim = page.locator("[data-testid='bot'] .rag-claim[data-claim='1']").first
    assert claim.get_attribute("title").startswith("Energy Handbook")
    assert "Energy Handbook - A typical home panel" in page.locator("#rag-sources .rag-claims").first.inner_text()

    first.click()
    selected = passage(page, 1, "A")
    page.wait_for_function("document.querySelector(\"#rag-sources [data-answer='1'] [data-source='A']\")"
                           ".classList.contains('rag-selected')", timeout=5_000)
    assert selected.is_visible() and in_view(page, selected)
    assert selected.locator("mark").inner_text().startswith("A typical home panel produces about 400 watts")
    tab.shot("2-cited-answer")

    tab.ask(LIFE)
    second = page.locator("[data-testid='bot'] .rag-cite[data-answer='2']").first
    second.wait_for(timeout=60_000)
    assert passage(page, 2, second.get_attribute("data-cite")).is_visible(), "the new answer's sources show"
    assert not selected.is_visible(), "the earlier answer's sources step aside"

    first.click()  # the label of the EARLIER answer brings back that answer's own passage
    page.wait_for_function("document.querySelector(\"#rag-sources [data-answer='1'] [data-source='A']\")"
                           ".classList.contains('rag-selected')", timeout=5_000)
    assert selected.is_visible() and in_view(page, selected)
    assert "400 watts" in selected.inner_text()
    assert not passage(page, 2, second.get_attribute("data-cite")).is_visible()
    tab.shot("3-earlier-citation")

    # Export: one Markdown file with both answers, their passages and claim texts written out
    with page.expect_download(timeout=30_000) as download:
        page.locator("#export").click()
    markdown = Path(download.value.path()).read_text(encoding="utf-8")
    assert f"## 1. {WATTS}" in markdown and f"## 2. {LIFE}" in markdown
    assert "**[A]** solar.md › How solar panels work" in markdown
    assert "> Solar panels turn sunlight into electricity" in markdown, "the passage itself, not just its name"
    assert "- [1] Energy Handbook - A typical home panel produces about 400 watts in full sun." in markdown
    assert "25 to 30 years" in markdown

    # thumbs up on the first answer: a line in feedback.jsonl of the working folder, and `rag feedback`
    page.locator("#rag-chat button[aria-label='Like']").first.click()  # each answer has its thumbs
    page.get_by_text("thumbs up is saved").wait_for(timeout=10_000)
    page.locator("#rag-comment textarea").fill("right figure, right passage")
    page.get_by_role("button", name="Send comment").click()
    page.get_by_text("Comment saved").wait_for(timeout=10_000)
    tab.shot("4-rated")
    lines = [json.loads(line) for line in (home / "feedback.jsonl").read_text().splitlines()]
    assert lines[0]["vote"] == "up" and lines[0]["question"] == WATTS and lines[0]["citations"][0]["label"] == "A"
    listed = subprocess.run([sys.executable, "-m", "rag", "feedback", "--json"], cwd=home, capture_output=True,
                            text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert listed.returncode == 0, listed.stderr
    items = json.loads(listed.stdout)
    assert len(items) == 1, "the comment updates the vote's record rather than adding a second answer"
    assert items[0]["vote"] == "up" and items[0]["comment"] == "right figure, right passage"
    assert "400 watts" in items[0]["answer"] and items[0]["generator"] == "extractive"


def test_a_page_reload_keeps_the_conversation_and_clearing_forgets_it(served, tab):
    page = tab.page
    tab.open(served)
    tab.ask(WATTS)
    page.locator("[data-testid='bot'] .rag-cite").first.wait_for(timeout=60_000)
    answer = tab.bot_answers().last.inner_text()
    page.wait_for_timeout(500)  # the browser keeps the conversation once the answer is complete
    page.reload(wait_until="load")
    tab.box.wait_for(timeout=60_000)
    page.locator("[data-testid='user']").filter(has_text=WATTS).wait_for(timeout=10_000)
    assert "400 watts" in tab.bot_answers().last.inner_text() and "400 watts" in answer
    assert page.locator("[data-testid='bot'] .rag-cite").count() == 0, "no chip points at passages no longer shown"
    assert "sources of its answers were not" in page.locator("#rag-sources").inner_text()
    tab.ask("How long do solar panels last?")  # the conversation goes on; the new answer's chips work
    page.locator("[data-testid='bot'] .rag-cite").first.wait_for(timeout=60_000)
    page.locator("[data-testid='bot'] .rag-cite").first.click()
    assert passage(page, 1, "A").is_visible()
    tab.shot("10-reloaded")
    page.locator("#rag-chat button[aria-label='Clear']").first.click()
    page.wait_for_timeout(500)
    page.reload(wait_until="load")
    tab.box.wait_for(timeout=60_000)
    page.wait_for_timeout(1000)
    assert tab.bot_answers().count() == 0, "a cleared conversation stays cleared"


def test_phone_width_needs_no_sideways_scrolling(served, browser):
    for dark in (False, True):
        phone = Tab(browser, width=390, height=844, dark=dark)
        try:
            page = phone.page
            phone.open(served + ("/?__theme=dark" if dark else ""))
            phone.ask(WATTS)
            page.locator("[data-testid='bot'] .rag-cite").first.wait_for(timeout=60_000)
            page.locator("[data-testid='bot'] .rag-cite").first.click()
            wide = page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
            assert wide <= 390, f"the page is {wide} px wide at a 390 px window"
            phone.shot(f"5-phone-{'dark' if dark else 'light'}")
        finally:
            phone.close()


def test_enter_sends_and_shift_enter_breaks_the_line(served, tab):
    tab.open(served)
    tab.box.click()
    tab.box.type("first line")
    tab.box.press("Shift+Enter")
    tab.box.type("second line")
    assert tab.box.input_value() == "first line\nsecond line"
    assert tab.bot_answers().count() == 0, "Shift+Enter sent nothing"
    tab.box.press("Enter")
    tab.bot_answers().first.wait_for(timeout=60_000)
    assert tab.box.input_value() == ""


def test_an_example_asks_and_retry_answers_again(served, tab):
    page = tab.page
    tab.open(served)
    page.get_by_text("Is ChatGPT open source?").first.click()
    page.locator("[data-testid='user']").filter(has_text="Is ChatGPT open source?").wait_for(timeout=60_000)
    tab.bot_answers().first.wait_for(timeout=60_000)
    tab.box.fill(WATTS)
    tab.box.press("Enter")
    page.locator("[data-testid='bot'] .rag-cite[data-answer='2']").first.wait_for(timeout=60_000)
    page.locator("#rag-chat button[aria-label='Retry']").last.click()
    page.wait_for_timeout(500)
    page.locator("[data-testid='bot'] .rag-cite[data-answer='2']").first.wait_for(timeout=60_000)
    assert tab.bot_answers().count() == 2 and page.locator("[data-testid='user']").count() == 2
    assert "400 watts" in tab.bot_answers().last.inner_text()
    tab.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served)
    page.locator("#rag-chat button[aria-label='Copy message']").last.click()
    page.wait_for_timeout(300)
    assert page.evaluate("navigator.clipboard.readText()") == \
        "A typical home panel produces about 400 watts in full sun. [1] [A]", "copy gives the words, not markup"
    page.get_by_text("Settings and index").click()
    page.get_by_text("Passages searched (top-k)").wait_for(timeout=10_000)
    assert page.get_by_role("button", name="Re-index").is_visible()
    tab.shot("9-settings")


SAMPLER = """() => { window.ragSamples = []; window.ragSampler = setInterval(() => {
    const bots = document.querySelectorAll("[data-testid='bot']");
    const text = bots.length ? bots[bots.length - 1].innerText : '';
    const words = text.match(/w(\\d+)/g);
    window.ragSamples.push([Date.now() / 1000, words ? parseInt(words[words.length - 1].slice(1)) + 1 : 0]);
  }, 25); }"""


def test_the_page_keeps_up_with_200_tokens_a_second(paced, tab):
    url, log = paced
    tab.open(url)
    tab.page.evaluate(SAMPLER)
    tab.ask(WATTS)
    tab.page.locator("[data-testid='bot'] .rag-cite").first.wait_for(timeout=60_000)
    samples = tab.page.evaluate("clearInterval(window.ragSampler) || window.ragSamples")
    emitted = json.loads((log / "answer-1.json").read_text())["emitted"]
    assert len(emitted) == TOKENS
    # lag: tokens generated by the moment of a sample, minus the tokens the page showed then
    lags = [sum(t >= e for e in emitted) - shown for t, shown in samples if emitted[0] <= t <= emitted[-1]]
    third = len(lags) // 3
    early, late = sum(lags[:third]) / third, sum(lags[-third:]) / third
    print(f"\nlag at {RATE} tokens/s over {TOKENS} tokens: first third {early:.1f} tokens "
          f"({early / RATE * 1000:.0f} ms), last third {late:.1f} tokens ({late / RATE * 1000:.0f} ms), "
          f"max {max(lags)} tokens, {len(lags)} samples")
    assert late <= early + 0.1 * RATE, "the shown text falls further behind as the answer grows"
    assert max(lags) <= RATE, "the page was more than a second behind the generator"
    tab.shot("6-streamed")


def test_stop_ends_a_slow_stream(paced, tab):
    url, log = paced
    tab.open(url)
    tab.ask(WATTS)
    page = tab.page
    page.locator("[data-testid='bot']").filter(has_text=re.compile(r"w\d+")).first.wait_for(timeout=60_000)
    thought = page.locator("#rag-chat").get_by_text("Looking at passage A.")
    assert not thought.is_visible(), "reasoning starts collapsed"
    page.locator("#rag-chat").get_by_text("Thinking", exact=True).click()
    time.sleep(0.5)  # ten or so updates of the answer later, the opened reasoning stays open
    assert thought.is_visible()
    tab.shot("7-streaming")
    page.locator("#rag-question button[aria-label='Stop'], #rag-question .stop-button").first.click()
    # an answer cut short says so
    page.locator("[data-testid='bot']").filter(has_text="(stopped)").first.wait_for(timeout=10_000)
    shown = tab.bot_answers().last.inner_text()
    time.sleep(1.5)
    assert tab.bot_answers().last.inner_text() == shown, "the answer stopped growing"
    answers = sorted(log.glob("answer-*.json"), key=lambda p: p.stat().st_mtime)
    record = json.loads(answers[-1].read_text())
    assert record["cancelled"] and len(record["emitted"]) < TOKENS, "the generator itself stopped"
    assert page.locator("[data-testid='bot'] .rag-cite").count() == 0
    tab.shot("8-stopped")
