"""`rag index --watch`: re-index whenever the corpus folder changes.

watchfiles (Rust notify) batches file events; each batch, after a quiet spell of `debounce_ms`,
runs one incremental build. Hidden and editor temp files, and the index folder itself if it
lives inside the corpus, are ignored. Ctrl-C (or `stop`) ends the loop between builds.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path

from rag.index.builder import BuildReport
from rag.ingest.reader import is_temporary
from rag.settings import Settings


def relevant(corpus: Path, index_dir: Path, path: str) -> bool:
    """Whether a changed path can change the index: not hidden, not a temp file, not ours."""
    try:
        parts = Path(path).resolve().relative_to(corpus.resolve()).parts
    except ValueError:
        return False
    try:
        Path(path).resolve().relative_to(index_dir.resolve())
        return False
    except ValueError:
        pass
    name = parts[-1] if parts else ""
    return not any(p.startswith(".") for p in parts) and not is_temporary(name)


def _stderr(error: Exception) -> None:
    print(f"re-index failed: {error}", file=sys.stderr, flush=True)


def watch_corpus(settings: Settings, on_report: Callable[[BuildReport], None],
                 on_error: Callable[[Exception], None] = _stderr, stop: threading.Event | None = None,
                 debounce_ms: int = 1600) -> None:
    """Block, running an incremental build after each batch of relevant changes and passing its
    report to `on_report`. A failed build is reported to `on_error` and the watch goes on; the
    serving index is untouched by a failed build."""
    from watchfiles import watch

    from rag.service import builder as make_builder

    builder = make_builder(settings)
    corpus, index_dir = Path(settings.corpus), Path(settings.index)
    try:
        for _ in watch(corpus, watch_filter=lambda _change, path: relevant(corpus, index_dir, path),
                       debounce=debounce_ms, stop_event=stop, raise_interrupt=False,
                       ignore_permission_denied=True):
            try:
                on_report(builder.run())
            except Exception as error:  # noqa: BLE001 -- a failed build must not end the watch
                on_error(error)
    except KeyboardInterrupt:  # watchfiles already stops on it; a build interrupted ends here too
        return
