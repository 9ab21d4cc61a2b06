"""scripts/gpu_check.py's parts that run without a GPU: the random MXFP4 checkpoint it writes (here
with a tiny config instead of gpt-oss-20b's) loads from disk through the product's generator and is
measured, and a complete checkpoint on disk is reused rather than written again."""

from __future__ import annotations

import argparse
import importlib.util
import json
from pathlib import Path

import pytest
from safetensors import safe_open

from rag.answer.generators.transformers import forget
from rag.tinymodels import gpt_oss_config, harmony_tokenizer

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def gpu_check():
    spec = importlib.util.spec_from_file_location("gpu_check", ROOT / "scripts" / "gpu_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_random_mxfp4_checkpoint_is_sharded_in_the_hub_layout_and_reused(gpu_check, tmp_path, article_text):
    config = gpt_oss_config(harmony_tokenizer(article_text, vocab_size=2000), layers=4)
    folder, write_s = gpu_check.mxfp4_checkpoint(tmp_path / "ckpt", article_text, config)
    index = json.loads((folder / "model.safetensors.index.json").read_text(encoding="utf-8"))
    files = sorted(set(index["weight_map"].values()))
    assert len(files) >= 2 and index["metadata"]["total_size"] == sum((folder / f).stat().st_size for f in files)
    name = "model.layers.3.mlp.experts.gate_up_proj_blocks"
    with safe_open(str(folder / index["weight_map"][name]), "pt") as f:
        assert f.get_slice(name).get_dtype() == "U8" and f.get_slice(name).get_shape() == [4, 128, 2, 16]
    assert json.loads((folder / "config.json").read_text())["quantization_config"]["quant_method"] == "mxfp4"
    assert write_s > 0
    assert gpu_check.mxfp4_checkpoint(folder, article_text, config) == (folder, 0.0)  # reused


def test_it_is_measured_through_the_generator(gpu_check, tmp_path, article_text):
    config = gpt_oss_config(harmony_tokenizer(article_text, vocab_size=2000))
    folder, _ = gpu_check.mxfp4_checkpoint(tmp_path / "ckpt", article_text, config)
    args = argparse.Namespace(new_tokens=4, prompt_tokens=400)
    try:
        row = gpu_check.measure("tiny mxfp4", str(folder), "queue", article_text, args)
    finally:
        forget(str(folder), "queue")
    assert "error" not in row, row
    assert row["experts_class"] == "GptOssExperts"  # on a CPU transformers dequantizes
    assert row["tok_s_1"] > 0 and row["prompt_tokens"] > 100


def test_a_kernel_source_copy_is_laid_out_as_a_kernel_build(gpu_check, tmp_path):
    from rag.answer.generators import mxfp4

    source = tmp_path / "src" / "torch-ext" / "gpt_oss_triton_kernels"
    source.mkdir(parents=True)
    (source / "__init__.py").write_text("from . import matmul_ogs\n", encoding="utf-8")
    folder = gpu_check.kernel_folder_from_source(tmp_path / "src", tmp_path / "kernels" / "gpt-oss-triton-kernels")
    assert mxfp4.kernel_layout(folder) == ""
    metadata = json.loads((folder / "build" / "torch-universal" / "metadata.json").read_text())
    assert {"name", "id", "license", "backend", "python-depends"} <= set(metadata)  # what kernels 0.17 requires
