"""What a question asks for, read from its form: the names it gives, the thing it asks about, and
the kind of fact that answers it.

The relevance gate refuses a question whose passages do not hold these together (a price beside
"GPT-5" is no answer to "How much did it cost to train GPT-5?"), and the extractive answerer
prefers the sentence that states the kind of fact asked for. Both read questions here, so they
agree on what a question asks.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

from rag.index import lexical

# --- names ---------------------------------------------------------------------------------------

# A capitalised name ("OpenAI", "Llama", "GPT-5.2") or a model number in any case ("gpt-oss-120b").
# The most of a question these patterns read. The edges refuse questions over max_question_chars
# (4,000 by default) before any of this runs; a longer text from a library caller is read only
# this far, so no input makes the analysis cost more than ~30 ms.
MAX_ANALYSED_CHARS = 10_000
_NAME = re.compile(r"(?<![\w-])([A-Z][\w.-]*[A-Z0-9][\w.-]*|[A-Z][a-z]+(?:-[\w]+)*|\w+(?:-\w+)*-\d[\w.-]*)(?![\w-])")
# "whats the context window of gpt-oss" is typed for "what's" (87 questions of the eval sets), and
# the patterns below, written with the apostrophe, read it as no question at all ("its" stays a word)
_NO_APOSTROPHE = re.compile(r"\b(what|who|where|how|that|there)s\b", re.I)


def analysed(question: str) -> str:
    """The part of a question the patterns read, with "whats" read as "what's"."""
    return _NO_APOSTROPHE.sub(r"\1's", question[:MAX_ANALYSED_CHARS])


@dataclass(frozen=True)
class Name:
    text: str
    stems: tuple[str, ...]
    versioned: bool  # holds a digit: a model or version number, which only its whole form names
    # joined words ("ShutdownTimeout", a setting or a function): only the whole names it, since its
    # parts are common words ("timeout") that the passages of a near-miss hold (corpus21)
    joined: bool = False

    def mentioned_in(self, terms) -> bool:
        """'GPT-6' is not 'GPT': a versioned or joined name must appear whole; any part of another will do."""
        if self.versioned or self.joined:  # whole, or written together ("sha3" for "sha-3")
            return self.stems[0] in terms or self.stems[0].replace("-", "") in terms
        return any(s in terms for s in self.stems)

    def referred_to_in(self, terms) -> bool:
        """Mentioned, or referred to by its size or variant alone, as text about a model family
        does: "the 120B version" after "gpt-oss-120B". A bare number ("5" of "GPT-5") is too
        common to count."""
        variant = self.stems[-1]
        return self.mentioned_in(terms) or (self.versioned and len(self.stems) > 1 and variant in terms
                                            and any(c.isdigit() for c in variant) and any(c.isalpha() for c in variant))


_LOWER_WORD = re.compile(r"(?<![\w-])[a-z][a-z0-9]{2,}(?![\w-])")


def names(question: str, proper: Collection[str] = frozenset()) -> list[Name]:
    """The names a question gives. Its first word is capitalised anyway, so it is no name unless
    it holds a digit. `proper`: words the corpus writes as names (`lexical.proper_words`), which
    a question typed in lower case ("what licence is llama 4 under") still names."""
    question = question[:MAX_ANALYSED_CHARS]
    found = []
    opening = len(question) - len(question.lstrip())
    for match in _NAME.finditer(question):
        text = match.group(1).rstrip(".-")  # "XXE." ends a sentence: the name is "XXE"
        versioned = any(ch.isdigit() for ch in text)
        stems = tuple(lexical.terms(text))
        # a range or a figure ("levels 1-3") names nothing: a name holds a letter
        if stems and (match.start() != opening or versioned) and any(ch.isalpha() for ch in text):
            found.append(Name(text, stems, versioned, lexical.is_camel_case(text)))
    seen = {stem for name in found for stem in name.stems}
    for word in (w for w in _LOWER_WORD.findall(question) if w in proper):
        stems = tuple(lexical.terms(word))
        if stems and not seen & set(stems):
            found.append(Name(word, stems, False))
            seen.update(stems)
    return found


# --- the thing asked about -----------------------------------------------------------------------

# Nouns that name the form or dimension of the answer rather than a thing the passages must mention:
# "What is wind's share of the grid?" is answered by "20% of the grid", "By what factor ..." by
# "7x", "At what point ..." by "the 10-million-token mark", "Which option ..." by one of those named,
# "what unit is the cpu limit in" by "(MIN)", "what notation is the grammar in" by "ABNF" (a unit, a
# format and a notation: 4 answerable items of the thirty-nine dev sets, no near-miss more answered).
MEASURE_WORDS = frozenset("""
share shares percentage percent proportion fraction cost costs price prices fee fees size sizes
number numbers amount amounts total rate rates value values kind kinds type types sort sorts
version versions release releases factor factors point points extent degree level levels stage
stages scale ratio multiple time times year years month months day days date dates age money option
options choice choices alternative alternatives one ones way ways volume volumes length duration
speed frequency quantity capacity count unit units format formats notation
""".split())
# Nouns that judge or relate rather than name a thing; an answer seldom repeats them: "What are the
# downsides of self-hosting?" is answered by "the hidden cost ... is the need for expertise". This
# narrows the asked-about check rather than adding one: the dev sets hold no question it changes.
JUDGEMENT_WORDS = frozenset("""
advantage advantages disadvantage disadvantages benefit benefits drawback drawbacks downside
downsides upside upsides pro pros con cons risk risks problem problems issue issues reason reasons
difference differences purpose role impact effect effects consequence consequences implication
implications tradeoff tradeoffs trade-off trade-offs catch limit limits limitation limitations
meaning
""".split())
# Adverbs a "what/which" phrase may carry before its verb ("what exactly is pillow", "which less
# version first had --mouse"): they name nothing a passage must hold.
ADVERBS = frozenset("exactly actually really just even ever still else first last originally currently".split())
FORM_WORDS = MEASURE_WORDS | JUDGEMENT_WORDS | ADVERBS
ABBREVIATION_MAX_CHARS = 5
_AUX = r"(?:is|are|was|were|does|do|did|can|could|will|would|should|has|have|had)"
_NOT_POSSESSIVE = r"(?:it|that|what|there|here|who|he|she|let|where|how)"
# Each pattern's group 1 is the phrase a passage must mention, form words aside.
ASKED_ABOUT = [
    re.compile(r"\bhow many\s+([\w-]+)", re.I),  # how many parameters
    # how much electricity; not "how much cheaper/more" (a comparison) nor "how much does"
    re.compile(rf"\bhow much\s+(?!(?:more|less|{_AUX})\b)(?![\w-]+er\b)([\w-]+)", re.I),
    re.compile(rf"\b(?!{_NOT_POSSESSIVE}['’]s)\w+['’]s\s+([\w-]+)", re.I),  # Llama 4's context window
    re.compile(r"\b(?:what|which|who)(?:['’]s|\s+is|\s+are|\s+was|\s+were)\s+the\s+((?:[\w-]+\s+){0,2}?[\w-]+)\s+of\b", re.I),
    # what programming language is ..., which datasets was ..., what kind of profit model did ...
    re.compile(rf"\b(?:what|which)\s+(?:(?:kind|type|sort)s?\s+of\s+)?((?:[\w-]+\s+){{0,2}}?[\w-]+)\s+{_AUX}\b", re.I),
    # the purpose of a price: "cost to train", "spend on hardware", "charge for inference"
    re.compile(r"\b(?:costs?|charge[sd]?|pa(?:y|ys|id)|spen(?:d|ds|t)|invest(?:s|ed)?)\s+(?:to|for|on|in)\s+([\w-]+)", re.I),
]
# The closing verb of a short "when/where" question: "When was OpenAI founded?".
_PREDICATE = re.compile(rf"^\s*(?:when|where|(?:in\s+)?what\s+(?:year|date|month|day))\s+{_AUX}\s+(?:the\s+)?"
                        r"[\w.-]+(?:\s+[\w.-]+){0,2}\s+([a-z]+)\s*\?*\s*$", re.I)


@dataclass(frozen=True)
class Asked:
    """A thing the question asks about, as the word a passage must hold where the answer is: the
    head of the noun phrase ("programming language" -> "language"; its other words are often
    paraphrased: "earlier model" is answered by "models like GPT-2"; the gate also takes a passage
    that holds all the other words, where the head is the class of the answer), or the closing
    verb of a "when/where" question, which is checked only when the corpus uses it at all ("come
    out" is said as "introduced", but "founded" is a word the corpus has)."""
    phrase: str
    word: frozenset[str]  # the terms that stand for the word
    if_known: bool = False

    def checked(self, vocabulary: Collection[str]) -> bool:
        return not self.if_known or any(t in vocabulary for t in self.word)

    def held_in(self, terms: Collection[str]) -> bool:
        """The word stands in `terms`, or, typed short, as the start of a longer word there: "func",
        "arch", "cert" and "max" for "function", "architecture", "certificate" and "maximum"."""
        if any(w in terms for w in self.word):
            return True
        short = [w for w in self.word if len(w) <= ABBREVIATION_MAX_CHARS]
        return any(t.startswith(w) and len(t) > len(w) + 1 for t in terms for w in short)

    def mistyped_in(self, text: str, vocabulary: Collection[str]) -> bool:
        """The word, which the corpus never uses, is a typo of a word of `text`, one letter off
        ("pytroch" for "PyTorch": "which pytroch version is the repo tested against" was refused
        as saying nothing about pytroch, corpus15). Short words are one letter off too many others."""
        typed = self.phrase.split()[-1].lower()
        if len(typed) < TYPO_MIN_CHARS or any(t in vocabulary for t in self.word):
            return False
        return any(_one_letter_off(typed, word) for word in set(_LETTERS.findall(text.lower())))


TYPO_MIN_CHARS = 5
_LETTERS = re.compile(r"[a-z]{4,}")


def _one_letter_off(typed: str, word: str) -> bool:
    """One letter added, dropped or changed, or two neighbours swapped."""
    if typed == word or abs(len(typed) - len(word)) > 1:
        return False
    if len(typed) == len(word):
        diff = [i for i, (a, b) in enumerate(zip(typed, word)) if a != b]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and typed[diff[0]] == word[diff[1]] and typed[diff[1]] == word[diff[0]])
    shorter, longer = sorted((typed, word), key=len)
    return any(longer[:i] + longer[i + 1:] == shorter for i in range(len(longer)))


