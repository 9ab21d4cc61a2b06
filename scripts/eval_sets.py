"""Score several eval sets in one process, one line each, and keep every item's result.

Each set's corpus is indexed once into `--index-root` (kept between runs, so a later run only
re-reads what changed), then every item goes through `Assistant.answer` as `rag eval` does. Per
set: answer accuracy, evidence cited, near-miss + off-topic refused, answerable refused,
recall@5. `--out DIR` writes each set's items (verdict, answer text, refusal reason) as JSON lines,
for reading failures of dev sets.

    python scripts/eval_sets.py                       # the dev sets
    python scripts/eval_sets.py --sets corpus7 article_user6   # a blind set, once, at the end
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from rag import evaluate  # noqa: E402
from rag.service import assistant, ensure_index  # noqa: E402
from rag.settings import load  # noqa: E402

# Dev data: every set whose failures have been read. The newest blind set is not listed here:
# name it with --sets once, when its score is to be recorded.
DEV_SETS = ["gold", "project", "heldout", "article_user", "article_user2", "article_user3", "article_user4",
            "article_user5", "corpus2", "corpus3", "corpus4", "corpus5", "corpus6"]


def corpus_of(name: str) -> Path:
    """The folder a set asks about: `eval/corpusN` for corpusN, else the article in `corpus/`."""
    folder = Path("eval") / name
    return folder if name.startswith("corpus") and folder.is_dir() else Path("corpus")


def gold_of(name: str) -> Path:
    shared = Path("../shared/eval/gold.jsonl")
    return shared if name == "gold" and not Path("eval/gold.jsonl").exists() else Path("eval") / f"{name}.jsonl"


def score_set(bot, name: str, out: Path | None) -> dict:
    items = evaluate.read_gold(gold_of(name))
    results, lines, histories = [], [], []
    for item in items:
        answer, history = evaluate.run_item(bot, item)
        histories.append(history)
        result = evaluate.judge_item(item, answer)
        results.append(result)
        lines.append(json.dumps({**result, "question": evaluate.turns_of(item), "expect": item.get("expect"),
                                 "evidence": item.get("evidence"), "answer": answer.text}, ensure_ascii=False))
    if out is not None:
        (out / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = evaluate.summarise(results, [])
    scored = [(i, h) for i, h in zip(items, histories) if i.get("answerable", True) and i.get("evidence")]
    ranks = evaluate.retrieval_ranks(bot, [i for i, _ in scored], [h for _, h in scored], "hybrid")
    summary["recall@5"] = evaluate.retrieval_metrics(ranks)["recall@5"]
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", nargs="+", default=DEV_SETS, help="set names (eval/NAME.jsonl)")
    parser.add_argument("--index-root", type=Path, default=Path("/tmp/rag-eval-indexes"))
    parser.add_argument("--out", type=Path, help="folder for each set's per-item results")
    parser.add_argument("--gate-threshold", type=float, help="the relevance gate's threshold (default: the setting)")
    args = parser.parse_args()
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    bots = {}
    print(f"{'set':15s} {'answer':>7s} {'evid.':>7s} {'refused':>8s} {'ans.ref':>7s} {'r@5':>6s}")
    totals = []
    for name in args.sets:
        corpus = corpus_of(name)
        if corpus not in bots:
            settings = load({"corpus": corpus, "index": args.index_root / corpus.name, "generator": "extractive",
                             "gate_threshold": args.gate_threshold})
            ensure_index(settings) or _update(settings)
            bots[corpus] = assistant(settings)
        s = score_set(bots[corpus], name, args.out)
        totals.append(s["answer_accuracy"])
        print(f"{name:15s} {s['answer_accuracy']:7.1%} {s['evidence_cited']:7.1%} {s['refusal_accuracy']:8.1%} "
              f"{s['answerable_refused']:7d} {s['recall@5']:6.3f}", flush=True)
    print(f"{'mean answer':15s} {sum(totals) / len(totals):7.1%}")


def _update(settings) -> None:
    """An index kept from an earlier run: bring it up to date with the code and the corpus."""
    from rag.service import builder
    builder(settings).run()


if __name__ == "__main__":
    main()
