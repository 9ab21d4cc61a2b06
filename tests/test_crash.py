"""SIGKILL during `rag index`, at 22 moments spread over a whole build: the previous index always
still loads and answers, and the next `rag index` completes and cleans up."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag.embed.embedder import HashingEmbedder
from rag.index import store
from rag.index.builder import Builder
from rag.index.search import load

KILLS = 22
QUESTION = "How many moons does the planet Zorblax have?"
FACT = "The planet Zorblax has exactly seventeen moons."


def _corpus(root: Path) -> Path:
    corpus = root / "corpus"
    corpus.mkdir()
    rng = random.Random(7)
    words = "river mountain engine harvest lantern copper violin glacier orchard canyon beacon".split()
    for n in range(150):
        body = "\n\n".join(" ".join(rng.choice(words) for _ in range(12)).capitalize() + f" in note {n}."
                           for _ in range(4))
        (corpus / f"note{n:03d}.md").write_text(f"# Note {n}\n\n## Part\n\n{body}\n")
    (corpus / "zorblax.md").write_text(f"# Zorblax\n\n## Moons\n\n{FACT} They orbit slowly.\n")
    return corpus


def _index(corpus: Path, index_dir: Path, *flags: str, **kwargs) -> subprocess.Popen:
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "rag", "index", "--corpus", str(corpus), "--index",
                             str(index_dir), "--embedder", "hashing", "--json", *flags],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, **kwargs)


def _answers(index_dir: Path) -> None:
    index = load(index_dir)
    hits = index.search(QUESTION, HashingEmbedder().embed_query(QUESTION), k=3)
    assert hits and hits[0].chunk.source == "zorblax.md" and FACT in hits[0].chunk.text
    assert len({c.source for c in index.chunks}) == 151


@pytest.mark.slow
def test_sigkill_never_loses_the_index(tmp_path):
    corpus, index_dir = _corpus(tmp_path), tmp_path / "index"
    Builder(corpus, index_dir, HashingEmbedder()).run()
    started = time.perf_counter()
    process = _index(corpus, index_dir, "--rebuild")
    assert process.wait(timeout=120) == 0, process.stderr.read()
    duration = time.perf_counter() - started  # interpreter start included: kills land there too
    rng = random.Random(2024)
    kills = attempts = 0
    while kills < KILLS and attempts < KILLS + 10:  # moments spread evenly over the build
        attempts += 1
        moment = (kills + rng.random()) / KILLS * duration
        process = _index(corpus, index_dir, "--rebuild")
        time.sleep(moment)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        else:  # the machine was faster than measured: aim earlier from now on
            duration = moment * 0.9
        process.wait(timeout=30)
        _answers(index_dir)  # the serving generation survived the kill
        after = _index(corpus, index_dir)
        assert after.wait(timeout=120) == 0, after.stderr.read()
        _answers(index_dir)
    assert kills == KILLS
    process = _index(corpus, index_dir, "--rebuild")  # a completed write prunes what kills left
    assert process.wait(timeout=120) == 0
    leftovers = [p.name for p in store.generations_dir(index_dir).iterdir() if p.name.startswith(".")]
    assert not leftovers
    assert len([p for p in store.generations_dir(index_dir).iterdir()]) <= store.KEEP_GENERATIONS
    _answers(index_dir)
