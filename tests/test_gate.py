"""The relevance gate: names the corpus never mentions are refused, the fitted threshold refuses
off-topic questions and answers on-topic ones on the fixture corpus, near-misses are refused."""

from __future__ import annotations

import pytest

from rag.answer.gate import judge, unknown_names, unsupported
from rag.index import lexical
from rag.records import Chunk, Hit
from rag.settings import Settings

ON_TOPIC = ["How long do solar panels last?", "Where does the Rhine start?",
            "What temperature should water be for brewing coffee?", "Do solar panels work on cloudy days?"]
OFF_TOPIC = ["How do I check whether my VPN is turned on?", "Give me a recipe for sourdough bread.",
             "Who won the football match yesterday?", "How do I reverse a linked list?"]
NEAR_MISS = ["How much does a Tesla Powerwall cost?", "What does a solar panel cost in Germany?",
             "How long does a SunPower X22 panel last?"]


def test_names_the_corpus_lacks_are_found():
    vocabulary = {"solar", "panel", "gpt", "gpt-5.2", "5.2", "openai"}
    assert unknown_names("What does a solar panel cost on AWS?", vocabulary) == ["AWS"]
    assert unknown_names("When will GPT-6 be released?", vocabulary) == ["GPT-6"]
    assert unknown_names("What does GPT-5.2 cost?", vocabulary) == []
    assert unknown_names("Solar panels and OpenAI?", vocabulary) == []  # the first word is skipped
    # a setting named in camel case is named by its whole, not by the common words it joins
    settings = {"shutdown", "timeout", "percentagelow", "percentage", "low", "packagekit"}
    assert unknown_names("whats the default ShutdownTimeout for packagekit", settings) == ["ShutdownTimeout"]
    assert unknown_names("whats the default PercentageLow for packagekit", settings) == []
    # a release of three parts the corpus never names is not covered; "python 3.13" may be in a range
    releases = {"e2fsprogs", "1.47.0", "1.46.6"}
    assert unknown_names("e2fsprogs 1.47.1 - when was that released", releases) == ["1.47.1"]
    assert unknown_names("whats new in e2fsprogs 1.47.0", releases) == []
    assert unknown_names("does it run on python 3.13", releases) == []



def test_an_identifier_the_corpus_never_writes_is_unknown():
    """"what's the default max_map_len on msgpack's Unpacker" was answered with another limit: the
    corpus documents no max_map_len. One it writes, with "-" for "_" too, is known."""
    written = lexical.identifiers(["max_buffer_size (int) - Limits size of data.", "Use force-warn here."])
    vocabulary = {"max", "map", "len", "buffer", "size", "msgpack", "unpack", "force", "warn"}
    assert unknown_names("what's the default max_map_len on msgpack's Unpacker", vocabulary,
                         identifiers=written) == ["max_map_len"]
    assert unknown_names("whats the default max_buffer_size when unpacking", vocabulary, identifiers=written) == []
    assert unknown_names("can i put force_warn in an attribute", vocabulary, identifiers=written) == []
    # a protocol's version after a slash is named whole: "HTTP/2" is not the "HTTP/1.1" a passage writes
    # ("does LWP::UserAgent support HTTP/2 connections?", corpus26)
    http = lexical.identifiers(["LWP speaks HTTP/1.1 only."])
    assert unknown_names("does LWP support HTTP/2 connections?", {"lwp", "http"}, identifiers=http) == ["HTTP/2"]
    assert unknown_names("does LWP support HTTP/1.1?", {"lwp", "http"}, identifiers=http) == []
    # without the corpus's identifiers (a caller that has none), no identifier is judged
    assert unknown_names("what's the default max_map_len", vocabulary) == []


