"""How answers and their sources look in the chat: pure functions from records to Markdown/HTML.

Kept apart from the Gradio wiring so that they can be tested without starting a server. Citation
labels become `data-cite` chips and passages `data-source` blocks, tied by the answer's number, so
`PAGE_JS` can take a click on [A] in any answer to that answer's own passage.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from rag.ingest.chunker import plain, readable_sentences
from rag.records import Answer, Citation
from ui.guard import inert_markdown

# The page's styles: Gradio's theme variables, so light and dark both read well; local fonts only.
CSS = """
.rag-group { display: none; }
.rag-group.rag-active { display: block; }
.rag-group-title { font-weight: 600; margin: 0 0 .5em; overflow-wrap: anywhere; }
.rag-source { border-left: 3px solid var(--border-color-primary); padding: .2em .6em; margin-bottom: .8em;
  border-radius: 4px; overflow-wrap: anywhere; scroll-margin: 1em; }
.rag-source.rag-selected { border-left-color: var(--color-accent); background: var(--color-accent-soft);
  outline: 2px solid var(--color-accent); }
.rag-section, .rag-muted { color: var(--body-text-color-subdued); font-size: .9em; }
.rag-source mark, .rag-claims li.rag-selected { background: var(--color-accent-soft); color: inherit;
  border-bottom: 2px solid var(--color-accent); }
.rag-cite, .rag-claim { cursor: pointer; color: var(--link-text-color); font-weight: 600; white-space: nowrap;
  border-radius: 3px; padding: 0 .1em; }
.rag-cite:hover, .rag-cite:focus, .rag-claim:hover, .rag-claim:focus { background: var(--color-accent-soft);
  outline: none; }
