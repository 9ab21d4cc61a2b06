"""The Gradio chat: `build_app(assistant)` returns the Blocks; `launch()` serves it with the HTTP
API beside it, on 127.0.0.1 by default.

Shared state is read-only (the assistant, its index and models); everything per user lives in the
chat history the browser sends back and in a per-tab `Session` (its answers, its settings; see
`ui.conversation`). Nothing is fetched from outside: system fonts, no analytics.
"""

from __future__ import annotations

import functools
import queue
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import gradio as gr

from rag.answer.pipeline import Assistant
from rag.errors import RagError
from rag.records import Done, Retrieved, Thinking, Token
from rag.settings import Settings
from ui import feedback, guard, render
from ui.conversation import (WARNING, Session, Shown, history_turns, kept, mark_stopped, restored,
                             retry_cut)

EXAMPLES = ["Is ChatGPT open source?", "What is gpt-oss and which license does it use?",
            "How much does GPT-5.2 cost per million input tokens?",
            "When does self-hosting open models pay off?"]
# At most this often the streaming answer is sent to the browser: tokens in between are batched,
# so a fast generator (200 tokens/s) costs ~20 updates/s, and the page never falls behind.
UPDATE_EVERY_S = 0.05
EFFORTS = ("low", "medium", "high")


def export_button() -> gr.DownloadButton:
    """The Export button. Its API example would be a github.com file named in the page config; the
    instance gets none instead (a subclass would make Gradio write a .pyi beside this module)."""
    button = gr.DownloadButton("Export", elem_id="export", scale=0, min_width=110, size="sm", value=None,
                               interactive=False)
    button.example_payload = button.example_value = lambda: None
    return button


def respond(bot: Assistant, message: str, history: list[dict[str, Any]],
            session: Session | None = None, limits: guard.Limits = guard.Limits()) -> Iterator[tuple]:
    """Stream one answer: yields (chat history, sources html, searched-for line, generator line).
    The client's history is reduced to text first: nothing else it sent is used or echoed. Tokens
    are batched into one update per UPDATE_EVERY_S; the finished answer joins `session`."""
    history = guard.text_history(history, limits.history_turns)
    session = session if session is not None else Session()
    earlier = history_turns(history)
    try:
        message = guard.check_question(message, limits)
    except guard.RequestRejected as why:
        history.append({"role": "assistant", "content": f"{WARNING} {why}"})
        yield history, render.sources_html(None), "", gr.skip()
        return
    history = [*history, {"role": "user", "content": guard.inert_markdown(message)}]
    cancel = threading.Event()
    thinking: dict[str, Any] | None = None
    reply = {"role": "assistant", "content": ""}
    searched = generator = ""
    last_update = 0.0
    try:
        for event in bot.answer(message, earlier, cancel, session.options):
            if isinstance(event, Retrieved):
                searched = f"**Searched for:** {guard.inert_markdown(event.query)}"
                history.append(reply)
            elif isinstance(event, Thinking):
                if thinking is None:  # "done" keeps it collapsed; the log line says it is still going
                    thinking = {"role": "assistant", "content": "",
                                "metadata": {"title": "Thinking", "status": "done", "log": "thinking…"}}
                    history.insert(len(history) - 1, thinking)
                thinking["content"] += guard.inert_markdown(event.text)
            elif isinstance(event, Token):
                reply["content"] += guard.inert_markdown(event.text)
            elif isinstance(event, Done):
                number = len(session.shown) + 1
                reply["content"] = render.answer_markdown(event.answer, number)
                if thinking is not None:
                    thinking["metadata"] = {"title": "Thinking", "status": "done"}
                session.shown.append(Shown(uuid.uuid4().hex[:12], number, history.index(reply), event.answer))
                generator = render.generator_line(event.answer, bot.generator.name, bot.generator_reason)
                yield history, render.sources_html(session.answers()), searched, generator
                return
            now = time.monotonic()
            if now - last_update >= UPDATE_EVERY_S:
                last_update = now
                yield history, gr.skip(), searched, gr.skip()
    except RagError as error:
        history.append({"role": "assistant", "content": f"{WARNING} {error}"})
        yield history, render.sources_html(session.answers()), searched, generator
    finally:
        cancel.set()  # the user pressed stop or left: the generator ends its work promptly


