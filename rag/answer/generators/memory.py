"""How much GPU memory a local model needs, from its config.json and file sizes, against what the
GPUs have free: so a model that cannot fit is refused before minutes of loading end in out-of-memory.

Estimates, not measurements: weights as they will sit on the GPU, a KV cache for one chat of
`CONTEXT_TOKENS`, and a fixed working space for activations and the CUDA context.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.answer.generators import mxfp4

GIB = 2**30
CONTEXT_TOKENS = 8192  # one chat: the prompt budget (6,000 tokens) and an answer, rounded up
WORKING_SPACE = int(1.5 * GIB)  # activations, logits, the CUDA context and allocator slack
DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2}
MXFP4_BYTES_PER_WEIGHT = 17 / 32  # a 4-bit code per weight and one scale byte per 32
WEIGHT_FILES = ("*.safetensors", "*.bin")


@dataclass(frozen=True)
class Need:
    precision: str  # "mxfp4" or "bf16"
    weights: int
    cache: int
    working: int = WORKING_SPACE

    @property
    def total(self) -> int:
        return self.weights + self.cache + self.working

    def describe(self) -> str:
        return (f"~{gib(self.total)} GiB in {self.precision} ({gib(self.weights)} GiB weights + {gib(self.cache)} GiB "
                f"KV cache for {CONTEXT_TOKENS} tokens + {gib(self.working)} GiB working space)")

    def to_json(self) -> dict[str, Any]:
        return {"precision": self.precision, "need_gib": gib(self.total), "weights_gib": gib(self.weights),
                "cache_gib": gib(self.cache), "working_gib": gib(self.working)}  # fmt: skip


def gib(n: int) -> float:
    return round(n / GIB, 1)


def need(folder: Path, config: dict[str, Any], precision: str) -> Need:
    """What the model in `folder` takes on a GPU in `precision`: "mxfp4" (experts kept packed, only for
    an MXFP4 checkpoint) or "bf16" (what the generator loads everything else in on CUDA)."""
    stored = sum(p.stat().st_size for pattern in WEIGHT_FILES for p in folder.glob(pattern))
    experts = expert_weights(config)
    if mxfp4.checkpoint_quant(config) == "mxfp4":
        packed = int(experts * MXFP4_BYTES_PER_WEIGHT)
        weights = stored if precision == "mxfp4" else stored - packed + 2 * experts
    else:  # stored in its own dtype, loaded in bf16
        weights = stored * 2 // DTYPE_BYTES.get(str(config.get("dtype") or config.get("torch_dtype")), 2)
    return Need(precision, weights, kv_cache_bytes(config, CONTEXT_TOKENS))


def expert_weights(config: dict[str, Any]) -> int:
    """The weights in gpt-oss's expert matrices (gate_up: 2I x H, down: H x I, per expert and layer)."""
    hidden, inner = config.get("hidden_size", 0), config.get("intermediate_size", 0)
    return config.get("num_hidden_layers", 0) * config.get("num_local_experts", 0) * 3 * hidden * inner


def kv_cache_bytes(config: dict[str, Any], tokens: int) -> int:
    """bf16 keys and values for `tokens`; sliding-window layers keep only their window."""
    layers = config.get("num_hidden_layers", 0)
    heads = config.get("num_key_value_heads") or config.get("num_attention_heads", 0)
    head_dim = config.get("head_dim") or config.get("hidden_size", 0) // max(config.get("num_attention_heads", 1), 1)
    kinds = config.get("layer_types") or ["full_attention"] * layers
    window = config.get("sliding_window") or tokens
    kept = sum(min(tokens, window) if kind == "sliding_attention" else tokens for kind in kinds)
    return 2 * heads * head_dim * 2 * kept


def plan(folder: Path, probes: mxfp4.Probes) -> tuple[Need, mxfp4.Verdict, str]:
    """(the need in the precision it would load in, the MXFP4 verdict, the checkpoint's quant_method)."""
    config = mxfp4.read_config(folder)
    quant = mxfp4.checkpoint_quant(config)
    verdict = mxfp4.verdict(probes, quant)
    return need(folder, config, "mxfp4" if quant == "mxfp4" and verdict.ready else "bf16"), verdict, quant


def refusal(model: str, folder: Path, probes: mxfp4.Probes) -> str:
    """Why `model` cannot fit on these GPUs, with the figures and the fix; "" when it fits or there is
    no GPU to check (on a CPU it loads into RAM)."""
    if probes.free_gpu is None:
        return ""
    needed, verdict, quant = plan(folder, probes)
    if needed.total <= probes.free_gpu:
        return ""
    problem = f"model '{model}' needs {needed.describe()}, but the GPUs have {gib(probes.free_gpu)} GiB free"
    if needed.precision == "bf16" and quant == "mxfp4":
        packed = need(folder, mxfp4.read_config(folder), "mxfp4")
        return (f"{problem}. In MXFP4 it would need ~{gib(packed.total)} GiB, but MXFP4 is not ready here: "
                f"{verdict.reason}. `rag doctor` checks each piece")
    return (f"{problem}. Free the GPU memory other processes hold (nvidia-smi), use a card with more memory, "
            "or pick a smaller model")
