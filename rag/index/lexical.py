"""Words as the lexical side of search sees them: lower-cased, stop words dropped, stemmed.

BM25 (bm25s) and the relevance gate's word coverage both use `terms`, so they agree on what a
word is. Stemming is Snowball English (PyStemmer).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

WORD = re.compile(r"[a-z0-9]+(?:[.-][a-z0-9]+)*")
# the index is rebuilt when this changes. 2: British spellings folded; 3: by a table of 1,730;
# 4: plural acronyms ("gpus" is "gpu"); 5: chat fillers ("ok", "lol", "pls") are stop words;
# 6: camel-case names as their words ("PercentageLow": "percentage", "low")
VERSION = 6
STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have
having he her here hers herself him himself his how i if in into is it its itself just me more most
my myself no nor not now of off on once only or other our ours ourselves out over own same she
should so some such than that the their theirs them themselves then there these they this those
through to too under until up very was we were what when where which while who whom why will with
would you your yours yourself yourselves tell give me much many get got use used using way ways
ok okay lol hey hi hello thanks thx pls please yeah yep hmm btw um uh oh wow ah cool
""".split())


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Lower-cased words, British spellings folded to American; "gpt-oss-20b", "5.2" and "80gb"
    stay whole."""
    text = _CAMEL_CASE.sub(lambda m: " ".join([m.group(), *_CAMEL_PART.findall(m.group())]), text)
    return ["-".join(_american(part) for part in w.split("-")) if "-" in w else _american(w)
            for w in WORD.findall(text.lower())]


# A name written in camel case is words run together: "PercentageLow" is "percentage" and "low",
# so "default low battery percentage" meets the setting "PercentageLow=20". Read as the whole
# ("github" still meets "GitHub") and each part; only parts of three letters or more ("PyTorch",
# "OpenAI" stay whole).
_CAMEL_CASE = re.compile(r"(?<![\w-])(?:[A-Z][a-z]{2,}|[a-z]{3,})(?:[A-Z][a-z]{2,})+(?![\w-])")
_CAMEL_PART = re.compile(r"[A-Z]?[a-z]+")


def is_camel_case(word: str) -> bool:
    """"ShutdownTimeout", "PercentageLow": words run together into one name."""
    return bool(_CAMEL_CASE.fullmatch(word))


@lru_cache(maxsize=1)
def _british() -> dict[str, str]:
    from breame.data.spelling_constants import BRITISH_ENGLISH_SPELLINGS

    return BRITISH_ENGLISH_SPELLINGS


def _american(word: str) -> str:
    """The American spelling of a British one (breame's table), so that "colours" finds "colors"
    and "licence" finds "license"; "-isation" words the table lacks ("quantisation") are folded
    by their suffix, which no other word ends in."""
    folded = _british().get(word)
    if folded is not None:
        return folded
    if word.endswith(("isation", "isations")):
        return word.replace("isation", "ization")
    return word


def terms(text: str) -> list[str]:
    """Content words, stemmed: what BM25 indexes and what the gate counts. A hyphenated word
    also yields its parts, so "open-source" meets "open source"."""
    return list(_terms(text))


@lru_cache(maxsize=65_536)
def _terms(text: str) -> tuple[str, ...]:
    """Cached: the same passages and sentences are read for question after question."""
    kept = []
    for word in words(text):
        if "-" in word:
            kept.extend(w for w in [word, *word.split("-")] if w and w not in STOPWORDS)
        elif word not in STOPWORDS:
            kept.append(word)
    distinct = list(dict.fromkeys(kept))  # a long text repeats its words: stem each one once
    stems = dict(zip(distinct, (_singular(s) for s in _stemmer().stemWords(distinct))))
    return tuple(stems[w] for w in kept)


_VOWEL = re.compile(r"[aeiouy]")


def _singular(stem: str) -> str:
    """An acronym's plural as its singular. Snowball drops a plural "s" only after a vowel that does
    not stand just before it, so "gpus", "cves" and "llms" stayed plural: "which CVEs were fixed"
    was refused as never mentioning what "CVE-2022-3786" names (corpus11)."""
    if len(stem) >= 4 and stem.endswith("s") and not stem.endswith("ss") and not _VOWEL.search(stem[:-2]):
        return stem[:-1]
    return stem


def word_groups(text: str) -> list[frozenset[str]]:
    """Each distinct content word as the set of terms that stand for it: "self-hosting" ->
    {"self-host", "self", "host"}. Coverage counts words, so a compound the corpus writes apart
    ("host models locally") counts once, not as three missing terms."""
    distinct = [w for w in dict.fromkeys(words(text)) if w not in STOPWORDS or "-" in w]
    groups = []
    for word in distinct:  # a long text repeats its words: each distinct word is stemmed once
        parts = [p for p in ([word, *word.split("-")] if "-" in word else [word]) if p and p not in STOPWORDS]
        if parts:
            groups.append(frozenset(_singular(s) for s in _stemmer().stemWords(parts)))
    return list(dict.fromkeys(groups))


# --- names a corpus writes -------------------------------------------------------------------

_CASED_WORD = re.compile(r"(?<![\w-])[A-Za-z][A-Za-z0-9]{2,}(?![\w-])")
_INSIDE_SENTENCE = re.compile(r"[a-z0-9,;:(] $")


# A name may be written in lower case now and then ("is chatgpt open source", an article's search
# phrase, beside twenty "ChatGPT"): a word is still one when this share of its uses at most is.
LOWER_CASE_SHARE = 0.1


def proper_words(texts: Iterable[str]) -> frozenset[str]:
    """Words a corpus writes as names: in lower case at most once in ten uses, twice or more, once
    at least inside a sentence ("Llama", "OpenAI"; not "However", which only opens sentences)."""
    uses: dict[str, int] = {}
    lower: dict[str, int] = {}
    inside = set()
    for text in texts:
        for match in _CASED_WORD.finditer(text):
            word = match.group()
            key = word.lower()
            uses[key] = uses.get(key, 0) + 1
            if word[0].islower():
                lower[key] = lower.get(key, 0) + 1
            elif _INSIDE_SENTENCE.search(text[max(0, match.start() - 2):match.start()]):
                inside.add(key)
    return frozenset(w for w, n in uses.items()
                     if n >= 2 and w in inside and lower.get(w, 0) <= LOWER_CASE_SHARE * n)


# --- identifiers a corpus writes -------------------------------------------------------------------

# Words joined by "_", "-" or "/" ("sts_regional_endpoints", "TZ_MAX_TIMES", "force-warn", "HTTP/2").
# One with an underscore is an identifier (a setting, a function, a constant), and a name with a
# version after a slash is a protocol's version: a passage names either whole or not at all. The
# parts are matched possessively: a hostile run of "a_b-a_b..." costs linear time.
_JOINED = re.compile(r"(?<![\w./-])[A-Za-z][A-Za-z0-9]*+(?:[_/-][A-Za-z0-9]++)++(?![\w/-])")
_JOINED_ANYWHERE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]++(?:[_/-][A-Za-z0-9]++)++")
_NAMES_WHOLE = re.compile(r"_|/\d")


def identifiers_in(text: str) -> list[str]:
    """The identifiers and versioned protocols ("HTTP/2") a text writes, as written."""
    return [m.group() for m in _JOINED.finditer(text) if _NAMES_WHOLE.search(m.group())]


def identifier_key(identifier: str) -> str:
    """"force-warn" and "force_warn", "TZ_MAX_TIMES" and "tz_max_times" are one identifier."""
    return identifier.lower().replace("-", "_")


def identifiers(texts: Iterable[str]) -> frozenset[str]:
    """The words a corpus writes joined by "_", "-" or "/", as `identifier_key` reads them: a
    question may type "force_warn" for the "force-warn" a passage writes."""
    return frozenset(identifier_key(m.group()) for text in texts for m in _JOINED_ANYWHERE.finditer(text))
