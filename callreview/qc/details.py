"""Typed details of the five checklist items, and what each item does with them.

A check builds one of these (:class:`GreetingDetails`, :class:`NameDetails`, :class:`HoldDetails`,
:class:`ForbiddenDetails`, :class:`ClosingDetails`); the scorecard asks it for the share of the
weight it earns (:meth:`ItemDetails.credit`), the terminal report and the web app for its gist and
its explanation (:meth:`ItemDetails.gist`, :meth:`ItemDetails.explain`). Nothing switches on the
item's name to know how to read them.

    Finding.details ── ItemDetails ──to_dict()──▶ the review JSON's item keys (docs/result-format.md)
    stored JSON ──from_dict()──▶ ItemDetails (the web app, exports, rescoring)

``to_dict()`` writes exactly the keys, order and values the JSON contract has always had; keys
added after the check (``weight``, ``critical``, ``not_required``, ``reason``, ``role_confidence``,
``unsure_verdict`` …) are kept in :attr:`ItemDetails.extra`, in the order they were added, unless
the item has a field of that name. Every details object is also a read-only mapping with the
JSON's keys, so code that reads ``details["holds"]`` or ``details.get("hits")`` keeps working.

A stored review from an older callreview may lack keys this one writes: :meth:`from_dict` fills
them with their defaults (a review with no ``near_holds`` reads as none).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any, ClassVar

from callreview.results import Evidence, _plain

if TYPE_CHECKING:
    from callreview.qc.scorecard import Profile, Scorecard
    from callreview.results import ItemResult

PART_LABELS = {
    "salutation": "salutation 问候",
    "company": "company 公司名称",
    "agent_name": "agent's name 工号/姓名",
    "offer_help": "offer to help 提供帮助",
    "confirm_identity": "confirm who answers 确认客户身份",
    "ask_time": "ask for time 询问是否方便",
    "question": "closing question 询问其他需求",
    "thanks": "thanks 致谢",
    "farewell": "farewell 道别",
}


def clock(seconds: float) -> str:
    """``75.4`` → ``01:15``."""
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def heard(ev: Evidence | Mapping[str, Any] | None) -> str:
    """``00:03 「quote」``, with the speaker when it is not the agent."""
    if ev is None:
        return ""
    if isinstance(ev, Mapping):
        start, text, role = ev["start"], ev["text"], ev.get("role", "agent")
    else:
        start, text, role = ev.start, ev.text, ev.role
    who = "" if role == "agent" else f" ({role})"
    return f"{clock(start)}{who} 「{text}」"


def evidence_of(value: Any) -> Evidence | None:
    """A stored evidence object (or ``None``) as an :class:`Evidence`."""
    if value is None or isinstance(value, Evidence):
        return value
    return Evidence(
        value["role"],
        float(value["start"]),
        float(value["end"]),
        value["text"],
        value["matched"],
        float(value["similarity"]),
    )


class _Fields(Mapping):
    """A dataclass read as a mapping of its JSON keys (for code that still reads details as dicts)."""

    __slots__ = ()

    def _pairs(self) -> Iterator[tuple[str, Any]]:
        for f in fields(self):  # type: ignore[arg-type]
            yield f.name, getattr(self, f.name)

    def __getitem__(self, key: str) -> Any:
        for k, v in self._pairs():
            if k == key:
                return v
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (k for k, _ in self._pairs())

    def __len__(self) -> int:
        return sum(1 for _ in self._pairs())

    def __eq__(self, other: object) -> bool:
        if type(other) is type(self):
            return all(getattr(self, f.name) == getattr(other, f.name) for f in fields(self))  # type: ignore[arg-type]
        if isinstance(other, Mapping):
            return dict(self._pairs()) == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        return {k: _plain(v) for k, v in self._pairs()}


@dataclass(frozen=True)
class Place:
    """A place in the call to play back: when, who, the quote, what it shows, and whether it is a problem."""

    start: float
    end: float
    role: str
    text: str
    note: str
    bad: bool = False

    @classmethod
    def of(cls, ev: Evidence, note: str, bad: bool = False) -> Place:
        return cls(ev.start, ev.end, ev.role, ev.text, note, bad)


# --- records inside an item's details -------------------------------------------------


@dataclass(frozen=True, eq=False)
class Hold(_Fields):
    """One hold: a silence long enough (announced or not), and how the agent asked and thanked."""

    start: float = 0.0
    end: float = 0.0
    duration: float = 0.0
    announced: bool = False
    permission: bool = False
    """The agent asked first (请您稍等一下好吗)."""
    thanked: bool = False
    """The agent thanked the customer (or apologised) on return."""
    permission_evidence: Evidence | None = None
    thanks_evidence: Evidence | None = None
    announce_evidence: Evidence | None = None
    imperative_evidence: Evidence | None = None
    """The agent told the customer to wait instead of asking (等一下)."""
    near_threshold: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Hold:
        known = {f.name for f in fields(cls)}
        kw = {
            k: (evidence_of(v) if k.endswith("_evidence") else v)
            for k, v in data.items()
            if k in known
        }
        return cls(**kw)


@dataclass(frozen=True, eq=False)
class NearHold(_Fields):
    """A silence within the timing tolerance under the threshold that would have made it a hold."""

    start: float = 0.0
    end: float = 0.0
    duration: float = 0.0
    threshold_s: float = 0.0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NearHold:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True, eq=False)
class ForbiddenHit(_Fields):
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


# --- item details ---------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ItemDetails(_Fields):
    """The base of every item's details. Fields whose value is ``None`` and that are listed in
    :attr:`OPTIONAL` are left out of the JSON (the key was never written); everything else is written
    in field order, then :attr:`extra`."""

    OPTIONAL: ClassVar[tuple[str, ...]] = ()
    REQUIRED: ClassVar[tuple[str, ...]] = ()
    """Keys a stored item must have to be read as these details (else it was not judged: no agent speech)."""

    extra: Mapping[str, Any] = field(default_factory=dict, kw_only=True)
    """Keys added after the check (the scorecard's ``weight``, a low role confidence's ``reason`` …)."""

    def _pairs(self) -> Iterator[tuple[str, Any]]:
        for f in fields(self):  # type: ignore[arg-type]
            if f.name == "extra":
                continue
            value = getattr(self, f.name)
            if self._present(f.name, value):
                yield f.name, value
        yield from self.extra.items()

    def _present(self, key: str, value: Any) -> bool:
        """Whether the JSON has this field's key (an :attr:`OPTIONAL` one only when it is not ``None``)."""
        return value is not None or key not in self.OPTIONAL

    def with_extra(self, **values: Any) -> ItemDetails:
        """A copy with these keys set: a field of that name is replaced, any other key goes to :attr:`extra`
        (where a key already there keeps its place, as in a dict)."""
        own = {f.name for f in fields(self)} - {"extra"}
        changes = {k: v for k, v in values.items() if k in own}
        extra = dict(self.extra)
        extra.update((k, v) for k, v in values.items() if k not in own)
        return replace(self, **changes, extra=extra)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ItemDetails:
        """These details from the review JSON's item (its ``status``/``points``/``max_points``/``evidence`` aside)."""
        own = [f.name for f in fields(cls) if f.name != "extra"]
        kw = {k: cls._read(k, data[k]) for k in own if k in data}
        extra = {
            k: v
            for k, v in data.items()
            if k not in own and k not in ("status", "points", "max_points", "evidence")
        }
        return cls(**kw, extra=extra)

    @classmethod
    def _read(cls, key: str, value: Any) -> Any:
        return value

    # --- behaviour the scorecard and the reports ask for --------------------------------

    def credit(self, status: str, profile: Profile, scorecard: Scorecard) -> float:
        """The share (0–1) of the item's weight a ``pass`` or ``fail`` earns."""
        return 1.0 if status == "pass" else 0.0

    def critical(self, phrases: Iterable[str]) -> list[str] | None:
        """The scorecard's critical phrases this item found (a hit of one scores the call 0); ``None``: an item that finds no phrases."""
        return None

    def not_required(self, profile: Profile) -> list[str] | None:
        """The parts missing when every one of them has no share in ``profile`` (then the item passes); else ``None``."""
        return None

    def gist(self, status: str, full: bool = False) -> str:
        """The one-line gist of the finding. ``full`` (the web app) also says when nothing is wrong."""
        return ""

    def explain(self, item: ItemResult) -> Iterable[str]:
        """What was heard, when, and what to say instead, under a failed or review item (its ``reason`` aside)."""
        return ()

    def advice(self, status: str) -> list[str]:
        """What the agent could have said (the lexicon's suggestions kept in the details)."""
        return []

    def places(self) -> Iterable[Place]:
        """Places to play back besides the item's evidence (holds, forbidden hits, the agent asking the name)."""
        return ()

    def bad_evidence(self, ev: Mapping[str, Any]) -> bool:
        """Whether a quote of the item's evidence is a problem rather than a part found (a bare 喂 opening)."""
        return False

    @property
    def note(self) -> str | None:
        """A remark on the call as a whole that is no fault of this item (the informal pronoun count)."""
        return None

    @property
    def report_note(self) -> str | None:
        """:attr:`note` as the terminal report ends with it (with an example where the details keep one)."""
        return self.note


