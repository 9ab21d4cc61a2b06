"""The question-answering pipeline: condense, embed, search, gate, generate, verify. A generator
may decline instead of streaming (a `Declined` event: the extractive answer would not state what is
asked); the question is then refused as the gate refuses it.

`Assistant.answer()` yields the one event stream that the CLI, the UI and the HTTP API all read:
`Retrieved`, then `Thinking`/`Token` pieces, then `Done` with the final `Answer`. The assistant
holds only read-only shared state (embedder, generator, the loaded index); it notices a new index
generation before each question and swaps it in, so a running server never needs a restart.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from rag.answer.citations import verify
from rag.answer.condense import condense
from rag.answer.gate import judge
from rag.answer.generators.base import Generator, Options, Request, Turn, label_passages
from rag.answer.question import asking, wanted_kind
from rag.embed.embedder import Embedder
from rag.index import store
from rag.index.search import Index
from rag.records import Answer, Declined, Done, Event, Hit, Retrieved, Thinking, Token
from rag.settings import Settings

NOT_CITED = "it is not found in the knowledge base (the model's answer cites none of its passages)"


def refusal_text(reason: str) -> str:
    return (f"Sorry, I can't answer that from the knowledge base: {reason}. "
            "Try a question about what its documents cover.")


# Kinds of fact whose statement search lifts (`Index.search`, `prefer`): a price or a token
# volume is a figure with a unit that the embedding hardly relates to "how much" or "pay off".
# Measured per kind on the twenty-five dev sets (docs/RETRIEVAL.md, tenth session): these two
# answer 5 items more right and refuse 9 answerable items fewer, refusing nothing less; a date,
# a version or a default lifted likewise (by 0.1) lets near-misses past the gate (5, 1 and 1 fewer
# refused) and answers nothing more.
LIFTED_KINDS = frozenset({"price", "volume"})


def _stating(query: str) -> Callable[[str], bool] | None:
    """Whether a passage states the kind of fact the query asks for, when search should lift it."""
    kind = wanted_kind(query)
    if kind is None or kind.name not in LIFTED_KINDS:
        return None
    return lambda text: kind.stated_in(text) == 1.0


class Retrieval(NamedTuple):
    """What one search found: the query searched (the question condensed with the conversation),
    its vector, the hits, and the vector of the question's own words when they differ."""

    query: str
    query_vector: np.ndarray
    hits: tuple[Hit, ...]
    question_vector: np.ndarray | None = None


