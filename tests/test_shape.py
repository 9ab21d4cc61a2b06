"""The answer's shape: the forms a sentence holds, the forms the fitted question model expects,
and the model file the product refuses when it was fitted on other forms."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rag.answer import shape


def held(text: str) -> set[str]:
    return {form for form, present in zip(shape.FORMS, shape.forms_of(text)) if present}


@pytest.mark.parametrize("text, forms", [
    ("The default is 3000.", {"number"}),
    ("It requires Python 3.8 or later.", {"number", "version"}),
    ("Pass --max-procs to run several at once.", {"option"}),
    ("Settings live in /etc/frob/frob.conf.", {"path"}),
    ("It was started by Ken Williams.", {"name"}),
    ("Released on 12 March 2021.", {"number", "date"}),
    ("The header is 44 bytes long.", {"number", "quantity"}),
    ("Call png_sig_cmp() first.", {"code"}),
    ("Set PASS_WARN_AGE in the file.", {"code", "constant"}),
    ("The codename is 'Adieu'.", {"quoted"}),
    ("Nothing here but words.", set()),
])
def test_the_forms_a_sentence_holds(text, forms):
    assert held(text) == forms


def test_question_terms_are_words_and_word_pairs():
    assert shape.question_terms("How many rounds, by default?") == [
        "how", "many", "rounds", "by", "default", "how many", "many rounds", "rounds by", "by default"]


def test_the_fitted_model_expects_a_number_for_how_many_and_a_name_for_who():
    """Read off the model in force (fitted on the dev sets by scripts/fit_answer.py)."""
    number, name = list(shape.FORMS).index("number"), list(shape.FORMS).index("name")
    assert shape.MODEL is not shape.UNFITTED
    how_many = shape.MODEL.expected("how many retries by default")
    why = shape.MODEL.expected("why was the old resolver removed")
    who = shape.MODEL.expected("who maintains the project")
    assert how_many[number] > 0.9 and how_many[number] > why[number] + 0.3
    assert who[name] > 3 * how_many[name]


def test_a_sentence_holding_the_expected_form_matches_more():
    expected = shape.MODEL.expected("how many nexthops can one route have at most")
    assert (shape.match(expected, "The buffer allows for 144 IPv6 nexthops and 253 IPv4 ones.")
            > shape.match(expected, "The internal buffer limits the number of nexthops per route."))


def test_a_model_fitted_on_other_forms_is_refused(tmp_path):
    path = tmp_path / "answer_shapes.json"
    path.write_text(json.dumps({"forms": ["number"], "bias": [0.0], "weights": {}}), encoding="utf-8")
    with pytest.raises(ValueError, match="fit_answer.py"):
        shape.ShapeModel.load(path)


def test_the_unfitted_model_expects_nothing():
    assert np.allclose(shape.UNFITTED.expected("how many"), 0.0)
