"""What the transformers generator costs on this card, with random weights (no download).

Builds a tiny gpt-oss-style model and a gpt-oss-20b-shaped one (the real config, random bf16 weights
made on the GPU), runs the real TransformersGenerator on a ~2k-token RAG prompt from the article, and
reports load time, time to first token, decode tokens/s at 1 and 4 concurrent chats, and peak memory.

    python scripts/gpu_check.py . --out gpu_check.json            # on a GPU machine
    python scripts/gpu_check.py . --tiny-only --out /tmp/tiny.json  # anywhere, CPU included

--mxfp4 also writes a gpt-oss-20b-shaped random checkpoint in the hub's MXFP4 layout (~13.7 GB of
safetensors, into --mxfp4-dir on local disk, reused when there) and measures it loaded from disk by
the product's generator, beside the bf16 rows; each row says which experts class ran, so a silent
fall-back to bf16 shows.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any


def main() -> int:
    args = parse_args()
    sys.path.insert(0, str(args.repo.resolve()))
    import torch
    import transformers

    text = (args.repo / "corpus" / "article.md").read_text(encoding="utf-8")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    info = {"card": torch.cuda.get_device_name(0) if device == "cuda" else "cpu", "torch": torch.__version__,
            "transformers": transformers.__version__, "new_tokens": args.new_tokens}  # fmt: skip
    rows = [*check_tiny(text, args, device)]
    if not args.tiny_only and device == "cuda":
        rows += check_20b(text, args)
    if args.mxfp4 and not args.tiny_only and device == "cuda":
        rows += check_mxfp4(text, args)
    print_table(info, rows)
    if args.out:
        args.out.write_text(json.dumps({**info, "rows": rows}, indent=2), encoding="utf-8")
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("repo", type=Path, help="the repository root (reads corpus/article.md)")
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    parser.add_argument("--tiny-only", action="store_true", help="skip the 20b-shaped model")
    parser.add_argument("--static-cache", action="store_true", help="also measure a static KV cache (no compile)")
    parser.add_argument("--compile", action="store_true", help="also measure static cache + torch.compile")
    parser.add_argument("--new-tokens", type=int, default=128, help="tokens decoded per chat")
    parser.add_argument("--prompt-tokens", type=int, default=2000, help="prompt budget for the RAG prompt")
    parser.add_argument("--mxfp4", action="store_true", help="also measure a 20b-shaped MXFP4 checkpoint from disk")
    parser.add_argument("--mxfp4-dir", type=Path, default=Path(tempfile.gettempdir()) / "gpt-oss-20b-mxfp4-random",
                        help="where the MXFP4 checkpoint is written (local disk, ~13.7 GB)")
    parser.add_argument("--kernel-folder", type=Path, default=Path("models/kernels/gpt-oss-triton-kernels"),
                        help="the gpt-oss MXFP4 kernel folder (models/README.md)")
    parser.add_argument("--kernel-source", type=Path, help="a source copy of the kernel (its torch-ext/ folder), "
                        "laid out as a kernel build in --kernel-folder first; for machines with no hub access")
    return parser.parse_args()


def rag_request(text: str, i: int = 0) -> Any:
    """A question with the article's paragraphs as ranked passages (enough for ~2k tokens)."""
    from rag.answer.generators.base import Request, label_passages
    from rag.records import Hit
    from rag.tinymodels import make_chunk

    paragraphs = [p.strip() for p in text.split("\n\n") if len(p.strip()) > 80]
    hits = [Hit(make_chunk(p, "Article", n=n), 1.0 - n / 100) for n, p in enumerate(paragraphs)]
    question = f"Is ChatGPT open source, and what does self-hosting gpt-oss cost? (chat {i})"
    return Request(question=question, query=question, passages=label_passages(hits))


def check_tiny(text: str, args: argparse.Namespace, device: str) -> list[dict]:
    from rag.tinymodels import build_gpt_oss

    folder = build_gpt_oss(Path(tempfile.mkdtemp()) / "tiny-gpt-oss", text)
    from rag.answer.generators.transformers import forget

    rows = []
    for mode in ("queue", "continuous"):
        rows.append(measure("tiny gpt-oss", str(folder), mode, text, args))
        forget(str(folder), mode)
    return rows


