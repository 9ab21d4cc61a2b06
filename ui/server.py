"""The web server: the Gradio chat at "/" and an OpenAI-compatible API beside it.

`POST /v1/chat/completions` (stream or not) answers from the same `Assistant.answer` stream as
the UI and CLI; the reply carries the citations and claims as extra fields. `GET /healthz` and
`GET /v1/models` help scripts and health checks.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import gradio as gr
from fastapi import FastAPI
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel

from rag.answer.generators.base import Turn
from rag.answer.pipeline import Assistant
from rag.errors import RagError
from rag.payload import answer_payload
from rag.records import Done, Token
from ui.render import CSS, PAGE_JS, THEME_FONTS

MODEL_NAME = "rag-chat"


class Message(BaseModel):
    role: str
    content: str


class ChatRequest(BaseModel):
    messages: list[Message]
    stream: bool = False
    model: str = MODEL_NAME


def split_messages(messages: list[Message]) -> tuple[str, tuple[Turn, ...]]:
    """The last user message is the question; earlier user/assistant messages are the history."""
    talk = [m for m in messages if m.role in ("user", "assistant")]
    if not talk or talk[-1].role != "user":
        raise RagError("the last message must come from the user")
    return talk[-1].content, tuple(Turn(m.role, m.content) for m in talk[:-1])


def _completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex[:12]}"


def _chunk(completion_id: str, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
    body = {"id": completion_id, "object": "chat.completion.chunk", "created": int(time.time()),
            "model": MODEL_NAME, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def _stream(bot: Assistant, question: str, history: tuple[Turn, ...]):
    completion_id = _completion_id()
    for event in bot.answer(question, history):
        if isinstance(event, Token):
            yield _chunk(completion_id, {"content": event.text})
        elif isinstance(event, Done):
            yield _chunk(completion_id, {}, "stop", rag=answer_payload(event.answer))
    yield "data: [DONE]\n\n"


def api_routes(app: FastAPI, bot: Assistant) -> None:
    @app.get("/healthz")
    def health() -> dict[str, Any]:
        return {"ok": True, "index": bot.index().status(), "generator": bot.generator.name}

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": MODEL_NAME, "object": "model", "owned_by": "local"}]}

    @app.post("/v1/chat/completions")
    def completions(request: ChatRequest):
        try:
            question, history = split_messages(request.messages)
            if request.stream:
                return StreamingResponse(_stream(bot, question, history), media_type="text/event-stream")
            answer = bot.ask(question, history)
        except RagError as error:
            return JSONResponse({"error": {"message": str(error), "type": "invalid_request_error"}}, 400)
        return {"id": _completion_id(), "object": "chat.completion",
                "created": int(time.time()), "model": MODEL_NAME,
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": answer.text}}],
                "rag": answer_payload(answer)}


def make_server_app(bot: Assistant, blocks: gr.Blocks) -> FastAPI:
    app = FastAPI(title="rag-chat", docs_url=None, redoc_url=None)
    api_routes(app, bot)
    theme = gr.themes.Default(font=THEME_FONTS, font_mono=["ui-monospace", "monospace"])
    return gr.mount_gradio_app(app, blocks, path="/", theme=theme, css=CSS, js=PAGE_JS, ssr_mode=False,
                               footer_links=[])
