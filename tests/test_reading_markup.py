"""Reading markup as people write it (issue 11): README badges and logos left out, commands and
doctests quotable whole (a long code block stays code), reStructuredText, HTML definition lists and
tables, wrapped links."""

from __future__ import annotations

from rag.ingest.chunker import readable_sentences
from tests.reading import ask_one_file, chunks_of, sentences_by_section

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


def test_a_readme_drops_its_badges_and_quotes_its_commands(tmp_path):
    document, chunks = chunks_of(tmp_path, "README.md", README)
    assert document.title == "tool"
    every = [s for c in chunks for s in readable_sentences(c)]
    assert not any("shields.io" in c.text or "logo.png" in c.text for c in chunks), "badges and logos are not passages"
    assert "tool turns XML into dictionaries, and it was written to be small and fast." in every
    install = [s for c in chunks if c.section == "Installation" for s in readable_sentences(c)]
    assert "$ pip install tool" in install and not any("```" in s for s in install)


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


STS_OPTIONS = """\
AWS STS
=======

By default, this configuration option is set to ``legacy``. Valid values are:

* ``regional``
   Uses the STS endpoint that corresponds to the configured region.

* ``legacy``
   Uses the global STS endpoint.
"""


def test_a_bullet_that_defines_a_term_reads_as_one_item(tmp_path):
    """A reStructuredText bullet holding a definition ("* ``regional``" over its text) is the item
    "regional: Uses ...", not "- - regional: Uses ...", which answers showed (awscli's config docs)."""
    _, chunks = chunks_of(tmp_path, "config-vars.rst", STS_OPTIONS)
    text = "\n".join(c.text for c in chunks)
    assert "- regional: Uses the STS endpoint" in text and "- - " not in text, text


def test_a_terms_classifier_is_set_apart_from_the_term(tmp_path):
    """numpydoc-style parameters ("iterable  : iterable, optional") read "iterableiterable,
    optional" in tqdm's README: docutils leaves the separator to its style sheet."""
    _, chunks = chunks_of(tmp_path, "tool.rst", "Parameters\n----------\n\niterable  : iterable, optional\n"
                                                "    Iterable to decorate with a progress bar.\n")
    text = "\n".join(c.text for c in chunks)
    assert "iterable (iterable, optional): Iterable to decorate" in text, text


def test_a_line_of_code_is_quoted_as_written(tmp_path):
    """zlib's example "#define CHUNK 16384" was quoted "define CHUNK 16384": the "#" read as a
    heading mark. In code it is a character, as a comment's "#" is."""
    text = "# Usage\n\nThe buffer size:\n\n```c\n#define CHUNK 16384\n# not a heading\n```\n"
    _, chunks = chunks_of(tmp_path, "zlib-usage.md", text)
    sentences = [s for section in sentences_by_section(chunks).values() for s in section]
    assert "#define CHUNK 16384" in sentences and "# not a heading" in sentences, sentences


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


def test_html_tags_wrapped_over_lines_and_spaced_links_show_no_markup(tmp_path):
    """A README's logo '<img\\n  width="400"\\n  src="...">' is no text (a passage of it was indexed),
    and '[here]( https://...)' reads as 'here', as CommonMark renders both."""
    readme = ('# Narwhals\n\n<h1 align="center">\n\t<img\n\t\twidth="400"\n\t\talt="narwhals_small"\n'
              '\t\tsrc="https://example.org/logo.png">\n</h1>\n\n'
              "Narwhals is a lightweight compatibility layer between dataframe libraries.\n\n"
              "A complete example can be found [here]( https://example.org/tests/init.py).\n")
    _, chunks = chunks_of(tmp_path, "narwhals-README.md", readme)
    sentences = [s for section in sentences_by_section(chunks).values() for s in section]
    assert not any("<" in s or "width=" in s or "](" in s for s in sentences), sentences
    assert "A complete example can be found here." in sentences, sentences


