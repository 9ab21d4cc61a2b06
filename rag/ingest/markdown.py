"""Markdown structure: heading paths, blocks with exact character spans, and the source list.

Parsing is markdown-it-py's; this module only maps its line-based token map onto character
offsets of the original text, so every span is `text[start:end]` of the file as written.
A section titled like "Source Materials" defines claims ("[1] ...") and yields no blocks.
Code blocks are blocks of kind "code" (quoted line by line); HTML blocks and paragraphs that show
no words once tags, images and badges are removed (a centred logo, a row of badges) are dropped.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rag.ingest.sentences import lines_of
from rag.records import Block, Claim

SOURCE_LIST_TITLES = re.compile(r"^(source materials|sources|references|source list)$", re.I)
CLAIM_ITEM = re.compile(r"^\s*[-*+]?\s*(\[\d+\])\s*(.+?)\s*$")
BLOCK_TOKENS = {"paragraph_open": "prose", "bullet_list_open": "list", "ordered_list_open": "list",
                "table_open": "table", "fence": "code", "code_block": "code",
                "blockquote_open": "prose", "html_block": "prose"}
# A tag on one line, or an HTML tag whose attributes wrap over lines ('<a\n  href="...">', a badge
# table in a README), or a comment: none is text. Across lines only real tag syntax counts, so
# "<pending package,\ntrigger name>" in plain text stays.
_TAG = re.compile(r"<[^<>\n]{0,400}>|<!--[^<>]{0,4000}?-->|"
                  r"</?[A-Za-z][\w-]{0,30}(?:\s+[\w:.-]{1,60}(?:\s*=\s*(?:\"[^\"]{0,500}\"|'[^']{0,500}'|[^\s\"'<>=`]{1,500}))?){0,20}\s*/?>")
# An autolink shows its address (CommonMark): "report it via e-mail to <abe@purdue.edu>" in a
# plain-text FAQ, "<https://fsf.org/>" in a licence. Read as a tag, the address was lost.
_AUTOLINK = re.compile(r"<([a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^<>\s]{1,2000}|[\w.+-]{1,200}@[\w-]{1,200}(?:\.[\w-]{1,200}){0,20})>")
# A link's or image's text may wrap onto the next line ("by [Jeffrey 'Alex' Clark and\ncontributors](...)"),
# and spaces may stand around its destination ("[here]( https://...)"), as CommonMark allows.
_IMAGE = re.compile(r"!\[[^\]]{0,400}\]\([ \t]{0,10}[^()\s]{0,2000}(?:\s+\"[^\"\n]{0,200}\")?[ \t]{0,10}\)|!\[[^\]]{0,400}\]\[[^\]\n]{0,200}\]")
_LINK = re.compile(r"\[([^\]]{0,400})\]\([ \t]{0,10}[^()\s]{0,2000}(?:\s+\"[^\"\n]{0,200}\")?[ \t]{0,10}\)|\[([^\]]{0,400})\]\[[^\]\n]{0,200}\]")
_WORD = re.compile(r"[^\W\d_]{2,}")
# A GitHub alert's marker ("> [!NOTE]"): how the page styles the quote, not words it shows.
_ALERT = re.compile(r"\[!(?:NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]", re.I)


# The elements of HTML (WHATWG's, and the obsolete ones READMEs still use). Only these are markup:
# "<port-number>", "<some_py_file.py>", apt's "<STRING>" and gpg's "<username>" are what a manual
# or a command line shows in their place, and were lost as tags (corpus10, corpus13).
HTML_ELEMENTS = frozenset("""
a abbr acronym address area article aside audio b base bdi bdo big blink blockquote body br button
canvas caption center cite code col colgroup data datalist dd del details dfn dialog dir div dl dt
em embed fieldset figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6 head header
hgroup hr html i iframe img input ins kbd label legend li link main map mark marquee math menu meta
meter nav nobr noscript object ol optgroup option output p param picture pre progress q rp rt ruby s
samp script search section select slot small source span strike strong style sub summary sup svg
table tbody td template textarea tfoot th thead time title tr track tt u ul var video wbr
""".split())
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][\w-]*)(\s|/|>)")


def _markup(tag: re.Match) -> str:
    """A space for an HTML tag or comment, else the text as it stands. A bare name in capitals
    ("<DIR>", "<TIME>") is a placeholder, whatever HTML calls an element."""
    text = tag.group()
    if text.startswith("<!--"):
        return " "
    named = _TAG_NAME.match(text)
    if named is None or named.group(1).lower() not in HTML_ELEMENTS:
        return text
    bare = named.group(2) == ">" and not text.startswith("</")
    return text if bare and named.group(1).isupper() and len(named.group(1)) > 1 else " "


def visible_text(text: str) -> str:
    """What a reader of the rendered page sees of Markdown with HTML in it: tags, images and
    alert markers removed, links reduced to their text, autolinks to their address. Bounded
    patterns: linear on any input."""
    text = _ALERT.sub("", _IMAGE.sub("", _TAG.sub(_markup, _AUTOLINK.sub(r"\1", text))))
    return _LINK.sub(lambda m: m.group(1) or m.group(2) or "", text)


def shows_words(text: str) -> bool:
    return bool(_WORD.search(visible_text(text)))


@lru_cache(maxsize=1)
def _parser():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table")


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for line in lines_of(text):
        starts.append(starts[-1] + len(line))
    return starts


def _span(starts: list[int], text: str, line_map: list[int]) -> tuple[int, int]:
    start = starts[line_map[0]]
    end = starts[min(line_map[1], len(starts) - 1)]
    return start, start + len(text[start:end].rstrip())  # drop trailing newlines; linear, not quadratic


def inline_text(inline) -> str:
    """What a reader sees of an inline run such as a heading's: its text and code, without the
    images, HTML tags and link targets around them. "[3.5.3](https://github.com/...) (2026-11-23)"
    is "3.5.3 (2026-11-23)", and a heading's badges ("Thread-pool Controls [![Build Status](...)](...)")
    are no part of its name."""
    words = [child.content if child.type in ("text", "code_inline") else " "
             for child in inline.children or () if child.type in ("text", "code_inline", "softbreak", "hardbreak")]
    return " ".join("".join(words).split())


def heading_path(path: list[str], level: int, heading: str) -> list[str]:
    """The heading path once a heading of `level` (1 = top) starts: deeper ones close, a skipped
    level stays empty."""
    return path[: level - 1] + [""] * (level - 1 - len(path)) + [heading]


def claim_definitions(text: str) -> tuple[Claim, ...]:
    """Claims from the lines of a source list: "- [1] Papers - Currently, ..." -> Claim("[1]", ...)."""
    claims = []
    for line in text.splitlines():
        match = CLAIM_ITEM.match(line)
        if match:
            claims.append(Claim(match.group(1), match.group(2)))
    return tuple(claims)


# Front matter: the "key: value" lines a static-site generator or a notes app (Jekyll, Hugo,
# Obsidian) opens a page with, between "---" lines (YAML) or "+++" lines (TOML). CommonMark reads
# them as a rule and a heading, so a post's date and author were lost.
_FRONT_MATTER = re.compile(r"\A(---|\+\+\+)[ \t]*\n(.{0,4000}?\n)\1[ \t]*(?:\n|\Z)", re.S)


def parse(text: str) -> tuple[str, tuple[Block, ...], tuple[Claim, ...]]:
    """Return (title, blocks, claims) for a Markdown document. Front matter is a block of
    settings, one a line."""
    title, path, blocks, claims = "", [], [], []
    fenced = _FRONT_MATTER.match(text)
    if fenced:
        if fenced.group(2).strip():
            blocks.append(Block((), fenced.start(2), fenced.end(2) - 1, "code"))
        text = re.sub(r"[^\n]", " ", fenced.group()) + text[fenced.end():]  # blank, line for line
    tokens = _parser().parse(text)
    starts = _line_starts(text)
    in_sources = False
    faq: Block | None = None  # the open question heading, waiting for its first answer block
    depth = 0  # nesting of block containers: only top-level blocks are emitted
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            level, heading = int(tok.tag[1]), inline_text(tokens[i + 1])
            title = title or (heading if level == 1 else "")  # "## Sponsors" names a section, not the file
            path = heading_path(path, level, heading)
            in_sources = bool(SOURCE_LIST_TITLES.match(heading))
            faq = Block(tuple(p for p in path if p), *_span(starts, text, tok.map), "faq", heading) \
                if heading.endswith("?") and level > 1 else None
            continue
        if tok.nesting == -1 and tok.type.replace("_close", "_open") in BLOCK_TOKENS:
            depth -= 1
            continue
        kind = BLOCK_TOKENS.get(tok.type)
        if kind is None or tok.map is None:
            continue
        if tok.nesting == 1:
            depth += 1
            if depth > 1:
                continue
        start, end = _span(starts, text, tok.map)
        if in_sources:
            claims.extend(claim_definitions(text[start:end]))
            continue
        if kind == "prose" and not shows_words(text[start:end]):
            continue  # badges, a logo, an HTML comment: nothing to read or quote
        block_path = tuple(p for p in path if p)
        if faq is not None:  # the answer's first block starts at its question
            blocks.append(Block(block_path, faq.start, end, "faq", faq.key))
            faq = None
        else:
            blocks.append(Block(block_path, start, end, kind))
    return title, tuple(blocks), tuple(claims)
