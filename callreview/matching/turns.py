"""A turn of the call being checked, analysed once: tokens, keys, clauses, sentences, word times."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from callreview.matching.keys import _intern, keys_of
from callreview.matching.rules import Phrase
from callreview.results import Evidence
from callreview.text import normalize
from callreview.transcript import Segment, Word

Place = tuple[int, int, float, bool]
"""Where a phrase was heard in a text: ``(first, last, similarity, exact)``."""
Found = tuple[tuple[int, Place], ...]
"""What a phrase set found in a text: ``(index in the set, place)`` per phrase heard."""

# Sentence ends (quotes are whole sentences) and clause ends (slots never cross one).
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;…\n])|(?<=\.)(?=\s)")
_CLAUSE_END = re.compile(r"(?<=[，、：,:])")
_ABBREVIATION = re.compile(r"\b(?:mr|mrs|ms|dr|st|no)\.$", re.IGNORECASE)


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
    _around: dict[int, tuple[list[str], list[tuple[int, int]]]] = field(
        default_factory=dict, repr=False
    )
    _found: dict[tuple[Phrase, ...], Found] = field(default_factory=dict, repr=False)
    """What each phrase set (keyed by identity) found here, as plain tuples (the same text is
    the same answer)."""
    _literals: dict[Phrase, tuple[int, ...]] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.keys)

    def windows(self, size: int) -> list[str]:
        """Every run of ``size`` whole keys, space-joined (computed once per size)."""
        found = self._windows.get(size)
        if found is None:
            keys = self.keys
            found = self._windows[size] = [
                " ".join(keys[i : i + size]) for i in range(len(keys) - size + 1)
            ]
        return found

    def around(self, n: int) -> tuple[list[str], list[tuple[int, int]]]:
        """The windows of n, n−1 and n+1 keys in one list (n first: it wins ties), with their
        ``(first, size)``."""
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
    """Cut a segment's text into tokens and keys (cached per distinct text: scripted turns
    repeat)."""
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
    return TurnText(
        tuple(tokens),
        tuple(keys),
        ids,
        frozenset(ids),
        tuple(clause),
        tuple(sentence),
        tuple(sentences),
    )


@dataclass(eq=False)
class Turn:
    """One segment of the call being checked, with its analysed text."""

    segment: Segment
    index: int
    """Position in ``Transcript.segments``."""

    def __post_init__(self) -> None:
        self.text = analyze(self.segment.text)
        self._spans: tuple[tuple[float, float], ...] | None = None
        self._spans_known = False

    def token_spans(self) -> tuple[tuple[float, float], ...] | None:
        """Start and end of each token from the word timings, when they line up with the text."""
        if not self._spans_known:
            self._spans = _word_token_spans(self.segment.words, len(self.text.tokens))
            self._spans_known = True
        return self._spans

    @property
    def role(self) -> str:
        return self.segment.role

    @property
    def start(self) -> float:
        return self.segment.start

    @property
    def end(self) -> float:
        return self.segment.end


def token_times(turn: Turn, first: int, last: int) -> tuple[float, float]:
    """Start and end of tokens ``[first, last)``: from word timings when they line up, else the
    segment's."""
    seg = turn.segment
    spans = turn.token_spans() if seg.words else None
    if spans is None or last > len(spans) or first >= last:
        return seg.start, seg.end
    return spans[first][0], spans[last - 1][1]


def span_evidence(turn: Turn, first: int, last: int, matched: str, similarity: float) -> Evidence:
    """What was heard in tokens ``[first, last)`` of ``turn``: who, when, the quote, and what it
    was taken for (``matched``, at ``similarity``)."""
    start, end = token_times(turn, first, last)
    return Evidence(turn.role, start, end, turn.text.quote(first, last), matched, similarity)


def _word_token_spans(
    words: Sequence[Word], n_tokens: int
) -> tuple[tuple[float, float], ...] | None:
    if not words:
        return None
    spans: list[tuple[float, float]] = []
    for word in words:
        tokens, _ = _clause_keys(word.text)
        spans.extend([(word.start, word.end)] * len(tokens))
    return tuple(spans) if len(spans) == n_tokens else None
