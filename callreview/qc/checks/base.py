"""The shared base of every item's details: what the scorecard and the reports ask of them.

A check builds its item's details (a subclass of :class:`ItemDetails`, defined beside the check);
the scorecard asks them for the share of the weight they earn (:meth:`ItemDetails.credit`), the
terminal report and the web app for their gist and explanation (:meth:`ItemDetails.gist`,
:meth:`ItemDetails.explain`). Nothing switches on the item's name to know how to read them.

    Finding.details ── ItemDetails ──to_dict()──▶ the review JSON's item keys
    stored JSON ──from_dict()──▶ ItemDetails (the web app, exports, rescoring)

(The keys are those of docs/result-format.md.)

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
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from callreview.i18n import N_, gettext
from callreview.results import Evidence, _plain

if TYPE_CHECKING:
    from callreview.qc.thresholds import Profile
    from callreview.results import ItemResult


class Deductions(Protocol):
    """What a forbidden hit costs: the scorecard's ``[forbidden]`` numbers."""

    @property
    def deduction(self) -> float: ...

    @property
    def max_deduction(self) -> float: ...


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
    who = "" if role == "agent" else f" ({role_word(role)})"
    return f"{clock(start)}{who} 「{text}」"


ROLE_WORDS = {"agent": N_("agent"), "customer": N_("customer"), "unknown": N_("speaker")}


def role_word(role: str) -> str:
    """A speaker's role in the current language (``customer`` → 客户)."""
    return gettext(ROLE_WORDS[role]) if role in ROLE_WORDS else role


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


class Record(Mapping):
    """A dataclass read as a mapping of its JSON keys (for code that still reads details as
    dicts)."""

    __slots__ = ()

    # ``fields(self)`` below: every Record is a dataclass (its subclasses are); mypy sees the mixin.

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
    """A place in the call to play back: when, who, the quote, what it shows, and whether it is a
    problem."""

    start: float
    end: float
    role: str
    text: str
    note: str
    bad: bool = False

    @classmethod
    def of(cls, ev: Evidence, note: str, bad: bool = False) -> Place:
        return cls(ev.start, ev.end, ev.role, ev.text, note, bad)


@dataclass(frozen=True, eq=False)
class ItemDetails(Record):
    """The base of every item's details. Fields whose value is ``None`` and that are listed in
    :attr:`OPTIONAL` are left out of the JSON (the key was never written); everything else is
    written in field order, then :attr:`extra`."""

    OPTIONAL: ClassVar[tuple[str, ...]] = ()
    REQUIRED: ClassVar[tuple[str, ...]] = ()
    """Keys a stored item must have to be read as these details (else it was not judged: no agent
    speech)."""

    extra: Mapping[str, Any] = field(default_factory=dict, kw_only=True)
    """Keys added after the check (the scorecard's ``weight``, a low role confidence's ``reason``
    …)."""

    def _pairs(self) -> Iterator[tuple[str, Any]]:
        for f in fields(self):
            if f.name == "extra":
                continue
            value = getattr(self, f.name)
            if self._present(f.name, value):
                yield f.name, value
        yield from self.extra.items()

    def _present(self, key: str, value: Any) -> bool:
        """Whether the JSON has this field's key (an :attr:`OPTIONAL` one only when it is not
        ``None``)."""
        return value is not None or key not in self.OPTIONAL

    def with_extra(self, **values: Any) -> ItemDetails:
        """A copy with these keys set: a field of that name is replaced, any other key goes to
        :attr:`extra` (where a key already there keeps its place, as in a dict)."""
        own = {f.name for f in fields(self)} - {"extra"}
        changes = {k: v for k, v in values.items() if k in own}
        extra = dict(self.extra)
        extra.update((k, v) for k, v in values.items() if k not in own)
        return replace(self, **changes, extra=extra)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ItemDetails:
        """These details from the review JSON's item (its
        ``status``/``points``/``max_points``/``evidence`` aside)."""
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

    def credit(self, status: str, profile: Profile, scorecard: Deductions) -> float:
        """The share (0–1) of the item's weight a ``pass`` or ``fail`` earns."""
        return 1.0 if status == "pass" else 0.0

    def critical(self, phrases: Iterable[str]) -> list[str] | None:
        """The scorecard's critical phrases this item found (a hit of one scores the call 0);
        ``None``: an item that finds no phrases."""
        return None

    def not_required(self, profile: Profile) -> list[str] | None:
        """The parts missing when every one of them has no share in ``profile`` (then the item
        passes); else ``None``."""
        return None

    def gist(self, status: str, full: bool = False) -> str:
        """The one-line gist of the finding. ``full`` (the web app) also says when nothing is
        wrong."""
        return ""

    def explain(self, item: ItemResult) -> Iterable[str]:
        """What was heard, when, and what to say instead, under a failed or review item (its
        ``reason`` aside)."""
        return ()

    def advice(self, status: str) -> list[str]:
        """What the agent could have said (the lexicon's suggestions kept in the details)."""
        return []

    def places(self) -> Iterable[Place]:
        """Places to play back besides the item's evidence (holds, forbidden hits, the agent asking
        the name)."""
        return ()

    def bad_evidence(self, ev: Mapping[str, Any]) -> bool:
        """Whether a quote of the item's evidence is a problem rather than a part found (a bare 喂
        opening)."""
        return False

    @property
    def note(self) -> str | None:
        """A remark on the call as a whole that is no fault of this item (the informal pronoun
        count)."""
        return None

    @property
    def report_note(self) -> str | None:
        """:attr:`note` as the terminal report ends with it (with an example where the details keep
        one)."""
        return self.note
