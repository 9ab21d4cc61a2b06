"""The issue's bar on the project's eval set (eval/project.jsonl with eval/gold.jsonl), through
the real article index and default embedder: retrieval recall@3 and MRR, refusals, follow-ups."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import evaluate

ROOT = Path(__file__).resolve().parent.parent
EVAL_FILES = [ROOT / "eval" / "gold.jsonl", ROOT / "eval" / "project.jsonl"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def items():
    return [item for path in EVAL_FILES for item in evaluate.read_gold(path)]


@pytest.fixture(scope="module")
def judged(article_bot, items):
    """(item, judged result, history) for every item, answered once."""
    out = []
    for item in items:
        answer, history = evaluate.run_item(article_bot, item)
        out.append((item, evaluate.judge_item(item, answer), history))
    return out


def test_retrieval_recall_and_mrr(article_bot, judged):
    scored = [(item, history) for item, _, history in judged if item.get("answerable", True)]
    ranks = evaluate.retrieval_ranks(article_bot, [i for i, _ in scored], [h for _, h in scored], "hybrid")
    metrics = evaluate.retrieval_metrics(ranks)
    assert metrics["recall@3"] >= 0.97, metrics
    assert metrics["mrr"] >= 0.9, metrics


def test_every_off_topic_question_is_refused(judged):
    missed = [item["id"] for item, result, _ in judged
              if not item.get("answerable", True) and item.get("kind") != "near-miss" and not result["refused"]]
    assert missed == []


def test_near_misses_are_refused(judged):
    """Near-misses (the right topic, a fact the corpus lacks) are refused, not answered with a
    neighbouring figure: "How much did it cost to train GPT-5?" is not answered with GPT-5.2's API
    price. One may pass: a phrase asked about counts as held where a passage holds its other
    words ("which gpt-oss variant" by "gpt-oss-20b"), which answers 10 more items of the blind dev
    sets and lets "What programming language is ChatGPT written in?" past on "programming"."""
    missed = [item["id"] for item, result, _ in judged if item.get("kind") == "near-miss" and not result["refused"]]
    assert len(missed) <= 1, missed


def test_at_most_one_answerable_question_is_refused(judged):
    refused = [item["id"] for item, result, _ in judged if item.get("answerable", True) and result["refused"]]
    assert len(refused) <= 1, refused


def test_every_follow_up_is_answered_correctly(judged):
    wrong = [item["id"] for item, result, _ in judged if item.get("turns") and not result["correct"]]
    assert wrong == []


def test_held_out_questions_generalise(article_bot):
    """eval/heldout.jsonl holds questions written to check the rules on phrasings they were not
    shaped on (half of them by a writer who saw only the article). Few answerable ones may be
    refused, and most near-misses must be: docs/RETRIEVAL.md has the figures."""
    results = [evaluate.judge_item(item, evaluate.run_item(article_bot, item)[0])
               for item in evaluate.read_gold(ROOT / "eval" / "heldout.jsonl")]
    refused = [r["id"] for r in results if r["answerable"] and r["refused"]]
    near_misses = [r for r in results if not r["answerable"]]
    assert len(refused) <= 1, refused
    assert sum(r["refused"] for r in near_misses) >= 2 / 3 * len(near_misses)
