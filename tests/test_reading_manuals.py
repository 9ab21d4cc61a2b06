"""Reading the documents a tool installs (issue 11): an Info manual by its chapters and options
without its navigation, a man page by its sections and keywords, and a configuration sample of
commented-out defaults by its comments and its settings; a table drawn with pipes cell by cell."""

from __future__ import annotations

from rag.ingest.chunker import readable_sentences
from tests.reading import ask_one_file, chunks_of, sentences_by_section


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


SETTINGS_SAMPLE = """\
# -----------------------------
# Server configuration file
# -----------------------------
#
# The commented-out settings shown in this file represent the default values.
# Re-commenting a setting is NOT sufficient to revert it to the default value;
# you need to reload the server.

#------------------------------------------------------------------------------
# CONNECTIONS
#------------------------------------------------------------------------------

#listen_addresses = 'localhost'\t\t# what IP address(es) to listen on;
#port = 5432\t\t\t\t# (change requires restart)
#max_connections = 100\t\t\t# (change requires restart)
"""


def test_a_configuration_file_of_commented_defaults_quotes_its_settings_and_comments(tmp_path):
    _, chunks = chunks_of(tmp_path, "server.conf.sample.txt", SETTINGS_SAMPLE)
    sections = sentences_by_section(chunks)
    assert "max_connections = 100 # (change requires restart)" in sections["CONNECTIONS"], \
        "each setting is a line of its own, quoted without its comment mark"
    assert "Re-commenting a setting is NOT sufficient to revert it to the default value; " \
           "you need to reload the server." in sections["Server configuration file"], \
        "a comment wrapped over lines is one sentence"
    answer = ask_one_file(tmp_path, "server.conf.sample.txt", SETTINGS_SAMPLE,
                          "what is the default max_connections")
    assert "max_connections = 100" in answer.text


SENSORS_SAMPLE = """\
# libsensors configuration file
# -----------------------------
#
# Only label, compute and set statements for internal voltage and
# temperature sensors are included. Configuration files for specific
# mainboards can be found in "configs" directory of lm-sensors package.

chip "lm78-*" "lm79-*"

    label temp1 "M/B Temp"

chip "w83792d-*"

    label in0 "VcoreA"
    label in1 "VcoreB"
    set in6_min 5.0 * 0.90
    set in6_max 5.0 * 1.10

chip "fscsyl-*"
# Fujitsu Technology Solutions, "Syleus"-Chip

    label temp1 "CPU Temp"
    label temp4 "Super I/O Temp"
    label fan1 "CPU Fan"
"""


def test_a_comment_block_among_many_statements_is_read_as_text(tmp_path):
    """sensors3.conf comments on far fewer lines than it states "chip" and "label": its opening
    comment was read as headings and lost, and "Syleus" (a chip's comment) was no sentence."""
    _, chunks = chunks_of(tmp_path, "sensors3.conf", SENSORS_SAMPLE)
    said = [s for piece in chunks for s in readable_sentences(piece)]
    assert any('can be found in "configs" directory of lm-sensors package.' in s for s in said), said
    assert any("Syleus" in s for s in said), said


APP_YAML = """\
# Example configuration for the frobnicator service.

server:
  # The address the HTTP API listens on. Use 0.0.0.0 to listen on all interfaces.
  host: 127.0.0.1
  # TCP port of the HTTP API.
  port: 8088
  # Seconds to wait for a client before closing an idle connection.
  idle_timeout: 75

storage:
  # Maximum size of one upload, in megabytes.
  max_upload_mb: 512
"""

WIDGET_TOML = """\
[tool.widget]
# How many worker processes to start; 0 means one per CPU core.
workers = 4
# Retry a failed job this many times before giving up.
retries = 3
"""


def test_comments_that_explain_settings_are_read_as_text(tmp_path):
    """A YAML or TOML file comments each setting on the line above it, on too few lines to count
    as mostly comments: its comments were read as Markdown headings and lost, leaving
    "port: 8088" with nothing to say what it is the port of. Each setting is a line of its own."""
    _, chunks = chunks_of(tmp_path, "app-config.yaml", APP_YAML)
    said = [s for piece in chunks for s in readable_sentences(piece)]
    assert "TCP port of the HTTP API." in said and "port: 8088" in said, said
    assert "Seconds to wait for a client before closing an idle connection." in said, said
    _, chunks = chunks_of(tmp_path, "widget.toml", WIDGET_TOML)
    said = [s for piece in chunks for s in readable_sentences(piece)]
    assert "Retry a failed job this many times before giving up." in said and "retries = 3" in said, said


USERADD_DEFAULTS = """\
# Default values for useradd(8)
#
# The SHELL variable specifies the default login shell on your
# system.
# However, we use "sh" here because useradd is a low level utility
# and should be as general as possible.
SHELL=/bin/sh
#
# The default home directory.
# HOME=/home
"""

PLAIN_PYPROJECT = """\
[build-system]
requires = ["flit_core >=3.2,<4"]
build-backend = "flit_core.buildapi"

[project]
name = "idna"
requires-python = ">=3.6"
"""


def test_a_comment_wrapped_between_settings_is_one_sentence(tmp_path):
    """/etc/default/useradd explains each setting in a comment wrapped over lines: read as code,
    line by line, the sentence was cut at "login shell on your". A commented-out setting is
    still a setting of its own, and a .toml file with no comment at all is read setting by
    setting, not unwrapped into one sentence."""
    _, chunks = chunks_of(tmp_path, "default-useradd", USERADD_DEFAULTS)
    said = [s for c in chunks for s in readable_sentences(c)]
    assert "The SHELL variable specifies the default login shell on your system." in said, said
    assert "SHELL=/bin/sh" in said and "HOME=/home" in said, said
    _, chunks = chunks_of(tmp_path, "idna-pyproject.toml", PLAIN_PYPROJECT)
    said = [s for c in chunks for s in readable_sentences(c)]
    assert 'build-backend = "flit_core.buildapi"' in said and 'requires-python = ">=3.6"' in said, said


UNITTEST_CFG = """\
[unittest]
plugins =
    unittest2.plugins.junitxml
excluded-plugins =

# true or false
catch =

[junit-xml]
always-on = False
path = junit.xml

[coverage]
# defaults to './htmlcov/'
html-directory =
"""


def test_a_section_line_heads_the_settings_under_it(tmp_path):
    """An INI file's "[junit-xml]" says whose "path = junit.xml" it is: read as a line of code, the
    setting stood alone. A setting left empty ("excluded-plugins =") is a setting, not a heading."""
    _, chunks = chunks_of(tmp_path, "unittest.cfg", UNITTEST_CFG)
    sections = sentences_by_section(chunks)
    assert sections["junit-xml"] == ["always-on = False", "path = junit.xml"], sections
    assert "excluded-plugins =" in sections["unittest"], sections
    assert sections["coverage"] == ["defaults to './htmlcov/'", "html-directory ="], sections


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
