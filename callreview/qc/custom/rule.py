"""Judge a scorecard's custom items on one call, after the built-ins, with their matching.

A phrase rule looks for its phrases (lexicon sets, inline phrases, slot patterns) in the turns of
who says them, keeps the hits where its ``where`` holds, and counts them by its ``how``:

* ``must``: a certain hit passes; only an uncertain one (grey zone, short sound-alike) is
  ``review``; none fails.
* ``at_least`` N: N certain hits pass; N with the uncertain ones is ``review``; fewer fail.
* ``must_not``: a certain hit fails; an uncertain one is ``review``; none passes.

It does not apply (``na``) on a call of the other direction, when its ``when`` did not fire or was
not heard, or when what its ``where`` is placed against is missing (no hold, the customer never
asked). A flag scores nothing: it fires (``fail``) or not (``pass``), never ``review``. The rule
``customer_hangs_up_first`` reads segment times instead (:mod:`callreview.qc.custom.hangup`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from callreview.matching import (
    Hit,
    Pattern,
    Phrase,
    PhraseSet,
    Turn,
    compile_pattern,
    compile_phrase,
    find_keys,
    match_pattern,
)
from callreview.qc.checks.context import CallContext
from callreview.qc.custom.hangup import judge_hangup
from callreview.qc.custom.schema import CustomItem, Look
from callreview.qc.lexicon import Lexicon
from callreview.results import Evidence, ItemResult, Status

SLOT_WORDS = 8
"""Most words a custom pattern's slot takes (明天下午三点)."""

BUILTIN_SETS = {
    "greeting.salutation": lambda x: x.greeting.salutation,
    "greeting.offer_help": lambda x: x.greeting.offer_help,
    "hold.announce": lambda x: x.hold.announce,
    "hold.permission": lambda x: x.hold.permission,
    "hold.thanks": lambda x: x.hold.thanks,
    "closing.question": lambda x: x.closing.question,
    "closing.thanks": lambda x: x.closing.thanks,
    "closing.farewell": lambda x: x.closing.farewell,
    "names.ask_name": lambda x: x.names.ask_name,
}
"""The lexicon's own lists a custom item may name in ``find``, besides its ``[phrases]`` sets."""


@dataclass(frozen=True, eq=False)
class Compiled:
    """A :class:`Look` compiled against one lexicon."""

    phrases: PhraseSet
    patterns: tuple[Pattern, ...]
    exact: bool


@dataclass(frozen=True)
class Heard:
    """One place a look was heard."""

    evidence: Evidence
    turn: Turn
    certain: bool


@dataclass(frozen=True)
class Judged:
    """A custom item's result and what it found (for the items placed after it or ``when`` it)."""

    result: ItemResult
    found: tuple[Evidence, ...]

    @property
    def fired(self) -> bool:
        return bool(self.found)


def set_names(lexicon: Lexicon) -> tuple[str, ...]:
    """Every phrase-set name ``find`` may use with this lexicon."""
    return (*lexicon.phrase_sets, *BUILTIN_SETS)


def compile_look(look: Look, lexicon: Lexicon) -> Compiled:
    """The look's phrases and patterns, compiled once per lexicon; ValueError names what is
    wrong."""

    def make() -> Compiled:
        phrases: list[Phrase] = []
        for name in look.find:
            if name in lexicon.phrase_sets:
                phrases.extend(lexicon.phrase_sets[name])
            elif name in BUILTIN_SETS:
                phrases.extend(BUILTIN_SETS[name](lexicon))
            else:
                raise ValueError(
                    f"find: {name!r} is no phrase set of lexicon {lexicon.language}; known: "
                    f"{', '.join(set_names(lexicon))} (add it to the lexicon's [phrases])"
                )
        phrases.extend(compile_phrase(p, lexicon.rules) for p in look.phrases)
        patterns = tuple(compile_pattern(p, lexicon.rules) for p in look.patterns)
        return Compiled(PhraseSet(phrases), patterns, look.exact)

    return lexicon.cached(f"custom-look:{look!r}", make)


def _unless(item: CustomItem, lexicon: Lexicon) -> PhraseSet:
    return lexicon.cached(
        f"custom-unless:{item.unless!r}",
        lambda: PhraseSet(compile_phrase(p, lexicon.rules) for p in item.unless),
    )


def check_items(items: Sequence[CustomItem], lexicon: Lexicon) -> None:
    """Compile every look of ``items`` (ValueError on an unknown set or a malformed phrase)."""
    for item in items:
        looks = [item.look, item.when, item.where.after_customer]
        for look in looks:
            if isinstance(look, Look) and (look.find or look.phrases or look.patterns):
                compile_look(look, lexicon)
        _unless(item, lexicon)


