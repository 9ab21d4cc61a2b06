"""The extractive generator: the embedded default, deterministic and CPU-only.

It answers with the sentence of the retrieved passages that best answers the question and up to
two companions (the sentences likeliest to hold what it leaves out, most often the one it leans
on), in reading order, each followed by the label of its passage, and leads a yes/no question with
"Yes." or "No.". A sentence's score is a logistic model over `FEATURES` (dense similarity of
precomputed sentence vectors, rare-word overlap, the passage's rank and section, whether it states
the kind of fact asked for or holds the form the answer is expected to take, such as a number or
an option (`rag.answer.shape`), and what counts against it); the companions shown beside the best
one are chosen by a second logistic model over `COMPANION_FEATURES`. All three models are fitted on
the dev eval sets by scripts/fit_answer.py (sentence_scorer.json, companion_scorer.json,
answer_shapes.json). It never writes a word that is not in a passage, so its citations and figures
verify by construction.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rag.answer import gate, shape
from rag.answer.generators.base import Generator, Request
from rag.answer.question import wanted_kind
from rag.index import lexical
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
_CONTINUES = re.compile(r"^\s*(this|these|that|those|it|they|such|which|but)\b", re.I)
_WHY = re.compile(r"\b(why|how come)\b|\bwhat (is|are) the difference\b", re.I)
CONTEXT_WEIGHT = 0.25  # a word only the condensed query adds (from an earlier turn), vs 1 for the question's own
FAQ_MATCH = 0.8  # a question this close to an FAQ question is that question, so its answer leads


FEATURES = ("dense", "overlap", "passage_rank", "passage_dense", "passage_coverage", "states_wanted_fact",
            "short", "fragment", "repeat", "first_in_passage", "section_overlap", "code", "heading_states_fact",
            "answer_shape")


@dataclass(frozen=True)
class Scorer:
    """A linear score over `FEATURES`: fitted by scripts/fit_answer.py, read from SCORER_FILE."""

    weights: np.ndarray
    bias: float = 0.0
    logistic: bool = False  # a fitted scorer gives the probability that the sentence holds the answer
    threshold: float = 0.0  # a companion's: the least probability at which it is shown

    def score(self, row: np.ndarray) -> float:
        value = float(row @ self.weights + self.bias)
        return 1.0 / (1.0 + math.exp(-value)) if self.logistic else value

    @classmethod
    def load(cls, path: Path, features: tuple[str, ...]) -> Scorer:
        fitted = json.loads(path.read_text(encoding="utf-8"))
        if tuple(fitted["features"]) != features:
            raise ValueError(f"{path} was fitted on other features; run scripts/fit_answer.py")
        return cls(np.array(fitted["weights"], dtype=float), float(fitted["bias"]), logistic=True,
                   threshold=float(fitted.get("threshold", 0.0)))


# The constants this scorer had before it was fitted (dense + 0.5 overlap + 0.03 per rank step +
# 0.45 for the wanted fact - 0.1 short - 0.5 fragment - 0.3 repeat): the fit's baseline.
HAND_SET = Scorer(np.array([1.0, 0.5, 0.15, 0.0, 0.0, 0.45, -0.1, -0.5, -0.3, 0.0, 0.0, 0.0, 0.0, 0.0]))
SCORER_FILE = Path(__file__).with_name("sentence_scorer.json")
SCORER = Scorer.load(SCORER_FILE, FEATURES) if SCORER_FILE.exists() else HAND_SET


@dataclass(frozen=True)
class Candidate:
    text: str
    label: str
    rank: int  # of its passage
    index: int  # of the sentence within its passage
    score: float
    terms: frozenset[str]
    borrowed_lead: bool = False  # opens with "Yes,"/"No," that answered its FAQ's question, not this one
    heading: str = ""  # the heading above it that states the fact asked for, when it does not itself
    features: np.ndarray | None = field(default=None, compare=False)  # its `feature_row`, for fitting


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
        score = SCORER.score(row)
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
    """The nearest heading of a section path that states the kind of fact the question wants."""
    wanted = wanted_kind(question)
    if wanted is None:
        return ""
    return next((h for h in reversed(section.split(SECTION_SEPARATOR)) if wanted.stated_in(h) == 1.0), "")


def kind_source(request: Request) -> str:
    """The text whose form shows the kind of fact wanted: the question, or for an elliptical
    follow-up that shows none ("and the open-weight ones?"), the question condensed with the
    turns before it, which asked for a share."""
    return request.question if wanted_kind(request.question) else request.query


def states_wanted_fact(question: str, sentence: str) -> float:
    """1 when the question asks for a kind of fact (a date, a price...) the sentence states, 0.5
    when it states only a weaker form of it, else 0."""
    wanted = wanted_kind(question)
    return wanted.stated_in(sentence) if wanted else 0.0


_PROMPT = re.compile(r"^\s*(>>>|In \[\d+\]:)\s")  # an interactive Python prompt

# What is known about a sentence shown beside the best one: its own score, where it stands from
# the best (the next or previous sentence, the same passage, elsewhere), what it adds (question
# words, similarity, the kind of fact asked for) and the shapes that call for a neighbour (a line
# of code or a lead-in ending in ":" before it, a "this"/"it" opening, a "why" question, a doctest
# prompt before it, the fact asked for stated in full where the best has a weaker form). The
# weights are fitted by scripts/fit_answer.py: the best sentence alone holds the answer on new
# documents about half the time, and the sentence it leans on, most often the next one, holds it
# in a further fifth (docs/RETRIEVAL.md).
COMPANION_FEATURES = ("score", "best_score", "next", "previous", "same_passage", "overlap_gain", "dense_gain",
                      "fact_gain", "code", "best_code", "best_introduces", "fragment", "short",
                      "next_after_code", "next_after_colon", "next_continues", "next_explains", "output_of_prompt",
                      "completes_fact", "shape_gain")
COMPANIONS_WEIGHED = 12  # the companion is one of the best-scoring sentences after the best
# Two companions at most: the second-likeliest holds the answer the best and the likeliest miss
# often enough to be worth a third sentence (scripts/fit_answer.py, leaving one set out; docs/RETRIEVAL.md)
COMPANIONS_SHOWN = 2
_AT = {name: FEATURES.index(name)
       for name in ("dense", "overlap", "states_wanted_fact", "short", "fragment", "code", "answer_shape")}
# Before a fit: the next sentence, as an explanation or a line of code most often goes on there.
HAND_SET_COMPANION = Scorer(np.array([1.0, 0, 1.0] + [0.0] * (len(COMPANION_FEATURES) - 3)), -1.0, logistic=True)
COMPANION_FILE = Path(__file__).with_name("companion_scorer.json")
COMPANION = Scorer.load(COMPANION_FILE, COMPANION_FEATURES) if COMPANION_FILE.exists() else HAND_SET_COMPANION


def companion_row(best: Candidate, other: Candidate, question: str) -> np.ndarray:
    """What is known about `other` as the sentence shown beside `best`, in the order of
    `COMPANION_FEATURES`."""
    same = other.rank == best.rank
    step = other.index - best.index if same else 0
    follows = float(step == 1)
    introduces = float(best.text.rstrip().endswith(":"))
    b, o = best.features, other.features
    return np.array([
        other.score, best.score, follows, float(step == -1), float(same and abs(step) > 1),
        o[_AT["overlap"]] - b[_AT["overlap"]], o[_AT["dense"]] - b[_AT["dense"]],
        o[_AT["states_wanted_fact"]] - b[_AT["states_wanted_fact"]],
        o[_AT["code"]], b[_AT["code"]], introduces, o[_AT["fragment"]], o[_AT["short"]],
        follows * b[_AT["code"]], follows * introduces, follows * float(bool(_CONTINUES.match(other.text))),
        follows * float(bool(_WHY.search(question))),
        # what a doctest prompt prints (">>> Version.coerce('0.1.2.3.4')" -> "Version('0.1.2+3.4')")
        follows * float(bool(_PROMPT.match(best.text)) and not _PROMPT.match(other.text)),
        # the fact asked for in full where the best has a weaker form ("August 2025" beside "2025")
        float(o[_AT["states_wanted_fact"]] == 1.0 and b[_AT["states_wanted_fact"]] < 1.0),
        # the form the answer is expected to take, held where the best lacks it ("144" for "how many")
        o[_AT["answer_shape"]] - b[_AT["answer_shape"]],
    ])


def companion_pool(ranked: list[Candidate]) -> list[Candidate]:
    """The sentences weighed as the best one's companions: the best-scoring after it, and its own
    neighbours however they score. "The default is 3000." says too little to score high alone,
    yet it is what "--maxdepth VALUE: Adjust the maximum depth ..." leans on (corpus6, xsltproc)."""
    best = ranked[0]
    neighbours = [c for c in ranked[COMPANIONS_WEIGHED:] if c.rank == best.rank and abs(c.index - best.index) == 1]
    return ranked[1:COMPANIONS_WEIGHED] + neighbours


def companions(best: Candidate, ranked: list[Candidate], question: str) -> list[Candidate]:
    """The sentences to show beside the best one, likeliest first: up to `COMPANIONS_SHOWN` of the
    next-best candidates, each likely enough to hold what the best one leaves out, and none saying
    again what one shown already says."""
    others = companion_pool(ranked)
    chances = [COMPANION.score(companion_row(best, other, question)) for other in others]
    chosen = [best]
    for i in sorted(range(len(others)), key=lambda i: -chances[i]):
        if len(chosen) > COMPANIONS_SHOWN or chances[i] < COMPANION.threshold:
            break
        if not any(_repeats(others[i].text, c.text) for c in chosen):
            chosen.append(others[i])
    return chosen[1:]


_WORD = re.compile(r"\w+")
REPEAT_EXTRA_WORDS = 3


def _repeats(text: str, shown: str) -> bool:
    """Whether `text` says what `shown` says: its words all stand there, in order, or it is `shown`
    with a few words more. A passage quoted twice (a NEWS entry and its summary) showed the
    same sentence twice, "646 - rsvg-convert's default DPI is now 96 ..." beside the sentence
    alone, and the second slot held nothing new (corpus19)."""
    words, other = _WORD.findall(text.lower()), _WORD.findall(shown.lower())
    joined, other_joined = f" {' '.join(words)} ", f" {' '.join(other)} "
    return joined in other_joined or (other_joined in joined and len(words) - len(other) <= REPEAT_EXTRA_WORDS)


def choose(ranked: list[Candidate], request: Request) -> list[Candidate]:
    """The best sentence, then its companions, likeliest first (`compose` shows them in reading
    order)."""
    if not ranked:
        return []
    chosen = [ranked[0], *companions(ranked[0], ranked, request.question)]
    return chosen + introduced(chosen, ranked)


def introduced(chosen: list[Candidate], ranked: list[Candidate]) -> list[Candidate]:
    """What a shown lead-in ending in ":" introduces, or what a shown interactive prompt prints,
    when not shown already: the answer must not stop at "Install with all optional dependencies:"
    without the command that follows it, nor at ">>> nx.shortest_path(G, 'A', 'D')" without its
    result."""
    shown_at = {(c.rank, c.index) for c in chosen}
    by_place = {(c.rank, c.index): c for c in ranked}
    added = []
    for c in chosen:
        follower = by_place.get((c.rank, c.index + 1))
        leads = c.text.rstrip().endswith(":") or (
            bool(_PROMPT.match(c.text)) and follower is not None and not _PROMPT.match(follower.text))
        if leads and follower and (follower.rank, follower.index) not in shown_at:
            added.append(follower)
            shown_at.add((follower.rank, follower.index))
    return added


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
    sentences = [f"{shown(c)} [{c.label}]" for c in chosen]
    context = request.passages[ranked[0].rank].chunk.text
    return yes_no_lead(request.question, shown(ranked[0]), shown(chosen[0]), context) + " ".join(sentences)


def lacking(request: Request, chosen: list[Candidate]) -> str:
    """Why not to answer: the best sentence and its likeliest companion lack the kind of fact asked
    for (`gate.unstated`). A second companion is shown as context, not taken as the answer: read
    too, its "2025" answered "when did chatgpt first come out" (a near-miss, article_user3)."""
    sources = [p.chunk.source for p in request.passages[:PASSAGES_READ]]
    missing = gate.unstated(request.question, [shown(c) for c in chosen[:2]], request.query, sources) if chosen else ""
    return f"the sentences that best match it {missing}" if missing else ""


class ExtractiveGenerator(Generator):
    name = "extractive"
    passages_wanted = PASSAGES_READ
    judges_support = False

    def stream(self, request: Request) -> Iterator[Thinking | Token | Declined]:
        ranked = candidates(request)
        chosen = choose(ranked, request)
        reason = lacking(request, chosen)
        if reason:
            yield Declined(reason)
            return
        for piece in re.findall(r"\S+\s*", compose(request, ranked, chosen)):
            if request.cancel.is_set():
                return
            yield Token(piece)
