"""The conversation as the chat page holds it: each tab's `Session` (its answers and settings),
the history turned back into turns for the model, an answer the user stopped marked so, the
conversation as the browser keeps it across a page reload, and the question a retry asks again."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr

from rag.answer.generators.base import Options, Turn
from rag.errors import RagError
from rag.records import Answer
from ui import guard, render


@dataclass(frozen=True)
class Shown:
    """An answer on the page: `number` ties its [A] chips to its passages in the sources panel."""

    id: str
    number: int
    message_index: int  # where the answer sits in the chat history
    answer: Answer


@dataclass
class Session:
    """One browser tab's own state, kept in a gr.State: its answers and its settings. Nothing here
    is shared, so one user's slider never changes another's answers."""

    options: Options = Options()
    shown: list[Shown] = field(default_factory=list)
    rated: str = ""  # the id of the answer last voted on, for its optional comment
    vote: str = ""
    export_path: Path | None = None  # this tab's exported conversation, rewritten after each answer

    def answers(self) -> list[Answer]:
        return [s.answer for s in self.shown]


def _text(content: Any) -> Any:
    if isinstance(content, list):  # Gradio 6 may hand back [{"type": "text", "text": ...}]
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content


def history_turns(history: list[dict[str, Any]]) -> tuple[Turn, ...]:
    """Earlier user questions and answers, as text; thinking blocks are never sent back to the model,
    nor the markup of citation chips and notes."""
    turns = []
    for message in history:
        metadata = message.get("metadata") or {}
        content = _text(message.get("content"))
        if not metadata.get("title") and isinstance(content, str):
            turns.append(Turn(message.get("role", "user"), render.reduced(content)))
    return tuple(turns)


STOPPED = "*(stopped)*"
WARNING = "⚠️"


def mark_stopped(history: list[dict[str, Any]], session: Session) -> Any:
    """The chat once the user pressed stop: an answer cut short says so, since it may end
    mid-sentence and carries no citations yet. A finished answer (one `session` shows) is left
    as it is, so a stop pressed just too late changes nothing."""
    last = len(history) - 1
    finished = {shown.message_index for shown in session.shown}
    if last < 0 or history[last].get("role") != "assistant" or last in finished:
        return gr.skip()
    text = _text(history[last].get("content")) or ""
    if text.startswith(WARNING):  # a refusal of the request itself, which ran to its end
        return gr.skip()
    marked = [*history[:last], {**history[last], "content": f"{text} {STOPPED}".strip()}]
    thought = marked[last - 1] if last else {}
    if (thought.get("metadata") or {}).get("log"):  # its "thinking…" would run on for ever
        marked[last - 1] = {**thought, "metadata": {"title": "Thinking", "status": "done"}}
    return marked


RESTORED_NOTE = ("<p class='rag-muted'>The conversation above was kept by this browser across a page reload; "
                 "the sources of its answers were not. Ask again to see them.</p>")


def kept(history: list[dict[str, Any]], limits: guard.Limits) -> list[dict[str, Any]]:
    """The conversation as this browser keeps it across a page reload: questions and answers as
    text, the last `limits.history_turns` messages. An answer's citation chips are dropped (they
    would point at passages of a later answer with the same number) and its text made inert again;
    thinking is not kept."""
    out = []
    for message in guard.text_history(history, limits.history_turns):
        if message.get("metadata"):
            continue
        text = message["content"]
        if message["role"] == "assistant":
            text = guard.inert_markdown(render.reduced(text))
        out.append({"role": message["role"], "content": text})
    return out


def restored(saved: Any, limits: guard.Limits) -> tuple[Any, Any]:
    """(the chat, the sources panel) when the page loads: the conversation this browser kept, if any."""
    messages = guard.text_history(saved, limits.history_turns)
    if not messages:
        return gr.skip(), gr.skip()
    return [{"role": m["role"], "content": m["content"]} for m in messages], RESTORED_NOTE


def retry_cut(history: list[dict[str, Any]], index: int) -> tuple[str, list[dict[str, Any]]]:
    """(the question to ask again, the history before it) for a retry of the message at `index`."""
    for at in range(min(index, len(history) - 1), -1, -1):
        if history[at].get("role") == "user":
            return _text(history[at].get("content")) or "", history[:at]
    raise RagError("nothing to retry: ask a question first")
