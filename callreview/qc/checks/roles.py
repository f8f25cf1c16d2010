"""A verdict that rests on a turn whose speaker is unsure becomes ``review`` (separated mono
calls)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from callreview.qc.checks.base import ItemDetails
from callreview.qc.checks.context import CallContext, Finding
from callreview.transcript import Role, Segment

LOW_ROLE_CONFIDENCE = 0.7
"""A turn of a separated mono call whose ``role_confidence`` is under this is not sure to be
whose it says: a verdict resting on it is ``review`` (:func:`lean_on_roles`)."""


def lean_on_roles(
    finding: Finding, ctx: CallContext, check: Callable[[CallContext], Finding] | None = None
) -> Finding:
    """A pass or fail that rests on a turn whose speaker was inferred with low confidence
    (a separated mono call) becomes ``review``; the details say which turn and why.

    It rests on the turn when the turn is part of its evidence, or — given the ``check`` that made
    it — when the verdict changes with the turn given to the other speaker: a greeting that fails
    for want of 您好 while a 您好 is the customer's at 68 % fails on that turn as much as on any
    quoted one. Run once after every check (:func:`callreview.qc.checklist.check_transcript`), so
    every item is covered."""
    if finding.status not in ("pass", "fail") or ctx.transcript.roles != "mono-separated":
        return finding
    unsure = []
    for ev in finding.evidence:
        for turn in ctx.turns:
            seg = turn.segment
            conf = seg.role_confidence
            if conf is None or conf >= LOW_ROLE_CONFIDENCE or seg.role != ev.role:
                continue
            if seg.start - 0.05 <= ev.start and ev.end <= seg.end + 0.05:
                unsure.append((seg, conf))
                break
    if unsure:
        seg, conf = min(unsure, key=lambda pair: pair[1])
        reason = (
            f"{finding.status} rests on the turn at {seg.start:.1f} s, "
            f"whose speaker ({seg.role}) is only {conf:.0%} sure: "
            "a mono call whose voices were told apart by the speaker model; listen to confirm"
        )
    elif check is not None and (flip := _hangs_on(finding, ctx, check)) is not None:
        seg, conf, other = flip
        reason = (
            f"{finding.status} would be {other} if the turn at {seg.start:.1f} s "
            f"were the {_OTHER[seg.role]}'s: its speaker ({seg.role}) is only {conf:.0%} sure "
            "(a mono call whose voices were told apart by the speaker model); listen to confirm"
        )
    else:
        return finding
    added = {"reason": reason, "role_confidence": round(conf, 3), "unsure_verdict": finding.status}
    details = (
        finding.details.with_extra(**added)
        if isinstance(finding.details, ItemDetails)
        else {**finding.details, **added}
    )
    return replace(finding, status="review", details=details)


_OTHER: dict[str, Role] = {"agent": "customer", "customer": "agent"}


def _hangs_on(
    finding: Finding, ctx: CallContext, check: Callable[[CallContext], Finding]
) -> tuple[Segment, float, str] | None:
    """The least sure low-confidence turn whose speaker, changed, changes ``check``'s verdict:
    (its segment, its confidence, the verdict then); ``None`` when no such turn moves it."""
    segments = ctx.transcript.segments
    unsure = sorted(
        (seg.role_confidence, i)
        for i, seg in enumerate(segments)
        if seg.role_confidence is not None
        and seg.role_confidence < LOW_ROLE_CONFIDENCE
        and seg.role in _OTHER
    )
    for conf, i in unsure:
        seg = segments[i]
        flipped = replace(
            ctx.transcript,
            segments=segments[:i] + (replace(seg, role=_OTHER[seg.role]),) + segments[i + 1 :],
        )
        other = check(CallContext.build(flipped, ctx.lexicon, ctx.thresholds, ctx.call)).status
        if other != finding.status:
            return seg, conf, other
    return None
