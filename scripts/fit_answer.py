"""Fit the extractive answerer's answer-shape model, sentence scorer and companion model, with
cross-validation.

Each answerable item of the training sets goes through the pipeline (history, retrieval, gate);
when the gate lets it through, every candidate sentence the extractive answerer weighs becomes a
row of `rag.answer.generators.candidate.FEATURES`, labelled 1 when it holds an expected answer
string. First the answer-shape model (`rag.answer.shape`) learns, from each item's question and
the forms of its expected answers, which forms a question expects; the scorer's `answer_shape`
column is then cross-fitted, each item's from a model that never saw it. A logistic regression
(scikit-learn, installed with sentence-transformers) learns the scorer's weights; 5-fold
cross-validation grouped by item compares how often the top-scoring sentence holds the answer
under the hand-set constants and under the fitted weights.

Then, with the candidates ranked by the fitted scorer, each item whose best sentence misses the
answer gives a row of `COMPANION_FEATURES` for each of the next-best sentences, labelled 1 when it
holds the answer: a second logistic regression learns which sentence to show beside the best one.
Leaving one eval set out at a time, it reports how often the best sentence or its companion holds
the answer, against the best alone, the next sentence and the runner-up; the threshold below
which no companion is shown is the highest that loses no more than a point of that.

    python scripts/fit_answer.py [--out rag/answer/generators/sentence_scorer.json]

After `FEATURES`, `COMPANION_FEATURES` or `shape.FORMS` changes, delete the old JSON files first:
the product refuses weights fitted on other features, and this script imports it.

Fitted on the dev sets only (`eval_sets.DEV_SETS` but gold.jsonl: each blind set was scored first
and last as held-out, then became dev data). The newest blind set is not among them and is never
read here.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from rag import evaluate  # noqa: E402
from rag.answer import shape  # noqa: E402
from rag.answer.generators import candidate, companion, extractive  # noqa: E402
from rag.answer.generators.base import Request  # noqa: E402
from rag.service import assistant, ensure_index  # noqa: E402
from rag.settings import load  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
import eval_sets  # noqa: E402

# (gold file, its corpus) of every dev set but gold.jsonl, which stays the product's own check
TRAINING = [(eval_sets.gold_of(name), eval_sets.corpus_of(name)) for name in eval_sets.DEV_SETS if name != "gold"]


class Recorder(extractive.ExtractiveGenerator):
    """The extractive generator, keeping the last request it answered."""

    last: Request | None = None

    def stream(self, request: Request):
        self.last = request
        yield from super().stream(request)


def rows_of(bot, recorder: Recorder, item: dict) -> tuple[np.ndarray, np.ndarray, Request, list[str]] | None:
    """(features, labels, the request, the sentences) of the scored turn's candidate sentences;
    None when refused or unlabelled."""
    recorder.last = None
    answer, _ = evaluate.run_item(bot, item)
    if answer.refused or recorder.last is None:
        return None
    candidates = extractive.candidates(recorder.last)
    labels = labels_of(item, candidates)
    if not len(candidates) or not labels.any():
        return None
    return np.stack([c.features for c in candidates]), labels, recorder.last, [c.text for c in candidates]


def labels_of(item: dict, candidates: list[candidate.Candidate]) -> np.ndarray:
    """1 for each candidate that, as shown, holds every expected group of the item."""
    groups = evaluate.expect_groups(item)
    shown = [evaluate.normalised(extractive.shown(c)) for c in candidates]
    return np.array([all(any(evaluate.normalised(alt) in text for alt in group) for group in groups)
                     for text in shown], dtype=float)


def collect(folder: Path) -> list[tuple[str, np.ndarray, np.ndarray, Request, list[str], dict]]:
    """(set:item id, features, labels, the request, the candidate sentences, the item) of every
    labelled item."""
    found = []
    for gold, corpus in TRAINING:
        index = folder / corpus.name
        settings = load({"corpus": corpus, "index": index, "generator": "extractive"})
        bot = assistant(settings)
        ensure_index(settings, embedder=bot.embedder)
        recorder = Recorder()
        bot.generator = recorder
        items = [i for i in evaluate.read_gold(gold) if i.get("answerable", True) and i.get("expect")]
        kept = 0
        for item in items:
            rows = rows_of(bot, recorder, item)
            if rows is not None:
                found.append((f"{gold.stem}:{item['id']}", *rows, item))
                kept += 1
        print(f"{gold}: {kept} of {len(items)} answerable items answered with a labelled candidate")
    return found


def top1(items, weights: np.ndarray, bias: float) -> float:
    """Share of items whose best-scoring sentence holds the answer (ties: the first, as answered)."""
    return float(np.mean([labels[int(np.argmax(features @ weights + bias))] for _, features, labels, *_ in items]))


# Caps on weights the training sets cannot teach. A headline ("Wind: 99% of the grid vs solar
# panels") often holds the figure a question names, so the labels call it an answer, yet it states
# nothing: the measured failure of issue 11 ("asked for the closed models' share, it gave the
# open-weight figure"). Its weight is held at most at this value (tests/test_answer.py checks it).
CAPS = {"fragment": -2.0}
# The same holds for a headline shown beside the best sentence: it would set a figure nobody asked
# for next to the answer (tests/test_answer.py, "a headline is not taken for an answer").
COMPANION_CAPS = {"fragment": -2.0}
# A second sentence costs the reader time: the threshold is the highest that keeps the answer
# within this share of the best leave-one-set-out coverage.
COVERAGE_GIVEN_UP = 0.01


def fit(items) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    features = np.concatenate([f for _, f, _, *_ in items])
    labels = np.concatenate([y for _, _, y, *_ in items])
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit(features, labels)
    weights = model.coef_[0].copy()
    for name, cap in CAPS.items():
        position = candidate.FEATURES.index(name)
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
        hand.append(top1(test, candidate.HAND_SET.weights, 0.0))
        fitted.append(top1(test, weights, bias))
    return float(np.mean(hand)), float(np.mean(fitted))


def companion_cases(items) -> list[tuple[str, np.ndarray, np.ndarray, list[bool], bool]]:
    """(set, companion rows, their labels, which follow the best, the best holds it) of every item,
    its candidates ranked by the scorer now in force (`candidate.SCORER`)."""
    cases = []
    for name, _, _, request, _, item in items:
        ranked = extractive.candidates(request)
        labels = labels_of(item, ranked)
        others = companion.companion_pool(ranked)
        rows = [companion.companion_row(ranked[0], other, request.question) for other in others]
        follows = [other.rank == ranked[0].rank and other.index == ranked[0].index + 1 for other in others]
        cases.append((name.split(":")[0], np.array(rows).reshape(len(others), len(companion.COMPANION_FEATURES)),
                      labels[1:len(others) + 1], follows, bool(labels[0])))
    return cases


def fit_companion(cases):
    """The companion model, fitted where it matters: items whose best sentence misses the answer."""
    from sklearn.linear_model import LogisticRegression

    taught = [c for c in cases if not c[4] and len(c[1])]
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=3000)
    model.fit(np.concatenate([c[1] for c in taught]), np.concatenate([c[2] for c in taught]))
    weights = model.coef_[0].copy()
    for name, cap in COMPANION_CAPS.items():
        position = companion.COMPANION_FEATURES.index(name)
        weights[position] = min(weights[position], cap)
    return weights, float(model.intercept_[0])


def covered(cases, pick) -> float:
    """Share of items where the best sentence or one that `pick` chooses (a list of positions)
    holds the answer."""
    held = []
    for _, rows, labels, follows, best in cases:
        chosen = pick(rows, follows) if len(rows) else []  # asked every time: callers count what it shows
        held.append(best or any(bool(labels[j]) for j in chosen))
    return float(np.mean(held))


NAMES = {1: "one companion", 2: "two companions"}


def leave_one_set_out(cases, thresholds) -> dict[str, float]:
    """How often the best sentence or a companion holds the answer on each set, the model fitted
    on the others, with one companion and with two (`companion.COMPANIONS_SHOWN`); beside it
    the best alone, the next sentence and the runner-up."""
    sets = sorted({c[0] for c in cases})
    chosen = {(t, n): [] for t in thresholds for n in (1, 2)}
    paired = {t: [] for t in thresholds}
    for held in sets:
        weights, bias = fit_companion([c for c in cases if c[0] != held])
        scorer = candidate.Scorer(weights, bias, logistic=True)
        test = [c for c in cases if c[0] == held]
        for t in thresholds:
            for shown in (1, 2):
                def pick(rows, follows, t=t, shown=shown):
                    chances = [scorer.score(row) for row in rows]
                    likeliest = sorted(range(len(rows)), key=lambda i: -chances[i])[:shown]
                    if shown == 1:
                        paired[t].append(max(chances) >= t)
                    return [i for i in likeliest if chances[i] >= t]
                chosen[(t, shown)].extend(covered([c], pick) for c in test)
    out = {f"{NAMES[n]} >= {t:.2f}": float(np.mean(chosen[(t, n)])) for n in (1, 2) for t in thresholds}
    out |= {f"two sentences at {t:.2f}": float(np.mean(v)) for t, v in paired.items()}
    out["best alone"] = covered(cases, lambda rows, follows: [])
    out["next sentence"] = covered(cases, lambda rows, follows: [follows.index(True)] if True in follows else [])
    out["runner-up"] = covered(cases, lambda rows, follows: [0])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=candidate.SCORER_FILE)
    parser.add_argument("--companion-only", action="store_true",
                        help="keep the sentence scorer in force and fit only the companion model")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        items = collect(Path(folder))
    if not args.companion_only:
        fit_shape_model(items, args.out.with_name(shape.MODEL_FILE.name))
        fit_sentence_scorer(items, args.out)
    fit_companion_model(items, args.out.with_name(companion.COMPANION_FILE.name))


SHAPE_C = 0.5  # the question model's regularisation: fewer than two thousand questions
SHAPE_MIN_QUESTIONS = 3  # a term fewer questions hold teaches nothing that carries to new ones
SHAPE_COLUMN = candidate.FEATURES.index("answer_shape")


def shape_cases(items) -> tuple[list[str], np.ndarray]:
    """(the question whose form shows what is asked, the forms its expected answers take) per item."""
    questions = [extractive.kind_source(request) for _, _, _, request, _, _ in items]
    forms = np.array([np.max([shape.forms_of(alt) for group in evaluate.expect_groups(item) for alt in group], axis=0)
                      for *_, item in items])
    return questions, forms


def fit_shapes(questions: list[str], forms: np.ndarray) -> shape.ShapeModel:
    """One logistic regression per form over the questions' terms (`shape.question_terms`)."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = CountVectorizer(analyzer=shape.question_terms, min_df=SHAPE_MIN_QUESTIONS, binary=True)
    terms = vectorizer.fit_transform(questions)
    vocabulary = vectorizer.get_feature_names_out()
    weights, bias = np.zeros((len(vocabulary), len(shape.FORMS))), np.zeros(len(shape.FORMS))
    for column in range(len(shape.FORMS)):
        labels = forms[:, column]
        if labels.min() == labels.max():  # a form no answer (or every answer) takes
            rate = float(np.clip(labels.mean(), 1e-3, 1 - 1e-3))
            bias[column] = np.log(rate / (1 - rate))
            continue
        model = LogisticRegression(C=SHAPE_C, max_iter=3000).fit(terms, labels)
        weights[:, column], bias[column] = model.coef_[0], model.intercept_[0]
    return shape.ShapeModel({t: w for t, w in zip(vocabulary, weights) if np.abs(w).max() >= 0.005}, bias)


