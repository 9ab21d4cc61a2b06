"""Reading documents as people write them (issue 11): hard-wrapped text unwrapped into sentences,
numbered sections and plain-text FAQs as headings, code lines quotable whole, HTML badges and
logos in a README left out of the index."""

from __future__ import annotations

import hashlib
from pathlib import Path

from rag.ingest.chunker import chunk, readable_sentences
from rag.ingest.reader import SourceFile, read

LICENCE = """\
                                 Apache License

   1. Definitions.

      "License" shall mean the terms and conditions for use, reproduction,
      and distribution as defined by Sections 1 through 9 of this document.

   3. Grant of Patent License. Subject to the terms and conditions of
      this License, each Contributor grants to You a patent license. If You
      institute patent litigation against any entity, then any patent
      licenses granted to You under this License shall terminate
      as of the date such litigation is filed.

   4. Redistribution. You may reproduce and distribute copies of the Work.

      (a) You must give any other recipients of the Work or
          Derivative Works a copy of this License; and

      (b) You must cause any modified files to carry prominent notices
          stating that You changed the files; and
"""

FAQ = """\
                Frequently Asked Questions about zlib

 1. Is zlib Y2K-compliant?

    Yes. zlib doesn't handle dates.

 2. compress() returns Z_BUF_ERROR.

    Make sure that before the call of compress(), the length of the compressed
    buffer is equal to the available size of the compressed buffer.
"""

README = """\
<p align="center">
  <img src="https://example.org/logo.png" width="200">
</p>

[![PyPI](https://img.shields.io/pypi/v/tool.svg)](https://pypi.org/project/tool/)
[![CI](https://github.com/x/tool/badge.svg)](https://github.com/x/tool/actions)

# tool

tool turns XML into dictionaries, and it was written to be
small and fast.

## Installation

Install it from PyPI:

```sh
$ pip install tool
```
"""


def chunks_of(tmp_path: Path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    data = path.read_bytes()
    document = read(SourceFile(name, path, hashlib.sha256(data).hexdigest(), len(data)))
    return document, chunk(document)


def ask_one_file(tmp_path: Path, name: str, text: str, question: str):
    """The extractive answer to `question` from a corpus of that one file, indexed for real."""
    from rag.service import assistant, builder
    from rag.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / name).write_text(text, encoding="utf-8")
    settings = Settings(corpus=corpus, index=tmp_path / "index", embedder="hashing", generator="extractive")
    builder(settings).run()
    return assistant(settings).ask(question)


def sentences_by_section(chunks) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for piece in chunks:
        found.setdefault(piece.section, []).extend(readable_sentences(piece))
    return found


def test_a_hard_wrapped_licence_reads_as_sections_of_whole_sentences(tmp_path):
    _, chunks = chunks_of(tmp_path, "LICENSE.txt", LICENCE)
    sections = sentences_by_section(chunks)
    assert "3. Grant of Patent License" in sections and "4. Redistribution" in sections
    patent = sections["3. Grant of Patent License"]
    assert "If You institute patent litigation against any entity, then any patent licenses granted to You " \
           "under this License shall terminate as of the date such litigation is filed." in patent
    assert not any(s.startswith("this License, each") for s in patent), "a sentence runs on across line breaks"
    assert any(s.startswith("(b) You must cause any modified files to carry prominent notices stating")
               for s in sections["4. Redistribution"]), "a lettered clause is a unit of its own"
    for piece in chunks:
        assert piece.text == read_text(tmp_path / "LICENSE.txt")[piece.start:piece.end]


def read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_a_plain_text_faq_keeps_each_answer_under_its_question(tmp_path):
    _, chunks = chunks_of(tmp_path, "FAQ.txt", FAQ)
    sections = sentences_by_section(chunks)
    assert sections["1. Is zlib Y2K-compliant?"] == ["Yes.", "zlib doesn't handle dates."]
    first = next(c for c in chunks if c.section == "1. Is zlib Y2K-compliant?")
    assert first.kind == "faq" and first.key == "1. Is zlib Y2K-compliant?"
    assert sections["2. compress() returns Z_BUF_ERROR."][0].startswith("Make sure that before the call of compress()")


