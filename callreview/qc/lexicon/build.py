"""Load and validate a lexicon TOML into typed, pre-compiled phrase sets.

A lexicon holds every phrase the checks look for, per language (the code holds
none). ``load_lexicon("zh-CN")`` and ``load_lexicon("en-US")`` read the bundled
files in ``callreview/lexicons/``; any other value is a path. The format is
documented in ``docs/lexicon-format.md``.

Every phrase is compiled once here (keys, interned ids, thresholds), so checking
a call never re-reads or re-converts the lexicon. A malformed file is refused
with one :class:`~callreview.errors.LexiconError` line naming the file, the line
or key, what is wrong and how to fix it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from callreview.errors import LexiconError
from callreview.matching import (
    MatchRules,
    Pattern,
    Phrase,
    PhraseSet,
    Shape,
    compile_pattern,
    compile_phrase,
    compile_shape,
    keys_of,
)
from callreview.text import normalize
from callreview.tomlfile import TomlReader, _kind, read_toml

FORMAT_VERSION = 1
BUNDLED_DIR = Path(__file__).resolve().parents[2] / "lexicons"
SLOTS = ("company", "agent", "customer", "surname")
T = TypeVar("T")


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
    """Polite phrases that sound close: they cancel a hit only where they match the same words at least as well."""
    not_in_questions: bool = False
    """A hit in a question (…吗？ / 是不是 / 方不方便) is the agent asking, not refusing (不知道这个号码是不是您在用？)."""
    not_after: tuple[str, ...] = ()
    """Words that, earlier in the hit's clause, make it no fault: 如果 / 要是 before 不行 plan, they do not refuse."""
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
    """Normalized openings that are a fault in themselves (喂…), matched at the very start of the agent's first turn."""
    salutation_initials: tuple[str, ...] = ()
    """Initials between which a salutation's first syllable may be misheard at the very start of the agent's
    first turn, the vowel kept (您好 heard as 引好 / 也好); empty: no such sound-alike counts."""


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
    """Closing questions by their shape (还有 + 其他/别的 + 问题/需要/业务/帮 … 吗): free wordings count too."""


@dataclass(frozen=True)
class NameRules:
    """How customers are addressed by name in this language."""

    honorifics: tuple[Phrase, ...]
    honorific_position: Literal["after", "before"]
    """``after``: 王先生 (surname, honorific); ``before``: Mr. Smith."""
    surname_part: Literal["first", "last"]
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
    """Words right before a surname + honorific that make it someone else (我们的张师傅, 我同事李经理): not counted."""
    reference_after: tuple[str, ...] = ()
    """Words right after the honorific that make it a reference, not an address (看师傅的安排): such a
    mention of another name never makes the item uncertain."""
    name_example: str = ""
    """How a customer's name is said in this language, for advice (王先生 / 李女士; Mr. Smith / Ms. Jones)."""
    misheard_honorifics: tuple[tuple[str, Phrase], ...] = ()
    """(honorific, a form ASR hears it as): 女士 heard as 你是. A surname before one
    counts toward a name known otherwise, never to infer one."""
    surname_initials: tuple[frozenset[str], ...] = ()
    """Groups of pinyin initials a surname is heard with interchangeably (l/r: 卢 heard as 如): two
    surnames with the same final and initials in one group are counted as one name, with a similarity
    under 100 in the evidence."""
    honorific_initials: tuple[str, ...] = ()
    """Initials an honorific's first syllable is heard softened among (n, l, m, none): 女士 heard as
    你是 / 亦是 / 米士, the rest of it the same sounds, counts as a weak mention (see
    :func:`callreview.matching.patterns.softened`); empty: off."""


@dataclass(frozen=True)
class DeliveryPhrases:
    """Words and advice for the delivery metrics (how the agent spoke); an optional table."""

    backchannels: frozenset[tuple[str, ...]] = frozenset()
    """Key sequences of words that show listening (嗯, 对, 好的): said over the customer, no interruption."""
    backchannel_max: int = 0
    """Most keys of one back-channel."""
    rate_unit: str = "characters"
    """What speech rates count: ``characters`` (one per Chinese character or digit) or ``words``."""
    fast_suggestion: str | None = None
    """What to do instead of speaking too fast: 请放慢语速."""
    interruption_suggestion: str | None = None
    """What to do instead of interrupting: 请等客户说完再回应."""
    dead_air_suggestion: str | None = None
    talk_ratio_suggestion: str | None = None

    def is_backchannel(self, keys: tuple[str, ...]) -> bool:
        """Whether ``keys`` are nothing but back-channel words, one after another (嗯嗯，好的 / 对对对)."""
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


