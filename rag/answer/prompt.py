"""The prompt an LLM generator sends: instructions, labelled passages, earlier turns, the question.

Pure functions: chat messages for a chat template, a token budget measured with the model's own
tokenizer, and sanitising of retrieved text. Loading the tokenizer and generating are left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Protocol

from rag.answer.generators.base import Request, Turn
from rag.records import Hit, Passage

# The chat layout for a base model whose tokenizer brings no template: plain role/content turns.
PLAIN_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}### {{ m.role }}\n{{ m.content }}\n{% endfor %}"
    "{% if add_generation_prompt %}### assistant\n{% endif %}"
)

INSTRUCTIONS = """\
You answer questions using only the passages below.
- Use only facts stated in the passages; never add outside knowledge.
- Cite every sentence with the label of the passage it comes from, like [A] or [B][C].
- When a passage sentence carries a source marker such as [1], keep that marker in your sentence.
- If the passages do not contain the answer, say that the passages do not answer the question.
- Answer concisely, in the language of the question."""

TOKEN = re.compile(r"<\|([^<>|\n]*)\|>")
ROLE_LINE = re.compile(
    r"^([ \t]*(?:#+[ \t]*)?)(system|developer|assistant|user|tool|human|ai)([ \t]*:|[ \t]*$)",
    re.IGNORECASE | re.MULTILINE,
)


class Tokenizer(Protocol):
    def encode(self, text: str, add_special_tokens: bool = ...) -> list[int]: ...

    def apply_chat_template(self, conversation: list[dict[str, str]], **kwargs: Any) -> Any: ...


def sanitize(text: str) -> str:
    """Make retrieved text inert: `<|start|>` becomes `< |start| >` (no longer a control token)
    and a line that looks like a role header is quoted with "> ". Nothing is deleted."""
    text = TOKEN.sub(r"< |\1| >", text)
    text = text.replace("<|", "< |").replace("|>", "| >")  # halves of a marker, too
    return ROLE_LINE.sub(r"> \1\2\3", text)


def format_passage(passage: Passage) -> str:
    chunk = passage.chunk
    meta = f"section: {sanitize(chunk.section)}" if chunk.section else "section: (none)"
    if chunk.claims:
        meta += "; claims: " + " ".join(chunk.claims)
    return f"[{passage.label}] ({meta}) {sanitize(chunk.text.strip())}"


def format_passages(passages: Sequence[Passage]) -> str:
    if not passages:
        return "Passages: (none were found)"
    return "Passages:\n\n" + "\n\n".join(format_passage(p) for p in passages)


def build_messages(request: Request, passages: Sequence[Passage] | None = None) -> list[dict[str, str]]:
    """Chat messages: one system message (instructions and passages), earlier questions and answers
    (never earlier reasoning), then the question. `passages` defaults to all the request's."""
    chosen = request.passages if passages is None else passages
    system = INSTRUCTIONS + "\n\n" + format_passages(chosen)
    history = [turn_message(turn) for turn in request.history if turn.role in ("user", "assistant")]
    return [{"role": "system", "content": system}, *history, {"role": "user", "content": sanitize(request.question)}]


def turn_message(turn: Turn) -> dict[str, str]:
    return {"role": turn.role, "content": sanitize(turn.text)}


def render(tokenizer: Tokenizer, messages: list[dict[str, str]], reasoning_effort: str = "low") -> str:
    """The prompt string the model sees; templates without `reasoning_effort` ignore it."""
    return tokenizer.apply_chat_template(
        messages, tokenize=False, add_generation_prompt=True, reasoning_effort=reasoning_effort
    )


def count_tokens(tokenizer: Tokenizer, text: str) -> int:
    return len(tokenizer.encode(text, add_special_tokens=False))


def fit_passages(passages: Sequence[Passage], tokenizer: Tokenizer, budget: int) -> tuple[Passage, ...]:
    """Keep the best-ranked passages whose formatted text fits `budget` tokens, dropping the lowest
    ranked first. When not even the best one fits, it is cut after its last sentence that fits."""
    kept: list[Passage] = []
    used = 0
    for passage in passages:
        cost = count_tokens(tokenizer, format_passage(passage) + "\n\n")
        if used + cost > budget:
            break
        kept.append(passage)
        used += cost
    if not kept and passages:
        kept.append(cut_passage(passages[0], tokenizer, budget))
    return tuple(kept)


def cut_passage(passage: Passage, tokenizer: Tokenizer, budget: int) -> Passage:
    """The passage cut at a sentence boundary to fit `budget`. Its first sentence is always kept
    (never a half sentence), so a lone very long sentence may overshoot the budget."""
    chunk = passage.chunk
    spans = chunk.sentences or ((0, len(chunk.text)),)
    best = shortened(passage, spans[0][1])
    for _, end in spans[1:]:
        candidate = shortened(passage, end)
        if count_tokens(tokenizer, format_passage(candidate)) > budget:
            break
        best = candidate
    return best


def shortened(passage: Passage, end: int) -> Passage:
    """The passage's chunk ending at `end` (a sentence end, relative to the chunk text). The id is
    kept so a citation of the cut passage still resolves to the chunk it came from."""
    chunk = passage.chunk
    spans = tuple((a, b) for a, b in chunk.sentences if b <= end)
    cut = replace(chunk, text=chunk.text[:end], end=chunk.start + end, sentences=spans)
    hit = passage.hit
    return Passage(passage.label, Hit(cut, hit.score, hit.dense, hit.lexical))
