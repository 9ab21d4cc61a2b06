"""Scoring the pipeline on gold questions (the format of shared/eval/gold.jsonl).

Each line has `question` (or `turns`, a conversation whose last turn is scored), `answerable`,
and for answerable items `expect` (groups of alternatives, every group must appear in the answer;
a flat list of strings is one group), `claims` (markers the answer must show) and `evidence` (a
phrase a cited passage, with its section label, must contain). Optional `kind` (answerable, follow-up, near-miss,
off-topic) and `split` (train, heldout) give the per-kind and per-split scores. Text is compared
lowercased with runs of whitespace as one space, so hard-wrapped documents match, and evidence
without inline markup (backticks, asterisks, brackets, link targets, HTML tags, "#" comment
marks), as a passage reads.
Items run through `Assistant.answer`, the same path as `rag ask`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rag.answer.generators.base import Turn
from rag.answer.pipeline import Assistant
from rag.errors import RagError
from rag.ingest import markdown
from rag.payload import answer_payload
from rag.records import Answer, Chunk

MODES = ("dense", "bm25", "hybrid")


def read_gold(path: Path, split: str | None = None) -> list[dict[str, Any]]:
    """The items of a gold file; only those of `split` when given."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        items = [json.loads(line) for line in lines if line.strip()]
    except (OSError, json.JSONDecodeError) as exc:
        raise RagError(f"--gold {path}: cannot read it as JSON lines ({exc})") from exc
    for number, item in enumerate(items, 1):
        if not (item.get("question") or item.get("turns")):
            raise RagError(f"--gold {path}: line {number} has neither 'question' nor 'turns'")
    if split:
        items = [item for item in items if item.get("split") == split]
        if not items:
            raise RagError(f"--gold {path}: no item has split {split!r}")
    return items


def normalised(text: str) -> str:
    """Lowercased, runs of whitespace as one space: how answers and evidence are compared."""
    return re.sub(r"\s+", " ", text).strip().lower()


_LINK = re.compile(r"\[([^\]]*)\]\([^)\s]*\)|\s*<https?://[^>\s]*>`?_*")
_MARKS = re.compile(r"[`*\[\]#]")
_LEADING_SEMICOLONS = re.compile(r"^\s*;+")  # the other comment mark of configuration files ("; autospawn = yes")


def markup_free(text: str) -> str:
    """`normalised`, without inline markup: an evidence phrase copied from a document's source
    ("Defaults to ``text/plain``.", "`YAML <https://yaml.org>`_", "to break, use <b>_.find</b>",
    a configuration sample's "# The configuration can be specified only at startup time." or
    "; autospawn = yes") still matches the passage as read, which shows literals, links and tags
    as their text and comment marks as spaces."""
    text = _LEADING_SEMICOLONS.sub("", text)
    return normalised(_MARKS.sub("", markdown.visible_text(_LINK.sub(lambda m: m.group(1) or "", text))))


def expect_groups(item: dict[str, Any]) -> list[list[str]]:
    """`expect` as groups of alternatives: a flat list of strings is one group (any of them)."""
    expect = item.get("expect") or []
    if all(isinstance(e, str) for e in expect):
        return [list(expect)] if expect else []
    return [[e] if isinstance(e, str) else list(e) for e in expect]


def turns_of(item: dict[str, Any]) -> list[str]:
    return list(item.get("turns") or [item["question"]])


def run_item(bot: Assistant, item: dict[str, Any]) -> tuple[Answer, tuple[Turn, ...]]:
    """Answer the earlier turns to build the history, then the scored last turn."""
    history: tuple[Turn, ...] = ()
    turns = turns_of(item)
    for turn in turns[:-1]:
        earlier = bot.ask(turn, history)
        history += (Turn("user", turn), Turn("assistant", earlier.text))
    return bot.ask(turns[-1], history), history


def judge_item(item: dict[str, Any], answer: Answer) -> dict[str, Any]:
    text = normalised(answer.text)
    result = {"id": item.get("id"), "answerable": bool(item.get("answerable", True)),
              "kind": item.get("kind"), "split": item.get("split"),
              "refused": answer.refused, "unverified": len(answer.unverified)}
    if not result["answerable"]:
        result["correct"] = answer.refused
        return result
    expect_ok = all(any(normalised(alt) in text for alt in group) for group in expect_groups(item))
    result["correct"] = not answer.refused and expect_ok
    result["claims_ok"] = all(marker in answer.text for marker in item.get("claims", []))
    evidence = markup_free(item.get("evidence") or "")
    result["evidence_ok"] = bool(evidence) and any(evidence in markup_free(shown_passage(c.chunk))
                                                   for c in answer.citations)
    return result


def shown_passage(chunk: Chunk) -> str:
    """A passage as a citation shows it: its section (a plain-text heading such as "Noteworthy
    changes in release 1.6" is the section, not the text), then its text."""
    return f"{chunk.section}\n{chunk.text}"


def rank_of_evidence(texts: Sequence[str], evidence: str) -> int | None:
    """1-based rank of the first text holding the evidence phrase, or None."""
    wanted = markup_free(evidence)
    for rank, text in enumerate(texts, 1):
        if wanted in markup_free(text):
            return rank
    return None


