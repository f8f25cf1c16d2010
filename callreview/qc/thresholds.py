"""The numbers a scorecard gives the checks (``[thresholds]``, ``[delivery]``) and the weights of
one kind of call (a profile): below the checks and the scorecard, so both can read them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from callreview.results import METRICS

NO_DELIVERY_WEIGHTS = {name: 0.0 for name in METRICS}


@dataclass(frozen=True)
class Thresholds:
    """Numbers the checks judge by (scorecard ``[thresholds]``)."""

    name_count: int = 2
    """Agent turns that must address the customer by name (004: 至少两次)."""
    hold_gap_s: float = 10.0
    """A silence of at least this long mid-call is a hold, announced or not."""
    announced_hold_gap_s: float = 5.0
    """A shorter silence right after the agent announces a hold is a hold too."""
    hold_lookback_s: float = 30.0
    """How far before a hold the agent's request for permission is looked for."""
    thanks_window_s: float = 15.0
    """How soon after a hold the agent must thank the customer for waiting."""
    greeting_window_s: float = 15.0
    """The greeting is looked for in agent turns starting this soon after the agent's first."""
    closing_window_s: float = 30.0
    """The closing is looked for in agent turns ending this close to the agent's last."""
    timing_tolerance_s: float = 0.5
    """How far the model's word timings move between machines and runs: a silence within this of
    ``hold_gap_s`` / ``announced_hold_gap_s`` is on the knife edge, and the hold item marks it
    (``near_threshold``). Calls meant to show one side of a threshold sit at least this far from
    it."""
    cut_tolerance_s: float = 0.3
    """A word or unheard speech ending this close to the end of the recording means it stopped
    mid-speech: a missing closing may have been cut off (→ review, not fail)."""
    join_gap_s: float = 3.0
    """Two of the agent's segments this close (the customer may speak between) are also read as one
    sentence when a phrase is looked for: the decoder sometimes cuts the agent's sentence in two
    (…马上帮您办还有 | 什么问题吗), and a phrase split so is heard in neither half."""


@dataclass(frozen=True)
class DeliveryThresholds:
    """What counts as too fast, an interruption, dead air, too much talk (scorecard
    ``[delivery]``)."""

    rate_max: float = 380.0
    """Characters (or words) per minute above which the agent speaks too fast…"""
    fast_min_s: float = 5.0
    """…for more than this many seconds of speech (consecutive turns over ``rate_max``)."""
    rate_min_turn_s: float = 1.5
    """Turns with less speech than this get no rate of their own: too short to time (好的。)."""
    pause_s: float = 1.0
    """A gap this long (0.5 s or more) between the words of one turn is a pause, not speaking
    time."""
    char_max_s: float = 0.4
    """The longest a word is taken to last, per character: Whisper's word timings stretch words over
    silence."""
    interruption_overlap_s: float = 1.0
    """Talking over the customer's turn for at least this long is an interruption (back-channels
    aside)."""
    interruptions_max: int = 0
    """A weighted ``interruptions`` item fails with more interruptions than this."""
    dead_air_min_s: float = 3.0
    """A silence of both parties this long mid-call is dead air (announced holds aside)."""
    dead_air_max_s: float = 5.0
    """A stretch of dead air longer than this is a fault."""
    agent_share_max: float = 80.0
    """An agent share of the talk (%) above this is a fault."""


@dataclass(frozen=True)
class Profile:
    """Weights for one kind of call (seed 004: inbound and outbound are scored with different
    emphasis)."""

    name: str
    weights: Mapping[str, float]
    greeting_parts: Mapping[str, float]
    closing_parts: Mapping[str, float]
    hold_parts: Mapping[str, float]
    delivery_weights: Mapping[str, float] = field(default_factory=lambda: dict(NO_DELIVERY_WEIGHTS))
    """Points per delivery metric on top of the five items' 100; 0 (the default): information
    only."""