@functools.cache
def _exports() -> tempfile.TemporaryDirectory:
    """The server's one folder of exported conversations, removed when it exits: a folder per
    export was left behind in /tmp for every answer a chat showed."""
    return tempfile.TemporaryDirectory(prefix="rag-export-")


def export_file(session: Session) -> str | None:
    """The conversation as a Markdown file for the Export button; None while there is nothing.
    Each session rewrites its own file, so a long chat leaves one file, not one per answer."""
    if not session.shown:
        return None
    if session.export_path is None:
        session.export_path = Path(tempfile.mkdtemp(dir=_exports().name)) / "conversation.md"
    session.export_path.write_text(render.export_markdown(session.answers()), encoding="utf-8")
    return str(session.export_path)


def rate(path: Path, session: Session, index: Any, liked: Any, comment: str = "") -> str:
    """Store a vote (and comment) on the answer at chat `index`; returns the line shown under the chat."""
    if isinstance(index, (list, tuple)):
        index = index[0]
    shown = next((s for s in session.shown if s.message_index == index), None)
    if shown is None or not isinstance(liked, bool):
        return ""
    answer = shown.answer
    vote = "up" if liked else "down"
    feedback.record(path, feedback.Feedback(
        shown.id, answer.question, answer.text,
        [{"label": c.label, "source": c.chunk.source, "section": c.chunk.section, "chunk_id": c.chunk.id}
         for c in answer.citations], answer.generator, vote, comment))
    session.rated, session.vote = shown.id, vote
    return f"Thanks: your {'thumbs up' if liked else 'thumbs down'} is saved. Say why below if you like."


def comment_on(path: Path, session: Session, comment: str) -> str:
    shown = next((s for s in session.shown if s.id == session.rated), None)
    if shown is None or not comment.strip():
        return "Rate an answer with the thumbs under it first, then comment." if shown is None else ""
    rate(path, session, shown.message_index, session.vote == "up", comment.strip())
    return "Comment saved. Thank you!"


def reindex_stream(run_build: Callable[[Callable[[int, int], None]], Any]) -> Iterator[str]:
    """Run an incremental build in a thread, yielding progress lines; the chat stays usable."""
    updates: queue.Queue = queue.Queue()

    def work() -> None:
        try:
            report = run_build(lambda done, total: updates.put(f"Embedding {done}/{total} texts…"))
            updates.put(("done", report))
        except Exception as error:  # any failure must end the stream, or the button hangs forever
            updates.put(("error", error))

    threading.Thread(target=work, daemon=True).start()
    yield "Re-indexing…"
    while True:
        item = updates.get()
        if isinstance(item, str):
            yield item
            continue
        kind, value = item
        if kind == "error":
            yield f"⚠️ Re-index failed: {value}"
        else:
            yield (f"Re-indexed: {len(value.added)} added, {len(value.changed)} changed, "
                   f"{len(value.removed)} removed, {value.embedded} texts embedded in {value.seconds:.1f} s")
        return


def guard_reindex(run_build: Callable, given_key: Any, limits: guard.Limits) -> Iterator[str]:
    if not guard.key_matches(given_key, limits):
        yield "⚠️ Re-index needs the server's API key (RAG_API_KEY): type it in the box above."
        return
    yield from reindex_stream(run_build)


def index_status(bot: Assistant) -> str:
    try:
        return render.status_markdown(bot.index().status())
    except RagError as error:
        return f"⚠️ {error}"


def settings_line(bot: Assistant) -> str:
    model = getattr(bot.generator, "model", "")
    return f"**Generator:** `{bot.generator.name}`" + (f", model `{model}`" if model else "")


