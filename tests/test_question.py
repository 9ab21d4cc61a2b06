"""Reading what a question asks for from its form: the names it gives, the thing it asks about
(the head of "what programming language", the word after "how many"), and the kind of fact wanted."""

from __future__ import annotations

import pytest

from rag.answer.question import asked_about, asking, asks_value, elliptical, names, wanted_kind
from rag.index import lexical


def test_names_include_lower_case_model_numbers_but_not_a_capitalised_first_word():
    assert [n.text for n in names("What GPU does gpt-oss-120b need?")] == ["GPU", "gpt-oss-120b"]
    assert [n.text for n in names("Llama or GPT-5.2?")] == ["GPT-5.2"]
    assert [n.text for n in names("gpt-oss-20b on a laptop?")] == ["gpt-oss-20b"]


def test_a_model_number_is_referred_to_by_its_variant_but_not_by_a_bare_digit():
    big = names("Does gpt-oss-120B fit?")[0]
    assert big.referred_to_in(set(lexical.terms("The 120B version runs on one GPU.")))
    assert not big.mentioned_in(set(lexical.terms("The 120B version runs on one GPU.")))
    five = names("What does GPT-5 cost?")[0]
    assert not five.referred_to_in(set(lexical.terms("Under 5 million tokens a month.")))


@pytest.mark.parametrize("question, phrase", [
    ("What programming language is ChatGPT written in?", "programming language"),
    ("Which datasets was it trained on?", "datasets"),
    ("What kind of profit model did OpenAI pivot to?", "profit model"),
    ("How many parameters does GPT-5 have?", "parameters"),
    ("How much electricity does it use?", "electricity"),
    ("What is Llama 4's context window?", "context"),
    ("What is the context length of gpt-oss-120B?", "context"),
    ("How much did it cost to train GPT-5?", "train"),
    ("What does Groq charge for inference?", "inference"),
    # typed without the apostrophe, as users do: the same question
    ("whats the context window of gpt-oss-120b", "context window"),
    # a person asked for by role: the role is what a passage must name
    ("who is the ceo of openai", "ceo"),
])
def test_the_thing_asked_about(question, phrase):
    assert phrase in [a.phrase for a in asked_about(question)]


def test_the_head_word_is_what_a_passage_must_hold():
    [asked] = asked_about("What programming language is ChatGPT written in?")
    assert asked.word == frozenset(lexical.terms("language")) and not asked.if_known


@pytest.mark.parametrize("question", [
    "By what factor does self-hosting cut the price?",  # the form of the answer, not a thing
    "At what point does self-hosting make more sense?",
    "What percentage did the Hanoi startup save?",
    "How much cheaper is self-hosting?",  # a comparison
    "How much does GPT-5.2 charge?",
    "What did Minh do next?",  # no noun phrase before the verb
    "What are the downsides of self-hosting?",  # a judgement a passage need not name
    "What is wind's share of the grid?",
    "what unit is the cpu limit measured in",  # answered by "(MIN)", which never says "unit"
    "what notation is the grammar specified in",
])
def test_questions_whose_form_names_no_thing(question):
    assert [a for a in asked_about(question) if not a.if_known] == []


def test_the_closing_verb_of_a_when_question_is_checked_only_if_the_corpus_knows_it():
    [asked] = asked_about("When was OpenAI founded?")
    assert asked.phrase == "founded" and asked.if_known
    assert asked.checked(set(lexical.terms("founded as a lab")))
    assert not asked.checked(set(lexical.terms("introduced in August")))


@pytest.mark.parametrize("question, kind", [
    ("When did gpt-oss come out?", "date"),
    ("release date of diffutils 3.8", "date"),
    ("when exactly was gmp 6.2.1 released, like the actual date", "date"),  # an adverb before the verb
    ("How long does it take to fine-tune gpt-oss?", "duration"),
    ("How much is a ChatGPT Plus subscription?", "price"),
    ("How much did OpenAI invest in it?", "price"),
    ("How many countries does it flow through?", "count"),
    # a licence named as the topic is not what is asked for
    ("In the Apache License, what percentage of ownership counts as control?", "percent"),
    ("what does the license cost", "price"),
    ("how do i make the tool write its stats into a file", "command"),
    ("whats the command to list all the spinners", "command"),
    # "how many times" before a verb counts; before a comparative it asks a ratio
    ("how many times will ssh ask for my password before it gives up", "count"),
    ("how many times cheaper is self-hosting", "ratio"),
    # a version of a module named with "::" is asked for, not its default or its limit
    ("whats the minimum Net::SSLeay version for that?", "version"),
    # asked how to find it out, a version is answered by the option that reports it ("-V")
    ("how do i check which ncurses version my tput binary was built with", "command"),
])
def test_the_kind_of_fact_wanted(question, kind):
    assert wanted_kind(question).name == kind


