"""Benchmark FAISS dense index types (and BM25) on synthetic clustered corpora of 10k to 1M chunks.

For each size and index type: build seconds, index bytes, process RSS growth, single-query p50/p95
with one OpenMP thread, and recall@10 against exact search. Prints a Markdown table; `--out` writes
JSON. docs/SCALE.md records a run; rag/index/dense.py takes its parameters from it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import tempfile
import time
from collections.abc import Callable, Iterator

import faiss
import numpy as np

from rag.doctor import cpu_model

DIM = 384
K = 10
N_QUERIES = 200
EF_SEARCH = (16, 32, 64, 128, 256)
NPROBE = (8, 16, 32, 64, 128)


# -- synthetic data ----------------------------------------------------------------------------

def _normalize(x: np.ndarray) -> np.ndarray:
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def corpus(n: int, seed: int = 0, block: int = 100_000) -> np.ndarray:
    """Unit vectors: 200 topics, n/300 (1000-4000) cluster centres around them, anisotropic noise.

    Real sentence embeddings are clustered at several scales and have a decaying spectrum (low
    intrinsic dimension); flat, well-separated clusters of isotropic noise would instead make HNSW
    graphs fall apart into islands, which real data does not do.
    """
    rng = np.random.default_rng(seed)
    n_centres = int(np.clip(n // 300, 1000, 4000))
    topics = _normalize(rng.standard_normal((200, DIM)).astype(np.float32))
    spread = _normalize(rng.standard_normal((n_centres, DIM)).astype(np.float32))
    centres = _normalize(topics[rng.integers(0, len(topics), n_centres)] + spread)
    rotation = np.linalg.qr(rng.standard_normal((DIM, DIM)))[0].astype(np.float32)
    spectrum = np.arange(1, DIM + 1, dtype=np.float32) ** -0.6  # decaying variance per direction
    spectrum *= 0.9 / np.linalg.norm(spectrum)  # noise norm 0.9: nearest-neighbour cosine ~0.7
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, block):
        m = min(block, n - start)
        noise = (rng.standard_normal((m, DIM)).astype(np.float32) * spectrum) @ rotation
        out[start:start + m] = _normalize(centres[rng.integers(0, n_centres, m)] + noise)
    return out


def queries(data: np.ndarray, n: int = N_QUERIES, seed: int = 1) -> np.ndarray:
    """Paraphrase-like queries: a data point plus small noise, not identical to any point."""
    rng = np.random.default_rng(seed)
    picked = data[rng.choice(len(data), n, replace=False)]
    return _normalize(picked + rng.standard_normal(picked.shape).astype(np.float32) * (0.25 / np.sqrt(DIM)))


# -- index candidates ----------------------------------------------------------------------------

def _hnsw(m: int, ef_construction: int) -> Callable[[np.ndarray], faiss.Index]:
    def build(data: np.ndarray) -> faiss.Index:
        index = faiss.IndexHNSWFlat(DIM, m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = ef_construction
        index.add(data)
        return index
    return build


def _hnsw_sq8(m: int, ef_construction: int) -> Callable[[np.ndarray], faiss.Index]:
    def build(data: np.ndarray) -> faiss.Index:
        index = faiss.IndexHNSWSQ(DIM, faiss.ScalarQuantizer.QT_8bit, m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = ef_construction
        index.train(data[:100_000])
        index.add(data)
        return index
    return build


def _ivf_flat(nlist: int) -> Callable[[np.ndarray], faiss.Index]:
    def build(data: np.ndarray) -> faiss.Index:
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(DIM), DIM, nlist, faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(2)
        index.train(data[rng.choice(len(data), min(len(data), 40 * nlist), replace=False)])
        index.add(data)
        return index
    return build


def _flat(data: np.ndarray) -> faiss.Index:
    index = faiss.IndexFlatIP(DIM)
    index.add(data)
    return index


def candidates(n: int, quick: bool) -> list[tuple[str, Callable, str, tuple]]:
    """(name, builder, search parameter, values to sweep)."""
    nlist = int(4 * np.sqrt(n))  # the usual 4*sqrt(n) lists
    found = [("flat", _flat, "", (None,)),
             ("hnsw M=16 efC=40", _hnsw(16, 40), "efSearch", EF_SEARCH),
             ("hnsw M=32 efC=40", _hnsw(32, 40), "efSearch", EF_SEARCH)]
    if not quick:
        found += [("hnsw M=32 efC=80", _hnsw(32, 80), "efSearch", EF_SEARCH),
                  ("hnsw-sq8 M=32 efC=40", _hnsw_sq8(32, 40), "efSearch", EF_SEARCH),
                  (f"ivf-flat nlist={nlist}", _ivf_flat(nlist), "nprobe", NPROBE)]
    return found


def set_param(index: faiss.Index, name: str, value) -> None:
    if name == "efSearch":
        index.hnsw.efSearch = value
    elif name == "nprobe":
        index.nprobe = value


# -- measuring -----------------------------------------------------------------------------------

def rss_mb() -> float:
    with open("/proc/self/status") as status:
        line = next(l for l in status if l.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def index_mb(index: faiss.Index) -> float:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "index.faiss")
        faiss.write_index(index, path)
        return os.path.getsize(path) / 2**20


def timed_search(index: faiss.Index, xq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ids of each single query, latency ms of each)."""
    ids, ms = np.empty((len(xq), K), np.int64), np.empty(len(xq))
    index.search(xq[:5], K)  # warm caches
    for i in range(len(xq)):
        start = time.perf_counter()
        _, found = index.search(xq[i:i + 1], K)
        ms[i] = 1000 * (time.perf_counter() - start)
        ids[i] = found[0]
    return ids, ms


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / K for f, t in zip(found, truth)]))


