"""The JSON shape of an answer, shared by `rag ask --json`, `rag eval --out` and the HTTP API."""

from __future__ import annotations

from typing import Any

from rag.records import Answer


def answer_payload(answer: Answer) -> dict[str, Any]:
    return {
        "question": answer.question,
        "query": answer.query,
        "answer": answer.text,
        "refused": answer.refused,
        "generator": answer.generator,
        "generator_reason": answer.generator_reason,
        "citations": [{"label": c.label, "chunk_id": c.chunk.id, "source": c.chunk.source,
                       "section": c.chunk.section, "text": c.chunk.text, "claims": list(c.chunk.claims),
                       "supporting": list(c.supporting), "start": c.chunk.start, "end": c.chunk.end}
                      for c in answer.citations],
        "claims": [{"marker": c.marker, "text": c.text} for c in answer.claims],
        "hits": [{"chunk_id": h.chunk.id, "score": round(h.score, 6), "dense": round(h.dense, 4),
                  "lexical": round(h.lexical, 4), "section": h.chunk.section, "text": h.chunk.text}
                 for h in answer.hits],
        "thinking": answer.thinking,
        "unverified": list(answer.unverified),
        "dropped_labels": list(answer.dropped_labels),
        "timings_ms": answer.timings_ms,
    }