def bundled_lexicons() -> list[str]:
    """Names that :func:`load_lexicon` resolves without a path."""
    return sorted(p.stem for p in BUNDLED_DIR.glob("*.toml"))


def resolve_lexicon(path_or_name: str | Path) -> Path:
    text = str(path_or_name)
    if not text.endswith(".toml") and "/" not in text and "\\" not in text:
        bundled = BUNDLED_DIR / f"{text}.toml"
        if bundled.is_file():
            return bundled
        raise LexiconError(
            f"{text}: no bundled lexicon of that name; use one of {', '.join(bundled_lexicons())} or a path to a lexicon TOML"
        )
    return Path(path_or_name)


def load_lexicon(path_or_name: str | Path) -> Lexicon:
    """Read, validate and compile a lexicon: ``"zh-CN"``, ``"en-US"`` or a path to a TOML file."""
    path = resolve_lexicon(path_or_name)
    data = read_toml(path, LexiconError, "lexicon")
    return _build(data, LexiconReader(str(path), LexiconError))


class LexiconReader(TomlReader):
    """:class:`~callreview.tomlfile.TomlReader` plus the lexicon's own kinds of value: phrases, patterns, shapes."""

    def phrases(
        self, data: dict, key: str, where: str, rules: MatchRules, required: bool = True
    ) -> tuple[Phrase, ...]:
        """A list of phrases: each text, or a table {phrase = "…", threshold = 90, review_margin = 5}."""
        value = data.get(key)
        if value is None:
            if required:
                raise self.fail(where, f"missing '{key}'; add {key} = [\"…\"]")
            return PhraseSet()
        if not isinstance(value, list):
            raise self.fail(where, f"'{key}' must be a list of phrases, not {_kind(value)}")
        if required and not value:
            raise self.fail(
                where, f"'{key}' is empty; add at least one phrase, or the item can never pass"
            )
        out = []
        for i, item in enumerate(value):
            at = f"{where}.{key}[{i}]"
            if isinstance(item, dict):
                self.known(item, at, ("phrase", "threshold", "review_margin"))
                text = self.text(item, "phrase", at)
                threshold = (
                    self.number(item, "threshold", at, 0, 0, 100) if "threshold" in item else None
                )
                margin = (
                    self.number(item, "review_margin", at, 0, 0, 100)
                    if "review_margin" in item
                    else None
                )
                out.append(
                    self.compiled(lambda: compile_phrase(text, rules, threshold, margin), at)
                )
            elif isinstance(item, str) and normalize(item):
                if "{" in item:
                    raise self.fail(
                        at,
                        f"{item!r} has a {{slot}}, which only greeting patterns and names.self_name take",
                    )
                out.append(self.compiled(lambda: compile_phrase(item, rules), at))
            else:
                raise self.fail(at, f'must be a phrase (text or {{phrase = "…"}}), not {item!r}')
        return PhraseSet(out)

    def patterns(
        self,
        data: dict,
        key: str,
        where: str,
        rules: MatchRules,
        slots: tuple[str, ...],
        required: bool = True,
    ) -> tuple[Pattern, ...]:
        out = []
        for i, text in enumerate(self.strings(data, key, where, required)):
            at = f"{where}.{key}[{i}]"
            pattern = self.compiled(lambda: compile_pattern(text, rules), at)
            for slot in pattern.slots:
                if slot not in slots:
                    raise self.fail(
                        at,
                        f"unknown slot {{{slot}}} in {text!r}; this list takes {', '.join('{' + s + '}' for s in slots)}",
                    )
            if not set(pattern.slots) & set(slots[:1]):
                raise self.fail(at, f"{text!r} must take {{{slots[0]}}}")
            out.append(pattern)
        return tuple(out)

    def shapes(self, data: dict, key: str, where: str) -> tuple[Shape, ...]:
        """An optional list of sentence shapes (``还有 (其他|别的) … 吗``)."""
        return tuple(
            self.compiled(lambda t=text: compile_shape(t), f"{where}.{key}[{i}]")
            for i, text in enumerate(self.strings(data, key, where, required=False))
        )


# --- building the Lexicon ----------------------------------------------------------

_TOP = (
    "language",
    "version",
    "revision",
    "description",
    "match",
    "greeting",
    "hold",
    "closing",
    "names",
    "politeness",
    "delivery",
    "forbidden",
)


