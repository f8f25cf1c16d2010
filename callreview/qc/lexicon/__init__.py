"""Load and validate a lexicon TOML into typed, pre-compiled phrase sets.

A lexicon holds every phrase the checks look for, per language (the code holds
none). ``load_lexicon("zh-CN")`` and ``load_lexicon("en-US")`` read the bundled
files in ``callreview/lexicons/``; any other value is a path. The format is
documented in ``docs/lexicon-format.md``.

Every phrase is compiled once here (keys, interned ids, thresholds), so checking
a call never re-reads or re-converts the lexicon. A malformed file is refused
with one :class:`~callreview.errors.LexiconError` line naming the file, the line
or key, what is wrong and how to fix it.

``schema`` holds the compiled types, ``reader`` the lexicon's kinds of value (phrases,
patterns, shapes), ``build`` one builder per table, ``load`` finding and reading the file.
"""

from callreview.qc.lexicon.build import FORMAT_VERSION, SLOTS
from callreview.qc.lexicon.load import BUNDLED_DIR, bundled_lexicons, load_lexicon, resolve_lexicon
from callreview.qc.lexicon.reader import LexiconReader
from callreview.qc.lexicon.schema import (
    ClosingPhrases,
    DeliveryPhrases,
    ForbiddenEntry,
    GreetingPhrases,
    HoldPhrases,
    Lexicon,
    NameRules,
    OutboundGreeting,
    Politeness,
)

__all__ = [
    "BUNDLED_DIR",
    "FORMAT_VERSION",
    "SLOTS",
    "ClosingPhrases",
    "DeliveryPhrases",
    "ForbiddenEntry",
    "GreetingPhrases",
    "HoldPhrases",
    "Lexicon",
    "LexiconReader",
    "NameRules",
    "OutboundGreeting",
    "Politeness",
    "bundled_lexicons",
    "load_lexicon",
    "resolve_lexicon",
]