def test_an_acronym_the_passages_spell_out_is_known():
    """"RTD" is the "Read the Docs" a passage writes out: a question using it was refused as
    naming something the knowledge base never mentions. Written out in lower case, or with other
    words between, it spells nothing."""
    vocabulary = {"read", "docs", "configuration", "build"}
    found = ["# Read the Docs configuration file for Sphinx projects"]
    assert unknown_names("what os image is the RTD build running on", vocabulary, found) == []
    assert unknown_names("what os image is the RTD build running on", vocabulary) == ["RTD"]
    assert unknown_names("what os image is the RTD build running on", vocabulary,
                         ["read the docs configuration", "Read all Docs"]) == ["RTD"]
    # a changelog heading "v4.26.0" names the release "4.26.0" (jsonschema's README)
    assert unknown_names("what changed in jsonschema 4.26.0", {"jsonschema", "v4.26.0"}) == []


def test_a_plural_acronym_is_the_acronym_the_corpus_writes():
    """"which CVEs were fixed" was refused as never mentioning CVEs, on a changelog listing
    "CVE-2022-3786": the stemmer leaves "cves", "gpus" and "llms" plural."""
    vocabulary = set(lexical.terms("Fixed two buffer overflows (CVE-2022-3786) on one GPU with an LLM."))
    assert unknown_names("Which CVEs were fixed, on how many GPUs, by which LLMs?", vocabulary) == []


def test_a_name_and_its_number_written_together_is_the_same_name():
    """"when did NIST standardise sha-3" was refused as giving no date for sha-3 beside a
    passage on SHA3; a versioned name still must appear whole ("GPT-6" is not "GPT")."""
    vocabulary = set(lexical.terms("The SHA3 hash functions were standardized by NIST in August 2015."))
    assert unknown_names("When did NIST standardise SHA-3?", vocabulary) == []
    assert unknown_names("When did NIST standardise SHA-4?", vocabulary) == ["SHA-4"]


def test_threshold_decides_between_weak_and_strong_hits():
    chunk = Chunk("c1", "a.md", "A", "text", 0, 4)
    strong, weak = Hit(chunk, 1.0, dense=0.7, lexical=1.0), Hit(chunk, 1.0, dense=0.1, lexical=0.0)
    threshold = Settings().gate_threshold
    assert judge("How long do panels last?", [strong], set(), threshold).answer
    verdict = judge("How long do panels last?", [weak], set(), threshold)
    assert not verdict.answer and "relevant enough" in verdict.reason


def test_no_hits_is_a_refusal():
    assert not judge("anything", [], set(), 0.5).answer


@pytest.mark.parametrize("question", ON_TOPIC)
def test_on_topic_questions_are_answered(bot, question):
    assert not bot.ask(question).refused


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_off_topic_questions_are_refused(bot, question):
    answer = bot.ask(question)
    assert answer.refused and answer.citations == ()


@pytest.mark.parametrize("question", NEAR_MISS)
def test_near_miss_questions_are_refused(bot, question):
    answer = bot.ask(question)
    assert answer.refused
    assert "never mentions" in answer.text


def test_a_question_about_something_no_passage_mentions_is_refused(bot):
    """The form of the question shows what it asks about; no passage mentions it, so no neighbouring
    figure may stand in for it."""
    for question in ["How many employees does the coffee shop have?", "What is the Danube's depth?"]:
        answer = bot.ask(question)
        assert answer.refused, answer.text
        assert not answer.citations


def test_the_thing_asked_about_found_beside_the_name_is_answered(bot):
    answer = bot.ask("How many countries does the Danube flow through?")
    assert not answer.refused
    assert "ten countries" in answer.text


def _hit(text: str, kind: str = "prose") -> Hit:
    return Hit(Chunk(text[:8], "a.md", "S", text, 0, len(text), kind=kind), 1.0)


def test_the_thing_asked_about_must_stand_beside_the_name_not_elsewhere():
    """'parameters' appears in a passage, but not in one about GPT-5: refused."""
    hits = [_hit("Open-weight models release their trained parameters."), _hit("Teams keep GPT-5 for hard cases.")]
    assert unsupported("How many parameters does GPT-5 have?", hits) == "say nothing about parameters for GPT-5"
    assert unsupported("How many parameters do open-weight models release?", hits) == ""
    assert unsupported("What's the weather? It's fine.", hits) == ""