def _build(data: dict[str, Any], r: LexiconReader) -> Lexicon:
    r.known(data, "top level", _TOP)
    language = r.text(data, "language", "top level")
    version = r.number(data, "version", "top level", 0, 0, 10**6, integer=True)
    if version != FORMAT_VERSION:
        raise r.fail(
            "version",
            f"lexicon format {version} is not the one this callreview reads ({FORMAT_VERSION}); see docs/lexicon-format.md",
        )
    revision = str(data.get("revision", ""))
    rules, slot_max = _rules(r.table(data, "match", "top level", required=False) or {}, r)

    g = r.table(data, "greeting", "top level")
    where = "[greeting]"
    r.known(
        g,
        where,
        (
            "suggestion",
            "salutation",
            "salutation_initials",
            "company",
            "agent_name",
            "offer_help",
            "bare_opening",
            "outbound",
        ),
    )
    greeting = GreetingPhrases(
        suggestion=r.text(g, "suggestion", where),
        salutation=r.phrases(g, "salutation", where, rules),
        company=r.patterns(g, "company", where, rules, ("company",)),
        agent_name=r.patterns(g, "agent_name", where, rules, ("agent", "company")),
        offer_help=r.phrases(g, "offer_help", where, rules),
        bare_opening=tuple(
            normalize(s) for s in r.strings(g, "bare_opening", where, required=False)
        ),
        salutation_initials=_initials(g, r, where),
    )
    outbound = None
    o = r.table(g, "outbound", where, required=False)
    if o is not None:
        where = "[greeting.outbound]"
        r.known(o, where, ("suggestion", "confirm_identity", "agent_name", "ask_time"))
        outbound = OutboundGreeting(
            suggestion=r.text(o, "suggestion", where),
            confirm_identity=r.patterns(o, "confirm_identity", where, rules, ("customer",)),
            agent_name=r.patterns(o, "agent_name", where, rules, ("agent", "company")),
            ask_time=r.phrases(o, "ask_time", where, rules),
        )

    h = r.table(data, "hold", "top level")
    where = "[hold]"
    r.known(
        h,
        where,
        (
            "announce",
            "permission",
            "not_permission",
            "thanks",
            "customer_pause",
            "permission_suggestion",
            "thanks_suggestion",
        ),
    )
    hold = HoldPhrases(
        announce=r.phrases(h, "announce", where, rules),
        permission=r.phrases(h, "permission", where, rules),
        not_permission=r.phrases(h, "not_permission", where, rules, required=False),
        thanks=r.phrases(h, "thanks", where, rules),
        customer_pause=r.phrases(h, "customer_pause", where, rules, required=False),
        permission_suggestion=r.text(h, "permission_suggestion", where),
        thanks_suggestion=r.text(h, "thanks_suggestion", where),
    )

    c = r.table(data, "closing", "top level")
    where = "[closing]"
    r.known(c, where, ("suggestion", "question", "question_shape", "thanks", "farewell"))
    closing = ClosingPhrases(
        suggestion=r.text(c, "suggestion", where),
        question=r.phrases(c, "question", where, rules),
        thanks=r.phrases(c, "thanks", where, rules),
        farewell=r.phrases(c, "farewell", where, rules),
        question_shape=r.shapes(c, "question_shape", where),
    )

    names = _names(r.table(data, "names", "top level"), r, rules)
    p = r.table(data, "politeness", "top level", required=False) or {}
    r.known(p, "[politeness]", ("informal", "formal", "exceptions", "source"))
    politeness = Politeness(
        informal=r.text(p, "informal", "[politeness]") if "informal" in p else None,
        formal=r.text(p, "formal", "[politeness]") if "formal" in p else None,
        exceptions=tuple(r.strings(p, "exceptions", "[politeness]", required=False)),
        source=r.text(p, "source", "[politeness]") if "source" in p else "",
    )
    return Lexicon(
        language=language,
        version=version,
        revision=revision,
        source=r.source,
        rules=rules,
        slot_max=slot_max,
        greeting=greeting,
        outbound=outbound,
        hold=hold,
        closing=closing,
        names=names,
        politeness=politeness,
        forbidden=_forbidden(data.get("forbidden"), r, rules),
        description=str(data.get("description", "")),
        delivery=_delivery(r.table(data, "delivery", "top level", required=False) or {}, r),
    )


def _initials(
    g: dict, r: LexiconReader, where: str, key: str = "salutation_initials"
) -> tuple[str, ...]:
    value = g.get(key, [])
    if not isinstance(value, list) or not all(
        isinstance(v, str) and (v == "" or (v.isascii() and v.isalpha() and v.islower()))
        for v in value
    ):
        raise r.fail(
            where,
            f'\'{key}\' must be a list of pinyin initials like ["n", "l", ""], not {_kind(value)}',
        )
    return tuple(value)