def test_a_readme_drops_its_badges_and_quotes_its_commands(tmp_path):
    document, chunks = chunks_of(tmp_path, "README.md", README)
    assert document.title == "tool"
    every = [s for c in chunks for s in readable_sentences(c)]
    assert not any("shields.io" in c.text or "logo.png" in c.text for c in chunks), "badges and logos are not passages"
    assert "tool turns XML into dictionaries, and it was written to be small and fast." in every
    install = [s for c in chunks if c.section == "Installation" for s in readable_sentences(c)]
    assert "$ pip install tool" in install and not any("```" in s for s in install)


NEWS = """\
GNU zipper NEWS

* Noteworthy changes in release 1.7 (2016-04-26) [stable]

** Changes in behavior

  The output file is now removed when compression fails halfway.

* Noteworthy changes in release 1.6 (2013-06-09) [stable]

** New features

  zipper now accepts the --keep (-k) option, for consistency with tools
  like xz and lzip.  It keeps the input files instead of removing them.
"""


def test_a_changelog_answer_names_the_release_its_heading_gives(tmp_path):
    """A NEWS file states the release once, in the heading above its changes: asked which release
    brought a change, the answer shows that heading, and the citation verifies its figures."""
    answer = ask_one_file(tmp_path, "zipper-NEWS.txt", NEWS, "which zipper release added the --keep option")
    assert not answer.refused, answer.text
    assert "release 1.6" in answer.text and "--keep" in answer.text
    assert answer.citations and not answer.unverified


RST_README = """\
=========
widgetlib
=========

.. image:: https://img.shields.io/pypi/v/widgetlib.svg

widgetlib makes widgets. It is small and fast.

Installation
============

Install it with pip::

    $ pip install widgetlib

+--------+-------+
| Option | Value |
+========+=======+
| speed  | fast  |
+--------+-------+

.. include:: {secret}

.. raw:: html

   <p>raw markup never shows</p>
"""


def test_a_restructured_text_readme_reads_as_sections_commands_and_tables(tmp_path):
    secret = tmp_path / "outside.txt"
    secret.write_text("the outside secret", encoding="utf-8")
    document, chunks = chunks_of(tmp_path, "README.rst", RST_README.format(secret=secret))
    assert document.title == "widgetlib"
    sections = sentences_by_section(chunks)
    assert sections["widgetlib"] == ["widgetlib makes widgets.", "It is small and fast."]
    assert "$ pip install widgetlib" in sections["Installation"]
    assert any(c.kind == "table" and "fast" in c.text for c in chunks)
    # neither an include of a file outside the corpus nor raw markup reaches the index
    assert "outside secret" not in document.text and "raw markup" not in document.text
    assert "shields.io" not in document.text


def test_restructured_text_that_docutils_cannot_render_is_still_read(tmp_path, monkeypatch):
    from rag.ingest import restructured

    def fails(text):
        raise ValueError("docutils gave up")

    monkeypatch.setattr(restructured, "to_html", fails)
    document, chunks = chunks_of(tmp_path, "broken.rst", "Title\n=====\n\nThe text after it still counts.\n")
    assert any("still counts" in c.text for c in chunks)  # read as plain text, not skipped


OLD_FAQ = """\
------------------------------------------------------------------------
1. Background
------------------------------------------------------------------------

1.1. How do you pronounce "Tool"?
The "T" as in the word "tea".
------------------------------------------------------------------------

1.2. Reports come long after the fault happens, which makes them hard to
follow. Could the tool record where the bad value came from?

As of 3.4.0, try using the --track-origins=yes option.

Start the listener first:

    tool-listener 12345

Then run the program.
"""

OLD_NEWS = """\
* Noteworthy changes in release 4.3 (2016-12-30) [stable]

** Improvements

  matching is now typically 10x faster

  the parser now uses less memory.

----------------------------------------------------------------------------
Tool 4.2

* now released under GPLv3

* added a new extension `z` to clear the buffer
"""


