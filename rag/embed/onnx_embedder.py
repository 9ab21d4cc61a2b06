"""The ONNX Runtime embedder: a local sentence-transformers BERT folder exported once to ONNX
(optionally int8-quantised) and run with onnxruntime, tokenizers and numpy only.

Owns the export cache and the query path. Leaves out GPU providers, static quantisation and any
pooling but masked mean: the packaged all-MiniLM-L6-v2 is all it is built and tested for.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import numpy as np

from rag.embed.embedder import PACKAGED_MINILM, Embedder, model_label, model_path, normalise
from rag.errors import ModelUnavailable

# onnxruntime >= 1.29 sends telemetry from Linux too unless this is set before it initialises (its
# Privacy.md); the CLI sets it as well, this covers library use and the benchmarks.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

DEFAULT_CACHE = Path.home() / ".cache" / "rag" / "onnx"
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# The feed-forward output projections stay fp32: their inputs (after GELU) have outliers that
# int8 activations clip. Keeping them lifts the worst article sentence's cosine to torch from
# 0.989 to 0.992 for about 3 ms more per query on this 2-core machine (measured layer by layer).
_KEEP_FP32 = re.compile(r"/layer\.\d+/output/dense/MatMul$")


class OnnxEmbedder(Embedder):
    """Same vectors as `SentenceTransformerEmbedder` (cosine >= 0.9999 fp32, >= 0.99 int8), at a
    fraction of the import and query cost. Construction only reads two small JSON files; the
    export (torch, once per model file) and the session load happen on first use."""

    def __init__(self, name: str = PACKAGED_MINILM, quantized: bool = True,
                 cache_dir: Path | None = None, threads: int = 1):
        self.path = model_path(name)
        self.quantized = quantized
        self.cache_root = Path(cache_dir) if cache_dir else DEFAULT_CACHE
        # One thread: on a small CPU a second one costs more in hand-offs than it gains, for a
        # single query and for index batches alike (scripts/bench_embedder.py measures both).
        self.threads = threads
        self.model_name = model_label(name, self.path)
        self.dim = int(_read_json(self.path / "config.json")["hidden_size"])
        self.max_tokens = int(_read_json(self.path / "sentence_bert_config.json")
                              .get("max_seq_length", 256))
        self.id = f"st:{self.model_name}:onnx-{'int8' if quantized else 'fp32'}"
        self._session = None
        self._tokenizer = None
        self._inputs: list[str] = []

    @cached_property
    def cache_folder(self) -> Path:
        """Keyed by the weights file's identity, so a changed model file never reuses a stale export."""
        return self.cache_root / f"{self.model_name}-{_weights_digest(self.path)}"

    def onnx_file(self) -> Path:
        """The model file the session runs, exported (and quantised) here on first call."""
        folder = self.cache_folder
        fp32 = folder / "model.onnx"
        if not fp32.is_file():
            _export(self.path, fp32)
        if not self.quantized:
            return fp32
        int8 = folder / "model.int8.onnx"
        if not int8.is_file():
            _quantize(fp32, int8)
        return int8

    def _load(self):
        if self._session is None:
            self._tokenizer = _tokenizer(self.path, self.max_tokens)
            self._session = _session(self.onnx_file(), self.threads)
            self._inputs = [i.name for i in self._session.get_inputs()]
        return self._session

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Each text runs alone. Padding costs more than batching saves on a small CPU (one at
        a time: 90-120 texts/s int8 against 50-70 in padded batches of 64), and int8 scales activations
        per run, so alone a text's vector never depends on its batch-mates: re-indexing is
        reproducible and a query is embedded exactly as the same text in the index."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = self._embed_one(text)
        return normalise(out)

    def _embed_one(self, text: str) -> np.ndarray:
        session = self._load()
        encoding = self._tokenizer.encode(text)
        rows = {"input_ids": encoding.ids, "token_type_ids": encoding.type_ids,
                "attention_mask": encoding.attention_mask}
        feed = {name: np.array([rows[name]], dtype=np.int64) for name in self._inputs}
        hidden = session.run(None, feed)[0][0]
        return hidden.mean(axis=0)  # no padding, so this is sentence-transformers' masked mean


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _weights_digest(folder: Path) -> str:
    """The weights file's identity: path, size and modification time. Hashing its 90 MB took 0.2 s
    of every start; any rewrite of the file (a new model, a reinstall) changes these anyway."""
    weights = folder / "model.safetensors"
    if not weights.is_file():
        raise ModelUnavailable(f"no model.safetensors in {folder}: the ONNX backend exports from "
                               "safetensors weights; use --backend torch for this model")
    status = weights.stat()
    identity = f"{weights.resolve()}\0{status.st_size}\0{status.st_mtime_ns}"
    return hashlib.sha256(identity.encode()).hexdigest()[:16]


def _tokenizer(folder: Path, max_tokens: int):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    # The file pads every text to a fixed 128 and truncates at 128: texts run alone, unpadded,
    # and are cut where sentence-transformers cuts them (max_seq_length), not where the file says.
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_tokens)
    return tokenizer


def _session(file: Path, threads: int):
    import onnxruntime as ort

    ort.disable_telemetry_events()  # Windows' provider; the env var below stops the POSIX one
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(file), options, providers=["CPUExecutionProvider"])


def _temp_beside(target: Path) -> Path:
    """A unique sibling name: os.replace from it is atomic, so a crash never leaves a half file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


def _export(folder: Path, target: Path) -> None:
    """Trace the local BertModel to ONNX with dynamic batch and sequence axes. Offline: the
    weights come from `folder` and nothing is fetched."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import onnx  # noqa: F401  (torch.onnx.export needs it, and says so late and obscurely)
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise ModelUnavailable(f"exporting the ONNX embedder needs {exc.name}: pip install torch "
                               "transformers onnx, or use --backend torch") from exc
    model = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()
    temp = _temp_beside(target)
    ones = torch.ones((2, 8), dtype=torch.long)
    dummy = (ones, ones, torch.zeros_like(ones))
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")}
    try:
        # The tracer warns about shape checks it freezes; they hold for any batch and length
        # (the mask always spans the tokens), and the tests compare outputs across both.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(_LastHidden(model), dummy, str(temp), input_names=list(_INPUTS),
                              output_names=["last_hidden_state"], dynamic_axes=axes,
                              opset_version=17, dynamo=False)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def _LastHidden(model):  # noqa: N802  (a class made inside a function, to keep torch lazy)
    import torch

    class LastHidden(torch.nn.Module):
        """Keyword arguments in, one tensor out: BertModel's positional order changes between
        transformers releases, and the exporter wants a plain tensor."""

        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    return LastHidden()


def _quantize(source: Path, target: Path) -> None:
    """Dynamic int8: weights stored as int8 per output channel, activations quantised per batch at
    run time. Per-tensor weights lose too much (cosine to fp32 down to 0.93 on the article)."""
    try:
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise ModelUnavailable(f"quantising the ONNX embedder needs {exc.name}: pip install onnx, "
                               "or use --backend onnx") from exc
    graph = onnx.load(str(source), load_external_data=False).graph
    keep = [node.name for node in graph.node if _KEEP_FP32.search(node.name)]
    temp = _temp_beside(target)
    try:
        quantize_dynamic(str(source), str(temp), weight_type=QuantType.QInt8, per_channel=True,
                         nodes_to_exclude=keep)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
