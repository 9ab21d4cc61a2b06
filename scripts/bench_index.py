"""Benchmark `rag index`: an up-to-date run (wall time from process start, median of 5), one
changed file (texts embedded vs the total), and full-build throughput in chunks per second on the
article corpus and on a synthetic 500-file corpus. Prints a Markdown table; docs/INDEXING.md
records a run.

    python scripts/bench_index.py --embedder minilm
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rag.doctor import machine

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("river mountain engine harvest lantern copper violin glacier orchard canyon beacon meadow "
         "compass ferry quarry timber falcon harbour thunder pepper").split()


def synthetic(folder: Path, files: int = 500, seed: int = 0) -> Path:
    """`files` Markdown files of two sections with three sentences per paragraph."""
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    for n in range(files):
        sections = []
        for part in range(2):
            paragraphs = [" ".join(" ".join(rng.choice(WORDS) for _ in range(10)).capitalize() + "."
                                   for _ in range(3)) for _ in range(2)]
            sections.append(f"## Part {part}\n\n" + "\n\n".join(paragraphs))
        (folder / f"doc{n:03d}.md").write_text(f"# Document {n}\n\n" + "\n\n".join(sections) + "\n")
    return folder


def rag_index(corpus: Path, index: Path, embedder: str, *flags: str) -> tuple[float, dict]:
    """Wall seconds of a `python -m rag index` process, start to exit, and its JSON report."""
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "rag", "index", "--corpus", str(corpus), "--index", str(index),
                          "--embedder", embedder, "--json", *flags], capture_output=True, text=True,
                         env=env, check=True)
    return time.perf_counter() - started, json.loads(out.stdout)


def total_texts(index: Path) -> int:
    from rag.index import store

    return len(json.loads((store.current_dir(index) / "texts.json").read_text()))


def bench(name: str, corpus: Path, work: Path, embedder: str) -> list[tuple[str, str]]:
    index = work / f"index-{name}"
    seconds, full = rag_index(corpus, index, embedder, "--rebuild")
    rows = [(f"{name}: full build", f"{full['chunks']} chunks, {full['embedded']} texts in "
             f"{full['seconds']:.1f} s = {full['chunks'] / full['seconds']:.0f} chunks/s, "
             f"{full['embedded'] / full['seconds']:.0f} texts/s ({seconds:.1f} s with process start)")]
    walls = [rag_index(corpus, index, embedder)[0] for _ in range(5)]
    rows.append((f"{name}: nothing changed", f"median {statistics.median(walls):.2f} s wall "
                 f"(min {min(walls):.2f}, max {max(walls):.2f}), process start included"))
    target = sorted(corpus.glob("*.md"))[0]
    target.write_text(target.read_text().replace("\n\n", "\n\nA freshly added sentence. ", 1))
    seconds, one = rag_index(corpus, index, embedder)
    rows.append((f"{name}: one changed file", f"{one['embedded']} of {total_texts(index)} texts embedded "
                 f"({len(one['changed'])} file changed), {seconds:.2f} s wall"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--embedder", default="minilm", help="minilm, hashing or a model folder")
    parser.add_argument("--files", type=int, default=500, help="files in the synthetic corpus")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-index-"))
    try:
        article = work / "article"
        shutil.copytree(ROOT / "corpus", article)
        rows = bench("article", article, work, args.embedder)
        rows += bench(f"synthetic {args.files} files", synthetic(work / "synthetic", args.files), work, args.embedder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"embedder {args.embedder} on {machine()}\n")
    print("| case | result |\n| --- | --- |")
    for case, result in rows:
        print(f"| {case} | {result} |")


if __name__ == "__main__":
    main()
