"""The `Generator` seam: one abstract method, `stream`, and the request it reads."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from rag.records import Declined, Passage, Thinking, Token


@dataclass(frozen=True)
class Turn:
    """One earlier message of the conversation. Earlier answers carry no reasoning, by design."""

    role: str  # "user" or "assistant"
    text: str


@dataclass(frozen=True)
class Options:
    """Choices one chat session may make for its own answers; None keeps the server's setting.
    Passed with each request, so one user moving a slider never changes another's answers."""

    top_k: int | None = None
    reasoning_effort: str | None = None  # LLM generators only: "low", "medium" or "high"
    temperature: float | None = None  # LLM generators only: 0 decodes greedily


@dataclass(frozen=True)
class Request:
    """Everything a generator may read for one answer.

    `passages` are the retrieved hits, best first, each with the label the answer must cite it by.
    `sentence_vectors` maps a chunk id to the unit vectors of its sentences (computed at index time)
    and `query_vector` is the unit vector of `query`, `question_vector` that of the question alone
    when a follow-up's query differs from it; extractive answering uses them, LLMs ignore them.
    """

    question: str
    query: str
    passages: tuple[Passage, ...]
    history: tuple[Turn, ...] = ()
    query_vector: np.ndarray | None = None
    sentence_vectors: Mapping[str, np.ndarray] = field(default_factory=dict)
    cancel: threading.Event = field(default_factory=threading.Event)
    options: Options = Options()
    question_vector: np.ndarray | None = None


class Generator(ABC):
    """Streams `Thinking` and `Token` events for a request. Construction is cheap; heavy loading
    happens in `warm_up()`, which `stream` calls if nobody did before."""

    name: str = "generator"
    # How many retrieved passages it is given (an LLM then keeps what fits its token budget):
    # eight, since a fact often sits in the sixth or seventh passage of a long document.
    passages_wanted: int = 8
    # An LLM reads the passages and says itself when they lack the answer, so the gate refuses
    # only the clearly off-topic; the asked-for word rules are for the extractive answerer.
    judges_support: bool = True

    def warm_up(self) -> None:
        """Load whatever the generator needs. Safe to call more than once."""

    @abstractmethod
    def stream(self, request: Request) -> Iterator[Thinking | Token | Declined]:
        """Yield the answer as it is produced. Cite passages as "[A]", "[B]", by their labels. A
        generator that will not answer from these passages yields one `Declined` and nothing else
        (the extractive answerer, when its sentences lack what is asked; an LLM says so in words)."""

    def passages_for(self, request: Request) -> tuple[Passage, ...]:
        """The passages the generator really reads (an LLM may drop some to fit its context):
        citations are checked against these, never against passages it did not see."""
        return request.passages


def label_for(rank: int) -> str:
    """Passage labels: A..Z, then AA, AB...; letters can never be confused with claims like [1]."""
    letters = ""
    rank += 1
    while rank:
        rank, rest = divmod(rank - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def label_passages(hits: Sequence) -> tuple[Passage, ...]:
    return tuple(Passage(label_for(i), hit) for i, hit in enumerate(hits))