def sweep(index, param: str, values: tuple, xq, truth) -> Iterator[dict]:
    for value in values:
        set_param(index, param, value)
        found, ms = timed_search(index, xq)
        yield {"param": f"{param}={value}" if param else "", "p50_ms": float(np.percentile(ms, 50)),
               "p95_ms": float(np.percentile(ms, 95)), "recall10": recall(found, truth)}


def thread_check(index, param: str, value, xq) -> dict:
    """Single-query p50 with 1 vs 2 OpenMP threads (thread start-up dominates small searches)."""
    set_param(index, param, value)
    out = {}
    for threads in (1, 2):
        faiss.omp_set_num_threads(threads)
        out[f"p50_ms_{threads}_threads"] = float(np.percentile(timed_search(index, xq)[1], 50))
    faiss.omp_set_num_threads(1)
    return out


def bench_size(n: int, quick: bool, only: list[str], log: Callable[[str], None]) -> list[dict]:
    start = time.perf_counter()
    data = corpus(n)
    xq = queries(data)
    log(f"n={n}: data in {time.perf_counter() - start:.1f}s, rss {rss_mb():.0f} MB")
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    truth = faiss.knn(xq, data, K, metric=faiss.METRIC_INNER_PRODUCT)[1]
    rows = []
    for name, build, param, values in candidates(n, quick):
        if only and not any(word in name for word in only):
            continue
        faiss.omp_set_num_threads(os.cpu_count() or 1)  # build on all cores, as `rag index` would
        before, start = rss_mb(), time.perf_counter()
        index = build(data)
        built_s, grown = time.perf_counter() - start, rss_mb() - before
        size = index_mb(index)
        faiss.omp_set_num_threads(1)
        for row in sweep(index, param, values, xq, truth):
            row.update(n=n, index=name, build_s=built_s, index_mb=size, rss_delta_mb=grown)
            rows.append(row)
            log(json.dumps(row))
        if name == "flat" or name.startswith("hnsw M=32"):
            rows.append({"n": n, "index": name, "thread_check": thread_check(index, param, 64, xq)})
            log(json.dumps(rows[-1]))
        del index
    return rows


def bench_bm25(n_docs: int, log: Callable[[str], None]) -> dict:
    """bm25s index and single-query time over random Zipf-distributed words."""
    import bm25s

    rng = np.random.default_rng(3)
    vocab = np.array([f"w{i}" for i in range(50_000)])
    ranks = np.minimum(rng.zipf(1.2, size=n_docs * 120), len(vocab)) - 1
    words = vocab[ranks].reshape(n_docs, 120).tolist()
    start = time.perf_counter()
    retriever = bm25s.BM25()
    retriever.index(words, show_progress=False)
    built = time.perf_counter() - start
    ms = []
    for doc in rng.integers(0, n_docs, 200):
        query = [words[doc][j] for j in rng.integers(0, 120, 5)]
        begin = time.perf_counter()
        retriever.retrieve([query], k=K, show_progress=False)
        ms.append(1000 * (time.perf_counter() - begin))
    row = {"n": n_docs, "index": "bm25s", "build_s": built, "p50_ms": float(np.percentile(ms, 50)),
           "p95_ms": float(np.percentile(ms, 95))}
    log(json.dumps(row))
    return row


# -- report --------------------------------------------------------------------------------------

def markdown(rows: list[dict]) -> str:
    lines = ["| chunks | index | search param | build s | index MB | RSS +MB | p50 ms | p95 ms | recall@10 |",
             "|---:|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if "p50_ms" not in r or r["index"] == "bm25s":
            continue
        lines.append(f"| {r['n']:,} | {r['index']} | {r['param']} | {r['build_s']:.1f} | {r['index_mb']:.0f} "
                     f"| {r['rss_delta_mb']:.0f} | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} | {r['recall10']:.3f} |")
    for r in rows:
        if "thread_check" in r:
            t = r["thread_check"]
            setting = "" if r["index"] == "flat" else " efSearch=64"
            lines.append(f"\nThreads, {r['n']:,} chunks, {r['index']}{setting}: single-query p50 "
                         f"{t['p50_ms_1_threads']:.2f} ms with 1 thread, {t['p50_ms_2_threads']:.2f} ms with 2.")
        if r.get("index") == "bm25s":
            lines.append(f"\nbm25s, {r['n']:,} docs of 120 Zipf words: index {r['build_s']:.1f} s, "
                         f"single 5-word query p50 {r['p50_ms']:.2f} ms, p95 {r['p95_ms']:.2f} ms.")
    return "\n".join(lines)


def machine() -> dict:
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "ram_gib": round(ram, 1), "faiss": faiss.__version__,
            "python": platform.python_version()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated corpus sizes")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2k and 10k, flat and HNSW only")
    parser.add_argument("--out", help="write the rows as JSON here")
    parser.add_argument("--only", default="", help="comma-separated parts of index names to run, e.g. flat,ivf")
    parser.add_argument("--no-bm25", action="store_true", help="skip the BM25 timing")
    args = parser.parse_args()
    sizes = [2000, 10_000] if args.quick else [int(s) for s in args.sizes.split(",") if s]
    log = lambda text: print(text, flush=True)
    rows = [row for n in sizes for row in bench_size(n, args.quick, [w for w in args.only.split(",") if w], log)]
    if not args.no_bm25:
        rows.append(bench_bm25(10_000 if args.quick else 100_000, log))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"machine": machine(), "peak_rss_mb": peak, "rows": rows}, f, indent=1)
    print(f"\nMachine: {machine()}; peak RSS {peak:.0f} MB\n")
    print(markdown(rows))


if __name__ == "__main__":
    main()
