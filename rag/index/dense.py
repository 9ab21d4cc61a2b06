"""The dense (FAISS) index over unit-length key vectors, chosen by corpus size.

Exact inner-product search below `EXACT_LIMIT` keys, an HNSW graph above it; the limit and the
HNSW parameters come from `scripts/bench_scale.py` (measured table in docs/SCALE.md).
"""

from __future__ import annotations

import os

import numpy as np

# docs/SCALE.md: one exact query reads every key (memory-bound): 0.3 ms at 10k keys, 8 ms at 100k.
# Up to 50k keys it stays near 4 ms with perfect recall and no build; above, HNSW answers in < 0.5 ms.
EXACT_LIMIT = 50_000
# docs/SCALE.md, 1M synthetic 384-d keys on 2 cores: M=32 reaches recall@10 0.96 at efSearch 64 and
# 0.99 at 128 (0.5 ms p50); M=16 stays below 0.95 even at 256. efConstruction 40 built 1M in 10 min.
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 40
HNSW_EF_SEARCH = 128
# A search asks for up to `depth` (50) keys; efSearch must exceed the results wanted to keep recall.
HNSW_EF_PER_RESULT = 2


def make_dense_index(keys: np.ndarray, exact_limit: int = EXACT_LIMIT):
    """A FAISS inner-product index holding `keys` (n x dim): exact up to `exact_limit`, else HNSW."""
    import faiss

    keys = np.ascontiguousarray(keys, dtype=np.float32)
    dim = keys.shape[1]
    if len(keys) > exact_limit:
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    else:
        index = faiss.IndexFlatIP(dim)
    _add_on_all_cores(index, keys)
    set_search_params(index)
    return index


def _add_on_all_cores(index, keys: np.ndarray) -> None:
    """Building parallelises well, unlike single queries, so use every core and then restore."""
    import faiss

    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    try:
        index.add(keys)
    finally:
        faiss.omp_set_num_threads(before)


def set_search_params(index, depth: int = 10) -> None:
    """Search-time parameters, which `faiss.read_index` does not guarantee; call after loading.

    `depth` is the number of results a search asks for: efSearch grows with it.
    """
    import faiss

    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = max(HNSW_EF_SEARCH, HNSW_EF_PER_RESULT * depth)


def configure_threads(threads: int = 1) -> None:
    """One OpenMP thread for one query at a time: HNSW does not parallelise a single query, and exact
    search with 2 threads on the shared 2-core machine took 64 ms instead of 0.4 ms (docs/SCALE.md)."""
    import faiss

    faiss.omp_set_num_threads(threads)
