"""The Gradio chat: `build_app(assistant)` returns the Blocks; `launch()` serves it with the HTTP
API beside it, on 127.0.0.1 by default.

Shared state is read-only (the assistant, its index and models); everything per user lives in the
chat history the browser sends back. Nothing is fetched from outside: system fonts, no analytics.
"""

from __future__ import annotations

import queue
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import gradio as gr

from rag.answer.generators.base import Turn
from rag.answer.pipeline import Assistant
from rag.errors import RagError
from rag.records import Done, Retrieved, Thinking, Token
from ui import render

EXAMPLES = ["Is ChatGPT open source?", "What is gpt-oss and which license does it use?",
            "How much does GPT-5.2 cost per million input tokens?",
            "When does self-hosting open models pay off?"]


def history_turns(history: list[dict[str, Any]]) -> tuple[Turn, ...]:
    """Earlier user questions and answers; thinking blocks are never sent back to the model."""
    turns = []
    for message in history:
        metadata = message.get("metadata") or {}
        content = message.get("content")
        if isinstance(content, list):  # Gradio 6 may hand back [{"type": "text", "text": ...}]
            content = " ".join(part.get("text", "") for part in content if isinstance(part, dict))
        if not metadata.get("title") and isinstance(content, str):
            turns.append(Turn(message.get("role", "user"), content))
    return tuple(turns)


def respond(bot: Assistant, message: str, history: list[dict[str, Any]]) -> Iterator[tuple]:
    """Stream one answer: yields (chat history, sources html, searched-for line, generator line)."""
    earlier = history_turns(history)
    history = [*history, {"role": "user", "content": message}]
    cancel = threading.Event()
    thinking: dict[str, Any] | None = None
    reply = {"role": "assistant", "content": ""}
    searched = generator = ""
    try:
        for event in bot.answer(message, earlier, cancel):
            if isinstance(event, Retrieved):
                searched = f"**Searched for:** {event.query}"
                history.append(reply)
            elif isinstance(event, Thinking):
                if thinking is None:
                    thinking = {"role": "assistant", "content": "",
                                "metadata": {"title": "Thinking", "status": "pending"}}
                    history.insert(len(history) - 1, thinking)
                thinking["content"] += event.text
            elif isinstance(event, Token):
                reply["content"] += event.text
            elif isinstance(event, Done):
                reply["content"] = render.answer_markdown(event.answer)
                if thinking is not None:
                    thinking["metadata"] = {"title": "Thinking", "status": "done"}
                generator = render.generator_line(event.answer, bot.generator.name, bot.generator_reason)
                yield history, render.sources_html(event.answer), searched, generator
                return
            yield history, gr.skip(), searched, gr.skip()
    except RagError as error:
        history.append({"role": "assistant", "content": f"⚠️ {error}"})
        yield history, render.sources_html(None), searched, generator
    finally:
        cancel.set()  # the user pressed stop or left: the generator ends its work promptly


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


def index_status(bot: Assistant) -> str:
    try:
        return render.status_markdown(bot.index().status())
    except RagError as error:
        return f"⚠️ {error}"


def build_app(bot: Assistant, run_build: Callable | None = None) -> gr.Blocks:
    """The chat UI for `bot`. `run_build(progress)` performs an incremental index build; when
    given, a Re-index button runs it in the background."""
    with gr.Blocks(title="Knowledge-base chat") as app:
        gr.Markdown("## Ask the knowledge base\nAnswers come only from the indexed documents; "
                    "every sentence cites its passage ([A], [B]…), and the article's source claims "
                    "show as [1], [2], [7].")
        generator = gr.Markdown(render.generator_line(None, bot.generator.name, bot.generator_reason))
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Chat", height=520, buttons=["copy"])
                question = gr.Textbox(placeholder="Ask a question, e.g. Is ChatGPT open source?",
                                      show_label=False, submit_btn=True, stop_btn=True)
                gr.Examples(EXAMPLES, inputs=question)
            with gr.Column(scale=2):
                searched = gr.Markdown("")
                sources = gr.HTML(render.sources_html(None), label="Sources")
                status = gr.Markdown(index_status(bot))
                if run_build is not None:
                    reindex = gr.Button("Re-index", variant="secondary")
                    progress = gr.Markdown("")
                    reindex.click(lambda: (yield from reindex_stream(run_build)), outputs=progress,
                                  concurrency_limit=1).then(lambda: index_status(bot), outputs=status)

        def chat_step(message: str, history: list):
            yield from respond(bot, message, history)

        # The question being answered, so the box clears at once. A hidden Textbox, not gr.State:
        # State is left out of the API, and `/chat` must take the question from gradio_client too.
        asked = gr.Textbox(visible=False)
        event = question.submit(lambda text: ("", text), question, [question, asked], queue=False,
                                api_visibility="private") \
            .then(chat_step, [asked, chat], [chat, sources, searched, generator], concurrency_limit=8,
                  api_name="chat")
        question.stop(None, None, None, cancels=[event])
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

    from ui.chat_request import Limits
    from ui.server import make_server_app

    check_port(settings.host, settings.port)
    limits = Limits(settings.max_question_chars, settings.max_history_messages)
    server_app = make_server_app(bot, build_app(bot, run_build), limits, settings.api_key)
    print(f"Chat on http://{settings.host}:{settings.port} (Ctrl+C stops it)", flush=True)
    uvicorn.run(server_app, host=settings.host, port=settings.port, log_level="warning")
