"""reStructuredText files (.rst: most Python packages' READMEs), rendered to HTML by docutils and
then read as an HTML page, so headings, lists, tables and literal blocks keep their structure.

Directives that pull in other files or raw markup (`include`, `raw`, `csv-table :file:`) are off:
a corpus file never makes the reader open a file outside the corpus. Broken markup is rendered
as docutils renders it, with its reports silenced; input docutils cannot parse at all is read
as plain text rather than skipped.
"""

from __future__ import annotations

import re
from html import escape

from rag.ingest import html, plaintext
from rag.records import Document

SETTINGS = {
    "file_insertion_enabled": False,  # no `include`, no `:file:` options
    "raw_enabled": False,  # no `raw` HTML
    "report_level": 5,  # no warnings on stderr or in the text
    "halt_level": 5,  # never stop on a markup error
    "syntax_highlight": "none",  # code stays text, with no pygments needed
    "embed_stylesheet": False,
}


# docutils' HTML5 writer leaves a term's classifier ("iterable : iterable, optional") to its style
# sheet to set apart, so the text read "iterableiterable, optional" (tqdm's parameters)
_CLASSIFIER = re.compile(r'<span class="classifier">([^<]*)</span>')


def to_html(text: str) -> str:
    from docutils.core import publish_parts

    parts = publish_parts(source=text, writer="html5", settings_overrides=SETTINGS)
    body = _CLASSIFIER.sub(r" (\1)", parts["html_body"])
    return f"<html><head><title>{escape(parts['title'])}</title></head><body>{body}</body></html>"


def document(source: str, text: str) -> Document:
    try:
        page = to_html(text)
    except Exception:  # docutils raises on input it cannot parse at all (e.g. a bad table)
        return plaintext.document(source, text)
    return html.document(source, page)
