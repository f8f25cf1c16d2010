"""Hearing the customer's name: the agent saying a surname with an honorific (王先生, 李女士; Mr.
Smith), and telling one surname heard twice from two (ASR spells surnames inconsistently, so they
are compared by pinyin keys: 李/理, 徐/其). A bare 先生/女士 is politeness, not a name."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from callreview.matching import (
    Turn,
    find_keys,
    initial_final,
    keys_of,
    softened,
    span_evidence,
    token_times,
)
from callreview.qc.lexicon import NameRules
from callreview.results import Evidence
from callreview.text import normalize, syllables


@dataclass(frozen=True)
class Mention:
    """The agent saying surname + honorific once."""

    turn: Turn
    first: int
    last: int
    surname: str
    """The surname as heard (王, 其, smith)."""
    key: str
    """Its pinyin key (or lowercase word): what is compared."""
    honorific: str
    weak: bool = False
    """Surname taken from the end of the previous segment, or before a misheard
    honorific (和你是 for 何女士): counts only toward a name known otherwise."""
    similarity: float = 100.0
    doubled: bool = False
    """The surname ends a word of its own character said twice, right before the honorific
    (谢谢小姐: 谢小姐 with the surname heard twice, or thanks and a bare 小姐): it counts only
    toward a name known otherwise to be that surname, and never names the customer."""
    addressed: bool = True
    """Said to the customer as far as the words tell: no ``reference_after`` word follows the
    honorific (看师傅的安排 speaks about someone). Only such mentions of another name make the item
    uncertain."""

    def evidence(self) -> Evidence:
        return span_evidence(
            self.turn,
            self.first,
            self.last,
            self.turn.text.span_text(self.first, self.last),
            self.similarity,
        )


def find_mentions(turn: Turn, rules: NameRules, previous: Turn | None = None) -> list[Mention]:
    """Every surname + honorific the turn holds (a bare 先生 is not one).

    The honorific must be the same characters or, for two syllables or more, the
    same unfolded pinyin (女是 for 女士, but not 尽力 for 经理 nor 钟 for 总).
    ASR sometimes cuts a segment between surname and honorific (…通知你吴 | 先生):
    a turn that starts with the honorific takes the surname from the end of
    ``previous`` (:func:`_before`) — a ``weak`` mention, counted only for a name known
    from elsewhere."""
    text = turn.text
    out: list[Mention] = []
    forms = [(h, h.text, "heard") for h in rules.honorifics]
    forms += [(form, honorific, "misheard") for honorific, form in rules.misheard_honorifics]
    if rules.honorific_initials:
        forms += [(h, h.text, "sounded") for h in rules.honorifics if len(h.keys) >= 2]
    for honorific, name, how in forms:
        n = len(honorific)
        misheard = how != "heard"
        places = (
            _sounded_at(turn, honorific, rules.honorific_initials)
            if how == "sounded"
            else _heard_at(turn, honorific)
        )
        for at in places:
            i = at - 1 if rules.honorific_position == "after" else at + n
            weak = False
            if 0 <= i < len(text.tokens):
                if text.clause[i] != text.clause[at]:
                    continue  # 「Thank you, miss. We …」: a surname is in the honorific's clause
                tokens, keys, j = text.tokens, text.keys, i
            elif i == -1 and previous is not None and previous.text.tokens:
                tokens, keys, j = (
                    previous.text.tokens,
                    previous.text.keys,
                    len(previous.text.tokens) - 1,
                )
                weak = True
            else:
                continue
            # 谢谢小姐: a surname inside a word of its own character said twice may be 谢小姐 heard
            # so
            hidden = _in_word(tokens, j, j + 1, 0, rules.not_name_words)
            doubled = hidden and j == i and _ends_doubled(tokens, j, rules.not_name_words)
            if hidden and not doubled:
                continue
            if not is_surname(tokens[j], keys[j], rules):
                if not _alike_surname(tokens[j], keys[j], rules):
                    continue
                weak = (
                    True  # 如先生 for 卢先生: counts toward a name known otherwise, never names one
                )
            same_turn = j == i
            if same_turn and _in_word(
                tokens,
                i,
                at,
                n,
                _undoubled(rules.not_name_words) if doubled else rules.not_name_words,
            ):
                continue
            if same_turn and _after_word(tokens, i, rules.third_party_before):
                continue  # 我们的张师傅: a colleague, not the customer
            first, last = (min(i, at), max(i + 1, at + n)) if same_turn else (at, at + n)
            if how == "sounded" and not _vocative(text, first, last):
                # the loosest form counts only where an address stands (您家里是 is no 贾女士)
                continue
            if any((m.turn, m.first, m.last) == (turn, first, last) for m in out):
                continue  # 你是: listed as misheard, and heard softened too
            heard = "".join(text.tokens[at : at + n]) if how == "sounded" else honorific.norm
            similarity = _sound_alike(heard, name) if misheard else 100.0
            if doubled:  # 谢谢小姐 against 谢小姐: how close what was heard is to the name
                similarity = min(
                    similarity,
                    _sound_alike(
                        tokens[j - 1] + tokens[j] + honorific.norm, tokens[j] + honorific.norm
                    ),
                )
            following = "".join(text.tokens[at + n : at + n + 2])
            addressed = not any(following.startswith(w) for w in rules.reference_after)
            out.append(
                Mention(
                    turn,
                    first,
                    last,
                    tokens[j],
                    keys[j],
                    name,
                    weak or misheard or doubled,
                    similarity,
                    doubled,
                    addressed,
                )
            )
    return out


def _vocative(text, first: int, last: int) -> bool:
    """Tokens ``first:last`` stand where a name is said to someone: they open their clause or close
    it (魏女士，请问… / …谢谢您的来电，魏女士再见)."""
    opens = first == 0 or text.clause[first - 1] != text.clause[first]
    closes = last == len(text.tokens) or text.clause[last] != text.clause[last - 1]
    return opens or closes


@lru_cache(maxsize=256)
def _sound_alike(heard: str, honorific: str) -> float:
    """How close a misheard honorific sounds to the real one (toneless pinyin, 0–100)."""
    return round(fuzz.ratio(" ".join(syllables(heard)), " ".join(syllables(honorific))), 1)


def bare_addresses(turns: list[Turn], rules: NameRules, asked) -> list[Evidence]:
    """The agent's bare honorifics (好的先生) after asking the name, one per turn."""
    _, after = token_times(asked.turn, asked.first, asked.last)
    out = []
    for turn in turns:
        if turn.start < after:
            continue
        for honorific in rules.honorifics:
            at = next(_heard_at(turn, honorific), None)
            if at is not None:
                start, end = token_times(turn, at, at + len(honorific))
                out.append(
                    Evidence(
                        turn.role,
                        start,
                        end,
                        turn.text.quote(at, at + len(honorific)),
                        honorific.text,
                        100.0,
                    )
                )
                break
    return out


