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
麻烦您稍等片刻; an imperative 等着 / 你等一下 is not one); ``thanked`` — 感谢您的耐心等待 /
让您久等了 in the agent's first words back. No hold → ``na``.
"""

from __future__ import annotations

from dataclasses import replace

from callreview.matching import Hit, Turn
from callreview.qc.checks import CallContext, Finding, find_across, find_part
from callreview.qc.details import Hold, HoldDetails, NearHold
from callreview.results import Evidence


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
        # Turns before the silence (one spanning it counts on both sides: word timings can put a hold inside a segment).
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
        status = "pass"
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


def silences(spans: list[tuple[float, float]], min_s: float) -> list[tuple[float, float]]:
    """Stretches of at least ``min_s`` seconds between speech (of anybody), after the first word and before the last."""
    out = []
    reach = None
    for start, end in spans:
        if reach is not None and start - reach >= min_s:
            out.append((reach, start))
        reach = end if reach is None else max(reach, end)
    return out


def _latest_first(turns: list[Turn]) -> list[Turn]:
    return sorted(turns, key=lambda t: -t.end)


def _customer_paused(ctx: CallContext, start: float) -> bool:
    """The last words before the silence are the customer's 等一下 / 我找一下: their pause, not a hold."""
    last = [t for t in ctx.turns if t.start < start]
    if not last:
        return False
    turn = max(last, key=lambda t: t.end)
    return (
        turn.role == "customer" and find_part([turn], ctx.lexicon.hold.customer_pause) is not None
    )


def _ev(hit: Hit | None) -> Evidence | None:
    return hit.evidence() if hit is not None else None
