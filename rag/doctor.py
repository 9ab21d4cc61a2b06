"""`rag doctor`: what this machine can run, as (check, finding) pairs for the CLI to print, or as
one JSON object (`report_json`).

Owns the checks: python, torch and CUDA, GPUs and their memory, transformers, whether gpt-oss can
run in MXFP4 (`rag.answer.generators.mxfp4`), the configured model's memory need against free GPU
memory, the model folders under `models/` (files only: weights are never loaded) and a configured
LLM server (GET /v1/models). Printing is the CLI's.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import platform
from pathlib import Path
from typing import Any

from rag.answer.generators import memory, mxfp4
from rag.answer.generators.choose import model_folder

Finding = tuple[str, str]
WEIGHTS = ("*.safetensors", "*.bin", "*.pt", "*.gguf")
TOKENIZER = ("tokenizer.json", "tokenizer.model", "tokenizer_config.json", "vocab.json")


def report(model: str | None, models_dir: Path, kernel_folder: Path | None = None,
           probes: mxfp4.Probes | None = None, llm_url: str = "", llm_api_key: str = "") -> list[Finding]:
    """The text form. `probes`: this machine's facts (measured when not given)."""
    found = report_json(model, models_dir, kernel_folder, probes)
    return [
        ("python", found["python"]),
        *torch_findings(),
        ("transformers", found["transformers"] or "not installed: pip install 'rag-chat[gpu]'"),
        ("mxfp4", ("ready: " if found["mxfp4"]["ready"] else "not ready: ") + found["mxfp4"]["reason"]),
        ("gpu memory", memory_finding(found["memory"])),
        *model_findings(models_dir),
        ("configured model", configured(model)),
        ("llm server", llm_server(llm_url, llm_api_key)),
    ]


def llm_server(url: str, api_key: str) -> str:
    """Whether the configured OpenAI-compatible server answers GET /v1/models, and what it lists."""
    if not url:
        return "none configured (--llm-url, RAG_LLM_URL): see models/README.md for vLLM, llama.cpp, Ollama"
    from rag.answer.generators.openai_compat import list_models
    from rag.errors import RagError

    try:
        models = list_models(url, api_key)
    except RagError as error:
        return str(error)
    return f"{url} answers; models: {', '.join(models) or 'none listed (set --llm-model)'}"


def report_json(model: str | None, models_dir: Path, kernel_folder: Path | None = None,
                probes: mxfp4.Probes | None = None) -> dict[str, Any]:
    """One object: versions, the MXFP4 verdict with the facts behind it, the memory need, the models."""
    probes = probes or mxfp4.probe(kernel_folder, try_import=True)
    folder = model_folder(model) if model else None
    quant = mxfp4.checkpoint_quant(mxfp4.read_config(folder)) if folder else None
    return {
        "python": platform.python_version(),
        "torch": version("torch"),
        "transformers": probes.transformers,
        "mxfp4": {**mxfp4.verdict(probes, quant).to_json(), **facts(probes), "checkpoint": quant},
        "memory": memory_json(model, folder, probes),
        "models": {name: finding for name, finding in model_findings(models_dir)},
        "configured_model": configured(model),
    }


def facts(probes: mxfp4.Probes) -> dict[str, Any]:
    capability = ".".join(map(str, probes.capability)) if probes.capability else None
    return {
        "kernels": probes.kernels, "kernels_window": list(probes.window) if probes.window else None,
        "triton": probes.triton, "accelerate": probes.accelerate, "compute_capability": capability,
        "kernel_folder": str(probes.kernel_folder) if probes.kernel_folder else None,
        "kernel_layout": probes.kernel_layout or "ok", "kernel_import": probes.kernel_import,
    }  # fmt: skip


def memory_json(model: str | None, folder: Path | None, probes: mxfp4.Probes) -> dict[str, Any]:
    free = memory.gib(probes.free_gpu) if probes.free_gpu is not None else None
    if folder is None:
        return {"model": model, "free_gib": free, "fits": None, "reason": "no model given (--model)"}
    needed, _, _ = memory.plan(folder, probes)
    problem = memory.refusal(model or str(folder), folder, probes)
    fits = None if probes.free_gpu is None else not problem
    why = problem or (f"needs {needed.describe()} on a GPU; no CUDA GPU here, so it would load into RAM"
                      if fits is None else f"fits: needs {needed.describe()}, {free} GiB free")
    return {"model": model, **needed.to_json(), "free_gib": free, "fits": fits, "reason": why}


def memory_finding(found: dict[str, Any]) -> str:
    free = found["free_gib"]
    return found["reason"] if "need_gib" in found or free is None else f"{found['reason']}; {free} GiB free"


def cpu_model() -> str:
    """The CPU's model name, for benchmark reports."""
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines() if cpuinfo.exists() else []
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")),
                platform.processor() or "unknown CPU")


def machine() -> str:
    """One line naming the machine a benchmark ran on."""
    return f"{os.cpu_count()} cores, {cpu_model()}, Python {platform.python_version()}"


def version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def torch_findings() -> list[Finding]:
    if importlib.util.find_spec("torch") is None:
        return [("torch", "not installed: pip install torch (only the extractive generator can answer)")]
    import torch

    if not torch.cuda.is_available():
        return [("torch", f"{torch.__version__}, CUDA not available (CPU only)")]
    found = [("torch", f"{torch.__version__}, CUDA {torch.version.cuda}")]
    for i in range(torch.cuda.device_count()):
        props = torch.cuda.get_device_properties(i)
        free, total = torch.cuda.mem_get_info(i)
        found.append((f"gpu {i}", f"{props.name}, {total / 2**30:.0f} GiB ({free / 2**30:.0f} GiB free)"))
    return found


def model_findings(models_dir: Path) -> list[Finding]:
    if not models_dir.is_dir():
        return [("models", f"no folder {models_dir}: see models/README.md")]
    folders = sorted(p for p in models_dir.iterdir() if p.is_dir())
    if not folders:
        return [("models", f"none under {models_dir}: see models/README.md")]
    return [(f"model {p.name}", loadable(p)) for p in folders]


def loadable(folder: Path) -> str:
    """Whether a folder looks like a loadable causal LM: config, weights and a tokenizer."""
    missing = []
    if not (folder / "config.json").is_file():
        missing.append("config.json")
    if not any(any(folder.glob(pattern)) for pattern in WEIGHTS):
        missing.append("weights")
    if not any((folder / name).is_file() for name in TOKENIZER):
        missing.append("tokenizer")
    if missing:
        return f"incomplete (missing {', '.join(missing)})"
    return f"looks loadable ({describe(folder)})"


def describe(folder: Path) -> str:
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "unreadable config.json"
    quant = (config.get("quantization_config") or {}).get("quant_method", "")
    size = sum(p.stat().st_size for pattern in WEIGHTS for p in folder.glob(pattern)) / 2**30
    kind = config.get("model_type", "unknown type")
    return f"{kind}{', ' + quant if quant else ''}, {size:.1f} GiB of weights"


def configured(model: str | None) -> str:
    """The configured model, found the way the generator chooser finds it."""
    if not model:
        return "none (the extractive generator answers); pass --model models/gpt-oss-20b"
    folder = model_folder(model)
    if folder is None:
        return f"{model}: neither a folder nor in the local HF cache (offline), so the extractive generator answers"
    return f"{model}: {loadable(folder)}"
