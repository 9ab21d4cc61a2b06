"""Reading plain text as people write it (issue 11): hard-wrapped licences unwrapped into sentences
under their numbered sections, FAQs with each answer under its question, indented commands as code
and indented prose and titles as text. NEWS files are tests/test_reading_changelogs.py; the
documents a tool installs (Info manuals, man pages) are tests/test_reading_manuals.py,
configuration files tests/test_reading_configuration.py, and where sentences start and end
tests/test_reading_sentences.py."""

from __future__ import annotations

from rag.ingest.chunker import readable_sentences
from tests.reading import ask_one_file, chunks_of, read_text, sentences_by_section

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


def test_a_plain_text_faq_keeps_each_answer_under_its_question(tmp_path):
    _, chunks = chunks_of(tmp_path, "FAQ.txt", FAQ)
    sections = sentences_by_section(chunks)
    assert sections["1. Is zlib Y2K-compliant?"] == ["Yes.", "zlib doesn't handle dates."]
    first = next(c for c in chunks if c.section == "1. Is zlib Y2K-compliant?")
    assert first.kind == "faq" and first.key == "1. Is zlib Y2K-compliant?"
    assert sections["2. compress() returns Z_BUF_ERROR."][0].startswith("Make sure that before the call of compress()")


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


def test_an_address_in_angle_brackets_is_text_not_a_tag(tmp_path):
    """"report it via e-mail to <abe@purdue.edu>" answers with the address; read as an HTML tag, it
    was dropped and the answer ended "via e-mail to ."."""
    faq = ("LSOF FREQUENTLY ASKED QUESTIONS\n\n"
           "1.0  How do I report a bug?\n\n"
           "\tIf you believe you have discovered a bug in lsof, you can\n"
           "\treport it via e-mail to <abe@purdue.edu>.  Do NOT report lsof\n"
           "\tbugs to the UNIX dialect vendor.\n\n"
           "2.0  Where is the source?\n\n"
           "\tThe source is on the home page <https://lsof.example.org/src>.\n")
    answer = ask_one_file(tmp_path, "lsof-FAQ.txt", faq, "found a bug in lsof, where do i report it")
    assert "abe@purdue.edu" in answer.text, answer.text
    _, chunks = chunks_of(tmp_path, "copy-of-FAQ.txt", faq)
    sentences = [s for section in sentences_by_section(chunks).values() for s in section]
    assert any("https://lsof.example.org/src" in s for s in sentences), sentences


def test_a_one_line_item_that_heads_nothing_is_text(tmp_path):
    """A numbered one-line item followed by its sibling (bash COMPAT's "25. The arithmetic
    exponentiation operator is right-associative as of bash-3.1.") read as a heading that the next
    item replaced, and its fact was in no passage; a release's single "** " note likewise."""
    compat = ("Compatibility with previous versions\n====================================\n\n"
              "24. The \\W prompt string expansion abbreviates $HOME as `~'.  The previous\n"
              "    behavior is available with ${PWD##/*/}.\n\n"
              "25. The arithmetic exponentiation operator is right-associative as of bash-3.1.\n\n"
              "26. The rules concerning valid alias names are stricter, as per POSIX.2.\n\n"
              "27. The Readline key binding functions now obey the convert-meta setting active\n"
              "    when the binding takes place.\n")
    _, chunks = chunks_of(tmp_path, "COMPAT.txt", compat)
    sentences = [s for section in sentences_by_section(chunks).values() for s in section]
    assert any("right-associative as of bash-3.1" in s for s in sentences), sentences
    assert any("alias names are stricter" in s for s in sentences), sentences

    news = ("* Changes in Wget 1.20.3\n\n** Fixed a buffer overflow vulnerability\n\n\n"
            "* Changes in Wget 1.20.2\n\n** NTLM authentication will retry under certain cases\n")
    _, chunks = chunks_of(tmp_path, "wget-NEWS.txt", news)
    sections = sentences_by_section(chunks)
    overflow = next(section for section, sentences in sections.items()
                    if any("buffer overflow" in s for s in sentences))
    assert "1.20.3" in overflow, sections


SHOUTED_DISCLAIMER = """\
Example Legal Code

    EXAMPLE CORPORATION IS NOT A LAW FIRM AND DOES NOT PROVIDE
    LEGAL SERVICES. EXAMPLE CORPORATION PROVIDES THIS
    INFORMATION ON AN "AS-IS" BASIS.

Statement of Purpose

The laws of most places give the maker of a work exclusive rights in it,
and some makers wish to give those rights up for good.

1. Waiver. The owner waives all rights in the work, in all territories
worldwide and for the maximum duration the law allows.

2. Fallback. Where the waiver fails, the owner grants a licence instead.
"""


