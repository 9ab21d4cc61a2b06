"""Reading the documents a tool installs (issue 11): an Info manual by its chapters and options
without its navigation, a man page by its sections and keywords, and a table drawn with pipes cell
by cell. Configuration files are tests/test_reading_configuration.py."""

from __future__ import annotations

from rag.ingest.chunker import readable_sentences
from tests.reading import chunks_of, sentences_by_section


INFO_MANUAL = """\
This is tool.info, produced by makeinfo version 6.8 from tool.texi.

INFO-DIR-SECTION Individual utilities
START-INFO-DIR-ENTRY
* tool: (tool).                 Compress files.
END-INFO-DIR-ENTRY

\x1f
File: tool.info,  Node: Top,  Next: Overview,  Up: (dir)

* Menu:

* Overview::            Preliminary information.
* Invoking tool::       How to run 'tool'.

\x1f
File: tool.info,  Node: Invoking tool,  Next: Overview,  Prev: Top,  Up: Top

3 Invoking 'tool'
*****************

The format for running the 'tool' program is described here.

'--force'
'-f'
     Force compression even if the file has multiple links or the
     compressed file already exists.

'--rsyncable'
     Make an rsync-friendly archive.  This option is ignored when
     decompressing.
"""

MAN_PAGE = """\
WIDGET.CONF(5)              File Formats Manual             WIDGET.CONF(5)

NAME
       widget.conf - configuration file for widgetd(8)

DESCRIPTION
       The file /etc/widget.conf holds one option = value pair per line.
       Double or single quotes are allowed around the value, as is
       whitespace around the equals sign.

       Comment lines must have a hash sign (#) in the first column, and
       blank lines are ignored.  The valid configuration options are:

       DIR_MODE
              The permissions mode for the directories widgetd creates.
              Defaults to 0700.

       DHOME  The directory in which new widget homes should be created.
              Defaults to /srv/widgets.

widgetd 3.1                      2023-01-08                 WIDGET.CONF(5)
"""


def test_an_info_manual_reads_its_chapters_and_options_not_its_navigation(tmp_path):
    """An Info file's node lines, menus and directory entry are navigation, not passages; a
    chapter underlined with stars is a heading, and each option heads what it does, its name kept
    in the sentence so that "which option forces ..." finds it."""
    document = (tmp_path / "tool.info.txt")
    _, chunks = chunks_of(tmp_path, document.name, INFO_MANUAL.replace("\x1f\n", "\n"))
    sections = sentences_by_section(chunks)
    text = " ".join(piece.text for piece in chunks)
    assert "Node:" not in text and "Menu:" not in text and "INFO-DIR" not in text, text
    assert not any("Node:" in s for s in sections), sorted(sections)
    force = next(s for s in sections if "--force" in s)
    assert force.startswith("3 Invoking 'tool'"), force
    assert any("Force compression even if" in s and "'-f'" in s for s in sections[force]), sections[force]
    assert any(s.endswith("'--rsyncable'") for s in sections), sorted(sections)


def test_a_man_page_reads_its_sections_and_keywords_as_headings(tmp_path):
    """A man page's upper-case sections and the keywords over their indented descriptions (also
    "DHOME  The directory ..." with the description aligned after it) are headings; its running
    header and footer are no passage."""
    _, chunks = chunks_of(tmp_path, "widget.conf.5.txt", MAN_PAGE)
    sections = sentences_by_section(chunks)
    assert sections["NAME"] == ["widget.conf - configuration file for widgetd(8)"], sections
    assert any("Defaults to 0700." in s for s in sections["DESCRIPTION › DIR_MODE"]), sorted(sections)
    assert any("Defaults to /srv/widgets." in s for s in sections["DESCRIPTION › DHOME"]), sorted(sections)
    assert not any("File Formats Manual" in piece.text or "2023-01-08" in piece.text for piece in chunks)


ORG_TABLE = """* Debug flags

This table gives the flag values for the --debug option.

|       | gpg     | gpgsm   | agent   |
|-------+---------+---------+---------|
|     1 | packet  | x509    |         |
|     8 | filter  |         |         |
|  1024 | ipc     | ipc     | ipc     |
"""

GRID_TABLE = """1.3.  Sections of the manual

       The manual is split into sections, by the types of pages they contain.

       +--------+------------------------------------------------------+
       |Section |                   Section contents                   |
       +--------+------------------------------------------------------+
       |   1    | user executable programs or shell commands           |
       |   2    | system calls (functions provided by the kernel)      |
       +--------+------------------------------------------------------+
"""


def test_a_table_drawn_in_plain_text_reads_cell_by_cell_under_its_headers(tmp_path):
    """An org-mode table of debug flags and a man page's grid of sections are tables: each cell is
    read with its column's header and its row's label, and an empty cell leaves the ones after it
    under their own headers."""
    _, chunks = chunks_of(tmp_path, "DETAILS.txt", ORG_TABLE)
    [table] = [c for c in chunks if c.kind == "table"]
    cells = readable_sentences(table)
    assert "gpg, 1024: ipc" in cells and "agent, 1024: ipc" in cells
    assert "gpg, 8: filter" in cells and not any(c.startswith("gpgsm, 8") for c in cells)
    assert "gpgsm, 1: x509" in cells
    _, chunks = chunks_of(tmp_path, "man-db.txt", GRID_TABLE)
    [table] = [c for c in chunks if c.kind == "table"]
    assert "Section contents, 2: system calls (functions provided by the kernel)" in readable_sentences(table)


OPTIONS_PAGE = """\
NAME
       tool - browse source code

OPTIONS
       Some arguments can only occur alone and exit immediately:

       -h     View the long usage help display.

       -V     Print the version number on the first line of the screen.

       --help Same as -h

       --version
              Same as -V

       -d     Do not update the cross-reference.

ENVIRONMENT VARIABLES
       EDITOR Preferred editor, which defaults to vi.
"""


def test_an_option_with_its_text_on_one_line_is_no_heading(tmp_path):
    """"--help Same as -h" (one space apart, the option being wider than the column) is a term of
    the options, not a heading that took every option after it out of OPTIONS (cscope)."""
    _, chunks = chunks_of(tmp_path, "tool.1.txt", OPTIONS_PAGE)
    assert not any("--help" in c.section for c in chunks), [c.section for c in chunks]
    assert {c.section.split(" › ")[0] for c in chunks} == {"NAME", "OPTIONS", "ENVIRONMENT VARIABLES"}


def test_an_option_on_one_line_heads_its_own_text(tmp_path):
    """"-d     Do not update the cross-reference." stood under "-c" above it, whose text wraps, and
    citations labelled what -d does "OPTIONS › -c" (cscope)."""
    page = OPTIONS_PAGE.replace("       -d ", "       -c     Use only ASCII characters in the cross-reference file,\n"
                                          "              that is, do not compress the data.\n\n       -d ")
    _, chunks = chunks_of(tmp_path, "tool.1.txt", page)
    sections = sentences_by_section(chunks)
    assert sections["OPTIONS › -d"] == ["-d Do not update the cross-reference."], sections
    assert sections["OPTIONS › -h"] == ["-h View the long usage help display."], sections