@pytest.mark.parametrize("question", [
    "what do onnx release builds set SOURCE_DATE_EPOCH to",
    "open weights vs open source - what do open weight releases actually include",
])
def test_a_release_that_does_something_is_no_version_asked(question):
    """"what do X releases include" asks what they hold; refused as stating no version before."""
    assert wanted_kind(question) is None or wanted_kind(question).name != "version"


def test_a_default_or_a_bound_is_stated_beside_a_word_that_says_so():
    """"The maximum is 12." answers "whats the max width ..."; the option's definition does not."""
    bound = wanted_kind("whats the max width you can set foldcolumn to")
    assert bound.name == "setting"
    assert bound.stated_in("The maximum is 12.") == 1.0
    assert bound.stated_in("'foldcolumn' is a number, which sets the width of the column.") == 0.0
    default = wanted_kind("default keyseq-timeout in readline, in milliseconds")
    assert default.stated_in("Defaults to 100 msec.") == default.stated_in("The default value is '500'.") == 1.0
    assert default.stated_in("If unset, the built-in default is used.") == 0.5  # says so, gives no value
    assert wanted_kind("what exception will i get when i hit the rate limit") is None
    assert wanted_kind("what was openai initially") is None


def test_where_a_thing_is_kept_is_answered_by_a_path_or_a_file_name():
    """"in a file called .ninja_log" answers "where does ninja keep the log"; "external servers" is
    no path, and "where does my data get processed" asks for none."""
    where = wanted_kind("where does ninja keep the log of the commands it ran")
    assert where.name == "path" and wanted_kind("which file lists the trigger interests").name == "path"
    assert where.stated_in("The log file is kept in the build root in a file called .ninja_log.") == 1.0
    assert where.stated_in("Save to user directory (~/.bm25s/indices/)") == 1.0
    assert where.stated_in("Data is processed on external servers.") == 0.0
    # a C file's suffix is one letter (rpcgen(1)); "e.g." is no file
    assert where.stated_in("rpcgen will generate XDR routines in proto_xdr.c and a header in proto.h") == 1.0
    assert where.stated_in("Use a mutex, e.g. a lock of your own.") == 0.0
    assert wanted_kind("where does my data actually get processed") is None
    assert wanted_kind("what file formats can pillow open") is None
    # where a thing is read from or logged to is a path too (corpus24, corpus16)
    assert wanted_kind("where does appstream read the distro identifier from").name == "path"
    assert wanted_kind("if i call start_log with no args where does it log to").name == "path"
    assert wanted_kind("where was pandas first developed") is None


def test_a_count_may_be_written_in_words():
    assert wanted_kind("How many countries?").stated_in("It flows through ten countries.") == 1.0


def test_the_digit_of_a_name_or_a_manual_section_is_no_count():
    """"ssh(1) will require confirmation" states no number of password prompts; "The default is 3." does."""
    how_many = wanted_kind("how many times will ssh ask for my password")
    assert not how_many.stated_in("ssh(1) will require confirmation using the SSH_ASKPASS program.")
    assert not how_many.stated_in("Keys are hashed with SHA256.")
    assert how_many.stated_in("The default is 3.") and how_many.stated_in("It scanned 1,000 files.")
    assert how_many.stated_in("It consists of roughly 10K records.")


def test_may_the_verb_dates_nothing_but_may_the_month_does():
    when = wanted_kind("when did sed move to GPLv3")
    assert when.stated_in("In the future, the option may be added as a no-op.") == 0.0
    assert when.stated_in("It was released on 3 May 2020.") == 1.0
    # after a version number, "may" is the verb again: a number's last digit is no day
    assert when.stated_in("Running the old test suite against MPFR 2.4.0 may also fail.") == 0.0
    # nor does an identifier's year: a CVE number names no year of release
    assert when.stated_in("Fix cookie injection (CVE-2018-0494)") == 0.0
    assert when.stated_in("It shipped in 2018.") == 0.5


def test_an_abbreviated_month_beside_its_day_or_year_is_a_date():
    """A changelog dates its entries "Dec 01, 2020": the full date, not only a year."""
    when = wanted_kind("release date of libarchive 3.5.0?")
    assert when.stated_in("Dec 01, 2020: libarchive 3.5.0 released") == 1.0
    assert when.stated_in("Fixed in 1 Oct 2019.") == 1.0
    assert when.stated_in("Use the jan and dec fields for this.") == 0.0  # no day or year beside them


