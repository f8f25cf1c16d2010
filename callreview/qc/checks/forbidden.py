"""Forbidden phrases (服务忌语): every 忌语 of the lexicon the agent said, with what to say instead.

Only the agent's turns are searched — the customer saying 不知道 or 这不可能吧 is no fault.
A hit is cancelled only by one of its entry's near misses matching the **same
words at least as well** (我没听清楚 is not 听不清); a near miss elsewhere in the
turn vetoes nothing. Where two entries claim the same words, the better match keeps them.

An entry may also say which **contexts** make its words no fault, by rule rather than by
listing sentences: ``not_in_questions`` (the hit's clause asks — an A-not-A such as
是不是 / 方不方便, or a clause ending its sentence with ？ or 吗: 不知道这个号码是不是您在用？),
``not_after`` (a word earlier in the clause: 如果 / 要是 不行) and ``not_before`` (a word right
after: 不行的话). Cleared hits are listed in ``cleared`` with the context.

    certain hits                       → fail (review on a mono recording: the words may be
                                         the customer's)
    only grey-zone / sound-alike hits  → review
    none                               → pass

Also counted, as information: how often the agent says 你 where 您 is expected (``ni_count``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from callreview.i18n import N_, gettext
from callreview.matching import Hit, PhraseSet, Turn, is_question
from callreview.qc.checks.base import Deductions, ItemDetails, Place, Record, clock, role_word
from callreview.qc.checks.context import CallContext, Finding
from callreview.qc.lexicon import ForbiddenEntry, Lexicon
from callreview.qc.thresholds import Profile
from callreview.results import ItemResult, Status


@dataclass(frozen=True, eq=False)
class ForbiddenHit(Record):
    """A forbidden phrase heard in the agent's speech."""

    phrase: str = ""
    """The lexicon's phrase."""
    suggestion: str = ""
    """What to say instead."""
    start: float = 0.0
    end: float = 0.0
    text: str = ""
    heard: str = ""
    similarity: float = 0.0
    role: str = "agent"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ForbiddenHit:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True, eq=False)
