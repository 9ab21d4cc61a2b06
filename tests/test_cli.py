"""The real `rag` command line, run in subprocesses on a copy of the fixture corpus with the
hashing embedder: index (and re-index with nothing changed), ask (JSON shape, building the index
first, follow-ups), eval, the one-line errors, and a `--help` that imports no heavy library."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "corpus"
FILES = ["coffee.md", "rivers.txt", "solar.md"]


def rag(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env["HF_HUB_OFFLINE"] = "1"
    return subprocess.run([sys.executable, "-m", "rag", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def hashing(*args: str) -> tuple[str, ...]:
    return (*args, "--corpus", "corpus", "--index", "index", "--embedder", "hashing")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A folder with a copy of the fixture corpus and an index built by `rag index`."""
    root = tmp_path_factory.mktemp("cli")
    shutil.copytree(FIXTURES, root / "corpus")
    built = rag(*hashing("index"), cwd=root)
    assert built.returncode == 0, built.stderr
    assert "3 added" in built.stdout
    return root


@pytest.fixture
def fresh(tmp_path) -> Path:
    shutil.copytree(FIXTURES, tmp_path / "corpus")
    return tmp_path


def error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    return lines[0]


def test_index_again_with_nothing_changed(workdir):
    result = rag(*hashing("index", "--json"), cwd=workdir)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["unchanged"] == FILES
    assert report["embedded"] == 0
    assert report["added"] == report["changed"] == report["removed"] == []
    assert report["wrote"] is False


def test_ask_json_has_the_documented_shape(workdir):
    result = rag(*hashing("ask", "How much power does a typical home panel produce?", "--json"), cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == 1  # one JSON object, nothing else
    data = json.loads(result.stdout)
    assert {"question", "answer", "refused", "generator", "citations", "claims", "hits", "timings_ms"} <= set(data)
    assert data["question"] == "How much power does a typical home panel produce?"
    assert data["refused"] is False and data["generator"] == "extractive"
    assert "400 watts" in data["answer"] and "[1]" in data["answer"]
    assert data["citations"]
    for citation in data["citations"]:
        assert {"label", "chunk_id", "source", "section", "text", "claims"} <= set(citation)
        assert f"[{citation['label']}]" in data["answer"]
    assert data["citations"][0]["source"] == "solar.md"
    assert data["citations"][0]["claims"] == ["[1]"]
    assert data["claims"] == [{"marker": "[1]", "text": "Energy Handbook - A typical home panel produces about "
                                                       "400 watts in full sun."}]
    assert data["hits"]
    for hit in data["hits"]:
        assert {"chunk_id", "score", "text"} <= set(hit)
    scores = [h["score"] for h in data["hits"]]
    assert scores == sorted(scores, reverse=True)
    assert {c["chunk_id"] for c in data["citations"]} <= {h["chunk_id"] for h in data["hits"]}
    assert data["timings_ms"]["total"] > 0


def test_ask_prints_the_answer_and_its_sources(workdir):
    result = rag(*hashing("ask", "How long do solar panels last?"), cwd=workdir)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    # the answer first (the FAQ's sentence, cited; a companion may follow it), then each source cited
    assert "25 to 30 years before their output drops noticeably. [A]" in lines[0]
    assert "[A] solar.md › Frequently Asked Questions › How long do solar panels last?" in lines
    for label in set(re.findall(r"\[([A-Z])\]", lines[0])):
        assert any(line.startswith(f"[{label}] solar.md") for line in lines[1:]), lines


def test_ask_builds_the_index_when_there_is_none(fresh):
    result = rag(*hashing("ask", "Where does the Rhine start?", "--json"), cwd=fresh)
    assert result.returncode == 0, result.stderr
    assert "Swiss Alps" in json.loads(result.stdout)["answer"]
    assert (fresh / "index").is_dir()
    again = rag(*hashing("index", "--json"), cwd=fresh)
    assert json.loads(again.stdout)["unchanged"] == FILES


def test_ask_refuses_off_topic_questions(workdir):
    data = json.loads(rag(*hashing("ask", "What is the capital of France?", "--json"), cwd=workdir).stdout)
    assert data["refused"] is True
    assert data["citations"] == [] and data["claims"] == []


def test_ask_with_history_condenses_a_follow_up(workdir, tmp_path):
    history = tmp_path / "history.json"
    history.write_text(json.dumps([{"role": "user", "content": "How long do solar panels last?"},
                                   {"role": "assistant", "content": "25 to 30 years. [A]"}]))
    result = rag(*hashing("ask", "And on cloudy days?", "--json", "--history", str(history)), cwd=workdir)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["question"] == "And on cloudy days?"
    assert "solar panels last" in data["query"] and "cloudy" in data["query"]
    assert "cloudy" in data["answer"]


def test_eval_writes_one_line_per_item_and_prints_the_summary(workdir, tmp_path):
    gold = tmp_path / "gold.jsonl"
    items = [
        {"id": "t1", "question": "How long do solar panels last?", "answerable": True,
         "expect": [["25 to 30 years"]], "claims": [], "evidence": "25 to 30 years"},
        {"id": "t2", "question": "How much power does a typical home panel produce?", "answerable": True,
         "expect": [["400 watts"]], "claims": ["[1]"], "evidence": "400 watts"},
        {"id": "t3", "question": "What is the capital of France?", "answerable": False},
        {"id": "t4", "turns": ["Where does the Rhine start?", "And where does it end?"], "answerable": True,
         "expect": [["North Sea"]], "claims": [], "evidence": "North Sea"},
    ]
    gold.write_text("".join(json.dumps(item) + "\n" for item in items))
    out = tmp_path / "answers.jsonl"
    result = rag(*hashing("eval", "--gold", str(gold), "--out", str(out)), cwd=workdir)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["id"] for line in lines] == ["t1", "t2", "t3", "t4"]
    for line in lines:
        assert {"question", "answer", "refused", "generator", "citations", "claims", "hits", "timings_ms"} <= set(line)
    assert lines[2]["refused"] is True
    assert lines[3]["question"] == "And where does it end?"  # the scored turn is the last one
    for label in ("answer accuracy", "claims shown", "evidence cited", "refusal accuracy", "latency p50"):
        assert label in result.stdout
    assert re.search(r"answer accuracy\s+100\.0%", result.stdout)


def test_missing_corpus_is_one_line_saying_what_to_do(tmp_path):
    line = error_line(rag("index", "--corpus", "nowhere", "--index", "index", "--embedder", "hashing", cwd=tmp_path))
    assert "nowhere" in line and "--corpus" in line


def test_index_built_with_another_embedder_names_the_fix(workdir):
    line = error_line(rag("ask", "How long do solar panels last?", "--corpus", "corpus", "--index", "index",
                          cwd=workdir))  # the default embedder, not hashing
    assert "rag index --rebuild" in line
    assert "hashing" in line


def test_help_imports_neither_torch_nor_gradio(tmp_path):
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from rag.cli import app\n"
        "runner = CliRunner()\n"
        "for args in (['--help'], ['index', '--help'], ['ask', '--help'], ['serve', '--help'], ['eval', '--help']):\n"
        "    result = runner.invoke(app, args)\n"
        "    assert result.exit_code == 0, result.output\n"
        "    assert 'Usage' in result.output\n"
        "    if args != ['--help']:\n"
        "        assert 'Example' in result.output, args\n"
        "heavy = sorted(m for m in ('torch', 'gradio', 'transformers', 'sentence_transformers', 'faiss', 'onnxruntime') if m in sys.modules)\n"
        "assert not heavy, heavy\n"
        "print('ok')\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
