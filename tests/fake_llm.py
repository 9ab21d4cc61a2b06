"""A small OpenAI-compatible chat server for tests, on a loopback port in a thread, that can misbehave.

The model name picks the behaviour: `cite-reasoning` and `cite-reasoning-content` think (in the
field vLLM/Ollama or llama.cpp use), then answer with the first passage's sentence nearest the question and its
label; `error-midstream`, `stall`, `malformed`, `cut` and `http-500` fail in those ways.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODELS = ("cite-reasoning", "cite-reasoning-content", "error-midstream", "stall", "malformed", "cut", "http-500")
THINKING = "The passages mention it, so I cite the first."
PASSAGE = re.compile(r"^\[([A-Z]+)\] \([^)]*\) (.+)$", re.MULTILINE)
STALL_S = 3.0


def cited_answer(messages: list[dict]) -> str:
    """The sentence of the first passage (read from the system message) sharing most words with
    the question, with the passage's label."""
    found = PASSAGE.search(messages[0]["content"])
    if not found:
        return "The passages do not answer the question."
    asked = set(re.findall(r"\w+", messages[-1]["content"].lower()))
    sentences = re.split(r"(?<=[.!?])\s+", found.group(2).strip())
    best = max(sentences, key=lambda s: len(asked & set(re.findall(r"\w+", s.lower()))))
    return f"{best} [{found.group(1)}]"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "FakeLLM"

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        if self.path.rstrip("/") != "/v1/models":
            return self._json(404, {"error": {"message": "no such route"}})
        self._json(200, {"object": "list", "data": [{"id": m, "object": "model"} for m in MODELS]})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append({"body": body, "authorization": self.headers.get("Authorization")})
        model = body["model"]
        if model == "http-500":
            return self._json(500, {"error": {"message": "model crashed\nwhile loading", "type": "server_error"}})
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        self._play(model, cited_answer(body["messages"]))
        self.close_connection = True

    def _play(self, model: str, answer: str) -> None:
        field = "reasoning_content" if model == "cite-reasoning-content" else "reasoning"
        self._event({"choices": [{"index": 0, "delta": {"role": "assistant"}}]})
        for word in THINKING.split(" "):
            self._event({"choices": [{"index": 0, "delta": {field: word + " ", "content": None}}]})
        pieces = re.findall(r"\S+\s*", answer)
        for i, piece in enumerate(pieces):
            self._event({"choices": [{"index": 0, "delta": {"content": piece}}]})
            if i == 1 and model == "error-midstream":
                return self._event({"error": {"message": "CUDA out of memory", "type": "server_error"}})
            if i == 1 and model == "stall":
                time.sleep(STALL_S)
            if i == 1 and model == "malformed":
                return self._raw(b"data: {\"choices\": [\n\n")
            if i == 1 and model == "cut":
                return
        self._event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        self._raw(b"data: [DONE]\n\n")

    def _event(self, chunk: dict) -> None:
        self._raw(b"data: " + json.dumps(chunk).encode() + b"\n\n")

    def _raw(self, data: bytes) -> None:
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a stall test)
            pass

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class FakeLLM(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[dict] = []
        self.url = f"http://127.0.0.1:{self.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def __enter__(self) -> "FakeLLM":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()
