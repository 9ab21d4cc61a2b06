"""FAQ questions are search keys of their own: a paraphrase of an FAQ question finds the chunk
holding its answer first, and the answer quotes that answer (fixture corpus, hashing embedder)."""

from __future__ import annotations

import pytest

PARAPHRASES = [
    ("How long do solar panels typically last?", "25 to 30 years"),
    ("Do solar panels still work when it is cloudy?", "10 to 25 percent"),
    ("On cloudy days do solar panels work?", "10 to 25 percent"),
]


@pytest.mark.parametrize("question, answer", PARAPHRASES)
def test_paraphrase_finds_the_answer_chunk_first(bot, question, answer):
    index = bot.index()
    (first,) = index.search(question, bot.embedder.embed_query(question), k=1)
    assert first.chunk.key, "the first hit should be an FAQ answer"
    assert answer in first.chunk.text


def test_faq_chunk_carries_its_question_as_key(bot):
    keys = {c.key for c in bot.index().chunks if c.key}
    assert "How long do solar panels last?" in keys
    assert "Do solar panels work on cloudy days?" in keys


@pytest.mark.parametrize("question, answer", PARAPHRASES[:2])
def test_answer_quotes_the_faq_answer(bot, question, answer):
    reply = bot.ask(question)
    assert not reply.refused
    assert answer in reply.text
