"""Reading a PDF (issue 11: a user's own documents): its text layer, page by page, read as plain
text, answered and cited like any other file; a scan without text is skipped with what to do."""

from __future__ import annotations

from rag.ingest import pdf
from tests.pdf_files import pdf_bytes
from tests.reading import ask_files

MANUAL = pdf_bytes([
    ["Kettle K1 User Manual", "", "1. Descaling",
     "Descale the kettle once a month with white vine-",  # a word broken at the line's end
     "gar, or every two weeks where the water is hard.", "Never fill above the maximum mark."],
    ["2. Power", "The K1 draws 2200 watts and boils one litre", "of water in about three minutes."],
])


def test_a_pdf_is_answered_and_cited_like_any_document(tmp_path):
    answer = ask_files(tmp_path / "a", {"kettle-manual.pdf": MANUAL}, "how often should i descale the kettle")
    assert not answer.refused, answer.text
    assert "once a month with white vinegar" in answer.text  # unwrapped, the broken word joined
    assert {c.chunk.source for c in answer.citations} == {"kettle-manual.pdf"}
    # a short line over the wrapped ones is a heading, not the paragraph's first words
    assert answer.citations[0].chunk.section == "1. Descaling" and "Descaling Descale" not in answer.text
    second_page = ask_files(tmp_path / "b", {"kettle-manual.pdf": MANUAL}, "how many watts does the k1 draw")
    assert "2200 watts" in second_page.text


def test_a_pdf_without_a_text_layer_says_what_to_do():
    try:
        pdf.text(pdf_bytes([[]]))
    except pdf.NoTextLayer as exc:
        assert "run OCR" in str(exc)
    else:
        raise AssertionError("a PDF that draws no text was read as a document")


def test_running_headers_and_page_numbers_do_not_break_a_sentence():
    """A title over every page and a number under it fell in the middle of any sentence that
    runs on to the next page."""
    pages = [["Kettle K1 User Manual", "The kettle switches itself off when the water", "1"],
             ["Kettle K1 User Manual", "boils or when it is lifted from its base.", "2"],
             ["Kettle K1 User Manual", "Keep the base dry.", "3"]]
    text = pdf.text(pdf_bytes(pages))
    assert "switches itself off when the water boils or when it is lifted from its base." in " ".join(text.split())
    assert "Kettle K1 User Manual" not in text and "\n2\n" not in text
