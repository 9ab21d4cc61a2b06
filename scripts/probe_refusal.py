"""Can a fitted model refuse near-misses better than the gate's word rules? A probe, not a fit.

Every item of the dev sets goes through retrieval (with its earlier turns); for those the gate
lets past its relevance checks, a row of signals is kept: the gate score, the best sentence's
fitted probability and its cosine to the query, the share of the question's IDF weight that the
top passage and the top sentence hold, the rarest question word they lack, and the word rules'
verdict. A logistic regression is cross-validated leaving one set out; it prints each signal's
AUC, the model's, and what each threshold refuses (docs/RETRIEVAL.md has the figures). The
blind held-out sets are never read.

    python scripts/probe_refusal.py
"""

from __future__ import annotations

import math
import os
import tempfile
import threading
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from rag import evaluate  # noqa: E402
from rag.answer import gate  # noqa: E402
from rag.answer.generators import extractive  # noqa: E402
from rag.answer.generators.base import Request, Turn, label_passages  # noqa: E402
from rag.index import lexical  # noqa: E402
from rag.service import assistant, ensure_index  # noqa: E402
from rag.settings import load  # noqa: E402

DEV_SETS = [("gold", "corpus"), ("project", "corpus"), ("heldout", "corpus"), ("article_user", "corpus"),
            ("corpus2", "eval/corpus2")]
SIGNALS = ("gate score", "best sentence probability", "best sentence cosine", "passage IDF coverage",
           "sentence IDF coverage", "rarest word lacking", "word rules' verdict")


def signals(bot, item) -> list[float] | None:
    """The item's row of SIGNALS, or None when the gate refuses it as off-topic."""
    turns, history = evaluate.turns_of(item), ()
    for turn in turns[:-1]:
        history += (Turn("user", turn), Turn("assistant", bot.ask(turn, history).text))
    index, asked = bot.index(), turns[-1]
    query, vector, hits, _ = bot.retrieve(asked, history, max(bot.top_k, 5))
    if not gate.judge(asked, hits, index.vocab, bot.gate_threshold, query, relevance_only=True).answer:
        return None
    passages = label_passages(hits[:5])
    request = Request(asked, query, passages, history, vector,
                      {p.chunk.id: index.sentence_vectors[p.chunk.id] for p in passages}, threading.Event())
    ranked = extractive.candidates(request)
    if not ranked:
        return None
    known = [t for t in dict.fromkeys(lexical.terms(asked)) if t in index.vocab]
    weight = {t: math.log(1 + len(index.terms) / max(1, sum(t in terms for terms in index.terms))) for t in known}
    total = sum(weight.values()) or 1.0
    passage_terms = set(lexical.terms(hits[0].chunk.section + "\n" + hits[0].chunk.text))
    sentence_terms = set(lexical.terms(ranked[0].text))
    verdict = gate.judge(asked, hits, index.vocab, bot.gate_threshold, query)
    return [verdict.score, ranked[0].score, float(ranked[0].features[0]),
            sum(w for t, w in weight.items() if t in passage_terms) / total,
            sum(w for t, w in weight.items() if t in sentence_terms) / total,
            -max((w for t, w in weight.items() if t not in passage_terms), default=0.0),
            float(verdict.answer)]


def main() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    rows, labels, sets = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        for name, corpus in DEV_SETS:
            settings = load({"corpus": Path(corpus), "index": Path(folder) / Path(corpus).name, "generator": "extractive"})
            bot = assistant(settings)
            ensure_index(settings, embedder=bot.embedder)
            for item in evaluate.read_gold(Path(f"eval/{name}.jsonl")):
                row = signals(bot, item)
                if row is not None:
                    rows.append(row), labels.append(bool(item.get("answerable", True))), sets.append(name)
    x, y, sets = np.array(rows), np.array(labels), np.array(sets)
    print(f"{len(y)} items past the relevance checks: {int(y.sum())} answerable, {int((~y).sum())} not")
    for column, name in enumerate(SIGNALS):
        print(f"  AUC {roc_auc_score(y, x[:, column]):.3f}  {name}")
    for label, columns in (("all signals", list(range(len(SIGNALS)))), ("without the word rules", list(range(len(SIGNALS) - 1)))):
        scores = np.zeros(len(y))
        for held in np.unique(sets):
            model = LogisticRegression(class_weight="balanced", max_iter=2000).fit(x[sets != held][:, columns], y[sets != held])
            scores[sets == held] = model.predict_proba(x[sets == held][:, columns])[:, 1]
        print(f"{label}: AUC {roc_auc_score(y, scores):.3f} (left-one-set-out)")
        for share in (0.01, 0.03, 0.05):
            threshold = np.quantile(scores[y], share)
            print(f"  refusing {share:.0%} of answerable: {np.mean(scores[~y] < threshold):.1%} of the others refused")
    rules = x[:, -1]
    print(f"word rules alone: {np.mean(rules[y] < 0.5):.1%} of answerable refused, {np.mean(rules[~y] < 0.5):.1%} of the others")


if __name__ == "__main__":
    main()