def asked_about(question: str) -> list[Asked]:
    """Each thing the question's form shows it asks about, form words aside. A phrase that runs
    into a stop word has crossed into the clause ("what did Minh do" is no noun phrase), so it is
    dropped."""
    question = analysed(question)
    found = []
    for pattern in ASKED_ABOUT:
        for match in pattern.finditer(question):
            words = match.group(1).split()
            if any(w.lower() in lexical.STOPWORDS for w in words):  # auxiliaries are stop words too
                continue
            kept = [w for w in words if w.lower() not in FORM_WORDS]
            head = lexical.word_groups(kept[-1]) if kept else []
            if head:
                found.append(Asked(" ".join(kept), head[0]))
    predicate = _PREDICATE.match(question)
    verb = lexical.word_groups(predicate.group(1)) if predicate else []
    if verb:
        found.append(Asked(predicate.group(1), verb[0], if_known=True))
    return found


# --- the kind of fact asked for ------------------------------------------------------------------

# What kind of fact a question asks for, and how a sentence that states one looks. The first kind
# whose question pattern matches decides.
# "may" is a month only beside a day or year ("May 2025", "3 May"): as a verb it dates nothing
# (sed NEWS, "the option may be added" answered "when did sed move to GPLv3?").
_SHORT_MONTHS = r"(?:jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)"
# after a day of one or two digits, not after a number's last digit ("against MPFR 2.4.0 may fail")
_AFTER_DAY = r"(?:(?<=(?<![\w.])\d\s)|(?<=(?<![\w.])\d\d\s))"
_MONTHS = (rf"january|february|march|april|may(?=\s+(?:\d{{1,2}}\b|(?:19|20)\d\d))|{_AFTER_DAY}may|june|july|"
           r"august|september|october|november|december|"
           # a changelog's "Dec 01, 2020" or "1 Oct 2019": an abbreviated month beside its day or year
           rf"{_SHORT_MONTHS}(?=\.?\s+(?:\d{{1,2}}\b|(?:19|20)\d\d))|{_AFTER_DAY}{_SHORT_MONTHS}")
