"""The relevance gate: answer only when the retrieved passages really cover the question.

Two tests, both on what `search` already returned: the best hit's dense cosine plus half its
word coverage must clear a fitted threshold (scripts/fit_gate.py, docs/RETRIEVAL.md), and the
question may not name a thing (a capitalised name, an acronym, a model number such as "GPT-6")
that appears nowhere in the corpus: "What does gpt-oss-20B cost on AWS?" is refused, not
answered with a neighbouring price. Near-misses without such a name still get through.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from rag import lexical
from rag.records import Hit

LEXICAL_WEIGHT = 0.5
PASSAGES_JUDGED = 3
_NAME = re.compile(r"(?<![\w-])([A-Z][\w.-]*[A-Z0-9][\w.-]*|[A-Z][a-z]+(?:-[\w]+)*|\w+-\d[\w.-]*)(?![\w-])")


@dataclass(frozen=True)
class Verdict:
    answer: bool
    reason: str
    score: float


def relevance(hit: Hit) -> float:
    return hit.dense + LEXICAL_WEIGHT * hit.lexical


def unknown_names(question: str, vocabulary: Collection[str]) -> list[str]:
    """Names in the question (not its first word) that no indexed passage contains. A name with
    a digit is a model or version number and must be known whole: "GPT-6" is not "GPT"."""
    names = []
    for match in _NAME.finditer(question):
        if match.start() == len(question) - len(question.lstrip()):
            continue  # a sentence's first word is capitalised anyway
        stems = lexical.terms(match.group(1))
        versioned = any(ch.isdigit() for ch in match.group(1))
        known = stems[0] in vocabulary if versioned and stems else any(s in vocabulary for s in stems)
        if stems and not known:
            names.append(match.group(1))
    return names


def judge(question: str, hits: Sequence[Hit], vocabulary: Collection[str], threshold: float) -> Verdict:
    if not hits:
        return Verdict(False, "the index holds no passages", 0.0)
    score = max(relevance(h) for h in hits[:PASSAGES_JUDGED])
    missing = unknown_names(question, vocabulary)
    if missing:
        return Verdict(False, f"the knowledge base never mentions {', '.join(missing)}", score)
    if score < threshold:
        return Verdict(False, f"no passage is relevant enough ({score:.2f} < {threshold:.2f})", score)
    return Verdict(True, "", score)
