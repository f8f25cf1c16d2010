"""Find lexicon phrases in what was said, in a way that survives ASR errors.

Every checklist item asks this module; pinyin and fuzzy rules improve here for all.

How a phrase is looked for in a turn (docs/lexicon-format.md has the user's view):

1. Both are cut into **keys**: one toneless pinyin syllable per Chinese character,
   with the initials and finals ASR confuses folded (zh/z, ch/c, sh/s, -ng/-n);
   one lowercase word per Latin word. 贵心 and 贵姓 get the same keys.
2. **Same keys** anywhere in the turn: similarity 100 (``exact`` too when the
   characters are also the same).
3. Otherwise the phrase's keys (n of them) are scored against every window of
   n−1, n and n+1 **whole** keys of the turn with rapidfuzz's ``ratio`` on the
   space-joined keys. Windows never cut a syllable, so 等一下 cannot match 问一下
   on a shared ``en yi xia``.
4. At or over the phrase's ``threshold`` the hit is ``certain``; within the
   lexicon's ``review_margin`` below it the hit is kept as uncertain (grey zone:
   the check answers ``review``). A phrase shorter than ``sound_alike_min``
   keys heard only as a sound-alike (different characters) is uncertain too:
   three syllables are too few to trust 我也急 in 我也及时.

Turns are analysed once per distinct text (cached) and phrases once per lexicon,
so a check only does set intersections, ``str.find`` and a few rapidfuzz calls.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Iterator, Sequence

from callreview.results import Evidence
from callreview.text import fuzzy_syllable, normalize, syllables
from callreview.transcript import Segment

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(f"([{_CJK}]+)|([^\\s{_CJK}]+)")
# Sentence ends (quotes are whole sentences) and clause ends (slots never cross one).
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;…\n])|(?<=\.)(?=\s)")
_CLAUSE_END = re.compile(r"(?<=[，、：,:])")
_ABBREVIATION = re.compile(r"\b(?:mr|mrs|ms|dr|st|no)\.$", re.IGNORECASE)


# --- keys --------------------------------------------------------------------------


class _Interner:
    """One private character per distinct key, so key sequences are strings (C-speed find/ratio)."""

    def __init__(self) -> None:
        self._ids: dict[str, str] = {}

    def __call__(self, key: str) -> str:
        found = self._ids.get(key)
        if found is None:
            found = self._ids[key] = chr(0xF0000 + len(self._ids)) if len(self._ids) < 0xFFFD else chr(0x100000 + len(self._ids) - 0xFFFD)
        return found


_intern = _Interner()


@lru_cache(maxsize=1)
def _pinyin_tables():
    """pypinyin's own dictionaries and segmenter: what :func:`callreview.text.syllables` uses, minus its slow styling."""
    try:
        from pypinyin.constants import PHRASES_DICT, PINYIN_DICT
        from pypinyin.seg.mmseg import seg
    except ImportError:  # pragma: no cover - a pypinyin without these internals: the slow, public path
        return None
    return PINYIN_DICT, PHRASES_DICT, seg


@lru_cache(maxsize=65536)
def _toneless(reading: str) -> str:
    import unicodedata

    plain = "".join(c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c))
    return plain.replace("ü", "v").lower()


@lru_cache(maxsize=65536)
def _word_keys(word: str) -> tuple[str, ...]:
    pinyin, phrases, _ = _pinyin_tables()
    readings = phrases.get(word)
    if readings and len(readings) == len(word):
        return tuple(fuzzy_syllable(_toneless(r[0])) for r in readings)
    out = []
    for char in word:
        reading = pinyin.get(ord(char))
        out.append(fuzzy_syllable(_toneless(reading.split(",")[0])) if reading else char)
    return tuple(out)


@lru_cache(maxsize=65536)
def _run_keys(run: str) -> tuple[str, ...]:
    """Fuzzy toneless pinyin of a run of Chinese characters, one key per character."""
    tables = _pinyin_tables()
    if tables is not None:
        keys: list[str] = []
        for word in tables[2].cut(run):
            keys.extend(_word_keys(word))
        if len(keys) == len(run):
            return tuple(keys)
    keys = [fuzzy_syllable(s) for s in syllables(run)]
    if len(keys) != len(run):  # never seen; keep one key per character whatever happens
        keys = [fuzzy_syllable((syllables(c) or [c])[0]) for c in run]
    return tuple(keys)


