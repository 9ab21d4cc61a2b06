"""The extractive generator: the embedded default, deterministic and CPU-only.

It answers with the one to three sentences of the retrieved passages that best match the question
(dense similarity of precomputed sentence vectors plus word overlap), each followed by the label
of its passage, and leads a yes/no question with "Yes." or "No.". It never writes a word that is
not in a passage, so its citations and figures verify by construction.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from rag import lexical
from rag.chunker import readable_sentences
from rag.generators.base import Generator, Request
from rag.records import Thinking, Token

PASSAGES_READ = 5  # sentences come from the best five passages only
SECOND_SENTENCE_RATIO = 0.85  # a further sentence must score this close to the best one
MAX_SENTENCES = 2
_YES_NO = re.compile(r"^\s*(is|are|was|were|can|could|does|do|did|will|would|has|have|had|should|must|"
                     r"may|might|isn't|aren't|doesn't|don't)\b", re.I)
_NEGATION = re.compile(r"\b(not|no|cannot|can't|never|none|neither|nor|isn't|aren't|doesn't|don't|"
                       r"distinct from|separate from|rather than)\b", re.I)
_ANSWERS_ITSELF = re.compile(r"^\s*(yes|no)\b", re.I)
_CONTINUES = re.compile(r"^\s*(this|these|that|those|it|they|such|which)\b", re.I)
_WHY = re.compile(r"^\s*(why|how come)\b|\bwhat (is|are) the difference\b", re.I)
# What kind of figure a question asks for, and how a sentence that states one looks.
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
ANSWER_TYPES = [
    (re.compile(r"\b(cheaper|more expensive|more cost|times|how many times|ratio|reduction)\b", re.I),
     re.compile(r"\b\d+(\.\d+)?x\b|\btimes\b|\bone-\w+th\b", re.I)),
    (re.compile(r"^\s*when\b|\bwhat (year|date|month)\b|\bsince when\b", re.I),
     re.compile(rf"\b({_MONTHS})\b|\b(19|20)\d\d\b|\bq[1-4]\b", re.I)),
    (re.compile(r"\b(share|percent|percentage|how close|how accurate|how much more accurate|fraction)\b", re.I),
     re.compile(r"\d+(\.\d+)?\s?%")),
    (re.compile(r"\b(cost|price|charge|pay|bill|spend|fee)s?\b", re.I), re.compile(r"\$\s?\d")),
    (re.compile(r"\b(hardware|gpu|gpus|memory|vram|run on)\b", re.I), re.compile(r"\b\d+\s?gb\b|\bgpu\b", re.I)),
    (re.compile(r"\b(size|sizes|how big|how large|parameters)\b", re.I), re.compile(r"\b\d+\s?b\b", re.I)),
]
TYPE_BONUS = 0.25


@dataclass(frozen=True)
class Candidate:
    text: str
    label: str
    rank: int  # of its passage
    index: int  # of the sentence within its passage
    score: float
    terms: frozenset[str]


def _weighted_terms(request: Request) -> dict[str, float]:
    """Words of the question count fully, words only the condensed query adds count half."""
    weights = {t: 0.5 for t in lexical.terms(request.query)}
    weights.update({t: 1.0 for t in lexical.terms(request.question)})
    return weights


def _overlap(terms: frozenset[str], weights: dict[str, float]) -> float:
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in terms) / total if total else 0.0


def candidates(request: Request) -> list[Candidate]:
    weights = _weighted_terms(request)
    found = []
    for rank, passage in enumerate(request.passages[:PASSAGES_READ]):
        vectors = request.sentence_vectors.get(passage.chunk.id)
        for index, text in enumerate(readable_sentences(passage.chunk)):
            terms = frozenset(lexical.terms(text))
            dense = float(vectors[index] @ request.query_vector) \
                if vectors is not None and request.query_vector is not None and index < len(vectors) else 0.0
            short = 0.1 if len(text.split()) < 6 else 0.0  # titles and fragments answer little
            score = dense + 0.5 * _overlap(terms, weights) + 0.03 * (PASSAGES_READ - rank) - short \
                + TYPE_BONUS * _states_wanted_figure(request.question, text)
            found.append(Candidate(text, passage.label, rank, index, score, terms))
    return sorted(found, key=lambda c: (-c.score, c.rank, c.index))


def _states_wanted_figure(question: str, sentence: str) -> bool:
    """True when the question asks for a kind of figure (a date, a price...) the sentence states."""
    for asks, states in ANSWER_TYPES:
        if asks.search(question):
            return bool(states.search(sentence))
    return False


def choose(ranked: list[Candidate], weights: dict[str, float]) -> list[Candidate]:
    """The best sentence, plus others close behind it that cover question words it lacks."""
    if not ranked:
        return []
    chosen = [ranked[0]]
    covered = set(ranked[0].terms)
    for candidate in ranked[1:]:
        if len(chosen) == MAX_SENTENCES or candidate.score < SECOND_SENTENCE_RATIO * ranked[0].score:
            break
        adds = {t for t in weights if t in candidate.terms and t not in covered}
        if adds and weights and max(weights[t] for t in adds) == 1.0:
            chosen.append(candidate)
            covered |= candidate.terms
    return sorted(chosen, key=lambda c: (c.rank, c.index)) if len(chosen) > 1 else chosen


def with_continuation(chosen: list[Candidate], ranked: list[Candidate], question: str) -> list[Candidate]:
    """Add the sentence after the best one when it carries the thought on ("This means ...") or
    when the question asks why: one sentence rarely holds an explanation."""
    best = chosen[0]
    following = [c for c in ranked if c.rank == best.rank and c.index == best.index + 1]
    if following and following[0] not in chosen and (_CONTINUES.match(following[0].text) or _WHY.search(question)):
        return [*chosen[:MAX_SENTENCES - 1], following[0]] if len(chosen) >= MAX_SENTENCES else [best, following[0], *chosen[1:]]
    return chosen


def yes_no_lead(question: str, first: str) -> str:
    if not _YES_NO.match(question) or _ANSWERS_ITSELF.match(first):
        return ""
    return "No. " if _NEGATION.search(first) else "Yes. "


def compose(request: Request) -> str:
    weights = _weighted_terms(request)
    ranked = candidates(request)
    chosen = choose(ranked, weights)
    chosen = with_continuation(chosen, ranked, request.question) if chosen else chosen
    if not chosen:
        return "The passages found do not contain an answer to that."
    sentences = [f"{c.text} [{c.label}]" for c in chosen]
    return yes_no_lead(request.question, chosen[0].text) + " ".join(sentences)


class ExtractiveGenerator(Generator):
    name = "extractive"

    def stream(self, request: Request) -> Iterator[Thinking | Token]:
        for piece in re.findall(r"\S+\s*", compose(request)):
            if request.cancel.is_set():
                return
            yield Token(piece)
