"""Hold (等候): ask permission before putting the customer on hold, thank them on return (004 A/B).

Holds are found two ways, from the whole call's speech (word timings where known):

* any silence of at least ``hold_gap_s`` mid-call, announced or not — a silent
  hold the agent never mentioned is still a hold;
* a shorter silence (≥ ``announced_hold_gap_s``) right after the agent announces
  one (请稍等, 我帮您查一下…). An announcement the agent talks straight through is no hold.

Thresholds carry the scorecard's ``timing_tolerance_s`` (word timings move that much between
machines): a hold less than that over its threshold is marked ``near_threshold``, and a silence
less than that under it is listed in ``near_holds`` — information for a reviewer, the status
follows the threshold as written.

A silence after the customer's own 等一下 / 我找一下, with no announcement by the
agent, is the customer's pause, not an agent's hold.

For each hold: ``permission`` — a request in the agent's turns before it (请您稍等一下好吗,
麻烦您稍等片刻; an imperative 等着 / 你等一下 is not one; one heard near-exactly as the agent's
last words right before the hold counts with its similarity, or makes it ``review``);
``thanked`` — 感谢您的耐心等待 / 让您久等了 in the agent's first words back. No hold → ``na``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar

from callreview.i18n import N_, gettext
from callreview.matching import Hit, Turn, compile_phrase, find_at_end
from callreview.qc.checks.base import (
    Deductions,
    ItemDetails,
    Place,
    Record,
    clock,
    evidence_of,
    heard,
)
from callreview.qc.checks.context import CallContext, Finding, find_across, find_part
from callreview.qc.thresholds import Profile
from callreview.results import Evidence, ItemResult, Status


@dataclass(frozen=True, eq=False)
class Hold(Record):
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
        kw: dict[str, Any] = {
            k: (evidence_of(v) if k.endswith("_evidence") else v)
            for k, v in data.items()
            if k in known
        }
        return cls(**kw)


@dataclass(frozen=True, eq=False)
class NearHold(Record):
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

    def credit(self, status: str, profile: Profile, scorecard: Deductions) -> float:
        if not self.holds:
            return 1.0
        w = profile.hold_parts
        return sum(
            (w["permission"] * h.permission + w["thanks"] * h.thanked) / 100 for h in self.holds
        ) / len(self.holds)

    def gist(self, status: str, full: bool = False) -> str:
        if not self.holds:
            return gettext("no hold")
        bad = sum(1 for h in self.holds if not (h.permission and h.thanked))
        return gettext("%(num)d hold(s)") % {"num": len(self.holds)} + (
            gettext(", %(num)d without permission or thanks") % {"num": bad} if bad else ""
        )

    def explain(self, item: ItemResult) -> Iterable[str]:
        for i, h in enumerate(self.holds, 1):
            yield gettext("hold %(num)d: %(span)s (%(seconds).0f s)") % {
                "num": i,
                "span": f"{clock(h.start)}–{clock(h.end)}",
                "seconds": h.duration,
            }
            if h.permission:
                yield "  " + gettext("permission ✓ %(heard)s") % {
                    "heard": heard(h.permission_evidence)
                }
            else:
                told = h.imperative_evidence
                yield "  " + (
                    gettext("permission ✗ — told to wait: %(heard)s") % {"heard": heard(told)}
                    if told
                    else gettext("permission ✗ — not asked")
                )
            yield "  " + (
                gettext("thanks ✓ %(heard)s") % {"heard": heard(h.thanks_evidence)}
                if h.thanked
                else gettext("thanks ✗ — no thanks or apology on return")
            )
        for line in self.advice(item.status):
            yield gettext("say instead: %(text)s") % {"text": line}

    def advice(self, status: str) -> list[str]:
        return [s for s in (self.permission_suggestion, self.thanks_suggestion) if s]

    def places(self) -> Iterable[Place]:
        for i, h in enumerate(self.holds, 1):
            _ = gettext
            parts = [
                _("permission ✓") if h.permission else _("permission ✗"),
                _("thanks ✓") if h.thanked else _("thanks ✗"),
            ]
            text = _("hold %(num)d: %(span)s (%(seconds).0f s silence)") % {
                "num": i,
                "span": f"{clock(h.start)}–{clock(h.end)}",
                "seconds": h.duration,
            }
            yield Place(
                h.start, h.end, "hold", text, ", ".join(parts), not (h.permission and h.thanked)
            )
            quoted = (
                (h.announce_evidence, N_("announced"), False),
                (h.permission_evidence, N_("asked permission"), False),
                (h.imperative_evidence, N_("told to wait"), True),
                (h.thanks_evidence, N_("thanked on return"), False),
            )
            for ev, note, bad in quoted:
                if ev:
                    yield Place.of(ev, gettext(note), bad)


def check_hold(ctx: CallContext) -> Finding:
    lex = ctx.lexicon.hold
    th = ctx.thresholds
    holds: list[Hold] = []
    evidence: list[Evidence] = []
    uncertain = False
    after = float("-inf")  # end of the previous hold: a request is not reused across holds
    edge: list[
        NearHold
    ] = []  # silences within timing_tolerance_s under the threshold that would make them holds
    for start, end in ctx.silences(max(0.5, th.announced_hold_gap_s - th.timing_tolerance_s)):
        # Turns before the silence (one spanning it counts on both sides: word timings can put a
        # hold inside a segment).
        before = [
            t
            for t in ctx.judged
            if t.start < start and t.end > after and t.end >= start - th.hold_lookback_s
        ]
        announce = find_part(
            _latest_first(before),
            ctx.lexicon.phrase_set("hold:any", lex.announce, lex.permission, lex.not_permission),
        )
        if announce is not None and not announce.certain:
            announce = (
                None  # a grey-zone announcement makes no hold (麻烦您找一下 is not 麻烦您稍等一下)
            )
        near = announce is not None and announce.turn.end >= start - th.hold_lookback_s / 3
        gap = th.announced_hold_gap_s if near else th.hold_gap_s
        if end - start < gap:
            if gap - (end - start) < th.timing_tolerance_s and not (
                announce is None and _customer_paused(ctx, start)
            ):
                edge.append(NearHold(round(start, 2), round(end, 2), round(end - start, 2), gap))
            continue
        if announce is None and _customer_paused(ctx, start):
            continue
        permission = find_across(ctx, _latest_first(before), lex.permission)
        if permission is None or not permission.certain:
            permission = _asked_at_the_end(ctx, before, start) or permission
        imperative = (
            find_part(_latest_first(before), lex.not_permission)
            if permission is None or not permission.certain
            else None
        )
        back = [t for t in ctx.judged if t.end > end and t.start <= end + th.thanks_window_s][:2]
        thanks = find_across(ctx, back, lex.thanks)
        hold = Hold(
            start=round(start, 2),
            end=round(end, 2),
            duration=round(end - start, 2),
            announced=announce is not None,
            permission=bool(permission and permission.certain),
            thanked=bool(thanks and thanks.certain),
            permission_evidence=_ev(permission),
            thanks_evidence=_ev(thanks),
            announce_evidence=_ev(announce),
            imperative_evidence=_ev(imperative)
            if imperative is not None and imperative.certain
            else None,
            near_threshold=end - start - gap < th.timing_tolerance_s,
        )
        holds.append(hold)
        uncertain |= (permission is not None and not permission.certain) or (
            thanks is not None and not thanks.certain
        )
        evidence += [
            e
            for e in (hold.permission_evidence, hold.imperative_evidence, hold.thanks_evidence)
            if e is not None
        ]
        after = end

    details = HoldDetails(holds, th.hold_gap_s, th.timing_tolerance_s, edge)
    if not holds:
        return Finding("hold", "na", (), details)
    if all(h.permission and h.thanked for h in holds):
        status: Status = "pass"
    else:
        status = "review" if uncertain or ctx.mono else "fail"
        details = replace(
            details,
            permission_suggestion=None
            if all(h.permission for h in holds)
            else lex.permission_suggestion,
            thanks_suggestion=None if all(h.thanked for h in holds) else lex.thanks_suggestion,
        )
    return Finding("hold", status, tuple(sorted(set(evidence), key=lambda e: e.start)), details)


def _asked_at_the_end(ctx: CallContext, before: list[Turn], start: float) -> Hit | None:
    """A request for permission heard near, not exactly, as the agent's last words right before
    the hold (请稍等 heard 轻烧的 on a real voice): in that one place a short phrase needs only
    the similarity a long one needs anywhere (``[match] threshold``; ``review`` within the review
    margin under it), the place itself being the evidence a short phrase lacks elsewhere. Not
    when the agent told the customer to wait there (你等一下)."""
    th, lex = ctx.thresholds, ctx.lexicon.hold
    last = [t for t in before if t.end >= start - th.timing_tolerance_s and t.end <= start + 1e-6]
    if not last:
        return None
    turn = max(last, key=lambda t: t.end)
    told = find_at_end(turn, lex.not_permission)
    if told is not None and told.certain:
        return None
    rules = ctx.lexicon.rules
    phrases = ctx.lexicon.cached(
        "hold:permission-at-end",
        lambda: tuple(
            compile_phrase(p.text, rules, threshold=rules.threshold, sound_alike=True)
            for p in lex.permission
        ),
    )
    return find_at_end(turn, phrases)


def _latest_first(turns: list[Turn]) -> list[Turn]:
    return sorted(turns, key=lambda t: -t.end)


def _customer_paused(ctx: CallContext, start: float) -> bool:
    """The last words before the silence are the customer's 等一下 / 我找一下: their pause, not a
    hold."""
    last = [t for t in ctx.turns if t.start < start]
    if not last:
        return False
    turn = max(last, key=lambda t: t.end)
    return (
        turn.role == "customer" and find_part([turn], ctx.lexicon.hold.customer_pause) is not None
    )


def _ev(hit: Hit | None) -> Evidence | None:
    return hit.evidence() if hit is not None else None
