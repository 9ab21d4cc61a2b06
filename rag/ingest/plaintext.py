"""Plain-text structure: the headings a .txt file shows without Markdown, as blocks with spans.

Paragraphs are runs of lines between blank lines. A paragraph that is one short line not ending
in a full stop ("GNU gzip NEWS", "* Noteworthy changes in release 1.6", "TERMS AND CONDITIONS") is
a heading; so is the lead of a numbered section ("3. Grant of Patent License. Subject to...") and a
release line ending in a colon ("Changes in 2.40:"). A heading that asks ("12. Is zlib
thread-safe?", or a numbered or "Q:" question wrapped over several lines) opens an FAQ block
holding its answer, as a Markdown question heading does; the paragraph after it is that answer.
Outline stars and section numbers give the heading's level. A line of dashes, equals signs,
tildes, stars or dots separates paragraphs, as a blank line does ("-----" over a release name, a
Setext underline, an Info chapter's "*****"). A term over a body indented deeper (a man page's
"DESCRIPTION", an option or keyword over what it does) is a heading too; a numbered or starred line
that heads nothing (a one-line item before its sibling) is text. An Info file's node lines, menus
and tag table, and a man page's running header and footer, are navigation and skipped. A
paragraph indented deeper than the text around it is code (a command line, an example), unless
it reads as prose (body text, never a heading) or as a title of plain words (a heading). A
one-line "* item" next to another "* " paragraph is a list item, unless deeper "** " items follow
it (then it heads them); an unmarked short line indented under a "** " heading is a line of its
body, and an Emacs mode line is skipped. A paragraph drawn as a table (pipes, a rule under the
header row: org-mode's, or a grid of "+----+" rules) is a table.

A configuration file of commented-out defaults (postgresql.conf.sample: most lines open with "#"),
or one whose comments explain its settings line by line (YAML, TOML), is read with its comment
marks as spaces, one for one, so its comments unwrap as prose and its banners head sections; a
paragraph of "name = value" or "name: value" settings is code, one setting per line, under the
"[section]" line above it. In a Debian changelog only the entry lines ("gzip (1.12-1) sid;
urgency=high") head sections; items and the closing " -- Name <address>  date" are their text.
"""

from __future__ import annotations

import re
from pathlib import Path

from rag.ingest import configuration, drawn_table, markdown
from rag.records import Block, Document

