"""The ONNX embedder: exported offline once, reused after, torch-free at query time, and giving the
same vectors as the PyTorch embedder on the article's sentences."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rag.embed.choose import make
from rag.embed.embedder import SentenceTransformerEmbedder
from rag.embed.onnx_embedder import OnnxEmbedder

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "corpus" / "article.md"


def article_texts() -> list[str]:
    """A dozen sentences from across the article, plus the whole article (past 256 tokens, so it
    checks that both backends truncate at the same place)."""
    text = ARTICLE.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith(("#", "|"))]
    sentences = [s for line in lines for s in re.split(r"(?<=[.?!])\s+(?=[A-Z])", line) if len(s) > 20]
    return sentences[:: max(1, len(sentences) // 12)][:12] + [text]


@pytest.fixture(scope="session")
def cache(tmp_path_factory) -> Path:
    """Both exports, made once per session with the network shut: any download attempt fails."""
    pytest.importorskip("onnx")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    root = tmp_path_factory.mktemp("onnx-cache")
    connect = socket.socket.connect

    def refuse(*args, **kwargs):
        raise OSError("network used during the ONNX export")

    socket.socket.connect = refuse
    try:
        OnnxEmbedder(quantized=True, cache_dir=root).onnx_file()  # exports fp32, then int8
    finally:
        socket.socket.connect = connect
    return root


@pytest.fixture(scope="session")
def reference() -> np.ndarray:
    return SentenceTransformerEmbedder().embed(article_texts())


def stamps(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


def test_export_writes_both_models_and_no_temp_files(cache):
    (folder,) = cache.iterdir()
    assert folder.name.startswith("all-MiniLM-L6-v2-") and len(folder.name.rsplit("-", 1)[1]) == 16
    assert sorted(p.name for p in folder.iterdir()) == ["model.int8.onnx", "model.onnx"]


def test_second_construction_reuses_the_export(cache):
    before = stamps(cache)
    for quantized in (True, False):
        OnnxEmbedder(quantized=quantized, cache_dir=cache).embed_query("reuse the export")
    assert stamps(cache) == before


def test_query_path_imports_no_torch(cache):
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from rag.embed.onnx_embedder import OnnxEmbedder\n"
        f"vector = OnnxEmbedder(cache_dir=Path({str(cache)!r})).embed_query('Is ChatGPT open source?')\n"
        "heavy = [m for m in ('torch', 'transformers', 'sentence_transformers', 'sklearn') "
        "if m in sys.modules]\n"
        "print(json.dumps({'heavy': heavy, 'dim': len(vector)}))\n"
    )
    before = stamps(cache)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                         cwd=ROOT, timeout=60, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"heavy": [], "dim": 384}
    assert stamps(cache) == before


@pytest.mark.parametrize(("quantized", "floor"), [(False, 0.9999), (True, 0.99)])
def test_vectors_match_the_torch_embedder(cache, reference, quantized, floor):
    embedder = OnnxEmbedder(quantized=quantized, cache_dir=cache)
    texts = article_texts()
    batch = embedder.embed(texts, batch_size=8)  # the index path
    single = np.stack([embedder.embed_query(t) for t in texts])  # the query path
    assert batch.shape == (len(texts), 384) and batch.dtype == np.float32
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(batch, single)  # a query vector is exactly the index's for that text
    assert (batch * reference).sum(axis=1).min() >= floor


def test_ids_name_backend_and_precision():
    int8, fp32, torch = make("minilm", "onnx-int8"), make("minilm", "onnx"), make("minilm", "torch")
    assert int8.id == "st:all-MiniLM-L6-v2:onnx-int8"
    assert fp32.id == "st:all-MiniLM-L6-v2:onnx-fp32"
    assert len({int8.id, fp32.id, torch.id}) == 3
    assert int8.dim == fp32.dim == 384


def test_empty_batch():
    assert OnnxEmbedder(cache_dir=Path("/nonexistent")).embed_batch([]).shape == (0, 384)


def test_index_built_with_one_backend_refuses_queries_from_another(tmp_path):
    """An index built with the PyTorch embedder must not silently answer ONNX-embedded queries."""
    from rag.embed.choose import make
    from rag.errors import IndexMismatch
    from rag.index.builder import Builder
    from rag.index.search import load

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("# A\n\nSolar panels turn sunlight into electricity.\n")
    torch_embedder = make("minilm", "torch")
    Builder(corpus, tmp_path / "index", torch_embedder).run()
    with pytest.raises(IndexMismatch, match="rag index --rebuild"):
        load(tmp_path / "index").check(make("minilm", "onnx-int8").id)