def build_app(bot: Assistant, run_build: Callable | None = None, feedback_file: Path | None = None,
              limits: guard.Limits = guard.Limits()) -> gr.Blocks:
    """The chat UI for `bot`. `run_build(progress)` performs an incremental index build; when
    given, a Re-index button runs it in the background (asking for the API key when one is set).
    Votes go to `feedback_file`."""
    feedback_file = feedback_file or Settings().feedback
    llm = bot.generator.name != "extractive"  # reasoning effort and temperature mean nothing to extraction
    # Gradio's file cache is swept hourly of files over an hour old: nothing a chat made lingers.
    with gr.Blocks(title="Knowledge-base chat", delete_cache=(3600, 3600)) as app:
        session = gr.State(Session())  # deep-copied for each new tab
        # this browser's conversation, so that a page reload keeps it (encrypted with a key made at
        # each server start: after a restart the page starts empty)
        saved_chat = gr.BrowserState([], storage_key="rag-chat")
        gr.Markdown("## Ask the knowledge base\nAnswers come only from the indexed documents; "
                    "every sentence cites its passage: click [A], [B]… to read it, and [1], [2]… for "
                    "the article's source claims.")
        generator = gr.Markdown(render.generator_line(None, bot.generator.name, bot.generator_reason))
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=300):
                chat = gr.Chatbot(label="Chat", height=560, buttons=["copy"], elem_id="rag-chat",
                                  examples=[{"text": q} for q in EXAMPLES], layout="bubble",
                                  placeholder="Ask anything the documents cover, or pick an example.")
                question = gr.Textbox(placeholder="Ask a question, e.g. Is ChatGPT open source? "
                                                  "(Enter sends, Shift+Enter breaks the line)",
                                      show_label=False, submit_btn=True, stop_btn=True, lines=1, max_lines=6,
                                      elem_id="rag-question")
                with gr.Row():
                    thanks = gr.Markdown("Rate any answer with the thumbs under it.", elem_id="rag-thanks")
                    export = export_button()
                with gr.Row(visible=False) as comment_row:  # shown once an answer is rated
                    comment = gr.Textbox(placeholder="What was right or wrong? (optional)", show_label=False,
                                         scale=4, min_width=160, elem_id="rag-comment")
                    send_comment = gr.Button("Send comment", scale=1, min_width=110, size="sm")
            with gr.Column(scale=2, min_width=300):
                searched = gr.Markdown("")
                sources = gr.HTML(render.sources_html(None), label="Sources", elem_id="rag-sources")
                with gr.Accordion("Settings and index", open=False):
                    gr.Markdown(settings_line(bot))
                    top_k = gr.Slider(1, 10, value=bot.top_k, step=1, label="Passages searched (top-k)")
                    effort = gr.Radio(list(EFFORTS), value=getattr(bot.generator, "reasoning_effort", "low"),
                                      label="Reasoning effort", visible=llm)
                    temperature = gr.Slider(0.0, 1.5, value=getattr(bot.generator, "temperature", 0.0), step=0.05,
                                            label="Temperature (0 = always the same answer)", visible=llm)
                    status = gr.Markdown(index_status(bot))
                    if run_build is not None:
                        key = gr.Textbox(label="API key", type="password", visible=bool(limits.api_key))
                        reindex = gr.Button("Re-index", variant="secondary")
                        progress = gr.Markdown("")
                        reindex.click(lambda given: (yield from guard_reindex(run_build, given, limits)), inputs=key,
                                      outputs=progress, concurrency_limit=1, api_visibility="private") \
                            .then(lambda: index_status(bot), outputs=status)

        def chat_step(message: str, history: list, state: Session):
            for out in respond(bot, message, history, state, limits):
                yield (*out, state)

        def retry_step(data: gr.RetryData, history: list, state: Session):
            asked, before = retry_cut(history, data.index)
            state.shown = [s for s in state.shown if s.message_index < len(before)]
            yield from chat_step(asked, before, state)

        def example_step(data: gr.SelectData):
            return "", data.value["text"]

        def option(name: str, kind: type) -> Callable:
            def update(value: Any, state: Session) -> Session:
                state.options = replace(state.options, **{name: kind(value)})
                return state
            return update

        for control, name, kind in ((top_k, "top_k", int), (effort, "reasoning_effort", str),
                                    (temperature, "temperature", float)):
            control.change(option(name, kind), [control, session], session, queue=False, api_visibility="private")

        def exported(state: Session):
            path = export_file(state)
            return gr.DownloadButton(value=path, interactive=path is not None)

        # The question being answered, so the box clears at once. A hidden Textbox, not gr.State:
        # State is left out of the API, and `/chat` must take the question from gradio_client too.
        asked = gr.Textbox(visible=False)
        answer_outputs = [chat, sources, searched, generator, session]
        private = {"api_visibility": "private"}
        streaming = {"concurrency_limit": 8, "show_progress_on": chat}  # no pending bars over the side panel
        event = question.submit(lambda text: ("", text), question, [question, asked], queue=False, **private) \
            .then(chat_step, [asked, chat, session], answer_outputs, api_name="chat", **streaming)
        picked = chat.example_select(example_step, None, [question, asked], queue=False, **private) \
            .then(chat_step, [asked, chat, session], answer_outputs, **streaming, **private)
        retried = chat.retry(retry_step, [chat, session], answer_outputs, **streaming, **private)
        def after_answer(history: list, state: Session):
            marked = mark_stopped(history, state)
            return marked, kept(history if marked == gr.skip() else marked, limits)

        for running in (event, picked, retried):  # after an answer, also one the user stopped
            running.then(exported, session, export, show_progress="hidden", **private)
            running.then(after_answer, [chat, session], [chat, saved_chat], show_progress="hidden", queue=False,
                         **private)
        app.load(lambda saved: restored(saved, limits), saved_chat, [chat, sources], queue=False, **private)
        question.stop(None, None, None, cancels=[event, picked, retried])

        def liked(data: gr.LikeData, state: Session):
            line = rate(feedback_file, state, data.index, data.liked)
            return line, gr.Row(visible=bool(line)), state

        chat.like(liked, session, [thanks, comment_row, session], **private)
        chat.clear(lambda: (Session(), render.sources_html(None), "", gr.DownloadButton(value=None, interactive=False),
                            []), None, [session, sources, searched, export, saved_chat], queue=False, **private)
        send_comment.click(lambda text, state: ("", comment_on(feedback_file, state, text), state),
                           [comment, session], [comment, thanks, session], **private)
        comment.submit(lambda text, state: ("", comment_on(feedback_file, state, text), state),
                       [comment, session], [comment, thanks, session], **private)
    app.queue(max_size=limits.queue_size)  # a full queue says so at once instead of a silent wait
    return app


def check_port(host: str, port: int) -> None:
    """Fail early, with the fix, when the address is taken (uvicorn would log it and exit 0)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as error:
            raise RagError(f"cannot listen on {host}:{port} ({error.strerror}): "
                           "stop what uses it or pass another --port") from error


def launch(bot: Assistant, settings, run_build: Callable | None = None) -> None:
    """Serve the UI and the HTTP API with uvicorn, on settings.host:settings.port."""
    import uvicorn

    from ui.server import make_server_app

    check_port(settings.host, settings.port)
    limits = guard.Limits(settings.max_request_bytes, settings.max_question_chars, settings.max_history_turns,
                          settings.api_key, settings.max_queue)
    server_app = make_server_app(bot, build_app(bot, run_build, settings.feedback, limits), limits, settings.host,
                                 guard.blocked_paths(settings.corpus, settings.index))
    print(f"Chat on http://{settings.host}:{settings.port} (Ctrl+C stops it)", flush=True)
    uvicorn.run(server_app, host=settings.host, port=settings.port, log_level="warning")