def test_a_placeholder_in_angle_brackets_is_text_and_only_html_is_markup(tmp_path):
    """"python -m libcst.tool print <some_py_file.py>", apt's 'Queue-Mode "<STRING>";' and
    "#include <expat.h>" were quoted without what stood in the brackets, as if each were a tag;
    only HTML's own elements are markup."""
    readme = ("# Tool\n\n<p align=\"center\"><b>Tool</b> dumps trees.</p>\n\n"
              "To examine a file, run:\n\n```\npython -m tool print <some_py_file.py>\n```\n\n"
              "Include the header (#include <expat.h>) and set Queue-Mode \"<STRING>\" to host.\n")
    _, chunks = chunks_of(tmp_path, "README.md", readme)
    sentences = [s for c in chunks for s in readable_sentences(c)]
    assert "python -m tool print <some_py_file.py>" in sentences, sentences
    assert 'Include the header (#include <expat.h>) and set Queue-Mode "<STRING>" to host.' in sentences
    assert "Tool dumps trees." in sentences, sentences


def test_a_docbook_page_with_carriage_return_entities_is_read_and_titled(tmp_path):
    """DocBook writes line ends in <pre> as "&#13;": a lone CR, a line break to markdown-it and not
    to our line count, so the page failed to index at all (corpus8's shared-mime-info spec). Its
    numbered title "2. Unified system" is a heading, not an escaped list item."""
    page = ('<html><body><h1><a name="x34">2. Unified system</a></h1><pre class="programlisting">&#13;\n'
            "55:text/x-diff:*.patch&#13;\n50:text/x-diff:*.diff&#13;</pre>"
            "<p>The default weight value is 50, and the maximum is 100.</p></body></html>")
    answer = ask_one_file(tmp_path, "spec.html", page, "what is the default glob weight")
    assert not answer.refused and "50" in answer.text, answer.text
    document, chunks = chunks_of(tmp_path, "spec2.html", page)
    assert document.title == "2. Unified system" and chunks[0].section == "2. Unified system"


def test_a_copy_button_inside_a_code_block_is_not_code(tmp_path):
    """Node's generated docs put a "copy" button in each <pre>: it was quoted as part of the command."""
    page = ('<html><body><h2>Options</h2><p>To embed the data directory, configure with:</p><pre><code '
            'class="language-bash">./configure --with-intl=small-icu</code> <button class="copy-button">copy'
            "</button></pre></body></html>")
    _, chunks = chunks_of(tmp_path, "intl.html", page)
    sentences = [s for c in chunks for s in readable_sentences(c)]
    assert "./configure --with-intl=small-icu" in sentences, sentences
    assert not any("copy" in s for s in sentences), sentences


def test_a_markdown_heading_is_named_by_its_visible_text(tmp_path):
    """A heading's badges, anchors and link targets are no part of its name: they filled the
    section path a passage is searched and cited by ("Getting Started<a id=...>",
    "[3.5.3](https://github.com/...) (2026-11-23)")."""
    readme = ("# Thread-pool Controls [![Build](https://example.org/b.svg)](https://example.org/ci)\n\n"
              "Limits the threads of native libraries.\n\n"
              '## Getting Started<a id="getting-started"></a>\n\nRun `tool check` on your code.\n\n'
              "## [3.5.3](https://example.org/compare/3.5.2...3.5.3) (2026-11-23)\n\nFixed a crash.\n\n"
              "## What is `tool`?\n\nA linter.\n")
    document, chunks = chunks_of(tmp_path, "README.md", readme)
    assert document.title == "Thread-pool Controls"
    sections = [c.section for c in chunks]
    assert sections == ["Thread-pool Controls", "Getting Started", "3.5.3 (2026-11-23)", "What is tool?"]


def test_a_page_whose_structure_cannot_be_parsed_is_still_indexed_as_text(tmp_path, monkeypatch):
    """A parser failing on one odd page (corpus8's DocBook spec did, on "&#13;") costs that page its
    headings, not its words: it is read as plain text, answers come from it, and the build says so."""
    from rag.ingest import html
    from rag.service import assistant, builder
    from rag.settings import Settings

    def broken(page: str):
        raise IndexError("list index out of range")

    monkeypatch.setattr(html, "to_markdown", broken)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "spec.html").write_text("<html><body><h1>Globs</h1><p>The default glob weight is 50, and "
                                      "the maximum is 100.</p><script>var x;</script></body></html>", encoding="utf-8")
    settings = Settings(corpus=corpus, index=tmp_path / "index", embedder="hashing", generator="extractive")
    report = builder(settings).run()
    assert report.read_as_text == [{"path": "spec.html", "reason": "IndexError: list index out of range"}]
    assert not report.skipped
    answer = assistant(settings).ask("what is the default glob weight")
    assert not answer.refused and "50" in answer.text and "var x" not in answer.text, answer.text