def test_a_word_typed_short_is_held_by_the_word_it_abbreviates():
    """"cert" is typed for "certificate" and "max" for "maximum"; a short word that starts no
    word of the passage is still missing."""
    hits = [_hit("The package uses the snakeoil SSL certificate by default, up to the maximum size.")]
    assert unsupported("which tls cert does the package use", hits) == ""
    assert unsupported("whats the max size of it", hits) == ""
    assert unsupported("which tls key does the package use", hits) == "say nothing about tls key"


def test_a_phrase_whose_head_is_the_class_of_the_answer_is_held_by_its_other_words():
    """"which gpt-oss variant" is answered by a passage naming "gpt-oss-20b", which never says
    "variant"; "which exit code" by "exits with status 1". A passage holding neither the head
    nor the other words of the phrase still says nothing about it."""
    hits = [_hit("The gpt-oss-20b model runs on a laptop with 16GB of memory."),
            _hit("Patch exits with status 1 when some hunks cannot be applied.")]
    assert unsupported("which gpt-oss variant is the one for laptops", hits) == ""
    assert unsupported("which exit code does patch return when hunks fail", hits) == ""
    assert unsupported("which signal handler does patch install", hits) == "say nothing about signal handler"


def test_a_thing_that_names_the_kind_of_fact_is_held_by_a_statement_of_it():
    """"how much memory" asks for hardware: "a single 80GB GPU" answers it without saying "memory";
    a passage stating no hardware still does not."""
    hits = [_hit("The 120B version of Foo can run on a single 80GB GPU.")]
    assert unsupported("can the big foo model fit on one gpu, how much memory does it need", hits) == ""
    plain = [_hit("The 120B version of Foo is the largest one.")]
    assert unsupported("how much memory does the big foo model need", plain) == "say nothing about memory"


def test_a_name_typed_in_lower_case_is_still_a_name_the_corpus_writes():
    """"what licence is llama 4 released under": the corpus writes "Llama", so the licence must
    stand beside Llama, not beside gpt-oss; typed with capitals, the question was refused already."""
    texts = ["Teams run open-weight models like Llama 4 on their own servers.",
             "gpt-oss ships under the Apache 2.0 license.", "The table compares Llama 4 with ChatGPT.",
             "However, costs vary."]
    proper = lexical.proper_words(texts)
    assert "llama" in proper and "however" not in proper and "gpt" not in proper
    hits = [_hit(text) for text in texts]
    typed = unsupported("what licence is llama 4 released under", hits, proper=proper)
    assert typed == "say nothing about licence for llama"
    assert unsupported("What licence is Llama 4 released under?", hits, proper=proper).startswith("say nothing")
    assert unsupported("what licence is gpt-oss released under", hits, proper=proper) == ""


def test_a_name_written_in_lower_case_once_in_a_while_is_still_a_name():
    """The article writes "ChatGPT" twenty times and "is chatgpt open source" once: "switching topic -
    whats chatgpt's average price" was read as asking about the Llama 4 of the turn before."""
    texts = [f"Teams ask ChatGPT question {n}." for n in range(12)] + ["Is chatgpt open source?",
                                                                     "Use gpt tools. The GPT models."]
    proper = lexical.proper_words(texts)
    assert "chatgpt" in proper and "gpt" not in proper  # "gpt" is as often lower case as not


def test_a_price_beside_the_name_is_no_answer_to_the_price_of_something_else():
    hits = [_hit("GPT-5 costs $1.75 per million tokens."), _hit("Training GPT-5 took many months.")]
    assert unsupported("What does GPT-5 cost per million tokens?", hits) == ""
    assert unsupported("How much did it cost to train GPT-5?", hits) == "give no price for GPT-5"


