"""Tiny random causal LMs with real tokenizers, written to a folder, for tests and GPU checks.

Owns a byte-level BPE tokenizer trained on given text (plain, or gpt-oss "harmony" with its special
tokens and a harmony-style chat template), Llama / gpt-oss configs, tiny or 20b-shaped, and gpt-oss
checkpoints stored the way openai/gpt-oss-20b is (MXFP4 experts). The weights are random: the
plumbing is real, the answers are noise. No hub access anywhere.

It stays in the package, not under tests/: `scripts/gpu_check.py` and the benchmarks build their
models with it on machines that have only the installed package, and the tests import it too.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

from rag.answer.prompt import PLAIN_TEMPLATE

HARMONY_SPECIALS = (
    "<|endoftext|>", "<|start|>", "<|end|>", "<|message|>",
    "<|channel|>", "<|constrain|>", "<|return|>", "<|call|>",
)  # fmt: skip
# What gpt-oss's generation config lists as end-of-sequence tokens (the generator stops on fewer).
GPT_OSS_EOS = ("<|return|>", "<|call|>", "<|endoftext|>")
PLAIN_SPECIALS = ("<s>", "</s>")

# A shortened gpt-oss template: same message framing, no date line and no tools.
HARMONY_TEMPLATE = (
    "<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\n"
    "Knowledge cutoff: 2024-06\n\nReasoning: {{ reasoning_effort | default('medium') }}\n\n"
    "# Valid channels: analysis, commentary, final. Channel must be included for every message.<|end|>"
    "{% for m in messages %}"
    "{% if m.role in ['system', 'developer'] %}"
    "<|start|>developer<|message|># Instructions\n\n{{ m.content }}<|end|>"
    "{% elif m.role == 'assistant' %}"
    "<|start|>assistant<|channel|>final<|message|>{{ m.content }}<|end|>"
    "{% else %}<|start|>{{ m.role }}<|message|>{{ m.content }}<|end|>{% endif %}"
    "{% endfor %}{% if add_generation_prompt %}<|start|>assistant{% endif %}"
)


def train_bpe(text: str, specials: tuple[str, ...], vocab_size: int = 600) -> Any:
    """A byte-level BPE `tokenizers.Tokenizer` trained on `text`; special tokens get the first ids."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(specials),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator([text], trainer)
    return tokenizer


def harmony_tokenizer(text: str, vocab_size: int = 600) -> Any:
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(
        tokenizer_object=train_bpe(text, HARMONY_SPECIALS, vocab_size),
        eos_token="<|return|>",
        pad_token="<|endoftext|>",
        chat_template=HARMONY_TEMPLATE,
    )


def plain_tokenizer(text: str, vocab_size: int = 600) -> Any:
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(
        tokenizer_object=train_bpe(text, PLAIN_SPECIALS, vocab_size),
        bos_token="<s>",
        eos_token="</s>",
        pad_token="</s>",
        chat_template=PLAIN_TEMPLATE,
    )


def llama_config(tokenizer: Any, hidden: int = 64, layers: int = 2) -> Any:
    from transformers import LlamaConfig

    return LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=hidden * 2,
        num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=2,
        max_position_embeddings=4096, bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
        initializer_range=0.5,  # wide random weights: outputs that differ from prompt to prompt
    )  # fmt: skip


def gpt_oss_config(tokenizer: Any, hidden: int = 64, layers: int = 2, experts: int = 4) -> Any:
    """A tiny config with gpt-oss's features: experts, sinks, alternating sliding/full, yarn."""
    return _gpt_oss(
        vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=hidden,
        num_hidden_layers=layers, num_local_experts=experts, num_experts_per_tok=2,
        num_attention_heads=4, num_key_value_heads=2, head_dim=16, sliding_window=16,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id, initializer_range=0.5,
    )  # fmt: skip


def gpt_oss_20b_config(pad_token_id: int = 199999, eos_token_id: int = 200002) -> Any:
    """openai/gpt-oss-20b's config.json written out, minus its mxfp4 quantization block."""
    return _gpt_oss(
        vocab_size=201088, hidden_size=2880, intermediate_size=2880, num_hidden_layers=24,
        num_local_experts=32, num_experts_per_tok=4, num_attention_heads=64, num_key_value_heads=8,
        head_dim=64, sliding_window=128, pad_token_id=pad_token_id, eos_token_id=eos_token_id,
    )  # fmt: skip


