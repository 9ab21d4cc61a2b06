"""Condensing a follow-up with the conversation into a search query.

No trigger words: a word list cannot tell a follow-up that leans on the last turn ("why did they
do that?") from one that changes subject ("who implemented the GPU version?"), and measured on
the blind follow-ups (docs/RETRIEVAL.md) it missed both kinds. So the query is always the last
user turns with the question, and the pipeline also searches the question alone and fuses the
two rankings: whichever reading the conversation meant finds its passages.
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.answer.generators.base import Turn

CONTEXT_TURNS = 2  # the user's last two questions: a chain of follow-ups keeps the entity it started from


def condense(question: str, history: Sequence[Turn]) -> str:
    """The query to search for: the user's last questions, then this one."""
    earlier = [turn.text.strip() for turn in history if turn.role == "user" and turn.text.strip()]
    return " ".join([*earlier[-CONTEXT_TURNS:], question.strip()])