def test_a_date_written_in_numbers_is_a_date():
    """pango's NEWS dates its releases "14-04-2022": "when did pango 1.50.7 come out" was refused
    as finding no date (corpus26)."""
    when = wanted_kind("when did pango 1.50.7 come out")
    assert when.stated_in("Overview of changes in 1.50.7, 14-04-2022") == 1.0
    assert when.stated_in("Released 04/14/2022.") == when.stated_in("release 1.21.3 (2022-02-26)") == 1.0
    assert when.stated_in("Overview of changes in 1.50.7") == 0.0
    assert when.stated_in("Needs glib 2.62.0 or newer") == 0.0  # a version is no date
    assert when.stated_in("Version 10.35 09-May-2020") == when.stated_in("Version 10.39 29-October-2021") == 1.0
    # "what date format does the example check" asks for a format, not a date (corpus19)
    assert wanted_kind("what date format does the datetime parse action example check") is None
    assert wanted_kind("what date was gmp 6.2.1 released").name == "date"


def test_a_how_to_question_is_answered_by_a_command_line_or_an_option():
    how = wanted_kind("how do i make time write its output to a file")
    assert how.stated_in("-o file, --output=file: Write the statistics to file.") == 1.0
    assert how.stated_in("$ pip install 'httpx[cli]'") == 1.0
    assert how.stated_in("The options below make it write the statistics to a file instead.") == 0.0


def test_a_comparison_or_a_manner_asks_for_no_value():
    assert asks_value("What does it cost?")
    assert not asks_value("How many birds do turbines kill compared with cars?")
    assert not asks_value("How do open-weight models compare on cost?")


def test_british_spellings_meet_american_ones():
    assert lexical.terms("licence") == lexical.terms("license")
    assert lexical.terms("quantisation") == lexical.terms("quantization")
    assert lexical.terms("expertise") != lexical.terms("expertize")  # -ise words are left alone
    assert lexical.terms("how many colours, what behaviour") == lexical.terms("how many colors, what behavior")
    assert lexical.terms("colour-coded") == lexical.terms("color-coded")
    assert lexical.terms("optimised") == lexical.terms("optimized") and lexical.terms("four hours") == ["four", "hour"]


def test_whats_without_an_apostrophe_is_still_a_question():
    """"whats ..." read as no question word: an elliptical follow-up that asks no value."""
    assert not elliptical("whats the license of llama 4") and asks_value("whats the license of llama 4")
    assert elliptical("its license?")  # "its" is a word of its own, no "it's"


def test_a_follow_up_asks_in_its_own_words_unless_it_has_none():
    before = "whats the market share of proprietary models"
    assert asking("and the open-weight ones?", f"{before} and the open-weight ones?") == \
        f"{before} and the open-weight ones?"
    own = "ok other thing - what hardware do i need"
    assert asking(own, f"{before} {own}") == own
    assert wanted_kind(asking(own, f"{before} {own}")).name == "hardware"  # no share any more


def test_a_break_even_question_asks_for_a_volume_not_a_price():
    """"at what monthly volume does open source start winning on cost" names a cost and a month, but
    the answer is a token volume ("the 10-million-token mark"), not a price per month."""
    assert wanted_kind("at what monthly volume does open source start winning on cost").name == "volume"
    assert wanted_kind("when does self-hosting pay off").name == "volume"
    assert wanted_kind("what does gpt-5.2 cost per million input tokens").name == "price"


def test_how_many_asks_a_count_even_beside_a_word_of_money():
    """"how many days of paid leave do we get" (a Word handbook) was refused for stating no price."""
    assert wanted_kind("how many days of paid leave do we get").name == "count"
    assert wanted_kind("what did they pay per month").name == "price"


def test_which_function_is_answered_by_an_identifier():
    """"which function do i call to create a stemmer" was refused because libstemmer's README never
    says "function": it names it, "sb_stemmer_new"."""
    kind = wanted_kind("which function do i call to create a stemmer in libstemmer")
    assert kind.name == "function" and kind.named_by("function")
    assert kind.stated_in('A stemmer is obtained by using "sb_stemmer_new".') == 1.0
    assert kind.stated_in("from breame.meanings import get_meaning_definitions") == 1.0
    assert kind.stated_in("The stemmer is created first.") == 0.0
    assert wanted_kind("how many functions does underscore ship").name == "count"