def check_20b(text: str, args: argparse.Namespace) -> list[dict]:
    import torch

    from rag.answer.generators.transformers import forget, register
    from rag.tinymodels import gpt_oss_20b_config, harmony_tokenizer, random_model

    tokenizer = harmony_tokenizer(text, vocab_size=2000)
    started = time.perf_counter()
    config = gpt_oss_20b_config(tokenizer.pad_token_id, tokenizer.eos_token_id)
    model = random_model(config, dtype="bfloat16", device="cuda")
    torch.cuda.synchronize()
    build_s = time.perf_counter() - started
    variants = [("queue", {})]
    if args.static_cache:
        variants.append(("queue", {"cache_implementation": "static", "disable_compile": True}))
    variants.append(("continuous", {}))
    if args.compile:  # last: compiling can take minutes, and rows print as they finish
        variants.append(("queue", {"cache_implementation": "static"}))  # static cache compiles forward
    rows = []
    for mode, options in variants:
        register("gpt-oss-20b-shaped", model, tokenizer, batching=mode)
        rows.append(measure("gpt-oss-20b-shaped", "gpt-oss-20b-shaped", mode, text, args, options, build_s))
        rows[-1]["experts"] = str(getattr(model, "get_experts_implementation", dict)())
        rows[-1]["attention"] = str(getattr(model.config, "_attn_implementation", ""))
        forget("gpt-oss-20b-shaped", mode)
    return rows


def mxfp4_checkpoint(folder: Path, text: str, config: Any = None) -> tuple[Path, float]:
    """The random MXFP4 checkpoint in `folder` (written unless a complete one is there) and the
    seconds writing took. `config`: gpt-oss-20b's unless given (tests pass a tiny one)."""
    from rag.tinymodels import gpt_oss_20b_config, harmony_tokenizer, write_random_mxfp4

    if (folder / "model.safetensors.index.json").is_file() and (folder / "generation_config.json").is_file():
        return folder, 0.0
    started = time.perf_counter()
    tokenizer = harmony_tokenizer(text, vocab_size=2000)
    config = config or gpt_oss_20b_config(tokenizer.pad_token_id, tokenizer.eos_token_id)
    write_random_mxfp4(folder, config, tokenizer)
    return folder, time.perf_counter() - started


def check_mxfp4(text: str, args: argparse.Namespace) -> list[dict]:
    """The MXFP4 checkpoint loaded from disk the way a user's gpt-oss-20b is, per serving mode."""
    from rag.answer.generators import mxfp4
    from rag.answer.generators.transformers import forget

    if args.kernel_source:
        kernel_folder_from_source(args.kernel_source, args.kernel_folder)
    mxfp4.point_kernels_at(args.kernel_folder)  # as the CLI does; a LOCAL_KERNELS of your own wins
    folder, write_s = mxfp4_checkpoint(args.mxfp4_dir, text)
    verdict = mxfp4.verdict(mxfp4.probe(args.kernel_folder, try_import=True), "mxfp4")
    print(json.dumps({"mxfp4_ready": verdict.ready, "reason": verdict.reason, "write_s": round(write_s, 1),
                      "gib_on_disk": round(sum(p.stat().st_size for p in folder.glob("*.safetensors")) / 2**30, 2)}),
          flush=True)  # fmt: skip
    variants = [("queue", None), ("continuous", None)]
    if args.compile:
        variants.append(("queue", {"cache_implementation": "static"}))
    rows = []
    for mode, options in variants:
        rows.append(measure("gpt-oss-20b-shaped mxfp4", str(folder), mode, text, args, options))
        rows[-1]["mxfp4_ready"] = verdict.ready
        forget(str(folder), mode)
    return rows


def kernel_folder_from_source(source: Path, folder: Path) -> Path:
    """Lay a source copy of gpt-oss-triton-kernels (torch-ext/gpt_oss_triton_kernels/) out the way the
    hub's v1 build is: build/torch-universal/ with the package and the metadata.json `kernels` 0.17
    reads. Into a git-ignored folder (models/ is): the kernel is third-party and never committed."""
    import shutil

    variant = folder / "build" / "torch-universal"
    if variant.exists():
        shutil.rmtree(variant)
    shutil.copytree(source / "torch-ext" / "gpt_oss_triton_kernels", variant / "gpt_oss_triton_kernels")
    metadata = {"name": "gpt-oss-triton-kernels", "id": "gpt_oss_triton_kernels_local", "version": 1,
                "license": "MIT", "python-depends": [], "backend": {"type": "cuda"}}  # fmt: skip
    (variant / "metadata.json").write_text(json.dumps(metadata, indent=1), encoding="utf-8")
    return folder