def test_a_last_line_that_ends_its_sentence_inside_brackets_is_text_not_a_heading(tmp_path):
    """gtk2's README ends "Patches should be in unified diff form. (The -up option to GNU diff.)":
    a short line not ending in a full stop read as a heading over nothing, and was lost."""
    readme = ("Patches\n=======\n\nPatches should also be submitted to bugzilla.\n\n"
              "Patches should be in unified diff form. (The -up option to GNU diff.)\n")
    _, chunks = chunks_of(tmp_path, "README", readme)
    assert sentences_by_section(chunks) == {"Patches": [
        "Patches should also be submitted to bugzilla.", "Patches should be in unified diff form.",
        "(The -up option to GNU diff.)"]}


def test_an_indented_all_capitals_disclaimer_is_prose_not_code(tmp_path):
    """A licence's indented block of capitals (CC0's disclaimer) is sentences, not code lines:
    read as code, each wrapped line was quoted as an answer of its own."""
    _, chunks = chunks_of(tmp_path, "legalcode.txt", SHOUTED_DISCLAIMER)
    sentences = [s for c in chunks for s in readable_sentences(c)]
    assert "EXAMPLE CORPORATION IS NOT A LAW FIRM AND DOES NOT PROVIDE LEGAL SERVICES." in sentences, sentences


SETTINGS_XML = """\
<?xml version="1.0" encoding="UTF-8"?>
<settings>
  <!-- localRepository
   | The path to the local repository the build tool will use to store
   | artifacts, unless the command line names another.
   |
   | Default: ${user.home}/.m2/repository
  -->
  <localRepository>/srv/cache/repository</localRepository>
</settings>
"""


def test_a_text_file_of_any_type_is_read_and_a_binary_one_skipped(tmp_path):
    """A user's own docs come as README, guide.org or settings.xml: each is read as plain text (an
    XML sample's comments as its prose, without their "|" margin), while an image or archive of
    any type is skipped, and so are text files that are no documents: an editor's backup, source
    code, a drawing."""
    from rag.service import builder
    from rag.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "README").write_text("Kestrel\n\nKestrel hovers over open fields before it dives.\n")
    (corpus / "guide.org").write_text("* Feeding\n\nThe lamb is fed three times a day in its first week.\n")
    (corpus / "settings.xml").write_text(SETTINGS_XML)
    (corpus / "logo.webp").write_bytes(b"RIFF\0\0\0\0WEBPVP8 " + bytes(300))
    # text that is no document: an editor's backup would answer twice, code and drawings are not prose
    (corpus / "guide.org~").write_text("* Feeding\n\nThe lamb is fed three times a day.\n")
    (corpus / "#guide.org#").write_text("* Feeding\n\nThe lamb is fed twice a day.\n")
    (corpus / "build.py").write_text("print('the lamb is fed')\n")
    (corpus / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><text>Kestrel</text></svg>\n')
    report = builder(Settings(corpus=corpus, index=tmp_path / "index", embedder="hashing")).run()
    assert sorted(report.added) == ["README", "guide.org", "settings.xml"]
    skipped = {s["path"]: s["reason"] for s in report.skipped}
    assert skipped.pop("logo.webp") == "unsupported type .webp"
    assert skipped.pop("guide.org~") == skipped.pop("#guide.org#") == "an editor's backup or temporary file"
    assert skipped.pop("build.py").startswith("source code or data, not a document (.py")
    assert skipped.pop("logo.svg").startswith("source code or data, not a document (.svg")
    assert not skipped

    _, chunks = chunks_of(tmp_path, "guide.org", "* Feeding\n\nThe lamb is fed three times a day in its first week.\n")
    assert sentences_by_section(chunks) == {"Feeding": ["The lamb is fed three times a day in its first week."]}
    _, chunks = chunks_of(tmp_path, "settings.xml", SETTINGS_XML)
    text = " ".join(" ".join(readable_sentences(c)) for c in chunks)
    # the comment's "|" margin goes, so its lines unwrap into one sentence
    assert ("The path to the local repository the build tool will use to store artifacts, unless the "
            "command line names another.") in text
    # an element's name is the setting's name: not HTML, so not dropped as markup
    assert "<localRepository>/srv/cache/repository</localRepository>" in text