@dataclass(frozen=True, eq=False)
class _PartsDetails(ItemDetails):
    """An item scored per part found (greeting, closing): ``parts`` name → part record (found,
    uncertain, text, evidence, value …, as :func:`callreview.qc.checks.part` makes them)."""

    REQUIRED: ClassVar[tuple[str, ...]] = ("parts",)
    SHARES: ClassVar[str] = ""
    """The profile's part shares of this item."""

    parts: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @classmethod
    def _read(cls, key: str, value: Any) -> Any:
        if key == "parts":
            return {
                name: {**p, "evidence": evidence_of(p.get("evidence"))}
                if "evidence" in p
                else dict(p)
                for name, p in value.items()
            }
        return value

    @property
    def opened_bare(self) -> bool:
        return False

    def shares(self, profile: Profile) -> Mapping[str, float]:
        return getattr(profile, self.SHARES)

    def missing(self) -> list[str]:
        """Parts not found for certain."""
        return [k for k, p in self.parts.items() if not p.get("found")]

    def not_required(self, profile: Profile) -> list[str] | None:
        if self.opened_bare:
            return None
        missing = self.missing()
        shares = self.shares(profile)
        return missing if missing and all(shares.get(k, 0.0) == 0 for k in missing) else None

    def credit(self, status: str, profile: Profile, scorecard: Scorecard) -> float:
        if self.opened_bare:
            return 0.0
        weights = self.shares(profile)
        return sum(weights.get(name, 0.0) for name, p in self.parts.items() if p["found"]) / 100.0

    def gist(self, status: str, full: bool = False) -> str:
        missing = [PART_LABELS.get(k, k) for k in self.missing()]
        return f"missing: {', '.join(missing)}" if missing else ("all parts heard" if full else "")

    def explain(self, item: ItemResult) -> Iterable[str]:
        for name, p in self.parts.items():
            if p.get("uncertain"):
                value = f" ({p['value']})" if p.get("value") else ""
                yield f"{PART_LABELS.get(name, name)}: unsure{value} — {heard(p.get('evidence'))}"
        if getattr(self, "suggestion", None):
            yield f"say instead: {self.suggestion}"  # type: ignore[attr-defined]

    def advice(self, status: str) -> list[str]:
        suggestion = getattr(self, "suggestion", None)
        return [str(suggestion)] if suggestion else []


