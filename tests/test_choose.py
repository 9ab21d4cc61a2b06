"""Which generator answers: `auto` takes a configured local model, else the extractive one, and
says why; asking for transformers without a usable model is an error that says what to do."""

import pytest

from rag.answer.generators.choose import choose
from rag.errors import ModelUnavailable


def test_auto_without_a_model_answers_extractively_and_says_why():
    generator, reason = choose("auto")
    assert generator.name == "extractive"
    assert "no --model" in reason


def test_transformers_without_a_model_is_an_error_naming_the_recipe():
    with pytest.raises(ModelUnavailable, match="models/README.md"):
        choose("transformers", model="")


def test_a_missing_model_folder_falls_back_under_auto(tmp_path):
    generator, reason = choose("auto", model=str(tmp_path / "absent"))
    assert generator.name == "extractive" and "absent" in reason


def test_auto_takes_a_local_model_folder(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    generator, reason = choose("auto", model=str(tmp_path))
    assert generator.name == "transformers" and str(tmp_path) in reason


def test_compiled_serving_queues_chats_with_a_static_cache(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    generator, _ = choose("transformers", model=str(tmp_path), serving="compiled")
    assert generator.batching == "queue"
    assert generator.generate_options == {"cache_implementation": "static"}


def test_unknown_choices_are_refused(tmp_path):
    with pytest.raises(ModelUnavailable):
        choose("magic")
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelUnavailable):
        choose("transformers", model=str(tmp_path), serving="warp")
