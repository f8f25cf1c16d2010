"""Closing (结束语): in the agent's last turns, a closed question, thanks and a farewell (004
F、结束电话).

Parts: ``question`` (还有什么可以帮您 — or any question of its shape: 还有 + 其他/别的/什么 +
问题/需要/业务/帮…, see the lexicon's ``question_shape``), ``thanks`` (感谢您的来电),
``farewell`` (再见 / 祝您生活愉快).

A missing part is ``fail`` — the agent did not close — unless the transcript may
have lost the agent's closing words (an ASR deletion cannot be recovered, but a
recording tells when one may have happened):

* **unheard agent speech**: the speech detector heard the agent's channel after
  the agent's last heard words, and no decoded word covers it
  (``Transcript.unheard``; on a mono call, unheard speech of anybody);
* **a cut recording**: a word or an unheard stretch reaches within
  ``cut_tolerance_s`` of the recording's end — it stopped mid-speech.

Then it is ``review``, with that speech as the evidence. Otherwise a call that
ends with the customer talking is a plain ``fail``, the customer's last words as
evidence ("the customer spoke last (00:52); no agent speech after it"): the
agent's channel was silent after it, so the agent did not close. A hand-made
transcript (no ``unheard``, no word timings) does not drop turns: a fail too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from callreview.matching import Hit, find_keys, find_shape
from callreview.matching.patterns import ShapeHit, SoundAlikeHit
from callreview.qc.checks.base import clock
from callreview.qc.checks.context import CallContext, Finding, find_across
from callreview.qc.checks.parts import PartsDetails, part, part_evidence, parts_status
from callreview.results import Evidence

STRAY_TOKENS = 1
"""Tokens the decoder may add after a turn's last word (罗女士再见着): the farewell still ends the
turn."""

UNHEARD = "(speech with no words in the transcript)"
"""The quote of an :class:`Evidence` for speech the detector heard and the decoder did not turn into
words."""


@dataclass(frozen=True, eq=False)
class ClosingDetails(PartsDetails):
    """The closing's parts (question, thanks, farewell), and whether the agent's last words may be
    lost."""

    OPTIONAL: ClassVar[tuple[str, ...]] = ("reason", "suggestion")
    SHARES: ClassVar[str] = "closing_parts"

    last_turn_missing: bool = False
    """Speech after the agent's last words has no words in the transcript, or the recording stops
    mid-speech."""
    reason: str | None = None
    """Why the closing is ``review``, or the customer spoke last with no agent speech after it."""
    suggestion: str | None = None
    """What to say instead; only when the closing did not pass."""


def check_closing(ctx: CallContext) -> Finding:
    lex = ctx.lexicon.closing
    th = ctx.thresholds
    last_end = max(_heard_end(t) for t in ctx.judged)
    # The last turns, but never the agent's first (its 有什么可以帮您 is the greeting's offer, not
    # the closing question).
    later = ctx.judged[1:] or ctx.judged
    closing = [t for t in later if t.end >= last_end - th.closing_window_s]
    closing = sorted(set(closing) | set(later[-2:]), key=lambda t: t.start)
    closing.reverse()  # the latest words first: a 再见 at the end is the farewell
    question: Hit | ShapeHit | None = find_across(ctx, closing, lex.question)
    if question is None or not question.certain:
        shapes = (find_shape(t, lex.question_shape) for t in [*closing, *ctx.joined(closing)])
        question = next((h for h in shapes if h is not None), None) or question
    parts = {
        "question": part(question),
        "thanks": part(find_across(ctx, closing, lex.thanks)),
        "farewell": part(_farewell(ctx, closing)),
    }
    status = parts_status(parts)
    evidence = part_evidence(parts)
    lost = _lost_closing(ctx, last_end)
    reason = None
    if status == "fail":
        if lost is not None:
            why, ev = lost
            status = "review"
            reason = why + ": the agent's last words may be missing from the transcript"
            evidence = tuple(sorted(evidence + (ev,), key=lambda e: e.start))
        else:
            spoke_last = _customer_spoke_last(ctx, last_end)
            if spoke_last is not None:
                reason = (
                    f"the customer spoke last ({clock(spoke_last.start)}); no agent speech after it"
                )
                evidence = tuple(sorted(evidence + (spoke_last,), key=lambda e: e.start))
    details = ClosingDetails(
        parts,
        last_turn_missing=lost is not None,
        reason=reason,
        suggestion=None if status == "pass" else lex.suggestion,
    )
    return Finding("closing", status, evidence, details)


def _farewell(ctx: CallContext, closing: list) -> Hit | SoundAlikeHit | None:
    """The farewell; a short one heard with the very same sounds but other characters (在见 for
    再见), which :attr:`Hit.certain` leaves uncertain anywhere else, counts as the agent's last
    words: at the end of one of the agent's last two turns (one stray token after it at most),
    nothing but stray tokens later."""
    hit = find_across(ctx, closing, ctx.lexicon.closing.farewell)
    if hit is not None and hit.certain:
        return hit
    tail = ctx.judged[-2:]
    for k, turn in enumerate(reversed(tail)):
        later = tail[len(tail) - k :]
        if any(len(t.text.tokens) > STRAY_TOKENS for t in later):
            break
        n_tokens = len(turn.text.tokens)
        for phrase in ctx.lexicon.closing.farewell:
            n = len(phrase.keys)
            for at in find_keys(turn, phrase.ids):
                if at + n >= n_tokens - STRAY_TOKENS:
                    return SoundAlikeHit(phrase, turn, at, at + n, 100.0)
    return hit


def _heard_end(turn) -> float:
    words = turn.segment.words
    return max(w.end for w in words) if words else turn.end


def _lost_closing(ctx: CallContext, last_end: float) -> tuple[str, Evidence] | None:
    """Why the agent's closing words may be missing, with the speech that says so; None when nothing
    says so."""
    transcript = ctx.transcript
    after = [u for u in transcript.unheard if u.role in ("agent", "unknown") and u.end > last_end]
    if after:
        u = after[-1]
        ev = Evidence(u.role, u.start, u.end, UNHEARD, "unheard speech", 0.0)
        return (
            f"{u.role} speech at {clock(u.start)}–{clock(u.end)}, after the agent's last words, "
            "has no words in the transcript",
            ev,
        )
    # The last speech of the recording: a decoded word (word timings only: a hand-made segment's
    # end says nothing about where speech stopped) or unheard speech.
    last: Evidence | None = None
    for turn in ctx.turns:
        words = turn.segment.words
        if words and (last is None or words[-1].end > last.end):
            n = len(turn.text.tokens)
            last = Evidence(
                turn.role,
                words[-1].start,
                words[-1].end,
                turn.text.quote(max(0, n - 1), n),
                "recording cut",
                0.0,
            )
    for u in transcript.unheard:
        if last is None or u.end > last.end:
            last = Evidence(u.role, u.start, u.end, UNHEARD, "recording cut", 0.0)
    if last is not None and last.end >= transcript.duration_s - ctx.thresholds.cut_tolerance_s:
        return (
            f"the recording stops mid-speech ({last.role} speaking at {clock(last.end)}, the end)",
            last,
        )
    return None


def _customer_spoke_last(ctx: CallContext, last_end: float) -> Evidence | None:
    """The customer's words after the agent's last ones, as evidence (the last such turn)."""
    after = [t for t in ctx.turns if t.role == "customer" and t.end > last_end]
    if not after:
        return None
    turn = after[-1]
    n = len(turn.text.tokens)
    return Evidence(
        turn.role,
        turn.start,
        turn.end,
        turn.text.quote(0, n) if n else turn.segment.text,
        "the customer spoke last",
        100.0,
    )
