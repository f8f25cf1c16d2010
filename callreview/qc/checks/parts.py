"""Items scored per part found (greeting, closing): each part's record, the item's status and
evidence from its parts, and the details both items share (credit per part's share)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from callreview.i18n import bilingual, gettext
from callreview.matching import Hit, PatternHit
from callreview.matching.patterns import ShapeHit, SoundAlikeHit
from callreview.qc.checks.base import PART_LABELS, Deductions, ItemDetails, evidence_of, heard
from callreview.results import Evidence, Status

if TYPE_CHECKING:
    from callreview.qc.thresholds import Profile
    from callreview.results import ItemResult


Heard = Hit | PatternHit | ShapeHit | SoundAlikeHit
"""Whatever a part may be found by: a phrase, a slot pattern, a question's shape, a sound-alike."""


def part(hit: Heard | None, value: str | None = None, **extra: Any) -> dict[str, Any]:
    """One part of a greeting or closing: found (certain), or uncertain (grey zone), with its
    evidence."""
    if hit is None:
        return {"found": False, "uncertain": False, "text": None, "evidence": None, **extra}
    certain = hit.certain if isinstance(hit, Hit) else True
    ev = hit.evidence()
    out = {"found": certain, "uncertain": not certain, "text": ev.text, "evidence": ev, **extra}
    if value is not None:
        out["value"] = value
    return out


def parts_status(parts: dict[str, dict[str, Any]]) -> Status:
    """All parts found: pass; a part missing outright: fail; only uncertain ones missing: review."""
    if all(p["found"] for p in parts.values()):
        return "pass"
    if any(not p["found"] and not p["uncertain"] for p in parts.values()):
        return "fail"
    return "review"


def part_evidence(parts: dict[str, dict[str, Any]]) -> tuple[Evidence, ...]:
    seen: list[Evidence] = []
    for p in parts.values():
        ev = p.get("evidence")
        if ev is not None and ev not in seen:
            seen.append(ev)
    return tuple(sorted(seen, key=lambda e: e.start))


@dataclass(frozen=True, eq=False)
class PartsDetails(ItemDetails):
    """An item scored per part found (greeting, closing): ``parts`` name → part record (found,
    uncertain, text, evidence, value …, as :func:`part` makes them)."""

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

    def credit(self, status: str, profile: Profile, scorecard: Deductions) -> float:
        if self.opened_bare:
            return 0.0
        weights = self.shares(profile)
        return sum(weights.get(name, 0.0) for name, p in self.parts.items() if p["found"]) / 100.0

    def gist(self, status: str, full: bool = False) -> str:
        missing = [bilingual(PART_LABELS.get(k, k)) for k in self.missing()]
        if missing:
            return gettext("missing: %(parts)s") % {"parts": ", ".join(missing)}
        return gettext("all parts heard") if full else ""

    def explain(self, item: ItemResult) -> Iterable[str]:
        for name, p in self.parts.items():
            if p.get("uncertain"):
                value = f" ({p['value']})" if p.get("value") else ""
                yield gettext("%(part)s: unsure%(value)s — %(heard)s") % {
                    "part": bilingual(PART_LABELS.get(name, name)),
                    "value": value,
                    "heard": heard(p.get("evidence")),
                }
        suggestion = getattr(self, "suggestion", None)
        if suggestion:
            yield gettext("say instead: %(text)s") % {"text": suggestion}

    def advice(self, status: str) -> list[str]:
        suggestion = getattr(self, "suggestion", None)
        return [str(suggestion)] if suggestion else []
