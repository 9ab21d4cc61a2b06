"""Score several eval sets in one process, one line each.

Each set's corpus is indexed into `--index-root` (kept between runs: a later run only re-reads
what changed), then the set runs through `rag.evaluate.evaluate`, as `rag eval` does. Per set:
answer accuracy, evidence cited, near-miss + off-topic refused, answerable refused, recall@5.
`--out DIR` writes each set's answers as `rag eval --out` does, for reading the failed items of
dev sets; `--kinds` adds the scores per kind of question.

    python scripts/eval_sets.py                                  # the dev sets
    python scripts/eval_sets.py --sets corpus9 article_user8     # a blind set: first and final runs only
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from rag import evaluate  # noqa: E402
from rag.service import assistant, builder  # noqa: E402
from rag.settings import load  # noqa: E402

# Dev data: every set whose failures have been read. The newest blind set is not listed here:
# name it with --sets once, when its score is to be recorded.
DEV_SETS = ["gold", "project", "heldout", "article_user", "article_user2", "article_user3", "article_user4",
            "article_user5", "article_user6", "article_user7", "article_user8", "article_user9", "article_user10",
            "corpus2", "corpus3", "corpus4", "corpus5", "corpus6", "corpus7", "corpus8", "corpus9", "corpus10",
            "corpus11", "article_user11", "corpus12", "article_user12", "corpus13",
            "article_user13", "corpus14", "article_user14", "corpus15", "article_user15", "corpus16",
            "article_user16", "corpus17", "article_user17", "corpus18", "article_user18", "corpus19",
            "article_user19", "corpus20", "article_user20", "corpus21", "article_user21", "corpus22",
            "article_user22", "corpus23", "corpus25", "corpus24", "article_user23", "corpus26",
            "article_user24", "corpus27", "article_user25",
            "corpus28", "article_user26", "corpus29", "article_user27"]


def corpus_of(name: str) -> Path:
    """The folder a set asks about: `eval/corpusN` for corpusN, else the article in `corpus/`."""
    folder = Path("eval") / name
    return folder if name.startswith("corpus") and folder.is_dir() else Path("corpus")


def gold_of(name: str) -> Path:
    return Path("eval") / f"{name}.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", nargs="+", default=DEV_SETS, help="set names (eval/NAME.jsonl)")
    parser.add_argument("--index-root", type=Path, default=Path("/tmp/rag-eval-indexes"))
    parser.add_argument("--out", type=Path, help="folder for each set's answers (NAME.jsonl)")
    parser.add_argument("--gate-threshold", type=float, help="the relevance gate's threshold (default: the setting)")
    parser.add_argument("--kinds", action="store_true", help="also print the scores per kind of question")
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
            report = builder(settings).run()  # builds the index, or brings a kept one up to date
            for skipped in report.skipped:  # a document left unread would fail every question on it
                print(f"  {corpus}: {skipped['path']} not indexed: {skipped['reason']}", flush=True)
            for plain in report.read_as_text:
                print(f"  {corpus}: {plain['path']} read as plain text: {plain['reason']}", flush=True)
            bots[corpus] = assistant(settings)
        s = evaluate.evaluate(bots[corpus], gold_of(name), args.out / f"{name}.jsonl" if args.out else None)
        totals.append(s["answer_accuracy"])
        print(f"{name:15s} {s['answer_accuracy']:7.1%} {s['evidence_cited']:7.1%} {s['refusal_accuracy']:8.1%} "
              f"{s['answerable_refused']:7d} {s['retrieval']['hybrid']['recall@5']:6.3f}", flush=True)
        if args.kinds:
            for kind, group in s["by_kind"].items():
                print(evaluate.group_line(kind, group))
    print(f"{'mean answer':15s} {sum(totals) / len(totals):7.1%}")


if __name__ == "__main__":
    main()
