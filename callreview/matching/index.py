"""What the search index keeps of a turn, and how a query is read: the language half of search.

    Transcript ─▶ index_transcript ─▶ [TurnIndex(words, sounds)] ─▶ the store's index
    "请稍等 投诉" ─▶ parse_query ─▶ SearchQuery(phrases) ─▶ store.search ─▶ [Hit] ─▶ pieces

**Words** are character bigrams of each run of Chinese characters (the run's last character
also alone, so one character is found as a prefix), and Latin words whole: a word of two or
more characters is a phrase of its bigrams, so every turn containing it is found and no other
(jieba's search mode misses words it segments differently in context; docs/search.md).
**Sounds** are the same bigrams over the matching layer's pinyin keys
(:func:`callreview.matching.keys.keys_of`, what the checks compare by): 清少等 and 请稍等 share
them. Importing this module registers :func:`index_transcript` with the store.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from callreview.errors import CallreviewError
from callreview.matching.keys import keys_of
from callreview.store import (
    Hit,
    Phrase,
    QueueFilter,
    SearchQuery,
    Store,
    TurnIndex,
    use_indexer,
)
from callreview.text import (
    drop_punctuation,
    fold_width,
    lowercase,
    normalize,
    to_simplified,
)
from callreview.transcript import Transcript

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(f"([{_CJK}]+)|([^\\s{_CJK}]+)")
_STEPS = (fold_width, to_simplified, drop_punctuation, lowercase)
"""The checks' clean-up, but particles kept (酒吧 must find 酒吧。) and punctuation left a break
(问您 is not in 请问，您)."""
_SYNTAX = re.compile(r"[*:()^{}\[\]+\\]")
_OPERATORS = {"AND", "OR", "NOT", "NEAR"}
ROLES = ("agent", "customer")


class SearchError(CallreviewError):
    """A query that cannot be run (empty, only punctuation, search syntax, a bad filter)."""

    exit_code = 2


@dataclass(frozen=True)
class SearchOptions:
    """What to search for and in which calls (the queue's filters: an agent's own scope too)."""

    query: str
    role: str | None = None
    filters: QueueFilter = QueueFilter()
    sounds_like: bool = False
    limit: int | None = 50


def _norm(text: str) -> str:
    return normalize(text, _STEPS)


def _runs(norm: str) -> list[tuple[str, bool]]:
    """``(text, is_chinese)`` runs of normalized text."""
    return [(cjk or word, bool(cjk)) for cjk, word in _RUNS.findall(norm)]


def _bigrams(units: Sequence[str]) -> list[str]:
    """Each pair of neighbours joined, then the last unit alone."""
    if not units:
        return []
    return ["_".join(units[i : i + 2]) for i in range(len(units) - 1)] + [units[-1]]


def _word_bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]


def turn_tokens(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(words, sounds)``: the tokens a turn's text is indexed by."""
    words: list[str] = []
    sounds: list[str] = []
    for run, cjk in _runs(_norm(text)):
        if cjk:
            words += _word_bigrams(run)
            sounds += _bigrams(keys_of(run)[1])
        else:
            words.append(run)
            sounds.append(run)
    return tuple(words), tuple(sounds)


def index_transcript(transcript: Transcript) -> list[TurnIndex]:
    """Every turn of a transcript with its tokens: what the store indexes (turns with no words
    are left out)."""
    out = []
    for number, segment in enumerate(transcript.segments):
        words, sounds = turn_tokens(segment.text)
        if words:
            out.append(
                TurnIndex(
                    number, segment.role, segment.start, segment.end, segment.text, words, sounds
                )
            )
    return out


use_indexer(index_transcript)


# --- queries -----------------------------------------------------------------------------


