"""Incremental indexing on the fixture corpus with the hashing embedder: exactly which files are
added, changed, removed or unchanged, exactly how many texts are embedded, and what the index
answers afterwards; rebuild triggers, rollback, dry runs, the lock and BM25 updates."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading

import numpy as np
import pytest
from typer.testing import CliRunner

from rag.cli import app
from rag.embed.embedder import HashingEmbedder
from rag.index import store
from rag.index.builder import Builder, embed_texts, text_hash
from rag.index.search import Index
from rag.ingest import reader
from rag.ingest.chunker import chunk
from rag.service import assistant, builder

FIXTURE_FILES = ["coffee.md", "rivers.txt", "solar.md"]
TEA = """# Green Tea

## Brewing

Green tea is brewed with water at about 80 degrees Celsius for two minutes. Steeping it longer
makes the tea taste grassy and bitter.
"""


class ExplodingEmbedder(HashingEmbedder):
    """The hashing embedder's id, but any attempt to embed fails the test."""

    def embed_batch(self, texts):
        raise AssertionError(f"embed_batch called with {len(texts)} texts")


def run(settings, embedder=None, **flags):
    if embedder is None:
        return builder(settings).run(**flags)
    return Builder(settings.corpus, settings.index, embedder, settings.chunk_chars,
                   settings.max_file_bytes).run(**flags)


def new_texts(settings, source: str) -> int:
    """How many distinct texts of `source`'s chunks the serving generation has not embedded."""
    path = settings.corpus / source
    data = path.read_bytes()
    file = reader.SourceFile(source, path, hashlib.sha256(data).hexdigest(), len(data))
    document = reader.read(file)
    wanted = {text_hash(t) for c in chunk(document, settings.chunk_chars) for t in sum(embed_texts(c), [])}
    known = set(json.loads((store.current_dir(settings.index) / "texts.json").read_text()))
    return len(wanted - known)


def answer_sources(settings, question: str) -> list[str]:
    return [c.chunk.source for c in assistant(settings).ask(question).citations]


def test_first_build_adds_every_file(settings):
    report = run(settings)
    assert report.added == FIXTURE_FILES and not (report.changed or report.removed or report.unchanged)
    assert report.rebuild_reason == "no index yet" and report.wrote
    assert report.embedded == len(json.loads((store.current_dir(settings.index) / "texts.json").read_text()))


def test_an_empty_corpus_builds_and_answers_that_it_holds_nothing(tmp_path):
    """A new user's empty corpus folder, or one whose every file is skipped, crashed the build in
    bm25s ("'BM25' object has no attribute 'scores'"); its first document is then added as usual."""
    from rag.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    settings = Settings(corpus=corpus, index=tmp_path / "index", embedder="hashing", generator="extractive")
    assert run(settings).wrote
    assert "holds no passages" in assistant(settings).ask("How long do solar panels last?").text
    (corpus / "tea.md").write_text(TEA)
    assert run(settings).added == ["tea.md"]
    assert "80 degrees" in assistant(settings).ask("How hot should the water be for green tea?").text


def test_nothing_changed_embeds_nothing_and_writes_nothing(built):
    before = store.current_name(built.index)
    report = run(built, ExplodingEmbedder())
    assert report.unchanged == FIXTURE_FILES and report.embedded == 0 and not report.wrote
    assert store.current_name(built.index) == before


