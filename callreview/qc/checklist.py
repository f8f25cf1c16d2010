"""``check_transcript``: score one transcript against the QC checklist, with evidence.

    Transcript ─CallContext─▶ greeting · customer_name · hold · forbidden · closing ─▶ Finding × 5
               ─delivery───▶ DeliveryMetrics (how the agent spoke; dead air reuses the hold check's holds)
               ─Scorecard──▶ ItemResult × 5 (+ weighted delivery metrics), score, band ─▶ CallReview

The checks judge (:mod:`callreview.qc.checks`), the scorecard counts points
(:mod:`callreview.qc.scorecard`); this module only runs them in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from callreview.qc.checks import CallContext, Finding, lean_on_roles
from callreview.qc.checks.closing import check_closing
from callreview.qc.checks.customer_name import check_customer_name
from callreview.qc.checks.forbidden import check_forbidden
from callreview.qc.checks.greeting import check_greeting
from callreview.qc.checks.hold import check_hold
from callreview.qc.delivery import judge_delivery, measure_delivery
from callreview.qc.lexicon import Lexicon
from callreview.qc.scorecard import Scorecard
from callreview.results import ITEMS, CallReview
from callreview.transcript import Transcript

CHECKS: dict[str, Callable[[CallContext], Finding]] = {
    "greeting": check_greeting,
    "customer_name": check_customer_name,
    "hold": check_hold,
    "forbidden": check_forbidden,
    "closing": check_closing,
}
assert tuple(CHECKS) == ITEMS


@dataclass(frozen=True)
class CallInfo:
    """What the caller knows about the call besides its recording."""

    direction: Literal["inbound", "outbound"] = "inbound"
    """``outbound`` (回访 follow-up calls) uses the outbound greeting parts and profile."""
    customer_name: str | None = None
    """The customer's name if known (王, 王先生, 王建国; Smith); else inferred from the call."""
    agent_name: str | None = None
    """The agent's name or staff number as they introduce themself; else taken from the greeting."""
    company_names: tuple[str, ...] = ()
    """Names the greeting must contain; none: recognized from the greeting's shape (欢迎致电X)."""
    agent_names: tuple[str, ...] = ()
    """The site's agents (``agent_names`` in callreview.toml) when ``agent_name`` is not known: any of them counts."""


def check_transcript(
    transcript: Transcript,
    lexicon: Lexicon,
    scorecard: Scorecard,
    call: CallInfo = CallInfo(),
    metrics: bool = True,
) -> CallReview:
    """Judge every checklist item on the agent's speech, measure how the agent spoke (``metrics``), and score the call."""
    profile = scorecard.profile(call.direction)
    ctx = CallContext.build(transcript, lexicon, scorecard.thresholds, call)
    delivery_metrics = None
    if ctx.judged:
        findings = []
        for name, check in CHECKS.items():
            findings.append(lean_on_roles(check(ctx), ctx, check))
            if (
                name == "hold" and metrics
            ):  # dead air leaves out the holds it found; measured now, while the call's timings are fresh in memory
                delivery_metrics = measure_delivery(
                    ctx, scorecard.delivery, findings[-1].details["holds"]
                )
    else:
        reason = "no agent speech in the transcript; check the agent channel (agent_channel) and the recording"
        findings = [Finding(name, "review", (), {"reason": reason}) for name in ITEMS]
        delivery_metrics = measure_delivery(ctx, scorecard.delivery) if metrics else None
    items = {f.name: scorecard.item_result(f, profile) for f in findings}
    delivery = {}
    if delivery_metrics is not None and any(profile.delivery_weights.values()):
        weighted = [
            f
            for f in judge_delivery(delivery_metrics, scorecard.delivery)
            if profile.delivery_weights[f.name] > 0
        ]
        delivery = {f.name: scorecard.delivery_result(f, profile) for f in weighted}
    score = scorecard.total({**items, **delivery})
    band = scorecard.band(score)
    return CallReview(
        file=transcript.file,
        duration_s=transcript.duration_s,
        score=score,
        band=band.name if band else None,
        band_label=band.label if band else None,
        profile=profile.name,
        items=items,
        needs_review=any(i.status == "review" for i in (*items.values(), *delivery.values())),
        metrics=delivery_metrics,
        delivery=delivery,
    )