class Assistant:
    """Answers questions from the index in `index_dir` with the given embedder and generator."""

    def __init__(self, index_dir: Path, embedder: Embedder, generator: Generator,
                 generator_reason: str = "", top_k: int = 5,
                 gate_threshold: float = Settings.gate_threshold):
        self.index_dir = index_dir
        self.embedder = embedder
        self.generator = generator
        self.generator_reason = generator_reason
        self.top_k = top_k
        self.gate_threshold = gate_threshold
        self._index: Index | None = None
        self._stamp: tuple[int, int] | None = None  # identity of the CURRENT file last loaded
        self._lock = threading.Lock()
        self.degraded = ""  # why the current generation is not the one serving, or ""

    def index(self) -> Index:
        """The serving generation. Each question costs one stat of `CURRENT`; only when a build
        has replaced it is the new generation loaded (and checked against the embedder)."""
        stamp = store.pointer_stamp(self.index_dir)
        if self._index is None or stamp != self._stamp:
            with self._lock:
                if self._index is None or stamp != self._stamp:
                    generation, self.degraded = store.good_generation(self.index_dir)
                    loaded = Index(generation)
                    loaded.check(self.embedder.id)
                    self._index, self._stamp = loaded, stamp
        return self._index

    def warm_up(self) -> None:
        self.index()
        self.embedder.embed_query("warm up")
        self.generator.warm_up()

    def retrieve(self, question: str, history: Sequence[Turn], k: int, timings: dict[str, float] | None = None,
                 mode: str = "hybrid") -> Retrieval:
        """The search `answer` and `rag eval` share."""
        started = time.perf_counter()
        query = condense(question, history)
        query_vector = self.embedder.embed_query(query)
        # A follow-up is also searched on its own words, and the rankings fused: condensing cannot
        # tell a follow-up that changes subject from one that leans on the last turn.
        question_vector = self.embedder.embed_query(question) if query != question.strip() else None
        also = [(question, question_vector)] if question_vector is not None else []
        embedded = _ms(started)
        prefer = _stating(asking(question, query))
        hits = tuple(self.index().search(query, query_vector, k, mode=mode, also=also, prefer=prefer))
        if timings is not None:
            timings["embed"], timings["retrieve"] = embedded, _ms(started) - embedded
        return Retrieval(query, query_vector, hits, question_vector)

    def answer(self, question: str, history: Sequence[Turn] = (),
               cancel: threading.Event | None = None, options: Options = Options()) -> Iterator[Event]:
        """`options`: this request's own top-k, reasoning effort and temperature (a chat session's)."""
        started = time.perf_counter()
        timings: dict[str, float] = {}
        index = self.index()
        # a session's own top-k is what it gets; otherwise at least what the generator reads
        wanted = self.generator.passages_wanted
        k = options.top_k or max(self.top_k, wanted)
        query, query_vector, hits, question_vector = self.retrieve(question, history, k, timings)
        yield Retrieved(query, hits)
        verdict = judge(question, hits, index.vocab, self.gate_threshold, query,
                        relevance_only=self.generator.judges_support, proper=index.proper,
                        identifiers=index.identifiers)
        if not verdict.answer:
            yield from self._refusal(question, query, verdict.reason, hits, timings, started)
            return
        passages = label_passages(hits[:wanted])
        request = Request(question, query, passages, tuple(history), query_vector,
                          {p.chunk.id: index.sentence_vectors[p.chunk.id] for p in passages},
                          cancel or threading.Event(), options, question_vector)
        # the passages the generator reads, fitted now: its prompt reuses this fit straight away,
        # where asking after generation would often refit once other chats had used the generator
        given = self.generator.passages_for(request)
        pieces, thinking = [], []
        generate_start = time.perf_counter()
        for event in self.generator.stream(request):
            if isinstance(event, Declined):  # before any token: refused as the gate refuses
                yield from self._refusal(question, query, event.reason, hits, timings, started)
                return
            if isinstance(event, Thinking):
                thinking.append(event.text)
            elif not pieces:
                timings["first_token"] = _ms(started)
            if isinstance(event, Token):
                pieces.append(event.text)
            yield event
        timings["generate"] = _ms(generate_start)
        checked = verify("".join(pieces), given, index.claims)
        timings["total"] = _ms(started)
        if self.generator.judges_support and not checked.citations:
            # the model found nothing it could cite: say so, rather than show words with no source
            yield Done(Answer(question, query, refusal_text(NOT_CITED), True, self.generator.name,
                              self.generator_reason, hits=hits, thinking="".join(thinking), timings_ms=timings))
            return
        yield Done(Answer(question, query, checked.text, False, self.generator.name, self.generator_reason,
                          checked.citations, checked.claims, hits, "".join(thinking), checked.unverified,
                          checked.dropped, timings))

    def _refusal(self, question: str, query: str, reason: str, hits: tuple[Hit, ...], timings: dict[str, float],
                 started: float) -> Iterator[Event]:
        text = refusal_text(reason)
        yield Token(text)
        timings["total"] = _ms(started)
        yield Done(Answer(question, query, text, True, self.generator.name, self.generator_reason,
                          hits=hits, timings_ms=timings))

    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        """The final answer, for callers that do not stream."""
        for event in self.answer(question, history):
            if isinstance(event, Done):
                return event.answer
        raise RuntimeError("the answer stream ended without a Done event")


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 2)
