"""Fit the relevance gate's threshold on the eval sets (gold + the project's own questions).

Every item goes through the pipeline's own retrieval (condense, embed, search); its gate score is
`rag.answer.gate.relevance` of the best of the top hits. Items the name rule already refuses are set
aside. The threshold is the midpoint of the widest score gap that refuses every out-of-scope item
while refusing the fewest answerable ones; the table and the chosen value are printed.

    python scripts/fit_gate.py [--gold eval/gold.jsonl --gold eval/project.jsonl] [--backend torch]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from rag import evaluate  # noqa: E402
from rag.answer import gate  # noqa: E402
from rag.answer.generators.base import Turn  # noqa: E402
from rag.service import assistant, ensure_index  # noqa: E402
from rag.settings import load  # noqa: E402

DEFAULT_GOLD = [Path("eval/gold.jsonl"), Path("eval/project.jsonl")]


def features(bot, item: dict) -> dict:
    """The gate's inputs for the scored turn of one item, as the pipeline computes them: its first
    event carries the query it searched for and the hits, before the gate runs."""
    turns = evaluate.turns_of(item)
    history = tuple(Turn("user", t) for t in turns[:-1])
    retrieved = next(bot.answer(turns[-1], history))
    vocabulary = bot.index().vocab
    return {"id": item.get("id"), "answerable": bool(item.get("answerable", True)),
            "kind": item.get("kind", "answerable" if item.get("answerable", True) else "out-of-scope"),
            "score": gate.score(retrieved.hits), "names": gate.unknown_names(turns[-1], vocabulary),
            "question": turns[-1],
            "unsupported": gate.unsupported(turns[-1], retrieved.hits, vocabulary, retrieved.query)}


def sweep(rows: list[dict], thresholds: list[float]) -> list[tuple[float, int, int, int]]:
    """(threshold, off-topic answered, near-miss answered, answerable refused) per threshold."""
    table = []
    for threshold in thresholds:
        passed = [r for r in rows if r["score"] >= threshold]
        table.append((threshold, sum(r["kind"] not in ("answerable", "near-miss") for r in passed),
                      sum(r["kind"] == "near-miss" for r in passed),
                      sum(1 for r in rows if r["answerable"] and r["score"] < threshold)))
    return table


def choose(rows: list[dict]) -> tuple[float, float, float]:
    """(threshold, gap low, gap high). Every out-of-scope item must be refused, so the threshold
    lies above the best-scoring one; the fewest answerable are refused when it lies in the gap
    just above that score, and its midpoint gives both sides the widest margin."""
    top_out = max(r["score"] for r in rows if not r["answerable"])
    above = [r["score"] for r in rows if r["answerable"] and r["score"] > top_out]
    high = min(above, default=top_out + 0.02)
    return round((top_out + high) / 2, 3), top_out, high


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, action="append")
    parser.add_argument("--backend", default=None)
    parser.add_argument("--index", type=Path, default=None)
    args = parser.parse_args()
    settings = load({"backend": args.backend, "index": args.index})
    bot = assistant(settings)
    ensure_index(settings, embedder=bot.embedder)
    items = [item for path in (args.gold or DEFAULT_GOLD) for item in evaluate.read_gold(path)]
    report([features(bot, item) for item in items])


def report(rows: list[dict]) -> None:
    """Print the boundary, the sweep table and the chosen threshold."""
    named = [r for r in rows if r["names"]]
    scored = [r for r in rows if not r["names"]]
    print(f"{len(rows)} items; {len(named)} refused by the name rule "
          f"({sum(not r['answerable'] for r in named)} out of scope, {sum(r['answerable'] for r in named)} answerable)")
    print("\nclosest to the boundary (score, kind, id, question):")
    for r in _boundary(scored):
        print(f"  {r['score']:.3f}  {r['kind']:<11} {r['id']:<5} {r['question'][:70]}")
    # Near-misses are on topic by design; no passage score can tell them from answerable
    # questions (docs/RETRIEVAL.md), so they are reported, not fitted to.
    threshold, low, high = choose([r for r in scored if r["kind"] != "near-miss"])
    refused = sum(1 for r in scored if r["answerable"] and r["score"] < threshold)
    grid = sorted({*(round(0.30 + 0.05 * i, 2) for i in range(11)), threshold})
    print("\nthreshold  off-topic answered  near-miss answered  answerable refused")
    for t, off, near, refused_at in sweep(scored, grid):
        print(f"  {t:.3f}   {off:>10}  {near:>18}  {refused_at:>18}{'   <- chosen' if t == threshold else ''}")
    print(f"\nchosen gate_threshold = {threshold:.3f}: midpoint of the gap {low:.3f} .. {high:.3f} between the "
          f"best-scoring out-of-scope item and the next answerable one; {refused} answerable refused")
    near = [r for r in scored if r["kind"] == "near-miss" and r["score"] >= threshold]
    if near:
        print(f"near-miss items the threshold lets through: {', '.join(r['id'] for r in near)}")
        for r in near:
            verdict = f"refused: the passages found {r['unsupported']}" if r["unsupported"] else "ANSWERED"
            print(f"  {r['id']:<5} {r['question'][:60]:<60} {verdict}")
    through = [r["id"] for r in scored if r["answerable"] and r["score"] >= threshold and r["unsupported"]]
    print(f"answerable items the asked-for check refuses: {', '.join(through) or 'none'}")


def _boundary(rows: list[dict], width: int = 12) -> list[dict]:
    """The rows around where out-of-scope scores end and answerable scores begin."""
    ordered = sorted(rows, key=lambda r: r["score"])
    top_out = max(i for i, r in enumerate(ordered) if not r["answerable"] and r["kind"] != "near-miss")
    return ordered[max(0, top_out - width // 2): top_out + width // 2]


if __name__ == "__main__":
    main()
