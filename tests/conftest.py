"""Shared fixtures: a tiny fixture corpus and an index of it built with the hashing embedder
(fast, deterministic), plus the real article corpus for the slower end-to-end cases."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"
ARTICLE_CORPUS = ROOT / "corpus"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of the fixture corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, target)
    return target


@pytest.fixture
def settings(corpus: Path, tmp_path: Path):
    from rag.settings import Settings

    return Settings(corpus=corpus, index=tmp_path / "index", embedder="hashing", generator="extractive")


@pytest.fixture
def built(settings):
    """Settings whose index has been built."""
    from rag.service import builder

    builder(settings).run()
    return settings


@pytest.fixture
def bot(built):
    from rag.service import assistant

    return assistant(built)


@pytest.fixture(scope="session")
def article_settings(tmp_path_factory):
    """The real article indexed with the real default embedder, built once per session."""
    from rag.service import builder
    from rag.settings import Settings

    config = Settings(corpus=ARTICLE_CORPUS, index=tmp_path_factory.mktemp("article") / "index",
                      generator="extractive")
    builder(config).run()
    return config


@pytest.fixture(scope="session")
def article_bot(article_settings):
    from rag.service import assistant

    return assistant(article_settings)


# Tiny random LLMs with real tokenizers, for the prompt and generator tests; built once.


@pytest.fixture(scope="session")
def article_text() -> str:
    return (ARTICLE_CORPUS / "article.md").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def harmony_tok(article_text: str):
    from rag.tinymodels import harmony_tokenizer

    return harmony_tokenizer(article_text)


@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory: pytest.TempPathFactory, article_text: str) -> Path:
    from rag.tinymodels import build_llama

    return build_llama(tmp_path_factory.mktemp("models") / "tiny-llama", article_text)


@pytest.fixture(scope="session")
def tiny_gpt_oss(tmp_path_factory: pytest.TempPathFactory, article_text: str) -> Path:
    from rag.tinymodels import build_gpt_oss

    return build_gpt_oss(tmp_path_factory.mktemp("models") / "tiny-gpt-oss", article_text)
