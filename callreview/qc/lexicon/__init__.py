"""The lexicon: every phrase the checks look for, per language, loaded from TOML and compiled."""

from callreview.qc.lexicon.build import (
    BUNDLED_DIR,
    FORMAT_VERSION,
    SLOTS,
    ClosingPhrases,
    DeliveryPhrases,
    ForbiddenEntry,
    GreetingPhrases,
    HoldPhrases,
    Lexicon,
    LexiconReader,
    NameRules,
    OutboundGreeting,
    Politeness,
    bundled_lexicons,
    load_lexicon,
    resolve_lexicon,
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
