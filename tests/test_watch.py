"""`rag index --watch`: a change in the corpus produces a new generation within seconds; hidden
and temp files do not; the loop stops cleanly."""

from __future__ import annotations

import threading
import time

import pytest

from rag.index import store
from rag.watch import relevant, watch_corpus


def _wait_for(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def watching(built):
    reports, errors, stop = [], [], threading.Event()
    thread = threading.Thread(target=watch_corpus, args=(built, reports.append),
                              kwargs={"on_error": errors.append, "stop": stop, "debounce_ms": 300}, daemon=True)
    thread.start()
    time.sleep(1.0)  # let the watcher register before the test touches files
    yield built, reports, errors
    stop.set()
    thread.join(timeout=15)
    assert not thread.is_alive(), "watch_corpus did not stop"


def test_change_flips_current_within_seconds(watching):
    settings, reports, errors = watching
    before = store.current_name(settings.index)
    rivers = settings.corpus / "rivers.txt"
    rivers.write_text(rivers.read_text() + "\n\nThe Volga is the longest river in Europe.\n")
    assert _wait_for(lambda: store.current_name(settings.index) != before), (reports, errors)
    assert not errors and reports[-1].changed == ["rivers.txt"]


def test_new_file_is_indexed_and_deleted_file_removed(watching):
    settings, reports, errors = watching
    (settings.corpus / "tea.md").write_text("# Tea\n\nGreen tea steeps for two minutes.\n")
    assert _wait_for(lambda: any("tea.md" in r.added for r in reports)), (reports, errors)
    (settings.corpus / "tea.md").unlink()
    assert _wait_for(lambda: any("tea.md" in r.removed for r in reports)), (reports, errors)


def test_hidden_and_temp_files_are_ignored(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "corpus" / "index"
    for name, expected in [("a.md", True), ("sub/b.txt", True), (".hidden.md", False), (".git/x", False),
                           ("a.md~", False), ("a.md.swp", False), ("#a.md#", False), ("index/CURRENT", False)]:
        assert relevant(corpus, index, str(corpus / name)) is expected, name
    assert not relevant(corpus, index, str(tmp_path / "elsewhere.md"))


def test_stop_ends_an_idle_watch(built):
    stop = threading.Event()
    thread = threading.Thread(target=watch_corpus, args=(built, lambda r: None), kwargs={"stop": stop})
    thread.start()
    time.sleep(0.5)
    stop.set()
    thread.join(timeout=15)
    assert not thread.is_alive()