def _gpt_oss(num_hidden_layers: int, **sizes: Any) -> Any:
    from transformers import GptOssConfig

    layer_types = ["sliding_attention" if i % 2 == 0 else "full_attention" for i in range(num_hidden_layers)]
    yarn = {
        "rope_type": "yarn", "factor": 32.0, "beta_fast": 32.0, "beta_slow": 1.0,
        "original_max_position_embeddings": 4096, "truncate": False, "rope_theta": 150000.0,
    }  # fmt: skip
    return GptOssConfig(
        num_hidden_layers=num_hidden_layers, layer_types=layer_types, rope_parameters=yarn,
        max_position_embeddings=131072, rms_norm_eps=1e-5, attention_bias=True,
        router_aux_loss_coef=0.9, swiglu_limit=7.0, tie_word_embeddings=False, **sizes,
    )  # fmt: skip


def random_model(config: Any, dtype: str = "float32", device: str = "cpu") -> Any:
    """A randomly initialised causal LM built directly on `device` (no CPU copy for big ones)."""
    import torch
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(config, dtype=getattr(torch, dtype))
    return model.eval()


def save(folder: Path, model: Any, tokenizer: Any, stops: tuple[str, ...]) -> Path:
    """Write model, tokenizer and a generation config (its eos = `stops`) the way a hub folder is."""
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    return save_tokenizer(folder, tokenizer, stops)


def save_tokenizer(folder: Path, tokenizer: Any, stops: tuple[str, ...]) -> Path:
    """The tokenizer and a generation config whose eos = `stops`."""
    from transformers import GenerationConfig

    tokenizer.save_pretrained(folder)
    eos = [tokenizer.convert_tokens_to_ids(s) for s in stops]
    GenerationConfig(eos_token_id=eos, pad_token_id=tokenizer.pad_token_id).save_pretrained(folder)
    return folder


def build_llama(folder: Path, text: str) -> Path:
    tokenizer = plain_tokenizer(text)
    return save(folder, random_model(llama_config(tokenizer)), tokenizer, ("</s>",))


def build_gpt_oss(folder: Path, text: str) -> Path:
    tokenizer = harmony_tokenizer(text)
    return save(folder, random_model(gpt_oss_config(tokenizer)), tokenizer, GPT_OSS_EOS)


# MXFP4 (OCP microscaling): 32 weights share one E8M0 scale byte (a power of two, bias 127); each
# weight is a 4-bit E2M1 code, two to a byte, low nibble first. The code's value is FP4_VALUES[code].
MXFP4_GROUP = 32
FP4_VALUES = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, -0.0, -0.5, -1.0, -1.5, -2.0, -3.0, -4.0, -6.0)
# What openai/gpt-oss-20b's config.json says next to quant_method: these stay bf16.
MXFP4_KEEP = ["model.layers.*.self_attn", "model.layers.*.mlp.router", "model.embed_tokens", "lm_head"]


def mxfp4_quantize(weight: Any) -> tuple[Any, Any]:
    """[..., rows, cols] floats -> (uint8 blocks [..., rows, cols/32, 16], uint8 E8M0 scales [..., rows, cols/32]),
    rounding each weight to the nearest FP4 value under its group's scale."""
    import torch

    groups = weight.float().reshape(*weight.shape[:-1], -1, MXFP4_GROUP)
    peak = groups.abs().amax(-1, keepdim=True).clamp_min(2.0**-120)
    exponent = torch.floor(torch.log2(peak)) - 2  # 6 = 1.5 * 2**2: the peak lands in [4, 8) before clamping
    scaled = (groups / torch.exp2(exponent)).clamp(-6.0, 6.0)
    values = torch.tensor(FP4_VALUES)
    codes = (scaled.unsqueeze(-1) - values).abs().argmin(-1).to(torch.uint8)  # nearest code (+0 before -0)
    blocks = codes[..., 0::2] | (codes[..., 1::2] << 4)
    return blocks.contiguous(), (exponent.squeeze(-1) + 127).to(torch.uint8).contiguous()


def mxfp4_dequantize(blocks: Any, scales: Any) -> Any:
    """The inverse of `mxfp4_quantize`, in float32: [..., rows, cols/32, 16] -> [..., rows, cols]."""
    import torch

    values = torch.tensor(FP4_VALUES)
    codes = torch.stack((blocks & 0x0F, blocks >> 4), dim=-1).reshape(*blocks.shape[:-1], -1).long()
    groups = values[codes] * torch.exp2(scales.float() - 127).unsqueeze(-1)
    return groups.reshape(*blocks.shape[:-2], -1)


