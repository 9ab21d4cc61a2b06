"""How answers and their sources look in the chat: pure functions from records to Markdown/HTML.

Kept apart from the Gradio wiring so that they can be tested without starting a server.
"""

from __future__ import annotations

import html
from typing import Any

from rag.ingest.chunker import plain, readable_sentences
from rag.records import Answer, Citation

# The styles of the classes the HTML below uses, and the page's fonts: local only, no font CDN.
CSS = """
.rag-source { border-left: 3px solid #888; padding: 0 0 0 .6em; margin-bottom: .8em; }
.rag-section, .rag-muted { color: #777; font-size: .9em; }
mark { background: #fff3a0; }
"""
THEME_FONTS = ["ui-sans-serif", "system-ui", "sans-serif"]

UNVERIFIED_MARK = "⚠️"


def answer_markdown(answer: Answer) -> str:
    """The answer text, each unverified sentence flagged so a reader knows to check it."""
    text = answer.text
    for sentence in answer.unverified:
        text = text.replace(sentence, f"{sentence} {UNVERIFIED_MARK} *(figure not found in the cited passage)*")
    return text


def _highlighted(citation: Citation) -> str:
    """The passage's sentences, with those the answer rests on marked."""
    parts = []
    for sentence in readable_sentences(citation.chunk) or [plain(citation.chunk.text)]:
        escaped = html.escape(sentence)
        parts.append(f"<mark>{escaped}</mark>" if sentence in citation.supporting else escaped)
    return " ".join(parts)


def sources_html(answer: Answer | None) -> str:
    """The sources panel: each cited passage, then each source claim with its definition."""
    if answer is None:
        return "<p class='rag-muted'>Sources of the answer appear here.</p>"
    if answer.refused:
        return "<p class='rag-muted'>No sources: the question is outside the knowledge base.</p>"
    blocks = [f"<div class='rag-source'><b>[{html.escape(c.label)}]</b> "
              f"<span class='rag-section'>{html.escape(c.chunk.source)} › {html.escape(c.chunk.section)}</span>"
              f"<p>{_highlighted(c)}</p></div>" for c in answer.citations]
    if answer.claims:
        items = "".join(f"<li><b>{html.escape(c.marker)}</b> {html.escape(c.text)}</li>" for c in answer.claims)
        blocks.append(f"<div class='rag-claims'><b>Source claims</b><ul>{items}</ul></div>")
    return "".join(blocks) or "<p class='rag-muted'>The answer cites no passage.</p>"


def generator_line(answer: Answer | None, name: str, reason: str) -> str:
    used = answer.generator if answer else name
    why = answer.generator_reason if answer else reason
    return f"**Answered by:** `{used}` — {why}" if why else f"**Answered by:** `{used}`"


def status_markdown(status: dict[str, Any]) -> str:
    return (f"**Index:** {status['documents']} documents, {status['chunks']} chunks, "
            f"built {status['built_at']}, embedder `{status['embedder']}`"
            + (f", {status['skipped']} files skipped" if status.get("skipped") else ""))