@dataclass(frozen=True, eq=False)
class GreetingDetails(_PartsDetails):
    """The greeting's parts (inbound: salutation, company, agent_name, offer_help; outbound:
    salutation, confirm_identity, agent_name, ask_time), and a bare 喂 opening."""

    OPTIONAL: ClassVar[tuple[str, ...]] = ("suggestion",)
    SHARES: ClassVar[str] = "greeting_parts"

    company_name: str | None = None
    """The company as heard (or given)."""
    agent_name: str | None = None
    """The agent's name or staff number as heard."""
    bare_opening: Evidence | None = None
    """The agent's first words were the lexicon's forbidden opening (喂): the greeting earns nothing."""
    suggestion: str | None = None
    """What to say instead; only when the greeting did not pass."""

    @classmethod
    def _read(cls, key: str, value: Any) -> Any:
        if key == "bare_opening":
            return evidence_of(value) if value else value
        return super()._read(key, value)

    @property
    def opened_bare(self) -> bool:
        return bool(self.bare_opening)

    @property
    def bare_word(self) -> str:
        """The forbidden opening the agent's first words were (the lexicon's word, e.g. 喂)."""
        ev = self.bare_opening
        return str(ev.get("matched", "") if isinstance(ev, Mapping) else getattr(ev, "matched", ""))

    def gist(self, status: str, full: bool = False) -> str:
        if self.opened_bare:
            return f"opened with {self.bare_word}"
        return super().gist(status, full)

    def bad_evidence(self, ev: Mapping[str, Any]) -> bool:
        return self.opened_bare and ev.get("matched") == self.bare_word

    def explain(self, item: ItemResult) -> Iterable[str]:
        if self.opened_bare:
            yield f"{heard(self.bare_opening)} — {self.bare_word} is a forbidden opening"
        yield from super().explain(item)


