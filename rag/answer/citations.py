"""Checking an answer's citations against the passages it was given, after generation.

Every label must name a passage given for this answer (others are dropped and counted). Every
sentence that states a figure (number, percentage, price, date, model size) must find it in a
passage it cites, or it is listed as unverified. A sentence that cites a passage carrying a
source claim it restates shows the claim's marker ([1], [2], [7]).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rag.index import lexical
from rag.ingest.chunker import plain, readable_sentences
from rag.records import Citation, Claim, Passage

LABEL = re.compile(r"\[([A-Z]{1,2})\]")
MARKER = re.compile(r"\[\d+\]")
CITE_GROUP = r"(?:\s*\[(?:[A-Z]{1,2}|\d+)\])*"
# An answer sentence ends at . ! or ?, with the citations after it, before a capital or the end.
_SENTENCE_END = re.compile(r"[.!?]" + CITE_GROUP + r"(?=\s+[\"'*(]*[A-Z0-9$]|\s*$)")
# ... unless the stop ends one of these; only the few characters before a stop can hold one, so
# a line full of "e.g." stays linear.
_NO_BREAK = re.compile(r"(?:\b(?:vs|e\.g|i\.e|etc|Mr|Mrs|Dr|St|approx|No|Inc|Ltd|U\.S)\.)$", re.I)
_ABBREVIATION_REACH = 8  # the longest abbreviation above, "approx", plus a separator
FIGURE = re.compile(r"\$?\d+(?:[.,]\d+)*(?:\s?(?:%|x\b|percent|[mb]\b|gb\b|k\b))?", re.I)
CLAIM_OVERLAP = 0.6  # share of a claim's words a sentence must restate to carry its marker


@dataclass(frozen=True)
class Verified:
    text: str
    citations: tuple[Citation, ...]
    claims: tuple[Claim, ...]
    unverified: tuple[str, ...]
    dropped: tuple[str, ...]


def split_answer(text: str) -> list[str]:
    """Answer sentences, each with the citation labels and claim markers that follow it."""
    sentences, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if _NO_BREAK.search(text[max(start, match.start() - _ABBREVIATION_REACH):match.start() + 1]):
            continue
        if text[start:match.end()].strip():
            sentences.append(text[start:match.end()].strip())
        start = match.end()
    if text[start:].strip():
        sentences.append(text[start:].strip())
    return sentences


def figures(text: str) -> set[str]:
    """Figures a sentence states, normalised ("$5,000" -> "5000", "7X" -> "7x"); labels excluded."""
    bare = MARKER.sub(" ", LABEL.sub(" ", text))
    return {re.sub(r"[$,\s]|percent", "", f.lower()).replace("percent", "%") for f in FIGURE.findall(bare)}


def _number(figure: str) -> str:
    return re.sub(r"[^\d.]", "", figure).strip(".")


def restates(sentence: str, claim: Claim) -> bool:
    claim_terms = set(lexical.terms(claim.text))
    shared = claim_terms & set(lexical.terms(sentence))
    return bool(claim_terms) and len(shared) / len(claim_terms) >= CLAIM_OVERLAP


def _with_markers(sentence: str, markers: list[str]) -> str:
    """Insert claim markers before the sentence's trailing citation labels."""
    missing = [m for m in markers if m not in sentence]
    if not missing:
        return sentence
    trailing = re.search(r"(\s*\[[A-Z]{1,2}\])+\s*\.?$", sentence)
    cut = trailing.start() if trailing else len(sentence)
    return sentence[:cut] + " " + " ".join(missing) + sentence[cut:]


def _supporting(chunk, sentences: list[str]) -> tuple[str, ...]:
    """The chunk sentences that the citing answer sentences draw on most, for highlighting."""
    own = readable_sentences(chunk)
    best = []
    for sentence in sentences:
        terms = set(lexical.terms(sentence))
        scored = [(len(terms & set(lexical.terms(s))), s) for s in own]
        if scored and max(scored)[0] > 0:
            best.append(max(scored)[1])
    return tuple(dict.fromkeys(best))


def _run_labels(pieces: list[str]) -> list[list[str]]:
    """Each sentence's labels; a sentence without any takes those that close its run: "Foo. Bar
    [A]" cites A for both. A quoted passage sentence may hold stops that the answer splitter
    breaks at and the passage's segmenter did not ("(1) Check the time stamps. If ..."), and its
    label comes only after the last of them."""
    found, closing = [], []
    for piece in reversed(pieces):
        closing = list(dict.fromkeys(LABEL.findall(piece))) or closing
        found.append(closing)
    return found[::-1]


def _numbers_shown(chunk) -> set[str]:
    """The numbers a passage states (a figure is supported by the same number, whatever form its
    unit takes) as a reader sees it: its heading ("release 1.6"), its text,
    and its text as shown in an answer (Markdown marks dropped: "2**31" reads "231")."""
    return {_number(f) for f in figures(f"{chunk.section}\n{chunk.text}\n{plain(chunk.text)}")}


def verify(text: str, passages: Sequence[Passage], claims: Mapping[str, Claim]) -> Verified:
    given = {p.label: p for p in passages}
    dropped = tuple(label for label in LABEL.findall(text) if label not in given)
    text = LABEL.sub(lambda m: m.group(0) if m.group(1) in given else "", text)
    out, unverified, cited_by = [], [], {}
    pieces = split_answer(text)
    numbers = {label: _numbers_shown(p.chunk) for label, p in given.items()}
    for sentence, labels in zip(pieces, _run_labels(pieces)):
        chunks = [given[label].chunk for label in labels]
        markers = [m for c in chunks for m in c.claims if m in claims and restates(sentence, claims[m])]
        sentence = _with_markers(sentence, list(dict.fromkeys(markers)))
        stated = figures(sentence)
        if stated and not all(any(_number(f) in numbers[label] for label in labels) for f in stated):
            unverified.append(sentence)
        out.append(sentence)
        for label in labels:
            cited_by.setdefault(label, []).append(sentence)
    final = " ".join(out)
    citations = tuple(Citation(label, given[label].chunk, _supporting(given[label].chunk, said))
                      for label, said in cited_by.items())
    shown = [claims[m] for m in dict.fromkeys(MARKER.findall(final)) if m in claims]
    return Verified(final, citations, tuple(shown), tuple(unverified), dropped)
