"""`rag.answer.citations.verify` on canned answers and hand-made passages: labels must name a given
passage, figures must be found in a cited passage, and a sentence restating a source claim shows
the claim's own marker."""

from __future__ import annotations

import pytest

from rag.answer.citations import split_answer, verify
from rag.ingest.chunker import plain
from rag.records import Chunk, Claim, Hit, Passage

CLAIM_1 = Claim("[1]", "Papers - Currently, proprietary models like ChatGPT account for approximately 80% of "
                       "all AI token usage globally.")
CLAIMS = {"[1]": CLAIM_1}


def passage(label: str, text: str, claims: tuple[str, ...] = (), section: str = "Overview") -> Passage:
    chunk = Chunk(id=f"chunk-{label}", source="article.md", section=section, text=text, start=0,
                  end=len(text), claims=claims, sentences=((0, len(text)),))
    return Passage(label, Hit(chunk, 1.0))


OWNER = passage("A", "ChatGPT is a proprietary platform developed and maintained by OpenAI.")
PRICE = passage("B", "Using a proprietary API like GPT-5.2 costs $1.75 per million input tokens and $14 per "
                     "million output tokens.")
SHARE = passage("C", "Currently, proprietary models like ChatGPT account for approximately 80% of all AI token "
                     "usage globally. [1] This dominance persists because closed systems often provide the "
                     "highest reasoning performance.", claims=("[1]",))
GIVEN = (OWNER, PRICE, SHARE)


def test_valid_citations_pass_unchanged():
    text = "ChatGPT is developed and maintained by OpenAI. [A] GPT-5.2 costs $1.75 per million input tokens. [B]"
    checked = verify(text, GIVEN, CLAIMS)
    assert checked.text == text
    assert [c.label for c in checked.citations] == ["A", "B"]
    assert [c.chunk.id for c in checked.citations] == ["chunk-A", "chunk-B"]
    assert checked.unverified == () and checked.dropped == () and checked.claims == ()


def test_citation_records_the_supporting_sentence():
    checked = verify("ChatGPT is developed by OpenAI. [A]", GIVEN, CLAIMS)
    assert checked.citations[0].supporting == (OWNER.chunk.text,)


def test_invented_label_is_dropped_and_counted():
    checked = verify("ChatGPT is developed by OpenAI [A] [Z]. It is closed [Q].", GIVEN, CLAIMS)
    assert "[Z]" not in checked.text and "[Q]" not in checked.text
    assert "[A]" in checked.text
    assert checked.dropped == ("Z", "Q")
    assert [c.label for c in checked.citations] == ["A"]  # a citation only ever names a given passage


def test_figure_absent_from_the_cited_passage_is_unverified():
    wrong = "GPT-5.2 costs $3 per million input tokens. [B]"
    checked = verify(f"ChatGPT is developed by OpenAI. [A] {wrong}", GIVEN, CLAIMS)
    assert checked.unverified == (wrong,)


def test_figure_found_only_in_an_uncited_passage_is_unverified():
    """$1.75 is in passage B, but the sentence cites A: the citation does not support it."""
    sentence = "GPT-5.2 costs $1.75 per million input tokens. [A]"
    assert verify(sentence, GIVEN, CLAIMS).unverified == (sentence,)


def test_sentence_with_a_figure_and_no_citation_is_unverified():
    checked = verify("ChatGPT is developed by OpenAI. [A] It costs $14 per million output tokens.", GIVEN, CLAIMS)
    assert checked.unverified == ("It costs $14 per million output tokens.",)


def test_sentence_without_figures_needs_no_number_check():
    assert verify("ChatGPT is proprietary. [A]", GIVEN, CLAIMS).unverified == ()


def test_restated_claim_gets_its_marker_and_the_claim_is_listed():
    checked = verify("Proprietary models like ChatGPT account for about 80% of all AI token usage globally [C].",
                     GIVEN, CLAIMS)
    assert "[1]" in checked.text
    assert checked.text.index("[1]") < checked.text.index("[C]")  # the marker sits before the label
    assert checked.claims == (CLAIM_1,)
    assert checked.unverified == ()


def test_citing_a_claim_bearing_passage_without_restating_the_claim_adds_no_marker():
    checked = verify("Closed systems often provide the highest reasoning performance. [C]", GIVEN, CLAIMS)
    assert "[1]" not in checked.text
    assert checked.claims == ()


def test_marker_already_present_is_not_doubled():
    text = ("Currently, proprietary models like ChatGPT account for approximately 80% of all AI token usage "
            "globally. [1] [C]")
    checked = verify(text, GIVEN, CLAIMS)
    assert checked.text.count("[1]") == 1
    assert checked.claims == (CLAIM_1,)


@pytest.mark.parametrize("text", [
    "ChatGPT is developed by OpenAI [A]. GPT-5.2 costs $1.75 per million input tokens [B].",  # LLM style
    "ChatGPT is developed by OpenAI. [A] GPT-5.2 costs $1.75 per million input tokens. [B]",  # extractive
])
def test_both_citation_styles_split_into_sentences(text):
    sentences = split_answer(text)
    assert len(sentences) == 2
    assert sentences[0].startswith("ChatGPT") and "[A]" in sentences[0] and "[B]" not in sentences[0]
    assert sentences[1].startswith("GPT-5.2") and sentences[1].endswith(("[B].", "[B]"))
    assert verify(text, GIVEN, CLAIMS).unverified == ()  # "$1.75" and "5.2" stay whole


def test_claim_marker_stays_with_its_sentence():
    text = "Models like ChatGPT hold 80% of AI token usage. [1] [C] They lead in reasoning. [C]"
    assert split_answer(text) == ["Models like ChatGPT hold 80% of AI token usage. [1] [C]",
                                  "They lead in reasoning. [C]"]


def test_abbreviation_vs_does_not_end_an_answer_sentence():
    source = passage("D", "Open models achieve 90% of closed model quality vs. GPT-5 on benchmarks.")
    text = "Open models achieve 90% of closed model quality vs. GPT-5 on benchmarks. [D]"
    assert split_answer(text) == [text]
    assert verify(text, (source,), {}).unverified == ()


def test_a_quoted_passage_sentence_verifies_whatever_stops_it_holds():
    """The extractive answerer quotes a passage unit whole, label at its end; the answer splitter
    may break it at stops the passage's segmenter did not, and each part is still cited."""
    text = "(1) Check the 2 time stamps of the file. If the 3 stamps are equal, stop."
    result = verify(f"{text} [A]", [passage("A", text)], {})
    assert not result.unverified and [c.label for c in result.citations] == ["A"]


def test_a_figure_written_with_stars_is_shown_and_verifies_as_written():
    """"2**31" between digits is no bold mark: the answer shows it whole (it once read "231")."""
    source = "diff no longer mishandles line numbers exceeding 2**31 on Mingw-w64."
    assert plain(source) == source
    result = verify(f"{source} [A]", [passage("A", source)], {})
    assert not result.unverified


def test_a_figure_in_the_cited_passage_heading_verifies():
    result = verify("Release 1.6: gzip accepts --keep. [A]", [passage("A", "gzip accepts --keep.", section="release 1.6")], {})
    assert not result.unverified
