"""Splitting gpt-oss "harmony" output into channels as it streams: reasoning apart from the answer.

Owns the incremental parser fed decoded text with special tokens kept. It leaves out tool calls
(a `commentary` message is shown as thinking) and never lets a `<|...|>` marker reach the answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from rag.records import Thinking, Token

MARKER = re.compile(r"<\|([A-Za-z_]*)\|>")
PARTIAL = re.compile(r"<(\|[A-Za-z_]*(\|)?)?$")  # a marker cut off at the end of a piece
END_MARKERS = frozenset({"end", "return", "call"})


@dataclass(frozen=True)
class Piece:
    channel: str  # "analysis" (thinking, commentary included) or "final" (the answer)
    text: str


class HarmonyParser:
    """Feed decoded pieces; get back `Piece`s. Text before any marker makes it a plain model:
    everything is then the answer. `done` turns true when the final message has ended."""

    def __init__(self) -> None:
        self._pending = ""  # text held back because it may be the start of a marker
        self._phase = "start"  # start | header | body | between
        self._header = ""  # role and channel words read between <|start|> and <|message|>
        self._channel = "final"
        self.harmony = False
        self.done = False

    def feed(self, text: str) -> list[Piece]:
        text = self._pending + text
        cut = PARTIAL.search(text)
        self._pending = text[cut.start() :] if cut else ""
        return self._consume(text[: cut.start()] if cut else text)

    def finish(self) -> list[Piece]:
        """Flush at the end of generation; a dangling half marker is dropped, never shown."""
        rest, self._pending = self._pending, ""
        return [] if rest.startswith("<|") else self._consume(rest)

    def _consume(self, text: str) -> list[Piece]:
        pieces: list[Piece] = []
        at = 0
        for match in MARKER.finditer(text):
            pieces += self._text(text[at : match.start()])
            self._marker(match.group(1))
            at = match.end()
        pieces += self._text(text[at:])
        return pieces

    def _text(self, text: str) -> list[Piece]:
        if not text or self.done:
            return []
        if self._phase == "start":
            self._phase = "body"  # no marker came first: a model without channels
        if self._phase == "header":
            self._header += text
            return []
        if self._phase == "between":
            return []  # stray text between harmony messages belongs to no channel
        return [Piece(self._channel, text)]

    def _marker(self, name: str) -> None:
        if self.done:
            return
        if name in ("start", "channel"):
            self._begin_header(name)
        elif name == "message" and self._phase == "header":
            self._channel = channel_of(self._header)
            self._phase = "body"
        elif name in END_MARKERS and self.harmony:
            self.done = self._channel == "final"
            self._phase = "between"
        # any other marker (unknown, <|constrain|>, or out of place) is dropped silently

    def _begin_header(self, name: str) -> None:
        self.harmony = True
        if name == "start" or self._phase != "header":
            self._header = ""
        self._header += " <channel> " if name == "channel" else ""
        self._phase = "header"


def channel_of(header: str) -> str:
    """`assistant <channel> final` -> "final"; analysis, commentary and unknown -> "analysis"."""
    if "<channel>" not in header:
        return "final"  # `<|start|>assistant<|message|>` with no channel is a plain answer
    words = header.split("<channel>", 1)[1].split()
    return "final" if words and words[0] == "final" else "analysis"


def split(text: str) -> tuple[str, str]:
    """Parse a whole output at once: (thinking, answer)."""
    parser = HarmonyParser()
    pieces = parser.feed(text) + parser.finish()
    thinking = "".join(p.text for p in pieces if p.channel == "analysis")
    return thinking, "".join(p.text for p in pieces if p.channel == "final")


def events(pieces: list[Piece]) -> Iterator[Thinking | Token]:
    """Parsed pieces as the pipeline's events: the final channel is the answer, the rest thinking."""
    for piece in pieces:
        if piece.text:
            yield Token(piece.text) if piece.channel == "final" else Thinking(piece.text)