# A question that opens asking how to do something asks for a way, whatever it names after: a
# command answers it, and it is checked first (`wanted_kind`).
_ASKS_MANNER = re.compile(r"^\s*how (?:do|can|should|would) (?:i|you|we|one)\b|^\s*how to\b", re.I)
ANSWER_TYPES = [
    # A break-even question ("when does self-hosting pay off?", "at what monthly volume does open
    # source win on cost") asks for a volume, not a price.
    ("volume", re.compile(r"\b(pay(s)? off|worth it|break[- ]even|makes? (more )?sense|at what (\w+ )?(point|volume|scale)|"
                          r"how many tokens|token volume)\b", re.I),
     re.compile(r"\b\d+(\.\d+)?[- ]?(million|billion|thousand|[mbk])\b[- ]tokens?|\btokens? (per|a) month\b", re.I)),
    # "how many times cheaper" asks a ratio; "how many times will ssh ask for my password" a count
    ("ratio", re.compile(r"\b(cheaper|more expensive|more cost|how many times (?:more|less|as|\w+er)|ratio|reduction|"
                         r"factor)\b", re.I),
     re.compile(r"\b\d+(\.\d+)?x\b|\btimes\b|\bone-\w+th\b", re.I)),
    # The `^(?>.*?...)` forms commit to the first occurrence, so hostile text ("when is " * 10_000)
    # costs one pass, not one pass per occurrence (issue 14: a 32 KB question froze the server).
    # "when exactly was gmp 6.2.1 released": an adverb may stand between "when" and its verb
    ("date", re.compile(r"\bwhen (?:(?:exactly|actually|roughly|approximately|originally|first) )?"
                        r"(did|was|were|will|has|had)\b|^(?>.*?\bwhen is\b).*\b(expected|due|released|launched)\b|"
                        # "what date format does the example check" asks for a format, not a date (corpus19)
                        r"\bwhat (year|date|month)\b(?!\s+(?:formats?|strings?|fields?|columns?|types?|syntax|"
                        r"ranges?)\b)|"
                        r"\bsince when\b|\bhow long (ago|since)\b|\bhow long had\b|"
                        r"\b(release|publication|launch|ship) date\b|\bdate of (the )?(release|launch)\b", re.I | re.S),
     # an ISO date ("release 1.21.3 (2022-02-26)", as NEWS files date releases) is a full date; a
     # year alone is a weaker form, but not inside an identifier ("CVE-2018-0494")
     # "14-04-2022", "04/14/2022", "2022/04/14": numbers a day, a month and a year (pango's NEWS);
     # "09-May-2020", "29-October-2021" (PCRE2's ChangeLog)
     re.compile(rf"\b({_MONTHS}|q[1-4])\b|\b(?:19|20)\d\d([-/.])[01]?\d\2[0-3]?\d\b|"
                r"(?<![\w.])[0-3]?\d([-/.])[0-3]?\d\3(?:19|20)\d\d\b|"
                r"(?<![\w.])[0-3]?\d-(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}-(?:19|20)\d\d\b", re.I),
     re.compile(r"(?<![\w-])(19|20)\d\d(?![\w-])")),
    # "which gzip release added --keep?", "introduced in what version", "minimum python version for
    # pillow 12?", "which version did ... first": a changelog states it in the heading above the
    # change ("Noteworthy changes in release 1.6"). "the 20B version of gpt-oss" asks no version.
    # "what do onnx release builds set X to" asks what they do: a "do" before the noun asks its object.
    ("version", re.compile(r"\b(?:what|which|what['’]?s)(?:\s+(?!(?:do|does|did)\b)[\w.:'’-]+){0,3}?\s+(?:versions?|releases?)\b|"
                           r"\b(?:min(?:imum)?|oldest|earliest|first|last|latest|newest|lowest|required)\s+"
                           r"(?:[\w.:-]+\s+){0,2}versions?\b|\bversions?\s+(?:did|was|were|added|introduced|first)\b|"
                           r"\bversion numbers?\b", re.I),
     # "3.2", or a whole number said to be one: "Windows 10 version 1903", "Readline 7 or newer"
     # (both refused as stating no version, corpus11)
     re.compile(r"\b\d+\.\d+(?:\.\d+)*\b|\bversions?\s+\d+\b|"
                r"\b\d+(?:\.\d+)*\s+(?:or|and)\s+(?:newer|later|higher|above|greater|up)\b", re.I)),
    ("percent", re.compile(r"\b(share|percent|percentage|how close|how accurate|how much more accurate|fraction)\b", re.I),
     re.compile(r"\d+(\.\d+)?\s?%")),
    ("duration", re.compile(r"^(?>.*?\bhow long (does|did|will|would|should)\b).*\btake\b|\bhow long to\b", re.I | re.S),
     re.compile(r"\b\d+(\.\d+)?\s*(seconds?|minutes?|hours?|days?|weeks?|months?|years?)\b", re.I)),
    # "which function do i call to create a stemmer", "what function gives me the definitions": an
    # identifier answers it ("sb_stemmer_new", "get_meaning_definitions"), seldom beside the word
    # (the bare noun is the phrase asked about, which a passage holds by naming an identifier)
    ("function", re.compile(r"\b(?:what|which)\s+(?:[\w-]+\s+)?(?:functions?|methods?|macros?|routines?|api calls?)\b|"
                            r"^(?:functions?|methods?|macros?|routines?)$", re.I),
     re.compile(r"\b[A-Za-z]\w*_\w+|\b[A-Za-z_]\w*\(|\b[a-z]+[A-Z]\w+|\w::\w")),
    # before a price: "how many days of paid leave" asks a count, "paid" standing for no price
    ("count", re.compile(r"\bhow many\b", re.I),
     # a number of its own ("3", "1,000", "10K"): not the digit of a name or a manual section ("ssh(1)",
     # "SHA256", "x86")
     re.compile(r"(?<![\w(.])\d+(?:[.,]\d+)*(?:[kKmMbB]\b)?(?![\w)])|"
                r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
                r"hundreds?|thousands?|millions?|billions?|dozens?)\b", re.I)),
    ("price", re.compile(r"\b(cost|price|charge|pay|bill|spend|spent|paid|fee|invest|invested|budget|subscription)s?\b|"
                         r"^\s*how much (is|are|was|were)\b", re.I),
     re.compile(r"\$\s?\d|\bfree\b", re.I)),
    ("hardware", re.compile(r"\b(hardware|gpu|gpus|memory|vram|run on)\b", re.I), re.compile(r"\b\d+\s?gb\b|\bgpu\b", re.I)),
    # "at what temperature is green tea steeped" is answered by "at 80 degrees", which never says
    # "temperature" (once the question's subject, tea.md, had to hold what is asked, it was refused)
    ("temperature", re.compile(r"\b(temperatures?|how (hot|cold|warm))\b", re.I),
     re.compile(r"\d\s*(?:°|º|degrees?\b|deg\b|celsius\b|fahrenheit\b|kelvin\b)", re.I)),
    # "where does ninja keep the log", "which file lists the trigger interests": a path or a file
    # name answers it ("in a file called .ninja_log", "/var/lib/dpkg/triggers/File")
    ("path", re.compile(r"\b(?:which|what)\s+(?:[\w-]+\s+)?(?:files?|paths?|director(?:y|ies)|folders?|dir)\b"
                        # "what file formats", "which file size": the file is not what is asked for
                        r"(?!\s+(?:formats?|types?|sizes?|systems?|extensions?|permissions?|modes?|descriptors?))|"
                        r"^(?>.*?\bwhere\b).*\b(?:store[sd]?|keeps?|kept|saved?|saves|puts?|stash(?:es)?|look(?:s)?|"
                        r"writes?|written|lives?|located|installed|cached|defined|end up|reads?|fetch(?:es|ed)?|"
                        # "where does appstream read the distro identifier from" (corpus24)
                        r"loads?|loaded|logs?|extract(?:s|ed)?|listed)\b|^(?>.*?\bwhere\b).*\bfrom\W*$", re.I | re.S),
     # a C source, header, object or library file has a one-letter suffix ("proto_xdr.c", rpcgen(1))
     re.compile(r"(?:^|[\s(\"'`‘“=])(?:~|\.{1,2}|\$\w+)?/[\w.$-]|(?<![\w-])[\w-]+\.(?:[a-z][a-z0-9_]{1,5}|[choas])\b|"
                r"(?<![\w.])\.[a-z][\w.-]{2,}")),
    # "how do i make time write to a file", "the command to list the spinners": a command line or
    # an option answers it ("-o file, --output=file: ...", "python -m rich.spinner").
    ("command", re.compile(_ASKS_MANNER.pattern + "|"
                           r"\b(?:command|flag|switch|cli option|command[- ]line option)s?\b", re.I),
     re.compile(r"(?:^|[\s(\"'‘“])--?[A-Za-z][\w-]*|^\s*(?:\$|>>>|%)\s|"
                r"\b(?:pip3?|pipx|conda|npm|brew|cargo|apt-get)\s+(?:install|add|run)\b|\bpython3? -m\s")),
    # "default keyseq-timeout in readline", "whats the max width of foldcolumn": a setting's default
    # or bound is stated beside a word that says so ("Defaults to 100 msec.", "The maximum is 12.").
    # Only words that name a default or a bound ask for one: "limit", "normally", "initially" are
    # as often the topic ("when i hit the rate limit", "what was openai initially").
    ("setting", re.compile(r"\b(defaults?|out of the box|max|maximum|min|minimum|usual value)\b", re.I),
     re.compile(r"^(?=.*\b(?:defaults?|defaulting|maximum|minimum|max|min|limit(?:ed|s)?|normally|initially|at most|"
                r"at least|up to)\b)(?=.*(?:\d|[\'\"`‘“]\w))", re.I | re.S),
     re.compile(r"\b(?:defaults?|maximum|minimum|limit(?:ed|s)?|normally)\b", re.I)),
]


