"""Known-answer retrieval on the tiny fixture corpus with the hashing embedder: the chunk that
answers a question comes first, every search mode finds something, and an FAQ question asked in
other words leads to its answer."""

from __future__ import annotations

import pytest

from rag.index.search import Index


@pytest.fixture
def index(bot) -> Index:
    return bot.index()


def search(bot, index: Index, question: str, mode: str = "hybrid", k: int = 5):
    return index.search(question, bot.embedder.embed_query(question), k=k, mode=mode)


KNOWN = [
    ("What temperature should water be for brewing coffee?", "between 90 and 96 degrees Celsius"),
    ("How long do solar panels last?", "25 to 30 years"),
    ("Do solar panels work on cloudy days?", "10 to 25 percent"),
    ("Where does the Rhine start?", "Swiss Alps"),
    ("How many countries does the Danube flow through?", "ten countries"),
    ("How much power does a typical home panel produce?", "400 watts"),
    ("What grind does espresso need?", "Espresso needs a fine grind"),
    ("How long does a French press brew?", "4 minutes"),
]


@pytest.mark.parametrize("question, evidence", KNOWN)
def test_known_answer_is_the_first_hit(bot, index, question, evidence):
    hits = search(bot, index, question)
    assert evidence in hits[0].chunk.text


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_every_mode_returns_ranked_hits(bot, index, mode):
    hits = search(bot, index, "Where does the Rhine start?", mode=mode, k=3)
    assert 1 <= len(hits) <= 3
    assert "Swiss Alps" in hits[0].chunk.text
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert len({h.chunk.id for h in hits}) == len(hits)


def test_k_limits_the_hits(bot, index):
    assert len(search(bot, index, "solar panels", k=2)) == 2
    assert len(search(bot, index, "solar panels", k=50)) == len(index.chunks)


@pytest.mark.parametrize("paraphrase, question", [
    ("How long will my solar panels last?", "How long do solar panels last?"),
    ("For how many years does a solar panel last?", "How long do solar panels last?"),
    ("Will solar panels work when it's cloudy?", "Do solar panels work on cloudy days?"),
])
def test_faq_paraphrase_ranks_its_answer_first(bot, index, paraphrase, question):
    (first,) = search(bot, index, paraphrase, k=1)
    assert first.chunk.key == question
    assert first.chunk.kind == "faq"


def test_hits_carry_their_provenance(built, bot, index):
    (first,) = search(bot, index, "How much power does a typical home panel produce?", k=1)
    chunk = first.chunk
    text = (built.corpus / chunk.source).read_text(encoding="utf-8")
    assert text[chunk.start:chunk.end] == chunk.text
    assert chunk.section == "How solar panels work"
    assert chunk.claims == ("[1]",)
    assert first.lexical > 0 and first.dense > 0


def test_question_about_nothing_in_the_corpus_scores_low(bot, index):
    on_topic = search(bot, index, "How long do solar panels last?", k=1)[0]
    off_topic = search(bot, index, "Who won the football world cup?", k=1)[0]
    assert off_topic.lexical == 0.0
    assert off_topic.dense < on_topic.dense


def test_a_version_number_asked_for_finds_its_release(tmp_path):
    """A version number is matched exactly by BM25 and hardly at all by the embedding; when the
    question holds one the corpus has, the lexical ranking counts double, so the release it names
    is found among releases that read alike."""
    from rag.service import assistant, builder
    from rag.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    releases = [f"* Noteworthy changes in release 2.{n}.{n % 4}\n\n** Release notes\n\n  The release date of this "
                f"tool release is announced on the mailing list; see the release schedule for tool {n}.\n\n"
                for n in range(30) if n != 17]
    releases.insert(17, "* Noteworthy changes in release 2.17.1\n\n** Bug fixes\n\n  Fix computation of total "
                        "bytes downloaded during FTP transfers.\n\n")
    (corpus / "NEWS.txt").write_text("Tool NEWS\n\n" + "".join(releases), encoding="utf-8")
    settings = Settings(corpus=corpus, index=tmp_path / "index", generator="extractive")
    builder(settings).run()
    bot = assistant(settings)
    hits = bot.index().search("release date of tool 2.17.1?", bot.embedder.embed_query("release date of tool 2.17.1?"), k=3)
    assert "2.17.1" in hits[0].chunk.section, [h.chunk.section for h in hits]


def test_a_release_named_in_the_question_lifts_the_passages_under_its_heading(tmp_path):
    """A release's notes seldom repeat its number: "when did mit kerberos 1.20 come out" ranked
    the passages under "Major changes in 1.20 (2022-05-26)" eleventh. A release the question names
    lifts the passages under a heading naming it, else under its point releases ("5.1": "5.1.0")."""
    from rag.service import assistant, builder
    from rag.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    features = ["parser", "printer", "scheduler", "cache", "logger", "resolver", "encoder", "decoder",
                "tokenizer", "formatter", "planner", "linker"]
    releases = [f"## Changes in 3.{n}{'.0' if n % 2 else ''} (2021-{n % 12 + 1:02d}-14)\n\nThe {feature} was "
                f"rewritten and now handles large inputs, and several crashes in the {feature} were fixed.\n\n"
                for n, feature in enumerate(features)]
    about = ("## About tool\n\nWhen a new tool release comes out, tool users upgrade tool with the tool "
             "installer; tool 3.4 and tool 3.7 users are asked to upgrade tool first.\n\n")
    (corpus / "NEWS.md").write_text("# Tool news\n\n" + about + "".join(reversed(releases)), encoding="utf-8")
    settings = Settings(corpus=corpus, index=tmp_path / "index", generator="extractive")
    builder(settings).run()
    index = assistant(settings).index()
    embed = assistant(settings).embedder.embed_query
    for question, heading in [("when did tool 3.4 come out", "3.4 "), ("what was rewritten in 3.7", "3.7.0")]:
        sections = [h.chunk.section for h in index.search(question, embed(question), k=3)]
        assert any(heading in section for section in sections), sections


def test_a_passage_stating_the_price_asked_for_is_lifted(tmp_path):
    """A price is a figure the embedding hardly relates to the words that ask for it: among ten
    passages on self-hosting, the one that states a price was not among the five read, and "what
    will self-hosting cost me" was refused as the passages giving no price. Lifted among the best
    twenty, it answers (the default embedder, a corpus indexed for real)."""
    from rag.service import assistant, builder
    from rag.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    topics = ["backups", "updates", "monitoring", "security", "networking", "storage", "logging", "scaling",
              "licences", "support"]
    notes = [f"## {topic.title()}\n\nWhen you host the model yourself, you take care of {topic} on your own "
             f"servers, and the team has to plan {topic} before launch.\n\n" for topic in topics]
    notes.insert(7, "## Running it\n\nOn a rented GPU the open model serves requests at roughly $0.12 per "
                    "million input tokens.\n\n")
    (corpus / "hosting.md").write_text("# Self-hosting guide\n\n" + "".join(notes), encoding="utf-8")
    settings = Settings(corpus=corpus, index=tmp_path / "index", generator="extractive")
    builder(settings).run()
    answer = assistant(settings).ask("what will self-hosting cost me")
    assert not answer.refused and "$0.12 per million input tokens" in answer.text, answer.text
