"""Faults in the index folder (issue 14): every file of a generation is checked against the size and
sha256 its manifest records; a damaged current generation is reported in one line naming the fix
while the previous good one serves (and /healthz says degraded); `rag index` notices and rebuilds;
a full disk mid-build leaves the serving index intact; leftovers of a killed build are cleaned."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from rag.errors import IndexDamaged
from rag.index import store
from rag.service import assistant, builder
from ui.server import api_routes

WATTS = "How much power does a typical home solar panel produce?"


@pytest.fixture
def two_generations(built):
    """An index with a parent generation and a current one built after a corpus change."""
    (built.corpus / "tea.md").write_text("# Tea\n\nGreen tea is steeped at 80 degrees for two minutes.\n")
    builder(built).run()
    return built


def current(settings) -> Path:
    return store.current_dir(settings.index)


def damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "flip":
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:])
    elif how == "delete":
        path.unlink()


def generation_files(generation: Path) -> list[str]:
    return sorted(p.relative_to(generation).as_posix() for p in generation.rglob("*") if p.is_file())


def test_the_manifest_records_every_file(two_generations):
    generation = current(two_generations)
    manifest = store.verify(generation)
    assert manifest["format"] == store.FORMAT_VERSION
    assert sorted(manifest["checksums"]) == [f for f in generation_files(generation) if f != "manifest.json"]


@pytest.mark.parametrize("how", ["truncate", "empty", "flip", "delete"])
def test_a_damaged_generation_falls_back_and_rag_index_rebuilds(two_generations, how):
    generation = current(two_generations)
    parent = store.read_manifest(generation)["parent"]
    for name in generation_files(generation):
        copy = {n: (generation / n).read_bytes() for n in generation_files(generation)}
        damage(generation / name, how)
        bot = assistant(two_generations)
        answer = bot.ask(WATTS)
        assert "400 watts" in answer.text, (name, how)
        assert bot.index().generation.name == parent, (name, how)
        assert "--rebuild" in bot.degraded and "--rollback" in bot.degraded and "\n" not in bot.degraded, bot.degraded
        assert generation.name in bot.degraded
        with TestClient(_api(bot)) as http:
            health = http.get("/healthz")
        assert health.status_code == 200 and health.json()["status"] == "degraded"
        for n, data in copy.items():  # mend it for the next file
            (generation / n).parent.mkdir(parents=True, exist_ok=True)
            (generation / n).write_bytes(data)
    damage(generation / "vectors.npy", how)
    report = builder(two_generations).run()
    assert report.wrote and "unreadable" in report.rebuild_reason and "damaged" in report.rebuild_reason
    bot = assistant(two_generations)
    assert bot.degraded == "" and "400 watts" in bot.ask(WATTS).text
    assert "Green tea" in bot.ask("At what temperature is green tea steeped?").text


def _api(bot) -> FastAPI:
    app = FastAPI()
    api_routes(app, bot)
    return app


def test_no_good_generation_left_says_what_to_do(built):
    damage(current(built) / "chunks.jsonl", "empty")
    with pytest.raises(IndexDamaged, match=r"rag index --rebuild"):
        assistant(built).ask(WATTS)


def test_a_full_disk_mid_build_leaves_the_serving_index_intact(built, monkeypatch):
    serving = current(built)
    (built.corpus / "tea.md").write_text("# Tea\n\nGreen tea is steeped at 80 degrees.\n")
    real_save = store.np.save

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store.np, "save", disk_full)
    with pytest.raises(OSError, match="No space left"):
        builder(built).run()
    monkeypatch.setattr(store.np, "save", real_save)
    assert current(built) == serving
    store.verify(serving)
    assert "400 watts" in assistant(built).ask(WATTS).text
    leftovers = [p.name for p in store.generations_dir(built.index).iterdir() if p.name.startswith(".tmp-")]
    assert leftovers, "the failed build's folder is there until the next build"
    builder(built).run()
    assert not [p for p in store.generations_dir(built.index).iterdir() if p.name.startswith(".tmp-")]


def test_a_killed_builds_leftovers_are_cleaned_even_when_nothing_changed(built):
    leftover = store.generations_dir(built.index) / ".tmp-gen-20260101T000000-000000001"
    (leftover / "bm25").mkdir(parents=True)
    (leftover / "vectors.npy").write_bytes(b"half")
    report = builder(built).run()
    assert not report.wrote and not leftover.exists()


def test_an_index_of_the_old_format_rebuilds_once(built):
    generation = current(built)
    manifest = json.loads((generation / "manifest.json").read_text())
    manifest["format"] = 2
    del manifest["checksums"]
    (generation / "manifest.json").write_text(json.dumps(manifest))
    first = builder(built).run()
    assert first.wrote and "format 2" in first.rebuild_reason
    assert not builder(built).run().wrote
