"""rag.answer.harmony: canned gpt-oss outputs split into thinking and answer, fed whole and piece by piece."""

import pytest

from rag.answer.harmony import HarmonyParser, split

BOTH = (
    "<|channel|>analysis<|message|>The user asks about gpt-oss. Passage [A] says so.<|end|>"
    "<|start|>assistant<|channel|>final<|message|>gpt-oss is open weight [A].<|return|>"
)


def pieces_of(text: str, size: int) -> tuple[str, str]:
    """Feed `text` in pieces of `size` characters, as a stream would arrive."""
    parser = HarmonyParser()
    out = []
    for i in range(0, len(text), size):
        out += parser.feed(text[i : i + size])
    out += parser.finish()
    thinking = "".join(p.text for p in out if p.channel == "analysis")
    return thinking, "".join(p.text for p in out if p.channel == "final")


@pytest.mark.parametrize("size", [1, 3, 7, 1000])
def test_analysis_then_final(size: int) -> None:
    thinking, answer = pieces_of(BOTH, size)
    assert thinking == "The user asks about gpt-oss. Passage [A] says so."
    assert answer == "gpt-oss is open weight [A]."


def test_final_only() -> None:
    assert split("<|channel|>final<|message|>No, it is not [A].<|return|>") == ("", "No, it is not [A].")


def test_truncated_inside_analysis_keeps_thinking_and_no_answer() -> None:
    thinking, answer = split("<|channel|>analysis<|message|>Let me think about the costs and")
    assert thinking == "Let me think about the costs and"
    assert answer == ""


def test_truncated_inside_a_marker_leaks_nothing() -> None:
    assert split("<|channel|>final<|message|>Yes [A].<|ret") == ("", "Yes [A].")


def test_unknown_and_malformed_markers_never_reach_the_answer() -> None:
    text = "<|channel|>final<|message|>One <|weird|>two<|constrain|> three<|return|>"
    thinking, answer = split(text)
    assert answer == "One two three"
    assert "<|" not in answer and "|>" not in answer


def test_commentary_and_unknown_channels_are_thinking() -> None:
    text = (
        "<|channel|>commentary to=functions.search <|constrain|>json<|message|>{\"q\": 1}<|call|>"
        "<|start|>assistant<|channel|>mystery<|message|>hmm<|end|>"
        "<|start|>assistant<|channel|>final<|message|>Done [B].<|end|>"
    )
    assert split(text) == ('{"q": 1}hmm', "Done [B].")


def test_text_after_the_final_message_is_ignored() -> None:
    parser = HarmonyParser()
    out = parser.feed("<|channel|>final<|message|>Answer.<|end|><|start|>assistant<|channel|>final<|message|>More")
    assert parser.done
    assert [p.text for p in out] == ["Answer."]


@pytest.mark.parametrize("size", [1, 4, 1000])
def test_a_model_without_channels_is_all_answer(size: int) -> None:
    assert pieces_of("Plain answer with a < sign [A].</s><|endoftext|>", size) == ("", "Plain answer with a < sign [A].</s>")


def test_assistant_message_without_channel_is_the_answer() -> None:
    assert split("<|start|>assistant<|message|>Hi [A].<|end|>") == ("", "Hi [A].")
