"""Benchmark of the whole CPU path, per embedder backend, with ratios to the PyTorch baseline
measured in the same run. Prints a Markdown table (docs/PERFORMANCE.md keeps the latest).

    python scripts/bench.py                      # torch, onnx, onnx-int8
    python scripts/bench.py --backends torch --reps 50
    python scripts/bench.py --backends onnx-int8 --corpus eval/corpus2 --questions eval/corpus2.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.doctor import machine  # noqa: E402
from rag.evaluate import percentile  # noqa: E402
from rag.service import assistant, builder  # noqa: E402
from rag.settings import Settings  # noqa: E402

QUESTIONS = ["Is ChatGPT open source?", "How much does the GPT-5.2 API cost per million input tokens?",
             "Which license does gpt-oss use?", "What share of AI token usage do open-weight models have?",
             "What is the capital of France?", "Roughly what does Llama 4 cost per million tokens?"]


def stats(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples), percentile(samples, 0.95)


def timed(fn, reps: int) -> tuple[float, float]:
    samples = []
    for i in range(reps):
        started = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - started) * 1000)
    return stats(samples)


def build(config: Settings) -> dict[str, float]:
    report = builder(config).run(rebuild=True)
    return {"build_s": report.seconds, "chunks_per_s": report.chunks / report.seconds if report.seconds else 0.0}


def warm(config: Settings, reps: int) -> dict[str, tuple[float, float]]:
    bot = assistant(config)
    bot.warm_up()
    index = bot.index()
    vectors = [bot.embedder.embed_query(q) for q in QUESTIONS]
    return {
        "query embedding": timed(lambda i: bot.embedder.embed_query(QUESTIONS[i % len(QUESTIONS)]), reps),
        "retrieval": timed(lambda i: index.search(QUESTIONS[i % len(QUESTIONS)], vectors[i % len(vectors)]), reps),
        "whole answer": timed(lambda i: bot.ask(QUESTIONS[i % len(QUESTIONS)]), reps),
    }


def cli_args(config: Settings) -> list[str]:
    return ["--index", str(config.index), "--backend", config.backend]


def ask_cold(config: Settings, runs: int) -> tuple[float, float]:
    command = [sys.executable, "-m", "rag", "ask", QUESTIONS[0], "--json", *cli_args(config)]
    return timed(lambda _: subprocess.run(command, check=True, capture_output=True, cwd=ROOT), runs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post_question(port: int) -> None:
    body = json.dumps({"messages": [{"role": "user", "content": QUESTIONS[0]}]}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/chat/completions", body,
                                     {"content-type": "application/json"})
    urllib.request.urlopen(request, timeout=60).read()


def serve_cold(config: Settings) -> tuple[float, float]:
    """(seconds from process start to the first answer, resident MB of the idle server after it)."""
    import psutil

    port = free_port()
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "rag", "serve", "--port", str(port), *cli_args(config)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                post_question(port)
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("rag serve gave no answer within 120 s")
        first = time.perf_counter() - started
        time.sleep(1.0)
        rss = psutil.Process(server.pid).memory_info().rss / 2**20
        return first, rss
    finally:
        server.terminate()
        server.wait(timeout=30)


def run_backend(backend: str, reps: int, cold_runs: int, workdir: Path, corpus: Path) -> dict[str, object]:
    config = Settings(corpus=corpus, index=workdir / backend, backend=backend, generator="extractive")
    row: dict[str, object] = dict(build(config))
    row.update(warm(config, reps))
    row["rag ask (process start to JSON)"] = ask_cold(config, cold_runs)
    first, rss = serve_cold(config)
    row["rag serve start to first answer"] = (first * 1000, first * 1000)
    row["idle serve RSS MB"] = rss
    return row


def table(results: dict[str, dict[str, object]]) -> str:
    backends = list(results)
    base = results[backends[0]]
    lines = ["| measure | " + " | ".join(f"{b} p50 / p95 (ratio)" for b in backends) + " |",
             "| --- |" + " --- |" * len(backends)]
    for key in ["query embedding", "retrieval", "whole answer", "rag ask (process start to JSON)",
                "rag serve start to first answer"]:
        cells = []
        for b in backends:
            p50, p95 = results[b][key]
            cells.append(f"{p50:.1f} / {p95:.1f} ms ({p50 / base[key][0]:.2f}x)")
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    for key, unit in [("idle serve RSS MB", "MB"), ("chunks_per_s", "chunks/s"), ("build_s", "s")]:
        cells = [f"{results[b][key]:.1f} {unit} ({results[b][key] / base[key]:.2f}x)" for b in backends]
        lines.append(f"| {key.replace('_', ' ')} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="torch,onnx,onnx-int8", help="first one is the baseline")
    parser.add_argument("--reps", type=int, default=100, help="warm repetitions per measure")
    parser.add_argument("--cold-runs", type=int, default=3, help="process starts per cold measure")
    parser.add_argument("--out", type=Path, help="also write the results as JSON")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="the corpus to index and ask")
    parser.add_argument("--questions", type=Path, help="gold file whose first questions are asked "
                                                       "(default: six questions on the article)")
    args = parser.parse_args()
    if args.questions:
        asked = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
        QUESTIONS[:] = [item["question"] for item in asked if item.get("question")][:12]
    with tempfile.TemporaryDirectory() as workdir:
        results = {b: run_backend(b, args.reps, args.cold_runs, Path(workdir), args.corpus)
                   for b in args.backends.split(",")}
    print(f"Machine: {machine()}; corpus {args.corpus}, {len(QUESTIONS)} questions\n")
    print(table(results))
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
