"""Reading a `POST /v1/chat/completions` body strictly: the question, its history, and whether to stream.

Every problem is an `ApiError` carrying OpenAI's error shape and the HTTP status to send, never a
stack trace. Types are checked exactly (`"stream": "yes"` is an error, not truthy); text with lone
surrogates is refused; NUL and other control characters become spaces.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from rag.answer.generators.base import Turn
from ui.guard import Limits

MODEL_NAME = "rag-chat"
ROLES = ("system", "developer", "user", "assistant", "tool")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SURROGATE = re.compile(r"[\ud800-\udfff]")


class ApiError(Exception):
    def __init__(self, status: int, message: str, code: str, kind: str = "invalid_request_error",
                 param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.kind, self.param = status, message, code, kind, param

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.kind, "code": self.code, "param": self.param}}


@dataclass(frozen=True)
class ChatRequest:
    question: str
    history: tuple[Turn, ...]
    stream: bool


def parse(raw: bytes, limits: Limits) -> ChatRequest:
    body = decode(raw)
    model = body.get("model", MODEL_NAME)
    if not isinstance(model, str):
        raise invalid("'model' must be a string", "model")
    if model != MODEL_NAME:
        raise ApiError(404, f"The model {model!r} does not exist; this server serves {MODEL_NAME!r} "
                            "(GET /v1/models)", "model_not_found", param="model")
    stream = body.get("stream", False)
    if not isinstance(stream, bool) and stream is not None:
        raise invalid(f"'stream' must be true or false, not {json.dumps(stream)[:40]}", "stream")
    question, history = split(read_messages(body.get("messages")), limits)
    return ChatRequest(question, history, bool(stream))


def decode(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except ValueError as error:  # bad JSON and bytes that are not UTF-8 alike
        raise ApiError(400, f"The body is not valid JSON ({str(error).splitlines()[0][:120]})",
                       "invalid_json") from None
    except RecursionError:
        raise ApiError(400, "The body nests too deeply to read", "invalid_json") from None
    if not isinstance(body, dict):
        raise ApiError(400, "The body must be a JSON object", "invalid_json")
    return body


def read_messages(messages: Any) -> list[tuple[str, str]]:
    if messages is None:
        raise invalid("'messages' is required: a list of {role, content} objects", "messages")
    if not isinstance(messages, list):
        raise invalid("'messages' must be a list of {role, content} objects", "messages")
    if not messages:
        raise invalid("'messages' is empty: send at least one user message", "messages")
    return [read_message(message, i) for i, message in enumerate(messages)]


def read_message(message: Any, i: int) -> tuple[str, str]:
    where = f"messages[{i}]"
    if not isinstance(message, dict):
        raise invalid(f"{where} must be an object with 'role' and 'content'", where)
    role = message.get("role")
    if role not in ROLES:
        raise invalid(f"{where}.role must be one of {', '.join(ROLES)}", f"{where}.role")
    return role, clean(content_text(message.get("content"), f"{where}.content"), f"{where}.content")


def content_text(content: Any, where: str) -> str:
    """A string, or a list of parts of which the text ones count (`{"type": "text", "text": ...}`)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise invalid(f"{where} must be a string or a list of text parts", where)
    texts = []
    for j, part in enumerate(content):
        if not isinstance(part, dict) or not isinstance(part.get("type"), str):
            raise invalid(f"{where}[{j}] must be an object with a 'type'", f"{where}[{j}]")
        if part["type"] != "text":
            raise invalid(f"{where}[{j}]: only text parts are understood, not {part['type'][:30]!r}", f"{where}[{j}]")
        if not isinstance(part.get("text"), str):
            raise invalid(f"{where}[{j}].text must be a string", f"{where}[{j}].text")
        texts.append(part["text"])
    return "\n".join(texts)


def clean(text: str, where: str) -> str:
    if SURROGATE.search(text):
        raise invalid(f"{where} holds a lone UTF-16 surrogate, which is not text; send valid Unicode", where)
    return CONTROL.sub(" ", text)


def split(messages: list[tuple[str, str]], limits: Limits) -> tuple[str, tuple[Turn, ...]]:
    """The last user message is the question; earlier user/assistant messages are the history
    (system and tool messages are ignored: the knowledge base sets the instructions)."""
    talk = [(role, text) for role, text in messages if role in ("user", "assistant")]
    if not talk or talk[-1][0] != "user":
        raise invalid("the last user/assistant message must come from the user: it is the question", "messages")
    question = talk[-1][1]
    if not question.strip():
        raise invalid("the question (the last user message) is empty", "messages")
    if len(question) > limits.question_chars:
        raise ApiError(400, f"The question is {len(question):,} characters; the limit is "
                            f"{limits.question_chars:,} (max_question_chars)", "context_length_exceeded",
                       param="messages")
    if len(talk) - 1 > limits.history_turns:
        raise ApiError(400, f"{len(talk) - 1} earlier messages; the limit is {limits.history_turns} "
                            "(max_history_turns): start a new conversation or send fewer", "too_many_messages",
                       param="messages")
    return question, tuple(Turn(role, text) for role, text in talk[:-1])


def invalid(message: str, param: str | None = None) -> ApiError:
    return ApiError(400, message, "invalid_value", param=param)
