"""Settings precedence: flags > RAG_* environment > rag.toml > defaults, and a settings file with
keys we do not know is an error that names them."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.errors import RagError
from rag.settings import Settings, load


def write_toml(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "rag.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_defaults_when_nothing_is_set(tmp_path):
    loaded = load({}, environ={}, config=tmp_path / "absent.toml")
    assert loaded == Settings()
    assert loaded.host == "127.0.0.1"  # never exposed beyond the machine unless asked


def test_file_overrides_defaults(tmp_path):
    config = write_toml(tmp_path, 'top_k = 8\nembedder = "hashing"\ncorpus = "docs"\n')
    loaded = load({}, environ={}, config=config)
    assert (loaded.top_k, loaded.embedder, loaded.corpus) == (8, "hashing", Path("docs"))
    assert loaded.port == Settings().port  # keys the file leaves out keep their defaults


def test_environment_overrides_file(tmp_path):
    config = write_toml(tmp_path, "top_k = 8\nport = 9000\n")
    loaded = load({}, environ={"RAG_TOP_K": "3"}, config=config)
    assert loaded.top_k == 3  # read from the environment's string as an int
    assert loaded.port == 9000


def test_flags_override_environment_and_file(tmp_path):
    config = write_toml(tmp_path, 'top_k = 8\ngenerator = "transformers"\n')
    environ = {"RAG_TOP_K": "3", "RAG_GENERATOR": "auto", "RAG_PORT": "8123"}
    loaded = load({"top_k": 2, "generator": "extractive"}, environ=environ, config=config)
    assert (loaded.top_k, loaded.generator, loaded.port) == (2, "extractive", 8123)


def test_a_flag_left_out_does_not_override(tmp_path):
    """The CLI passes None for a flag the user did not give; the layers below must still count."""
    loaded = load({"top_k": None, "index": None}, environ={"RAG_TOP_K": "7", "RAG_INDEX": "elsewhere"},
                  config=tmp_path / "absent.toml")
    assert loaded.top_k == 7
    assert loaded.index == Path("elsewhere")


def test_rag_config_variable_names_the_settings_file(tmp_path):
    other = tmp_path / "other.toml"
    other.write_text("top_k = 9\n", encoding="utf-8")
    loaded = load({}, environ={"RAG_CONFIG": str(other)}, config=tmp_path / "absent.toml")
    assert loaded.top_k == 9


def test_unknown_keys_in_file_are_named(tmp_path):
    config = write_toml(tmp_path, "top_k = 4\ntopk = 4\nembeder = \"hashing\"\n")
    with pytest.raises(RagError) as error:
        load({}, environ={}, config=config)
    message = str(error.value)
    assert "topk" in message and "embeder" in message
    assert str(config) in message  # says which file to fix


def test_invalid_toml_is_a_rag_error(tmp_path):
    config = write_toml(tmp_path, "top_k = = 4\n")
    with pytest.raises(RagError, match="rag.toml"):
        load({}, environ={}, config=config)


def test_a_value_of_the_wrong_type_is_a_rag_error(tmp_path):
    with pytest.raises(RagError, match="top_k"):
        load({}, environ={"RAG_TOP_K": "many"}, config=tmp_path / "absent.toml")