def test_a_plain_text_faq_reads_wrapped_questions_rules_and_indented_commands(tmp_path):
    """Questions that wrap or carry their answer on the next line head their answers; rule lines
    separate; an indented command is code, not a heading."""
    _, chunks = chunks_of(tmp_path, "FAQ.txt", OLD_FAQ)
    sections = sentences_by_section(chunks)
    pronounce = '1. Background › 1.1. How do you pronounce "Tool"?'
    assert sections[pronounce] == ['The "T" as in the word "tea".'], "the question is a heading, not a sentence"
    wrapped = next(s for s in sections if "1.2. Reports come long after" in s)
    assert wrapped.endswith("Could the tool record where the bad value came from?")
    assert "As of 3.4.0, try using the --track-origins=yes option." in sections[wrapped]
    assert not any("tool-listener" in s for s in sections), "an indented command became a heading"
    assert "tool-listener 12345" in sections[wrapped], "the command is quotable as a line of its own"


def test_a_news_file_keeps_release_headings_over_its_items(tmp_path):
    """A release named under a rule line heads its "* " items; an indented line is body text."""
    _, chunks = chunks_of(tmp_path, "NEWS.txt", OLD_NEWS)
    sections = sentences_by_section(chunks)
    assert "Tool 4.2" in sections, sorted(sections)
    assert any("now released under GPLv3" in s for s in sections["Tool 4.2"])
    release = "Noteworthy changes in release 4.3 (2016-12-30) [stable] › Improvements"
    assert any("typically 10x faster" in s for s in sections[release]), sorted(sections)


MANUAL_PAGE = """\
<html><body>
<div class="header"><p>Next: <a href="#a">Examples</a>, Previous: <a href="#b">Intro</a>,
Up: <a href="#c">Top</a> [<a href="#d">Contents</a>]</p></div>
<h2>Redirecting Output<a class="copiable-anchor" href="#r">¶</a></h2>
<p>By default, tool writes its statistics to the standard error stream.</p>
<dl>
<dt><code>-o <var>file</var></code></dt>
<dt><code>--output=<var>file</var></code></dt>
<dd><p>Write the statistics to <var>file</var>.</p></dd>
</dl>
</body></html>
"""


def test_an_html_definition_list_names_what_each_definition_defines(tmp_path):
    document, chunks = chunks_of(tmp_path, "manual.html", MANUAL_PAGE)
    sentences = [s for c in chunks for s in readable_sentences(c)]
    assert any(s.startswith("-o file, --output=file: Write the statistics to file.") for s in sentences), sentences
    assert "Previous" not in document.text, "a navigation bar was indexed"
    assert "¶" not in document.text and chunks[0].section == "Redirecting Output"


DOCTEST_README = """\
# verlib

verlib parses version strings.

## Coercing versions

Odd version strings can be coerced:

```python
>>> Version.coerce('0.1.2.3.4')
Version('0.1.2+3.4')
```
"""


def test_a_doctest_answer_shows_what_the_call_prints(tmp_path):
    answer = ask_one_file(tmp_path, "verlib-README.md", DOCTEST_README, "what does Version.coerce('0.1.2.3.4') give you")
    assert "Version('0.1.2+3.4')" in answer.text, answer.text


def test_a_wrapped_line_that_starts_with_an_option_is_the_same_sentence():
    from rag.ingest.chunker import plain

    assert plain("As of 3.4.0, try using the\n--track-origins=yes option.") == \
        "As of 3.4.0, try using the --track-origins=yes option."
    assert plain("Items:\n- one\n- two") == "Items:\n- one\n- two"


TAB_INDENTED = """\
\t\t\t The "Tool Licence"

\t\t\t\tPreamble

The intent of this document is to state the conditions under which the
tool may be copied.

Definitions:

\t"Package" refers to the collection of files distributed by the
\tCopyright Holder, and derivatives of that collection of files.

\tMajor changes between versions 581 and 590

* Add the --file-size option.

* Bug fixes

Q:  I have installed the tool, but my tar doesn't recognize .tar.tl files.
    How can I extract .tar.tl files?

A:  tool -dc foo.tar.tl | tar xf -
"""