def query_terms(query: str) -> list[str]:
    """The parts of a query every hit must contain: words, and "quoted phrases" whole; search
    syntax (``* : ( )``, operators, an unclosed quote) is refused in one line."""
    text = query.strip()
    if not text:
        raise SearchError("the query is empty; give a word to search for, e.g. 投诉")
    if text.count('"') % 2:
        raise SearchError('the query has an unclosed quote ("); close it or leave it out')
    bad = _SYNTAX.search(text)
    if bad:
        raise SearchError(
            f"the query has {bad.group()!r}, which search does not take; "
            'give words, or a phrase in "quotes"'
        )
    terms: list[str] = []
    for i, part in enumerate(text.split('"')):
        if i % 2:
            terms.append(part)
            continue
        for word in part.split():
            if word in _OPERATORS:
                raise SearchError(
                    f"the query has {word}, a search operator; every word given must occur "
                    'in a turn (write it in "quotes" to find the word itself)'
                )
            terms.append(word)
    terms = [t for t in terms if _runs(_norm(t))]
    if not terms:
        raise SearchError(
            f"the query {query.strip()!r} has no words (only punctuation); give a word to find"
        )
    return terms


def _phrase(term: str, sounds: bool) -> Phrase:
    tokens: list[str] = []
    runs = _runs(_norm(term))
    for run, cjk in runs:
        if not cjk:
            tokens.append(run)
        elif len(run) == 1:
            tokens.append(keys_of(run)[1][0] if sounds else run)
        elif sounds:
            tokens += _bigrams(keys_of(run)[1])[:-1]
        else:
            tokens += _word_bigrams(run)[:-1]
    last_run, last_cjk = runs[-1]
    return Phrase(tuple(tokens), prefix=last_cjk and len(last_run) == 1)


def parse_query(options: SearchOptions) -> SearchQuery:
    """The store's query for these options (refused in one line when it cannot be run)."""
    if options.role is not None and options.role not in ROLES:
        raise SearchError(f"--role {options.role}: use agent or customer")
    if options.limit is not None and options.limit < 0:
        raise SearchError(f"--limit {options.limit}: use a number from 0 (0: every hit)")
    terms = query_terms(options.query)
    return SearchQuery(
        tuple(_phrase(t, options.sounds_like) for t in terms),
        "sounds" if options.sounds_like else "words",
        options.role,
        options.filters,
        options.limit or None,
    )


def ensure_index(store: Store, progress=None) -> int:
    """Index the calls a store holds that are not yet (an older store, once): returns how many."""
    if store.db.read_only or not store.pending_index():
        return 0
    return store.build_index(index_transcript, progress)


def search(store: Store, options: SearchOptions) -> list[Hit]:
    """The turns matching ``options``, newest call first (the index brought up to date first)."""
    query = parse_query(options)
    ensure_index(store)
    return store.search(query)


# --- showing a hit -----------------------------------------------------------------------


def pieces(text: str, options: SearchOptions) -> list[tuple[str, bool]]:
    """``text`` (a hit's, as it may be shown) cut into ``(piece, matched)``: where the query's
    words (or, with ``sounds_like``, their sounds) occur are the matched pieces."""
    try:
        terms = query_terms(options.query)
    except SearchError:
        return [(text, False)]
    units, where = _units(text, options.sounds_like)
    hits = [False] * len(text)
    for term in terms:
        want = _units(term, options.sounds_like)[0]
        if not want:
            continue
        n = len(want)
        for i in range(len(units) - n + 1):
            if units[i : i + n] == want:
                for j in range(where[i], where[i + n - 1] + 1):
                    hits[j] = True
    out: list[tuple[str, bool]] = []
    for char, hit in zip(text, hits):
        if out and out[-1][1] == hit:
            out[-1] = (out[-1][0] + char, hit)
        else:
            out.append((char, hit))
    return out


def _units(text: str, sounds: bool) -> tuple[list[str], list[int]]:
    """The text's characters as search compares them (normalized, or their pinyin keys), with
    the index in ``text`` each came from."""
    units: list[str] = []
    where: list[int] = []
    for i, char in enumerate(text):
        for unit in _char_units(char):
            units.append(unit)
            where.append(i)
    if sounds:
        units = _keys(units)
    return units, where


@lru_cache(maxsize=8192)
def _char_units(char: str) -> str:
    """One character as search compares it (a few thousand distinct ones: kept)."""
    return _norm(char).replace(" ", "")


def _keys(chars: list[str]) -> list[str]:
    """Each normalized character's pinyin key (read in its run of Chinese, as the index does)."""
    out: list[str] = []
    run: list[str] = []
    for char in [*chars, ""]:
        if char and re.match(f"[{_CJK}]", char):
            run.append(char)
            continue
        if run:
            out += keys_of("".join(run))[1]
            run = []
        if char:
            out.append(char)
    return out