@dataclass(frozen=True)
class Kind:
    name: str
    asks: re.Pattern  # how a question that asks for it looks
    states: re.Pattern  # how a sentence that states it looks
    weaker: tuple[re.Pattern, ...]  # a weaker form of it (a bare year for a date)

    def named_by(self, phrase: str) -> bool:
        """The phrase names this kind of fact: "memory" asks for hardware, which "80GB GPU" states."""
        return bool(self.asks.search(phrase))

    def stated_in(self, text: str) -> float:
        """1 when the text states this kind of fact, 0.5 when only a weaker form, else 0."""
        return 1.0 if self.states.search(text) else 0.5 if any(w.search(text) for w in self.weaker) else 0.0


# A question that asks for a value ("what ...", "when ...", "how much ..."), not for a manner or
# a reason ("how do they compare on cost?", "why ..."), nor for a comparison, which a relative
# statement answers ("How many birds do turbines kill compared with cars?" "Far fewer than cars").
_ASKS_VALUE = re.compile(r"\b(what|which|when|how (much|many|long|big|large|high|low|close|accurate|far|often|soon))\b", re.I)
_COMPARES = re.compile(r"\b(compared (with|to)|than|versus|vs\.?|relative to)\b", re.I)


_QUESTION_WORD = re.compile(rf"\b(?:what|which|who|whom|whose|when|where|why|how|{_AUX})\b", re.I)