def _heard_at(turn: Turn, honorific) -> Iterator[int]:
    """Every token index where ``honorific`` is heard in ``turn``."""
    n = len(honorific)
    return (
        at
        for at in find_keys(turn, honorific.ids)
        if _honorific_heard(turn.text.tokens[at : at + n], honorific)
    )


def _sounded_at(turn: Turn, honorific, initials: tuple[str, ...]) -> Iterator[int]:
    """Every token index where ``honorific`` is heard with its first syllable softened and the rest
    the same sounds, within one clause (女士 as 你是 / 亦是 / 米士:
    :func:`~callreview.matching.patterns.softened`)."""
    text, keys, n = turn.text, turn.text.keys, len(honorific.keys)
    first = syllables(honorific.norm)[0]  # unfolded: the keys spell 女 nü as nu
    for at in range(len(keys) - n + 1):
        if (
            keys[at + 1 : at + n] == honorific.keys[1:]
            and text.clause[at] == text.clause[at + n - 1]
        ):
            heard = syllables(text.tokens[at])
            if len(heard) == 1 and softened(heard[0], first, initials):
                yield at


def _honorific_heard(tokens: tuple[str, ...], honorific) -> bool:
    if "".join(tokens) == honorific.norm.replace(" ", ""):
        return True
    if len(honorific) < 2:
        return False
    return syllables("".join(tokens)) == syllables(honorific.norm)


