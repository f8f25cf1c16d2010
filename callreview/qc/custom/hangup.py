"""The rule ``customer_hangs_up_first`` (004 结束电话: 让客户先挂断), over segment times.

On a stereo recording each side has its own channel, and the recording ends when the line does.
The agent ended the call first when the customer's last words run up to the very end of the
recording (within ``tolerance_s``: cut off) and began after the agent had already stopped
speaking: the agent's side went silent, then the line dropped while the customer was still saying
goodbye. Any other ending passes. N/A on a mono recording (whose voice is whose is not known
well enough to time the ending) and on a call where one side never speaks.
"""

from __future__ import annotations

from callreview.matching import Turn
from callreview.qc.checks.context import CallContext
from callreview.results import Evidence, Status


def judge_hangup(ctx: CallContext, tolerance_s: float) -> tuple[Status, tuple[Evidence, ...], str]:
    """``(status, evidence, reason)``: the agent's and the customer's last turns as evidence."""
    transcript = ctx.transcript
    if transcript.roles != "stereo":
        return "na", (), "needs a stereo recording (one channel per side)"
    agent = [t for t in ctx.turns if t.role == "agent"]
    customer = [t for t in ctx.turns if t.role == "customer"]
    if not agent or not customer:
        return "na", (), "one side never speaks"
    last_agent = max(agent, key=lambda t: t.end)
    last_customer = max(customer, key=lambda t: t.end)
    end = transcript.duration_s
    evidence = tuple(
        sorted(
            (_quote(last_agent), _quote(last_customer)),
            key=lambda e: (e.start, e.end),
        )
    )
    cut = last_customer.end >= end - tolerance_s
    if cut and last_customer.start >= last_agent.end:
        return (
            "fail",
            evidence,
            "the recording ends while the customer is still speaking, after the agent stopped",
        )
    return "pass", evidence, "the customer's last words were heard to their end"


def _quote(turn: Turn) -> Evidence:
    seg = turn.segment
    return Evidence(turn.role, seg.start, seg.end, turn.text.quote(0, len(turn.text)), "", 100.0)
