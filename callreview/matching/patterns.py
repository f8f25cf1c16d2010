"""Slot patterns (欢迎致电{company}), sentence shapes (还有 … 问题 … 吗), a softened salutation.

What the greeting, the closing question and the customer's name are found by when
the words vary: the words around a slot find the place and the slot's words are
taken; a shape's words must come in order inside one sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from callreview.matching.keys import _intern, keys_of
from callreview.matching.numbers import number_tokens
from callreview.matching.phrases import MatchRules, Phrase, _Heard, compile_phrase
from callreview.matching.turns import Turn, TurnText, span_evidence
from callreview.results import Evidence
from callreview.text import normalize

_SLOT = re.compile(r"\{(\w+)(?::(\w+))?\}")
SLOT_KINDS = ("digits",)
"""What a slot may be marked to take (``{agent:digits}``): ``digits``, a number only (a staff
number)."""


@dataclass(frozen=True, eq=False)
class Pattern:
    """A phrase with named slots, e.g. ``欢迎致电{company}``: literal pieces around what is
    taken."""

    text: str
    pieces: tuple[Phrase | str, ...]
    """Literal phrases and slot names, alternating (never two of a kind in a row)."""
    digits: frozenset[str] = frozenset()
    """Slots marked ``{name:digits}``: they take only number tokens (306, 三零六), so
    「306很高兴为您服务」 names the agent by staff number while 「天霖汽车很高兴为您服务」 does
    not."""
    numerals: str = ""
    """The lexicon's number characters (``[match].numerals``), besides 0-9."""

    @property
    def slots(self) -> tuple[str, ...]:
        return tuple(p for p in self.pieces if isinstance(p, str))

    @property
    def literals(self) -> tuple[Phrase, ...]:
        return tuple(p for p in self.pieces if isinstance(p, Phrase))


def compile_pattern(text: str, rules: MatchRules = MatchRules()) -> Pattern:
    """``我是{company}的{agent}`` → literals 我是, 的 and slots company, agent. Raises ValueError
    when malformed."""
    pieces: list[Phrase | str] = []
    pos = 0

    def literal_phrase(literal: str) -> Phrase:
        phrase = compile_phrase(literal, rules, threshold=100.0, margin=0.0)
        if len(phrase) >= 4 and rules.anchor_threshold < 100:
            phrase = compile_phrase(literal, rules, threshold=rules.anchor_threshold, margin=0.0)
        return phrase

    digits = set()
    for m in _SLOT.finditer(text):
        if m.group(2) is not None:
            if m.group(2) not in SLOT_KINDS:
                raise ValueError(
                    f"pattern {text!r}: unknown slot kind {{{m.group(1)}:{m.group(2)}}}; "
                    f"known: {', '.join(SLOT_KINDS)}"
                )
            digits.add(m.group(1))
        literal = text[pos : m.start()]
        if normalize(literal):
            pieces.append(literal_phrase(literal))
        if pieces and isinstance(pieces[-1], str):
            raise ValueError(f"pattern {text!r}: two slots need words between them")
        pieces.append(m.group(1))
        pos = m.end()
    if normalize(text[pos:]):
        pieces.append(literal_phrase(text[pos:]))
    if not any(isinstance(p, str) for p in pieces):
        raise ValueError(f"pattern {text!r} has no {{slot}}; mark where the name goes with one")
    if not any(isinstance(p, Phrase) for p in pieces):
        raise ValueError(f"pattern {text!r} has no words around its slot")
    return Pattern(text, tuple(pieces), frozenset(digits), rules.numerals)


