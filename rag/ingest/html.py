"""HTML files as Markdown-like text, so they chunk exactly like Markdown.

beautifulsoup4 reads the page with lxml's HTML parser, which closes what HTML leaves open the way
browsers do: the stdlib "html.parser" never closes a <p>, <li>, <dt> or <td> whose end tag is
left out, so in pyparsing's examples page every list item after the first sat inside an open <p>
and 47 of 49 were lost (corpus19), and sqlite's changelog read each release's list as one item.
Scripts, styles, navigation and forms are dropped; headings become "#" lines, lists "- " items and
tables pipe tables. A definition list's term and definition read as one item ("-o file,
--output=file: Write the statistics to file."), since the definition alone never names what it
defines. A block that is mostly links ("Next: I/O Resources, Previous: ..., Up: ...", a table of
contents) is navigation and dropped, as jusText-style boilerplate removal does. The Document's text
is that extracted text: chunk spans map into it, not into the file's bytes.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from rag.ingest import markdown, sentences
from rag.records import Document

DROPPED = {"script", "style", "nav", "noscript", "template", "head", "iframe", "svg", "canvas",
           "form", "button", "select", "object", "embed"}
HEADINGS = {f"h{n}": n for n in range(1, 7)}
LISTS = {"ul", "ol"}
BLOCKS = {"p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote",
          "figure", "figcaption", "address", "dt", "dd", "details", "summary", "li", "hr",
          "body", "html", "center", "fieldset", "caption"}
# Navigation: at least this many links whose text is at least this share of the block's text.
NAV_MIN_LINKS, NAV_LINK_SHARE = 3, 0.4
# The blocks that may be navigation: not the page's own containers, which hold everything, so a
# page that is a list of links is still read, and the page is not scanned once per nesting level.
NAVIGABLE = (BLOCKS | LISTS) - {"html", "body", "main", "article"}
ANCHOR_MARKS = {"¶", "§", "#"}  # a heading's or term's permalink ("-v ¶"), not its text
# A paragraph starting like Markdown structure ("# ", "- ", "1. ", "> ", "|") is escaped, so
# it stays a paragraph.
STRUCTURE_START = re.compile(r"^(#{1,6}\s|[-*+]\s|\d+[.)]\s|>|\||```|~~~|={3,}|-{3,})")


_INLINE_MARKUP = re.compile(r"([\\`*_\[\]<>])")  # what Markdown would read as emphasis, code, a link or a tag
_ESCAPED = r"\\\1"


def _words(text: str) -> str:
    return " ".join(text.split())


def _escape(text: str) -> str:
    return "\\" + text if STRUCTURE_START.match(text) else text


class _Writer:
    """Walks the parsed tree and collects Markdown blocks; inline text gathers until a block ends."""

    def __init__(self, escape: bool = True):
        self.blocks: list[str] = []
        self.inline: list[str] = []
        self.escape = escape  # off for the text inside a heading or list item, which is no paragraph

    def flush(self) -> None:
        text = _words("".join(self.inline))
        if text:
            self.blocks.append(_escape(text) if self.escape else text)
        self.inline = []

    def walk(self, node) -> None:
        from bs4 import NavigableString, Tag

        for child in node.children:
            if isinstance(child, NavigableString):
                if type(child) is NavigableString:  # not a comment, doctype or CDATA
                    self.inline.append(str(child))
            elif isinstance(child, Tag):
                self.element(child)

    def element(self, tag) -> None:
        name = tag.name
        if name in DROPPED or (name in NAVIGABLE and _is_navigation(tag)) \
                or (name == "a" and tag.get_text().strip() in ANCHOR_MARKS):
            return
        if name in HEADINGS or name in LISTS or name in ("table", "pre", "dl"):
            self.flush()
            block = self._heading(tag) if name in HEADINGS else self._list(tag, 0) if name in LISTS \
                else _table(tag) if name == "table" else _definitions(tag) if name == "dl" else _fenced(tag)
            if block:
                self.blocks.append(block)
        elif name == "br":
            self.inline.append(" ")
        elif name in BLOCKS:
            self.flush()
            self.walk(tag)
            self.flush()
        else:
            self.walk(tag)

    def _heading(self, tag) -> str:
        text = _words(_Writer.text_of(tag))
        # a page's heading is literal text: "object.__init__" must not read as Markdown emphasis
        return f"{'#' * HEADINGS[tag.name]} {_INLINE_MARKUP.sub(_ESCAPED, text)}" if text else ""

    def _list(self, tag, depth: int) -> str:
        lines = []
        for number, item in enumerate(tag.find_all("li", recursive=False), start=1):
            nested = [sub.extract() for sub in item.find_all(LISTS) if sub.find_parent("li") is item]
            marker = f"{number}." if tag.name == "ol" else "-"
            # an item that opens with a definition ("* ``regional``" over its text in
            # reStructuredText) takes the definition's item as its own, not "- - regional: ..."
            text = _words(_Writer.text_of(item)).removeprefix("- ")
            if text:
                lines.append(f"{'   ' * depth}{marker} {text}")
            lines.extend(self._list(sub, depth + 1) for sub in nested)
        return "\n".join(line for line in lines if line)

    @staticmethod
    def text_of(tag) -> str:
        writer = _Writer(escape=False)
        writer.walk(tag)
        writer.flush()
        return " ".join(writer.blocks)


# A link that shows its own address ("Bug reports: https://github.com/...") tells the reader where
# something is, as text does; a menu's links show names ("Next: I/O Resources", "Home").
_ADDRESS = re.compile(r"\s*(?:https?://|www\.|mailto:)\S*\s*$", re.I)


def _is_navigation(tag) -> bool:
    links = [a for a in tag.find_all("a") if not _ADDRESS.match(a.get_text(" "))]
    if len(links) < NAV_MIN_LINKS:
        return False
    linked = sum(len(_words(a.get_text(" "))) for a in links)
    return linked >= NAV_LINK_SHARE * max(1, len(_words(tag.get_text(" "))))


def _definitions(tag) -> str:
    """A definition list as "- term, term: definition" items."""
    items, terms = [], []
    for child in tag.find_all(["dt", "dd"], recursive=False):
        text = _words(_Writer.text_of(child))
        if child.name == "dt":
            terms.append(text)
        else:
            items.append(f"- {', '.join(t for t in terms if t)}: {text}" if any(terms) else f"- {text}")
            terms = []
    items.extend(f"- {t}" for t in terms if t)  # a term left without its definition
    return "\n".join(item for item in items if item.strip("- :"))


def _cell(tag) -> str:
    return _words(_Writer.text_of(tag)).replace("|", "\\|") or " "


def _table(tag) -> str:
    """A pipe table; the first row is the header. Nested tables stay inside their cell's text. A
    two-column table without header cells is a list of terms and what they mean (DocBook lays out
    "ninja -t" tools so): read as definition items, since its first row is no header."""
    row_tags = [tr for tr in tag.find_all("tr") if tr.find_parent("table") is tag]
    rows = [[_cell(c) for c in tr.find_all(["td", "th"], recursive=False)] for tr in row_tags]
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        return ""
    headed = tag.find("thead") is not None or bool(row_tags[0].find_all("th", recursive=False))
    if not headed and max(len(r) for r in rows) == 2:
        return "\n".join("- " + ": ".join(c.replace("\\|", "|").strip() for c in r if c.strip()) for r in rows)
    width = max(len(r) for r in rows)
    rows = [r + [" "] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join([lines[0], "|" + " --- |" * width, *lines[1:]])


def _without_dropped(tag):
    """The tag with the elements that are no text (`DROPPED`: scripts, buttons, forms) removed."""
    for unwanted in tag.find_all(DROPPED):
        unwanted.decompose()
    return tag


def _fenced(tag) -> str:
    """A <pre> as a fenced block, without what it holds that is no code: Node's docs put a "copy"
    button inside each one, and "copy" was quoted as the last line of every example."""
    code = _without_dropped(tag).get_text().strip("\n")
    return f"```\n{code.replace('```', 'ʼʼʼ')}\n```" if code.strip() else ""


def _parsed(html: str):
    from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning

    with warnings.catch_warnings():  # an XHTML page is read as HTML on purpose: its text is what counts
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(html, "lxml")


def to_markdown(html: str) -> tuple[str, str]:
    """(Markdown-like text, the page's <title>) of an HTML page."""
    soup = _parsed(html)
    title = _words(soup.title.get_text()) if soup.title else ""
    writer = _Writer()
    writer.walk(soup)
    writer.flush()
    return sentences.plain_breaks("\n\n".join(writer.blocks) + "\n"), title


def page_text(html: str) -> str:
    """The page's words alone, without its structure: what is read when that structure cannot be."""
    return sentences.plain_breaks(_without_dropped(_parsed(html)).get_text("\n"))


def document(source: str, html: str) -> Document:
    """A `Document` whose text is the page's extracted text (spans map into that text)."""
    text, page_title = to_markdown(html)
    title, blocks, claims = markdown.parse(text)
    # the <title> is the name the page gives itself; its first <h1> is often a site banner or a part
    return Document(source, text, page_title or title or Path(source).stem, blocks, claims)