@dataclass(frozen=True, eq=False)
class ClosingDetails(_PartsDetails):
    """The closing's parts (question, thanks, farewell), and whether the agent's last words may be lost."""

    OPTIONAL: ClassVar[tuple[str, ...]] = ("reason", "suggestion")
    SHARES: ClassVar[str] = "closing_parts"

    last_turn_missing: bool = False
    """Speech after the agent's last words has no words in the transcript, or the recording stops mid-speech."""
    reason: str | None = None
    """Why the closing is ``review``, or the customer spoke last with no agent speech after it."""
    suggestion: str | None = None
    """What to say instead; only when the closing did not pass."""


@dataclass(frozen=True, eq=False)
class NameDetails(ItemDetails):
    """The customer's name, where it came from, and how many agent turns used it."""

    OPTIONAL: ClassVar[tuple[str, ...]] = ("name_example", "key", "reason")

    name: str | None = None
    """The name as the agent said it (or as given); ``None`` when not known."""
    count: int = 0
    """Agent turns that addressed the customer by it."""
    source: str | None = None
    """``given``, ``agent`` (heard from the agent) or ``customer`` (the customer said it)."""
    threshold: int = 2
    """Turns needed (the scorecard's ``name_count``)."""
    asked: Evidence | None = None
    """The agent asking for the name."""
    name_example: str | None = None
    """The lexicon's example of a name, for the advice."""
    key: str | None = None
    """The name's sound (toneless pinyin of the surname) that mentions were matched by."""
    reason: str | None = None

    @classmethod
    def _read(cls, key: str, value: Any) -> Any:
        return evidence_of(value) if key == "asked" else value

    def gist(self, status: str, full: bool = False) -> str:
        if self.name is None:
            return "name never used" if status == "fail" else "name unknown"
        return f"{self.name} used in {self.count} turn(s), {self.threshold} needed"

    def explain(self, item: ItemResult) -> Iterable[str]:
        for ev in item.evidence:
            yield f"{heard(ev)} — {ev.matched}"
        if item.status == "fail":
            yield f"say instead: {self.name_advice}"

    def places(self) -> Iterable[Place]:
        if self.asked:
            yield Place.of(self.asked, "asked the name")

    @property
    def name_advice(self) -> str:
        """What to do when the customer's name was not used enough, with the lexicon's example of a name."""
        if self.name:
            return f"use the customer's name ({self.name}) at least {self.threshold} times"
        example = f" ({self.name_example})" if self.name_example else ""
        return f"once you have the name, use it{example} at least {self.threshold} times"

    def advice(self, status: str) -> list[str]:
        return [self.name_advice] if status == "fail" else []