# --- hearing ----------------------------------------------------------------------


def turns_of(ctx: CallContext, who: str) -> list[Turn]:
    """The turns ``who`` said: the agent's are the judged ones (``unknown`` too on mono); the
    customer's, ``unknown`` ones on a mono recording; ``either``, all."""
    if who == "agent":
        return ctx.judged
    if who == "customer":
        return [t for t in ctx.turns if t.role in ("customer", "unknown")]
    return ctx.turns


def _places(turn: Turn, c: Compiled, unless: PhraseSet) -> Iterator[Heard]:
    blocked = [(at, at + len(p)) for p in unless for at in find_keys(turn, p.ids)] if unless else []

    def free(first: int, last: int) -> bool:
        return not any(first < b and a < last for a, b in blocked)

    tokens = turn.text.tokens
    if c.exact:  # every place with the very characters
        for phrase in c.phrases:
            n = len(phrase.keys)
            for at in find_keys(turn, phrase.ids):
                if "".join(tokens[at : at + n]) == phrase.chars and free(at, at + n):
                    hit = Hit(phrase, turn, at, at + n, 100.0, True)
                    yield Heard(hit.evidence(), turn, True)
    else:
        for hit in c.phrases.hits(turn):
            if free(hit.first, hit.last):
                yield Heard(hit.evidence(), turn, hit.certain)
    for pattern in c.patterns:
        found = match_pattern(turn, pattern, {s: SLOT_WORDS for s in pattern.slots})
        if found is not None and free(found.first, found.last):
            yield Heard(found.evidence(), turn, True)


def hear(ctx: CallContext, look: Look, unless: PhraseSet = PhraseSet()) -> list[Heard]:
    """Every place ``look`` is heard in the call, in time order."""
    c = compile_look(look, ctx.lexicon)
    out = [h for turn in turns_of(ctx, look.who) for h in _places(turn, c, unless)]
    out.sort(key=lambda h: (h.evidence.start, h.evidence.end))
    return out


# --- judging ----------------------------------------------------------------------


def judge_items(
    items: Sequence[CustomItem],
    ctx: CallContext,
    builtins: Mapping[str, ItemResult],
) -> dict[str, ItemResult]:
    """Every custom item's result, in file order (an item reads the ones above it)."""
    done: dict[str, Judged] = {}
    for item in items:
        if item.rule == "customer_hangs_up_first":
            status, evidence, reason = judge_hangup(ctx, item.tolerance_s)
            judged = _result(item, status, evidence, (), reason, {})
        else:
            judged = _judge(item, ctx, builtins, done)
        done[item.id] = judged
    return {k: j.result for k, j in done.items()}


def unjudged(items: Sequence[CustomItem], reason: str) -> dict[str, ItemResult]:
    """Every custom item when the call could not be judged (no agent speech): ``review``, a flag
    ``na``."""
    return {
        i.id: _result(i, "na" if i.kind == "flag" else "review", (), (), reason, {}).result
        for i in items
    }


def _anchor(
    name: str, builtins: Mapping[str, ItemResult], done: Mapping[str, Judged]
) -> tuple[Evidence, ...]:
    if name in done:
        return done[name].found
    found = builtins.get(name)
    return found.evidence if found is not None and found.status != "na" else ()


def _holds(builtins: Mapping[str, ItemResult]) -> list[tuple[float, float]]:
    hold = builtins.get("hold")
    if hold is None:
        return []
    out = []
    for h in hold.details.get("holds", ()) if isinstance(hold.details, Mapping) else ():
        if isinstance(h, Mapping):
            out.append((float(h["start"]), float(h["end"])))
        else:
            out.append((float(h.start), float(h.end)))
    return out


