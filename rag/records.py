"""The typed records that cross each stage boundary, from a file to the answer a user reads.

`Document` -> `Chunk` -> `Hit` -> generator events -> `Answer`. A `Chunk` is made once by the chunker
and travels unchanged to the citation the user clicks. Everything here is frozen and plain: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Claim:
    """A source claim the article defines in its source list, e.g. marker "[1]"."""

    marker: str
    text: str


@dataclass(frozen=True)
class Block:
    """A structural unit of a document (paragraph, list, table, or a question with its answer),
    with the heading path above it and its character span in `Document.text`."""

    path: tuple[str, ...]
    start: int
    end: int
    kind: str = "prose"  # "prose", "list", "table" or "faq" (its span starts at the question)
    key: str = ""  # for "faq": the question, searched as a key of its own


@dataclass(frozen=True)
class Document:
    """One source file as text, with its structure and the claims its source list defines."""

    source: str  # path relative to the corpus folder, with forward slashes
    text: str
    title: str
    blocks: tuple[Block, ...]
    claims: tuple[Claim, ...] = ()


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage. `text == document.text[start:end]` of the file it came from."""

    id: str
    source: str
    section: str  # the heading path joined with " › "
    text: str
    start: int
    end: int
    claims: tuple[str, ...] = ()  # source markers ("[1]") that appear in the text
    kind: str = "prose"
    key: str = ""  # an extra search key that leads here (an FAQ question); "" when none
    sentences: tuple[tuple[int, int], ...] = ()  # sentence spans relative to `text`
    code: tuple[int, ...] = ()  # indexes of the sentences that are lines of code

    def sentence_texts(self) -> list[str]:
        return [self.text[a:b] for a, b in self.sentences]


@dataclass(frozen=True)
class Hit:
    """A chunk retrieved for a query, with its fused score (higher is better)."""

    chunk: Chunk
    score: float
    dense: float = 0.0  # best cosine similarity of the chunk's keys to the query
    lexical: float = 0.0  # share of the query's content words the chunk contains


@dataclass(frozen=True)
class Passage:
    """A hit as handed to a generator: with the label the answer cites it by ("A", "B", ...)."""

    label: str
    hit: Hit

    @property
    def chunk(self) -> Chunk:
        return self.hit.chunk


@dataclass(frozen=True)
class Citation:
    """A passage the answer cites, and the sentences of it that support the answer."""

    label: str
    chunk: Chunk
    supporting: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answer:
    """The final record of one question: what the user reads, what it rests on, how long it took."""

    question: str
    query: str
    text: str
    refused: bool
    generator: str
    generator_reason: str = ""
    citations: tuple[Citation, ...] = ()
    claims: tuple[Claim, ...] = ()
    hits: tuple[Hit, ...] = ()
    thinking: str = ""
    unverified: tuple[str, ...] = ()  # answer sentences whose figures no cited passage holds
    dropped_labels: tuple[str, ...] = ()  # citation labels that named no passage given
    timings_ms: dict[str, float] = field(default_factory=dict)


# The event stream: `answer()` yields these in this order; every consumer reads the same stream.


@dataclass(frozen=True)
class Retrieved:
    query: str
    hits: tuple[Hit, ...]


@dataclass(frozen=True)
class Thinking:
    text: str  # a piece of the model's reasoning; never part of the answer


@dataclass(frozen=True)
class Token:
    text: str  # a piece of the answer text


@dataclass(frozen=True)
class Declined:
    reason: str  # a generator's first and only event when it will not answer: why, for the refusal


@dataclass(frozen=True)
class Done:
    answer: Answer


Event = Retrieved | Thinking | Token | Done
