"""What each serving layer adds: the same questions streamed through the bare pipeline
(`Assistant.answer` in-process), our HTTP API (`rag serve`, POST /v1/chat/completions with
stream=true) and the Gradio path (`gradio_client` on the UI's `/chat` endpoint, the browser's
route). Prints p50/p95 of first piece and whole answer per layer, and the difference to the layer
below. The extractive generator answers, so the figures are the layers' own cost, not a model's.

    python scripts/bench_layers.py --reps 60
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
from collections.abc import Callable, Iterator
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from rag.doctor import machine  # noqa: E402
from rag.evaluate import percentile  # noqa: E402
from rag.records import Token  # noqa: E402
from rag.service import assistant, builder  # noqa: E402
from rag.settings import Settings  # noqa: E402

QUESTIONS = ["Is ChatGPT open source?", "How much does the GPT-5.2 API cost per million input tokens?",
             "Which license does gpt-oss use?", "What share of AI token usage do open-weight models have?",
             "What is the capital of France?", "Roughly what does Llama 4 cost per million tokens?"]

Layer = Callable[[str], Iterator[object]]  # yields one item per streamed piece


def pipeline_layer(config: Settings) -> Layer:
    bot = assistant(config)
    bot.warm_up()
    return lambda question: (e for e in bot.answer(question) if isinstance(e, Token))


def http_layer(url: str) -> Layer:
    http = httpx.Client(base_url=url, timeout=60, trust_env=False)

    def stream(question: str) -> Iterator[object]:
        body = {"model": "rag-chat", "stream": True, "messages": [{"role": "user", "content": question}]}
        with http.stream("POST", "/v1/chat/completions", json=body) as response:
            for line in response.iter_lines():
                if line.startswith("data: {"):
                    choices = json.loads(line[len("data: "):]).get("choices") or [{}]
                    if choices[0].get("delta", {}).get("content"):  # not the empty role chunk
                        yield line

    return stream


def gradio_layer(url: str) -> Layer:
    from gradio_client import Client

    client = Client(url + "/", verbose=False, download_files=False)
    return lambda question: iter(client.submit(question, [], api_name="/chat"))


def measure(layer: Layer, reps: int) -> dict[str, list[float]]:
    first, total = [], []
    for i in range(reps):
        started = time.perf_counter()
        seen_first = None
        for _ in layer(QUESTIONS[i % len(QUESTIONS)]):
            if seen_first is None:
                seen_first = time.perf_counter() - started
        total.append((time.perf_counter() - started) * 1000)
        first.append((seen_first if seen_first is not None else total[-1] / 1000) * 1000)
    return {"first piece": first, "whole answer": total}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(config: Settings) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-m", "rag", "serve", "--port", str(port), "--index", str(config.index),
               "--corpus", str(config.corpus), "--backend", config.backend, "--generator", "extractive"]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=2, trust_env=False).status_code == 200:
                return server, url
        except httpx.HTTPError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("rag serve was not ready within 120 s")


def table(results: dict[str, dict[str, list[float]]]) -> str:
    lines = ["| layer | first piece p50 / p95 | whole answer p50 / p95 | adds to the layer below (p50, whole) |",
             "| --- | --- | --- | --- |"]
    below = None
    for name, samples in results.items():
        cells = [f"{statistics.median(samples[k]):.1f} / {percentile(samples[k], 0.95):.1f} ms"
                 for k in ("first piece", "whole answer")]
        whole = statistics.median(samples["whole answer"])
        added = "" if below is None else f"+{whole - below:.1f} ms"
        lines.append(f"| {name} | {cells[0]} | {cells[1]} | {added} |")
        below = whole
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=60, help="questions per layer (cycling through six)")
    parser.add_argument("--backend", default="onnx-int8")
    parser.add_argument("--out", type=Path, help="also write the raw samples as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        config = Settings(corpus=ROOT / "corpus", index=Path(workdir) / "index", backend=args.backend,
                          generator="extractive")
        builder(config).run()
        server, url = start_server(config)
        try:
            layers = {"bare pipeline": pipeline_layer(config), "HTTP API (stream)": http_layer(url),
                      "Gradio (gradio_client /chat)": gradio_layer(url)}
            results = {}
            for name, layer in layers.items():
                measure(layer, len(QUESTIONS))  # warm: first-call costs are not a layer's
                results[name] = measure(layer, args.reps)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"Machine: {machine()}; {args.reps} questions per layer, extractive generator, {args.backend}\n")
    print(table(results))
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
