"""Reading a changelog or NEWS file (issue 11): each change under the release its heading names,
a release line heading the items after it, and one-line dated entries kept as text."""

from __future__ import annotations

from rag.ingest.chunker import list_item_sentences, readable_sentences
from tests.reading import ask_one_file, chunks_of, sentences_by_section


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


PYGMENTS_STYLE = """\
Tool changelog
==============

Version 2.14.0
--------------
(released January 1st, 2023)

- Added lexers for Arturo and Wren.
- The HTML formatter now escapes quotes.

Version 2.13.0
--------------
(released August 15th, 2022)

- Added the dracula style.
"""


def test_a_remark_in_brackets_under_a_release_heading_dates_its_release(tmp_path):
    """"Version 2.14.0" over "(released January 1st, 2023)": the remark is the heading's own, so a
    date question finds the release's date in the section's name; read as a sentence, it was a
    fragment that never won, and "when did pygments 2.14.0 come out" was refused."""
    _, chunks = chunks_of(tmp_path, "tool-changelog", PYGMENTS_STYLE)
    assert set(sentences_by_section(chunks)) >= {"Version 2.14.0 (released January 1st, 2023)",
                                                  "Version 2.13.0 (released August 15th, 2022)"}
    (tmp_path / "asked").mkdir()
    answer = ask_one_file(tmp_path / "asked", "tool-changelog", PYGMENTS_STYLE, "when did tool 2.13.0 come out")
    assert not answer.refused and "August 15th, 2022" in answer.text, answer.text


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


def test_a_news_file_keeps_release_headings_over_its_items(tmp_path):
    """A release named under a rule line heads its "* " items; an indented line is body text."""
    _, chunks = chunks_of(tmp_path, "NEWS.txt", OLD_NEWS)
    sections = sentences_by_section(chunks)
    assert "Tool 4.2" in sections, sorted(sections)
    assert any("now released under GPLv3" in s for s in sections["Tool 4.2"])
    release = "Noteworthy changes in release 4.3 (2016-12-30) [stable] › Improvements"
    assert any("typically 10x faster" in s for s in sections[release]), sorted(sections)


def test_a_release_line_after_one_line_release_notes_heads_its_items(tmp_path):
    """"* Changes in Wget 1.5.0" after "* Wget 1.5.1 is a bugfix release ..." heads the "** " items
    under it; read as one more list item, they were labelled with the release before (1.6)."""
    news = ("* Changes in Wget 1.6\n\n** The `;type=a' appendix to FTP URLs is now recognized.\n\n"
            "* Wget 1.5.2 is a bugfix release with no user-visible changes.\n\n"
            "* Wget 1.5.1 is a bugfix release with no user-visible changes.\n\n"
            "* Changes in Wget 1.5.0\n\n"
            "** Wget now understands proxy settings with explicit usernames and\npasswords.\n\n"
            "** You can use the new `--cut-dirs' option to make Wget create less\ndirectories.\n")
    _, chunks = chunks_of(tmp_path, "wget-NEWS.txt", news)
    sections = sentences_by_section(chunks)
    proxy = next(section for section, sentences in sections.items() if any("proxy" in s for s in sentences))
    assert "Changes in Wget 1.5.0" in proxy, sections


def test_one_line_entries_of_a_news_file_are_text_not_headings(tmp_path):
    """libarchive's NEWS dates one-line entries, a blank line apart: each read as a heading that
    headed nothing, so "Dec 01, 2020: libarchive 3.5.0 released" was in no passage and "release
    date of libarchive 3.5.0?" was refused as naming a release the corpus never mentions."""
    text = ("Apr 08, 2022: libarchive 3.6.1 released\n\nFeb 09, 2022: libarchive 3.6.0 released\n\n"
            "Dec 01, 2020: libarchive 3.5.0 released\n\nOct 14, 2020: Support for system extended attributes\n\n"
            "May 20, 2020: libarchive 3.4.3 released\n\n"
            "Mar 21, 2006: 1.2.52 released\nMar 21, 2006: Fix -p on platforms that don't have\n"
            "   platform-specific extended attribute code.\n")
    _, chunks = chunks_of(tmp_path, "libarchive-NEWS", text)
    said = [s for piece in chunks for s in readable_sentences(piece)]
    for entry in ("Dec 01, 2020: libarchive 3.5.0 released", "Oct 14, 2020: Support for system extended attributes"):
        assert entry in said, said


DATED_RELEASES = """\
3.42.2 - 2022-07-16
-------------------

* Error out instead of crashing when marshaling unsupported types
* Add a workaround for a PyPy 3.9+ bug when threads are used


3.42.1 - 2022-04-17
-------------------

* Do not error out for unknown scopes
* Some test/CI fixes
"""


