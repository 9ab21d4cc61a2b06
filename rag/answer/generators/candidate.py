"""A candidate sentence of the extractive answer and the linear model that scores it.

`FEATURES` names what is known about a sentence (`extractive.feature_row` computes them); the
`Scorer` over them is fitted by scripts/fit_answer.py and read from sentence_scorer.json, with the
hand-set constants it replaced as the fallback and the fit's baseline.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

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
