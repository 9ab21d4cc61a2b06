"""rag.index.dense: the index type follows the size threshold, and both types find the true neighbours."""

import faiss
import numpy as np

from rag.index import dense

DIM = 384


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _clustered(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(n keys around 20 topic centres, 100 queries near keys), like real embeddings."""
    rng = np.random.default_rng(seed)
    centres = _unit(rng.standard_normal((20, DIM)))
    keys = _unit(centres[rng.integers(0, 20, n)] + 0.06 * rng.standard_normal((n, DIM)))
    queries = _unit(keys[rng.choice(n, 100, replace=False)] + 0.01 * rng.standard_normal((100, DIM)))
    return keys, queries


def _truth(keys: np.ndarray, queries: np.ndarray) -> np.ndarray:
    return np.argsort(-(queries @ keys.T), axis=1, kind="stable")[:, :10]


def test_above_threshold_hnsw_round_trips_with_high_recall(tmp_path):
    keys, queries = _clustered(2000)
    index = dense.make_dense_index(keys, exact_limit=1000)
    assert isinstance(index, faiss.IndexHNSW)
    faiss.write_index(index, str(tmp_path / "dense.faiss"))
    loaded = faiss.read_index(str(tmp_path / "dense.faiss"))
    dense.set_search_params(loaded)
    assert isinstance(loaded, faiss.IndexHNSW) and loaded.ntotal == 2000
    _, found = loaded.search(queries, 10)
    recall = np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, _truth(keys, queries))])
    assert recall >= 0.95


def test_below_threshold_exact_index_matches_brute_force():
    keys, queries = _clustered(2000, seed=1)
    index = dense.make_dense_index(keys, exact_limit=5000)
    assert isinstance(index, faiss.IndexFlatIP)
    scores, found = index.search(queries, 10)
    brute = queries @ keys.T
    best = np.take_along_axis(brute, _truth(keys, queries), axis=1)
    # the returned ids carry exactly the ten best brute-force scores (ids may swap only on exact ties)
    np.testing.assert_allclose(np.take_along_axis(brute, found, axis=1), best, atol=1e-6)
    np.testing.assert_allclose(scores, best, atol=1e-6)


def test_search_params_grow_with_depth_and_threads_configure():
    index = dense.make_dense_index(_clustered(200)[0], exact_limit=100)
    dense.set_search_params(index, depth=50)
    assert index.hnsw.efSearch >= 100
    dense.configure_threads()
    assert faiss.omp_get_max_threads() == 1
