"""Building a :class:`Lexicon` from a parsed lexicon TOML: one builder per table, each refusing
a fault with one line naming the file and the key."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from callreview.matching import MatchRules, PhraseSet, compile_phrase, keys_of
from callreview.qc.lexicon.reader import LexiconReader
from callreview.qc.lexicon.schema import (
    ClosingPhrases,
    DeliveryPhrases,
    ForbiddenEntry,
    GreetingPhrases,
    HoldPhrases,
    HonorificPosition,
    Lexicon,
    NameRules,
    OutboundGreeting,
    Politeness,
    SurnamePart,
)
from callreview.text import normalize
from callreview.tomlfile import _kind

FORMAT_VERSION = 1
SLOTS = ("company", "agent", "customer", "surname")
HONORIFIC_POSITIONS: tuple[HonorificPosition, ...] = ("after", "before")
SURNAME_PARTS: tuple[SurnamePart, ...] = ("first", "last")

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
    "phrases",
    "forbidden",
)


def build(data: dict[str, Any], r: LexiconReader) -> Lexicon:
    """The compiled lexicon of parsed TOML ``data``, its tables checked in the file's order."""
    r.known(data, "top level", _TOP)
    language = r.text(data, "language", "top level")
    version = int(r.number(data, "version", "top level", 0, 0, 10**6, integer=True))
    if version != FORMAT_VERSION:
        raise r.fail(
            "version",
            f"lexicon format {version} is not the one this callreview reads ({FORMAT_VERSION}); "
            "see docs/lexicon-format.md",
        )
    revision = str(data.get("revision", ""))
    rules, slot_max = _rules(r.table(data, "match", "top level", required=False) or {}, r)
    greeting, outbound = _greeting(r.section(data, "greeting", "top level"), r, rules)
    hold = _hold(r.section(data, "hold", "top level"), r, rules)
    closing = _closing(r.section(data, "closing", "top level"), r, rules)
    names = _names(r.section(data, "names", "top level"), r, rules)
    politeness = _politeness(r.table(data, "politeness", "top level", required=False) or {}, r)
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
        phrase_sets=_phrase_sets(
            r.table(data, "phrases", "top level", required=False) or {}, r, rules
        ),
    )


def _phrase_sets(p: dict, r: LexiconReader, rules: MatchRules) -> dict[str, PhraseSet]:
    """``[phrases]``: named phrase sets (``callback_promise = ["给您回电", …]``), for a scorecard's
    custom items."""
    out = {}
    for name in p:
        if not re.match(r"^[a-z][a-z0-9_]*$", name):
            raise r.fail(f"[phrases].{name}", "a set's name is lowercase letters, digits and _")
        out[name] = PhraseSet(r.phrases(p, name, "[phrases]", rules))
    return out


def _greeting(
    g: dict, r: LexiconReader, rules: MatchRules
) -> tuple[GreetingPhrases, OutboundGreeting | None]:
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
    o = r.table(g, "outbound", where, required=False)
    if o is None:
        return greeting, None
    where = "[greeting.outbound]"
    r.known(o, where, ("suggestion", "confirm_identity", "agent_name", "ask_time"))
    outbound = OutboundGreeting(
        suggestion=r.text(o, "suggestion", where),
        confirm_identity=r.patterns(o, "confirm_identity", where, rules, ("customer",)),
        agent_name=r.patterns(o, "agent_name", where, rules, ("agent", "company")),
        ask_time=r.phrases(o, "ask_time", where, rules),
    )
    return greeting, outbound


def _hold(h: dict, r: LexiconReader, rules: MatchRules) -> HoldPhrases:
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
    return HoldPhrases(
        announce=r.phrases(h, "announce", where, rules),
        permission=r.phrases(h, "permission", where, rules),
        not_permission=r.phrases(h, "not_permission", where, rules, required=False),
        thanks=r.phrases(h, "thanks", where, rules),
        customer_pause=r.phrases(h, "customer_pause", where, rules, required=False),
        permission_suggestion=r.text(h, "permission_suggestion", where),
        thanks_suggestion=r.text(h, "thanks_suggestion", where),
    )


def _closing(c: dict, r: LexiconReader, rules: MatchRules) -> ClosingPhrases:
    where = "[closing]"
    r.known(c, where, ("suggestion", "question", "question_shape", "thanks", "farewell"))
    return ClosingPhrases(
        suggestion=r.text(c, "suggestion", where),
        question=r.phrases(c, "question", where, rules),
        thanks=r.phrases(c, "thanks", where, rules),
        farewell=r.phrases(c, "farewell", where, rules),
        question_shape=r.shapes(c, "question_shape", where),
    )


def _politeness(p: dict, r: LexiconReader) -> Politeness:
    r.known(p, "[politeness]", ("informal", "formal", "exceptions", "source"))
    return Politeness(
        informal=r.text(p, "informal", "[politeness]") if "informal" in p else None,
        formal=r.text(p, "formal", "[politeness]") if "formal" in p else None,
        exceptions=tuple(r.strings(p, "exceptions", "[politeness]", required=False)),
        source=r.text(p, "source", "[politeness]") if "source" in p else "",
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
            "'surnames' must be text (one character each) or a list of words, "
            f"not {_kind(surnames_raw)}",
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
        honorific_position=r.one_of(n, "honorific_position", where, HONORIFIC_POSITIONS, "after"),
        surname_part=r.one_of(n, "surname_part", where, SURNAME_PARTS, "first"),
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
            r.compiled(partial(compile_phrase, text, rules, threshold, margin), f"{where}.{kind}")
            for kind, text in [("phrase", phrase)]
            + [("variants", v) for v in r.strings(e, "variants", where, required=False)]
        )
        near = tuple(
            r.compiled(partial(compile_phrase, text, rules), f"{where}.near_misses")
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