def retrieval_ranks(bot: Assistant, items: list[dict[str, Any]], histories, mode: str) -> list[int | None]:
    ranks = []
    for item, history in zip(items, histories):
        hits = bot.retrieve(turns_of(item)[-1], history, k=10, mode=mode).hits
        ranks.append(rank_of_evidence([shown_passage(h.chunk) for h in hits], item["evidence"]))
    return ranks


def retrieval_metrics(ranks: list[int | None]) -> dict[str, float]:
    count = len(ranks) or 1
    metrics = {f"recall@{k}": sum(1 for r in ranks if r and r <= k) / count for k in (1, 3, 5)}
    metrics["mrr"] = sum(1 / r for r in ranks if r) / count
    return metrics


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summarise(results: list[dict[str, Any]], latencies: list[float]) -> dict[str, Any]:
    answerable = [r for r in results if r["answerable"]]
    out_of_scope = [r for r in results if not r["answerable"]]
    refused = [r for r in results if r["refused"]]
    with_claims = [r for r in answerable if "claims_ok" in r]
    refusal_recall = _share(r["refused"] for r in out_of_scope)  # also the accuracy on out-of-scope items
    return {
        "items": len(results),
        "answer_accuracy": _share(r["correct"] for r in answerable),
        "claims_shown": _share(r["claims_ok"] for r in with_claims),
        "evidence_cited": _share(r["evidence_ok"] for r in answerable),
        "refusal_accuracy": refusal_recall,
        "answerable_refused": sum(1 for r in answerable if r["refused"]),
        "refusal_precision": _share(not r["answerable"] for r in refused),
        "refusal_recall": refusal_recall,
        "unverified_sentences": sum(r["unverified"] for r in results),
        "latency_ms_p50": percentile(latencies, 0.5),
        "latency_ms_p95": percentile(latencies, 0.95),
        "failures": [r["id"] for r in results if not r["correct"]],
        "by_kind": by_group(results, "kind"),
        "by_split": by_group(results, "split"),
    }


def by_group(results: list[dict[str, Any]], field: str) -> dict[str, dict[str, Any]]:
    """The headline scores for each value of `field` ("kind" or "split") the items carry."""
    values = sorted({r[field] for r in results if r.get(field)})
    groups = {}
    for value in values:
        members = [r for r in results if r.get(field) == value]
        answerable = [r for r in members if r["answerable"]]
        group = {"items": len(members)}
        if answerable:
            group |= {"answer_accuracy": _share(r["correct"] for r in answerable),
                      "evidence_cited": _share(r["evidence_ok"] for r in answerable),
                      "answerable_refused": sum(1 for r in answerable if r["refused"])}
        if len(answerable) < len(members):
            group["refusal_accuracy"] = _share(r["refused"] for r in members if not r["answerable"])
        groups[value] = group
    return groups


def _share(flags) -> float:
    flags = list(flags)
    return round(sum(bool(f) for f in flags) / len(flags), 4) if flags else 1.0


def evaluate(bot: Assistant, gold: Path, out: Path | None = None, compare: bool = False,
             split: str | None = None) -> dict[str, Any]:
    items = read_gold(gold, split)
    results, latencies, histories, lines = [], [], [], []
    for item in items:
        answer, history = run_item(bot, item)
        histories.append(history)
        results.append(judge_item(item, answer))
        latencies.append(answer.timings_ms.get("total", 0.0))
        lines.append(json.dumps({"id": item.get("id"), **answer_payload(answer)}, ensure_ascii=False))
    if out is not None:
        out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = summarise(results, latencies)
    scored = [(i, h) for i, h in zip(items, histories) if i.get("answerable", True) and i.get("evidence")]
    modes = MODES if compare else ("hybrid",)
    summary["retrieval"] = {mode: retrieval_metrics(retrieval_ranks(bot, [i for i, _ in scored],
                                                                    [h for _, h in scored], mode))
                            for mode in modes}
    return summary


def format_summary(summary: dict[str, Any]) -> str:
    lines = [f"items                 {summary['items']}",
             f"answer accuracy       {summary['answer_accuracy']:.1%}",
             f"claims shown          {summary['claims_shown']:.1%}",
             f"evidence cited        {summary['evidence_cited']:.1%}",
             f"refusal accuracy      {summary['refusal_accuracy']:.1%}  "
             f"(precision {summary['refusal_precision']:.1%}, recall {summary['refusal_recall']:.1%})",
             f"answerable refused    {summary['answerable_refused']}",
             f"unverified sentences  {summary['unverified_sentences']}",
             f"latency p50 / p95     {summary['latency_ms_p50']:.1f} / {summary['latency_ms_p95']:.1f} ms"]
    for field in ("by_kind", "by_split"):
        lines.extend(group_line(value, group) for value, group in summary.get(field, {}).items())
    for mode, metrics in summary["retrieval"].items():
        lines.append(f"retrieval {mode:<7}     " + "  ".join(f"{k} {v:.3f}" for k, v in metrics.items()))
    if summary["failures"]:
        lines.append("failed items          " + ", ".join(str(f) for f in summary["failures"]))
    return "\n".join(lines)


def group_line(value: str, group: dict[str, Any]) -> str:
    """"  near-miss  items 14  refusal accuracy 50.0%": shares as percentages, counts as they are."""
    shown = (f"{name.replace('_', ' ')} {score:.1%}" if isinstance(score, float) else f"{name.replace('_', ' ')} {score}"
             for name, score in group.items())
    return f"  {value:<19} " + "  ".join(shown)
