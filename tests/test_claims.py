"""Source claims on the real corpus: the article's source list defines [1], [2] and [7], each
claim attaches to exactly the chunk whose text carries its marker, and neither the source list nor
the page debris after it becomes a passage."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.ingest import markdown
from rag.ingest.chunker import chunk
from rag.ingest.reader import read, scan
from rag.records import Claim, Document

ARTICLE = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def article() -> tuple[Document, list]:
    (file,) = [f for f in scan(ARTICLE, 5_000_000) if f.source == "article.md"]
    document = read(file)
    return document, chunk(document)


def test_source_list_defines_the_claims(article):
    document, _ = article
    assert [c.marker for c in document.claims] == ["[1]", "[2]", "[7]"]
    texts = {c.marker: c.text for c in document.claims}
    assert "80% of all AI token usage globally" in texts["[1]"]
    assert "20% of the AI token market" in texts["[2]"]
    assert "90% of the performance of closed systems" in texts["[7]"]


@pytest.mark.parametrize("marker, phrase", [
    ("[1]", "80% of all AI token usage"),
    ("[2]", "20% of the AI token market"),
    ("[7]", "90% of the performance"),
])
def test_claim_attaches_to_exactly_the_chunk_carrying_its_marker(article, marker, phrase):
    _, chunks = article
    carriers = [c for c in chunks if marker in c.claims]
    assert len(carriers) == 1
    assert phrase in carriers[0].text and marker in carriers[0].text
    assert [c for c in chunks if marker in c.text] == carriers  # no marker left unattached


def test_chunks_without_markers_carry_no_claims(article):
    _, chunks = article
    assert sum(1 for c in chunks if c.claims) == 3
    assert all(not c.claims for c in chunks if "[" not in c.text)


def test_claim_marker_stays_in_its_sentence(article):
    _, chunks = article
    (carrier,) = [c for c in chunks if "[1]" in c.claims]
    assert any(s.endswith("80% of all AI token usage globally. [1]") for s in carrier.sentence_texts())


def test_source_materials_section_yields_no_chunk(article):
    _, chunks = article
    assert all("Source Materials" not in c.section for c in chunks)
    assert all("Papers -" not in c.text for c in chunks)


def test_page_debris_is_not_in_the_corpus(article):
    document, chunks = article
    for debris in ("VPN", "Feedback on answer"):
        assert debris not in document.text
        assert all(debris not in c.text for c in chunks)


def test_faq_and_table_of_the_article_are_structured(article):
    _, chunks = article
    keys = {c.key for c in chunks if c.kind == "faq"}
    assert {"Can I download the source code for ChatGPT?", "Does OpenAI have any open-source models?",
            "Why is it important for an AI to be open source?"} <= keys
    (table,) = [c for c in chunks if c.kind == "table"]
    assert "Llama 4 (Open-Weights)" in table.text and "$0.80 per million tokens" in table.text


def test_a_marker_the_source_list_does_not_define_attaches_no_claim():
    text = ("# T\n\n## Body\n\nDefined claim here. [1] Undefined claim here. [3]\n\n"
            "## Sources\n\n- [1] Papers - Defined claim here.\n")
    title, blocks, claims = markdown.parse(text)
    (only,) = chunk(Document("t.md", text, title, blocks, claims))
    assert claims == (Claim("[1]", "Papers - Defined claim here."),)
    assert only.claims == ("[1]",)
