"""The chat UI's functions, without a server: `respond` streams the chat, sources and status lines;
thinking stays apart from the answer; unverified sentences are flagged; the app and the Re-index
path build and run. A canned gpt-oss "harmony" output stands in for a model."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pytest

from rag.answer.generators.base import Options
from rag.answer.generators.canned import CannedGenerator
from rag.answer.pipeline import Assistant
from rag.errors import RagError
from rag.records import Token
from ui import app as ui_app
from ui import feedback
from ui.app import build_app, reindex_stream, respond
from ui.conversation import history_turns
from ui.render import UNVERIFIED_MARK

WATTS = "How much power does a typical home solar panel produce?"
CANNED_THINKING = "The user asks about panel output. Passage A mentions the wattage."
CANNED = ("<|channel|>analysis<|message|>" + CANNED_THINKING + "<|end|>"
          "<|start|>assistant<|channel|>final<|message|>"
          "A typical home panel produces about 400 watts in full sun [A]. "
          "Such a panel costs about $900 to install [A].<|return|>")


@pytest.fixture(autouse=True)
def every_update(monkeypatch):
    """Most cases here look at each step of the stream: no batching (its own test sets it back)."""
    monkeypatch.setattr(ui_app, "UPDATE_EVERY_S", 0.0)


def stream(bot: Assistant, message: str, history: list | None = None) -> list[tuple]:
    """Every yield of `respond`, copied when it was yielded (respond mutates its history in place)."""
    return [copy.deepcopy(out) for out in respond(bot, message, history or [])]


def canned_bot(bot: Assistant, text: str = CANNED) -> Assistant:
    return Assistant(bot.index_dir, bot.embedder, CannedGenerator(text), "canned for tests",
                     bot.top_k, bot.gate_threshold)


def answers(history: list) -> list[dict]:
    return [m for m in history if m["role"] == "assistant" and not (m.get("metadata") or {}).get("title")]


def test_respond_streams_a_cited_answer_with_its_sources(bot):
    outs = stream(bot, WATTS)
    assert len(outs) > 2, "the answer streams in pieces"
    history, sources, searched, generator = outs[-1]
    assert history[0] == {"role": "user", "content": WATTS}
    assert history[-1]["role"] == "assistant"
    assert "400 watts" in history[-1]["content"] and "[A]" in history[-1]["content"]
    assert "[1]" in history[-1]["content"], "the answer shows the claim marker of the cited passage"
    partial = [answers(h)[-1]["content"] for h, *_ in outs[:-1] if answers(h)]
    assert any(0 < len(p) < len(history[-1]["content"]) for p in partial), "the answer grows as it streams"
    # sources: the passage label, its section, the supporting sentence highlighted, the claim's text
    assert "<b>[A]</b>" in sources and "solar.md" in sources and "How solar panels work" in sources
    assert "<mark>A typical home panel produces about 400 watts in full sun." in sources
    assert "Source claims" in sources and "<b>[1]</b> Energy Handbook" in sources
    assert searched == f"**Searched for:** {WATTS}"
    assert "extractive" in generator


def test_intermediate_yields_leave_the_sources_panel_alone(bot):
    outs = stream(bot, WATTS)
    assert all(isinstance(sources, type(gr.skip())) for _, sources, _, _ in outs[:-1])


def test_a_follow_up_shows_the_condensed_query(bot):
    first = stream(bot, "How long do solar panels last?")[-1][0]
    assert "25 to 30 years" in first[-1]["content"]
    history, _, searched, _ = stream(bot, "and on cloudy days?", first)[-1]
    assert searched == "**Searched for:** How long do solar panels last? and on cloudy days?"
    assert "cloudy days" in history[-1]["content"] and "[" in history[-1]["content"]
    assert len(history) == 4


def test_a_refusal_shows_no_sources(bot):
    history, sources, _, _ = stream(bot, "What is the capital of France?")[-1]
    assert history[-1]["content"].startswith("Sorry, I can't answer that")
    assert "rag-source" not in sources and "No sources" in sources
    assert "<mark>" not in sources


def test_thinking_shows_apart_from_the_answer(bot):
    outs = stream(canned_bot(bot), WATTS)
    history, sources, _, generator = outs[-1]
    titled = [i for i, m in enumerate(history) if (m.get("metadata") or {}).get("title") == "Thinking"]
    assert len(titled) == 1
    thinking = history[titled[0]]
    answer = answers(history)
    assert len(answer) == 1 and titled[0] < history.index(answer[0]), "thinking comes before the answer"
    assert thinking["content"] == CANNED_THINKING and thinking["metadata"]["status"] == "done"
    assert "400 watts" in answer[0]["content"] and "[A]" in answer[0]["content"]
    for h, *_ in outs:  # never, at any moment of the stream, does reasoning or markup leak
        for message in answers(h):
            assert "Passage A mentions" not in message["content"] and "<|" not in message["content"]
    live = [m["metadata"] for h, *_ in outs[:-1] for m in h if (m.get("metadata") or {}).get("title")]
    assert live and all(m["status"] == "done" for m in live), "thinking stays collapsed while the model thinks"
    assert any(m.get("log") == "thinking…" for m in live), "and says it is still going"
    assert "log" not in thinking["metadata"]
    assert "canned" in generator and "canned for tests" in generator
    assert "<b>[A]</b>" in sources


def test_the_next_turn_does_not_send_the_thinking_back(bot):
    captured = []

    class Recording(CannedGenerator):
        def stream(self, request):
            captured.append(request.history)
            yield from super().stream(request)

    recording = Assistant(bot.index_dir, bot.embedder, Recording(CANNED), "", bot.top_k, bot.gate_threshold)
    first = stream(recording, WATTS)[-1][0]
    stream(recording, "And how long do solar panels last?", first)
    assert [t.role for t in captured[1]] == ["user", "assistant"]
    assert all(CANNED_THINKING not in t.text for t in captured[1])


def test_a_sentence_with_an_unsupported_figure_is_flagged(bot):
    history = stream(canned_bot(bot), WATTS)[-1][0]
    text = answers(history)[-1]["content"]
    assert text.count(UNVERIFIED_MARK) == 1
    supported, unsupported = text.split("$900")
    assert UNVERIFIED_MARK not in supported, "the sentence whose figure is in passage A stays unflagged"
    assert UNVERIFIED_MARK in unsupported


def test_plain_canned_output_has_no_thinking_block(bot):
    history = stream(canned_bot(bot, "Most solar panels last 25 to 30 years [A]."),
                     "How long do solar panels last?")[-1][0]
    assert not any((m.get("metadata") or {}).get("title") for m in history)
    assert UNVERIFIED_MARK not in answers(history)[-1]["content"]


def test_a_failing_answer_shows_the_error_in_the_chat(bot, monkeypatch):
    def broken(*args, **kwargs):
        raise RagError("the index is gone: run `rag index`")
        yield  # pragma: no cover

    monkeypatch.setattr(bot, "answer", broken)
    history, sources, _, _ = stream(bot, WATTS)[-1]
    assert history[-1]["content"].startswith("⚠️") and "rag index" in history[-1]["content"]
    assert "rag-source" not in sources


def test_build_app_constructs_without_launching(bot):
    app = build_app(bot, run_build=lambda progress: None)
    assert isinstance(app, gr.Blocks)
    names = {getattr(fn, "api_name", None) for fn in app.fns.values()}
    assert "chat" in names
    assert not app.is_running
    assert isinstance(build_app(bot), gr.Blocks)


def test_reindex_stream_yields_progress_and_a_summary():
    def run_build(progress):
        progress(1, 2)
        progress(2, 2)
        return SimpleNamespace(added=["a.md"], changed=[], removed=["b.md"], embedded=2, seconds=0.5)

    lines = list(reindex_stream(run_build))
    assert lines[0] == "Re-indexing…"
    assert "Embedding 1/2 texts…" in lines and "Embedding 2/2 texts…" in lines
    assert lines[-1] == "Re-indexed: 1 added, 0 changed, 1 removed, 2 texts embedded in 0.5 s"


def test_reindex_stream_reports_a_failed_build():
    def run_build(progress):
        raise RagError("another build holds the lock")

    lines = list(reindex_stream(run_build))
    assert lines[-1] == "⚠️ Re-index failed: another build holds the lock"


def test_reindex_from_the_ui_reaches_the_next_answer(bot, built):
    from rag.service import builder

    solar = built.corpus / "solar.md"
    solar.write_text(solar.read_text().replace("400 watts", "450 watts"))
    lines = list(reindex_stream(lambda progress: builder(built, progress).run()))
    assert lines[-1].startswith("Re-indexed: 0 added, 1 changed, 0 removed")
    assert "450 watts" in stream(bot, WATTS)[-1][0][-1]["content"]
    assert "chunks" in ui_app.index_status(bot)


def test_a_taken_port_is_an_error_that_names_the_fix():
    import socket

    import pytest

    from rag.errors import RagError
    from ui.app import check_port

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        with pytest.raises(RagError, match="--port"):
            check_port("127.0.0.1", holder.getsockname()[1])


# Citations you can follow, per-session settings, batching, export, feedback: the pieces behind the
# page (the browser drives them in tests/test_browser.py).


def test_answer_chips_name_their_answer_and_history_gets_the_text_back(bot):
    history, _, _, _ = stream(bot, WATTS, None)[-1]
    content = history[-1]["content"]
    assert "class='rag-cite rag-label-A rag-answer-1'" in content
    assert "class='rag-claim rag-label-1 rag-answer-1'" in content and "title='Energy Handbook" in content
    assert history_turns(history)[-1].text == "A typical home panel produces about 400 watts in full sun. [1] [A]"


def test_earlier_answers_keep_their_own_sources(bot):
    session = ui_app.Session()
    first = [copy.deepcopy(o) for o in respond(bot, WATTS, [], session)][-1][0]
    _, sources, _, _ = [copy.deepcopy(o) for o in respond(bot, "How long do solar panels last?", first, session)][-1]
    assert [s.number for s in session.shown] == [1, 2] and [s.message_index for s in session.shown] == [1, 3]
    assert "<section class='rag-group' data-answer='1'>" in sources, "answer 1's passages stay, hidden"
    assert "<section class='rag-group rag-active' data-answer='2'>" in sources
    one = sources.split("data-answer='2'>")[0]
    assert "data-source='A' data-answer='1'" in one and "400 watts" in one


def test_an_unverified_sentence_is_marked_and_says_why():
    from rag.records import Answer
    from ui import render

    answer = Answer("q", "q", "Panels make 400 watts [A]. They cost $900 [A].", False, "canned",
                    unverified=("They cost $900 [A].",))
    content = render.answer_markdown(answer, 3)
    assert content.startswith("Panels make 400 watts [A]. <span class='rag-unverified' "
                              "title='figure not found in the cited passage'>They cost $900 [A].</span>")
    assert content.endswith("<small class='rag-note'>⚠️ figure not found in the cited passage</small>")
    assert render.reduced(content) == answer.text, "the note never goes back to the model"


def test_session_options_reach_only_that_sessions_answers(bot):
    narrow = ui_app.Session(options=Options(top_k=1))
    respond_all = lambda session: [o for o in respond(bot, WATTS, [], session)]  # noqa: E731
    respond_all(narrow)
    respond_all(wide := ui_app.Session())
    assert len(narrow.shown[0].answer.hits) == 1
    assert len(wide.shown[0].answer.hits) > 1
    assert bot.top_k == 5, "the shared assistant is never changed"


def test_llm_options_travel_with_the_request(bot):
    seen = []

    class Recording(CannedGenerator):
        def stream(self, request):
            seen.append(request.options)
            yield from super().stream(request)

    recording = Assistant(bot.index_dir, bot.embedder, Recording(CANNED), "", bot.top_k, bot.gate_threshold)
    session = ui_app.Session(options=Options(reasoning_effort="high", temperature=0.7))
    list(respond(recording, WATTS, [], session))
    assert seen == [Options(reasoning_effort="high", temperature=0.7)]


class Paced(CannedGenerator):
    """200 tokens a second, like a fast GPU model."""

    def __init__(self, tokens: int, rate: float = 200):
        super().__init__("")
        self.tokens, self.rate = tokens, rate

    def stream(self, request):
        import time

        start = time.monotonic()
        for i in range(self.tokens):
            time.sleep(max(0.0, start + (i + 1) / self.rate - time.monotonic()))
            yield Token(f"w{i} ")


def test_fast_streams_are_batched(bot, monkeypatch):
    monkeypatch.setattr(ui_app, "UPDATE_EVERY_S", 0.05)
    paced = Assistant(bot.index_dir, bot.embedder, Paced(200), "", bot.top_k, bot.gate_threshold)
    outs = list(respond(paced, WATTS, []))  # one second of answer
    assert 8 <= len(outs) <= 25, f"{len(outs)} updates for 200 tokens in 1 s: batched to ~20/s"


def test_export_holds_answers_passages_and_claims(bot):
    session = ui_app.Session()
    list(respond(bot, WATTS, [], session))
    markdown = Path(ui_app.export_file(session)).read_text(encoding="utf-8")
    assert markdown.startswith("# Conversation") and f"## 1. {WATTS}" in markdown
    assert "**[A]** solar.md › How solar panels work" in markdown
    assert "> Solar panels turn sunlight into electricity with photovoltaic cells." in markdown
    assert "- [1] Energy Handbook - A typical home panel produces about 400 watts in full sun." in markdown
    assert ui_app.export_file(ui_app.Session()) is None


def test_a_session_rewrites_one_export_file_however_long_the_chat(bot):
    """Every answer refreshes the Export button; each used to leave a folder of its own in /tmp."""
    session = ui_app.Session()
    list(respond(bot, WATTS, [], session))
    first = ui_app.export_file(session)
    list(respond(bot, "How do solar panels work?", [], session))
    assert ui_app.export_file(session) == first
    assert "## 2. How do solar panels work?" in Path(first).read_text(encoding="utf-8")
    other = ui_app.Session()
    list(respond(bot, WATTS, [], other))
    assert Path(ui_app.export_file(other)).parent.parent == Path(first).parent.parent != Path(first).parent


def test_votes_and_comments_land_in_the_feedback_file(bot, tmp_path):
    path = tmp_path / "feedback.jsonl"
    session = ui_app.Session()
    history = list(respond(bot, WATTS, [], session))[-1][0]
    index = len(history) - 1
    assert "saved" in ui_app.rate(path, session, index, True)
    assert "saved" in ui_app.comment_on(path, session, "  exactly right ")
    assert ui_app.rate(path, session, 0, True) == "", "a vote on a question (not an answer) is ignored"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["vote"] for line in lines] == ["up", "up"] and lines[1]["comment"] == "exactly right"
    assert lines[0]["citations"][0] == {"label": "A", "source": "solar.md", "section": "How solar panels work",
                                        "chunk_id": session.shown[0].answer.citations[0].chunk.id}
    assert {"question", "answer", "generator", "time", "answer_id"} <= set(lines[0])
    read = feedback.read(path)
    assert len(read) == 1 and read[0]["comment"] == "exactly right"
    ui_app.rate(path, session, index, False)
    assert feedback.read(path)[0]["vote"] == "down", "a changed vote replaces the earlier one"


def test_feedback_file_survives_a_torn_line(tmp_path):
    path = tmp_path / "feedback.jsonl"
    feedback.record(path, feedback.Feedback("a1", "q", "ans [A]", [], "extractive", "down"))
    with path.open("a") as out:
        out.write('{"answer_id": "a2", "vo')
    assert [item["answer_id"] for item in feedback.read(path)] == ["a1"]
    with pytest.raises(RagError, match="vote"):
        feedback.record(path, feedback.Feedback("a3", "q", "a", [], "x", "meh"))


def test_rag_feedback_lists_votes(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from rag.cli import app

    path = tmp_path / "fb.jsonl"
    runner = CliRunner()
    assert "no feedback yet" in runner.invoke(app, ["feedback", "--feedback", str(path)]).output
    feedback.record(path, feedback.Feedback("a1", "Is it open?", "No [A].", [{"label": "A"}], "extractive", "up",
                                            "good"))
    out = runner.invoke(app, ["feedback", "--feedback", str(path), "--json"])
    assert out.exit_code == 0 and json.loads(out.output)[0]["comment"] == "good"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "feedback.jsonl").write_text(path.read_text())
    text = runner.invoke(app, ["feedback"]).output
    assert "👍" in text and "'Is it open?'" in text and "[A]" in text and "good" in text