# a blank line, or a rule line of dashes, equals signs, tildes, stars or dots (an Info file
# underlines its chapters with stars and its subsubsections with dots)
BREAK = re.compile(r"\n[ \t\r]*\n|^[ \t]*(?:-{4,}|={4,}|~{4,}|\*{4,}|\.{4,})[ \t\r]*$", re.MULTILINE)
# a line underlined with a rule ("3.42.2 - 2022-07-16" over dashes, as reStructuredText and many
# NEWS files mark sections): a heading, even without a word ("3.42.2 - 2022-07-16" has none) or
# where it would read as a list item or a line of text ("REQUIREMENTS:" over dashes, libpfm4)
_UNDERLINE = re.compile(r"\n[ \t]*(-{4,}|={4,}|~{4,}|\^{4,}|\*{4,})[ \t\r]*(?=\n|$)")
UNDERLINE_SHARE = 0.8  # of the line's length: a rule much shorter than the line is a separator
CODE_INDENT = 4  # columns deeper than the text's usual indentation that make a paragraph code
QUESTION_MAX_CHARS = 400  # a numbered paragraph ending in "?" up to this long is an FAQ question
HEADING_MAX_CHARS = 80
# "3. Grant of Patent License. Subject to ..." -> the number and the section's name
_NUMBERED_LEAD = re.compile(r"\s*((?:\d{1,3}\.)+\d{0,3}|\d{1,3}\))\s+([A-Z][^.\n]{2,60}?)\.(?:\s|$)")
_NUMBERED_QUESTION = re.compile(r"\s*((?:\d{1,3}\.)+\d{0,3})\s+[^\n]{3,200}\?[ \t]*(?=\n)")
_NUMBER = re.compile(r"\s*(?:\d{1,3}[.)])+(?:\d{1,3}\.?)?\s+")
_QUESTION_MARK = re.compile(r"\s*(?:Q|Question)\s*[.:]\s", re.I)  # "Q:  I have installed xz, but ..."
# An indented paragraph of this many words, mostly plain words, with a sentence end, is indented
# prose (the Artistic licence's tab-indented definitions), not code.
PROSE_MIN_WORDS, PROSE_WORD_SHARE = 8, 0.8
_PLAIN_WORD = re.compile(r"[\"'‘“(<]*[A-Za-z0-9][A-Za-z0-9'’-]*[.,;:!?)>\"'’”]*")
_SENTENCE_END = re.compile(r"[A-Za-z)][.!?][\"'’”)]*(?:\s|$)")
_COLUMNS = re.compile(r"\S {3,}\S")  # "man-db     v2.11.2     2023-01-08": a page header or table row
_FRAGMENT = re.compile(r"[a-z][\w'’]*(?: +\S+){2,}")  # "can be added to $HOME/.login": a sentence's tail
# "Changes in 2.40:", "Version 1.2.3 (2020-01-05):": a release heading that ends in a colon, which
# other short lines ending in one ("The mode is as follows:") are not
_RELEASE_LINE = re.compile(r"[A-Z][\w ]{0,40}?\b\d+(?:\.\d+)+[\w.-]*(?: \([^()\n]{1,30}\))?:")
# A line wholly in brackets right under a heading line is the heading's own remark: "Version 2.14.0"
# over "(released January 1st, 2023)" (pygments' changelog) is dated by it, and a date question
# then finds the release's date in the section's name, as for "Major changes in 1.20 (2022-05-26)"
_REMARK = re.compile(r"\([^()\n]{1,60}\)")
# an option with its text on the line ("--help Same as -h", one space apart where the option is
# wider than the column): a man page's term, not a heading over the options after it (cscope)
_OPTION = re.compile(r"\s*--?[A-Za-z0-9]")
_MODE_LINE = re.compile(r"-\*-.*-\*-")  # "-*- text -*-": an Emacs mode line, for the editor only
_OUTLINE = re.compile(r"\s*(\*{1,6}|={2,}|-{2,})\s+")
_BULLET = re.compile(r"\s*[-*•+]\s")
_INLINE_TERM = re.compile(r"\s*(\S+)\s{2,}(\S)")  # "DHOME  The directory in which new home ..."
TERM_MAX_CHARS, TERM_MAX_WORDS = 60, 6
# words a wrapped line of a sentence ends on, and a term never does ("(a) You must give any other
# recipients of the Work or" over its hanging indentation)
_RUNS_ON = frozenset("a an and or nor the of to in on at by for from with as that which than".split())
_LETTERED = re.compile(r"\s*\(?[A-Za-z]{1,3}[.)]\s")  # "(b) You must cause ...", "a) ...", "iv. ..."
# What an Info file (a GNU manual as `info` reads it) shows for navigation, not text: the node
# line over each node ("File: gzip.info,  Node: Overview,  Next: Sample,  Prev: Top,  Up: Top"),
# menus ("* Overview::  Preliminary information.", an index's "* bugs:  Problems.  (line 6)"),
# the directory entry and the tag table at the ends, and Emacs's local variables.
_INFO_NODE = re.compile(r"File: [^,\n]+,\s+Node: [^\n]*(?:\n|$)")
_INFO_MENU_ITEM = re.compile(r"\* [^\n:]+::|\* [^\n:]+:\s+[^\n]*\(line +\d+\)\s*$")
# a man page's running header or footer: "TAR(1)     GNU TAR Manual     TAR(1)", "tar 1.34   2021   TAR(1)"
_MAN_RUNNING_LINE = re.compile(r"[^\n]*\S {3,}[^\n]*\S {3,}[A-Za-z][\w.:-]*\(\d\w*\)[ \t]*")
_INFO_BLOCK = ("* Menu:", "INFO-DIR-SECTION", "START-INFO-DIR-ENTRY", "Tag Table:", "End Tag Table", "Local Variables:")


