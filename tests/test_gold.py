"""The "done when" bar on eval/gold.jsonl with the real default setup (MiniLM embedder, extractive
generator), scored by `rag.evaluate.evaluate`, the same code as `rag eval`."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.evaluate import evaluate, read_gold

GOLD = Path(__file__).resolve().parent.parent / "eval" / "gold.jsonl"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def summary(article_bot, tmp_path_factory):
    out = tmp_path_factory.mktemp("gold") / "answers.jsonl"
    result = evaluate(article_bot, GOLD, out)
    result["lines"] = out.read_text(encoding="utf-8").splitlines()
    return result


def test_answer_accuracy(summary):
    assert summary["answer_accuracy"] >= 0.90, summary["failures"]


def test_every_required_claim_is_shown(summary):
    assert summary["claims_shown"] == 1.0


def test_evidence_is_in_a_cited_passage(summary):
    assert summary["evidence_cited"] >= 0.90


def test_every_out_of_scope_question_is_refused(summary):
    assert summary["refusal_accuracy"] == 1.0


def test_at_most_one_answerable_question_is_refused(summary):
    assert summary["answerable_refused"] <= 1


def test_no_answer_states_an_unverified_figure(summary):
    assert summary["unverified_sentences"] == 0


def test_one_output_line_per_gold_item(summary):
    assert len(summary["lines"]) == len(read_gold(GOLD)) == summary["items"]
