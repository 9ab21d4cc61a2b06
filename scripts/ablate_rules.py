"""Drop the relevance gate's, question analysis's and answer choice's rules one at a time and count
what changes.

Each dev set is answered in process with the extractive generator; a line per rule gives, per
set, answerable items answered right and unanswerable items refused, with the change against all
rules in place. A rule whose removal changes nothing anywhere does not earn its keep
(docs/RETRIEVAL.md, "Rules ablated"). The blind held-out sets are never read.

    python scripts/ablate_rules.py
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from rag import evaluate  # noqa: E402
from rag.answer import gate, question  # noqa: E402
from rag.answer.generators import companion  # noqa: E402
from rag.service import assistant, ensure_index  # noqa: E402
from rag.settings import load  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
import eval_sets  # noqa: E402

DEV_SETS = [(name, str(eval_sets.corpus_of(name))) for name in eval_sets.DEV_SETS]
NEVER = re.compile(r"(?!x)x")


def score(bots, items) -> dict[str, tuple[int, int, int, int]]:
    question.wanted_kind.cache_clear()
    gate._units.cache_clear()
    out = {}
    for name, corpus in DEV_SETS:
        results = [evaluate.judge_item(item, evaluate.run_item(bots[corpus], item)[0]) for item in items[name]]
        answerable = [r for r in results if r["answerable"]]
        others = [r for r in results if not r["answerable"]]
        out[name] = (sum(r["correct"] for r in answerable), len(answerable), sum(r["correct"] for r in others), len(others))
    return out


def line(label: str, result, base=None) -> str:
    cells = []
    for name, (right, answerable, refused, others) in result.items():
        change = f"({right - base[name][0]:+d},{refused - base[name][2]:+d})" if base else ""
        cells.append(f"{name}:{right}/{answerable},{refused}/{others}{change}")
    return f"{label:32s} " + " ".join(cells)


@contextlib.contextmanager
def patched(owner, name: str, value):
    old = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, old)


def ablations():
    """(label, the patches that remove one rule)."""
    asked = list(question.ASKED_ABOUT)
    for i in range(len(asked)):
        yield f"drop ASKED_ABOUT[{i}]", [(question, "ASKED_ABOUT", asked[:i] + asked[i + 1:])]
    yield "drop the when-question verb", [(question, "_PREDICATE", NEVER)]
    for kind in gate.CHECKED_KINDS:
        yield f"drop checked kind {kind}", [(gate, "CHECKED_KINDS", {k: v for k, v in gate.CHECKED_KINDS.items() if k != kind})]
    types = list(question.ANSWER_TYPES)
    for i, kind in enumerate(types):
        yield f"drop kind of fact {kind[0]}", [(question, "ANSWER_TYPES", types[:i] + types[i + 1:])]
    yield "drop a version beside its thing", [(gate, "_version_beside", lambda asked, stating: "")]
    yield "drop judgement words", [(question, "FORM_WORDS", question.MEASURE_WORDS)]
    yield "drop unknown names", [(gate, "unknown_names", lambda text, vocabulary, found=(): [])]
    yield "drop acronyms spelled out", [(gate, "spells_out", lambda text, acronym: False)]
    yield "drop 'how do i' asks a way", [(question, "_ASKS_MANNER", NEVER)]
    yield "drop a short 'this' line's antecedent", [(companion, "_leans_back", lambda text: False)]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        bots = {}
        for corpus in {c for _, c in DEV_SETS}:
            settings = load({"corpus": Path(corpus), "index": Path(folder) / Path(corpus).name, "generator": "extractive"})
            bots[corpus] = assistant(settings)
            ensure_index(settings, embedder=bots[corpus].embedder)
        items = {name: evaluate.read_gold(eval_sets.gold_of(name)) for name, _ in DEV_SETS}
        base = score(bots, items)
        print(line("all rules", base), flush=True)
        for label, patches in ablations():
            with contextlib.ExitStack() as stack:
                for owner, name, value in patches:
                    stack.enter_context(patched(owner, name, value))
                print(line(label, score(bots, items), base), flush=True)


if __name__ == "__main__":
    main()
