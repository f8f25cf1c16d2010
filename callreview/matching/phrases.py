"""Phrases looked for in a turn, in a way that survives ASR errors; sets of them, indexed.

How a phrase is looked for in a turn (docs/lexicon-format.md has the user's view):

1. Both are cut into **keys** (:mod:`callreview.matching.keys`). 贵心 and 贵姓 get the same keys.
2. **Same keys** anywhere in the turn: similarity 100 (``exact`` too when the
   characters are also the same).
3. Otherwise the phrase's keys (n of them) are scored against every window of
   n−1, n and n+1 **whole** keys of the turn with rapidfuzz's ``ratio`` on the
   space-joined keys. Windows never cut a syllable, so 等一下 cannot match 问一下
   on a shared ``en yi xia``.
4. At or over the phrase's ``threshold`` the hit is ``certain``; within the
   lexicon's ``review_margin`` below it the hit is kept as uncertain (grey zone:
   the check answers ``review``) when its window holds ``grey_coverage`` of the
   phrase's keys in order. A phrase shorter than ``sound_alike_min`` keys heard
   only as a sound-alike (different characters) is uncertain too: three syllables
   are too few to trust 我也急 in 我也及时.

Turns are analysed once per distinct text (cached) and phrases once per lexicon,
so a check only does set intersections, ``str.find`` and a few rapidfuzz calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz, process

from callreview.matching.rules import MatchRules, Phrase, compile_phrase
from callreview.matching.turns import Place, Turn, TurnText, span_evidence
from callreview.results import Evidence

__all__ = [
    "Hit",
    "MatchRules",
    "Phrase",
    "PhraseSet",
    "compile_phrase",
    "find",
    "find_at_end",
    "find_best",
    "find_in",
    "find_keys",
    "is_question",
    "similarity_within",
]


class _Heard:
    """Tokens ``[first, last)`` of a turn where a phrase was heard: the quote and its evidence."""

    phrase: Phrase
    turn: Turn
    first: int
    last: int
    similarity: float

    @property
    def heard(self) -> str:
        return self.turn.text.span_text(self.first, self.last)

    def evidence(self) -> Evidence:
        return span_evidence(self.turn, self.first, self.last, self.phrase.text, self.similarity)


@dataclass(frozen=True, eq=False)
class Hit(_Heard):
    """Where a phrase was heard in a turn: tokens ``[first, last)``."""

    phrase: Phrase
    turn: Turn
    first: int
    last: int
    similarity: float
    exact: bool
    """The very characters of the phrase (not only its sounds)."""

    @property
    def certain(self) -> bool:
        """Over the threshold, and not a short sound-alike: counts without a person listening."""
        return self.similarity >= self.phrase.threshold and (
            self.exact or self.phrase.sound_alike_ok
        )

    @property
    def rank(self) -> tuple[float, bool]:
        """Better match first: similarity, then the same characters over a sound-alike."""
        return (self.similarity, self.exact)

    def overlaps(self, other: Hit) -> bool:
        return self.turn is other.turn and self.first < other.last and other.first < self.last


def find(turn: Turn, phrase: Phrase) -> Hit | None:
    """The best place ``phrase`` is heard in ``turn`` (similarity ≥ its floor), or None."""
    text = turn.text
    if len(text.keys) < len(phrase.keys) - 1 or len(phrase.idset & text.idset) < phrase.min_shared:
        return None
    found = _score(text, phrase)
    return None if found is None else Hit(phrase, turn, *found)


def _score(text: TurnText, phrase: Phrase) -> tuple[int, int, float, bool] | None:
    """``(first, last, similarity, exact)`` of the best place, the prefilter passed."""
    n = len(phrase.keys)
    at = text.ids.find(phrase.ids)
    if at >= 0:
        best = None
        while at >= 0:  # several places with the same sounds: prefer the same characters
            exact = "".join(text.tokens[at : at + n]) == phrase.chars
            if exact:
                return (at, at + n, 100.0, True)
            best = best or (at, at + n, 100.0, False)
            at = text.ids.find(phrase.ids, at + 1)
        return best
    if phrase.floor >= 100:
        return None
    strings, places = text.around(n)
    found = process.extractOne(phrase.joined, strings, scorer=fuzz.ratio, score_cutoff=phrase.floor)
    if found is None:
        return None
    if found[1] < phrase.threshold and phrase.min_grey_keys:
        # Grey zone: the best window that hears enough of the phrase's keys in order (most windows
        # scoring this close are whole syllables scattered through a long sentence).
        found = next(
            (
                f
                for f in process.extract(
                    phrase.joined, strings, scorer=fuzz.ratio, score_cutoff=phrase.floor, limit=None
                )
                if _in_order(phrase.ids, text.ids, *places[f[2]]) >= phrase.min_grey_keys
            ),
            None,
        )
        if found is None:
            return None
    first, size = places[found[2]]
    return (
        first,
        first + size,
        float(found[1]),
        "".join(text.tokens[first : first + size]) == phrase.chars,
    )


def _in_order(ids: str, text_ids: str, first: int, size: int) -> int:
    """How many of ``ids`` (a phrase's keys) the window ``[first, first + size)`` holds in the same
    order (longest common subsequence of whole keys)."""
    window = text_ids[first : first + size]
    row = [0] * (len(window) + 1)
    for key in ids:
        prev = 0
        for j, other in enumerate(window, 1):
            keep = row[j]
            row[j] = prev + 1 if key == other else max(row[j], row[j - 1])
            prev = keep
    return row[-1]


class PhraseSet(tuple[Phrase, ...]):
    """Phrases looked for together (a lexicon list), with an inverted index from key to phrase.

    A turn is scored only against the few phrases that share enough of its keys,
    and what a set found in a text is kept with the text: scripted lines repeat
    across calls, so most turns are answered from the cache.
    """

    _index: dict[str, list[int]]
    """Interned key → the positions of the phrases that hold it."""

    def __new__(cls, phrases: Iterable[Phrase] = ()) -> PhraseSet:
        self = super().__new__(cls, phrases)
        self._index = {}
        for i, phrase in enumerate(self):
            for key in phrase.idset:
                self._index.setdefault(key, []).append(i)
        return self

    def __hash__(self) -> int:  # identity: two sets with equal phrases are still two caches
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __add__(self, other: tuple[Any, ...]) -> PhraseSet:
        return PhraseSet(tuple(self) + tuple(other))

    def hits(self, turn: Turn) -> list[Hit]:
        """Every phrase of the set heard in ``turn`` (one best place each), in set order."""
        text = turn.text
        found = text._found.get(self)
        if found is None:
            counts: dict[int, int] = {}
            index = self._index
            for key in text.idset:
                for i in index.get(key, ()):
                    counts[i] = counts.get(i, 0) + 1
            n_keys = len(text.keys)
            out: list[tuple[int, Place]] = []
            for i in sorted(counts):
                phrase = self[i]
                if counts[i] >= phrase.min_shared and n_keys >= len(phrase.keys) - 1:
                    place = _score(text, phrase)
                    if place is not None:
                        out.append((i, place))
            found = text._found[self] = tuple(out)
        return [Hit(self[i], turn, *place) for i, place in found]


def _as_set(phrases: Iterable[Phrase]) -> PhraseSet:
    return phrases if isinstance(phrases, PhraseSet) else _set_of(tuple(phrases))


@lru_cache(maxsize=1024)
def _set_of(phrases: tuple[Phrase, ...]) -> PhraseSet:
    """One set per distinct tuple of phrases (configured names arrive as a new tuple every call):
    a set is a key of every cached text's results, so a new one per call grew them without end."""
    return PhraseSet(phrases)


def is_question(turn: Turn, token: int, rules: MatchRules) -> bool:
    """Whether the clause holding ``token`` asks: it holds an A-not-A (是不是, 方不方便, 有没有), or
    it ends its sentence and the sentence ends with ？/? or a question ending (吗).
    「不知道，你问别人吧？」 does not ask in its first clause."""
    text = turn.text
    if not text.tokens:
        return False
    token = min(max(token, 0), len(text.tokens) - 1)
    clause, sentence = text.clause[token], text.sentence[token]
    inside = [t for t, c in zip(text.tokens, text.clause) if c == clause]
    if any(
        inside[i] == inside[i + 2] and inside[i + 1] in rules.negators
        for i in range(len(inside) - 2)
    ):
        return True
    last = max(i for i, s in enumerate(text.sentence) if s == sentence)
    if text.clause[last] != clause:
        return False
    return (
        text.sentences[sentence].rstrip().endswith(("？", "?"))
        or text.tokens[last] in rules.question_endings
    )


def similarity_within(phrase: Phrase, turn: Turn, first: int, last: int) -> float:
    """How closely ``phrase`` sounds like the best run of its length inside tokens ``[first, last)``
    (0–100).

    Used where the place is already known (the words a greeting pattern took as the
    company) and only *which* name it is remains to be judged."""
    keys = turn.text.keys[first:last]
    n = len(phrase)
    if not keys:
        return 0.0
    if len(keys) <= n:
        return float(fuzz.ratio(phrase.joined, " ".join(keys)))
    return float(
        max(fuzz.ratio(phrase.joined, " ".join(keys[i : i + n])) for i in range(len(keys) - n + 1))
    )


def find_at_end(turn: Turn, phrases: Iterable[Phrase]) -> Hit | None:
    """The phrase that best matches the very end of ``turn`` — windows of n−1, n and n+1 whole keys
    ending at its last token — if at or over the phrase's floor (certain at its threshold).

    For a phrase whose place is known from elsewhere (a request for permission ending the agent's
    turn right before a hold), so phrases are compiled with thresholds fit for one place, not for a
    search through every window of a call."""
    keys = turn.text.keys
    best = None
    for phrase in phrases:
        n = len(phrase.keys)
        for size in (n, n - 1, n + 1):
            if not 1 <= size <= len(keys):
                continue
            first = len(keys) - size
            score = float(fuzz.ratio(phrase.joined, " ".join(keys[first:])))
            if score < phrase.floor or (best is not None and score <= best.similarity):
                continue
            exact = "".join(turn.text.tokens[first:]) == phrase.chars
            best = Hit(phrase, turn, first, len(keys), round(score, 1), exact)
    return best


def find_best(turn: Turn, phrases: Iterable[Phrase]) -> Hit | None:
    """The best hit of any of ``phrases`` in ``turn``: a certain one first, then the best-ranked.

    Pass a :class:`PhraseSet` (the lexicon's lists are) to use its index and cache."""
    best = None
    for hit in _as_set(phrases).hits(turn):
        if best is None or (hit.certain, hit.rank) > (best.certain, best.rank):
            best = hit
    return best


def find_in(turns: Iterable[Turn], phrases: Sequence[Phrase]) -> Hit | None:
    """The first turn's best hit: certain hits win over uncertain ones, earlier turns over later."""
    uncertain = None
    phrases = _as_set(phrases)
    for turn in turns:
        hit = find_best(turn, phrases)
        if hit is None:
            continue
        if hit.certain:
            return hit
        uncertain = uncertain or hit
    return uncertain


def find_keys(turn: Turn, keys_ids: str) -> Iterator[int]:
    """Every token index where the interned key string ``keys_ids`` starts (exact sounds)."""
    at = turn.text.ids.find(keys_ids)
    while at >= 0:
        yield at
        at = turn.text.ids.find(keys_ids, at + 1)
