"""Follow-ups: the question is searched with the user's last turns and also alone, the rankings
fused, so one that leans on the conversation and one that changes subject both find their passage."""

from __future__ import annotations

import pytest

from rag.answer.condense import condense
from rag.answer.generators.base import Turn


def history(*questions: str) -> tuple[Turn, ...]:
    turns: tuple[Turn, ...] = ()
    for question in questions:
        turns += (Turn("user", question), Turn("assistant", "An answer. [A]"))
    return turns


@pytest.mark.parametrize("earlier, follow_up", [
    ("What is gpt-oss?", "Which license does it use?"),
    ("What does GPT-5.2 cost per million input tokens?", "and for output tokens?"),
    ("What does Llama 4 cost per million tokens?", "what about ChatGPT?"),
    ("How long do solar panels last?", "How about on cloudy days?"),
    ("What is gpt-oss?", "Price?"),
])
def test_follow_up_is_condensed_with_the_earlier_question(earlier, follow_up):
    query = condense(follow_up, history(earlier))
    assert query == f"{earlier} {follow_up}"


def test_a_follow_up_that_changes_subject_finds_its_own_passage(bot):
    answer = bot.ask("What is the ideal water temperature for brewing coffee?",
                     history("How long do solar panels last?"))
    assert not answer.refused and "90 and 96 degrees" in answer.text
    assert answer.citations[0].chunk.section == "Water temperature"


def test_without_history_the_question_is_the_query():
    assert condense("Which license does it use?", ()) == "Which license does it use?"


def test_assistant_turns_are_not_searched():
    query = condense("Which license does it use?", history("What is gpt-oss?"))
    assert "An answer" not in query


def test_a_chain_of_follow_ups_keeps_the_first_entity():
    query = condense("and when was it released?", history("What is gpt-oss?", "Which license does it use?"))
    assert query.startswith("What is gpt-oss?")
    assert query.endswith("and when was it released?")


def test_follow_up_retrieves_the_right_passage(bot):
    turns = history("How long do solar panels last?")
    answer = bot.ask("and on cloudy days?", turns)
    assert answer.query.startswith("How long do solar panels last?")
    assert not answer.refused