def test_cli_index_with_nothing_changed_never_embeds(built, monkeypatch):
    """`rag index` itself: the CLI's embedder is replaced by one that fails if used."""
    monkeypatch.setattr("rag.service.make_embedder", lambda *a, **k: ExplodingEmbedder())
    result = CliRunner().invoke(app, ["index", "--corpus", str(built.corpus), "--index", str(built.index),
                                      "--embedder", "hashing", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["embedded"] == 0


def test_added_file_embeds_only_its_own_texts_and_answers(built):
    (built.corpus / "tea.md").write_text(TEA)
    expected = new_texts(built, "tea.md")
    report = run(built)
    assert report.added == ["tea.md"] and report.unchanged == FIXTURE_FILES
    assert not report.changed and not report.removed
    assert report.embedded == expected > 0
    assert answer_sources(built, "What water temperature is used for green tea?")[0] == "tea.md"


def test_changed_file_embeds_only_its_new_texts(built):
    coffee = built.corpus / "coffee.md"
    coffee.write_text(coffee.read_text().replace("between 90 and 96 degrees", "between 91 and 95 degrees"))
    expected = new_texts(built, "coffee.md")
    report = run(built)
    assert report.changed == ["coffee.md"] and report.unchanged == ["rivers.txt", "solar.md"]
    assert report.embedded == expected and 0 < expected <= 4  # the passage and its changed sentence
    answer = assistant(built).ask("What is the ideal water temperature for brewing coffee?")
    assert "91 and 95" in answer.text


def test_deleted_file_disappears(built):
    (built.corpus / "rivers.txt").unlink()
    report = run(built)
    assert report.removed == ["rivers.txt"] and report.embedded == 0
    index = Index(store.current_dir(built.index))
    assert {c.source for c in index.chunks} == {"coffee.md", "solar.md"}
    assert "rivers.txt" not in index.manifest["files"]
    assert "rivers.txt" not in answer_sources(built, "How many countries does the Danube flow through?")


def test_renamed_file_reembeds_only_its_passage_keys(built):
    """A passage is embedded under its file's name, so a rename embeds one key per passage again;
    its sentences' vectors are all reused."""
    (built.corpus / "coffee.md").rename(built.corpus / "brewing.md")
    report = run(built)
    index = Index(store.current_dir(built.index))
    passages = [c for c in index.chunks if c.source == "brewing.md"]
    assert report.added == ["brewing.md"] and report.removed == ["coffee.md"]
    assert report.embedded == len(passages) > 0
    assert answer_sources(built, "How long does a French press brew?")[0] == "brewing.md"


def test_manifest_from_another_embedder_rebuilds_with_the_reason(built):
    report = Builder(built.corpus, built.index, HashingEmbedder(dim=128)).run()
    assert report.rebuild_reason.startswith("embedder changed from hashing-v1:384 to hashing-v1:128")
    assert report.changed == FIXTURE_FILES and report.embedded > 0
    assert Index(store.current_dir(built.index)).embedder_id == "hashing-v1:128"


def test_chunker_change_rebuilds_but_reuses_vectors(built):
    report = Builder(built.corpus, built.index, HashingEmbedder(), chunk_chars=400).run()
    assert "chunker settings changed" in report.rebuild_reason and report.changed == FIXTURE_FILES
    assert report.embedded < 10  # only passages that the smaller limit cut differently


def test_forced_rebuild_embeds_everything(built):
    report = run(built, rebuild=True)
    total = len(json.loads((store.current_dir(built.index) / "texts.json").read_text()))
    assert report.rebuild_reason == "--rebuild asked for it" and report.embedded == total


def test_rollback_restores_previous_answers(built):
    question = "How many countries does the Danube flow through?"
    rivers = built.corpus / "rivers.txt"
    rivers.write_text(rivers.read_text().replace("ten countries", "12 countries"))
    run(built)
    bot = assistant(built)
    assert "12 countries" in bot.ask(question).text
    result = CliRunner().invoke(app, ["index", "--rollback", "--index", str(built.index)])
    assert result.exit_code == 0, result.output
    assert "ten countries" in bot.ask(question).text  # the same Assistant reloads on the flip


def test_dry_run_writes_nothing(settings, tmp_path):
    report = run(settings, dry_run=True)
    assert report.dry_run and report.added == FIXTURE_FILES and not settings.index.exists()
    run(settings)
    (settings.corpus / "tea.md").write_text(TEA)
    before = sorted(p.relative_to(settings.index) for p in settings.index.rglob("*"))
    report = run(settings, dry_run=True)
    assert report.added == ["tea.md"] and not report.wrote
    assert sorted(p.relative_to(settings.index) for p in settings.index.rglob("*")) == before


def test_concurrent_builds_serialise(built):
    """Two builds at once: the lock orders them, both finish, and the index is whole."""
    for n in range(20):
        (built.corpus / f"note{n}.md").write_text(f"# Note {n}\n\nNote {n} mentions zebra{n} once.\n")
    reports, errors = [], []

    def build():
        try:
            reports.append(run(built))
        except Exception as exc:  # noqa: BLE001 -- surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=build) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and len(reports) == 2
    first, second = sorted(reports, key=lambda r: not r.wrote)
    assert first.wrote and len(first.added) == 20 and sorted(second.unchanged) == sorted(first.added + first.unchanged)
    assert not second.wrote and second.embedded == 0
    index = Index(store.current_dir(built.index))
    assert len({c.source for c in index.chunks}) == 23


def test_bm25_finds_a_new_word_after_a_change(built):
    rivers = built.corpus / "rivers.txt"
    rivers.write_text(rivers.read_text() + "\n\nThe Volga carries sturgeonfish to the Caspian Sea.\n")
    index = Index(store.current_dir(built.index))
    assert not index.search("sturgeonfish", np.zeros(384, np.float32), mode="bm25")
    run(built)
    hits = Index(store.current_dir(built.index)).search("sturgeonfish", np.zeros(384, np.float32), mode="bm25")
    assert hits and hits[0].chunk.source == "rivers.txt" and "sturgeonfish" in hits[0].chunk.text


def test_failed_build_keeps_serving_the_old_index(built, monkeypatch):
    before = store.current_name(built.index)
    (built.corpus / "tea.md").write_text(TEA)
    monkeypatch.setattr("rag.index.store.write_generation", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        run(built)
    assert store.current_name(built.index) == before
    assert answer_sources(built, "How long does a French press brew?")[0] == "coffee.md"


def test_unreadable_serving_index_is_rebuilt_with_the_reason(built):
    (store.current_dir(built.index) / "manifest.json").write_text("{not json")
    report = run(built)
    assert report.rebuild_reason.startswith("the serving index is unreadable") and report.wrote


def test_old_generations_are_pruned_but_rollback_target_kept(built):
    for n in range(5):
        (built.corpus / "extra.md").write_text(f"# Extra\n\nVersion {n} of the extra file.\n")
        run(built)
    names = sorted(p.name for p in store.generations_dir(built.index).iterdir())
    assert len(names) == store.KEEP_GENERATIONS
    parent = store.read_manifest(store.current_dir(built.index))["parent"]
    assert parent in names


def test_report_json_fields(built):
    shutil.copy(built.corpus / "solar.md", built.corpus / "solar2.md")
    result = CliRunner().invoke(app, ["index", "--corpus", str(built.corpus), "--index", str(built.index),
                                      "--embedder", "hashing", "--json"])
    data = json.loads(result.output)
    assert {"added", "changed", "removed", "unchanged", "skipped", "embedded", "chunks", "seconds"} <= set(data)
    assert data["added"] == ["solar2.md"]
    # a copy: its sentences already have vectors; only its passage keys (under its own name) are new
    chunks = [c for c in Index(store.current_dir(built.index)).chunks if c.source == "solar2.md"]
    assert data["embedded"] == len(chunks) > 0


def test_index_dir_inside_the_corpus_is_not_indexed(corpus, tmp_path):
    from rag.settings import Settings

    inside = Settings(corpus=corpus, index=corpus / "index", embedder="hashing", generator="extractive")
    run(inside)
    report = run(inside)
    assert not report.wrote and report.unchanged == FIXTURE_FILES and not report.skipped


def test_corpus_folder_missing_is_a_clear_error(settings, tmp_path):
    from rag.errors import CorpusError

    with pytest.raises(CorpusError, match="does not exist"):
        Builder(tmp_path / "nowhere", settings.index, HashingEmbedder()).run()


def test_generation_names_sort_by_time_at_the_turn_of_a_second(monkeypatch):
    """The name's second and nanoseconds come from one clock reading: read separately, a build
    just as a second turned got the earlier second with the later nanoseconds, sorted as the
    oldest generation, and pruning kept the wrong ones."""
    second = 1_700_000_000
    readings = iter([second * 1_000_000_000 + 999_999_999, (second + 1) * 1_000_000_000 + 1])
    monkeypatch.setattr(store.time, "time_ns", lambda: next(readings))
    first, later = store.new_generation_name(), store.new_generation_name()
    assert sorted([later, first]) == [first, later], (first, later)


def test_building_and_loading_log_no_debug_lines(settings, caplog):
    """bm25s sets its logger to DEBUG on import: under `rag serve`, whose server sets up logging,
    "DEBUG:bm25s:Building index from tokens" was printed to the user's console."""
    import logging

    caplog.set_level(logging.DEBUG)
    run(settings)
    Index(store.current_dir(settings.index))
    assert not [r for r in caplog.records if r.levelno < logging.INFO and r.name.startswith("bm25s")]
