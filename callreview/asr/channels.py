"""Which channel of a stereo call is the agent's, from what is said on each.

    Transcript (read with the agent on one side) ─agent_side(cues)─▶ ChannelCheck
        keep · swap (the other channel sounds like the agent) · unsure

Each channel's turns are weighed as the agent's with the evidence the mono separation uses
(:func:`callreview.asr.speakers.roles.agent_evidence`: the greeting's offer of help, the company
or agent introduced, asking the customer's name, service phrases; who speaks first on an inbound
call). ``review.py`` hands the lexicon's phrases in (:class:`AgentCues`): the speech side knows no
lexicon. With ``agent_channel = "auto"`` a swap reads the call the other way round; with a fixed
channel a swap marks the call for review with the evidence heard on the customer's channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from callreview.asr.speakers.roles import GREETING_WINDOW_S, AgentCues, agent_evidence
from callreview.matching import Turn, find_best, match_pattern
from callreview.results import Evidence
from callreview.transcript import Segment, Transcript

MARGIN = 2.0
"""How far one channel's agent evidence must lead the other's to decide: one strong cue (a
greeting's offer of help, an introduction, asking the name)."""

Verdict = Literal["keep", "swap", "unsure"]


@dataclass(frozen=True)
class ChannelCheck:
    """What the speech says of the channels as read: who sounds like the agent, and why."""

    verdict: Verdict
    """``keep``: the agent's channel sounds like the agent; ``swap``: the customer's channel does;
    ``unsure``: neither leads by :data:`MARGIN`."""
    agent_score: float
    customer_score: float
    reason: str
    """One line for the transcript's notes and the review's reason."""
    evidence: tuple[Evidence, ...] = ()
    """Where the greeting or introduction was heard on the channel that sounds like the agent."""


def agent_side(
    transcript: Transcript,
    cues: AgentCues,
    inbound: bool = True,
    sides: tuple[str, str] = ("the left channel", "the right channel"),
) -> ChannelCheck:
    """Weigh both channels of a stereo ``transcript`` (roles as read; ``sides`` names the agent's
    side and the customer's as read, for the reason). ``inbound``: the agent answers, so speaking
    first counts for them."""
    first = transcript.segments[0].role if transcript.segments else None
    agent_turns, customer_turns = transcript.by_role("agent"), transcript.by_role("customer")
    agent = agent_evidence(agent_turns, cues, inbound and first == "agent")
    customer = agent_evidence(customer_turns, cues, inbound and first == "customer")
    mine, other = sides
    lead = agent.score - customer.score
    if lead >= MARGIN:
        verdict: Verdict = "keep"
        said = f"{mine} sounds like the agent ({_why(agent.reasons)})"
    elif lead <= -MARGIN:
        verdict = "swap"
        said = f"{other} sounds like the agent ({_why(customer.reasons)}), not {mine}"
    else:
        verdict = "unsure"
        said = (
            f"neither side clearly sounds like the agent ({mine}: "
            f"{_why(agent.reasons)}; {other}: {_why(customer.reasons)})"
        )
    heard = customer_turns if verdict == "swap" else agent_turns
    return ChannelCheck(
        verdict,
        agent.score,
        customer.score,
        f"{said}; agent evidence {agent.score:g} vs {customer.score:g}",
        _greeting_evidence(transcript, heard, cues),
    )


def _why(reasons: tuple[str, ...]) -> str:
    return ", ".join(reasons) if reasons else "no agent phrases"


def _greeting_evidence(
    transcript: Transcript, turns: tuple[Segment, ...], cues: AgentCues
) -> tuple[Evidence, ...]:
    """The offer of help and the introduction heard in the first two turns of ``turns``."""
    index = {id(seg): i for i, seg in enumerate(transcript.segments)}
    early = [Turn(s, index.get(id(s), 0)) for s in turns if s.start <= GREETING_WINDOW_S][:2]
    found: list[Evidence] = []
    for turn in early:
        hit = find_best(turn, cues.offers_help)
        if hit is not None and hit.certain:
            found.append(hit.evidence())
        for pattern in cues.introduces:
            matched = match_pattern(turn, pattern, cues.slot_max)
            if matched is not None:
                found.append(matched.evidence())
                break
    return tuple(sorted(found, key=lambda e: e.start))


REVIEW_NOTE = "review: "
"""A transcript note so marked makes the checklist a person's to decide (see ``review.py``)."""


@dataclass(frozen=True)
class ReadAs:
    """How one call's audio is read: two leg files or one, which channel is the agent's."""

    legs: tuple[Path | None, Path | None] | None = None
    """``(agent's leg, customer's leg)``; ``None``: one file."""
    note: str | None = None
    """Said about the call in its transcript (a leg read alone)."""
    channel: str | None = None
    """The call's own ``agent_channel`` (its ``.toml``): ``left``, ``right``, ``auto``; ``None``:
    the site's."""
    inbound: bool = True


def channel_note(check: ChannelCheck, auto: bool) -> str:
    """The transcript's note on the channels: what was decided and why; :data:`REVIEW_NOTE` when
    a person must decide (auto and unsure, or a fixed channel the speech contradicts)."""
    if auto:
        if check.verdict == "unsure":
            return f"{REVIEW_NOTE}agent channel (auto) not decided: {check.reason}"
        return f"agent channel (auto): {check.reason}"
    if check.verdict == "swap":
        return (
            f"{REVIEW_NOTE}the agent channel set (agent_channel) looks wrong: {check.reason}; "
            "check agent_channel for this recorder, or set it to auto"
        )
    return f"agent channel (set): {check.reason}"  # kept out of transcripts (review.py)
