"""Optional bearer-key auth for everything `rag serve` answers except `/healthz`.

An ASGI middleware (so streamed answers pass through untouched). API clients send
`Authorization: Bearer KEY`; a browser opens `/?key=KEY` once, which sets an HttpOnly cookie and
redirects to the page, so the Gradio UI and its `/gradio_api/...` routes work from then on.
"""

from __future__ import annotations

import hmac
import json
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

COOKIE = "rag_key"
OPEN_PATHS = frozenset({"/healthz"})
PAGE = ("<!doctype html><title>Key needed</title><p>This chat needs its API key: open "
        "<code>/?key=YOUR_KEY</code> once (ask whoever runs <code>rag serve</code> for it).</p>")


class BearerAuth:
    def __init__(self, app: Any, key: str) -> None:
        self.app, self.key = app, key

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket") or not self.key or scope["path"] in OPEN_PATHS:
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if self._matches(bearer(headers)) or self._matches(cookie(headers)):
            return await self.app(scope, receive, send)
        given = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("key", [""])[0]
        if scope["type"] == "http" and self._matches(given):
            return await redirect_with_cookie(send, scope.get("root_path", "") + scope["path"], given)
        if scope["type"] == "websocket":
            return await send({"type": "websocket.close", "code": 1008})
        message = ("a valid API key is required: send 'Authorization: Bearer KEY' (a browser: open /?key=KEY once)"
                   if not headers.get("authorization") else "the API key is not valid")
        await refuse(send, message, html="text/html" in headers.get("accept", ""))

    def _matches(self, given: str) -> bool:
        return bool(given) and hmac.compare_digest(given.encode(), self.key.encode())


def bearer(headers: dict[str, str]) -> str:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def cookie(headers: dict[str, str]) -> str:
    jar = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # a malformed Cookie header is simply no key
        return ""
    return jar[COOKIE].value if COOKIE in jar else ""


async def refuse(send: Any, message: str, html: bool = False) -> None:
    """401: OpenAI's error shape, or a line a person can act on when a browser asked for a page."""
    if html:
        body, kind = PAGE.encode(), b"text/html; charset=utf-8"
    else:
        body = json.dumps({"error": {"message": message, "type": "invalid_request_error",
                                     "code": "invalid_api_key"}}).encode()
        kind = b"application/json"
    await send({"type": "http.response.start", "status": 401,
                "headers": [(b"content-type", kind), (b"www-authenticate", b"Bearer")]})
    await send({"type": "http.response.body", "body": body})


async def redirect_with_cookie(send: Any, path: str, key: str) -> None:
    jar = SimpleCookie()
    jar[COOKIE] = key
    jar[COOKIE].update({"httponly": True, "samesite": "Strict", "path": "/"})
    await send({"type": "http.response.start", "status": 303,
                "headers": [(b"location", (path or "/").encode()),
                            (b"set-cookie", jar[COOKIE].OutputString().encode())]})
    await send({"type": "http.response.body", "body": b""})