def test_a_date_must_stand_beside_the_name_asked_about():
    hits = [_hit("OpenAI released GPT-2 openly in 2019."), _hit("The GPT-4o weights remain confidential.")]
    assert unsupported("When did OpenAI release GPT-2?", hits) == ""
    assert unsupported("When did GPT-4o come out?", hits) == "give no date for GPT-4o"


def test_a_default_or_a_file_asked_for_must_stand_beside_the_name():
    """"what port does uvicorn listen on by default" is refused where no passage about uvicorn
    states a default; "which file does readline save history to" where none names a file."""
    hits = [_hit("Uvicorn binds to a socket given with --host and --port."),
            _hit("Gunicorn defaults to 8000 for its port.")]
    assert unsupported("what port does Uvicorn listen on by default", hits) == "give no default or limit for Uvicorn"
    assert unsupported("what port does Gunicorn use by default", hits) == ""
    history = [_hit("Readline can keep the lines typed in a history file.")]
    assert unsupported("which file does Readline save its history to", history) == "give no path for Readline"
    assert unsupported("which file does Readline read", [_hit("Readline reads the file ~/.inputrc at startup.")]) == ""


def test_a_closing_verb_the_corpus_uses_must_stand_beside_the_date():
    hits = [_hit("Acme was founded as a research lab."), _hit("Acme shipped its first model in May 2019.")]
    vocabulary = {t for h in hits for t in lexical.terms(h.chunk.text)}
    assert unsupported("When was Acme founded?", hits, vocabulary) == "give no date for Acme"
    assert unsupported("When did Acme come out?", hits, vocabulary) == ""  # "come" is no word of the corpus


def test_a_table_column_is_what_the_table_says_about_one_thing():
    table = ("| Dimension | Llama 4 | GPT-OSS |\n| --- | --- | --- |\n"
             "| Cost | $0.80 per million tokens | Free licensing |\n"
             "| Performance | 90% of closed quality | Apache 2.0 license |")
    hits = [_hit(table, kind="table")]
    assert unsupported("What license does GPT-OSS use?", hits) == ""
    assert unsupported("What license does Llama 4 use?", hits) == "say nothing about license for Llama"
    assert unsupported("What does Llama 4 cost?", hits) == ""


def test_the_verdict_says_what_the_passages_lack():
    hits = [_hit("ChatGPT is closed source; its code and data remain private.")]
    vocabulary = set(lexical.terms(hits[0].chunk.text))
    verdict = judge("What programming language is ChatGPT written in?", hits, vocabulary, 0.0)
    assert not verdict.answer
    assert verdict.reason == "the passages found say nothing about programming language for ChatGPT"


def test_a_follow_up_asks_the_earlier_question_about_its_own_names():
    hits = [_hit("GPT-5.2 costs $1.75 per million input tokens."), _hit("Llama 4 costs $0.80 per million tokens."),
            _hit("OpenAI released gpt-oss in August 2025. GPT-4o weights remain confidential.")]
    asked_before = "What does GPT-5.2 cost per million input tokens?"
    assert unsupported("and Llama 4?", hits, query=f"{asked_before} and Llama 4?") == ""
    assert unsupported("and GPT-4o?", hits, query=f"{asked_before} and GPT-4o?") == "give no price for GPT-4o"
    assert unsupported("and for output?", hits, query=f"{asked_before} and for output?") == ""


def test_a_follow_up_in_its_own_words_asks_only_what_it_asks():
    """"and by when had the costs dropped" asks a question of its own: it is not refused for
    lacking what the turn before asked about ("traffic"), as an elliptical "and GPT-4o?" would be."""
    hits = [_hit("By March their monthly costs had dropped by 80%.")]
    asked_before = "how much of the startup's traffic was repetitive"
    assert unsupported("and by when had the costs dropped", hits, query=f"{asked_before} and by when had the costs dropped") == ""
    assert unsupported("and the startup?", hits, query=f"{asked_before} and the startup?").startswith("say nothing about traffic")