.rag-unverified { text-decoration: underline wavy var(--color-red-500, #d33); text-underline-offset: 3px; }
.rag-note { color: var(--body-text-color-subdued); }
#rag-sources { max-height: 560px; overflow-y: auto; }
#rag-chat { overflow-wrap: anywhere; }
.gradio-container { max-width: 100% !important; overflow-x: hidden; }
@media (max-width: 700px) { #rag-sources { max-height: none; } }
"""
THEME_FONTS = ["ui-sans-serif", "system-ui", "sans-serif"]

# Runs once when the page loads. The chat's HTML sanitiser drops data-* attributes, so chips carry
# their label and answer number as classes, and this gives them `data-cite`/`data-claim` and
# `data-answer` as they appear. One delegated listener serves every answer, old and new (Gradio
# re-renders messages); a click on [A] of answer 2 shows answer 2's passages, not the last's.
PAGE_JS = r"""
() => {
  const upgrade = () => {
    document.querySelectorAll('.rag-cite:not([data-answer]), .rag-claim:not([data-answer])').forEach((chip) => {
      const label = [...chip.classList].find((c) => c.startsWith('rag-label-'));
      const answer = [...chip.classList].find((c) => c.startsWith('rag-answer-'));
      if (!label || !answer) return;
      chip.dataset[chip.classList.contains('rag-cite') ? 'cite' : 'claim'] = label.slice('rag-label-'.length);
      chip.dataset.answer = answer.slice('rag-answer-'.length);
    });
  };
  new MutationObserver(upgrade).observe(document.body, {childList: true, subtree: true});
  upgrade();
  // "Copy message" copies the message's source: hand the clipboard the words, not the chips' markup
  const clipboard = navigator.clipboard;
  if (clipboard && clipboard.writeText) {
    const write = clipboard.writeText.bind(clipboard);
    clipboard.writeText = (text) => write(String(text)
      .replace(/\s*<small class='rag-note'>.*?<\/small>/g, '')
      .replace(/<span class='rag-[^']*'[^>]*>(.*?)<\/span>/g, '$1'));
  }
  const select = (chip) => {
    const panel = document.getElementById('rag-sources');
    if (!panel) return;
    const answer = chip.dataset.answer;
    const group = panel.querySelector(`.rag-group[data-answer="${answer}"]`);
    if (!group) return;
    panel.querySelectorAll('.rag-group').forEach((g) => g.classList.toggle('rag-active', g === group));
    panel.querySelectorAll('.rag-selected').forEach((e) => e.classList.remove('rag-selected'));
    const target = chip.dataset.cite
      ? group.querySelector(`[data-source="${chip.dataset.cite}"]`)
      : group.querySelector(`[data-claim="${chip.dataset.claim}"]`);
    if (!target) return;
    target.classList.add('rag-selected');
    target.scrollIntoView({block: 'nearest', behavior: 'smooth'});
  };
  const chipOf = (event) => event.target.closest && event.target.closest('.rag-cite[data-answer], .rag-claim[data-answer]');
  document.addEventListener('click', (event) => { const chip = chipOf(event); if (chip) select(chip); });
  document.addEventListener('keydown', (event) => {
    const chip = chipOf(event);
    if (chip && (event.key === 'Enter' || event.key === ' ')) { event.preventDefault(); select(chip); }
  });
}
"""

UNVERIFIED_MARK = "⚠️"
UNVERIFIED_WHY = "figure not found in the cited passage"
_LABEL = re.compile(r"\[([A-Z]{1,2})\]")
_CLAIM = re.compile(r"\[(\d{1,3})\]")


def _attr(text: str) -> str:
    return html.escape(text, quote=True)


def answer_markdown(answer: Answer, number: int = 0) -> str:
    """The answer as the chat shows it: labels and claim markers as clickable chips tied to answer
    `number`, and each sentence whose figure did not verify marked and explained."""
    text = inert_markdown(answer.text)  # no image or raw HTML from a passage reaches the page
    for sentence in map(inert_markdown, answer.unverified):
        text = text.replace(sentence, f"<span class='rag-unverified' title='{UNVERIFIED_WHY}'>{sentence}</span> "
                                      f"<small class='rag-note'>{UNVERIFIED_MARK} {UNVERIFIED_WHY}</small>")
    labels = {c.label for c in answer.citations}
    claims = {c.marker: c.text for c in answer.claims}

    def cite(match: re.Match) -> str:
        if match.group(1) not in labels:
            return match.group(0)
        return (f"<span class='rag-cite rag-label-{match.group(1)} rag-answer-{number}' role='button' "
                f"tabindex='0' title='Show passage {match.group(1)}'>[{match.group(1)}]</span>")

    def claim(match: re.Match) -> str:
        if match.group(0) not in claims:
            return match.group(0)
        return (f"<span class='rag-claim rag-label-{match.group(1)} rag-answer-{number}' role='button' "
                f"tabindex='0' title='{_attr(claims[match.group(0)])}'>{match.group(0)}</span>")

    return _CLAIM.sub(claim, _LABEL.sub(cite, text))


def reduced(content: str) -> str:
    """What a rendered answer says, without the chips' markup or the UI's notes: the text the model
    wrote, to send back as history."""
    content = re.sub(r"\s*<small class='rag-note'>.*?</small>", "", content)
    return html.unescape(re.sub(r"<[^>]+>", "", content))


def _highlighted(citation: Citation) -> str:
    """The passage's sentences, with those the answer rests on marked."""
    parts = []
    for sentence in readable_sentences(citation.chunk) or [plain(citation.chunk.text)]:
        escaped = html.escape(sentence)
        parts.append(f"<mark>{escaped}</mark>" if sentence in citation.supporting else escaped)
    return " ".join(parts)


def _group(answer: Answer, number: int, active: bool) -> str:
    """One answer's passages and claims, hidden unless it is the answer being looked at."""
    title = f"<p class='rag-group-title'>Sources of answer {number}: {html.escape(answer.question)}</p>"
    if answer.refused:
        body = "<p class='rag-muted'>No sources: the question is outside the knowledge base.</p>"
    else:
        body = "".join(
            f"<div class='rag-source' data-source='{_attr(c.label)}' data-answer='{number}'><b>[{html.escape(c.label)}]</b> "
            f"<span class='rag-section'>{html.escape(c.chunk.source)} › {html.escape(c.chunk.section)}</span>"
            f"<p>{_highlighted(c)}</p></div>" for c in answer.citations) \
            or "<p class='rag-muted'>The answer cites no passage.</p>"
        if answer.claims:
            items = "".join(f"<li data-claim='{_attr(c.marker.strip('[]'))}'><b>{html.escape(c.marker)}</b> "
                            f"{html.escape(c.text)}</li>" for c in answer.claims)
            body += f"<div class='rag-claims'><b>Source claims</b><ul>{items}</ul></div>"
    state = " rag-active" if active else ""
    return f"<section class='rag-group{state}' data-answer='{number}'>{title}{body}</section>"


def sources_html(answers: Sequence[Answer] | Answer | None) -> str:
    """The sources panel: every answer's passages (answer n is `answers[n-1]`), the last one shown."""
    if isinstance(answers, Answer):
        answers = [answers]
    if not answers:
        return "<p class='rag-muted'>Sources of the answer appear here; click a label like [A] to see its passage.</p>"
    return "".join(_group(a, n, n == len(answers)) for n, a in enumerate(answers, start=1))


def export_markdown(answers: Sequence[Answer]) -> str:
    """The conversation as a Markdown file: each question, its answer, passages and claims spelled out."""
    lines = ["# Conversation with the knowledge base", ""]
    for number, answer in enumerate(answers, start=1):
        lines += [f"## {number}. {answer.question}", ""]
        if answer.query != answer.question:
            lines += [f"*Searched for:* {answer.query}", ""]
        lines += [answer.text, ""]
        for sentence in answer.unverified:
            lines += [f"> {UNVERIFIED_MARK} {UNVERIFIED_WHY}: {sentence}", ""]
        if answer.citations:
            lines += ["### Sources", ""]
            for c in answer.citations:
                lines += [f"**[{c.label}]** {c.chunk.source} › {c.chunk.section}", ""]
                lines += [f"> {line}" if line else ">" for line in plain(c.chunk.text).splitlines()] + [""]
        if answer.claims:
            lines += ["### Source claims", ""] + [f"- {c.marker} {c.text}" for c in answer.claims] + [""]
        lines += [f"*Answered by {answer.generator}*", ""]
    return "\n".join(lines)


def generator_line(answer: Answer | None, name: str, reason: str) -> str:
    used = answer.generator if answer else name
    why = answer.generator_reason if answer else reason
    return f"**Answered by:** `{used}` — {why}" if why else f"**Answered by:** `{used}`"


def status_markdown(status: dict[str, Any]) -> str:
    return (f"**Index:** {status['documents']} documents, {status['chunks']} chunks, "
            f"built {status['built_at']}, embedder `{status['embedder']}`"
            + (f", {status['skipped']} files skipped" if status.get("skipped") else ""))