def is_navigation(paragraph: str) -> bool:
    """An Info file's menu, directory entry, tag table or node line, or a man page's running
    header or footer: no text to quote."""
    if paragraph.startswith(_INFO_BLOCK) or _INFO_NODE.fullmatch(paragraph) or _MAN_RUNNING_LINE.fullmatch(paragraph):
        return True
    items = [line for line in paragraph.splitlines() if line.startswith("* ")]
    return bool(items) and all(_INFO_MENU_ITEM.match(line) for line in items)


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph, without its surrounding whitespace."""
    found, position = [], 0
    for gap in [*BREAK.finditer(text), None]:
        end = gap.start() if gap else len(text)
        piece = text[position:end]
        if piece.strip():
            found.append((position + len(piece) - len(piece.lstrip()), position + len(piece.rstrip())))
        position = gap.end() if gap else len(text)
    return found


# what may close a sentence after its stop: "(The -up option to GNU diff.)" ends a sentence, and
# as the last paragraph of gtk2's README it was read as a heading over nothing, so it was lost
_CLOSERS = ")]\"'’”"


def heading_of(paragraph: str) -> tuple[int, str, int] | None:
    """(level, heading, where the text after it starts) when the paragraph is, or opens with, a
    heading; else None. A numbered line may end in a full stop ("4. compress() returns an error.")."""
    number = _NUMBER.match(paragraph)
    if (number or _QUESTION_MARK.match(paragraph)) and paragraph.endswith("?") and len(paragraph) <= QUESTION_MAX_CHARS:
        level = 2 + (number.group(0).strip().rstrip(".)").count(".") if number else 0)
        return level, " ".join(paragraph.split()), len(paragraph)  # "5.3. Memcheck's ... values?" wrapped
    asked = _NUMBERED_QUESTION.match(paragraph)
    if asked:  # "1.1. How do you pronounce "Valgrind"?" with its answer on the next line
        number = asked.group(1).rstrip(".")
        return 2 + number.count("."), asked.group(0).strip(), asked.end()
    if _RELEASE_LINE.fullmatch(paragraph.strip()):
        return 2, paragraph.strip().rstrip(":"), len(paragraph)
    lead = _NUMBERED_LEAD.match(paragraph)
    if lead and paragraph[lead.end():].strip():
        return 2 + lead.group(1).rstrip(".").count("."), f"{lead.group(1)} {lead.group(2)}", lead.end()
    if "\n" not in paragraph and len(paragraph) <= HEADING_MAX_CHARS \
            and (number or not paragraph.rstrip(_CLOSERS).endswith((".", ",", ";", ":"))) \
            and not _COLUMNS.search(paragraph.strip()) and (number or not _FRAGMENT.match(paragraph)) \
            and not paragraph.startswith(("[", "(", "<", "$")) and not _OPTION.match(paragraph) \
            and "://" not in paragraph \
            and markdown.shows_words(paragraph):
        outline = _OUTLINE.match(paragraph)
        if outline:
            return min(len(outline.group(1)), 6) + 1, paragraph[outline.end():].strip(), len(paragraph)
        level = 2 + (number.group(0).strip().rstrip(".)").count(".") if number else 0)
        return level, paragraph.strip(), len(paragraph)
    return None


def underline_of(text: str, end: int) -> str:
    """The rule character underlining the one-line paragraph that ends at `end`, or ""."""
    line = text[text.rfind("\n", 0, end) + 1:end].strip()
    rule = _UNDERLINE.match(text, end)
    return rule.group(1)[0] if rule and line and len(rule.group(1)) >= UNDERLINE_SHARE * len(line) else ""


def hanging_term(paragraph: str, indent: int) -> tuple[int, str, int] | None:
    """(level, term, where its body starts) when the paragraph is a term over a body indented
    deeper, as man pages and Info manuals lay out sections, options and keywords: "DESCRIPTION"
    over its text, "‘--force’" and "‘-f’" over what the option does, "DHOME  The directory in
    which ..." with the body aligned after the term. A man page's upper-case section is level 2;
    a term's level is 0, for `document` to place it under the heading before its run of terms.
    The term stays in the body's text, so its sentence names what it describes; a section name
    does not."""
    lines = paragraph.split("\n")
    if _NUMBER.match(paragraph) or _BULLET.match(paragraph) or _LETTERED.match(paragraph):
        return None
    if len(lines) == 1:  # "-d     Do not update the cross-reference.": an option over its one line
        inline = _INLINE_TERM.match(paragraph)  # stood under "-c" above it (cscope's man page)
        return (0, inline.group(1), 0) if inline and _OPTION.match(inline.group(1)) else None
    depths = [len(line.expandtabs()) - len(line.expandtabs().lstrip()) for line in lines[1:]]
    inline = _INLINE_TERM.match(lines[0])
    if inline and depths[0] == indent + inline.start(2) and min(depths) >= depths[0]:
        terms, body_line = [inline.group(1)], 0
    else:
        body_line = next((i for i, depth in enumerate(depths) if depth != indent), None)
        if body_line is None or body_line > 2 or depths[body_line] < indent + 2 \
                or min(depths[body_line:]) < depths[body_line]:
            return None
        terms = [line.strip() for line in lines[: body_line + 1]]
    # a term names a thing; "Q:  Why is liblzma named ..." or a line ending a sentence does not
    if any(len(term) > TERM_MAX_CHARS or len(term.split()) > TERM_MAX_WORDS or term.endswith((".", ",", ";", ":", "?"))
           or term.split()[-1].lower() in _RUNS_ON for term in terms):
        return None
    name = ", ".join(terms)
    if name.isupper() and indent == 0:
        return 2, name, len("\n".join(lines[: body_line + 1]))
    return 0, name, 0


def reads_as_prose(paragraph: str) -> bool:
    """Mostly plain words and a sentence end: prose (the Artistic licence's tab-indented
    definitions), however deeply it is indented."""
    words = paragraph.split()
    plain = sum(1 for word in words if _PLAIN_WORD.fullmatch(word))
    return len(words) >= PROSE_MIN_WORDS and plain >= PROSE_WORD_SHARE * len(words) \
        and bool(_SENTENCE_END.search(paragraph))


def reads_as_title(paragraph: str) -> bool:
    """One line of plain words opening with a capital, no comma: a centred "Preamble", an indented
    release heading ("Major changes between "less" versions 581 and 590"), not a command."""
    words = paragraph.split()
    return "\n" not in paragraph and "," not in paragraph and paragraph.lstrip()[:1].isupper() \
        and all(_PLAIN_WORD.fullmatch(word) for word in words)


def _indent(text: str, start: int) -> int:
    """Columns of indentation of the line holding `start`."""
    line_start = text.rfind("\n", 0, start) + 1
    return len(text[line_start:start].expandtabs())


def _usual_indent(text: str, spans: list[tuple[int, int]]) -> int:
    """The indentation most of the text's paragraphs have (by characters)."""
    weight: dict[int, int] = {}
    for start, end in spans:
        indent = _indent(text, start)
        weight[indent] = weight.get(indent, 0) + end - start
    return max(weight, key=weight.get) if weight else 0


