"""Reading a Word document (issue 11: a user's own documents): headings by their styles, list
paragraphs as items, tables as rows, answered and cited like a Markdown file."""

from __future__ import annotations

import io

from tests.reading import ask_files


def handbook() -> bytes:
    from docx import Document

    doc = Document()
    doc.add_heading("Team Handbook", level=0)
    doc.add_heading("Leave", level=1)
    doc.add_paragraph("Every employee gets 25 days of paid leave a year.")
    doc.add_paragraph("Ask your manager two weeks ahead.", style="List Bullet")
    doc.add_heading("Laptops", level=1)
    table = doc.add_table(rows=3, cols=2)
    for row, (role, model) in zip(table.rows, [("Role", "Laptop"), ("Engineer", "ThinkPad X1"),
                                               ("Designer", "MacBook Pro 16")]):
        row.cells[0].text, row.cells[1].text = role, model
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_a_word_document_is_answered_under_its_own_headings(tmp_path):
    files = {"handbook.docx": handbook()}
    answer = ask_files(tmp_path / "a", files, "how many days of paid leave do we get")
    assert not answer.refused and "25 days" in answer.text
    assert answer.citations[0].chunk.source == "handbook.docx"
    assert answer.citations[0].chunk.section.endswith("Leave")
    row = ask_files(tmp_path / "b", files, "which laptop does a designer get")
    assert "MacBook Pro 16" in row.text
