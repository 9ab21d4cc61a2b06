"""The relevance gate: answer only when the retrieved passages really cover the question.

Two tests, both on what `search` already returned: the best hit's dense cosine plus half its
word coverage must clear a fitted threshold (scripts/fit_gate.py, docs/RETRIEVAL.md), and the
question may not name a thing (a capitalised name, an acronym, a model number such as "GPT-6")
that appears nowhere in the corpus: "What does gpt-oss-20B cost on AWS?" is refused, not
answered with a neighbouring price. Where the question's form shows what it asks about ("how many
parameters", "Llama 4's context window"), a passage must mention that thing beside the names the
question gives, or the question is refused as one the corpus does not answer. Near-misses that
show neither (GPT-5's training cost) still get through.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from rag import lexical
from rag.chunker import search_text
from rag.records import Hit

LEXICAL_WEIGHT = 0.5
PASSAGES_JUDGED = 3
_NAME = re.compile(r"(?<![\w-])([A-Z][\w.-]*[A-Z0-9][\w.-]*|[A-Z][a-z]+(?:-[\w]+)*|\w+-\d[\w.-]*)(?![\w-])")


# The thing asked about, where the question's form shows it: the word after "how many", or after a
# possessive ("Llama 4's context window"); contractions such as "it's" are not possessives.
_ASKED_FOR = re.compile(r"\bhow many\s+([\w-]+)|\b(?!(?:it|that|what|there|here|who|he|she|let|where|how)['’]s)"
                        r"\w+['’]s\s+([\w-]+)", re.I)


# Words that name the kind of answer wanted (a percentage, a price...) rather than a thing the
# passages must mention: "What is wind's share of the grid?" is answered by "20% of the grid".
ANSWER_FORM_WORDS = frozenset("""share shares percentage percent proportion fraction cost costs price prices
fee fees size sizes number numbers amount total rate value kind type version versions""".split())


@dataclass(frozen=True)
class Verdict:
    answer: bool
    reason: str
    score: float


def relevance(hit: Hit) -> float:
    return hit.dense + LEXICAL_WEIGHT * hit.lexical


def _names(question: str) -> list[tuple[str, list[str], bool]]:
    """(name, its stems, whether it is versioned) for each name in the question but its first word.
    A name with a digit is a model or version number: only its whole form identifies it."""
    found = []
    for match in _NAME.finditer(question):
        if match.start() == len(question) - len(question.lstrip()):
            continue  # a sentence's first word is capitalised anyway
        stems = lexical.terms(match.group(1))
        if stems:
            found.append((match.group(1), stems, any(ch.isdigit() for ch in match.group(1))))
    return found


def _mentions(terms: Collection[str], stems: list[str], versioned: bool) -> bool:
    return stems[0] in terms if versioned else any(s in terms for s in stems)


def unknown_names(question: str, vocabulary: Collection[str]) -> list[str]:
    """Names in the question that no indexed passage contains ("GPT-6" is not "GPT")."""
    return [name for name, stems, versioned in _names(question) if not _mentions(vocabulary, stems, versioned)]


def unanswered_focus(question: str, hits: Sequence[Hit]) -> str:
    """The thing the question asks about when no retrieved passage mentions it together with one
    of the question's names; "" when the question's form shows no such thing, or one is found."""
    passages = [set(lexical.terms(search_text(h.chunk) + "\n" + h.chunk.key)) for h in hits]
    names = _names(question)
    for match in _ASKED_FOR.finditer(question):
        word = match.group(1) or match.group(2)
        stems = lexical.terms(word)
        if not stems or word.lower() in ANSWER_FORM_WORDS:
            continue  # "how many of ...", "wind's share": they show the kind of answer, not a thing
        holding = [p for p in passages if stems[0] in p]
        if not any(not names or any(_mentions(p, s, v) for _, s, v in names) for p in holding):
            return word
    return ""


def judge(question: str, hits: Sequence[Hit], vocabulary: Collection[str], threshold: float) -> Verdict:
    if not hits:
        return Verdict(False, "the index holds no passages", 0.0)
    score = max(relevance(h) for h in hits[:PASSAGES_JUDGED])
    missing = unknown_names(question, vocabulary)
    if missing:
        return Verdict(False, f"the knowledge base never mentions {', '.join(missing)}", score)
    if score < threshold:
        return Verdict(False, f"no passage is relevant enough ({score:.2f} < {threshold:.2f})", score)
    focus = unanswered_focus(question, hits)
    if focus:
        return Verdict(False, f"the passages found say nothing about {focus}", score)
    return Verdict(True, "", score)