def mxfp4_state_dict(state: dict[str, Any]) -> dict[str, Any]:
    """A gpt-oss state dict as the hub checkpoint stores it: experts' matrices as MXFP4 `*_blocks` and
    `*_scales` (rows = outputs, so transposed from transformers' [experts, in, out]), the rest bf16."""
    import torch

    stored = {}
    for name, tensor in state.items():
        if name.endswith(("experts.gate_up_proj", "experts.down_proj")):
            stored[f"{name}_blocks"], stored[f"{name}_scales"] = mxfp4_quantize(tensor.transpose(-1, -2))
        else:
            stored[name] = tensor.to(torch.bfloat16).contiguous()
    return stored


def save_mxfp4_config(folder: Path, config: Any) -> None:
    """config.json with gpt-oss-20b's quantization block: what tells transformers the experts are MXFP4."""
    config.quantization_config = {"quant_method": "mxfp4", "modules_to_not_convert": MXFP4_KEEP}
    config.dtype = "bfloat16"
    config.save_pretrained(folder)


def build_gpt_oss_mxfp4(folder: Path, text: str) -> Path:
    """A tiny gpt-oss checkpoint stored the way openai/gpt-oss-20b is: MXFP4 experts, bf16 elsewhere."""
    from safetensors.torch import save_file

    tokenizer = harmony_tokenizer(text)
    config = gpt_oss_config(tokenizer)
    state = mxfp4_state_dict(random_model(config).state_dict())
    folder.mkdir(parents=True, exist_ok=True)
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    save_mxfp4_config(folder, config)
    return save_tokenizer(folder, tokenizer, GPT_OSS_EOS)


def write_random_mxfp4(folder: Path, config: Any, tokenizer: Any, layers_per_shard: int = 4) -> Path:
    """A random checkpoint of `config`'s shape in the MXFP4 layout, written tensor by tensor in shards
    (gpt-oss-20b's config gives ~13.7 GB without ever holding a model in memory): random FP4 codes
    under small power-of-two scales for the experts, small bf16 weights elsewhere."""
    import torch
    from safetensors.torch import save_file
    from transformers import AutoModelForCausalLM

    with torch.device("meta"):  # names and shapes only
        shapes = {name: p.shape for name, p in AutoModelForCausalLM.from_config(config).named_parameters()}

    def shard_of(name: str) -> str:
        layer = re.search(r"layers\.(\d+)\.", name)
        return f"layers-{int(layer.group(1)) // layers_per_shard:03d}" if layer else name.split(".")[0]

    generator = torch.Generator().manual_seed(0)
    groups = [(shard, list(names)) for shard, names in itertools.groupby(shapes, key=shard_of)]
    folder.mkdir(parents=True, exist_ok=True)
    weight_map = {}
    for i, (_, names) in enumerate(groups):  # one shard in memory at a time
        file = f"model-{i + 1:05d}-of-{len(groups):05d}.safetensors"
        state = {k: v for name in names for k, v in _random_tensors(name, shapes[name], generator).items()}
        save_file(state, str(folder / file), metadata={"format": "pt"})
        weight_map |= dict.fromkeys(state, file)
    total = sum((folder / f).stat().st_size for f in set(weight_map.values()))
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index, indent=1), encoding="utf-8")
    save_mxfp4_config(folder, config)
    return save_tokenizer(folder, tokenizer, GPT_OSS_EOS)


def _random_tensors(name: str, shape: Any, generator: Any) -> dict[str, Any]:
    import torch

    if name.endswith(("experts.gate_up_proj", "experts.down_proj")):
        experts, inputs, outputs = shape  # transformers' [experts, in, out]; stored as rows = outputs
        groups = (experts, outputs, inputs // MXFP4_GROUP)
        blocks = torch.randint(0, 256, (*groups, 16), dtype=torch.uint8, generator=generator)
        scales = torch.randint(119, 122, groups, dtype=torch.uint8, generator=generator)
        return {f"{name}_blocks": blocks, f"{name}_scales": scales}  # weights up to 6 * 2**-6
    if name.endswith("norm.weight"):
        return {name: torch.ones(shape, dtype=torch.bfloat16)}
    return {name: (torch.randn(shape, generator=generator) * 0.02).to(torch.bfloat16)}


def make_chunk(text: str, section: str = "Overview", claims: tuple[str, ...] = (), n: int = 0):
    """A chunk for LLM tests and benchmarks, with sentence spans: each sentence ends at ". "."""
    from rag.records import Chunk

    spans, start = [], 0
    for match in re.finditer(r"[.!?](\s|$)", text):
        spans.append((start, match.start() + 1))
        start = match.end()
    return Chunk(f"c{n}", "article.md", section, text, 100 * n, 100 * n + len(text), claims, sentences=tuple(spans))
