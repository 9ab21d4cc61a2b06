"""gpt-oss in MXFP4: a tiny checkpoint stored in the hub's real layout loads through the product on
CPU (transformers dequantizes) and answers; the readiness verdict names each missing piece; a model
too big for the GPU is refused before loading, with the figures; the kernel folder reaches the
`kernels` package through LOCAL_KERNELS without overriding the user's own."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from llm_requests import fixed_request
from safetensors import safe_open

from rag.answer.generators import memory, mxfp4
from rag.answer.generators.choose import choose
from rag.answer.generators.transformers import TransformersGenerator, forget
from rag.doctor import report, report_json
from rag.errors import ModelUnavailable
from rag.records import Thinking, Token
from rag.tinymodels import mxfp4_dequantize, mxfp4_quantize

GIB = 2**30
REPO = mxfp4.KERNEL_REPO


@pytest.fixture(scope="module")
def tiny_mxfp4(tmp_path_factory: pytest.TempPathFactory, article_text: str) -> Path:
    from rag.tinymodels import build_gpt_oss_mxfp4

    folder = build_gpt_oss_mxfp4(tmp_path_factory.mktemp("models") / "tiny-gpt-oss-mxfp4", article_text)
    yield folder
    forget(str(folder), "queue")


@pytest.fixture
def kernel_build(tmp_path: Path) -> Path:
    """A folder laid out the way `hf download ... --repo-type kernel --revision v1` leaves it."""
    package = tmp_path / "gpt-oss-triton-kernels" / "build" / "torch-universal" / "gpt_oss_triton_kernels"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package.parent / "metadata.json").write_text("{}", encoding="utf-8")
    return tmp_path / "gpt-oss-triton-kernels"


def ready(folder: Path = Path("/k"), free_gib: float = 24.0) -> mxfp4.Probes:
    """An RTX 4090-like machine with every piece in place."""
    return mxfp4.Probes(transformers="5.22.2", window=("0.17.2", "0.18.0"), kernels="0.17.2", triton="3.5.0",
                        accelerate="1.16.0", capability=(8, 9), free_gpu=int(free_gib * GIB),
                        kernel_folder=folder, kernel_layout="", kernel_import="")  # fmt: skip


def tensors(folder: Path) -> dict[str, torch.Tensor]:
    with safe_open(str(folder / "model.safetensors"), "pt") as f:
        return {name: f.get_tensor(name) for name in f.keys()}


# The checkpoint


def test_the_checkpoint_is_stored_in_gpt_oss_20bs_layout(tiny_mxfp4: Path) -> None:
    config = json.loads((tiny_mxfp4 / "config.json").read_text(encoding="utf-8"))
    assert config["quantization_config"]["quant_method"] == "mxfp4"
    experts, hidden, inner = config["num_local_experts"], config["hidden_size"], config["intermediate_size"]
    stored = tensors(tiny_mxfp4)
    for layer in range(config["num_hidden_layers"]):
        prefix = f"model.layers.{layer}.mlp.experts."
        for proj, rows, cols in (("gate_up_proj", 2 * inner, hidden), ("down_proj", hidden, inner)):
            blocks, scales = stored[prefix + proj + "_blocks"], stored[prefix + proj + "_scales"]
            assert (blocks.dtype, tuple(blocks.shape)) == (torch.uint8, (experts, rows, cols // 32, 16))
            assert (scales.dtype, tuple(scales.shape)) == (torch.uint8, (experts, rows, cols // 32))
            assert stored[prefix + proj + "_bias"].dtype == torch.bfloat16
            assert prefix + proj not in stored  # no unpacked copy beside the packed one
    assert stored["model.embed_tokens.weight"].dtype == torch.bfloat16


def test_quantization_keeps_weights_to_fp4_precision() -> None:
    weight = torch.randn(2, 8, 96)
    blocks, scales = mxfp4_quantize(weight)
    back = mxfp4_dequantize(blocks, scales)
    step = torch.exp2(scales.float() - 127).repeat_interleave(32, dim=-1)  # one unit of the group's scale
    # codes are at most 2 units apart (4 -> 6), and a group's peak in [6, 8) units is clipped to 6
    assert (back - weight).abs().le(2 * step).all()
    assert torch.cosine_similarity(back.flatten(), weight.flatten(), dim=0) > 0.98
    exact = torch.tensor([[0.5, -1.5, 6.0, 3.0] * 8])  # representable values come back unchanged
    assert torch.equal(mxfp4_dequantize(*mxfp4_quantize(exact)), exact)


def test_it_loads_through_the_product_on_cpu_and_answers(tiny_mxfp4: Path) -> None:
    gen = TransformersGenerator(model=str(tiny_mxfp4), batching="queue", max_new_tokens=12)
    events = list(gen.stream(fixed_request()))
    assert events and all(isinstance(e, (Thinking, Token)) for e in events)
    assert "<|" not in "".join(e.text for e in events if isinstance(e, Token))
    experts = gen._loaded.model.model.layers[1].mlp.experts
    stored = tensors(tiny_mxfp4)
    name = "model.layers.1.mlp.experts.down_proj"
    expected = mxfp4_dequantize(stored[name + "_blocks"], stored[name + "_scales"]).transpose(-1, -2)
    assert torch.allclose(experts.down_proj.float(), expected, atol=0.0)  # dequantized, the right way round
    name = "model.layers.1.mlp.experts.gate_up_proj"
    expected = mxfp4_dequantize(stored[name + "_blocks"], stored[name + "_scales"]).transpose(-1, -2)
    assert torch.allclose(experts.gate_up_proj.float(), expected, atol=0.0)


# The verdict: each missing piece is named


def test_everything_in_place_is_ready() -> None:
    verdict = mxfp4.verdict(ready(), "mxfp4")
    assert verdict.ready, verdict.reason
    assert "kernels 0.17.2" in verdict.reason and "8.9" in verdict.reason


MISSING = [
    ({"transformers": None}, "transformers is not installed", "rag-chat[gpu]"),
    ({"kernels": None}, "kernels is not installed (transformers 5.22.2 accepts 0.17.2 <= kernels < 0.18.0)", "rag-chat[gpu]"),
    ({"kernels": "0.19.1"}, "kernels 0.19.1 is outside what transformers 5.22.2 accepts", "rag-chat[gpu]"),
    ({"kernels": "0.17.1"}, "kernels 0.17.1 is outside", "rag-chat[gpu]"),
    ({"window": None}, "names no kernels versions it accepts", "rag-chat[gpu]"),
    ({"triton": None}, "triton is not installed", "rag-chat[gpu]"),
    ({"triton": "3.3.1"}, "triton 3.3.1 is older than 3.4", "rag-chat[gpu]"),
    ({"accelerate": None}, "accelerate is not installed", "rag-chat[gpu]"),
    ({"capability": None, "free_gpu": None}, "no CUDA GPU", ""),
    ({"capability": (7, 0)}, "compute capability 7.0 is below 7.5", ""),
    ({"kernel_layout": "missing"}, "the kernel folder /k is not there", "hf download kernels-community/gpt-oss-triton-kernels"),
    ({"kernel_layout": "no build/torch-*/metadata.json"}, "not a kernel build (no build/torch-*/metadata.json)", "hf download"),
    ({"kernel_import": "No module named 'triton'"}, "does not import (No module named 'triton')", ""),
]  # fmt: skip


@pytest.mark.parametrize(("change", "says", "fix"), MISSING)
def test_each_missing_piece_is_named_with_its_fix(change: dict, says: str, fix: str) -> None:
    verdict = mxfp4.verdict(dataclasses.replace(ready(), **change), "mxfp4")
    assert not verdict.ready
    assert says in verdict.reason
    assert fix in verdict.reason


def test_a_checkpoint_that_is_not_mxfp4_is_not_ready_and_none_given_is_not_checked() -> None:
    assert "not an MXFP4 checkpoint (quant_method: none)" in mxfp4.verdict(ready(), "").reason
    unchecked = mxfp4.verdict(ready(), None)
    assert unchecked.ready and "no checkpoint checked" in unchecked.reason


def test_doctor_json_has_one_mxfp4_entry_with_ready_and_reason(tiny_mxfp4: Path, tmp_path: Path) -> None:
    found = report_json(str(tiny_mxfp4), tmp_path, probes=dataclasses.replace(ready(), triton=None))
    assert found["mxfp4"]["ready"] is False
    assert "triton is not installed" in found["mxfp4"]["reason"]
    assert found["mxfp4"]["checkpoint"] == "mxfp4" and found["mxfp4"]["kernels_window"] == ["0.17.2", "0.18.0"]
    assert found["memory"]["precision"] == "bf16" and found["memory"]["fits"] is True
    assert report_json(str(tiny_mxfp4), tmp_path, probes=ready())["memory"]["precision"] == "mxfp4"
    text = dict(report(str(tiny_mxfp4), tmp_path, probes=dataclasses.replace(ready(), triton=None)))
    assert text["mxfp4"].startswith("not ready: ") and "triton is not installed" in text["mxfp4"]


def test_rag_doctor_json_on_this_machine(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "LOCAL_KERNELS"))}
    result = subprocess.run([sys.executable, "-m", "rag", "doctor", "--json"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["mxfp4"]["ready"] is False  # a CPU machine: no CUDA GPU, whatever else is there
    assert "no CUDA GPU" in found["mxfp4"]["reason"]


# Memory: refused before loading, with the figures and the fix


def twenty_b_need(precision: str, tmp_path: Path) -> memory.Need:
    """gpt-oss-20b's real config with its safetensors' real total size (13,761,300,000 bytes), faked
    by a sparse file: only the size is read."""
    from rag.tinymodels import gpt_oss_20b_config

    config = gpt_oss_20b_config().to_dict() | {"quantization_config": {"quant_method": "mxfp4"}}
    with open(tmp_path / "model.safetensors", "wb") as f:
        f.truncate(13_761_300_000)
    return memory.need(tmp_path, config, precision)


def test_gpt_oss_20b_needs_about_14_gib_in_mxfp4_and_40_in_bf16(tmp_path: Path) -> None:
    packed, unpacked = twenty_b_need("mxfp4", tmp_path), twenty_b_need("bf16", tmp_path)
    assert 14 < packed.total / GIB < 16  # fits a 16 GB card, barely; a 24 GB one easily
    assert 39 < unpacked.total / GIB < 42  # what the issue measured as ~42 GB: beyond any workstation card
    assert packed.cache < 0.5 * GIB  # 8k tokens, half the layers sliding over 128


def test_a_model_too_big_is_refused_with_figures_and_the_fix(tiny_mxfp4: Path) -> None:
    tiny = dataclasses.replace(ready(), free_gpu=GIB // 2, kernels=None)
    problem = memory.refusal("tiny", tiny_mxfp4, tiny)
    assert "needs ~1.5 GiB in bf16" in problem and "0.5 GiB free" in problem
    assert "In MXFP4 it would need" in problem and "kernels is not installed" in problem
    assert memory.refusal("tiny", tiny_mxfp4, dataclasses.replace(ready(), free_gpu=GIB // 2)).endswith(
        "or pick a smaller model")
    assert memory.refusal("tiny", tiny_mxfp4, ready()) == ""
    assert memory.refusal("tiny", tiny_mxfp4, mxfp4.Probes()) == ""  # no GPU: it loads into RAM


@pytest.fixture
def small_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine's facts replaced by a GPU with 0.5 GiB free and no kernels package."""
    monkeypatch.setattr(mxfp4, "probe", lambda *args, **kwargs: dataclasses.replace(
        ready(), free_gpu=GIB // 2, kernels=None))  # fmt: skip


def test_the_generator_refuses_before_loading(small_gpu: None, tiny_mxfp4: Path) -> None:
    with pytest.raises(ModelUnavailable, match=r"needs ~1.5 GiB in bf16 .* 0.5 GiB free"):
        TransformersGenerator(model=str(tiny_mxfp4), device="cuda").warm_up()  # no CUDA touched: refused first


def test_choose_refuses_or_falls_back_with_the_figures(small_gpu: None, tiny_mxfp4: Path) -> None:
    with pytest.raises(ModelUnavailable, match=r"cannot use the transformers generator: .*0.5 GiB free"):
        choose("transformers", str(tiny_mxfp4))
    generator, reason = choose("auto", str(tiny_mxfp4))
    assert generator.name == "extractive" and "0.5 GiB free" in reason


# The kernel folder, offline


def test_the_kernel_folder_is_offered_through_local_kernels(kernel_build: Path) -> None:
    environ: dict[str, str] = {}
    assert mxfp4.point_kernels_at(kernel_build, environ) == f"{REPO}={kernel_build.resolve()}"
    assert mxfp4.local_kernel_entry(environ) == kernel_build.resolve()


def test_a_users_local_kernels_is_never_overridden(kernel_build: Path, tmp_path: Path) -> None:
    theirs = {"LOCAL_KERNELS": f"{REPO}=/opt/their-kernel"}
    assert mxfp4.point_kernels_at(kernel_build, theirs) is None
    assert theirs == {"LOCAL_KERNELS": f"{REPO}=/opt/their-kernel"}
    others = {"LOCAL_KERNELS": "kernels-community/flash-attn2=/opt/fa2"}
    mxfp4.point_kernels_at(kernel_build, others)
    assert others["LOCAL_KERNELS"] == f"kernels-community/flash-attn2=/opt/fa2:{REPO}={kernel_build.resolve()}"
    assert mxfp4.point_kernels_at(tmp_path / "absent", {}) is None
    assert mxfp4.kernel_folder(Path("default"), theirs) == Path("/opt/their-kernel")


def test_the_cli_sets_local_kernels_from_the_setting(kernel_build: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "LOCAL_KERNELS"))}
    env["RAG_KERNEL_FOLDER"] = str(kernel_build)
    result = subprocess.run([sys.executable, "-m", "rag", "doctor", "--json"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    found = json.loads(result.stdout)["mxfp4"]
    assert found["kernel_folder"] == str(kernel_build.resolve())  # found through LOCAL_KERNELS
    assert found["kernel_layout"] == "ok"


def test_kernel_layout_names_what_the_folder_lacks(kernel_build: Path, tmp_path: Path) -> None:
    assert mxfp4.kernel_layout(kernel_build) == ""
    assert mxfp4.kernel_layout(tmp_path / "absent") == "missing"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert mxfp4.kernel_layout(empty) == "no build/torch-*/metadata.json"
    (kernel_build / "build" / "torch-universal" / "gpt_oss_triton_kernels" / "__init__.py").unlink()
    assert mxfp4.kernel_layout(kernel_build).startswith("no __init__.py")
