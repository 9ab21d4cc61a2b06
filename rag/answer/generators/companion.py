"""The companions of the best sentence: the sentences shown beside it, likeliest first, chosen by
a second logistic model over `COMPANION_FEATURES` (fitted by scripts/fit_answer.py, read from
companion_scorer.json), and the lines a shown sentence cannot go without (what a lead-in
introduces, what a prompt prints, what a short "This is the default." is about, the setting a
comment explains).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from rag.answer.generators.base import Request
from rag.answer.generators.candidate import FEATURES, Candidate, Scorer

_CONTINUES = re.compile(r"^\s*(this|these|that|those|it|they|such|which|but)\b", re.I)
_WHY = re.compile(r"\b(why|how come)\b|\bwhat (is|are) the difference\b", re.I)
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
    """What a shown lead-in ending in ":" introduces, what a shown interactive prompt prints, the
    sentence a short "this" sentence is about, and the setting a shown comment explains, when not
    shown already: the answer must not stop at "Install with all optional dependencies:" without
    the command that follows it, nor at ">>> nx.shortest_path(G, 'A', 'D')" without its result."""
    shown_at = {(c.rank, c.index) for c in chosen}
    by_place = {(c.rank, c.index): c for c in ranked}
    added = []
    for c in chosen:
        follower = by_place.get((c.rank, c.index + 1))
        leaner = by_place.get((c.rank, c.index - 1))
        needed = [follower if _leads(c, follower) else None, leaner if _leans_back(c.text) else None,
                  _explained(c, by_place)]
        for other in needed:
            if other is not None and (other.rank, other.index) not in shown_at:
                added.append(other)
                shown_at.add((other.rank, other.index))
    return added


def _leads(shown: Candidate, follower: Candidate | None) -> bool:
    """The shown line cannot go without the one after it: a lead-in ending in ":", an interactive
    prompt before its output, a comment in code before the line it is about."""
    return shown.text.rstrip().endswith(":") or (
        bool(_PROMPT.match(shown.text)) and follower is not None and not _PROMPT.match(follower.text)) or (
        _comments_on(shown, follower))


# A comment line of code ("# And finally save it somewhere", "// open the file"), which says what
# the line after it does
_COMMENT = re.compile(r"^\s*(#|//|--\s|;)")


def _comments_on(shown: Candidate, follower: Candidate | None) -> bool:
    """The shown line is a comment in code, and the line after it is the code it is about."""
    return follower is not None and _is_code(shown) and _is_code(follower) \
        and bool(_COMMENT.match(shown.text)) and not _COMMENT.match(follower.text)


EXPLAINED_WITHIN = 3  # sentences of prose between a comment's sentence and the setting it explains


def _explained(shown: Candidate, by_place: dict[tuple[int, int], Candidate]) -> Candidate | None:
    """The setting right after the prose a shown sentence stands in, which that comment explains
    ("# The SHELL variable specifies the default login shell" over "SHELL=/bin/sh"), if any."""
    if _is_code(shown):
        return None
    for step in range(1, EXPLAINED_WITHIN + 2):
        after = by_place.get((shown.rank, shown.index + step))
        if after is None:
            return None
        if _is_code(after):
            return after if _SETTING.fullmatch(after.text.strip()) else None
    return None


# A setting as a configuration file writes it ("SHELL=/bin/sh", "port: 8088"), not a call
_SETTING = re.compile(r"[A-Za-z_][\w.-]{0,60}\s*[=:]\s*[^\s(][^(]{0,200}")


def _is_code(candidate: Candidate) -> bool:
    return candidate.features is not None and bool(candidate.features[_AT["code"]])


LEANS_BACK_MAX_WORDS = 6


def _leans_back(text: str) -> bool:
    """A short sentence whose subject is the one before it: "This is the default." says nothing
    without "never  Aliases are never dereferenced." (ldap.conf's DEREF)."""
    return bool(_CONTINUES.match(text)) and len(text.split()) <= LEANS_BACK_MAX_WORDS
