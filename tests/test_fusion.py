"""Fusing the dense and BM25 rankings: reciprocal rank fusion on hand-made rankings, the
relative-score fusion search uses by default, and a chunk only BM25 finds still appears."""

from __future__ import annotations

import pytest

from rag.index.search import RRF_K, relative_scores, rrf


def test_rrf_adds_reciprocal_ranks():
    dense = {1: 0.9, 2: 0.8, 3: 0.1}
    bm25 = {2: 12.0, 3: 5.0}
    fused = rrf([dense, bm25])
    assert fused[1] == pytest.approx(1 / (RRF_K + 1))
    assert fused[2] == pytest.approx(1 / (RRF_K + 2) + 1 / (RRF_K + 1))
    assert fused[3] == pytest.approx(1 / (RRF_K + 3) + 1 / (RRF_K + 2))
    assert sorted(fused, key=fused.get, reverse=True) == [2, 3, 1]


def test_rrf_ignores_score_scale():
    assert rrf([{1: 100.0, 2: 1.0}]) == rrf([{1: 0.2, 2: 0.1}])


def test_relative_scores_scale_each_ranking():
    fused = relative_scores([{1: 0.9, 2: 0.5, 3: 0.1}, {3: 8.0, 1: 4.0}])
    assert fused[1] == pytest.approx((1.0 + 0.0) / 2)
    assert fused[2] == pytest.approx((0.5 + 0.0) / 2)
    assert fused[3] == pytest.approx((0.0 + 1.0) / 2)


@pytest.mark.parametrize("fuse", [rrf, relative_scores])
def test_a_chunk_only_bm25_finds_still_appears(fuse):
    fused = fuse([{1: 0.7, 2: 0.6}, {9: 3.0, 1: 1.0}])
    assert 9 in fused and fused[9] > 0


def test_empty_rankings_fuse_to_nothing():
    assert relative_scores([{}, {}]) == {} and rrf([{}, {}]) == {}


def test_hybrid_search_finds_a_word_only_bm25_knows(bot):
    """A rare exact word ("Danube") the hashing embedder may not weigh much is still found."""
    index = bot.index()
    query = "Danube"
    hits = index.search(query, bot.embedder.embed_query(query), k=3, mode="hybrid")
    assert any("Danube" in h.chunk.text for h in hits)
