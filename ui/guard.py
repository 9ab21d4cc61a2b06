"""What stands between a hostile client and the server: chat history reduced to text, bounded
requests and questions, Host/Origin checks against DNS rebinding, no uploads, no outside images.

Every piece is a pure function or a small ASGI middleware, so the page code only calls them.
"""

from __future__ import annotations

import hmac
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1"}
BUSY_MESSAGE = "The server is busy with other questions right now: please try again in a moment."


@dataclass(frozen=True)
class Limits:
    """The most work one request may ask for (settings: max_request_bytes, max_question_chars,
    max_history_turns)."""

    request_bytes: int = 1_000_000
    question_chars: int = 4_000
    history_turns: int = 40
    api_key: str = ""
    queue_size: int = 64


class RequestRejected(ValueError):
    """A question or history the server will not work on; the message says why, politely."""


# -- text the chat works on ---------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: Any) -> str:
    """Plain text only: non-strings become "", lone surrogates and control characters go."""
    if not isinstance(text, str):
        return ""
    text = text.encode("utf-8", "replace").decode("utf-8")  # a lone surrogate becomes "?"
    return unicodedata.normalize("NFC", _CONTROL.sub(" ", text))


def message_text(content: Any) -> str:
    """The text of a chat message's content; file, image and component entries are dropped, so a
    path a client names never reaches Gradio's file handling."""
    if isinstance(content, str):
        return clean_text(content)
    if isinstance(content, dict):  # {"type": "text", "text": ...}; anything else is not text
        return clean_text(content.get("text")) if content.get("type", "text") == "text" else ""
    if isinstance(content, list):
        return " ".join(t for t in (message_text(part) for part in content) if t)
    return ""


def text_history(history: Any, max_turns: int) -> list[dict[str, Any]]:
    """The client's history as text-only messages (role, content, a thinking title at most), the
    last `max_turns` messages kept. Nothing else a client sent is echoed back."""
    if not isinstance(history, list):
        return []
    messages = []
    for message in history:
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            continue
        text = message_text(message.get("content"))
        if not text:
            continue
        clean: dict[str, Any] = {"role": message["role"], "content": text}
        metadata = message.get("metadata")
        if isinstance(metadata, dict) and isinstance(metadata.get("title"), str):
            clean["metadata"] = {"title": clean_text(metadata["title"])[:100], "status": "done"}
        messages.append(clean)
    return messages[-max_turns:] if max_turns > 0 else []


def check_question(question: Any, limits: Limits) -> str:
    """The question as clean text, or RequestRejected with what to do."""
    text = clean_text(question).strip()
    if not text:
        raise RequestRejected("Please type a question.")
    if len(text) > limits.question_chars:
        raise RequestRejected(f"That question is {len(text):,} characters long; please keep it under "
                              f"{limits.question_chars:,}.")
    return text


_IMAGE = re.compile(r"!\[")


def inert_markdown(text: str) -> str:
    """Markdown the browser renders without fetching anything: images become plain links' text
    (`![` escaped) and raw HTML is shown as text (`<` escaped), so no <img>, <video>, <iframe> or
    style can load an outside URL."""
    return _IMAGE.sub(r"!\\[", text.replace("&", "&amp;").replace("<", "&lt;"))


def key_matches(given: Any, limits: Limits) -> bool:
    """True when no API key is set, or `given` is it (compared in constant time)."""
    if not limits.api_key:
        return True
    return isinstance(given, str) and hmac.compare_digest(given.encode(), limits.api_key.encode())


# -- Gradio's file settings ---------------------------------------------------------------------


def blocked_paths(*folders: Path) -> list[str]:
    """Folders Gradio must never serve a file from: the project's own, the user's home, /etc and /root.
    (The chat has no upload or file component; Gradio's cache folder stays servable.)"""
    candidates = [Path.cwd(), Path.home(), Path("/etc"), Path("/root"), *folders]
    return sorted({str(p.resolve()) for p in candidates})


# -- ASGI middleware ----------------------------------------------------------------------------


def _header(scope: dict, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return ""


def _hostname(value: str) -> str:
    return (urlsplit("//" + value).hostname or "").lower() if value else ""


async def _reply(send, status: int, message: str) -> None:
    body = json.dumps({"error": {"message": message, "type": "invalid_request_error"}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """ASGI middleware: loopback Host/Origin when bound to loopback (a DNS-rebinding page sends its
    own name), no uploads, and request bodies cut at `limits.request_bytes` (413)."""

    def __init__(self, app, limits: Limits, loopback_only: bool, closed_paths: Iterable[str] = ("/gradio_api/upload",)):
        self.app, self.limits, self.loopback_only = app, limits, loopback_only
        self.closed_paths = tuple(closed_paths)

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        if self.loopback_only:
            host = _hostname(_header(scope, b"host"))
            origin = _header(scope, b"origin")
            if host not in LOOPBACK_NAMES:
                return await _reply(send, 421, f"this server answers only to 127.0.0.1/localhost, not {host!r}")
            if origin and origin != "null" and _hostname(urlsplit(origin).netloc) not in LOOPBACK_NAMES:
                return await _reply(send, 403, "requests from other web sites are refused")
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        if any(path.startswith(p) for p in self.closed_paths):
            return await _reply(send, 403, "this server takes no file uploads")
        length = _header(scope, b"content-length")
        if length.isdigit() and int(length) > self.limits.request_bytes:
            return await _reply(send, 413, f"request body over {self.limits.request_bytes:,} bytes")
        return await self.app(scope, self._bounded(receive, send), send)

    def _bounded(self, receive, send):
        """A receive that stops a chunked body at the limit (one without a Content-Length)."""
        seen = 0

        async def bounded():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limits.request_bytes:
                    raise RequestTooLarge(self.limits.request_bytes)
            return message

        return bounded


class RequestTooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(f"request body over {limit:,} bytes")