def _judge(
    item: CustomItem,
    ctx: CallContext,
    builtins: Mapping[str, ItemResult],
    done: Mapping[str, Judged],
) -> Judged:
    direction = ctx.call.direction
    if item.applies != "always" and item.applies != direction:
        return _na(item, f"applies to {item.applies} calls only")
    context: list[Evidence] = []
    where = item.where
    trigger: Heard | None = None
    if isinstance(item.when, str):
        if not done[item.when].fired:
            return _na(item, f"applies only when '{item.when}' fired")
    elif isinstance(item.when, Look):
        heard = [h for h in hear(ctx, item.when) if h.certain]
        if not heard:
            return _na(item, "applies only when its 'when' is heard")
        trigger = heard[0]
        context.append(trigger.evidence)
    heard = hear(ctx, item.look, _unless(item, ctx.lexicon))
    end = ctx.transcript.duration_s or max((t.end for t in ctx.turns), default=0.0)
    n_turns = len(ctx.turns)
    if where.first_s is not None:
        heard = [h for h in heard if h.evidence.start < where.first_s]
    if where.last_s is not None:
        heard = [h for h in heard if h.evidence.end > end - where.last_s]
    if where.first_turns is not None:
        heard = [h for h in heard if h.turn.index < where.first_turns]
    if where.last_turns is not None:
        heard = [h for h in heard if h.turn.index >= n_turns - where.last_turns]
    within = where.within_s
    if where.after is not None:
        anchors = _anchor(where.after, builtins, done)
        if not anchors:
            return _na(item, f"no '{where.after}' heard to be after")
        start = min(a.end for a in anchors)
        heard = [
            h
            for h in heard
            if h.evidence.start >= start and (within is None or h.evidence.start <= start + within)
        ]
    if where.before is not None:
        anchors = _anchor(where.before, builtins, done)
        if not anchors:
            return _na(item, f"no '{where.before}' heard to be before")
        stop = max(a.start for a in anchors)
        heard = [h for h in heard if h.evidence.end <= stop]
    if where.around_hold_s is not None:
        holds = _holds(builtins)
        if not holds:
            return _na(item, "no hold in the call")
        s = where.around_hold_s
        heard = [
            h
            for h in heard
            if any(h.evidence.end >= a - s and h.evidence.start <= b + s for a, b in holds)
        ]
    if where.after_customer is not None:
        asked = [h for h in hear(ctx, where.after_customer) if h.certain]
        if not asked:
            return _na(item, "the customer never said what it follows")
        context.append(asked[0].evidence)
        heard = [
            h
            for h in heard
            if any(
                h.evidence.start >= a.evidence.start
                and (within is None or h.evidence.start <= a.evidence.end + within)
                for a in asked
            )
        ]
    if where.after_when and trigger is not None:
        t0, t1 = trigger.turn.start, trigger.evidence.end
        heard = [
            h
            for h in heard
            if h.evidence.start >= t0 and (within is None or h.evidence.start <= t1 + within)
        ]
    return _count(item, ctx, heard, tuple(context))


def _count(
    item: CustomItem, ctx: CallContext, heard: list[Heard], context: tuple[Evidence, ...]
) -> Judged:
    certain = [h.evidence for h in heard if h.certain]
    unsure = [h.evidence for h in heard if not h.certain]
    facts: dict[str, Any] = {"found": len(certain)}
    if item.how == "at_least":
        facts["needed"] = item.times
    status: Status
    if item.how == "must_not":
        status = "fail" if certain else "review" if unsure else "pass"
        reason = "heard" if certain else "only heard uncertainly" if unsure else "not heard"
        # On a mono recording a fault heard in an unknown voice may be the other side's.
        if (
            status == "fail"
            and item.look.who != "either"
            and all(e.role == "unknown" for e in certain)
        ):
            status, reason = "review", "heard, but who said it is unknown (mono recording)"
    else:
        need = item.times if item.how == "at_least" else 1
        if len(certain) >= need:
            status, reason = "pass", "heard"
        elif len(certain) + len(unsure) >= need:
            status, reason = "review", "only heard uncertainly"
        else:
            status = "fail"
            reason = "not heard" if not certain else f"heard {len(certain)}x of {need}"
    evidence = tuple(sorted((*context, *certain, *unsure), key=lambda e: (e.start, e.end)))
    return _result(item, status, evidence, tuple(certain), reason, facts)


def _na(item: CustomItem, reason: str) -> Judged:
    return _result(item, "na", (), (), reason, {})


def _result(
    item: CustomItem,
    status: Status,
    evidence: tuple[Evidence, ...],
    found: tuple[Evidence, ...],
    reason: str,
    facts: Mapping[str, Any],
) -> Judged:
    """The item's :class:`ItemResult`: a flag fires (``fail``) or not, 0 of 0 points; an item earns
    its weight on a pass, nothing on a fail, and is kept out (0 of 0) when ``na``/``review``."""
    details: dict[str, Any] = {"label": item.label}
    if item.kind == "flag":
        details["kind"] = "flag"
        if status == "review":
            status = "pass"
    else:
        details["weight"] = item.weight
        if item.critical:
            details["critical_item"] = True
    details.update(facts)
    details["reason"] = reason
    if status == "fail" and item.advice:
        details["suggestion"] = item.advice
    if item.kind == "flag" or status in ("na", "review"):
        points, max_points = 0.0, 0.0
    else:
        max_points = item.weight
        points = item.weight if status == "pass" else 0.0
    return Judged(ItemResult(item.id, status, points, max_points, evidence, details), found)
