"""The shape of an answer: which forms (a number, a version, an option, a path...) the question
expects its answer to take, and which a sentence holds.

The question's side is fitted, not listed: one logistic regression per form over the question's
words and word pairs, trained by scripts/fit_answer.py on the dev sets' questions and the forms of
their expected answers ("how many rounds by default" expects a number, "which flag" an option,
"who started it" a name). A sentence's side is what it plainly holds. `match` is their product:
a feature of the extractive answerer's sentence scorer, and, as the gain over the best sentence, of
its companion model. On the thirty-one dev sets (docs/RETRIEVAL.md, eleventh session) the two
answered 19 more answerable items right (1,217 -> 1,236 of 1,480), where the hand-written kinds of
fact (`rag.answer.question.wanted_kind`) know only dates, prices, versions and a few more.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

# The forms an answer takes, each as what a text holding it shows.
FORMS = {
    "number": r"\d",
    "version": r"\b\d+\.\d+",
    "option": r"(?:^|[\s(\[`'\"])--?[A-Za-z][\w-]*",
    "path": r"(?:^|\s)[~.]?/\w|\w\.(?:conf|cfg|txt|py|json|ini|h|c|so|d)\b",
    "name": r"\b[A-Z][a-z]+\s+[A-Z][a-z]+",
    "date": r"\b(?:19|20)\d\d\b|\b(?:January|February|March|April|May|June|July|August|September|October|"
            r"November|December)\b",
    "quantity": r"\d\s*-?(?:KB|MB|GB|TB|kB|KiB|MiB|GiB|bytes?|bits?|ms|seconds?|minutes?|hours?|days?|%|"
                r"percent|B)\b",
    "code": r"\w\(|\w_\w|[a-z][A-Z]\w|=|::|<\w+>",
    "quoted": r"[\"'“‘`][^\"'”’`]{1,40}[\"'”’`]",
    "constant": r"\b[A-Z][A-Z0-9_]{2,}\b",
}
_FORMS = [re.compile(pattern) for pattern in FORMS.values()]
_WORD = re.compile(r"\b\w\w+\b")  # scikit-learn's CountVectorizer default, which the fit uses


@lru_cache(maxsize=16_384)  # the same candidate sentences come back question after question
def forms_of(text: str) -> np.ndarray:
    """1 for each of `FORMS` the text holds, else 0 (read-only: it is shared)."""
    forms = np.array([1.0 if form.search(text) else 0.0 for form in _FORMS])
    forms.flags.writeable = False
    return forms


def question_terms(question: str) -> list[str]:
    """The question's lower-cased words and adjacent word pairs, as the model reads them."""
    words = _WORD.findall(question.lower())
    return list(dict.fromkeys(words + [f"{a} {b}" for a, b in zip(words, words[1:])]))


@dataclass(frozen=True)
class ShapeModel:
    """Per form, a logistic regression over `question_terms`: weights by term, and a bias."""

    weights: dict[str, np.ndarray]
    bias: np.ndarray

    def expected(self, question: str) -> np.ndarray:
        """The probability that the answer takes each of `FORMS`."""
        value = self.bias + sum((self.weights[t] for t in question_terms(question) if t in self.weights),
                                np.zeros(len(FORMS)))
        return 1.0 / (1.0 + np.exp(-value))

    @classmethod
    def load(cls, path: Path) -> ShapeModel:
        fitted = json.loads(path.read_text(encoding="utf-8"))
        if fitted["forms"] != list(FORMS):
            raise ValueError(f"{path} was fitted on other forms; run scripts/fit_answer.py")
        return cls({t: np.array(w, dtype=float) for t, w in fitted["weights"].items()},
                   np.array(fitted["bias"], dtype=float))


def match(expected: np.ndarray, sentence: str) -> float:
    """How far the sentence holds the forms the answer is expected to take."""
    return float(expected @ forms_of(sentence))


# Before a fit: no form expected, so the feature is 0 everywhere.
UNFITTED = ShapeModel({}, np.full(len(FORMS), -50.0))
MODEL_FILE = Path(__file__).with_name("generators") / "answer_shapes.json"  # beside the scorers fitted with it
MODEL = ShapeModel.load(MODEL_FILE) if MODEL_FILE.exists() else UNFITTED
