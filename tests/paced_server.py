"""The real chat app (`ui.app.launch`) with a paced fake generator, for the browser tests of streaming.

`PacedGenerator` thinks a little, then emits tokens "w0 w1 w2 …" at a fixed rate (e.g. 200/s) and
ends with a citation; it writes when each token left it, and whether it was cancelled, to a JSON file
per answer, so a test can compare what the page shows with what was generated when.

Usage: python tests/paced_server.py --corpus C --index I --port P --rate 200 --tokens 1200 --log DIR
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from rag.answer.generators.base import Generator, Request
from rag.records import Thinking, Token


class PacedGenerator(Generator):
    name = "paced"
    reasoning_effort = "low"
    temperature = 0.0

    def __init__(self, rate: float, tokens: int, log: Path):
        self.rate, self.tokens, self.log = rate, tokens, log
        self.answers = 0

    def stream(self, request: Request):
        self.answers += 1
        emitted: list[float] = []
        cancelled = False
        start = time.time()
        try:
            for word in ("Looking", " at", " passage", " A", "."):
                yield Thinking(word)
            for i in range(self.tokens):
                time.sleep(max(0.0, start + (i + 1) / self.rate - time.time()))
                if request.cancel.is_set():
                    cancelled = True
                    return
                emitted.append(time.time())
                yield Token(f"w{i} ")
            yield Token("[A].")
        except GeneratorExit:
            cancelled = True
            raise
        finally:
            out = self.log / f"answer-{self.answers}.json"
            out.write_text(json.dumps({"emitted": emitted, "cancelled": cancelled, "tokens": self.tokens}))


def main() -> None:
    from rag.answer.pipeline import Assistant
    from rag.service import builder
    from rag.settings import Settings
    from ui.app import launch

    parser = argparse.ArgumentParser()
    for flag in ("--corpus", "--index", "--log"):
        parser.add_argument(flag, type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--tokens", type=int, default=1200)
    args = parser.parse_args()
    settings = Settings(corpus=args.corpus, index=args.index, embedder="hashing", port=args.port,
                        feedback=args.log / "feedback.jsonl")
    build = builder(settings)
    build.run()
    bot = Assistant(settings.index, build.embedder, PacedGenerator(args.rate, args.tokens, args.log),
                    "paced fake for the browser tests", settings.top_k, settings.gate_threshold)
    launch(bot, settings)


if __name__ == "__main__":
    main()