@dataclass(frozen=True, eq=False)
class PatternHit:
    pattern: Pattern
    turn: Turn
    first: int
    last: int
    values: dict[str, str]
    """Slot name → the words taken, as heard."""
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Slot name → its tokens ``[first, last)``."""

    @property
    def similarity(self) -> float:
        return 100.0

    def evidence(self) -> Evidence:
        return span_evidence(self.turn, self.first, self.last, self.pattern.text, 100.0)


def find_literal(turn: Turn, literal: Phrase) -> tuple[int, ...]:
    """Every token index where a pattern's literal (see :func:`match_pattern`) is heard (cached per
    text)."""
    text = turn.text
    found = text._literals.get(literal)
    if found is None:
        found = text._literals[literal] = tuple(_literal_positions(text, literal, 0, len(text)))
    return found


def match_pattern(
    turn: Turn,
    pattern: Pattern,
    slot_max: dict[str, int],
    blocked: frozenset[int] | set[int] = frozenset(),
) -> PatternHit | None:
    """The first place ``pattern`` is heard in ``turn`` with every slot filled.

    Literals must sound the same (keys equal); a one-syllable literal must be the
    same character too (姓 is not 信). A slot takes 1..``slot_max[name]`` tokens
    within one clause and stops at any ``blocked`` token (words another greeting
    part already explains, such as 我是 after a company name).
    """
    text = turn.text
    pieces = pattern.pieces
    lead = 0 if isinstance(pieces[0], Phrase) else 1
    anchor = pieces[lead]
    assert isinstance(anchor, Phrase)
    for at in find_literal(turn, anchor):
        values: dict[str, tuple[int, int]] = {}
        first, cursor = at, at + len(anchor)
        if lead:  # a slot before the first literal: take words backwards
            head = pieces[0]
            assert isinstance(head, str)
            lo = _extend(text, at, -1, slot_max.get(head, 4), _stops(text, pattern, head, blocked))
            if lo == at:
                continue
            values[head] = (lo, at)
            first = lo
        ok = True
        i = lead + 1
        while i < len(pieces):
            slot = pieces[i]
            assert isinstance(slot, str)
            limit = slot_max.get(slot, 4)
            stops = _stops(text, pattern, slot, blocked)
            if i + 1 < len(
                pieces
            ):  # slot then literal: the literal must come within the slot's reach
                literal = pieces[i + 1]
                assert isinstance(literal, Phrase)
                end = _extend(text, cursor, +1, limit, stops)
                nxt = next(_literal_positions(text, literal, cursor + 1, end), -1)
                if nxt < 0 or text.clause[nxt] != text.clause[cursor]:
                    ok = False
                    break
                values[slot] = (cursor, nxt)
                cursor = nxt + len(literal)
                i += 2
            else:  # trailing slot: take words forwards
                end = _extend(text, cursor, +1, limit, stops)
                if end == cursor:
                    ok = False
                    break
                values[slot] = (cursor, end)
                cursor = end
                i += 1
        if ok:
            return PatternHit(
                pattern,
                turn,
                first,
                cursor,
                {k: text.span_text(a, b) for k, (a, b) in values.items()},
                values,
            )
    return None


def _literal_positions(text: TurnText, literal: Phrase, lo: int, hi: int) -> Iterator[int]:
    """Token indices in ``[lo, hi]`` where ``literal`` starts: the same sounds — or, for a literal
    of 4+ syllables, a same-length window at least ``anchor_threshold`` similar (欢迎这电 for
    欢迎致电). A one-syllable literal must be the same character (姓 is not 信)."""
    n = len(literal)
    found = False
    at = text.ids.find(literal.ids, lo, hi + n)
    while at >= 0:
        if n > 1 or text.tokens[at] == literal.norm:
            found = True
            yield at
        at = text.ids.find(literal.ids, at + 1, hi + n)
    if found or literal.threshold >= 100 or n > len(text):
        return
    windows = text.windows(n)
    joined = literal.joined
    for i in range(lo, min(hi, len(windows) - 1) + 1):
        if fuzz.ratio(joined, windows[i], score_cutoff=literal.threshold):
            yield i


def _stops(
    text: TurnText, pattern: Pattern, slot: str, blocked: frozenset[int] | set[int]
) -> frozenset[int] | set[int]:
    """Tokens a slot may not take: the blocked ones, and for a ``digits`` slot every token that is
    not a number."""
    if slot not in pattern.digits:
        return blocked
    numbers = number_tokens(text, pattern.numerals)
    return set(blocked) | {i for i in range(len(text.tokens)) if i not in numbers}


def _extend(
    text: TurnText, at: int, step: int, limit: int, blocked: frozenset[int] | set[int]
) -> int:
    """How far a slot reaches from ``at`` (exclusive bound going forward, inclusive start going
    back)."""
    n = len(text.tokens)
    if step > 0:
        if at >= n:
            return at
        end = at
        while (
            end < n
            and end - at < limit
            and end not in blocked
            and text.clause[end] == text.clause[at]
        ):
            end += 1
        return end
    lo = at
    while (
        lo > 0
        and at - lo < limit
        and (lo - 1) not in blocked
        and text.clause[lo - 1] == text.clause[at]
    ):
        lo -= 1
    return lo


# --- shapes: words in order with gaps -------------------------------------------------

_GAP = "…"


@dataclass(frozen=True, eq=False)
class Shape:
    """A sentence shape, e.g. ``还有 (其他|别的) … (问题|需要|业务|帮) … 吗``: words in this order
    within one sentence, each element one of its alternatives, ``…`` allowing up to ``gap`` tokens
    between two elements.

    How free wording is recognized (还有别的需要帮忙的吗, 其他还有问题吗) without listing every
    sentence."""

    text: str
    elements: tuple[tuple[tuple[str, str, int], ...], ...]
    """Per element its alternatives as ``(interned keys, characters, length)``."""
    gaps: tuple[int, ...]
    """Most tokens allowed before each element (the first's is unused)."""


def compile_shape(text: str, gap: int = 6) -> Shape:
    """``还有 (其他|别的) … 吗`` → a :class:`Shape`. Elements are space-separated; ``(a|b)`` are
    alternatives; ``…`` (or ``...``) between two elements allows up to ``gap`` tokens there. Raises
    ValueError when malformed."""
    elements: list[tuple[tuple[str, str, int], ...]] = []
    gaps: list[int] = []
    pending = 0
    for raw in text.replace("...", f" {_GAP} ").replace(_GAP, f" {_GAP} ").split():
        if raw == _GAP:
            if not elements:
                raise ValueError(f"shape {text!r} starts with …; begin with a word")
            pending = gap
            continue
        words = raw[1:-1].split("|") if raw.startswith("(") and raw.endswith(")") else [raw]
        alts = []
        for word in words:
            norm = normalize(word)
            tokens, keys = keys_of(norm)
            if not keys:
                raise ValueError(f"shape {text!r}: {word!r} has no words to match")
            alts.append(("".join(map(_intern, keys)), "".join(tokens), len(keys)))
        elements.append(tuple(alts))
        gaps.append(pending)
        pending = 0
    if pending:
        raise ValueError(f"shape {text!r} ends with …; end with a word")
    if len(elements) < 2:
        raise ValueError(f"shape {text!r} needs two words or more (a single word is a phrase)")
    return Shape(text, tuple(elements), tuple(gaps))


@dataclass(frozen=True, eq=False)
class ShapeHit:
    """Where a :class:`Shape` was heard: tokens ``[first, last)`` of ``turn``."""

    shape: Shape
    turn: Turn
    first: int
    last: int

    certain = True
    similarity = 100.0

    @property
    def heard(self) -> str:
        return self.turn.text.span_text(self.first, self.last)

    def evidence(self) -> Evidence:
        return span_evidence(self.turn, self.first, self.last, self.shape.text, 100.0)


def _element_at(text: TurnText, alts: tuple[tuple[str, str, int], ...], at: int) -> int:
    """Length of the first alternative heard at token ``at`` (same sounds; one syllable: the same
    character), else 0."""
    for ids, chars, n in alts:
        if text.ids.startswith(ids, at) and (n > 1 or text.tokens[at] == chars):
            return n
    return 0


def find_shape(turn: Turn, shapes: Sequence[Shape]) -> ShapeHit | None:
    """The first of ``shapes`` heard in ``turn`` (earliest place), all of its elements inside one
    sentence."""
    text = turn.text
    for shape in shapes:
        for at in range(len(text.tokens)):
            end = _shape_from(text, shape, 0, at, text.sentence[at])
            if end is not None:
                return ShapeHit(shape, turn, at, end)
    return None


def _shape_from(text: TurnText, shape: Shape, i: int, at: int, sentence: int) -> int | None:
    """End of ``shape.elements[i:]`` heard with element ``i`` starting exactly at ``at``; None if it
    cannot be."""
    if at >= len(text.tokens) or text.sentence[at] != sentence:
        return None
    n = _element_at(text, shape.elements[i], at)
    if not n:
        return None
    end = at + n
    if i + 1 == len(shape.elements):
        return end if text.sentence[end - 1] == sentence else None
    for nxt in range(end, min(len(text.tokens), end + shape.gaps[i + 1] + 1)):
        found = _shape_from(text, shape, i + 1, nxt, sentence)
        if found is not None:
            return found
    return None


# --- a salutation heard with its first syllable softened -------------------------------

_INITIALS = (
    "zh",
    "ch",
    "sh",
    "b",
    "p",
    "m",
    "f",
    "d",
    "t",
    "n",
    "l",
    "g",
    "k",
    "h",
    "j",
    "q",
    "x",
    "r",
    "z",
    "c",
    "s",
)


def initial_final(key: str) -> tuple[str, str]:
    """A pinyin key cut into initial and final, the y-/w- spellings read as the vowel they stand for
    (yin → "" + in, ye → "" + ie, wo → "" + uo); a key that is no pinyin (a Latin word) is all
    final."""
    if key.startswith("y"):
        rest = key[1:]
        return "", rest if rest.startswith("i") else (
            "v" + rest[1:] if rest.startswith("u") else "i" + rest
        )
    if key.startswith("w"):
        rest = key[1:]
        return "", rest if rest.startswith("u") else "u" + rest
    for initial in _INITIALS:
        if key.startswith(initial) and len(key) > len(initial):
            return initial, key[len(initial) :]
    return "", key


def softened(heard: str, key: str, initials: Sequence[str]) -> bool:
    """``heard`` is the syllable ``key`` with its initial softened: another syllable, both initials
    among ``initials`` (n, l, m or none), and the same vowel, ü counted as i (the two differ only by
    rounding, and many speakers merge them): 您 nin heard as 引 yin, 女 nü as 你 ni / 亦 yi / 米
    mi."""
    if heard == key:
        return False
    (hi, hf), (pi, pf) = initial_final(heard), initial_final(key)
    if hi not in initials or pi not in initials or not hf or not pf:
        return False
    vowel = lambda final: "i" if final[0] == "v" else final[0]  # noqa: E731
    return vowel(hf) == vowel(pf)


@dataclass(frozen=True, eq=False)
class SoundAlikeHit(_Heard):
    """A phrase heard by its sounds where a rule says it counts though the matcher alone would not
    be sure: a salutation opening the call with its first initial softened (引好 for 您好), a short
    farewell with the very same sounds ending the agent's last turn (在见 for 再见)."""

    phrase: Phrase
    turn: Turn
    first: int
    last: int
    similarity: float

    certain = True


def opening_sound_alike(
    turn: Turn, phrases: Sequence[Phrase], initials: Sequence[str]
) -> SoundAlikeHit | None:
    """One of ``phrases`` heard as the very first words of ``turn`` with only its first syllable
    off, and that one close: the same vowel, both initials among ``initials`` (n, l, m or none: 您
    heard as 引 / 也 on a real voice). Its similarity is that of the keys, y-/w- spellings read as
    vowels (in hao vs nin hao: 92)."""
    keys = turn.text.keys
    best = None
    for phrase in phrases:
        n = len(phrase.keys)
        if n < 2 or len(keys) < n or keys[1:n] != phrase.keys[1:] or keys[0] == phrase.keys[0]:
            continue
        if not softened(keys[0], phrase.keys[0], initials):
            continue
        spell = lambda ks: " ".join("".join(initial_final(k)) for k in ks)  # noqa: E731
        similarity = round(float(fuzz.ratio(spell(keys[:n]), spell(phrase.keys))), 1)
        if best is None or similarity > best.similarity:
            best = SoundAlikeHit(phrase, turn, 0, n, similarity)
    return best
