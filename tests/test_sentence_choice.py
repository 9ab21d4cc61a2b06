"""How the extractive answerer chooses the sentences it shows: the best one and its companions in
reading order, none said twice, the refusal check reading the best two, the document's own name
weighing less than the question's other words, and a follow-up wanting something not yet said."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from rag.answer import shape
from rag.answer.generators import companion, extractive
from rag.answer.generators.base import Request
from rag.answer.generators.candidate import FEATURES, Candidate, Scorer
from rag.index import lexical
from rag.records import Chunk, Hit, Passage


def _candidate(text: str, rank: int, index: int, score: float) -> Candidate:
    return Candidate(text, "ABCDE"[rank], rank, index, score, frozenset(), features=np.zeros(len(FEATURES)))


@pytest.fixture
def companions_by_score(monkeypatch):
    """A companion model that rates each sentence by its own score alone: above 0.65, likely."""
    weights = np.zeros(len(companion.COMPANION_FEATURES))
    weights[companion.COMPANION_FEATURES.index("score")] = 10.0
    monkeypatch.setattr(companion, "COMPANION", Scorer(weights, -6.5, logistic=True, threshold=0.5))


def test_two_companions_at_most_are_shown_in_reading_order(companions_by_score):
    """When several sentences after the best are likely to hold what it leaves out, the answer
    shows the best and the two likeliest of them, in the order the passages give them."""
    ranked = [_candidate("Best sentence.", 1, 0, 0.9), _candidate("Second.", 0, 2, 0.8),
              _candidate("Third.", 0, 1, 0.7), _candidate("Fourth.", 2, 0, 0.6)]
    # rated by their own scores, Second and Third are the likeliest companions
    passages = tuple(Passage(label, Hit(Chunk(label, "a.md", "S", "text", 0, 4), 1.0)) for label in "ABC")
    request = Request("what is it", "what is it", passages, (), None, {}, threading.Event())
    chosen = companion.choose(ranked, request)
    assert [c.text for c in chosen] == ["Best sentence.", "Second.", "Third."]
    assert extractive.compose(request, ranked, chosen) == "Third. [A] Second. [A] Best sentence. [B]"


def test_a_lead_in_shown_brings_what_it_introduces(companions_by_score):
    """An answer never stops at "Install with all optional dependencies:": the command after the
    lead-in is shown with it, even when it scores too low to be chosen on its own."""
    ranked = [_candidate("$ pip install networkx", 0, 1, 0.9),
              _candidate("Install with all optional dependencies:", 0, 2, 0.8),
              _candidate("Other text.", 1, 0, 0.5),
              _candidate("$ pip install networkx[default]", 0, 3, 0.1)]
    passages = tuple(Passage(label, Hit(Chunk(label, "a.md", "S", "text", 0, 4), 1.0)) for label in "AB")
    request = Request("how do i install it with extras", "how do i install it with extras", passages, (), None, {},
                      threading.Event())
    chosen = companion.choose(ranked, request)
    assert [c.text for c in chosen] == ["$ pip install networkx", "Install with all optional dependencies:",
                                        "$ pip install networkx[default]"]
    assert extractive.compose(request, ranked, chosen).endswith("Install with all optional dependencies: [A] "
                                                                "$ pip install networkx[default] [A]")


def test_a_shown_prompt_brings_what_it_prints(companions_by_score):
    """An example's last call is shown with its result: ">>> nx.shortest_path(G, 'A', 'D')" alone
    does not say which path it finds."""
    ranked = [_candidate(">>> nx.shortest_path(G, 'A', 'D', weight='weight')", 0, 3, 0.9),
              _candidate(">>> G.add_edge('B', 'D', weight=2)", 0, 2, 0.8),
              _candidate("['A', 'B', 'D']", 0, 4, 0.1)]
    passages = (Passage("A", Hit(Chunk("A", "README.rst", "Example", "text", 0, 4), 1.0)),)
    request = Request("what path does the example find", "what path does the example find", passages, (), None,
                      {}, threading.Event())
    chosen = companion.choose(ranked, request)
    assert extractive.compose(request, ranked, chosen).endswith("['A', 'B', 'D'] [A]")


def test_a_short_sentence_about_the_one_before_brings_it(companions_by_score):
    """"This is the default." alone does not say what is: the sentence before it ("never  Aliases
    are never dereferenced.") is shown with it, however low it scores."""
    ranked = [_candidate("This is the default.", 0, 3, 0.9),
              _candidate("Other text.", 1, 0, 0.5),
              _candidate("never Aliases are never dereferenced.", 0, 2, 0.1)]
    passages = tuple(Passage(label, Hit(Chunk(label, "ldap.conf.5.txt", "DEREF", "text", 0, 4), 1.0))
                     for label in "AB")
    request = Request("and what's its default?", "what does DEREF do and what's its default?", passages, (), None,
                      {}, threading.Event())
    chosen = companion.choose(ranked, request)
    assert extractive.compose(request, ranked, chosen).startswith(
        "never Aliases are never dereferenced. [A] This is the default. [A]")


def _code(text: str, rank: int, index: int, score: float) -> Candidate:
    candidate = _candidate(text, rank, index, score)
    candidate.features[FEATURES.index("code")] = 1.0
    return candidate


def test_a_comment_shown_brings_the_setting_it_explains(companions_by_score):
    """/etc/default/useradd explains SHELL in a comment over "SHELL=/bin/sh": the comment alone does
    not say which shell. A line of code that is no setting (a call) is not brought."""
    ranked = [_candidate("The SHELL variable specifies the default login shell on your system.", 0, 0, 0.9),
              _candidate("Other text.", 1, 0, 0.5),
              _candidate("Similar to DSHELL in adduser.", 0, 1, 0.2),
              _code("SHELL=/bin/sh", 0, 2, 0.1)]
    passages = tuple(Passage(label, Hit(Chunk(label, "default-useradd", "S", "text", 0, 4), 1.0)) for label in "AB")
    request = Request("default login shell useradd gives new users", "default login shell useradd gives new users",
                      passages, (), None, {}, threading.Event())
    assert "SHELL=/bin/sh [A]" in extractive.compose(request, ranked, companion.choose(ranked, request))
    ranked[-1] = _code("response = client.create(", 0, 2, 0.1)
    assert "client.create" not in extractive.compose(request, ranked, companion.choose(ranked, request))


def test_a_comment_in_code_brings_the_line_it_is_about(companions_by_score):
    """tokenizers' README ends its example "# And finally save it somewhere" over
    "tokenizer.save(...)": the comment alone does not say how to save."""
    ranked = [_code("# And finally save it somewhere", 0, 4, 0.9),
              _candidate("Other text.", 1, 0, 0.5),
              _code('tokenizer.save("data/tokenizer-wiki.json")', 0, 5, 0.1)]
    passages = tuple(Passage(label, Hit(Chunk(label, "README.md", "S", "text", 0, 4), 1.0)) for label in "AB")
    request = Request("how do i save my trained tokenizer", "how do i save my trained tokenizer", passages, (),
                      None, {}, threading.Event())
    answer = extractive.compose(request, ranked, companion.choose(ranked, request))
    assert '# And finally save it somewhere [A] tokenizer.save("data/tokenizer-wiki.json") [A]' in answer


def test_a_date_only_the_second_companion_states_does_not_answer_a_when_question():
    """The refusal check reads the best sentence and its likeliest companion: a date in the
    context shown after them is no answer to "when did it first come out"."""
    passages = tuple(Passage(label, Hit(Chunk(label, "article.md", "S", "text", 0, 4), 1.0)) for label in "AB")
    request = Request("when did chatgpt first come out", "when did chatgpt first come out", passages, (), None, {},
                      threading.Event())
    chosen = [_candidate("ChatGPT is a proprietary product.", 0, 0, 0.9),
              _candidate("It is developed by OpenAI.", 0, 1, 0.8),
              _candidate("The 2025 release of gpt-oss allows local hosting.", 1, 0, 0.7)]
    assert "state no date" in extractive.lacking(request, chosen)
    assert extractive.lacking(request, [chosen[0], chosen[2]]) == ""


def test_a_runner_up_that_states_the_fact_asked_for_answers(companions_by_score, monkeypatch):
    """"at what volume does open source start to win" was refused as stating no token volume
    while "But once you hit the 10-million-token mark, ..." ranked third; a bare year ranked
    third is still no date (the near-miss above)."""
    passages = tuple(Passage(label, Hit(Chunk(label, "article.md", "S", "text", 0, 4), 1.0)) for label in "AB")
    ranked = [_candidate("Switching high-volume tasks to open models can reduce token costs.", 0, 3, 0.73),
              _candidate("Open source is 7.3x more cost-effective.", 0, 2, 0.66),
              _candidate("But once you hit the 10-million-token mark, the scale tips in favor of open source.", 1, 3,
                         0.65)]
    monkeypatch.setattr(extractive, "candidates", lambda request: ranked)

    def answer(question: str) -> str:
        request = Request(question, question, passages, (), None, {}, threading.Event())
        return "".join(getattr(piece, "text", "") for piece in extractive.ExtractiveGenerator().stream(request))

    assert "But once you hit the 10-million-token mark" in answer("at what volume does open source start to win")
    ranked[2] = _candidate("The 2025 release of gpt-oss allows local hosting.", 1, 0, 0.65)
    assert answer("when did chatgpt first come out") == ""  # declined


def test_a_sentence_quoted_twice_is_shown_once(companions_by_score):
    """A NEWS file states a change in its release's notes and again in a summary: the answer showed
    "rsvg-convert's default DPI is now 96" twice, and its last slot said nothing new. A companion
    that says again what is shown (or that with a few words more) gives way to the next."""
    ranked = [_candidate("rsvg-convert's default DPI is now 96, to better match W3C standards.", 0, 0, 0.9),
              _candidate("646 - rsvg-convert's default DPI is now 96, to better match W3C standards.", 1, 0, 0.8),
              _candidate("It was 90 before for historical reasons.", 0, 1, 0.75),
              _candidate("The --dpi-x option sets it.", 2, 0, 0.7)]
    request = Request("default dpi of rsvg-convert", "default dpi of rsvg-convert", (), (), None, {}, threading.Event())
    chosen = companion.choose(ranked, request)
    assert [c.text for c in chosen] == [ranked[0].text, ranked[2].text, ranked[3].text]


def test_words_naming_the_document_do_not_pick_the_sentence(tmp_path):
    """"max line length in the rust style guide?": the guide's opening sentences name it and
    matched the question best, yet the answer is a sentence that never repeats the title."""
    from tests.reading import ask_one_file

    guide = ("# Widget Style Guide\n\nThe Widget Style Guide defines the default widget style, and "
             "recommends that widget tools follow the default widget style.\n\n"
             "Everything in this widget style guide refers to the default style, whatever words it uses. "
             "The widget style guide is kept by the widget style team. This widget style guide is also "
             "published as one page.\n\n"
             "## Indentation and line width\n\nUse spaces, not tabs. Each level of indentation must be "
             "four spaces. The maximum width for a line is 100 characters.\n")
    answer = ask_one_file(tmp_path, "widget-style-guide.md", guide, "max line length in the widget style guide?")
    assert "100 characters" in answer.text, answer.text


@pytest.mark.parametrize("own, repeats", [(set(), True), ({"bill"}, False), ({"hardware"}, True)])
def test_a_sentence_already_said_is_marked_unless_the_follow_up_asks_for_its_words(monkeypatch, own, repeats):
    """A follow-up wants something new. "by when?" has no words of its own, and a sentence the
    last answer showed was still taken for it ("how much did minh's team end up saving" / "by
    when?" repeated the saving); one that holds the follow-up's own words may come back."""
    monkeypatch.setattr(extractive, "_dense", lambda request, passage, index: 0.5)
    text = "Their monthly bill fell from $5,000 to $900, a saving of 82%."
    passage = Passage("A", Hit(Chunk("A", "case.md", "Case study", text, 0, len(text)), 1.0))
    request = Request("by when?", "how much did they save by when?", (passage,), (), None, {}, threading.Event())
    row = extractive.feature_row(request, passage, 0, 0, text, frozenset(lexical.terms(text)), 0.5, text, own, 0.0,
                                 "by when?", "", shape.MODEL.expected("by when?"))
    assert row[FEATURES.index("repeat")] == float(repeats)


def test_a_follow_up_that_changes_subject_is_matched_on_its_own_words():
    """The query of a follow-up is the question with the turn before ("where do i find the swagger
    docs ... is there a second docs ui"); a sentence close to the follow-up's own words is as
    close to what is asked, however far it is from the turn before."""
    earlier, own = np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])
    sentence = np.array([0.1, 0.9, 0.0]) / np.linalg.norm([0.1, 0.9, 0.0])
    text = "The alternative docs UI lives at /redoc."
    passage = Passage("A", Hit(Chunk("A", "api.md", "Docs", text, 0, len(text)), 1.0))
    asked = "is there a second docs ui"

    def dense(question_vector):
        request = Request(asked, "where are the swagger docs " + asked, (passage,), (), earlier / 1.0,
                          {"A": sentence[None, :]}, threading.Event(), question_vector=question_vector)
        row = extractive.feature_row(request, passage, 0, 0, text, frozenset(lexical.terms(text)), 0.5, "",
                                     set(), 0.0, asked, "", shape.MODEL.expected(asked))
        return row[FEATURES.index("dense")]

    assert dense(None) < 0.2
    assert dense(own) > 0.9
