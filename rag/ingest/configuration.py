"""Configuration files read as text: which files are one, and how a paragraph of one splits.

A configuration file (postgresql.conf.sample, a YAML or TOML file, an INI file, /etc/default/*) is
read with its comment marks as spaces, one for one (`uncommented`), so its comments unwrap as prose.
A paragraph that holds settings is cut at its "[section]" lines (`pieces`), and each piece into
runs of comment lines (prose) and settings (code, one a line: `blocks`). `rag.ingest.plaintext`
puts the pieces under their headings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rag.records import Block

# A line opening with "#" or ";" (after any indentation): a comment of a configuration file.
_COMMENT_MARK = re.compile(r"^([ \t]*)([#;]+)", re.MULTILINE)
COMMENTED_SHARE = 0.5  # of non-blank lines: a file mostly commented out is configuration, not prose
# Consecutive lines opening with a comment mark at their first column: a comment block that explains
# settings, however many lines the settings take (sensors3.conf's opening comment, 16 lines among
# 200 lines of "chip" and "label", read as headings and lost). Markdown written without its suffix
# hardly stacks three heading lines.
COMMENT_RUN = 3
_COMMENT_RUN = re.compile(rf"(?:^[#;][^\n]*(?:\n|$)){{{COMMENT_RUN}}}", re.MULTILINE)
# "max_connections = 100", YAML's "max_upload_mb: 512", or an INI setting left empty ("failfast =")
_SETTING = re.compile(r"^[ \t]*(?:(?:[A-Za-z_][\w.-]*[ \t]*=|[a-z_][\w.-]*:)[ \t]*\S|[A-Za-z_][\w.-]*[ \t]*=[ \t]*$)",
                      re.MULTILINE)
# A comment line over a setting ("# TCP port of the HTTP API." over "port: 8088", YAML's or TOML's
# way to explain each setting): `COMMENTED_SETTINGS` of them make a configuration file, however few
# of its lines are comments. A YAML key opens in lower case, as "Note: ..." under a heading does not.
_COMMENTED_SETTING = re.compile(r"^[ \t]*[#;][^\n]*\n" + _SETTING.pattern.lstrip("^"), re.MULTILINE)
COMMENTED_SETTINGS = 2
# An INI or TOML section line: "[junit-xml]", "[tool.widget.cache]", "[[tool.mypy.overrides]]"
_SECTION = re.compile(r"^[ \t]*\[{1,2}([^\[\]\n=]{1,80})\]{1,2}[ \t]*$", re.MULTILINE)


# Suffixes of configuration files: read as such even with few comments or none (a pyproject.toml
# of "name = value" lines unwrapped into one sentence).
SUFFIXES = frozenset({".conf", ".cfg", ".ini", ".toml", ".yaml", ".yml", ".properties"})


def uncommented(text: str, configuration_file: bool = False) -> str | None:
    """The text with its comment marks as spaces, one for one, when it is a configuration file
    (`configuration_file`, as its suffix says), most of its lines are comments, it holds a block of
    `COMMENT_RUN` comment lines, or comments explain its settings; else None.
    postgresql.conf.sample had no sentence to quote: every line opened with "#" and read as a
    heading mark (corpus9)."""
    if not (configuration_file or _commented(text)):
        return None
    return _COMMENT_MARK.sub(lambda m: m.group(1) + " " * len(m.group(2)), text)


def _commented(text: str) -> bool:
    """Whether comments make the text a configuration file, whatever its suffix."""
    lines = [line for line in text.split("\n") if line.strip()]
    comments = len(_COMMENT_MARK.findall(text))
    return bool(lines) and (comments >= COMMENTED_SHARE * len(lines) or bool(_COMMENT_RUN.search(text))
                            or len(_COMMENTED_SETTING.findall(text)) >= COMMENTED_SETTINGS)


def holds_settings(paragraph: str) -> bool:
    """A setting or a section line stands in the paragraph."""
    return bool(_SETTING.search(paragraph) or _SECTION.search(paragraph))


def blocks(path: tuple[str, ...], written: str, start: int, end: int) -> list[Block]:
    """A configuration paragraph as blocks: its settings code, one a line (commented out or not),
    and each run of comment lines between them prose, so a comment wrapped over lines is one
    sentence ("The SHELL variable specifies the default login shell on your\n# system." was cut at
    its line's end). `written` is the file as written, its comment marks in place, offset for
    offset."""
    found: list[Block] = []
    position = start
    for line in written[start:end].split("\n"):
        line_start = written.rfind("\n", 0, position) + 1  # the paragraph may start after a line's "# "
        commented = written[line_start:position + len(line)].lstrip().startswith(("#", ";"))
        setting = _SETTING.match(_COMMENT_MARK.sub("", line, count=1))  # "#port = 5432" is one
        kind = "prose" if commented and not setting else "code"
        if found and found[-1].kind == kind:
            found[-1] = Block(path, found[-1].start, position + len(line), kind)
        elif line.strip():
            found.append(Block(path, position, position + len(line), kind))
        position += len(line) + 1
    return found


def pieces(text: str, start: int, end: int) -> Iterator[tuple[int, int, str]]:
    """A configuration paragraph in pieces: (start, end, "") for its lines of settings and
    comments, (start, end, name) for each section line."""
    position = start
    for line in _SECTION.finditer(text, start, end):
        if text[position:line.start()].strip():
            yield position, line.start(), ""
        yield line.start(), line.end(), line.group(1).strip()
        position = line.end()
    if text[position:end].strip():
        yield position, end, ""