def _delivery(d: dict, r: LexiconReader) -> DeliveryPhrases:
    where = "[delivery]"
    keys = (
        "backchannels",
        "rate_unit",
        "fast_suggestion",
        "interruption_suggestion",
        "dead_air_suggestion",
        "talk_ratio_suggestion",
    )
    r.known(d, where, keys)
    backchannels = frozenset(
        keys_of(normalize(text))[1] for text in r.strings(d, "backchannels", where, required=False)
    )
    return DeliveryPhrases(
        backchannels=backchannels,
        backchannel_max=max(map(len, backchannels), default=0),
        rate_unit=r.choice(d, "rate_unit", where, ("characters", "words"), "characters"),
        **{key: r.text(d, key, where) if key in d else None for key in keys[2:]},
    )


def _rules(m: dict, r: LexiconReader) -> tuple[MatchRules, dict[str, int]]:
    where = "[match]"
    r.known(
        m,
        where,
        (
            "threshold",
            "short_syllables",
            "short_threshold",
            "review_margin",
            "sound_alike_min",
            "anchor_threshold",
            "name_threshold",
            "grey_coverage",
            "question_endings",
            "negators",
            "numerals",
            "slot_max",
        ),
    )
    d = MatchRules()
    rules = MatchRules(
        threshold=r.number(m, "threshold", where, d.threshold, 0, 100),
        short_syllables=int(
            r.number(m, "short_syllables", where, d.short_syllables, 0, 100, integer=True)
        ),
        short_threshold=r.number(m, "short_threshold", where, d.short_threshold, 0, 100),
        review_margin=r.number(m, "review_margin", where, d.review_margin, 0, 100),
        sound_alike_min=int(
            r.number(m, "sound_alike_min", where, d.sound_alike_min, 0, 100, integer=True)
        ),
        anchor_threshold=r.number(m, "anchor_threshold", where, d.anchor_threshold, 0, 100),
        name_threshold=r.number(m, "name_threshold", where, d.name_threshold, 0, 100),
        grey_coverage=r.number(m, "grey_coverage", where, d.grey_coverage, 0, 1),
        question_endings=tuple(
            normalize(w) for w in r.strings(m, "question_endings", where, required=False)
        ),
        negators=tuple(normalize(w) for w in r.strings(m, "negators", where, required=False)),
        numerals=r.text(m, "numerals", where) if "numerals" in m else "",
    )
    slot_max = {"company": 12, "agent": 4, "customer": 5, "surname": 1}
    given = m.get("slot_max", {})
    if not isinstance(given, dict):
        raise r.fail(
            where, f"'slot_max' must be a table like {{ company = 12 }}, not {_kind(given)}"
        )
    r.known(given, f"{where}.slot_max", SLOTS)
    for slot in given:
        slot_max[slot] = int(r.number(given, slot, f"{where}.slot_max", 1, 1, 50, integer=True))
    return rules, slot_max


