"""How near is near enough (a lexicon's ``[match]`` table), and a phrase compiled against it.

Below both :mod:`~callreview.matching.turns` (a turn caches what a phrase found in it) and
:mod:`~callreview.matching.phrases` (a phrase is looked for in a turn).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from callreview.matching.keys import _intern, keys_of
from callreview.text import normalize


@dataclass(frozen=True)
class MatchRules:
    """How near is near enough; a lexicon's ``[match]`` table."""

    threshold: float = 88.0
    """Similarity a phrase longer than ``short_syllables`` keys needs."""
    short_syllables: int = 4
    short_threshold: float = 100.0
    """Similarity a short phrase needs: near-exact, one wrong character loses it."""
    review_margin: float = 5.0
    """Hits this many points under the threshold are uncertain: ``review``, not a guess."""
    sound_alike_min: int = 4
    """Phrases with fewer keys count a sound-alike (other characters) only as uncertain."""
    anchor_threshold: float = 90.0
    """The words of a pattern around its slot (欢迎致电{company}) must sound the same; those of 4+
    syllables may be this similar instead (one syllable misheard: 欢迎这电)."""
    name_threshold: float = 75.0
    """A configured company or agent name counts as heard when the words the greeting's shape
    took for it are this similar (天霖汽车 heard as 铁领气车 after 欢迎致电)."""
    grey_coverage: float = 0.8
    """A grey-zone hit (under the threshold) must hear at least this share of the phrase's keys, in
    order: a phrase with a syllable or two misheard, not scattered syllables of a long sentence
    that happen to score close (我页面上发 is not 我也没办法)."""
    question_endings: tuple[str, ...] = ()
    """Words that end a question (吗): with ？/? they make a sentence a question
    (:func:`~callreview.matching.phrases.is_question`)."""
    negators: tuple[str, ...] = ()
    """The negation of an A-not-A question (是不是, 方不方便, 有没有): X, a negator, X."""
    numerals: str = ""
    """Characters that write numbers besides 0-9 (零一二…幺): what a ``{slot:digits}`` takes."""

    def threshold_for(self, n_keys: int) -> float:
        return self.short_threshold if n_keys <= self.short_syllables else self.threshold


@dataclass(frozen=True, eq=False)
class Phrase:
    """A lexicon phrase, compiled once: its keys, interned ids and thresholds."""

    text: str
    """As written in the lexicon; what evidence reports as ``matched``."""
    norm: str
    keys: tuple[str, ...]
    ids: str
    idset: frozenset[str]
    threshold: float
    floor: float
    """Lowest similarity still kept (as uncertain): ``threshold - review_margin``."""
    min_shared: int
    """Distinct keys a turn must share with the phrase before windows are scored at all."""
    sound_alike_ok: bool
    min_grey_keys: int = 0
    """Keys a grey-zone window must share with the phrase in order (``grey_coverage`` of them)."""
    joined: str = ""
    """The keys space-joined: what rapidfuzz compares with a window."""
    chars: str = ""
    """The normalized characters without spaces: a hit with these is ``exact``."""

    def __len__(self) -> int:
        return len(self.keys)


def compile_phrase(
    text: str,
    rules: MatchRules = MatchRules(),
    threshold: float | None = None,
    margin: float | None = None,
    sound_alike: bool | None = None,
) -> Phrase:
    """Compile a lexicon phrase; ``threshold``/``margin`` override the rules' defaults for it.

    ``sound_alike=True`` trusts a same-sounding match whatever its length (names: ASR picks
    the characters of a name at random among homophones)."""
    norm = normalize(text)
    tokens, keys = keys_of(norm)
    if not keys:
        raise ValueError(f"phrase {text!r} has no words to match; write words the agent would say")
    limit = float(rules.threshold_for(len(keys)) if threshold is None else threshold)
    floor = min(limit, max(0.0, limit - (rules.review_margin if margin is None else margin)))
    ids = "".join(map(_intern, keys))
    idset = frozenset(ids)
    # Prefilter: a window scoring ≥ floor can differ in at most `bad` keys (each costs ≥ 2 of
    # the ratio's indel budget), so the turn shares at least len(idset) - bad of them; and at
    # least half of them (no fuzzy hit ≥ floor was seen sharing fewer).
    joined = " ".join(keys)
    bad = int((1 - floor / 100) * (2 * len(joined) + 4) / 2)
    return Phrase(
        text=text,
        norm=norm,
        keys=keys,
        ids=ids,
        idset=idset,
        threshold=limit,
        floor=floor,
        min_shared=max(1, len(idset) - bad, -(-len(idset) // 2)),
        sound_alike_ok=len(keys) >= rules.sound_alike_min if sound_alike is None else sound_alike,
        min_grey_keys=math.ceil(rules.grey_coverage * len(keys) - 1e-9),
        joined=joined,
        chars=norm.replace(" ", ""),
    )
