"""The conversation as the chat page holds it (`ui.conversation`): the turns sent back to the
model, an answer the user stopped, the conversation a browser keeps across a page reload, and the
question a retry asks again."""

from __future__ import annotations

import gradio as gr
import pytest

from rag.errors import RagError
from ui import conversation, guard
from ui.app import respond
from ui.conversation import history_turns, retry_cut

WATTS = "How much power does a typical home solar panel produce?"


def test_history_turns_never_send_thinking_back():
    history = [
        {"role": "user", "content": "Do panels work on cloudy days?"},
        {"role": "assistant", "content": "secret reasoning", "metadata": {"title": "Thinking", "status": "done"}},
        {"role": "assistant", "content": "Yes, at 10 to 25 percent [A].", "metadata": None},
        {"role": "user", "content": [{"type": "text", "text": "And how long"},
                                     {"type": "text", "text": "do they last?"}]},
    ]
    turns = history_turns(history)
    assert [(t.role, t.text) for t in turns] == [
        ("user", "Do panels work on cloudy days?"),
        ("assistant", "Yes, at 10 to 25 percent [A]."),
        ("user", "And how long do they last?"),
    ]
    assert all("secret" not in t.text for t in turns)


def test_an_answer_the_user_stopped_says_so_and_a_finished_one_does_not(bot):
    """What the page runs after each answer (`mark_stopped`): the reply a stop cut short ends in
    "(stopped)" and its reasoning stops saying "thinking…"; a finished answer and an error are
    left as they are."""
    session = conversation.Session()
    *_, (history, _, _, _) = respond(bot, WATTS, [], session)
    assert conversation.mark_stopped(history, session) == gr.skip()
    cut = [{"role": "user", "content": WATTS},
           {"role": "assistant", "content": "pondering", "metadata": {"title": "Thinking", "log": "thinking…"}},
           {"role": "assistant", "content": [{"type": "text", "text": "A typical home panel"}]}]
    marked = conversation.mark_stopped(cut, conversation.Session())
    assert marked[-1]["content"] == f"A typical home panel {conversation.STOPPED}"
    assert marked[-2]["metadata"] == {"title": "Thinking", "status": "done"}
    refused = [{"role": "user", "content": "x"}, {"role": "assistant", "content": "⚠️ The question is empty."}]
    assert conversation.mark_stopped(refused, conversation.Session()) == gr.skip()


def test_the_conversation_kept_across_a_reload_is_text_without_chips_or_thinking(bot):
    """What the browser keeps (`kept`) and gives back on load (`restored`): questions and answers
    as text, no citation chip (it would open a later answer's passage), no thinking, nothing a
    passage wrote as HTML made live again; junk from the browser restores nothing."""
    session = conversation.Session()
    *_, (history, _, _, _) = respond(bot, WATTS, [], session)
    history.insert(1, {"role": "assistant", "content": "pondering", "metadata": {"title": "Thinking"}})
    history.append({"role": "user", "content": "and &lt;b&gt;bold&lt;/b&gt;?"})
    history.append({"role": "assistant", "content": "It says &lt;img src=x&gt; there. [A]"})
    saved = conversation.kept(history, guard.Limits())
    assert [m["role"] for m in saved] == ["user", "assistant", "user", "assistant"]
    assert "400 watts" in saved[1]["content"] and "rag-cite" not in saved[1]["content"]
    assert "&lt;img src=x" in saved[3]["content"] and "<img" not in saved[3]["content"], "HTML stays text"
    chat, note = conversation.restored(saved, guard.Limits())
    assert chat == saved and "sources of its answers were not" in note
    assert conversation.restored({"not": "a list"}, guard.Limits()) == (gr.skip(), gr.skip())
    assert conversation.restored([], guard.Limits()) == (gr.skip(), gr.skip())


def test_retry_cut_finds_the_question_to_ask_again():
    history = [{"role": "user", "content": "q1"}, {"role": "assistant", "content": "a1"},
               {"role": "user", "content": "q2"},
               {"role": "assistant", "content": "t", "metadata": {"title": "Thinking"}},
               {"role": "assistant", "content": "a2"}]
    assert retry_cut(history, 4) == ("q2", history[:2])
    assert retry_cut(history, 1) == ("q1", [])
    with pytest.raises(RagError, match="ask a question first"):
        retry_cut([{"role": "assistant", "content": "hi"}], 0)