def _names(n: dict, r: LexiconReader, rules: MatchRules) -> NameRules:
    where = "[names]"
    r.known(
        n,
        where,
        (
            "honorific_position",
            "surname_part",
            "honorifics",
            "surnames",
            "not_surnames",
            "not_name_words",
            "self_name",
            "ask_name",
            "misheard_honorifics",
            "third_party_before",
            "reference_after",
            "name_example",
            "surname_initials",
            "honorific_initials",
        ),
    )
    surnames_raw = n.get("surnames", "")
    if isinstance(surnames_raw, list):
        surnames = frozenset(normalize(s) for s in r.strings(n, "surnames", where))
    elif isinstance(surnames_raw, str):
        surnames = frozenset(c for c in normalize(surnames_raw) if not c.isspace())
    else:
        raise r.fail(
            where,
            f"'surnames' must be text (one character each) or a list of words, not {_kind(surnames_raw)}",
        )
    keys: set[str] = set()
    for s in surnames:
        _, ks = keys_of(s)
        keys.update(ks[:1])
    not_raw = n.get("not_surnames", "")
    if isinstance(not_raw, list):
        not_surnames = frozenset(normalize(s) for s in r.strings(n, "not_surnames", where))
    elif isinstance(not_raw, str):
        not_surnames = frozenset(c for c in normalize(not_raw) if not c.isspace())
    else:
        raise r.fail(where, f"'not_surnames' must be text or a list of words, not {_kind(not_raw)}")
    honorifics = r.phrases(n, "honorifics", where, rules)
    misheard = r.table(n, "misheard_honorifics", where, required=False) or {}
    for honorific in misheard:
        if honorific not in {h.text for h in honorifics}:
            raise r.fail(
                f"{where}.misheard_honorifics",
                f"'{honorific}' is not one of the honorifics; list it in honorifics first",
            )
    return NameRules(
        honorifics=honorifics,
        honorific_position=r.choice(n, "honorific_position", where, ("after", "before"), "after"),  # type: ignore[arg-type]
        surname_part=r.choice(n, "surname_part", where, ("first", "last"), "first"),  # type: ignore[arg-type]
        surnames=surnames,
        surname_keys=frozenset(keys),
        not_surnames=not_surnames,
        not_name_words=tuple(
            normalize(w) for w in r.strings(n, "not_name_words", where, required=False)
        ),
        third_party_before=tuple(
            normalize(w).replace(" ", "")
            for w in r.strings(n, "third_party_before", where, required=False)
        ),
        name_example=r.text(n, "name_example", where) if "name_example" in n else "",
        reference_after=tuple(
            normalize(w).replace(" ", "")
            for w in r.strings(n, "reference_after", where, required=False)
        ),
        self_name=r.patterns(n, "self_name", where, rules, ("surname",), required=False),
        ask_name=r.phrases(n, "ask_name", where, rules, required=False),
        misheard_honorifics=tuple(
            (honorific, form)
            for honorific in misheard
            for form in r.phrases(misheard, honorific, f"{where}.misheard_honorifics", rules)
        ),
        surname_initials=tuple(
            _initial_group(g, f"{where}.surname_initials", r)
            for g in r.strings(n, "surname_initials", where, required=False)
        ),
        honorific_initials=_initials(n, r, where, "honorific_initials"),
    )


def _initial_group(text: str, where: str, r: LexiconReader) -> frozenset[str]:
    group = frozenset(p.strip() for p in text.split("="))
    if len(group) < 2 or not all(p.isalpha() and p.isascii() for p in group):
        raise r.fail(where, f"'{text}' is not a group of pinyin initials such as \"l=r\"")
    return group


def _forbidden(entries: Any, r: LexiconReader, rules: MatchRules) -> tuple[ForbiddenEntry, ...]:
    if not entries:
        raise r.fail("top level", "no [[forbidden]] entries; add at least one (phrase, suggestion)")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise r.fail("forbidden", "must be [[forbidden]] tables, each with phrase and suggestion")
    out = []
    seen: dict[str, int] = {}
    for i, e in enumerate(entries, 1):
        label = e.get("phrase")
        where = f"[[forbidden]] entry {i}" + (f" ({label!r})" if isinstance(label, str) else "")
        r.known(
            e,
            where,
            (
                "phrase",
                "suggestion",
                "variants",
                "near_misses",
                "not_in_questions",
                "not_after",
                "not_before",
                "threshold",
                "review_margin",
            ),
        )
        phrase = r.text(e, "phrase", where)
        if phrase in seen:
            raise r.fail(where, f"same phrase as entry {seen[phrase]}; merge them (use variants)")
        seen[phrase] = i
        suggestion = r.text(e, "suggestion", where)
        threshold = r.number(e, "threshold", where, 0, 0, 100) if "threshold" in e else None
        margin = r.number(e, "review_margin", where, 0, 0, 100) if "review_margin" in e else None
        forms = tuple(
            r.compiled(
                lambda t=text: compile_phrase(t, rules, threshold, margin), f"{where}.{kind}"
            )
            for kind, text in [("phrase", phrase)]
            + [("variants", v) for v in r.strings(e, "variants", where, required=False)]
        )
        near = tuple(
            r.compiled(lambda t=text: compile_phrase(t, rules), f"{where}.near_misses")
            for text in r.strings(e, "near_misses", where, required=False)
        )
        asking = e.get("not_in_questions", False)
        if not isinstance(asking, bool):
            raise r.fail(where, f"'not_in_questions' must be true or false, not {_kind(asking)}")
        out.append(
            ForbiddenEntry(
                phrase,
                suggestion,
                forms,
                near,
                asking,
                tuple(
                    normalize(w).replace(" ", "")
                    for w in r.strings(e, "not_after", where, required=False)
                ),
                tuple(
                    normalize(w).replace(" ", "")
                    for w in r.strings(e, "not_before", where, required=False)
                ),
            )
        )
    return tuple(out)
