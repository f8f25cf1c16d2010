"""Find lexicon phrases in what was said, in a way that survives ASR errors: one import for checks.

Every checklist item asks these modules; pinyin and fuzzy rules improve there for all:

* :mod:`callreview.matching.keys` — pinyin keys (one folded toneless syllable per character),
  interned;
* :mod:`callreview.matching.rules` — how near is near enough, and a phrase compiled against it;
* :mod:`callreview.matching.turns` — a turn analysed once: tokens, keys, clauses, sentences, word
  times;
* :mod:`callreview.matching.phrases` — phrases looked for in a turn, their grey zone, indexed
  phrase sets;
* :mod:`callreview.matching.patterns` — slot patterns (欢迎致电{company}), sentence shapes, a
  softened salutation.

This module re-exports what the checks use, and every cache of the matching (so a bench can clear
them all by walking this module).
"""

from __future__ import annotations

from callreview.matching import index as _search_index  # noqa: F401  registers the indexer
from callreview.matching.keys import _run_keys, keys_of
from callreview.matching.patterns import (
    SLOT_KINDS,
    Pattern,
    PatternHit,
    Shape,
    ShapeHit,
    SoundAlikeHit,
    compile_pattern,
    compile_shape,
    find_literal,
    find_shape,
    initial_final,
    match_pattern,
    opening_sound_alike,
    softened,
)
from callreview.matching.phrases import (
    Hit,
    PhraseSet,
    _set_of,
    find,
    find_at_end,
    find_best,
    find_in,
    find_keys,
    is_question,
    similarity_within,
)
from callreview.matching.rules import MatchRules, Phrase, compile_phrase
from callreview.matching.turns import (
    Turn,
    TurnText,
    _clause_keys,
    analyze,
    span_evidence,
    token_times,
)
from callreview.text import fuzzy_syllable

__all__ = [
    "SLOT_KINDS",
    "Hit",
    "MatchRules",
    "Pattern",
    "PatternHit",
    "Phrase",
    "PhraseSet",
    "Shape",
    "ShapeHit",
    "SoundAlikeHit",
    "Turn",
    "TurnText",
    "analyze",
    "compile_pattern",
    "compile_phrase",
    "compile_shape",
    "find",
    "find_at_end",
    "find_best",
    "find_in",
    "find_keys",
    "find_literal",
    "find_shape",
    "initial_final",
    "is_question",
    "keys_of",
    "match_pattern",
    "opening_sound_alike",
    "similarity_within",
    "softened",
    "span_evidence",
    "token_times",
    "_clause_keys",
    "_run_keys",
    "_set_of",
    "fuzzy_syllable",
]