class ForbiddenDetails(ItemDetails):
    """Forbidden phrases heard (certain and grey-zone), the ones the words around them cleared, and
    the informal pronoun count (你 where 您 is expected) when the lexicon counts it."""

    OPTIONAL: ClassVar[tuple[str, ...]] = (
        "ni_count",
        "nin_count",
        "ni_examples",
        "informal",
        "formal",
        "politeness_source",
    )

    hits: list[ForbiddenHit] = field(default_factory=list)
    possible_hits: list[ForbiddenHit] = field(default_factory=list)
    """Grey-zone hits: a person should listen."""
    cleared: list[dict[str, Any]] = field(default_factory=list)
    """Hits a near miss or the context (a question, 如果不行) made no fault: ``phrase``,
    ``near_miss`` or ``context``, ``text``, ``start``."""
    ni_count: int | None = None
    """Times the informal pronoun was said (None: the lexicon does not count it; then the next five
    are absent too)."""
    nin_count: int | None = None
    ni_examples: list[dict[str, Any]] | None = None
    informal: str | None = None
    formal: str | None = None
    politeness_source: str | None = None

    def _present(self, key: str, value: Any) -> bool:
        if key in self.OPTIONAL:  # the six pronoun keys come together (formal may be null)
            return self.ni_count is not None
        return True

    @classmethod
    def _read(cls, key: str, value: Any) -> Any:
        if key in ("hits", "possible_hits"):
            return [ForbiddenHit.from_dict(h) for h in value or ()]
        if key in ("cleared", "ni_examples"):
            return None if value is None else [dict(v) for v in value]
        return value

    def credit(self, status: str, profile: Profile, scorecard: Deductions) -> float:
        weight = float(profile.weights["forbidden"])
        if weight <= 0:
            return 1.0
        lost = min(scorecard.max_deduction, scorecard.deduction * len(self.hits), weight)
        return (weight - lost) / weight

    def critical(self, phrases: Iterable[str]) -> list[str]:
        """The hits' phrases that are among ``phrases`` (the scorecard's critical ones)."""
        phrases = set(phrases)
        return [h.phrase for h in self.hits if h.phrase in phrases]

    def gist(self, status: str, full: bool = False) -> str:
        _ = gettext
        if self.hits:
            n = len(self.hits)
            what = _("%(num)d forbidden phrase(s)") if full else _("%(num)d hit(s)")
            return what % {"num": n}
        if self.possible_hits:
            n = len(self.possible_hits)
            maybe = (
                _("%(num)d possible forbidden phrase(s)") if full else _("%(num)d possible hit(s)")
            )
            return maybe % {"num": n}
        return _("none heard") if full else ""

    def explain(self, item: ItemResult) -> Iterable[str]:
        for label, hits in (("", self.hits), (gettext("possibly "), self.possible_hits)):
            for h in hits:
                who = "" if h.role == "agent" else f" ({role_word(h.role)})"
                yield f"{clock(h.start)}{who} 「{h.text}」 — {label}{h.phrase} ({h.similarity:.0f})"
                yield "  " + gettext("say instead: %(text)s") % {"text": h.suggestion}

    def places(self) -> Iterable[Place]:
        marks = (
            (N_("forbidden: %(phrase)s"), self.hits),
            (N_("possibly forbidden: %(phrase)s"), self.possible_hits),
        )
        for label, hits in marks:
            for h in hits:
                note = gettext(label) % {"phrase": h.phrase}
                yield Place(h.start, h.end, h.role, h.text, note, True)

    def advice(self, status: str) -> list[str]:
        out: list[str] = []
        for h in (*self.hits, *self.possible_hits):
            if h.suggestion:
                line = f"「{h.phrase}」 → {h.suggestion}"
                if line not in out:
                    out.append(line)
        return out

    @property
    def note(self) -> str | None:
        return self.pronoun_note

    @property
    def report_note(self) -> str | None:
        note = self.pronoun_note
        if not note:
            return None
        example = (self.ni_examples or [{}])[0]
        eg = {"at": clock(example["start"]), "quote": f"「{example['text']}」"} if example else None
        return note + (gettext(", e.g. %(at)s %(quote)s") % eg if eg else "")

    @property
    def pronoun_note(self) -> str | None:
        """``你 said 2× where 您 is expected (000 客服礼仪规范)``, in the lexicon's words; None when
        not counted."""
        if not self.ni_count or not self.informal:
            return None
        source = f" ({self.politeness_source})" if self.politeness_source else ""
        formal = self.formal or gettext("the polite form")
        return gettext("%(informal)s said %(num)d× where %(formal)s is expected%(source)s") % {
            "informal": self.informal,
            "num": self.ni_count,
            "formal": formal,
            "source": source,
        }


def check_forbidden(ctx: CallContext) -> Finding:
    hits: list[tuple[ForbiddenEntry, Hit]] = []
    cleared: list[dict[str, Any]] = []
    for turn in ctx.judged:
        found, near = _turn_hits(turn, ctx.lexicon)
        hits += found
        cleared += near
    certain = [(e, h) for e, h in hits if h.certain]
    possible = [(e, h) for e, h in hits if not h.certain]
    details = ForbiddenDetails(
        hits=[_hit(e, h) for e, h in certain],
        possible_hits=[_hit(e, h) for e, h in possible],
        cleared=cleared,
        **_pronouns(ctx),
    )
    if certain:
        status: Status = "review" if ctx.mono else "fail"
        evidence = tuple(h.evidence() for _, h in certain)
    elif possible:
        status = "review"
        evidence = tuple(h.evidence() for _, h in possible)
    else:
        status = "pass"
        evidence = ()
    return Finding("forbidden", status, evidence, details)


