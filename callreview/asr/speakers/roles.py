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

from callreview.matching import Pattern, PhraseSet, Turn, find_best, match_pattern
from callreview.transcript import Segment

GREETING_WINDOW_S = 30.0
GREET = 2.0
ASK_NAME = 2.0
INTRODUCES = 2.0
SERVICE = 1.0
SERVICE_CAP = 4.0
FIRST = 0.5
SELF_NAME = -2.0


@dataclass(frozen=True)
class AgentCues:
    """The lexicon's phrases that tell the agent's voice from the caller's, as plain matching data
    (``review.py`` builds them from the lexicon: the speech side knows no lexicon)."""

    offers_help: PhraseSet
    """``greeting.offer_help``."""
    introduces: tuple[Pattern, ...]
    """``greeting.company``, ``greeting.agent_name`` and, outbound, ``confirm_identity``,
    ``agent_name``."""
    asks_name: PhraseSet
    """``names.ask_name``."""
    service: tuple[PhraseSet, ...]
    """``hold.permission``, ``hold.thanks``, ``closing.question``, ``closing.thanks``,
    ``outbound.ask_time``."""
    self_name: tuple[Pattern, ...]
    """``names.self_name``."""
    slot_max: dict[str, int]
    """The longest text each pattern slot takes."""


@dataclass(frozen=True)
class AgentEvidence:
    """How much one voice sounds like the agent, and why."""

    score: float
    reasons: tuple[str, ...]


def agent_evidence(turns: Sequence[Segment], cues: AgentCues, speaks_first: bool) -> AgentEvidence:
    """Score one voice's turns (in time order) as the agent's."""
    analysed = [Turn(seg, i) for i, seg in enumerate(turns)]
    score = 0.0
    reasons: list[str] = []
    early = [t for t in analysed if t.start <= GREETING_WINDOW_S][:2]
    if any(_certain(t, cues.offers_help) for t in early):
        score += GREET
        reasons.append("offers help")
    if any(match_pattern(t, p, cues.slot_max) is not None for t in early for p in cues.introduces):
        score += INTRODUCES
        reasons.append("introduces the company or themself")
    if any(_certain(t, cues.asks_name) for t in analysed):
        score += ASK_NAME
        reasons.append("asks the customer's name")
    service = 0.0
    for found in cues.service:
        service += SERVICE * sum(1 for t in analysed if _certain(t, found))
    if service:
        score += min(service, SERVICE_CAP)
        reasons.append(f"service phrases ×{int(service)}")
    if any(
        match_pattern(t, p, cues.slot_max) is not None for t in analysed for p in cues.self_name
    ):
        score += SELF_NAME
        reasons.append("gives their own surname")
    if speaks_first:
        score += FIRST
        reasons.append("speaks first")
    return AgentEvidence(score, tuple(reasons))


def _certain(turn: Turn, phrases: PhraseSet) -> bool:
    hit = find_best(turn, phrases)
    return hit is not None and hit.certain


def role_certainty(agent: AgentEvidence, other: AgentEvidence) -> float:
    """0.5 (no evidence either way) to 1 (a clear lead): how sure the agent is the agent."""
    lead = agent.score - other.score
    return 0.5 + 0.5 * math.tanh(max(lead, 0.0) / 2.0)