def test_a_readme_without_a_top_heading_is_named_by_its_file(tmp_path):
    """A README whose first heading is "## Sponsors" is not a document called "Sponsors": its
    opening paragraph was cited under that heading. Without a "# " heading the file names it."""
    readme = ("<p align=\"center\"><i>The official client for the Example Hub.</i></p>\n\n"
              "Example Hub keeps your models in one place.\n\n## Sponsors\n\nThanks to our sponsors.\n")
    document, chunks = chunks_of(tmp_path, "examplehub-README.md", readme)
    assert document.title == "examplehub-README"
    assert chunks[0].section == "examplehub-README" and "keeps your models" in chunks[0].text
    assert chunks[-1].section == "Sponsors"


def test_an_html_heading_keeps_its_underscores_and_stars(tmp_path):
    """A page's heading is literal text: "object.__init__(self, *args)" read through Markdown lost
    its underscores ("object.init(self, *args)")."""
    page = ("<html><body><h2>object.__init__(self, *args)</h2><p>Called after the instance has been "
            "created.</p></body></html>")
    _, chunks = chunks_of(tmp_path, "reference.html", page)
    assert chunks[0].section == "object.__init__(self, *args)"


def test_list_items_and_definitions_whose_end_tags_are_left_out_are_all_read(tmp_path):
    """HTML lets <li>, <p>, <dt> and <dd> go unclosed; a page written so (pyparsing's examples
    index) lost every list item after the first to the stdlib parser, which nests what follows
    an open <p>, and with them each example's author."""
    items = "".join(f'<li><a href="ex{n}.py">ex{n}.py</a> <i>~ submission by Author {n}</i><br>\n'
                    f"Example number {n} parses something.\n</li>\n<p>\n" for n in range(1, 6))
    page = (f"<HTML><title>Examples</title><body><h1>Examples</h1><ul>\n{items}</ul>"
            "<dl><dt>-a<dd>Show all files.<dt>-b<dd>Brief output.</dl></body></HTML>")
    _, chunks = chunks_of(tmp_path, "examples.html", page)
    text = " ".join(s for c in chunks for s in readable_sentences(c))
    for n in range(1, 6):
        assert f"ex{n}.py ~ submission by Author {n} Example number {n} parses something." in text, text
    assert "-a: Show all files." in text and "-b: Brief output." in text, text


LINKS_README = """\
tool
====

tool draws graphs.

- **Website:** https://tool.example.org
- **Bug reports:** https://github.com/example/tool/issues
- **Report a security vulnerability:** https://security.example.org/tool
- **Tutorial:** https://tool.example.org/tutorial.html
"""


def test_a_list_of_labelled_addresses_is_read_as_text(tmp_path):
    """Links that show their own address ("Bug reports: https://...") tell the reader where things
    are; read as a navigation menu, the whole list was dropped and "where do i report a security
    hole" had no answer. A menu of named links is still dropped (the test above)."""
    _, chunks = chunks_of(tmp_path, "tool-README.rst", LINKS_README)
    sentences = [s for c in chunks for s in readable_sentences(c)]
    assert "Report a security vulnerability: https://security.example.org/tool" in sentences, sentences


POST = """\
---
title: Why we moved to frob
date: 2024-03-02
author: Jane Doe
---

# Why we moved to frob

We moved our builds to frob in March 2024. Clean builds went from 14 minutes to 3.
"""


def test_front_matter_is_read_as_settings_one_a_line(tmp_path):
    """A blog post or a note opens with front matter between "---" lines: CommonMark reads it as a
    rule and a heading, and its author and date were lost."""
    _, chunks = chunks_of(tmp_path, "post.md", POST)
    said = [s for c in chunks for s in readable_sentences(c)]
    assert "author: Jane Doe" in said and "date: 2024-03-02" in said, said
    assert "Clean builds went from 14 minutes to 3." in said, said
    answer = ask_one_file(tmp_path, "post.md", POST, "who wrote the post about moving to frob")
    assert "Jane Doe" in answer.text, answer.text
