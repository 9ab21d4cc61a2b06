"""`CannedGenerator`: replays a fixed model output, for tests and demos of the UI without a model.

The text may be gpt-oss "harmony" output (`<|channel|>analysis<|message|>…<|end|>…final…`) or plain
text; it goes through the same `rag.answer.harmony` parser as a real model's output, in small pieces that
cut markers in half, so thinking and answer arrive as they would from `TransformersGenerator`.
"""

from __future__ import annotations

from collections.abc import Iterator

from rag.answer.generators.base import Generator, Request
from rag.answer.harmony import HarmonyParser, events
from rag.records import Thinking, Token


class CannedGenerator(Generator):
    """Streams `text` in pieces of `piece_chars` characters, split by channel."""

    name = "canned"

    def __init__(self, text: str, piece_chars: int = 7):
        self.text = text
        self.piece_chars = max(1, piece_chars)

    def stream(self, request: Request) -> Iterator[Thinking | Token]:
        parser = HarmonyParser()
        for at in range(0, len(self.text), self.piece_chars):
            yield from events(parser.feed(self.text[at : at + self.piece_chars]))
            if request.cancel.is_set() or parser.done:
                return
        yield from events(parser.finish())