def keys_of(norm: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(tokens, keys)`` of normalized text: a token per Chinese character or Latin word, and its key."""
    tokens: list[str] = []
    keys: list[str] = []
    for match in _RUNS.finditer(norm):
        run, word = match.groups()
        if run:
            tokens.extend(run)
            keys.extend(_run_keys(run))
        else:
            tokens.append(word)
            keys.append(word)
    return tuple(tokens), tuple(keys)


# --- turns -------------------------------------------------------------------------


@dataclass(eq=False)
class TurnText:
    """A segment's text cut into tokens and keys, with the sentence and clause of each token."""

    tokens: tuple[str, ...]
    keys: tuple[str, ...]
    ids: str
    """One interned character per key: phrases are found with ``str.find`` on it."""
    idset: frozenset[str]
    clause: tuple[int, ...]
    """Clause number of each token (slots of a pattern never cross a clause)."""
    sentence: tuple[int, ...]
    """Sentence number of each token."""
    sentences: tuple[str, ...]
    """Each sentence as heard, punctuation kept: what evidence quotes."""
    _windows: dict[int, list[str]] = field(default_factory=dict, repr=False)
    _around: dict[int, tuple[list[str], list[tuple[int, int]]]] = field(default_factory=dict, repr=False)
    _found: dict["PhraseSet", tuple] = field(default_factory=dict, repr=False)
    """What each phrase set found here, as plain tuples (the same text is the same answer)."""
    _literals: dict["Phrase", tuple[int, ...]] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.keys)

    def windows(self, size: int) -> list[str]:
        """Every run of ``size`` whole keys, space-joined (computed once per size)."""
        found = self._windows.get(size)
        if found is None:
            keys = self.keys
            found = self._windows[size] = [" ".join(keys[i : i + size]) for i in range(len(keys) - size + 1)]
        return found

    def around(self, n: int) -> tuple[list[str], list[tuple[int, int]]]:
        """The windows of n, n−1 and n+1 keys in one list (n first: it wins ties), with their ``(first, size)``."""
        found = self._around.get(n)
        if found is None:
            strings: list[str] = []
            places: list[tuple[int, int]] = []
            for size in (n, n - 1, n + 1):
                if 1 <= size <= len(self.keys):
                    windows = self.windows(size)
                    strings += windows
                    places += [(i, size) for i in range(len(windows))]
            found = self._around[n] = (strings, places)
        return found

    def span_text(self, first: int, last: int) -> str:
        """The tokens ``[first, last)`` as text (Latin words spaced)."""
        return _join(self.tokens[first:last])

    def quote(self, first: int, last: int, limit: int = 60) -> str:
        """The sentence(s) holding tokens ``[first, last)``, shortened around them when long."""
        if not self.tokens:
            return ""
        first = min(max(first, 0), len(self.tokens) - 1)
        last = min(max(last, first + 1), len(self.tokens))
        text = "".join(self.sentences[self.sentence[first] : self.sentence[last - 1] + 1]).strip()
        if len(text) <= limit:
            return text
        inner = self.span_text(first, last)
        at = text.find(inner) if inner else -1
        if at < 0:
            return text[:limit] + "…"
        lo = max(0, at - (limit - len(inner)) // 2)
        hi = min(len(text), lo + max(limit, len(inner)))
        return ("…" if lo else "") + text[lo:hi] + ("…" if hi < len(text) else "")


def _join(tokens: Sequence[str]) -> str:
    out = ""
    for tok in tokens:
        if out and tok.isascii() and out[-1].isascii():
            out += " "
        out += tok
    return out


def _sentences(text: str) -> list[str]:
    parts: list[str] = []
    for piece in _SENTENCE_END.split(text):
        if parts and _ABBREVIATION.search(parts[-1]):  # "Mr. Smith" stays one sentence
            parts[-1] += piece
        elif piece:
            parts.append(piece)
    return parts


@lru_cache(maxsize=8192)
def _clause_keys(clause: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return keys_of(normalize(clause))


@lru_cache(maxsize=16384)
def analyze(text: str) -> TurnText:
    """Cut a segment's text into tokens and keys (cached per distinct text: scripted turns repeat)."""
    tokens: list[str] = []
    keys: list[str] = []
    clause: list[int] = []
    sentence: list[int] = []
    sentences = _sentences(text)
    n_clause = 0
    for s_index, sent in enumerate(sentences):
        for piece in _CLAUSE_END.split(sent):
            toks, ks = _clause_keys(piece)
            tokens.extend(toks)
            keys.extend(ks)
            clause.extend([n_clause] * len(toks))
            sentence.extend([s_index] * len(toks))
            n_clause += 1
    ids = "".join(map(_intern, keys))
    return TurnText(tuple(tokens), tuple(keys), ids, frozenset(ids), tuple(clause), tuple(sentence), tuple(sentences))


@dataclass(eq=False)
class Turn:
    """One segment of the call being checked, with its analysed text."""

    segment: Segment
    index: int
    """Position in ``Transcript.segments``."""

    def __post_init__(self) -> None:
        self.text = analyze(self.segment.text)
        self._spans: tuple[tuple[float, float], ...] | None | bool = False

    def token_spans(self) -> tuple[tuple[float, float], ...] | None:
        """Start and end of each token from the word timings, when they line up with the text."""
        if self._spans is False:
            self._spans = _word_token_spans(self.segment.words, len(self.text.tokens))
        return self._spans  # type: ignore[return-value]

    @property
    def role(self) -> str:
        return self.segment.role

    @property
    def start(self) -> float:
        return self.segment.start

    @property
    def end(self) -> float:
        return self.segment.end


# --- phrases -----------------------------------------------------------------------


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
    """Words that end a question (吗): with ？/? they make a sentence a question (:func:`is_question`)."""
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
    text: str, rules: MatchRules = MatchRules(), threshold: float | None = None, margin: float | None = None, sound_alike: bool | None = None
) -> Phrase:
    """Compile a lexicon phrase; ``threshold``/``margin`` override the rules' defaults for this phrase.

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
    # least half of them — measured: over ~3,900 fuzzy hits ≥ floor (bench corpus, the sample
    # calls through Whisper base, the homophone cases) none shared fewer than 62 %.
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


@dataclass(frozen=True, eq=False)
class Hit:
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
        return self.similarity >= self.phrase.threshold and (self.exact or self.phrase.sound_alike_ok)

    @property
    def rank(self) -> tuple[float, bool]:
        """Better match first: similarity, then the same characters over a sound-alike."""
        return (self.similarity, self.exact)

    def overlaps(self, other: "Hit") -> bool:
        return self.turn is other.turn and self.first < other.last and other.first < self.last

    @property
    def heard(self) -> str:
        return self.turn.text.span_text(self.first, self.last)

    def evidence(self) -> Evidence:
        start, end = token_times(self.turn, self.first, self.last)
        return Evidence(self.turn.role, start, end, self.turn.text.quote(self.first, self.last), self.phrase.text, self.similarity)


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
    from rapidfuzz import fuzz, process

    strings, places = text.around(n)
    found = process.extractOne(phrase.joined, strings, scorer=fuzz.ratio, score_cutoff=phrase.floor)
    if found is None:
        return None
    if found[1] < phrase.threshold and phrase.min_grey_keys:
        # Grey zone: the best window that hears enough of the phrase's keys in order (most windows
        # scoring this close are whole syllables scattered through a long sentence).
        found = next(
            (f for f in process.extract(phrase.joined, strings, scorer=fuzz.ratio, score_cutoff=phrase.floor, limit=None) if _in_order(phrase.ids, text.ids, *places[f[2]]) >= phrase.min_grey_keys),
            None,
        )
        if found is None:
            return None
    first, size = places[found[2]]
    return (first, first + size, float(found[1]), "".join(text.tokens[first : first + size]) == phrase.chars)


def _in_order(ids: str, text_ids: str, first: int, size: int) -> int:
    """How many of ``ids`` (a phrase's keys) the window ``[first, first + size)`` holds in the same order
    (longest common subsequence of whole keys)."""
    window = text_ids[first : first + size]
    row = [0] * (len(window) + 1)
    for key in ids:
        prev = 0
        for j, other in enumerate(window, 1):
            keep = row[j]
            row[j] = prev + 1 if key == other else max(row[j], row[j - 1])
            prev = keep
    return row[-1]


class PhraseSet(tuple):
    """Phrases looked for together (a lexicon list), with an inverted index from key to phrase.

    A turn is scored only against the few phrases that share enough of its keys,
    and what a set found in a text is kept with the text: scripted lines repeat
    across calls, so most turns are answered from the cache.
    """

    def __new__(cls, phrases: Iterable[Phrase] = ()) -> "PhraseSet":
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

    def __add__(self, other: tuple) -> "PhraseSet":  # type: ignore[override]
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
            out = []
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
    """Whether the clause holding ``token`` asks: it holds an A-not-A (是不是, 方不方便, 有没有), or it
    ends its sentence and the sentence ends with ？/? or a question ending (吗). 「不知道，你问别人吧？」
    does not ask in its first clause."""
    text = turn.text
    if not text.tokens:
        return False
    token = min(max(token, 0), len(text.tokens) - 1)
    clause, sentence = text.clause[token], text.sentence[token]
    inside = [t for t, c in zip(text.tokens, text.clause) if c == clause]
    if any(inside[i] == inside[i + 2] and inside[i + 1] in rules.negators for i in range(len(inside) - 2)):
        return True
    last = max(i for i, s in enumerate(text.sentence) if s == sentence)
    if text.clause[last] != clause:
        return False
    return text.sentences[sentence].rstrip().endswith(("？", "?")) or text.tokens[last] in rules.question_endings


def similarity_within(phrase: Phrase, turn: Turn, first: int, last: int) -> float:
    """How closely ``phrase`` sounds like the best run of its length inside tokens ``[first, last)`` (0–100).

    Used where the place is already known (the words a greeting pattern took as the
    company) and only *which* name it is remains to be judged."""
    from rapidfuzz import fuzz

    keys = turn.text.keys[first:last]
    n = len(phrase)
    if not keys:
        return 0.0
    if len(keys) <= n:
        return float(fuzz.ratio(phrase.joined, " ".join(keys)))
    return float(max(fuzz.ratio(phrase.joined, " ".join(keys[i : i + n])) for i in range(len(keys) - n + 1)))


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


def find_literal(turn: Turn, literal: Phrase) -> tuple[int, ...]:
    """Every token index where a pattern's literal (see :func:`match_pattern`) is heard (cached per text)."""
    text = turn.text
    found = text._literals.get(literal)
    if found is None:
        found = text._literals[literal] = tuple(_literal_positions(text, literal, 0, len(text)))
    return found


def find_keys(turn: Turn, keys_ids: str) -> Iterator[int]:
    """Every token index where the interned key string ``keys_ids`` starts (exact sounds)."""
    at = turn.text.ids.find(keys_ids)
    while at >= 0:
        yield at
        at = turn.text.ids.find(keys_ids, at + 1)


# --- patterns with slots -------------------------------------------------------------

_SLOT = re.compile(r"\{(\w+)(?::(\w+))?\}")
SLOT_KINDS = ("digits",)
"""What a slot may be marked to take (``{agent:digits}``): ``digits``, a number only (a staff number)."""


@dataclass(frozen=True, eq=False)
class Pattern:
    """A phrase with named slots, e.g. ``欢迎致电{company}``: literal pieces around what is taken."""

    text: str
    pieces: tuple[Phrase | str, ...]
    """Literal phrases and slot names, alternating (never two of a kind in a row)."""
    digits: frozenset[str] = frozenset()
    """Slots marked ``{name:digits}``: they take only number tokens (306, 三零六), so 「306很高兴为您服务」
    names the agent by staff number while 「天霖汽车很高兴为您服务」 does not."""
    numerals: str = ""
    """The lexicon's number characters (``[match].numerals``), besides 0-9."""

    @property
    def slots(self) -> tuple[str, ...]:
        return tuple(p for p in self.pieces if isinstance(p, str))

    @property
    def literals(self) -> tuple[Phrase, ...]:
        return tuple(p for p in self.pieces if isinstance(p, Phrase))


def compile_pattern(text: str, rules: MatchRules = MatchRules()) -> Pattern:
    """``我是{company}的{agent}`` → literals 我是, 的 and slots company, agent. Raises ValueError when malformed."""
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
                raise ValueError(f"pattern {text!r}: unknown slot kind {{{m.group(1)}:{m.group(2)}}}; known: {', '.join(SLOT_KINDS)}")
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
        start, end = token_times(self.turn, self.first, self.last)
        return Evidence(self.turn.role, start, end, self.turn.text.quote(self.first, self.last), self.pattern.text, 100.0)


def match_pattern(turn: Turn, pattern: Pattern, slot_max: dict[str, int], blocked: frozenset[int] | set[int] = frozenset()) -> PatternHit | None:
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
            lo = _extend(text, at, -1, slot_max.get(pieces[0], 4), _stops(text, pattern, pieces[0], blocked))  # type: ignore[arg-type]
            if lo == at:
                continue
            values[pieces[0]] = (lo, at)  # type: ignore[index]
            first = lo
        ok = True
        i = lead + 1
        while i < len(pieces):
            slot = pieces[i]
            assert isinstance(slot, str)
            limit = slot_max.get(slot, 4)
            stops = _stops(text, pattern, slot, blocked)
            if i + 1 < len(pieces):  # slot then literal: the literal must come within the slot's reach
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
            return PatternHit(pattern, turn, first, cursor, {k: text.span_text(a, b) for k, (a, b) in values.items()}, values)
    return None


def _literal_positions(text: TurnText, literal: Phrase, lo: int, hi: int) -> Iterator[int]:
    """Token indices in ``[lo, hi]`` where ``literal`` starts: the same sounds — or, for a literal
    of 4+ syllables, a same-length window at least ``anchor_threshold`` similar (欢迎这电 for 欢迎致电).
    A one-syllable literal must be the same character (姓 is not 信)."""
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
    from rapidfuzz import fuzz

    windows = text.windows(n)
    joined = literal.joined
    for i in range(lo, min(hi, len(windows) - 1) + 1):
        if fuzz.ratio(joined, windows[i], score_cutoff=literal.threshold):
            yield i


def _stops(text: TurnText, pattern: Pattern, slot: str, blocked: frozenset[int] | set[int]) -> frozenset[int] | set[int]:
    """Tokens a slot may not take: the blocked ones, and for a ``digits`` slot every token that is not a number."""
    if slot not in pattern.digits:
        return blocked
    return set(blocked) | {i for i, t in enumerate(text.tokens) if not (t.isdigit() or (t and all(c in pattern.numerals for c in t)))}


def _extend(text: TurnText, at: int, step: int, limit: int, blocked: frozenset[int] | set[int]) -> int:
    """How far a slot reaches from ``at`` (exclusive bound going forward, inclusive start going back)."""
    n = len(text.tokens)
    if step > 0:
        if at >= n:
            return at
        end = at
        while end < n and end - at < limit and end not in blocked and text.clause[end] == text.clause[at]:
            end += 1
        return end
    lo = at
    while lo > 0 and at - lo < limit and (lo - 1) not in blocked and text.clause[lo - 1] == text.clause[at]:
        lo -= 1
    return lo


# --- times -------------------------------------------------------------------------


def token_times(turn: Turn, first: int, last: int) -> tuple[float, float]:
    """Start and end of tokens ``[first, last)``: from word timings when they line up, else the segment's."""
    seg = turn.segment
    spans = turn.token_spans() if seg.words else None
    if spans is None or last > len(spans) or first >= last:
        return seg.start, seg.end
    return spans[first][0], spans[last - 1][1]


def _word_token_spans(words: Sequence, n_tokens: int) -> tuple[tuple[float, float], ...] | None:
    if not words:
        return None
    spans: list[tuple[float, float]] = []
    for word in words:
        tokens, _ = _clause_keys(word.text)
        spans.extend([(word.start, word.end)] * len(tokens))
    return tuple(spans) if len(spans) == n_tokens else None


# --- shapes: words in order with gaps -------------------------------------------------

_GAP = "…"


@dataclass(frozen=True, eq=False)
class Shape:
    """A sentence shape, e.g. ``还有 (其他|别的) … (问题|需要|业务|帮) … 吗``: words in this order within one
    sentence, each element one of its alternatives, ``…`` allowing up to ``gap`` tokens between two elements.

    How free wording is recognized (还有别的需要帮忙的吗, 其他还有问题吗) without listing every sentence."""

    text: str
    elements: tuple[tuple[tuple[str, str, int], ...], ...]
    """Per element its alternatives as ``(interned keys, characters, length)``."""
    gaps: tuple[int, ...]
    """Most tokens allowed before each element (the first's is unused)."""


def compile_shape(text: str, gap: int = 6) -> Shape:
    """``还有 (其他|别的) … 吗`` → a :class:`Shape`. Elements are space-separated; ``(a|b)`` are alternatives;
    ``…`` (or ``...``) between two elements allows up to ``gap`` tokens there. Raises ValueError when malformed."""
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
        start, end = token_times(self.turn, self.first, self.last)
        return Evidence(self.turn.role, start, end, self.turn.text.quote(self.first, self.last), self.shape.text, 100.0)


def _element_at(text: TurnText, alts: tuple[tuple[str, str, int], ...], at: int) -> int:
    """Length of the first alternative heard at token ``at`` (same sounds; one syllable: the same character), else 0."""
    for ids, chars, n in alts:
        if text.ids.startswith(ids, at) and (n > 1 or text.tokens[at] == chars):
            return n
    return 0


def find_shape(turn: Turn, shapes: Sequence[Shape]) -> ShapeHit | None:
    """The first of ``shapes`` heard in ``turn`` (earliest place), all of its elements inside one sentence."""
    text = turn.text
    for shape in shapes:
        for at in range(len(text.tokens)):
            end = _shape_from(text, shape, 0, at, text.sentence[at])
            if end is not None:
                return ShapeHit(shape, turn, at, end)
    return None


def _shape_from(text: TurnText, shape: Shape, i: int, at: int, sentence: int) -> int | None:
    """End of ``shape.elements[i:]`` heard with element ``i`` starting exactly at ``at``; None if it cannot be."""
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

_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r", "z", "c", "s")


def initial_final(key: str) -> tuple[str, str]:
    """A pinyin key cut into initial and final, the y-/w- spellings read as the vowel they stand for
    (yin → "" + in, ye → "" + ie, wo → "" + uo); a key that is no pinyin (a Latin word) is all final."""
    if key.startswith("y"):
        rest = key[1:]
        return "", rest if rest.startswith("i") else ("v" + rest[1:] if rest.startswith("u") else "i" + rest)
    if key.startswith("w"):
        rest = key[1:]
        return "", rest if rest.startswith("u") else "u" + rest
    for initial in _INITIALS:
        if key.startswith(initial) and len(key) > len(initial):
            return initial, key[len(initial) :]
    return "", key


@dataclass(frozen=True, eq=False)
class SoundAlikeHit:
    """A phrase heard at the start of a turn with its first syllable's initial softened (引好 for 您好)."""

    phrase: Phrase
    turn: Turn
    first: int
    last: int
    similarity: float

    certain = True

    @property
    def heard(self) -> str:
        return self.turn.text.span_text(self.first, self.last)

    def evidence(self) -> Evidence:
        start, end = token_times(self.turn, self.first, self.last)
        return Evidence(self.turn.role, start, end, self.turn.text.quote(self.first, self.last), self.phrase.text, self.similarity)


def opening_sound_alike(turn: Turn, phrases: Sequence[Phrase], initials: Sequence[str]) -> SoundAlikeHit | None:
    """One of ``phrases`` heard as the very first words of ``turn`` with only its first syllable off, and that
    one close: the same vowel, both initials among ``initials`` (n, l, m or none: 您 heard as 引 / 也 on a
    real voice). Its similarity is that of the keys, y-/w- spellings read as vowels (in hao vs nin hao: 92)."""
    from rapidfuzz import fuzz

    keys = turn.text.keys
    best = None
    for phrase in phrases:
        n = len(phrase.keys)
        if n < 2 or len(keys) < n or keys[1:n] != phrase.keys[1:] or keys[0] == phrase.keys[0]:
            continue
        (hi, hf), (pi, pf) = initial_final(keys[0]), initial_final(phrase.keys[0])
        if hi not in initials or pi not in initials or not hf or not pf or hf[0] != pf[0]:
            continue
        spell = lambda ks: " ".join("".join(initial_final(k)) for k in ks)  # noqa: E731
        similarity = round(float(fuzz.ratio(spell(keys[:n]), spell(phrase.keys))), 1)
        if best is None or similarity > best.similarity:
            best = SoundAlikeHit(phrase, turn, 0, n, similarity)
    return best