def experts_class(gen: Any) -> str:
    """The experts module that ran: Mxfp4GptOssExperts when MXFP4 held, GptOssExperts when dequantized."""
    layers = getattr(getattr(gen._loaded.model, "model", None), "layers", None) if gen._loaded else None
    return type(layers[0].mlp.experts).__name__ if layers and hasattr(layers[0], "mlp") else ""


def measure(name: str, model: str, mode: str, text: str, args: argparse.Namespace,
            options: dict | None = None, load_s: float | None = None) -> dict:  # fmt: skip
    """One row: load, a short warm-up, one chat alone, then four at once."""
    from rag.answer.generators.transformers import TransformersGenerator

    label = mode + (" static" if options else "") + (" compile" if options and "disable_compile" not in options else "")
    row: dict[str, Any] = {"model": name, "mode": label}
    try:
        gen = TransformersGenerator(model=model, max_new_tokens=args.new_tokens, batching=mode, ignore_eos=True,
                                    max_prompt_tokens=args.prompt_tokens, generate_options=options)  # fmt: skip
        reset_peak()
        started = time.perf_counter()
        gen.warm_up()
        row["load_s"] = round(load_s if load_s is not None else time.perf_counter() - started, 2)
        row["experts_class"] = experts_class(gen)
        row["load_peak_gib"] = peak_gib()
        row["prompt_tokens"] = len(gen.prompt_ids(rag_request(text)))
        timed_chat(gen, rag_request(text))  # warm-up: kernels, allocator, compilation
        alone = timed_chat(gen, rag_request(text))
        row["ttft_ms"] = round(alone["ttft_s"] * 1000, 1)
        row["tok_s_1"] = round(alone["tok_s"], 1)
        row.update(concurrent(gen, text, 4))
        row["peak_gib"] = peak_gib()
    except Exception as error:  # one failing variant must not hide the others
        row["error"] = f"{type(error).__name__}: {str(error)[:300]}"
    print(json.dumps(row), flush=True)  # as it comes: a run cut short still reports what it measured
    return row


def timed_chat(gen: Any, request: Any) -> dict[str, float]:
    started = time.perf_counter()
    first = last = 0.0
    count = 0
    for ids in gen.token_ids(request):
        last = time.perf_counter()
        first = first or last
        count += len(ids)
    decode_s = max(last - first, 1e-9)
    return {"ttft_s": first - started, "tok_s": (count - 1) / decode_s, "tokens": count, "end": last, "start": started}


def concurrent(gen: Any, text: str, n: int) -> dict[str, float]:
    results: list[dict[str, float]] = []
    threads = [threading.Thread(target=lambda i=i: results.append(timed_chat(gen, rag_request(text, i))))
               for i in range(n)]  # fmt: skip
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    tokens = sum(r["tokens"] for r in results)
    return {
        f"tok_s_{n}_total": round(tokens / wall, 1),
        f"tok_s_{n}_per_chat": round(sum(r["tok_s"] for r in results) / max(len(results), 1), 1),
        f"ttft_ms_{n}_worst": round(max(r["ttft_s"] for r in results) * 1000, 1),
    }


def reset_peak() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()


def peak_gib() -> float | None:
    import torch

    return round(torch.cuda.max_memory_allocated() / 2**30, 2) if torch.cuda.is_available() else None


def print_table(info: dict, rows: list[dict]) -> None:
    print(f"\n{info['card']} · torch {info['torch']} · transformers {info['transformers']} · "
          f"{info['new_tokens']} new tokens per chat\n")  # fmt: skip
    columns = ["model", "mode", "experts_class", "load_s", "prompt_tokens", "ttft_ms", "tok_s_1", "tok_s_4_total",
               "tok_s_4_per_chat", "ttft_ms_4_worst", "peak_gib", "experts", "attention", "error"]  # fmt: skip
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(str(row.get(c, "")) for c in columns) + " |")


if __name__ == "__main__":
    raise SystemExit(main())