def _turn_hits(
    turn: Turn, lexicon: Lexicon
) -> tuple[list[tuple[ForbiddenEntry, Hit]], list[dict[str, Any]]]:
    forms, near_misses, entry_of = _sets(lexicon)
    best: dict[int, Hit] = {}
    for hit in forms.hits(turn):  # one lookup for every form of every entry
        key = id(entry_of[id(hit.phrase)])
        if key not in best or (hit.certain, hit.rank) > (best[key].certain, best[key].rank):
            best[key] = hit
    near = near_misses.hits(turn) if best else []
    found: list[tuple[ForbiddenEntry, Hit]] = []
    cleared: list[dict[str, Any]] = []
    for hit in best.values():
        entry = entry_of[id(hit.phrase)]
        veto = next(
            (
                m
                for m in near
                if entry_of[id(m.phrase)] is entry and m.overlaps(hit) and m.rank >= hit.rank
            ),
            None,
        )
        if veto is not None:
            cleared.append(
                {
                    "phrase": entry.phrase,
                    "near_miss": veto.phrase.text,
                    "text": hit.turn.text.quote(veto.first, veto.last),
                    "start": round(turn.start, 2),
                }
            )
            continue
        context = _context(entry, hit, lexicon)
        if context is not None:
            cleared.append(
                {
                    "phrase": entry.phrase,
                    "context": context,
                    "text": hit.turn.text.quote(hit.first, hit.last),
                    "start": round(turn.start, 2),
                }
            )
            continue
        found.append((entry, hit))
    # Two entries on the same words (我也没办法 / 我也急…): the better match keeps them.
    found.sort(key=lambda eh: (eh[1].rank, len(eh[1].phrase)), reverse=True)
    kept: list[tuple[ForbiddenEntry, Hit]] = []
    for entry, hit in found:
        if not any(hit.overlaps(other) for _, other in kept):
            kept.append((entry, hit))
    kept.sort(key=lambda eh: eh[1].first)
    return kept, cleared


def _context(entry: ForbiddenEntry, hit: Hit, lexicon: Lexicon) -> str | None:
    """Why the words around a hit make it no fault (the entry's ``not_in_questions`` / ``not_after``
    / ``not_before``), or None: 不知道这个号码是不是您在用？ asks; 如果不行 / 不行的话 plan."""
    text = hit.turn.text
    if entry.not_in_questions and is_question(hit.turn, hit.first, lexicon.rules):
        return "question"
    clause = text.clause[hit.first]
    before = "".join(
        t for t, c in zip(text.tokens[: hit.first], text.clause[: hit.first]) if c == clause
    )
    after = "".join(
        t for t, c in zip(text.tokens[hit.last :], text.clause[hit.last :]) if c == clause
    )
    word = next((w for w in entry.not_after if w in before), None)
    if word is not None:
        return f"after {word}"
    word = next((w for w in entry.not_before if after.startswith(w)), None)
    if word is not None:
        return f"before {word}"
    return None


def _sets(lexicon: Lexicon) -> tuple[PhraseSet, PhraseSet, dict[int, ForbiddenEntry]]:
    """Every form and every near miss of every entry as two indexed sets, built once per lexicon."""
    return lexicon.cached(
        "forbidden:sets",
        lambda: (
            PhraseSet(p for e in lexicon.forbidden for p in e.forms),
            PhraseSet(p for e in lexicon.forbidden for p in e.near_misses),
            {id(p): e for e in lexicon.forbidden for p in e.forms + e.near_misses},
        ),
    )


def _hit(entry: ForbiddenEntry, hit: Hit) -> ForbiddenHit:
    ev = hit.evidence()
    return ForbiddenHit(
        phrase=entry.phrase,
        suggestion=entry.suggestion,
        start=round(ev.start, 2),
        end=round(ev.end, 2),
        text=ev.text,
        heard=hit.heard,
        similarity=round(hit.similarity, 1),
        role=ev.role,
    )


def _pronouns(ctx: CallContext) -> dict[str, Any]:
    """你 where 您 is expected (000 客服礼仪规范: 用"您"取代"你"), excluding 你们."""
    pol = ctx.lexicon.politeness
    if not pol.informal:
        return {}
    informal = formal = 0
    examples: list[dict[str, Any]] = []
    for turn in ctx.judged:
        text = turn.segment.norm
        n = text.count(pol.informal) - sum(
            text.count(x) for x in pol.exceptions if pol.informal in x
        )
        if n > 0:
            informal += n
            if len(examples) < 3:
                examples.append({"start": round(turn.start, 2), "text": turn.segment.text})
        if pol.formal:
            formal += text.count(pol.formal)
    return {
        "ni_count": informal,
        "nin_count": formal,
        "ni_examples": examples,
        "informal": pol.informal,
        "formal": pol.formal,
        "politeness_source": pol.source,
    }