def set_shape_column(items, model_of) -> None:
    """Write, in place, each candidate's `answer_shape` feature under the model `model_of(i)`
    gives for item i."""
    for i, (_, features, _, request, texts, _) in enumerate(items):
        expected = model_of(i).expected(extractive.kind_source(request))
        features[:, SHAPE_COLUMN] = [shape.match(expected, text) for text in texts]


def fit_shape_model(items, out: Path, folds: int = 5, seed: int = 0) -> None:
    """The answer-shape model, then its feature column for the sentence scorer. The column the
    scorer learns from is cross-fitted (each item's from a model that never saw its question), or
    the scorer would trust a feature that had read the answers. Reports the scorer's
    cross-validated top-1 without and with it."""
    questions, forms = shape_cases(items)
    order = np.random.default_rng(seed).permutation(len(items))
    fold_of = np.empty(len(items), dtype=int)
    for fold in range(folds):
        fold_of[order[fold::folds]] = fold
    models = [fit_shapes([q for q, f in zip(questions, fold_of) if f != fold], forms[fold_of != fold])
              for fold in range(folds)]
    set_shape_column(items, lambda i: shape.UNFITTED)
    _, without = cross_validate(items)
    set_shape_column(items, lambda i: models[fold_of[i]])
    _, with_shape = cross_validate(items)
    print(f"\nanswer shapes: top sentence holds the answer, 5-fold cross-validated: "
          f"without {without:.1%}, with {with_shape:.1%}")
    model = fit_shapes(questions, forms)
    out.write_text(json.dumps({
        "forms": list(shape.FORMS), "bias": [round(float(b), 4) for b in model.bias],
        "weights": {t: [round(float(v), 3) for v in w] for t, w in sorted(model.weights.items())},
        "items": len(items), "cv_top1_without": round(without, 4), "cv_top1_with": round(with_shape, 4),
        "trained_on": [str(g) for g, _ in TRAINING],
    }) + "\n", encoding="utf-8")
    print(f"wrote {out} ({len(model.weights)} terms)")
    shape.MODEL = model


