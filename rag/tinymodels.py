"""Tiny random causal LMs with real tokenizers, written to a folder, for tests and GPU checks.

Owns a byte-level BPE tokenizer trained on given text (plain, or gpt-oss "harmony" with its special
tokens and a harmony-style chat template) and Llama / gpt-oss configs, tiny or 20b-shaped. The
weights are random: the plumbing is real, the answers are noise. No hub access anywhere.

It stays in the package, not under tests/: `scripts/gpu_check.py` and the benchmarks build their
models with it on machines that have only the installed package, and the tests import it too.
"""

from __future__ import annotations

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
    from transformers import GenerationConfig

    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
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


def make_chunk(text: str, section: str = "Overview", claims: tuple[str, ...] = (), n: int = 0):
    """A chunk for LLM tests and benchmarks, with sentence spans: each sentence ends at ". "."""
    from rag.records import Chunk

    spans, start = [], 0
    for match in re.finditer(r"[.!?](\s|$)", text):
        spans.append((start, match.start() + 1))
        start = match.end()
    return Chunk(f"c{n}", "article.md", section, text, 100 * n, 100 * n + len(text), claims, sentences=tuple(spans))
