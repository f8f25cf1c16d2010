"""``check_transcript``: score one transcript against the QC checklist, with evidence.

    Transcript ─CallContext─▶ greeting · customer_name · hold · forbidden · closing ─▶ Finding × 5
               ─delivery───▶ DeliveryMetrics (how the agent spoke)
               ─Scorecard──▶ ItemResult × 5 (+ weighted delivery metrics), score, band
               ─▶ CallReview

Dead air reuses the hold check's holds.

The checks judge (:mod:`callreview.qc.checks`), the scorecard counts points
(:mod:`callreview.qc.scorecard`); this module only runs them in order.
"""

from __future__ import annotations

from callreview.qc.checks import CHECKS
from callreview.qc.checks.context import CallContext, CallInfo, Finding
from callreview.qc.checks.roles import lean_on_roles
from callreview.qc.custom.rule import judge_items, unjudged
from callreview.qc.delivery import judge_delivery, measure_delivery
from callreview.qc.lexicon import Lexicon
from callreview.qc.scorecard import Scorecard
from callreview.results import ITEMS, CallReview
from callreview.transcript import Transcript


def check_transcript(
    transcript: Transcript,
    lexicon: Lexicon,
    scorecard: Scorecard,
    call: CallInfo = CallInfo(),
    metrics: bool = True,
) -> CallReview:
    """Judge every checklist item on the agent's speech, measure how the agent spoke (``metrics``),
    and score the call."""
    profile = scorecard.profile(call.direction)
    ctx = CallContext.build(transcript, lexicon, scorecard.thresholds, call)
    delivery_metrics = None
    if ctx.judged:
        findings = []
        for name, check in CHECKS.items():
            findings.append(lean_on_roles(check(ctx), ctx, check))
            # Dead air leaves out the holds it found; measured now, while the call's timings are
            # fresh in memory.
            if name == "hold" and metrics:
                delivery_metrics = measure_delivery(
                    ctx, scorecard.delivery, findings[-1].details["holds"]
                )
    else:
        reason = (
            "no agent speech in the transcript; "
            "check the agent channel (agent_channel) and the recording"
        )
        findings = [Finding(name, "review", (), {"reason": reason}) for name in ITEMS]
        delivery_metrics = measure_delivery(ctx, scorecard.delivery) if metrics else None
    items = {f.name: scorecard.item_result(f, profile) for f in findings}
    if scorecard.custom:  # the scorecard's own items, after the built-ins (they may read them)
        items.update(
            judge_items(scorecard.custom, ctx, items)
            if ctx.judged
            else unjudged(scorecard.custom, findings[0].details["reason"])
        )
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
