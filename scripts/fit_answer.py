"""Fit the extractive answerer's sentence scorer on the training splits, with cross-validation.

Each answerable item of the training sets goes through the pipeline (history, retrieval, gate);
when the gate lets it through, every candidate sentence the extractive answerer weighs becomes a
row of `rag.answer.generators.extractive.FEATURES`, labelled 1 when it holds an expected answer
string. A logistic regression (scikit-learn, installed with sentence-transformers) learns the
weights; 5-fold cross-validation grouped by item compares how often the top-scoring sentence
holds the answer under the hand-set constants and under the fitted weights. The weights are
written to rag/answer/generators/sentence_scorer.json with the figures, for the product to read.

    python scripts/fit_answer.py [--out rag/answer/generators/sentence_scorer.json]

Fitted on the dev sets only: eval/project.jsonl, eval/heldout.jsonl, and all of
eval/article_user*.jsonl 1-3 and eval/corpus2-4.jsonl (each blind set was scored first and last
as held-out, then became dev data). The later blind sets are not read here: the fifth
(eval/article_user4.jsonl, eval/corpus5.jsonl) judged this fit, and the sixth
(eval/article_user5.jsonl, eval/corpus6.jsonl) is still held-out.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from rag import evaluate  # noqa: E402
from rag.answer.generators import extractive  # noqa: E402
from rag.answer.generators.base import Request  # noqa: E402
from rag.service import assistant, ensure_index  # noqa: E402
from rag.settings import load  # noqa: E402

# (gold file, its corpus, the split used; None: all items)
TRAINING = [(Path("eval/project.jsonl"), Path("corpus"), None),
            (Path("eval/heldout.jsonl"), Path("corpus"), None),
            (Path("eval/article_user.jsonl"), Path("corpus"), None),
            (Path("eval/corpus2.jsonl"), Path("eval/corpus2"), None),
            (Path("eval/article_user2.jsonl"), Path("corpus"), None),
            (Path("eval/corpus3.jsonl"), Path("eval/corpus3"), None),
            (Path("eval/article_user3.jsonl"), Path("corpus"), None),
            (Path("eval/corpus4.jsonl"), Path("eval/corpus4"), None)]


class Recorder(extractive.ExtractiveGenerator):
    """The extractive generator, keeping the last request it answered."""

    last: Request | None = None

    def stream(self, request: Request):
        self.last = request
        yield from super().stream(request)


def rows_of(bot, recorder: Recorder, item: dict) -> tuple[np.ndarray, np.ndarray] | None:
    """(features, labels) of the scored turn's candidate sentences; None when refused or unlabelled."""
    recorder.last = None
    answer, _ = evaluate.run_item(bot, item)
    if answer.refused or recorder.last is None:
        return None
    groups = evaluate.expect_groups(item)
    candidates = extractive.candidates(recorder.last)
    shown = [evaluate.normalised(extractive.shown(c)) for c in candidates]
    labels = np.array([all(any(evaluate.normalised(alt) in text for alt in group) for group in groups) for text in shown],
                      dtype=float)
    if not len(candidates) or not labels.any():
        return None
    return np.stack([c.features for c in candidates]), labels


def collect(folder: Path) -> list[tuple[str, np.ndarray, np.ndarray]]:
    found = []
    for gold, corpus, split in TRAINING:
        index = folder / corpus.name
        settings = load({"corpus": corpus, "index": index, "generator": "extractive"})
        bot = assistant(settings)
        ensure_index(settings, embedder=bot.embedder)
        recorder = Recorder()
        bot.generator = recorder
        items = [i for i in evaluate.read_gold(gold, split) if i.get("answerable", True) and i.get("expect")]
        kept = 0
        for item in items:
            rows = rows_of(bot, recorder, item)
            if rows is not None:
                found.append((f"{gold.stem}:{item['id']}", *rows))
                kept += 1
        print(f"{gold}: {kept} of {len(items)} answerable items answered with a labelled candidate")
    return found


def top1(items, weights: np.ndarray, bias: float) -> float:
    """Share of items whose best-scoring sentence holds the answer (ties: the first, as answered)."""
    return float(np.mean([labels[int(np.argmax(features @ weights + bias))] for _, features, labels in items]))


# Caps on weights the training sets cannot teach. A headline ("Wind: 99% of the grid vs solar
# panels") often holds the figure a question names, so the labels call it an answer, yet it states
# nothing: the measured failure of issue 11 ("asked for the closed models' share, it gave the
# open-weight figure"). Its weight is held at most at this value (tests/test_answer.py checks it).
CAPS = {"fragment": -2.0}


def fit(items) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    features = np.concatenate([f for _, f, _ in items])
    labels = np.concatenate([y for _, _, y in items])
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit(features, labels)
    weights = model.coef_[0].copy()
    for name, cap in CAPS.items():
        position = extractive.FEATURES.index(name)
        weights[position] = min(weights[position], cap)
    return weights, float(model.intercept_[0])


def cross_validate(items, folds: int = 5, seed: int = 0) -> tuple[float, float]:
    """(hand-set top-1, fitted top-1), each averaged over held-out folds of whole items."""
    order = np.random.default_rng(seed).permutation(len(items))
    hand, fitted = [], []
    for fold in range(folds):
        test = [items[i] for i in order[fold::folds]]
        train = [items[i] for i in order if i not in set(order[fold::folds])]
        weights, bias = fit(train)
        hand.append(top1(test, extractive.HAND_SET.weights, 0.0))
        fitted.append(top1(test, weights, bias))
    return float(np.mean(hand)), float(np.mean(fitted))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=extractive.SCORER_FILE)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        items = collect(Path(folder))
    hand, fitted = cross_validate(items)
    weights, bias = fit(items)
    print(f"\n{len(items)} items; top sentence holds the answer, 5-fold cross-validated: "
          f"hand-set {hand:.1%}, fitted {fitted:.1%}")
    for name, weight in zip(extractive.FEATURES, weights):
        print(f"  {name:<20} {weight:+.3f}")
    print(f"  {'bias':<20} {bias:+.3f}")
    args.out.write_text(json.dumps({
        "features": list(extractive.FEATURES), "weights": [round(float(w), 4) for w in weights],
        "bias": round(bias, 4), "items": len(items), "cv_top1_hand_set": round(hand, 4),
        "cv_top1_fitted": round(fitted, 4), "trained_on": [f"{g}{f' ({s})' if s else ''}" for g, _, s in TRAINING],
    }, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
