"""Which of two voices is the agent: the lexicon's service phrases, weighed together.

Evidence for a voice being the agent, each from the lexicon's public phrase lists
(no phrase lives in code):

========================  ======  =================================================
evidence                  weight  lexicon lists
========================  ======  =================================================
offers help               2       ``greeting.offer_help`` in the voice's first two
                                  turns (first 30 s); a salutation alone is no
                                  evidence: callers say 你好 too
introduces the company   2       ``greeting.company``, ``greeting.agent_name``,
or themself                       ``outbound.confirm_identity``, ``outbound.agent_name``
                                  patterns in the voice's first two turns (first 30 s)
asks the customer's name  2       ``names.ask_name`` (请问您贵姓)
service phrases           1 each  ``hold.permission``, ``hold.thanks``,
                                  ``closing.question``, ``closing.thanks``,
                                  ``outbound.ask_time`` (capped at 4)
speaks first              0.5     the first piece of the call
gives their own name      −2      ``names.self_name`` (我姓刘): the caller does
========================  ======  =================================================

Only certain hits count (:attr:`callreview.matching.Hit.certain`). The difference
of the two voices' scores says how sure the choice is (:func:`role_certainty`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from callreview.matching import Turn, find_best, match_pattern
from callreview.transcript import Segment

if TYPE_CHECKING:
    from callreview.qc.lexicon import Lexicon

GREETING_WINDOW_S = 30.0
GREET = 2.0
ASK_NAME = 2.0
INTRODUCES = 2.0
SERVICE = 1.0
SERVICE_CAP = 4.0
FIRST = 0.5
SELF_NAME = -2.0


@dataclass(frozen=True)
class AgentEvidence:
    """How much one voice sounds like the agent, and why."""

    score: float
    reasons: tuple[str, ...]


def agent_evidence(turns: Sequence[Segment], lexicon: Lexicon, speaks_first: bool) -> AgentEvidence:
    """Score one voice's turns (in time order) as the agent's."""
    analysed = [Turn(seg, i) for i, seg in enumerate(turns)]
    score = 0.0
    reasons: list[str] = []
    greeting = lexicon.phrase_set("speakers.greet", lexicon.greeting.offer_help)
    early = [t for t in analysed if t.start <= GREETING_WINDOW_S][:2]
    if any(_certain(t, greeting) for t in early):
        score += GREET
        reasons.append("offers help")
    patterns = list(lexicon.greeting.company) + list(lexicon.greeting.agent_name)
    if lexicon.outbound is not None:
        patterns += list(lexicon.outbound.confirm_identity) + list(lexicon.outbound.agent_name)
    if any(match_pattern(t, p, lexicon.slot_max) is not None for t in early for p in patterns):
        score += INTRODUCES
        reasons.append("introduces the company or themself")
    ask_name = lexicon.phrase_set("speakers.ask_name", lexicon.names.ask_name)
    if any(_certain(t, ask_name) for t in analysed):
        score += ASK_NAME
        reasons.append("asks the customer's name")
    service_lists = [
        lexicon.hold.permission,
        lexicon.hold.thanks,
        lexicon.closing.question,
        lexicon.closing.thanks,
    ]
    if lexicon.outbound is not None:
        service_lists.append(lexicon.outbound.ask_time)
    service = 0.0
    for i, phrases in enumerate(service_lists):
        found = lexicon.phrase_set(f"speakers.service.{i}", phrases)
        service += SERVICE * sum(1 for t in analysed if _certain(t, found))
    if service:
        score += min(service, SERVICE_CAP)
        reasons.append(f"service phrases ×{int(service)}")
    if any(
        match_pattern(t, p, lexicon.slot_max) is not None
        for t in analysed
        for p in lexicon.names.self_name
    ):
        score += SELF_NAME
        reasons.append("gives their own surname")
    if speaks_first:
        score += FIRST
        reasons.append("speaks first")
    return AgentEvidence(score, tuple(reasons))


def _certain(turn: Turn, phrases) -> bool:
    hit = find_best(turn, phrases)
    return hit is not None and hit.certain


def role_certainty(agent: AgentEvidence, other: AgentEvidence) -> float:
    """0.5 (no evidence either way) to 1 (a clear lead): how sure the agent is the agent."""
    lead = agent.score - other.score
    return 0.5 + 0.5 * math.tanh(max(lead, 0.0) / 2.0)
