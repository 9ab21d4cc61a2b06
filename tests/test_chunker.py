"""Chunker properties on generated Markdown documents: exact spans, deterministic ids, FAQ and
table handling, no chunk across a heading, long paragraphs cut at sentence boundaries below
`max_chars`, and claim markers kept with their sentences.

Documents are generated from a seed (a parametrised set, always run) and, when hypothesis is
installed, also drawn by hypothesis, which shrinks a failing document to a small one.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from rag.ingest import markdown
from rag.ingest.chunker import chunk
from rag.ingest.reader import read, scan
from rag.records import Document

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "corpus"

SENTENCES = [
    "Solar panels turn sunlight into electricity.",
    "The price fell to $1.75 per million tokens, e.g. for bulk orders.",
    "Open models now reach 90% of closed model quality vs. last year.",
    "Proprietary models account for approximately 80% of all AI token usage globally. [1]",
    "Approximately 20% of the AI token market is captured by open-weight models. [2]",
    "Rivers flow downhill toward the sea!",
    "Does this always hold? Not quite, as the 2019 release showed.",
    "The 120B version can run on a single 80GB GPU and supports advanced reasoning.",
    "Minh cut the monthly bill from $5,000 to under $900 by moving basic queries to a local model.",
    "Full parity with closed systems is expected in the near future. [7]",
    "An unlisted source is cited here as well. [4]",
    "Water boils at 100 degrees Celsius at sea level.",
]
CLAIM_MARKERS = ("[1]", "[2]", "[7]")  # defined by the generated source list; [4] is not
QUESTIONS = ["Can I download the source code?", "How long do panels last?", "Is it open source?",
             "Why does the name cause confusion?"]
HEADINGS = ["Overview", "Costs and Trade-offs", "Open Source vs. Open Weights", "Hardware", "History"]


class Picker:
    """The few random choices a document needs, from a seeded `random.Random` or hypothesis."""

    def __init__(self, rng=None, data=None):
        self.rng, self.data = rng, data

    def integer(self, low: int, high: int) -> int:
        if self.data is not None:
            from hypothesis import strategies as st

            return self.data.draw(st.integers(low, high))
        return self.rng.randint(low, high)

    def choice(self, options):
        return options[self.integer(0, len(options) - 1)]


@dataclass
class Generated:
    text: str
    max_chars: int
    faqs: list[tuple[str, str]] = field(default_factory=list)  # (question, first answer sentence)
    tables: list[tuple[str, list[str]]] = field(default_factory=list)  # (table text, body cells)
    content: list[tuple[int, int, str]] = field(default_factory=list)  # block spans, their heading


def paragraph(pick: Picker, max_chars: int) -> str:
    count = pick.choice([1, 2, 3, max_chars // 40])  # some paragraphs are longer than max_chars
    return " ".join(pick.choice(SENTENCES) for _ in range(count))


def table(pick: Picker, number: int) -> tuple[str, list[str]]:
    rows = ["| Model | Cost | Licence |", "| --- | --- | --- |"]
    cells = []
    for row in range(pick.integer(1, 4)):
        body = [f"${row + number}.{pick.integer(10, 99)} per token", pick.choice(["MIT", "Apache 2.0", "closed"])]
        rows.append(f"| Model {number}-{row} | {body[0]} | {body[1]} |")
        cells.extend(body)
    return "\n".join(rows), cells


def generate(pick: Picker) -> Generated:
    max_chars = pick.choice([250, 400, 900])
    parts: list[str] = []
    doc = Generated("", max_chars)

    def add(piece: str, heading: str | None = None) -> None:
        start = sum(len(p) + 2 for p in parts)
        parts.append(piece)
        if heading is not None:
            doc.content.append((start, start + len(piece), heading))

    add("# Generated Title")
    add(paragraph(pick, max_chars), "Generated Title")
    for number in range(pick.integer(1, 5)):
        heading = f"{pick.choice(HEADINGS)} {number}"
        add(f"## {heading}")
        current = heading  # the nearest heading above: after an FAQ question, the question
        for _ in range(pick.integer(0, 3)):
            kind = pick.choice(["prose", "prose", "list", "table", "faq"])
            if kind == "prose":
                add(paragraph(pick, max_chars), current)
            elif kind == "list":
                add("\n".join(f"- {pick.choice(SENTENCES)}" for _ in range(pick.integer(1, 3))), current)
            elif kind == "table":
                text, cells = table(pick, number)
                doc.tables.append((text, cells))
                add(text, current)
            else:
                question = f"{pick.choice(QUESTIONS)[:-1]} ({len(doc.faqs)})?"
                add(f"### {question}")
                answer = paragraph(pick, max_chars)
                doc.faqs.append((question, answer.split(". ")[0]))
                add(answer, question)
                current = question
    add("## Sources")
    add("- [1] Papers - Proprietary models account for approximately 80% of AI token usage.\n"
        "- [2] Papers - Approximately 20% of the AI token market is open.\n"
        "- [7] Papers - Full parity is expected in the near future.")
    doc.text = "\n\n".join(parts) + "\n"
    return doc


def document(text: str, source: str = "generated.md") -> Document:
    title, blocks, claims = markdown.parse(text)
    return Document(source, text, title, blocks, claims)


def heading_starts(text: str) -> dict[int, str]:
    return {m.start(): m.group(2) for m in re.finditer(r"^(#{1,6}) (.+)$", text, re.M)}


def check_properties(doc: Generated) -> None:
    parsed = document(doc.text)
    chunks = chunk(parsed, doc.max_chars)
    assert chunks
    headings = heading_starts(doc.text)
    for c in chunks:
        # Spans map back into the file exactly.
        assert doc.text[c.start:c.end] == c.text
        assert c.text == c.text.strip()
        # No chunk crosses a heading; only an FAQ chunk starts at its question's heading.
        inside = [pos for pos in headings if c.start < pos < c.end]
        assert not inside, f"chunk crosses heading {headings[inside[0]]!r}"
        if c.start in headings:
            assert c.kind == "faq" and c.key == headings[c.start]
        # The source list defines claims and is no passage.
        assert "Papers -" not in c.text
        assert set(c.claims) == {m for m in re.findall(r"\[\d+\]", c.text) if m in CLAIM_MARKERS}
        # Sentence spans lie inside the chunk and never start with a claim marker.
        for a, b in c.sentences:
            assert 0 <= a < b <= len(c.text)
            assert not re.match(r"\s*\[\d+\]", c.text[a:b]), f"marker cut from its sentence: {c.text[a:b]!r}"
        if c.kind != "table":
            for marker in re.finditer(r"\[\d+\]", c.text):
                assert any(a <= marker.start() and marker.end() <= b for a, b in c.sentences)
                before = c.text[:marker.start()].rstrip()
                assert before.endswith((".", "!", "?", "]"))  # "... globally. [1]": with its sentence
            # Long blocks are cut below max_chars, at sentence ends.
            assert len(c.text) <= doc.max_chars
            assert c.text.endswith((".", "!", "?", "]"))
    # Chunks are in document order and do not overlap; every content block is covered.
    for first, second in zip(chunks, chunks[1:]):
        assert first.end <= second.start
    for start, end, heading in doc.content:
        covering = [c for c in chunks if c.start <= end and start <= c.end]
        covered = sorted((max(c.start, start), min(c.end, end)) for c in covering)
        text_outside = [doc.text[a:b] for a, b in zip([start] + [e for _, e in covered],
                                                       [s for s, _ in covered] + [end])]
        assert all(not piece.strip() for piece in text_outside), f"text lost: {text_outside}"
        assert all(c.section.split(" › ")[-1] == heading for c in covering)
    for question, first_sentence in doc.faqs:
        holders = [c for c in chunks if c.key == question]
        assert len(holders) == 1 and holders[0].kind == "faq"
        assert holders[0].text.startswith(f"### {question}") and first_sentence in holders[0].text
    tables = [c for c in chunks if c.kind == "table"]
    assert [c.text for c in tables] == [text for text, _ in doc.tables]
    for c, (_, cells) in zip(tables, doc.tables):
        assert c.sentence_texts() == cells
    # Ids are deterministic and unique.
    assert [c.id for c in chunk(document(doc.text), doc.max_chars)] == [c.id for c in chunks]
    assert len({c.id for c in chunks}) == len(chunks)


def check_one_character_change(doc: Generated, pick: Picker) -> None:
    """Changing one letter changes the id of the chunk holding it, and no other id."""
    before = chunk(document(doc.text), doc.max_chars)
    letters = [m.start() for m in re.finditer(r"(?<=[a-z]{2})[a-z](?=[a-z]{2})", doc.text)
               if any(c.start <= m.start() < c.end for c in before if c.kind != "table")]
    position = pick.choice(letters)
    swapped = "q" if doc.text[position] != "q" else "z"
    after = chunk(document(doc.text[:position] + swapped + doc.text[position + 1:]), doc.max_chars)
    assert [(c.start, c.end) for c in after] == [(c.start, c.end) for c in before]
    for old, new in zip(before, after):
        holds = old.start <= position < old.end
        assert (old.id != new.id) == holds


@pytest.mark.parametrize("seed", range(40))
def test_generated_documents(seed):
    rng = random.Random(seed)
    doc = generate(Picker(rng=rng))
    check_properties(doc)
    check_one_character_change(doc, Picker(rng=rng))


try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError:  # the seeded documents above still run
    pass
else:
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.data())
    def test_hypothesis_documents(data):
        pick = Picker(data=data)
        doc = generate(pick)
        check_properties(doc)
        check_one_character_change(doc, pick)


# -- the fixture corpus: the same properties on files as they are read -------------------------


def fixture_chunks() -> dict[str, list]:
    return {f.source: (read(f), chunk(read(f))) for f in scan(FIXTURES, 5_000_000)}


def test_fixture_spans_map_back_into_the_files():
    for source, (doc, chunks) in fixture_chunks().items():
        raw = (FIXTURES / source).read_text(encoding="utf-8")
        for c in chunks:
            assert raw[c.start:c.end] == c.text == doc.text[c.start:c.end]


def test_fixture_faq_question_and_answer_share_one_chunk():
    _, chunks = fixture_chunks()["solar.md"]
    faq = [c for c in chunks if c.key == "How long do solar panels last?"]
    assert len(faq) == 1
    assert faq[0].kind == "faq"
    assert "Most solar panels last 25 to 30 years" in faq[0].text
    assert faq[0].section.endswith("How long do solar panels last?")


def test_fixture_table_is_its_own_chunk_with_cell_sentences():
    _, chunks = fixture_chunks()["coffee.md"]
    (table_chunk,) = [c for c in chunks if c.kind == "table"]
    assert table_chunk.text.startswith("| Method |") and table_chunk.text.endswith("| 4 minutes |")
    assert table_chunk.sentence_texts() == ["Fine", "25 seconds", "Coarse", "4 minutes"]
    assert all("|" not in c.text for c in chunks if c is not table_chunk)


def test_fixture_claim_marker_stays_with_its_sentence():
    _, chunks = fixture_chunks()["solar.md"]
    (carrier,) = [c for c in chunks if c.claims]
    assert carrier.claims == ("[1]",)
    assert "A typical home panel produces about 400 watts in full sun. [1]" in carrier.sentence_texts()


def test_long_paragraph_splits_at_sentence_boundaries():
    sentences = [f"Sentence number {i} says something about solar panels and rivers." for i in range(30)]
    text = "# Long\n\n" + " ".join(sentences) + "\n"
    chunks = chunk(document(text), 300)
    assert len(chunks) > 1
    pieces = []
    for c in chunks:
        assert len(c.text) <= 300
        assert text[c.start:c.end] == c.text
        pieces.extend(c.sentence_texts())
    assert pieces == sentences  # every sentence whole, none lost, in order


def test_chunk_ids_are_the_same_in_another_process():
    """Ids must not depend on Python's per-process hash seed: a re-index gives identical ids."""
    script = ("from pathlib import Path; from rag.ingest.reader import scan, read; from rag.ingest.chunker import chunk; "
              f"print(' '.join(c.id for f in scan(Path({str(FIXTURES)!r}), 5_000_000) for c in chunk(read(f))))")
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout.split() for seed in ("1", "2")]
    here = [c.id for _, chunks in fixture_chunks().values() for c in chunks]
    assert runs[0] == runs[1] == here