def test_a_follow_up_in_its_own_words_wants_no_kind_of_fact_the_turn_before_wanted():
    """After a question on market share, "ok other thing - what hardware do i need for the big
    gpt-oss model" asks for no percentage: it was refused with "the passages found give no
    percentage" (article_user11). An elliptical "and the open-weight ones?" still asks the market share."""
    hits = [_hit("The 120B version of gpt-oss can run on a single 80GB GPU.")]
    asked_before = "whats the market share of proprietary models in token usage"
    own = "ok other thing - what hardware do i need for the big gpt-oss model"
    assert unsupported(own, hits, query=f"{asked_before} {own}") == ""
    share = [_hit("The open-weight models hold a market share of 20%, for the most part."), *hits]
    assert unsupported("and the open-weight ones?", share, query=f"{asked_before} and the open-weight ones?") == ""
    assert unsupported("and the open-weight ones?", hits,
                       query=f"{asked_before} and the open-weight ones?").startswith("say nothing about market")


def test_an_adverb_before_the_verb_is_not_what_is_asked_about():
    hits = [_hit("Pillow is the friendly PIL fork by Jeffrey Clark and contributors.")]
    assert unsupported("what exactly is Pillow", hits) == ""


def test_a_typo_of_a_word_the_passage_holds_is_that_word():
    """"which pytroch version is the repo tested against" was refused as saying nothing about
    pytroch, beside "tested with PyTorch 2.6.0" (corpus15). A word the corpus uses is no typo."""
    hits = [_hit("The repository is tested with PyTorch 2.6.0 on Linux.")]
    vocabulary = set(lexical.terms("The repository is tested with PyTorch 2.6.0 on Linux."))
    assert unsupported("which pytroch version is the repo tested against", hits, vocabulary) == ""
    assert unsupported("which tensorflow version is the repo tested against", hits, vocabulary) \
        == "say nothing about tensorflow"


def test_the_pipeline_refuses_an_identifier_its_corpus_never_writes(tmp_path):
    from tests.reading import ask_one_file

    text = "# Unpacker\n\nmax_buffer_size (int) - Limits size of data waiting unpacked. Default is 100 MiB.\n"
    answer = ask_one_file(tmp_path, "msgpack-README.md", text, "what's the default max_map_len on the Unpacker")
    assert answer.refused and "never mentions max_map_len" in answer.text, answer.text


PARSER_README = """\
parso - A Python Parser
=======================

parso is a Python parser that supports error recovery and round-trip parsing
for different Python versions. parso is also able to list multiple syntax
errors in your python file.

Installation
------------

Install it with pip install parso.
"""
TRAITS_README = """\
# traitlets

traitlets is a pure Python library enabling typed attributes with validation
and change notifications.

## Our Copyright Policy

Distributed under the terms of the Modified BSD License. Each contributor
holds copyright over their contributions.
"""


def test_a_question_naming_one_document_is_not_answered_from_another(tmp_path):
    """"what licence is parso distributed under" named parso, whose README states none: the answer
    was traitlets' licence, from a README that never mentions parso. The words of a file's name
    that no other document uses name what it is about."""
    from tests.reading import ask_files

    files = {"parso-README.rst": PARSER_README, "traitlets-README.md": TRAITS_README}
    assert ask_files(tmp_path / "a", files, "what licence is parso distributed under").refused
    answer = ask_files(tmp_path / "b", files, "what licence is traitlets distributed under")
    assert not answer.refused and "Modified BSD License" in answer.text


def test_a_temperature_asked_for_is_held_by_degrees_in_the_named_document(tmp_path):
    """"at what temperature is green tea steeped": tea.md names the tea and says "80 degrees",
    never "temperature"; the question is about tea.md, not about coffee.md, which says it."""
    from tests.reading import ask_files

    files = {"tea.md": "# Tea\n\nGreen tea is steeped at 80 degrees for two minutes.\n",
             "coffee.md": "# Coffee\n\nThe water temperature for brewing coffee is 92 to 96 degrees.\n"}
    answer = ask_files(tmp_path, files, "at what temperature is green tea steeped")
    assert not answer.refused and "80 degrees" in answer.text
