"""How `rag eval` finds an evidence phrase in a passage: one copied from a document's source, inline
markup and all, still counts where the passage shows that markup as plain text."""

from __future__ import annotations

from rag.evaluate import rank_of_evidence, shown_passage
from tests.reading import chunks_of

RST = """Responses
=========

Response Parameters
-------------------

The following attributes can be passed to a Response mock.

content_type (``str``)
    Defaults to ``text/plain``.

Recorded data is stored in `YAML <https://yaml.org>`_ format.
"""


def test_evidence_copied_with_rst_markup_is_found_in_the_passage_as_read(tmp_path):
    _, chunks = chunks_of(tmp_path, "responses-README.rst", RST)
    passages = [shown_passage(c) for c in chunks]
    assert not any("``" in p for p in passages)  # the reader shows literals as their text
    assert rank_of_evidence(passages, "Defaults to ``text/plain``.") is not None
    assert rank_of_evidence(passages, "Recorded data is stored in `YAML <https://yaml.org>`_ format.") is not None
    assert rank_of_evidence(passages, "Defaults to ``application/json``.") is None


def test_evidence_written_without_markdown_markup_is_found_in_a_passage_that_keeps_it():
    passage = "A CVE was filed against `xmltodict` but is [disputed](https://example.org/377)."
    assert rank_of_evidence([passage], "A CVE was filed against xmltodict but is [disputed]") == 1


def test_evidence_copied_with_html_tags_or_comment_marks_is_found_in_the_passage_as_read(tmp_path):
    """A page's source has "use <b>_.find</b>", a configuration sample "# The configuration can be
    specified only at startup time."; the passages show neither tag nor comment mark."""
    _, chunks = chunks_of(tmp_path, "underscore.html", "<html><body><p>The loop cannot be broken out of; to "
                                                       "break, use <b>_.find</b> instead.</p></body></html>")
    assert rank_of_evidence([shown_passage(c) for c in chunks], "to break, use <b>_.find</b> instead") == 1
    sample = "# The configuration can be specified only at startup time.\n# Later changes have no effect.\n"
    _, chunks = chunks_of(tmp_path, "management.properties", sample)
    passages = [shown_passage(c) for c in chunks]
    assert rank_of_evidence(passages, "# The configuration can be specified only at startup time.") == 1
    assert rank_of_evidence(passages, "# The configuration can be changed at any time.") is None
    (tmp_path / "ini").mkdir()
    _, chunks = chunks_of(tmp_path / "ini", "client.conf", "; default-server =\n; autospawn = yes\n; daemon = x\n")
    assert rank_of_evidence([shown_passage(c) for c in chunks], "; autospawn = yes") == 1
