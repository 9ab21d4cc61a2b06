"""The pipeline checks an LLM's citations against the passages it really read."""

from rag.answer.generators.base import Generator, Options
from rag.answer.pipeline import Assistant
from rag.embed.choose import make
from rag.records import Token


class FirstPassageOnly(Generator):
    """Reads only the best passage (as a model with a small context would) yet cites two."""

    name = "fake"

    def stream(self, request):
        yield Token("Solar panels turn sunlight into electricity [A]. They last 25 to 30 years [B].")

    def passages_for(self, request):
        return request.passages[:1]


def test_a_label_for_a_passage_the_model_never_read_is_dropped(built):
    bot = Assistant(built.index, make(built.embedder), FirstPassageOnly(), gate_threshold=0.0)
    answer = bot.ask("How do solar panels work and how long do they last?")
    assert answer.dropped_labels == ("B",)
    assert [c.label for c in answer.citations] == ["A"]
    assert "[B]" not in answer.text
    assert any("25 to 30" in sentence for sentence in answer.unverified)  # its figure lost its source


class Counting(Generator):
    """Answers with its first passage and remembers how many it was given."""

    name = "counting"
    given = 0

    def stream(self, request):
        self.given = len(request.passages)
        yield Token("Solar panels turn sunlight into electricity [A].")


def test_an_llm_is_given_eight_passages_and_a_session_top_k_is_kept(article_settings):
    generator = Counting()
    bot = Assistant(article_settings.index, make(article_settings.embedder, article_settings.backend), generator,
                    gate_threshold=0.0)
    bot.ask("Is ChatGPT open source?")
    assert generator.given == 8
    list(bot.answer("Is ChatGPT open source?", options=Options(top_k=3)))
    assert generator.given == 3


class Uncited(Generator):
    """An LLM that answers from its own memory, citing nothing."""

    name = "uncited"

    def stream(self, request):
        yield Token("Panels are usually blue.")


def test_an_llm_answer_citing_no_passage_shows_as_not_found(built):
    bot = Assistant(built.index, make(built.embedder), Uncited(), gate_threshold=0.0)
    answer = bot.ask("How do solar panels work?")
    assert answer.refused and "not found in the knowledge base" in answer.text
    assert "blue" not in answer.text
