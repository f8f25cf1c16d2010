"""Closing (结束语): in the agent's last turns, a closed question, thanks and a farewell (004 F、结束电话).

Parts: ``question`` (还有什么可以帮您), ``thanks`` (感谢您的来电), ``farewell`` (再见 / 祝您生活愉快).

A missing part is ``fail`` — unless the agent's last turn may simply be missing
from the transcript (an ASR deletion cannot be recovered): the call ends with the
customer talking, or the recording runs on more than ``closing_tail_s`` after the
agent's last words. Then it is ``review``.
"""

from __future__ import annotations

from callreview.checks import CallContext, Finding, find_part, part, part_evidence, parts_status


def check_closing(ctx: CallContext) -> Finding:
    lex = ctx.lexicon.closing
    th = ctx.thresholds
    last_end = max(t.end for t in ctx.judged)
    # The last turns, but never the agent's first (its 有什么可以帮您 is the greeting's offer, not the closing question).
    later = ctx.judged[1:] or ctx.judged
    closing = [t for t in later if t.end >= last_end - th.closing_window_s]
    closing = sorted(set(closing) | set(later[-2:]), key=lambda t: t.start)
    closing.reverse()  # the latest words first: a 再见 at the end is the farewell
    parts = {
        "question": part(find_part(closing, lex.question)),
        "thanks": part(find_part(closing, lex.thanks)),
        "farewell": part(find_part(closing, lex.farewell)),
    }
    status = parts_status(parts)
    segments = ctx.transcript.segments
    ends_with_customer = bool(segments) and segments[-1].role == "customer"
    tail = ctx.transcript.duration_s - last_end
    last_turn_missing = ends_with_customer or tail > th.closing_tail_s
    details = {"parts": parts, "last_turn_missing": last_turn_missing}
    if status == "fail" and last_turn_missing:
        status = "review"
        details["reason"] = (
            "the call ends with the customer talking" if ends_with_customer else f"{tail:.0f} s of recording after the agent's last words"
        ) + ": the agent's last turn may be missing from the transcript"
    if status != "pass":
        details["suggestion"] = lex.suggestion
    return Finding("closing", status, part_evidence(parts), details)
