"""Condensing a follow-up with the conversation into a self-contained search query.

Rule-based on purpose (no LLM in the query path): a question that leans on an earlier turn (a
pronoun like "it", an opening like "and ..." or "what about ...", or too few words of its own)
is searched together with the previous user question, itself condensed first, so a chain of
follow-ups keeps the entity the conversation started from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.answer.generators.base import Turn
from rag.index import lexical

_PRONOUN = re.compile(r"\b(it|its|it's|they|them|their|theirs|this|that|these|those|he|she|him|her|"
                      r"one|ones|the same|there|then)\b", re.I)
_OPENING = re.compile(r"^\s*(and|or|but|also|so|what about|how about|and what|what of|same for|why not)\b",
                      re.I)
MIN_OWN_TERMS = 2  # "Price?" leans on the conversation; "capital of France?" does not


def leans_on_context(question: str) -> bool:
    own_terms = lexical.terms(question)
    return bool(_PRONOUN.search(question) or _OPENING.match(question) or len(own_terms) < MIN_OWN_TERMS)


def condense(question: str, history: Sequence[Turn]) -> str:
    """The query to search for: the question, prefixed by the (condensed) last user turn when it
    leans on it."""
    earlier = [turn.text.strip() for turn in history if turn.role == "user" and turn.text.strip()]
    if not earlier or not leans_on_context(question):
        return question.strip()
    return f"{_standalone(earlier)} {question.strip()}"


def _standalone(questions: list[str]) -> str:
    """The last of the user's questions made self-contained: it and the ones it leans on."""
    start = len(questions) - 1
    while start > 0 and leans_on_context(questions[start]):
        start -= 1
    return " ".join(questions[start:])
