"""Ratings of answers: one JSON line per thumbs up/down (or its comment) in a local file.

A user's vote on an answer is a `Feedback` record appended to `feedback.jsonl`; a later line for the
same answer (a comment, a changed vote) supersedes the earlier one when the file is read back, so
`rag feedback` lists each rated answer once, ready to become an eval case.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from rag.errors import RagError

VOTES = ("up", "down")
_WRITE_LOCK = threading.Lock()  # chats of one server append concurrently; keep their lines whole


@dataclass(frozen=True)
class Feedback:
    answer_id: str  # one per answer shown; a second record for it (a comment) replaces the first
    question: str
    answer: str
    citations: list[dict[str, Any]]
    generator: str
    vote: str  # "up" or "down"
    comment: str = ""
    time: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))


def record(path: Path, feedback: Feedback) -> None:
    """Append one line; the folder is made if needed."""
    if feedback.vote not in VOTES:
        raise RagError(f"vote {feedback.vote!r}: use one of {VOTES}")
    line = json.dumps(asdict(feedback), ensure_ascii=False)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _WRITE_LOCK, path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")
    except OSError as error:
        raise RagError(f"cannot write feedback to {path} ({error.strerror}): set `feedback` to a writable file") from error


def read(path: Path) -> list[dict[str, Any]]:
    """The latest record of each rated answer, in the order answers were first rated. A line that is
    not JSON (a crash mid-write) is skipped rather than hiding every other rating."""
    if not path.is_file():
        return []
    latest: dict[str, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(item, dict) and "answer_id" in item:
            latest[item["answer_id"]] = {**latest.get(item["answer_id"], {}), **item}
    return list(latest.values())


def summary_line(item: dict[str, Any]) -> str:
    vote = "👍" if item.get("vote") == "up" else "👎"
    labels = ",".join(c.get("label", "") for c in item.get("citations", []))
    comment = f" — {item['comment']}" if item.get("comment") else ""
    return f"{item.get('time', '')} {vote} {item.get('question', '')!r} [{labels}] ({item.get('generator', '')}){comment}"