@pytest.mark.parametrize("separator", ["\u2028", "\x0c"])
def test_unusual_line_separators_keep_spans_exact(separator):
    """Form feeds (text pasted from PDFs) and U+2028 (web copy) are not Markdown line breaks."""
    text = f"# T\n\nFirst para{separator}with an odd separator.\n\n## H\n\nThird para here.\n"
    chunks = chunk(document(text), 900)
    assert [c.text for c in chunks] == [f"First para{separator}with an odd separator.", "Third para here."]



def test_the_words_searched_name_the_document():
    """A clause deep in a licence never says "Apache"; a question about "the apache licence"
    should still find it, so BM25 and the gate read the file's name with every passage."""
    from rag.index import lexical
    from rag.index.search import chunk_terms
    from rag.records import Chunk

    clause = Chunk("id", "licences/apache-license_2.0.txt", "1. Definitions.", '"Legal Entity" shall mean ...', 0, 29)
    assert set(lexical.terms("apache license 2.0 legal entity definitions")) <= set(chunk_terms(clause))
    # a dot between letters parts the name's words; one between digits stays a version's
    notes = Chunk("id", "postgresql-common-README.Debian.txt", "SSL", "uses the snakeoil certificate", 0, 29)
    assert "debian" in chunk_terms(notes)


@pytest.mark.parametrize("source, shown", [
    # a lone star is text: msgpack's default read "10010241024", a number it never states
    ("`max_buffer_size` (default: `100*1024*1024`) limits the internal buffer size.",
     "max_buffer_size (default: 100*1024*1024) limits the internal buffer size."),
    ('chip "fscsyl-*"', 'chip "fscsyl-*"'),
    ("set in6_min 5.0 * 0.90", "set in6_min 5.0 * 0.90"),
    ("pkg_resources checks for a __requires__ attribute", "pkg_resources checks for a __requires__ attribute"),
    # emphasis is still dropped: a pair of stars around words, and bold marks wherever they stand
    ("**Gradio** is *fast*.", "Gradio is fast."),
    ("**Open source is 7.3x more cost-effective.", "Open source is 7.3x more cost-effective."),
])
def test_a_sentence_is_shown_with_its_literal_stars_and_without_its_emphasis(source, shown):
    from rag.ingest.chunker import plain

    assert plain(source) == shown