def fit_sentence_scorer(items, out: Path) -> None:
    """The sentence scorer, cross-validated against the hand-set constants, then put in force."""
    hand, fitted = cross_validate(items)
    weights, bias = fit(items)
    print(f"\n{len(items)} items; top sentence holds the answer, 5-fold cross-validated: "
          f"hand-set {hand:.1%}, fitted {fitted:.1%}")
    for name, weight in zip(candidate.FEATURES, weights):
        print(f"  {name:<20} {weight:+.3f}")
    print(f"  {'bias':<20} {bias:+.3f}")
    out.write_text(json.dumps({
        "features": list(candidate.FEATURES), "weights": [round(float(w), 4) for w in weights],
        "bias": round(bias, 4), "items": len(items), "cv_top1_hand_set": round(hand, 4),
        "cv_top1_fitted": round(fitted, 4), "trained_on": [str(g) for g, _ in TRAINING],
    }, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    candidate.SCORER = candidate.Scorer(weights, bias, logistic=True)


def fit_companion_model(items, out: Path) -> None:
    """The companion model and its threshold, on the candidates as the scorer in force ranks them."""
    cases = companion_cases(items)
    thresholds = [round(t, 2) for t in np.arange(0.0, 0.95, 0.1)]
    figures = leave_one_set_out(cases, thresholds)
    print("\nbest sentence or its companion holds the answer, leaving one set out:")
    for name, value in figures.items():
        print(f"  {name:<20} {value:.1%}")
    shown = NAMES[companion.COMPANIONS_SHOWN]  # the threshold is chosen for as many as the answer shows
    most = max(figures[f"{shown} >= {t:.2f}"] for t in thresholds)
    threshold = max(t for t in thresholds if figures[f"{shown} >= {t:.2f}"] >= most - COVERAGE_GIVEN_UP)
    weights, bias = fit_companion(cases)
    for name, weight in zip(companion.COMPANION_FEATURES, weights):
        print(f"  {name:<20} {weight:+.3f}")
    print(f"  {'bias':<20} {bias:+.3f}\n  threshold            {threshold:.2f}")
    out.write_text(json.dumps({
        "features": list(companion.COMPANION_FEATURES), "weights": [round(float(w), 4) for w in weights],
        "bias": round(bias, 4), "threshold": threshold, "items": len(cases),
        "loso_covered": {name: round(value, 4) for name, value in figures.items()},
        "trained_on": [str(g) for g, _ in TRAINING],
    }, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
