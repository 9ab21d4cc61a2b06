"""Starting `rag serve` as a user does, on a free loopback port, for the end-to-end tests; the
command can be wrapped (e.g. in `unshare`) and extra environment passed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
READY_WITHIN_S = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def child_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
            "PYTHONUNBUFFERED": "1", "NO_PROXY": "127.0.0.1,localhost", **extra}


def wait_ready(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + READY_WITHIN_S
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"rag serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url + "/healthz", timeout=2, trust_env=False).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"rag serve not ready within {READY_WITHIN_S} s:\n{log.read_text()}")
        time.sleep(0.3)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


@contextmanager
def serving(corpus: Path, index: Path, log: Path, *flags: str, env: dict[str, str] | None = None):
    """Yield the base URL of a `rag serve` with the hashing embedder; stopped afterwards."""
    port = free_port()
    command = [sys.executable, "-m", "rag", "serve", "--embedder", "hashing", "--corpus", str(corpus),
               "--index", str(index), "--port", str(port), "--host", "127.0.0.1", *flags]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env or child_env(), stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process, log)
        yield url
    finally:
        stop(process)
