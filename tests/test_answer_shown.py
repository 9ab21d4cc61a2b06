"""What the answer shown must state itself (`gate.unstated`): the default, bound, date, version or
price asked for, beside what it is asked of; a passage that merely holds one proves nothing."""

from __future__ import annotations

from rag.answer.gate import unstated


def test_a_bound_asked_for_must_be_stated_in_the_answer_shown():
    """"what's the max vector dimensionality faiss supports" was answered with what faiss does,
    stating no limit at all. A maximum stated in words or as a setting's value answers it; a
    question that asks no value ("why are the min/max lines commented out") is not checked."""
    assert unstated("what's the max vector dimensionality faiss supports",
                    ["Faiss searches sets of vectors of any size."]) == "state no limit"
    assert unstated("whats the max number of spaces for --indent",
                    ["Use the given number of spaces (no more than 7)."]) == ""
    assert unstated("what's the maximum request header size in start.ini",
                    ["jetty.httpConfig.requestHeaderSize=8192"]) == ""
    assert unstated("what's the maximum width of a line", ["The maximum width for a line is 100 characters."]) == ""
    assert unstated("in sensors3.conf why are the min/max lines commented out", ["They vary by board."]) == ""
    # a default is no bound, and "is there a max ..." asks one as "what's the max ..." does
    default_names = ["This option makes cscope create 2 more files (default names cscope.in.out and cscope.po.out)."]
    assert unstated("is there a max number of source files cscope can index", default_names) == "state no limit"
    assert unstated("is there a max number of source files cscope can index",
                    ["cscope indexes at most 10000 source files."]) == ""


def test_a_default_asked_for_must_be_stated_in_the_answer_shown():
    """"what's the default request timeout in httpx, in seconds" was answered with sentences that
    state no default. One shown as context counts, as a setting's line and "by default" do; "what
    does upower do by default" asks what it does, no value."""
    assert unstated("what's the default request timeout in httpx, in seconds",
                    ["HTTPX is a fully featured HTTP client for Python 3."]) == "state no default"
    assert unstated("whats the default NINJA_STATUS format string", ["Ninja supports one environment variable."],
                    context=['The default progress status is "[%f/%t] ".']) == ""
    assert unstated("what port does the agent use by default", ["com.sun.management.jmxremote.port=5000"]) == ""
    assert unstated("which of them does full case folding by default",
                    ["Version 1 behaviour: the flag is on by default."]) == ""
    assert unstated("what does upower do by default at the critical level", ["It is a daemon."]) == ""


def test_a_default_asked_of_a_named_setting_must_be_stated_in_its_passage():
    """"whats the default DEBUGINFOD_RETRY_LIMIT" was answered with "The default is 90 seconds.",
    which a man page says of DEBUGINFOD_TIMEOUT, the next entry."""
    question = "whats the default DEBUGINFOD_RETRY_LIMIT if i dont set it"
    retry = "$DEBUGINFOD_RETRY_LIMIT\nThis environment variable governs the default limit of retry attempts."
    timeout = "$DEBUGINFOD_TIMEOUT\nA server that is too slow is skipped. The default is 90 seconds."
    shown = ["This environment variable governs the default limit of retry attempts.", "The default is 90 seconds."]
    assert unstated(question, shown, passages=[retry, timeout]) == "state no default beside DEBUGINFOD_RETRY_LIMIT"
    assert unstated("whats the default DEBUGINFOD_TIMEOUT", shown, passages=[retry, timeout]) == ""


def test_the_date_of_a_release_asked_for_must_stand_beside_that_release():
    """"when was pcre2 10.30 released" was answered with another release's date ("Even 3.0.0 is
    quite old; it was released in 2014."): the ChangeLog was cut before 10.30."""
    assert unstated("when was pcre2 10.30 released", ["Even 3.0.0 is quite old; it was released in 2014."]) \
        == "state no date for 10.30"
    assert unstated("when was pcre2 10.35 released", ["Version 10.35 09-May-2020: Updated to Unicode 13.0.0."]) == ""
    assert unstated("when was pcre2 released", ["Even 3.0.0 is quite old; it was released in 2014."]) == ""


def test_a_price_asked_per_a_unit_must_be_stated_per_that_unit(article_bot):
    """"how much is a chatgpt plus subscription per month" was answered, in twenty-three dev sets,
    with ChatGPT's price per million tokens: a price, but not per month."""
    per_tokens = ["ChatGPT (Proprietary), Cost: Approximately $6.00 per million tokens"]
    assert unstated("how much is a chatgpt plus subscription per month", per_tokens) == "state no price per month"
    assert unstated("what did the startup pay per month at first", ["Then the monthly bill hit $5,000."]) == ""
    assert unstated("what does gpt-5.2 cost per million input tokens",
                    ["Using GPT-5.2 costs $1.75 per million input tokens."]) == ""
    assert article_bot.ask("how much is a chatgpt plus subscription per month").refused
    answer = article_bot.ask("what was the hanoi startup's monthly bill before the switch")
    assert not answer.refused and "$5,000" in answer.text


def test_a_version_asked_for_must_be_stated_in_the_answer_shown():
    """A README states versions everywhere, so only the sentences about to be shown tell whether a
    version asked for is there ("minimum python version for pillow 12?" answered with "Pillow is the
    friendly PIL fork ...")."""
    assert unstated("minimum python version for Pillow 12?", ["Pillow is the friendly PIL fork."]) \
        == "state no version for Pillow"
    assert unstated("which gzip release added --keep?",
                    ["Noteworthy changes in release 1.6 (2013-06-09): gzip now accepts the --keep option."]) == ""
    assert unstated("which version added that", ["Wget now understands proxy settings."],
                    "can wget use a proxy with a password? which version added that") == "state no version"
    # a whole number said to be a version states one
    assert unstated("what readline version do i need", ["Readline 7 or newer is required."]) == ""
    assert unstated("what windows version is needed", ["Use Windows 10 version 1903 or later."]) == ""
    # a question asking no version, or naming one ("the 20B version of gpt-oss"), needs none
    assert unstated("What hardware is the 20B version of gpt-oss optimized for?", ["Laptops."]) == ""


def test_a_version_must_stand_beside_what_it_versions():
    """"which pyenv release first added nushell support" is not answered by a sentence that states
    some other version; the product named by the file ("pyenv") and the question's form words
    ("release", "first", "added") are not what is versioned."""
    other = ["pyenv install 3.10.4", "Add these lines to your config.nu to put pyenv on your PATH."]
    sources = ["pyenv-README.md"] * len(other)
    assert unstated("which pyenv release first added nushell support", other, sources=sources) == \
        "state no version beside nushell"
    held = ["Version 2.4.0: add support for nushell."]
    assert unstated("which pyenv release first added nushell support", held, sources=sources[:1]) == ""
    assert unstated("min python version for rich", ["Rich requires Python 3.8 or later."],
                    sources=["rich-README.md"]) == ""
    # a version stated in another product's file is no answer about the product the question names
    assert unstated("whats the latest pkgconf release version", ["Release tarballs are at example.org/pkgconf/.",
                    "Version 0.5 (released Oct 30, 2006): Initial public release."],
                    sources=["pkgconf-NEWS", "pygments-CHANGES"]) == "state no version beside pkgconf"
    # a chat filler is no word of what is versioned ("state no version beside lol or ok or nushell")
    assert unstated("lol ok so which pyenv release added nushell support", other, sources=sources) == \
        "state no version beside nushell"