def elliptical(question: str) -> bool:
    """A question with no question word of its own ("and GPT-4o?", "the open-weight ones?"): it
    asks what the turn before it asked."""
    return not _QUESTION_WORD.search(analysed(question))


def asking(question: str, query: str) -> str:
    """The text whose form shows what a turn asks: the question, or for an elliptical follow-up
    ("and GPT-4o?") the question condensed with the turns before it (`query`). One that asks in
    its own words ("ok other thing - what hardware do i need") asks only that."""
    return query if query and elliptical(question) else question


def asks_value(question: str) -> bool:
    question = analysed(question)
    return bool(_ASKS_VALUE.search(question)) and not _COMPARES.search(question)


@lru_cache(maxsize=1_024)  # the answerer asks once per candidate sentence
def wanted_kind(question: str) -> Kind | None:
    """The kind of fact the question asks for (a date, a price...), if its form shows one."""
    question = analysed(question)
    kinds = ANSWER_TYPES
    if _ASKS_MANNER.match(question):  # "how do i check which version tput has": a command answers it
        kinds = sorted(ANSWER_TYPES, key=lambda kind: kind[0] != "command")
    for kind, asks, states, *weaker in kinds:
        if asks.search(question):
            return Kind(kind, asks, states, tuple(weaker))
    return None