@dataclass(frozen=True, eq=False)
class HoldDetails(ItemDetails):
    """Every hold found, the threshold used, and the silences just under it."""

    OPTIONAL: ClassVar[tuple[str, ...]] = ("permission_suggestion", "thanks_suggestion")

    holds: list[Hold] = field(default_factory=list)
    gap_s: float = 10.0
    """The scorecard's ``hold_gap_s``."""
    tolerance_s: float = 0.5
    """The scorecard's ``timing_tolerance_s``."""
    near_holds: list[NearHold] = field(default_factory=list)
    permission_suggestion: str | None = None
    """Only when a hold was not asked for."""
    thanks_suggestion: str | None = None
    """Only when the agent did not thank on return from a hold."""

    @classmethod
    def _read(cls, key: str, value: Any) -> Any:
        if key == "holds":
            return [Hold.from_dict(h) for h in value or ()]
        if key == "near_holds":
            return [NearHold.from_dict(h) for h in value or ()]
        return value

    def credit(self, status: str, profile: Profile, scorecard: Scorecard) -> float:
        if not self.holds:
            return 1.0
        w = profile.hold_parts
        return sum(
            (w["permission"] * h.permission + w["thanks"] * h.thanked) / 100 for h in self.holds
        ) / len(self.holds)

    def gist(self, status: str, full: bool = False) -> str:
        if not self.holds:
            return "no hold"
        bad = sum(1 for h in self.holds if not (h.permission and h.thanked))
        return f"{len(self.holds)} hold(s)" + (
            f", {bad} without permission or thanks" if bad else ""
        )

    def explain(self, item: ItemResult) -> Iterable[str]:
        for i, h in enumerate(self.holds, 1):
            yield f"hold {i}: {clock(h.start)}–{clock(h.end)} ({h.duration:.0f} s)"
            if h.permission:
                yield f"  permission ✓ {heard(h.permission_evidence)}"
            else:
                told = h.imperative_evidence
                yield "  permission ✗" + (
                    f" — told to wait: {heard(told)}" if told else " — not asked"
                )
            yield (
                f"  thanks ✓ {heard(h.thanks_evidence)}"
                if h.thanked
                else "  thanks ✗ — no thanks or apology on return"
            )
        for line in self.advice(item.status):
            yield f"say instead: {line}"

    def advice(self, status: str) -> list[str]:
        return [s for s in (self.permission_suggestion, self.thanks_suggestion) if s]

    def places(self) -> Iterable[Place]:
        for i, h in enumerate(self.holds, 1):
            parts = [
                "permission ✓" if h.permission else "permission ✗",
                "thanks ✓" if h.thanked else "thanks ✗",
            ]
            text = f"hold {i}: {clock(h.start)}–{clock(h.end)} ({h.duration:.0f} s silence)"
            yield Place(
                h.start, h.end, "hold", text, ", ".join(parts), not (h.permission and h.thanked)
            )
            for ev, note, bad in ((h.announce_evidence, "announced", False), (h.permission_evidence, "asked permission", False),
                                  (h.imperative_evidence, "told to wait", True), (h.thanks_evidence, "thanked on return", False)):  # fmt: skip
                if ev:
                    yield Place.of(ev, note, bad)


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
    cleared: list[Mapping[str, Any]] = field(default_factory=list)
    """Hits a near miss or the context (a question, 如果不行) made no fault: ``phrase``, ``near_miss`` or
    ``context``, ``text``, ``start``."""
    ni_count: int | None = None
    """Times the informal pronoun was said (None: the lexicon does not count it; then the next five are absent too)."""
    nin_count: int | None = None
    ni_examples: list[Mapping[str, Any]] | None = None
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

    def credit(self, status: str, profile: Profile, scorecard: Scorecard) -> float:
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
        what = "forbidden phrase(s)" if full else "hit(s)"
        if self.hits:
            return f"{len(self.hits)} {what}"
        if self.possible_hits:
            return f"{len(self.possible_hits)} possible {what}"
        return "none heard" if full else ""

    def explain(self, item: ItemResult) -> Iterable[str]:
        for label, hits in (("", self.hits), ("possibly ", self.possible_hits)):
            for h in hits:
                who = "" if h.role == "agent" else f" ({h.role})"
                yield f"{clock(h.start)}{who} 「{h.text}」 — {label}{h.phrase} ({h.similarity:.0f})"
                yield f"  say instead: {h.suggestion}"

    def places(self) -> Iterable[Place]:
        for label, hits in (("forbidden", self.hits), ("possibly forbidden", self.possible_hits)):
            for h in hits:
                yield Place(h.start, h.end, h.role, h.text, f"{label}: {h.phrase}", True)

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
        return note + (f", e.g. {clock(example['start'])} 「{example['text']}」" if example else "")

    @property
    def pronoun_note(self) -> str | None:
        """``你 said 2× where 您 is expected (000 客服礼仪规范)``, in the lexicon's words; None when not counted."""
        if not self.ni_count or not self.informal:
            return None
        source = f" ({self.politeness_source})" if self.politeness_source else ""
        return f"{self.informal} said {self.ni_count}× where {self.formal or 'the polite form'} is expected{source}"


DETAILS: dict[str, type[ItemDetails]] = {
    "greeting": GreetingDetails,
    "customer_name": NameDetails,
    "hold": HoldDetails,
    "forbidden": ForbiddenDetails,
    "closing": ClosingDetails,
}
"""Each checklist item's details type."""


def as_details(name: str, details: Mapping[str, Any]) -> ItemDetails | None:
    """An item's details typed: as they are when the check made them, read from a stored review's
    JSON otherwise; ``None`` for an item that was never judged (no agent speech: only a ``reason``)
    or that is no checklist item (a delivery metric)."""
    if isinstance(details, ItemDetails):
        return details
    kind = DETAILS.get(name)
    if kind is None or any(k not in details for k in kind.REQUIRED):
        return None
    return kind.from_dict(details)
