"""The compiled lexicon: one frozen dataclass per table of the TOML, phrases already compiled."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from callreview.matching import MatchRules, Pattern, Phrase, PhraseSet, Shape

T = TypeVar("T")

HonorificPosition = Literal["after", "before"]
SurnamePart = Literal["first", "last"]


@dataclass(frozen=True)
class ForbiddenEntry:
    """One 服务忌语 with what to say instead."""

    phrase: str
    """The canonical forbidden phrase, reported as the hit's ``phrase``."""
    suggestion: str
    """The 服务用语 to say instead."""
    forms: tuple[Phrase, ...]
    """The phrase itself, then its variants: any of them is a hit of this entry."""
    near_misses: tuple[Phrase, ...] = ()
    """Polite phrases that sound close: they cancel a hit only where they match the same words at
    least as well."""
    not_in_questions: bool = False
    """A hit in a question (…吗？ / 是不是 / 方不方便) is the agent asking, not refusing
    (不知道这个号码是不是您在用？)."""
    not_after: tuple[str, ...] = ()
    """Words that, earlier in the hit's clause, make it no fault: 如果 / 要是 before 不行 plan, they
    do not refuse."""
    not_before: tuple[str, ...] = ()
    """Words right after the hit that make it no fault: 不行的话 is a condition."""


@dataclass(frozen=True)
class GreetingPhrases:
    suggestion: str
    salutation: tuple[Phrase, ...]
    company: tuple[Pattern, ...]
    agent_name: tuple[Pattern, ...]
    offer_help: tuple[Phrase, ...]
    bare_opening: tuple[str, ...]
    """Normalized openings that are a fault in themselves (喂…), matched at the very start of the
    agent's first turn."""
    salutation_initials: tuple[str, ...] = ()
    """Initials between which a salutation's first syllable may be misheard at the very start of
    the agent's first turn, the vowel kept (您好 heard as 引好 / 也好); empty: no such sound-alike
    counts."""


@dataclass(frozen=True)
class OutboundGreeting:
    suggestion: str
    confirm_identity: tuple[Pattern, ...]
    agent_name: tuple[Pattern, ...]
    ask_time: tuple[Phrase, ...]


@dataclass(frozen=True)
class HoldPhrases:
    announce: tuple[Phrase, ...]
    permission: tuple[Phrase, ...]
    not_permission: tuple[Phrase, ...]
    thanks: tuple[Phrase, ...]
    customer_pause: tuple[Phrase, ...]
    permission_suggestion: str
    thanks_suggestion: str


@dataclass(frozen=True)
class ClosingPhrases:
    suggestion: str
    question: tuple[Phrase, ...]
    thanks: tuple[Phrase, ...]
    farewell: tuple[Phrase, ...]
    question_shape: tuple[Shape, ...] = ()
    """Closing questions by their shape (还有 + 其他/别的 + 问题/需要/业务/帮 … 吗): free wordings
    count too."""


@dataclass(frozen=True)
class NameRules:
    """How customers are addressed by name in this language."""

    honorifics: tuple[Phrase, ...]
    honorific_position: HonorificPosition
    """``after``: 王先生 (surname, honorific); ``before``: Mr. Smith."""
    surname_part: SurnamePart
    """Which token of a full name given by the caller is the surname."""
    surnames: frozenset[str]
    """Known surnames (characters or lowercase words); empty: any word may be one."""
    surname_keys: frozenset[str]
    """Their pinyin keys: a sound-alike of a known surname counts too (ASR spells 徐 as 其)."""
    not_surnames: frozenset[str]
    not_name_words: tuple[str, ...]
    self_name: tuple[Pattern, ...]
    ask_name: tuple[Phrase, ...]
    third_party_before: tuple[str, ...] = ()
    """Words right before a surname + honorific that make it someone else (我们的张师傅,
    我同事李经理): not counted."""
    reference_after: tuple[str, ...] = ()
    """Words right after the honorific that make it a reference, not an address (看师傅的安排):
    such a mention of another name never makes the item uncertain."""
    name_example: str = ""
    """How a customer's name is said in this language, for advice (王先生 / 李女士; Mr. Smith /
    Ms. Jones)."""
    misheard_honorifics: tuple[tuple[str, Phrase], ...] = ()
    """(honorific, a form ASR hears it as): 女士 heard as 你是. A surname before one
    counts toward a name known otherwise, never to infer one."""
    surname_initials: tuple[frozenset[str], ...] = ()
    """Groups of pinyin initials a surname is heard with interchangeably (l/r: 卢 heard as 如): two
    surnames with the same final and initials in one group are counted as one name, with a
    similarity under 100 in the evidence."""
    honorific_initials: tuple[str, ...] = ()
    """Initials an honorific's first syllable is heard softened among (n, l, m, none): 女士 heard as
    你是 / 亦是 / 米士, the rest of it the same sounds, counts as a weak mention (see
    :func:`callreview.matching.patterns.softened`); empty: off."""


@dataclass(frozen=True)
class DeliveryPhrases:
    """Words and advice for the delivery metrics (how the agent spoke); an optional table."""

    backchannels: frozenset[tuple[str, ...]] = frozenset()
    """Key sequences of words that show listening (嗯, 对, 好的): said over the customer, no
    interruption."""
    backchannel_max: int = 0
    """Most keys of one back-channel."""
    rate_unit: str = "characters"
    """What speech rates count: ``characters`` (one per Chinese character or digit) or
    ``words``."""
    fast_suggestion: str | None = None
    """What to do instead of speaking too fast: 请放慢语速."""
    interruption_suggestion: str | None = None
    """What to do instead of interrupting: 请等客户说完再回应."""
    dead_air_suggestion: str | None = None
    talk_ratio_suggestion: str | None = None

    def is_backchannel(self, keys: tuple[str, ...]) -> bool:
        """Whether ``keys`` are nothing but back-channel words, one after another (嗯嗯，好的 /
        对对对)."""
        at = 0
        while at < len(keys):
            for size in range(min(self.backchannel_max, len(keys) - at), 0, -1):
                if keys[at : at + size] in self.backchannels:
                    at += size
                    break
            else:
                return False
        return True


@dataclass(frozen=True)
class Politeness:
    informal: str | None = None
    formal: str | None = None
    exceptions: tuple[str, ...] = ()
    source: str = ""
    """Where the rule comes from, shown with the count (000 客服礼仪规范)."""


@dataclass(frozen=True, eq=False)
class Lexicon:
    """Everything one language's checks look for, compiled."""

    language: str
    version: int
    revision: str
    source: str
    """The file it was read from."""
    rules: MatchRules
    slot_max: dict[str, int]
    greeting: GreetingPhrases
    outbound: OutboundGreeting | None
    hold: HoldPhrases
    closing: ClosingPhrases
    names: NameRules
    politeness: Politeness
    forbidden: tuple[ForbiddenEntry, ...]
    description: str = ""
    delivery: DeliveryPhrases = DeliveryPhrases()
    phrase_sets: dict[str, PhraseSet] = field(default_factory=dict)
    """The ``[phrases]`` table: named phrase sets a scorecard's custom items look for."""
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def cached(self, name: str, make: Callable[[], T]) -> T:
        """What ``make`` builds from this lexicon, built once and kept under ``name``."""
        found = self._cache.get(name)
        if found is None:
            found = self._cache[name] = make()
        return found

    def phrase_set(self, name: str, *groups: tuple[Phrase, ...]) -> PhraseSet:
        """``groups`` joined into one :class:`PhraseSet`, built once per lexicon under ``name``."""
        return self.cached(name, lambda: PhraseSet(p for group in groups for p in group))