def test_an_underlined_release_line_heads_its_changes(tmp_path):
    """"3.42.2 - 2022-07-16" over a rule of dashes is the release's heading, though it has no word:
    each release's changes are read under it, none under the release before, and asked for the
    release date, the answer shows it (it was a sentence of the changes above it, and lost)."""
    _, chunks = chunks_of(tmp_path, "tool-NEWS", DATED_RELEASES)
    found = sentences_by_section(chunks)
    assert found["3.42.1 - 2022-04-17"] == ["Do not error out for unknown scopes", "Some test/CI fixes"]
    assert not any("2022" in s for sentences in found.values() for s in sentences)
    (tmp_path / "ask").mkdir()
    answer = ask_one_file(tmp_path / "ask", "tool-NEWS", DATED_RELEASES, "release date of tool 3.42.1?")
    assert not answer.refused and "2022-04-17" in answer.text, answer.text


DATED_LINES = """\
Tool NEWS

The release notes of tool 2.0.0 and of every later release are kept in the ChangeLog.
Older releases are described in the project's web pages.

Mar 03, 2021: tool 2.1.0 released

Nov 12, 2020: tool 2.0.0 released

Sep 30, 2020: Support for reading compressed archives

Jun 02, 2020: tool 1.9.0 released
"""


def test_a_dated_line_without_a_full_stop_answers_a_date_question(tmp_path):
    """"Nov 12, 2020: tool 2.0.0 released" has no full stop, as a headline has none, but it states
    the date asked for: it is the answer, not the prose that names the release without a date."""
    answer = ask_one_file(tmp_path, "tool-NEWS", DATED_LINES, "release date of tool 2.0.0?")
    assert not answer.refused and "Nov 12, 2020" in answer.text, answer.text


THREE_RELEASES = NEWS + """
* Noteworthy changes in release 1.5 (2012-06-18) [stable]

** Bug fixes

  zipper no longer crashes on empty input files.
"""


def test_the_date_of_another_release_is_not_given_for_the_one_asked(tmp_path):
    """Asked when zipper 1.5 came out, the answer gives 1.5's date and no sentence under 1.6's
    heading: that heading states a date too, but of another release."""
    answer = ask_one_file(tmp_path, "zipper-NEWS.txt", THREE_RELEASES, "release date of zipper 1.5")
    assert "2012-06-18" in answer.text and "2013-06-09" not in answer.text, answer.text


DEBIAN_CHANGELOG = """\
gzip (1.12-1) sid; urgency=high

  * new upstream release
    - zgrep: fix arbitrary-file-write vulnerability
      address CVE-2022-1271 (closes: #1009168)
  * update copyright notice

 -- Milan Kupcevic <milan@debian.org>  Sat, 09 Apr 2022 22:22:26 -0400

gzip (1.10-4) sid; urgency=medium

  * skip out of range timestamp test on mips64el (closes: #983706)

 -- Milan Kupcevic <milan@debian.org>  Tue, 02 Mar 2021 18:30:16 -0500
"""


def test_a_debian_changelog_entry_holds_its_own_signature_and_items(tmp_path):
    """changelog.Debian closes each entry with " -- Name <address>  date": read as plain text, that
    line headed the next entry, so the date shown for gzip 1.10-4 was 1.12-1's, and an entry's one
    "* item" headed the signature after it. Each entry line heads its items and its signature, and
    is quoted too (its urgency is a fact)."""
    _, chunks = chunks_of(tmp_path, "gzip-changelog.Debian", DEBIAN_CHANGELOG)
    sections = sentences_by_section(chunks)
    entry = sections["gzip (1.10-4) sid; urgency=medium"]
    assert entry[0] == "gzip (1.10-4) sid; urgency=medium", entry
    assert "skip out of range timestamp test on mips64el (closes: #983706)" in entry, entry
    assert any("Tue, 02 Mar 2021" in s for s in entry), entry
    newest = sections["gzip (1.12-1) sid; urgency=high"]
    assert any("Sat, 09 Apr 2022" in s for s in newest) and not any("2021" in s for s in newest), newest


def test_a_gnu_news_item_states_a_fact_without_a_full_stop(tmp_path):
    """wget's NEWS lists a release's changes as "** Fix ..." items with no full stop: read as
    headline fragments, none was quoted, and "release date of wget 1.21.3?" was refused as
    stating no date. An item is a fact, quoted under the heading that dates it, and the heading
    leads only the first sentence shown under it."""
    news = ("* Noteworthy changes in release 1.21.3 (2022-02-26)\n\n"
            "** Fix computation of total bytes downloaded during FTP transfers\n\n"
            "** Add option to select TLS 1.3 on the command line\n\n"
            "* Noteworthy changes in release 1.21.2 (2021-09-07)\n\n"
            "** Do not follow redirects to pages outside the given domain\n")
    _, chunks = chunks_of(tmp_path, "wget-NEWS.txt", news)
    first = next(c for c in chunks if "1.21.3" in c.section)
    assert list_item_sentences(first) == frozenset(range(len(first.sentences))), first.text
    (tmp_path / "ask").mkdir()
    answer = ask_one_file(tmp_path / "ask", "wget-NEWS.txt", news, "release date of wget 1.21.3?")
    assert not answer.refused and "2022-02-26" in answer.text, answer.text
    assert answer.text.count("Noteworthy changes in release 1.21.3") == 1, answer.text