def _is_body_line(paragraph: str, indent: int, outline_indent: int | None) -> bool:
    """A short line with no number or outline mark, indented deeper than the "** Improvements"
    outline heading over it ("  sed's matching is now 10x faster" in a NEWS file): a line of the
    body, not a heading."""
    return outline_indent is not None and indent > outline_indent \
        and not (_NUMBER.match(paragraph) or _OUTLINE.match(paragraph))


def _is_list_item(paragraph: str, beside: tuple[str, str]) -> bool:
    """A one-line "* item" whose previous or next paragraph opens with the same marker: a list, not
    headings (less NEWS closes each release's "* " items with "* Bug fixes", no heading). One
    followed by a deeper item ("* Changes in Wget 1.5.0" over "** Wget speaks many languages!",
    after "* Wget 1.5.1 is a bugfix release ...") heads those items, as an outline does."""
    marker = _OUTLINE.match(paragraph)
    if not marker:
        return False
    deeper = _OUTLINE.match(beside[1])
    if deeper and deeper.group(1)[0] == marker.group(1)[0] and len(deeper.group(1)) > len(marker.group(1)):
        return False
    return any(other.startswith(marker.group(1) + " ") for other in beside)


def _is_numbered_item(paragraph: str, following: str) -> bool:
    """A one-line numbered statement followed by the next item at its depth ("26. The rules
    concerning valid alias names are stricter, as per POSIX.2." over "27. The Readline key binding
    functions ..."): an item of a numbered list, not the heading of the items after it."""
    number, after = _NUMBER.match(paragraph), _NUMBER.match(following)
    return bool(number and after) and "\n" not in paragraph and not paragraph.endswith("?") \
        and _depth(number.group(0)) == _depth(after.group(0))


