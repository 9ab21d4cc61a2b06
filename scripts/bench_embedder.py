"""Benchmark the embedder backends on this machine: import cost, cold first vector, single-query
latency, batch throughput and cosine to the PyTorch vectors, with ratios to PyTorch from the same run.

Only the embedder; retrieval and answers belong to scripts/bench.py. Usage:
    HF_HUB_OFFLINE=1 python scripts/bench_embedder.py [--reps 200] [--threads 1,2]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.embed.embedder import Embedder, SentenceTransformerEmbedder  # noqa: E402
from rag.embed.onnx_embedder import DEFAULT_CACHE, OnnxEmbedder  # noqa: E402

QUERY = "Is ChatGPT open source?"
# Run in a fresh interpreter: what a `rag ask` pays before its first vector. The libraries are
# imported first and timed on their own, then the embedder loads and embeds one query.
COLD = """
import json, sys, time
start = time.perf_counter()
{imports}
imported = time.perf_counter()
sys.path.insert(0, {root!r})
from pathlib import Path
{make}
e.embed_query({query!r})
done = time.perf_counter()
print(json.dumps({{"import_s": imported - start, "first_vector_s": done - start}}))
"""


@dataclass(frozen=True)
class Backend:
    label: str
    threads: int
    imports: str
    make: str


@dataclass
class Row:
    label: str
    threads: int
    import_s: float
    first_vector_s: float
    p50_ms: float
    p95_ms: float
    texts_per_s: float
    cos_min: float
    cos_mean: float


def article_texts(limit: int = 256) -> list[str]:
    text = (ROOT / "corpus" / "article.md").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    sentences = [s for line in lines for s in re.split(r"(?<=[.?!])\s+(?=[A-Z])", line) if s.strip()]
    return (sentences * (limit // len(sentences) + 1))[:limit]


def backends(threads: list[int], cache: Path) -> list[Backend]:
    rows = [Backend("torch", _torch_threads(), "import sentence_transformers",
                    "from rag.embed.embedder import SentenceTransformerEmbedder as E; e = E()")]
    for quantized in (False, True):
        for n in threads:
            rows.append(Backend(
                f"onnx-{'int8' if quantized else 'fp32'}", n, "import onnxruntime, tokenizers",
                f"from rag.embed.onnx_embedder import OnnxEmbedder as E; "
                f"e = E(quantized={quantized}, cache_dir=Path({str(cache)!r}), threads={n})"))
    return rows


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def build(backend: Backend) -> Embedder:
    scope: dict = {"Path": Path}
    exec(backend.make, scope)  # the same line the cold-start subprocess runs
    return scope["e"]


def cold_start(backend: Backend) -> dict[str, float]:
    """Second of two fresh runs: the first warms the OS file cache, as a second `rag ask` finds it."""
    code = COLD.format(imports=backend.imports, root=str(ROOT), make=backend.make, query=QUERY)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    for _ in range(2):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                             check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def query_latency(embedder: Embedder, reps: int) -> tuple[float, float]:
    for _ in range(20):
        embedder.embed_query(QUERY)
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        embedder.embed_query(QUERY)
        times.append(time.perf_counter() - start)
    ms = np.array(times) * 1000
    return float(np.median(ms)), float(np.percentile(ms, 95))


def throughput(embedder: Embedder, texts: list[str]) -> float:
    embedder.embed(texts[:64])
    start = time.perf_counter()
    embedder.embed(texts, batch_size=64)
    return len(texts) / (time.perf_counter() - start)


def measure(backend: Backend, texts: list[str], reference: np.ndarray, reps: int) -> Row:
    cold = cold_start(backend)
    embedder = build(backend)
    p50, p95 = query_latency(embedder, reps)
    unique = list(dict.fromkeys(texts))
    cosines = (np.stack([embedder.embed_query(t) for t in unique]) * reference).sum(axis=1)
    return Row(backend.label, backend.threads, cold["import_s"], cold["first_vector_s"], p50, p95,
               throughput(embedder, texts), float(cosines.min()), float(cosines.mean()))


def table(rows: list[Row]) -> str:
    base = rows[0]
    lines = ["| backend | threads | import s | process to first vector s | query p50 ms | p95 ms "
             "| p50 vs torch | batch texts/s | vs torch | cos min | cos mean |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r.label} | {r.threads} | {r.import_s:.2f} | {r.first_vector_s:.2f} "
                     f"| {r.p50_ms:.2f} | {r.p95_ms:.2f} | {base.p50_ms / r.p50_ms:.1f}x faster "
                     f"| {r.texts_per_s:.0f} | {r.texts_per_s / base.texts_per_s:.1f}x "
                     f"| {r.cos_min:.4f} | {r.cos_mean:.4f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--threads", default="1,2", help="ONNX intra-op thread counts to try")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    OnnxEmbedder(quantized=True, cache_dir=args.cache_dir).onnx_file()  # export outside the timings
    texts = article_texts()
    reference = SentenceTransformerEmbedder().embed(list(dict.fromkeys(texts)))
    rows = [measure(b, texts, reference, args.reps)
            for b in backends([int(n) for n in args.threads.split(",")], args.cache_dir)]
    print(f"cpus {os.cpu_count()}, load average {os.getloadavg()[0]:.1f} at the end; "
          f"query {QUERY!r} x {args.reps}; batch {len(texts)} article sentences, batch size 64")
    print(table(rows))


if __name__ == "__main__":
    main()