def given_key(name: str, rules: NameRules) -> str | None:
    """The surname key of a name the caller gave: 王 / 王先生 / 王建国 / Mr. Smith / John Smith."""
    keys = list(keys_of(normalize(name))[1])
    hon = {h.keys for h in rules.honorifics}
    for h in sorted(hon, key=len, reverse=True):  # strip an honorific at either end
        if len(keys) > len(h) and tuple(keys[-len(h) :]) == h:
            keys = keys[: -len(h)]
        if len(keys) > len(h) and tuple(keys[: len(h)]) == h:
            keys = keys[len(h) :]
    if not keys:
        return None
    return keys[0] if rules.surname_part == "first" else keys[-1]


def is_surname(token: str, key: str, rules: NameRules) -> bool:
    if token in rules.not_surnames or not token.isalpha():
        return False
    if not rules.surnames:
        return True
    return token in rules.surnames or key in rules.surname_keys


def _alike_surname(token: str, key: str, rules: NameRules) -> bool:
    """Not a known surname, but one heard with an interchangeable initial (``surname_initials``: 如
    for 卢)."""
    if token in rules.not_surnames or not token.isalpha() or not rules.surname_initials:
        return False
    return any(same_surname(key, known, rules) for known in rules.surname_keys)


@lru_cache(maxsize=1024)
def _tokens(word: str) -> tuple[str, ...]:
    return keys_of(normalize(word))[0]


def _in_word(tokens: tuple[str, ...], i: int, at: int, n: int, words: tuple[str, ...]) -> bool:
    """The would-be name is part of an ordinary word (谢谢先生, 总是, 总部)."""
    lo, hi = min(i, at), max(i + 1, at + n)
    for word in words:
        w = _tokens(word)
        k = len(w)
        for start in range(max(0, lo - k + 1), min(hi, len(tokens) - k + 1)):
            if tokens[start : start + k] == w:
                return True
    return False


def _doubled(word: str) -> bool:
    """One character said twice or more (谢谢)."""
    w = _tokens(word)
    return len(w) >= 2 and len(set(w)) == 1


@lru_cache(maxsize=16)
def _undoubled(words: tuple[str, ...]) -> tuple[str, ...]:
    """``words`` without those of one character said twice (see :func:`_ends_doubled`)."""
    return tuple(w for w in words if not _doubled(w))


def _ends_doubled(tokens: tuple[str, ...], j: int, words: tuple[str, ...]) -> bool:
    """Token ``j`` ends one of ``words`` made of one character repeated (谢谢): a surname said
    twice over, as ASR hears 谢小姐 once in a while, is still that surname."""
    for word in words:
        w = _tokens(word)
        if _doubled(word) and tokens[max(0, j - len(w) + 1) : j + 1] == w:
            return True
    return False


def _after_word(tokens: tuple[str, ...], i: int, words: tuple[str, ...]) -> bool:
    """One of ``words`` ends right before token ``i`` (the surname)."""
    before = "".join(tokens[max(0, i - 4) : i])
    return any(before.endswith(w) for w in words)


def same_surname(a: str, b: str, rules: NameRules) -> bool:
    """One surname heard twice: the same key; a Latin surname spelled alike (Smith / Smyth); or the
    same final with initials the lexicon lets stand for each other (``surname_initials``: 卢 lu / 如
    ru)."""
    if a == b:
        return True
    if a.isascii() and b.isascii() and min(len(a), len(b)) >= 4:  # Latin surnames: Smith / Smyth
        return fuzz.ratio(a, b) >= 80
    if rules.surname_initials:
        (ia, fa), (ib, fb) = initial_final(a), initial_final(b)
        return (
            fa == fb
            and ia != ib
            and any(ia in group and ib in group for group in rules.surname_initials)
        )
    return False


def surname_alike(heard: str, key: str) -> float:
    """How close a surname counted as the name sounds to it (toneless pinyin keys, 0–100)."""
    return 100.0 if heard == key else round(float(fuzz.ratio(heard, key)), 1)
