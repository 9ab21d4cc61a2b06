"""The extractive generator: the embedded default, deterministic and CPU-only.

It answers with the sentence of the retrieved passages that best answers the question and up to
two companions (the sentences likeliest to hold what it leaves out, most often the one it leans
on), in reading order, each followed by the label of its passage, and leads a yes/no question with
"Yes." or "No.". A sentence's score is a logistic model (`rag.answer.generators.candidate`) over
`FEATURES`: dense similarity of precomputed sentence vectors, rare-word overlap, the passage's rank
and section, whether it states the kind of fact asked for or holds the form the answer is expected
to take, such as a number or an option (`rag.answer.shape`), and what counts against it. The
companions shown beside the best one are chosen by a second logistic model
(`rag.answer.generators.companion`). All three models are fitted on the dev eval sets by
scripts/fit_answer.py (sentence_scorer.json, companion_scorer.json, answer_shapes.json). It never
writes a word that is not in a passage, so its citations and figures verify by construction.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import replace

import numpy as np

from rag.answer import gate, shape
from rag.answer.generators import candidate as scoring
from rag.answer.generators.base import Generator, Request
from rag.answer.generators.candidate import FEATURES, Candidate
from rag.answer.generators.companion import choose
from rag.answer.question import wanted_kind
from rag.index import lexical
from rag.index.search import names_release_of, releases_in
from rag.ingest.chunker import (SECTION_SEPARATOR, code_sentences, document_words, list_item_sentences,
                                readable_sentences)
from rag.records import Declined, Passage, Thinking, Token

PASSAGES_READ = 5  # sentences come from the best five passages only
_YES_NO = re.compile(r"^\s*(is|are|was|were|can|could|does|do|did|will|would|has|have|had|should|must|"
                     r"may|might|isn't|aren't|doesn't|don't)\b", re.I)
YES_COVERAGE = 1.0  # every content word of the question: a missing one may be the point
_CONTRAST = re.compile(r"\b(while|but|however|only|instead|rather|whereas|although|second-\w+)\b", re.I)
_NEGATION = re.compile(r"\b(not|no|cannot|can't|never|none|neither|nor|isn't|aren't|doesn't|don't|"
                       r"distinct from|separate from|rather than)\b", re.I)
_LEAD_WORD = re.compile(r"^\s*(yes|no)\b[,.;:]?\s*", re.I)
_ENDS_SENTENCE = re.compile(r"[.!?][\"')\]*_]*(\s*\[\d+\])*\s*$")
CONTEXT_WEIGHT = 0.25  # a word only the condensed query adds (from an earlier turn), vs 1 for the question's own
FAQ_MATCH = 0.8  # a question this close to an FAQ question is that question, so its answer leads


def _importance(request: Request) -> dict[str, float]:
    """Words of the question count fully, words only the condensed query adds (from an earlier
    turn) count `CONTEXT_WEIGHT`: they name the topic, not what is asked about it."""
    weights = {t: CONTEXT_WEIGHT for t in lexical.terms(request.query)}
    weights.update({t: 1.0 for t in lexical.terms(request.question)})
    return weights


def _rarity(sentence_terms: list[frozenset[str]]) -> dict[str, float]:
    """Inverse document frequency over the candidate sentences: a word every passage repeats (the
    topic, "gpt-oss") tells less about which sentence answers than a word one sentence holds."""
    count = len(sentence_terms)
    frequency: dict[str, int] = {}
    for terms in sentence_terms:
        for term in terms:
            frequency[term] = frequency.get(term, 0) + 1
    return {t: math.log(1 + count / f) for t, f in frequency.items()}


# A question word naming the document ("max line length in the rust style guide") picks the
# document, not the sentence within it: held by a sentence of that document, it counts half, or
# the guide's opening sentences, which name it, beat "The maximum width for a line is 100
# characters." On the thirty-nine dev sets: 5 answerable items more right (7 won, 2 lost); a
# quarter or three quarters measured the same, dropping such words 1 fewer.
TITLE_WEIGHT = 0.5


def _overlap(terms: frozenset[str], weights: dict[str, float], title: frozenset[str] = frozenset()) -> float:
    total = sum(weights.values())
    held = sum(w * (TITLE_WEIGHT if t in title else 1.0) for t, w in weights.items() if t in terms)
    return held / total if total else 0.0


def _sentences(request: Request) -> list[tuple[int, Passage, int, str]]:
    """(passage rank, passage, sentence index, text) of every sentence with words to quote (an
    image-only line or an alert marker reads as nothing)."""
    return [(rank, passage, index, text) for rank, passage in enumerate(request.passages[:PASSAGES_READ])
            for index, text in enumerate(readable_sentences(passage.chunk)) if text.strip()]


def _dense(request: Request, passage: Passage, index: int) -> float:
    """Cosine of the sentence to the query, or to a follow-up's own words where closer (the query
    leans on the turn before, and a follow-up that changes subject is about its own words). An
    FAQ answer's first sentence answers the FAQ question, so it also scores as well as the
    question key matched."""
    vectors = request.sentence_vectors.get(passage.chunk.id)
    if vectors is None or request.query_vector is None or index >= len(vectors):
        return 0.0
    own = float(vectors[index] @ request.query_vector)
    if request.question_vector is not None:  # a follow-up's own words, as search reads them too:
        own = max(own, float(vectors[index] @ request.question_vector))  # +5 -0 dev answers
    return max(own, passage.hit.dense) if _answers_its_faq(passage, index) else own


def _answers_its_faq(passage: Passage, index: int) -> bool:
    """The first sentence of an FAQ answer whose question the query matched closely."""
    return bool(passage.chunk.key) and index == 0 and passage.hit.dense >= FAQ_MATCH


def candidates(request: Request) -> list[Candidate]:
    found = _sentences(request)
    term_sets = [frozenset(lexical.terms(text)) for *_, text in found]
    rarity = _rarity(term_sets)
    most_rare = max(rarity.values(), default=1.0)
    weights = {t: w * rarity.get(t, most_rare) for t, w in _importance(request).items()}
    said = " ".join(turn.text for turn in request.history if turn.role == "assistant")
    own = {t for t, w in _importance(request).items() if w == 1.0}  # the question's own words
    asked = frozenset(lexical.terms(request.question))
    in_section = {p.label: len(asked & frozenset(lexical.terms(p.chunk.section))) / len(asked) if asked else 0.0
                  for p in request.passages[:PASSAGES_READ]}  # "section 8", "patent license": once a passage
    kind_question = kind_source(request)
    headings = {p.label: heading_stating(kind_question, p.chunk.section) for p in request.passages[:PASSAGES_READ]}
    expected = shape.MODEL.expected(kind_question)
    titles = {p.label: frozenset(lexical.terms(document_words(p.chunk.source)))
              for p in request.passages[:PASSAGES_READ]}
    out = []
    for (rank, passage, index, text), terms in zip(found, term_sets):
        overlap = _overlap(terms, weights, titles[passage.label])
        row = feature_row(request, passage, rank, index, text, terms, overlap, said, own,
                          in_section[passage.label], kind_question, headings[passage.label], expected)
        score = scoring.SCORER.score(row)  # read at call time: scripts/fit_answer.py swaps it in
        borrowed = bool(_LEAD_WORD.match(text)) and not _answers_its_faq(passage, index)
        heading = headings[passage.label] if row[FEATURES.index("heading_states_fact")] else ""
        out.append(Candidate(text, passage.label, rank, index, score, terms, borrowed, heading, row))
    return sorted(out, key=lambda c: (-c.score, c.rank, c.index))


def feature_row(request: Request, passage: Passage, rank: int, index: int, text: str, terms: frozenset[str],
                overlap: float, said: str, own: set[str], section_overlap: float, kind_question: str,
                heading: str, expected: np.ndarray) -> np.ndarray:
    """What is known about one candidate sentence, in the order of `FEATURES`. `kind_question`
    shows the kind of fact wanted (`kind_source`); `heading` is the passage's heading that states
    it, or ""; `expected`, the forms the answer is expected to take (`shape.ShapeModel`)."""
    code = index in code_sentences(passage.chunk)
    wanted = states_wanted_fact(kind_question, text)
    return np.array([
        _dense(request, passage, index),
        overlap,
        (PASSAGES_READ - rank) / PASSAGES_READ,
        passage.hit.dense,
        passage.hit.lexical,
        wanted,
        1.0 if len(text.split()) < 6 else 0.0,  # titles and fragments answer little
        # a headline ("ChatGPT: 80% market share vs ...") states nothing; table cells and list
        # items (also a list packed into a prose chunk) often end without a stop and still state facts,
        # as does a line stating the kind of fact asked for among other lines ("Dec 01, 2020:
        # libarchive 3.5.0 released", "Mode: 600"); alone in its passage, such a line is a subtitle
        # (+8 -3 answerable dev items, thirteenth session)
        1.0 if passage.chunk.kind == "prose" and not code and index not in list_item_sentences(passage.chunk)
        and not _ENDS_SENTENCE.search(text)
        and (wanted < 1.0 or len(readable_sentences(passage.chunk)) == 1) else 0.0,
        # a follow-up wants something new: a sentence already said, lacking the follow-up's own words
        # or when it has none ("by when?"), unless it states the kind of fact asked for ("When was
        # it released?" wants the date again)
        1.0 if text in said and not (own and own <= terms) and wanted < 1.0 else 0.0,
        1.0 if index == 0 else 0.0,
        section_overlap,
        1.0 if code else 0.0,
        1.0 if wanted < 1.0 and heading else 0.0,
        shape.match(expected, text),
    ])


def shown(candidate: Candidate) -> str:
    """The sentence as the answer shows it: a borrowed "Yes, " or "No, " is dropped, since it
    answered another question ("Does OpenAI have any open-source models?") than the one asked;
    the heading that states the fact asked for leads it ("Noteworthy changes in release 1.6
    (2013-06-09): gzip now accepts the --keep option.")."""
    text = candidate.text
    if candidate.borrowed_lead:
        rest = _LEAD_WORD.sub("", text, count=1)
        text = rest[:1].upper() + rest[1:]
    return f"{candidate.heading}: {text}" if candidate.heading else text


def heading_stating(question: str, section: str) -> str:
    """The nearest heading of a section path that states the kind of fact the question wants, and
    names no other release than one the question names: "Noteworthy changes in release 3.6
    (2017-05-21)" states no date of release 3.8 (corpus2)."""
    wanted = wanted_kind(question)
    if wanted is None:
        return ""
    named = releases_in(question)
    return next((h for h in reversed(section.split(SECTION_SEPARATOR))
                 if wanted.stated_in(h) == 1.0 and _names_no_other_release(h, named)), "")


def _names_no_other_release(heading: str, named: frozenset[str]) -> bool:
    return not named or not releases_in(heading) or names_release_of(heading, named)


def kind_source(request: Request) -> str:
    """The text whose form shows the kind of fact wanted: the question, or for an elliptical
    follow-up that shows none ("and the open-weight ones?"), the question condensed with the
    turns before it, which asked for a share."""
    return request.question if wanted_kind(request.question) else request.query


def states_wanted_fact(question: str, sentence: str) -> float:
    """1 when the question asks for a kind of fact (a date, a price...) the sentence states, 0.5
    when it states only a weaker form of it, else 0. A sentence naming another release than the
    one asked about states that release's fact: "pcsc-lite-1.5.3: 29 April 2009" gives no date
    of 1.9.9."""
    wanted = wanted_kind(question)
    if wanted is None or not _names_no_other_release(sentence, releases_in(question)):
        return 0.0
    return wanted.stated_in(sentence)


def yes_no_lead(question: str, best: str, first: str | None = None, context: str = "") -> str:
    """"Yes. " or "No. " for a yes/no question, read off the best sentence (and `context`, the
    passage around it, for words the sentence leaves to an "it"); nothing when the sentence shown
    first already opens with its own yes or no, or when neither answer is safe."""
    if not _YES_NO.match(question) or _LEAD_WORD.match(first or best):
        return ""
    # A lead only when the passage speaks to the whole question, holding every word of it: "Is
    # self-hosting worth it?" must not read "No." off "While not 100% open source, ...".
    wanted = set(lexical.terms(question))
    held = wanted & set(lexical.terms(best + " " + context))
    if not wanted or len(held) / len(wanted) < YES_COVERAGE:
        return ""
    if _NEGATION.search(best):
        return "No. "
    # and "Yes" only without a contrast ("Does espresso need a coarse grind?" -> "... fine grind, while ...")
    return "" if _CONTRAST.search(best) else "Yes. "


def compose(request: Request, ranked: list[Candidate], chosen: list[Candidate]) -> str:
    if not chosen:
        return "The passages found do not contain an answer to that."
    chosen = sorted(chosen, key=lambda c: (c.rank, c.index))  # in reading order
    sentences, led = [], set()
    for c in chosen:
        # a heading leads the first sentence shown under it, not each one ("Noteworthy changes in
        # release 1.21.3 (2022-02-26): Fix ... Add option ...", not the heading three times)
        sentences.append(f"{shown(replace(c, heading='') if c.heading in led else c)} [{c.label}]")
        led.add(c.heading)
    context = request.passages[ranked[0].rank].chunk.text
    return yes_no_lead(request.question, shown(ranked[0]), shown(chosen[0]), context) + " ".join(sentences)


def lacking(request: Request, chosen: list[Candidate]) -> str:
    """Why not to answer: the best sentence and its likeliest companion lack the kind of fact asked
    for (`gate.unstated`). A second companion is shown as context, not taken as the answer: read
    too, its "2025" answered "when did chatgpt first come out" (a near-miss, article_user3); only
    a default or a bound asked for may be stated there ("The default progress status is ...")."""
    read = chosen[:2]
    sources = [request.passages[c.rank].chunk.source for c in read]
    passages = [f"{p.chunk.section}\n{p.chunk.text}" for p in (request.passages[c.rank] for c in chosen)]
    missing = gate.unstated(request.question, [shown(c) for c in read], request.query, sources,
                            [shown(c) for c in chosen[2:]], passages) if read else ""
    return f"the sentences that best match it {missing}" if missing else ""


# How deep the runner-up that states the fact asked for may rank: on the fifty-two dev sets, the
# third (4 answerable items more right, 1 near-miss answered), the fifth (6 more, 3 near-misses).
RUNNER_UP_DEPTH = 3


def _stating_runner_up(request: Request, ranked: list[Candidate]) -> Candidate | None:
    """The best candidate after the first, down to `RUNNER_UP_DEPTH`, that states in full the kind
    of fact asked for, to answer with when the best and its companion state none: "at what
    volume does open source start to win" was refused while "But once you hit the
    10-million-token mark, ..." ranked third (article_user3, 9, 24)."""
    wanted = wanted_kind(kind_source(request))
    if wanted is None:
        return None
    return next((c for c in ranked[1:RUNNER_UP_DEPTH] if wanted.stated_in(shown(c)) == 1.0), None)


class ExtractiveGenerator(Generator):
    name = "extractive"
    passages_wanted = PASSAGES_READ
    judges_support = False

    def stream(self, request: Request) -> Iterator[Thinking | Token | Declined]:
        ranked = candidates(request)
        chosen = choose(ranked, request)
        reason = lacking(request, chosen)
        stating = _stating_runner_up(request, ranked) if reason else None
        if stating is not None:  # a sentence just below them states it: it leads the answer
            ranked = [stating, *(c for c in ranked if c is not stating)]
            chosen = choose(ranked, request)
            reason = lacking(request, chosen)
        if reason:
            yield Declined(reason)
            return
        for piece in re.findall(r"\S+\s*", compose(request, ranked, chosen)):
            if request.cancel.is_set():
                return
            yield Token(piece)