# A Debian changelog (changelog.Debian): each entry opens "package (version) distribution;
# urgency=..." and ends " -- Name <address>  date". Read as plain text, the closing line headed the
# next entry (the date shown for a release was the one before's), and so did a lone "* item".
_DEBIAN_ENTRY = re.compile(r"[a-z0-9][a-z0-9.+-]{0,80} \([^()\s]{1,80}\)(?: [\w.-]{1,40}){1,6}; urgency=\w+[^\n]{0,200}")


def _setting_blocks(path: tuple[str, ...], written: str, start: int, end: int) -> list[Block]:
    """A configuration paragraph's blocks (`configuration.blocks`); a run of comments that does not read
    as prose is a list, one item a line ("%r = remote host")."""
    return [b if b.kind == "code" or reads_as_prose(written[b.start:b.end]) else Block(path, b.start, b.end, "code")
            for b in configuration.blocks(path, written, start, end)]


def _depth(number: str) -> int:
    return number.strip().rstrip(".)").count(".")


def document(source: str, text: str) -> Document:
    """A Document whose blocks carry the heading path the text shows; the title is the file name."""
    written = text
    # a configuration file's text, its comment marks as spaces
    uncommented = configuration.uncommented(text, Path(source).suffix.lower() in configuration.SUFFIXES)
    text = uncommented if uncommented is not None else text
    title = Path(source).stem
    path: list[str] = [title]
    blocks: list[Block] = []
    question: str | None = None  # an asking heading awaiting its answer
    spans = paragraphs(text)
    usual = _usual_indent(text, spans)
    outline_indent: int | None = None  # indentation of the last heading, when it was "* " marked
    # (level, its line as a block, whether it is numbered or starred) of a heading line that has
    # headed nothing yet: when the next heading is no deeper, the line was a list item ("25. The
    # exponentiation operator is right-associative as of bash-3.1." over "26. ...", a release's
    # single "** Fixed a buffer overflow") or a dated entry of a NEWS file ("Dec 01, 2020:
    # libarchive 3.5.0 released" over the next), and is kept as text; a plain title line over a
    # numbered or starred first release ("GNU gzip NEWS" over "* Noteworthy changes ...") is not
    alone: tuple[int, Block, bool] | None = None
    run: tuple[int, int] | None = None  # (level, indentation) of the first of a run of terms
    rules: list[str] = []  # underline characters in order of first use: the first marks the top level
    section_level = 0  # the heading level of a configuration file's "[section]" lines, once one is seen
    debian = bool(_DEBIAN_ENTRY.match(text.lstrip()))  # a changelog.Debian: only its entry lines head
    for number, (start, end) in enumerate(spans):
        paragraph, indent = text[start:end], _indent(text, start)
        if _MODE_LINE.fullmatch(paragraph.strip()) or is_navigation(paragraph):
            continue
        if debian and not _DEBIAN_ENTRY.fullmatch(paragraph.strip()):  # items and signatures are text
            # the entry's first block takes in its line, whose version and urgency are facts to quote
            first = alone[1].start if alone is not None else start
            blocks.append(Block(tuple(p for p in path if p), first, end, "prose"))
            alone = None
            continue
        node = _INFO_NODE.match(paragraph)
        if node:  # a node line on the paragraph's first line: the text starts after it
            start += node.end()
            paragraph = text[start:end]
        table = drawn_table.start(paragraph)
        if table is not None:
            blocks.append(Block(tuple(p for p in path if p), start + table, end, "table"))
            alone = None
            continue
        deep = indent >= usual + CODE_INDENT
        indented_title = deep and reads_as_title(paragraph)
        if uncommented is not None and configuration.holds_settings(paragraph):
            for piece_start, piece_end, section in configuration.pieces(text, start, end):
                if section:  # "[junit-xml]" heads the settings after it, up to the next
                    section_level = section_level or len([p for p in path if p]) + 1
                    path = markdown.heading_path(path, section_level, section)
                else:
                    blocks.extend(_setting_blocks(tuple(p for p in path if p), written, piece_start, piece_end))
            alone = None
            continue
        if deep and not indented_title and not reads_as_prose(paragraph):
            blocks.append(Block(tuple(p for p in path if p), start, end, "code"))
            alone = None
            continue
        if alone is not None and _REMARK.fullmatch(paragraph.strip()):
            path[-1] = f"{path[-1]} {paragraph.strip()}"
            continue
        beside = (text[slice(*spans[number - 1])] if number else "",
                  text[slice(*spans[number + 1])] if number + 1 < len(spans) else "")
        # the paragraph after a question is its answer, even one short line ("A:  xz -dc foo.tar.xz | tar xf -")
        never_heading = question is not None or _is_list_item(paragraph, beside) \
            or _is_numbered_item(paragraph, beside[1]) or _is_body_line(paragraph, indent, outline_indent)
        # a deep paragraph here reads as prose: a keyword over its description may head it
        term = None if never_heading else hanging_term(paragraph, indent)
        heading = term or (None if never_heading or (deep and not indented_title) else heading_of(paragraph))
        if debian:  # "gzip (1.12-1) sid; urgency=high" heads its entry
            heading, term = (2, paragraph.strip(), len(paragraph)), None
        rule = underline_of(text, end) if "\n" not in paragraph and len(paragraph) <= HEADING_MAX_CHARS else ""
        rules += [rule] if rule and rule not in rules else []
        if rule and (heading is None or term):  # a line read as a heading anyway keeps its level
            heading, term = (min(2 + rules.index(rule), 6), paragraph.strip(), len(paragraph)), None
        if heading is not None:
            level, name, body = heading
            if not level:  # a term: a level under the heading before its run of terms, one more if deeper
                run = run or (len(path) + 1, indent)
                level = run[0] + (indent > run[1])
            else:
                run = None
            marked = bool(_NUMBER.match(paragraph) or _OUTLINE.match(paragraph))
            if alone is not None and level <= alone[0] and (alone[2] or not marked):
                blocks.append(alone[1])  # the heading before headed nothing: it was a line of text
            alone = None
            outline_indent = indent if _OUTLINE.match(paragraph) else None
            parent = tuple(p for p in path[: level - 1] if p)
            path = markdown.heading_path(path, level, name)
            question = name if name.endswith("?") else None
            if not paragraph[body:].strip():  # a heading line alone, until text or a deeper heading follows
                alone = (level, Block(parent, start, end, "prose"), marked)
                continue
            if question is not None or term:  # the answer follows its question (a section its name)
                start += body + len(paragraph[body:]) - len(paragraph[body:].lstrip())
        alone = None
        block_path = tuple(p for p in path if p)
        if question is not None:
            # the answer alone: the question line is no sentence to quote, and the key searches it
            blocks.append(Block(block_path, start, end, "faq", question))
            question = None
        else:
            blocks.append(Block(block_path, start, end, "prose"))
    if alone is not None:
        blocks.append(alone[1])
    return Document(source, text, title, tuple(blocks), markdown.claim_definitions(text))