def test_indented_prose_and_titles_are_text_and_a_wrapped_q_heads_its_answer(tmp_path):
    """A tab-indented definition is prose (whole sentences, not code lines); an indented title
    heads what follows; a closing "* Bug fixes" item is no heading; a wrapped "Q:" question heads
    its answer, and the question is not a sentence to quote."""
    _, chunks = chunks_of(tmp_path, "LICENCE.txt", TAB_INDENTED)
    sections = sentences_by_section(chunks)
    assert '"Package" refers to the collection of files distributed by the Copyright Holder, and ' \
           'derivatives of that collection of files.' in sections["Preamble"], sections
    release = "Major changes between versions 581 and 590"
    assert sections[release][:2] == ["Add the --file-size option.", "Bug fixes"], sorted(sections)
    question = next(s for s in sections if s.startswith("Q: I have installed the tool"))
    assert question.endswith("How can I extract .tar.tl files?")
    assert sections[question] == ["A: tool -dc foo.tar.tl | tar xf -"]
    assert next(c for c in chunks if c.section == question).kind == "faq"


def test_a_long_code_block_cut_into_chunks_stays_code_line_by_line(tmp_path):
    """A doctest longer than a chunk is cut between lines and every piece is still code: its
    ">>>" lines are quoted whole, not merged into sentences or read as quotes."""
    from rag.ingest.chunker import code_sentences

    calls = "\n".join(f">>> p.call_number_{n}()\nresult(value={n}, other={n * 7})" for n in range(60))
    _, chunks = chunks_of(tmp_path, "README.md", f"# tool\n\n## Usage\n\n```python\n{calls}\n```\n")
    assert len(chunks) > 2
    for piece in chunks:
        sentences = readable_sentences(piece)
        assert code_sentences(piece) == frozenset(range(len(sentences))), piece.text[:80]
        assert all(s.startswith((">>> p.call_number_", "result(value=")) for s in sentences), sentences[:3]


def test_lettered_items_past_z_alert_markers_and_mode_lines_are_not_text(tmp_path):
    """bash's NEWS letters items "aa.", "bb." after "z."; a GitHub alert's "[!NOTE]" and an Emacs
    mode line ("-*- text -*-") are markup, not sentences or headings; "Changes in 2.40:" is one."""
    news = "-*- text -*-\n\nChanges in 2.40:\n\naa. Fixed a bug with here-documents.\n\nbb. Fixed another bug.\n"
    _, chunks = chunks_of(tmp_path, "NEWS.txt", news)
    sentences = [s for c in chunks for s in readable_sentences(c)]
    assert any(s.endswith("Fixed a bug with here-documents.") for s in sentences) and "aa." not in sentences, sentences
    assert not any("-*-" in c.section or "text --" in c.text for c in chunks), [c.section for c in chunks]
    assert {c.section for c in chunks} == {"Changes in 2.40"}, "a release line ending in a colon heads its items"
    readme = "# tool\n\n> [!NOTE]\n> The tool needs Python 3.10.\n"
    _, chunks = chunks_of(tmp_path, "README.md", readme)
    sentences = [s for c in chunks for s in readable_sentences(c)]
    assert "The tool needs Python 3.10." in sentences and not any("[!NOTE]" in s for s in sentences), sentences


def test_a_two_column_table_without_a_header_reads_as_terms_and_definitions(tmp_path):
    """DocBook lays a list of tools out as a headerless two-column table: its first row is a tool,
    not a header, so every row reads "term: definition"."""
    page = ("<html><body><h2>Extra tools</h2><table><tr><td><p>query</p></td><td><p>dump the inputs of a "
            "target.</p></td></tr><tr><td><p>graph</p></td><td><p>output a graph.</p><pre>tool -t graph x | dot"
            "</pre></td></tr></table></body></html>")
    _, chunks = chunks_of(tmp_path, "manual.html", page)
    sentences = [s for c in chunks for s in readable_sentences(c)]
    assert "query: dump the inputs of a target." in sentences, sentences
    assert any(s.startswith("graph: output a graph.") for s in sentences)
    assert any("tool -t graph x | dot" in s for s in sentences), "a pipe in a definition is no table cell"


def test_a_link_whose_text_wraps_reads_as_its_text(tmp_path):
    readme = "# Pillow\n\nPillow is the friendly PIL fork by [Jeffrey Clark and\ncontributors](https://example.org/c).\n"
    _, chunks = chunks_of(tmp_path, "README.md", readme)
    sentences = [s for c in chunks for s in readable_sentences(c)]
    assert "Pillow is the friendly PIL fork by Jeffrey Clark and contributors." in sentences, sentences
