"""The web server: the Gradio chat at "/" and an OpenAI-compatible API beside it.

`POST /v1/chat/completions` (stream or not) answers from the same `Assistant.answer` stream as
the UI and CLI: the answer text carries its citation labels, the `rag` field the citations, claims
and thinking (`ask --json`'s objects), and a stream sends thinking as `delta.reasoning`. Errors
have OpenAI's shape. `GET /v1/models` and `GET /healthz` help clients and health checks.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator
from typing import Any

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from rag.answer.pipeline import Assistant
from rag.errors import RagError
from rag.payload import answer_payload
from rag.records import Done, Thinking, Token
from ui import guard
from ui.auth import BearerAuth
from ui.chat_request import MODEL_NAME, ApiError, ChatRequest, parse
from ui.render import CSS, PAGE_JS, THEME_FONTS

log = logging.getLogger("rag")


def _completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex[:12]}"


def _sse(body: dict[str, Any]) -> str:
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def _chunk(completion_id: str, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
    return _sse({"id": completion_id, "object": "chat.completion.chunk", "created": int(time.time()),
                 "model": MODEL_NAME, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra})


def _stream(bot: Assistant, chat: ChatRequest) -> Iterator[str]:
    """The answer as chat-completion chunks; always ends with `[DONE]`, after an error event if
    the answer failed (the SDKs raise it as an APIError)."""
    completion_id = _completion_id()
    events = bot.answer(chat.question, chat.history)
    try:
        yield _chunk(completion_id, {"role": "assistant", "content": ""})
        for event in events:
            if isinstance(event, Thinking):
                yield _chunk(completion_id, {"reasoning": event.text})
            elif isinstance(event, Token):
                yield _chunk(completion_id, {"content": event.text})
            elif isinstance(event, Done):
                yield _chunk(completion_id, {}, "stop", rag=answer_payload(event.answer))
    except RagError as error:
        yield _sse(ApiError(503, str(error), "answer_failed", "server_error").body())
    except Exception:
        log.exception("answer failed")
        yield _sse(ApiError(500, "the answer failed inside the server; its log has the details",
                            "internal_error", "server_error").body())
    finally:
        events.close()  # a client that hung up stops the generator
    yield "data: [DONE]\n\n"


def _completion(bot: Assistant, chat: ChatRequest) -> dict[str, Any]:
    answer = bot.ask(chat.question, chat.history)
    message: dict[str, Any] = {"role": "assistant", "content": answer.text}
    if answer.thinking:
        message["reasoning"] = answer.thinking
    return {"id": _completion_id(), "object": "chat.completion", "created": int(time.time()), "model": MODEL_NAME,
            "choices": [{"index": 0, "finish_reason": "stop", "message": message}], "rag": answer_payload(answer)}


def _error(error: ApiError) -> JSONResponse:
    return JSONResponse(error.body(), error.status)


def api_routes(app: FastAPI, bot: Assistant, limits: guard.Limits = guard.Limits()) -> None:
    @app.get("/healthz")
    def health() -> dict[str, Any]:
        index = bot.index().status()
        return {"ok": True, "status": "degraded" if bot.degraded else "ok", "degraded": bot.degraded,
                "index": index, "generator": bot.generator.name}

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": MODEL_NAME, "object": "model", "created": 0, "owned_by": "local"}]}

    @app.post("/v1/chat/completions")
    async def completions(request: Request):
        try:
            chat = parse(await request.body(), limits)
        except ApiError as error:
            return _error(error)
        if chat.stream:
            return StreamingResponse(_stream(bot, chat), media_type="text/event-stream")
        try:
            return await run_in_threadpool(_completion, bot, chat)
        except RagError as error:
            return _error(ApiError(503, str(error), "answer_failed", "server_error"))

    @app.api_route("/v1/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def elsewhere(rest: str, request: Request):
        """Anything else under /v1 (else Gradio, mounted at "/", would answer in its own shape)."""
        return _error(ApiError(404, f"{request.method} /v1/{rest[:80]} is not served here: use POST "
                                    "/v1/chat/completions or GET /v1/models", "not_found"))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException):
        return _error(ApiError(error.status_code, str(error.detail), "not_found" if error.status_code == 404
                               else "http_error"))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError):
        return _error(ApiError(400, "the request is not valid", "invalid_value"))

    @app.exception_handler(Exception)
    async def any_error(request: Request, error: Exception):
        log.exception("request failed")
        return _error(ApiError(500, "the server failed; its log has the details", "internal_error", "server_error"))


def make_server_app(bot: Assistant, blocks: gr.Blocks, limits: guard.Limits = guard.Limits(),
                    host: str = "127.0.0.1", blocked: list[str] | None = None):
    """The API and the page behind `guard.Guard`; every Gradio file setting is explicit: nothing
    allowed beyond its own cache, the project, home, /etc and /root blocked, uploads capped (and
    refused by the guard: the page has no upload). With `limits.api_key`, every route but /healthz
    needs it (ui/auth.py)."""
    app = FastAPI(title="rag-chat", docs_url=None, redoc_url=None, openapi_url=None)
    api_routes(app, bot, limits)
    if limits.api_key:
        app.add_middleware(BearerAuth, key=limits.api_key)
    theme = gr.themes.Default(font=THEME_FONTS, font_mono=["ui-monospace", "monospace"])
    mounted = gr.mount_gradio_app(app, blocks, path="/", theme=theme, css=CSS, js=PAGE_JS, ssr_mode=False,
                                  footer_links=[], allowed_paths=[], max_file_size=limits.request_bytes,
                                  blocked_paths=blocked if blocked is not None else guard.blocked_paths(),
                                  enable_monitoring=False, mcp_server=False, pwa=False)
    # Gradio checks a file path against allowed/blocked paths only for a launched app, and
    # mount_gradio_app never marks it so (Gradio 6.31): without this a history naming /etc/passwd
    # is copied into the cache before our code runs.
    blocks.has_launched = True
    loopback = host in guard.LOOPBACK_NAMES
    return guard.Guard(mounted, limits, loopback_only=loopback)
