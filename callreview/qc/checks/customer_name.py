"""Customer's name (称呼客户姓名): the agent addresses the customer by name at least ``name_count``
times (004).

The name is the caller's ``customer_name`` when given; otherwise the surname the
agent says most with an honorific (王先生, 李女士, 陈总; Mr. Smith), or — weak
evidence — the customer's own 我姓X. Surnames are compared by pinyin keys, since
ASR spells them inconsistently (李/理, 徐/其). A bare 先生/女士 is politeness, not
the name. What is counted is agent **turns** that use the name.

    name known, used ≥ threshold            → pass
    used fewer times, but other names heard  → review (maybe the same name misheard)
    used fewer times                         → fail
    another name said *about* someone (我们的张师傅 is not counted at all; 看师傅的安排,
      a 的 after it, is no address) never makes it review
    name asked, then only a bare 先生/女士,
      and no surname + honorific heard at all → fail (not used, whatever the name)
    no name heard clearly, but one surname said with an honorific heard by its sound (为您是 for
      魏女士: ``honorific_initials``) in ≥ threshold turns → that is the name
    no name known otherwise                  → review (never a silent pass)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from callreview.i18n import N_, gettext
from callreview.matching import (
    Turn,
    keys_of,
    match_pattern,
)
from callreview.qc.checks.base import ItemDetails, Place, evidence_of, heard
from callreview.qc.checks.context import CallContext, Finding, find_part
from callreview.qc.checks.names import (
    Mention,
    bare_addresses,
    find_mentions,
    given_key,
    is_surname,
    same_surname,
    surname_alike,
)
from callreview.qc.lexicon import NameRules
from callreview.results import Evidence, ItemResult, Status
from callreview.text import normalize


@dataclass(frozen=True, eq=False)
class NameDetails(ItemDetails):
    """The customer's name, where it came from, and how many agent turns used it."""

    OPTIONAL: ClassVar[tuple[str, ...]] = ("name_example", "key", "reason")

    name: str | None = None
    """The name as the agent said it (or as given); ``None`` when not known."""
    count: int = 0
    """Agent turns that addressed the customer by it."""
    source: str | None = None
    """``given``, ``agent`` (heard from the agent) or ``customer`` (the customer said it)."""
    threshold: int = 2
    """Turns needed (the scorecard's ``name_count``)."""
    asked: Evidence | None = None
    """The agent asking for the name."""
    name_example: str | None = None
    """The lexicon's example of a name, for the advice."""
    key: str | None = None
    """The name's sound (toneless pinyin of the surname) that mentions were matched by."""
    reason: str | None = None

    @classmethod
    def _read(cls, key: str, value: Any) -> Any:
        return evidence_of(value) if key == "asked" else value

    def gist(self, status: str, full: bool = False) -> str:
        if self.name is None:
            return gettext("name never used") if status == "fail" else gettext("name unknown")
        return gettext("%(name)s used in %(num)d turn(s), %(need)d needed") % {
            "name": self.name,
            "num": self.count,
            "need": self.threshold,
        }

    def explain(self, item: ItemResult) -> Iterable[str]:
        for ev in item.evidence:
            yield f"{heard(ev)} — {ev.matched}"
        if item.status == "fail":
            yield gettext("say instead: %(text)s") % {"text": self.name_advice}

    def places(self) -> Iterable[Place]:
        if self.asked:
            yield Place.of(self.asked, gettext("asked the name"))

    @property
    def name_advice(self) -> str:
        """What to do when the customer's name was not used enough, with the lexicon's example of a
        name."""
        if self.name:
            return gettext("use the customer's name (%(name)s) at least %(num)d times") % {
                "name": self.name,
                "num": self.threshold,
            }
        example = f" ({self.name_example})" if self.name_example else ""
        return gettext("once you have the name, use it%(example)s at least %(num)d times") % {
            "example": example,
            "num": self.threshold,
        }

    def advice(self, status: str) -> list[str]:
        return [self.name_advice] if status == "fail" else []


def check_customer_name(ctx: CallContext) -> Finding:
    rules = ctx.lexicon.names
    need = ctx.thresholds.name_count
    mentions = [
        m for i, turn in enumerate(ctx.judged) for m in find_mentions(turn, rules, _before(ctx, i))
    ]
    asked = find_part(ctx.judged, rules.ask_name)
    details = NameDetails(
        threshold=need,
        asked=asked.evidence() if asked else None,
        name_example=rules.name_example or None,
    )

    key, name, source = None, None, None
    extra: tuple[Evidence, ...] = ()
    if ctx.call.customer_name:
        key, name = given_key(ctx.call.customer_name, rules), ctx.call.customer_name
        source = "given"
    elif any(not m.weak for m in mentions):
        key = _most_used([m for m in mentions if not m.weak])
        name = _display([m for m in mentions if m.key == key and not m.weak], rules)
        source = "agent"
    else:
        said = _self_named(ctx)
        if said is not None:
            hit, surname = said
            _, keys = keys_of(normalize(surname))
            if keys:
                key, name, source = (
                    keys[0] if rules.surname_part == "first" else keys[-1],
                    surname,
                    "customer",
                )
                extra = (hit.evidence(),)
        elif (repeated := _repeated_weak(mentions, rules, need)) is not None:
            # Nothing said it clearly, but the agent said one known surname with an honorific
            # heard by its sound in enough turns (为您是 … 为您是 for 魏女士): that is the name; the
            # evidence shows how close.
            key = repeated
            name = _display([m for m in mentions if m.key == key], rules)
            source = "agent"

    if key is None:
        bare = (
            bare_addresses(ctx.judged, rules, asked)
            if asked and asked.certain and all(m.doubled for m in mentions)
            else []
        )
        if bare and asked is not None:
            # The agent asked for the name, then addressed the customer as a bare 先生/女士,
            # and no surname + honorific was heard anywhere: not used, whatever the name was.
            details = replace(
                details,
                reason="the agent asked the customer's name, "
                f"then addressed them only as {bare[0].matched}",
            )
            return Finding("customer_name", "fail", (asked.evidence(), *bare), details)
        details = replace(
            details,
            reason=N_(
                "the customer's name is not known: give it (customer_name) or check the call"
            ),
        )
        return Finding("customer_name", "review", (), details)

    same = lambda k: same_surname(k, key, rules)  # noqa: E731
    used = [
        m if m.key == key else replace(m, similarity=min(m.similarity, surname_alike(m.key, key)))
        for m in mentions
        if same(m.key)
    ]
    turns = {id(m.turn) for m in used}
    # Another name makes it uncertain only when said to the customer (看师傅的安排 is about the
    # technician).
    others = {
        id(m.turn) for m in mentions if not m.weak and m.addressed and not same(m.key)
    } - turns
    count = len(turns)
    details = replace(details, name=name, count=count, source=source, key=key)
    evidence = tuple(_first_per_turn(used)) + extra
    if count >= need:
        status: Status = "pass"
    elif others and count + len(others) >= need:
        status = "review"
        details = replace(
            details, reason=N_("the agent also used another name; it may be this one misheard")
        )
        evidence += tuple(
            _first_per_turn([m for m in mentions if not m.weak and m.addressed and not same(m.key)])
        )
    else:
        status = "fail"
    return Finding("customer_name", status, tuple(sorted(evidence, key=lambda e: e.start)), details)


SEAM_S = 0.25
"""On a separated mono call, a turn that starts less than this after the other voice's turn ends was
cut from it by word timings alone (the separator's ``piece_gap_s``: no pause between the voices)."""


def _before(ctx: CallContext, i: int) -> Turn | None:
    """The segment whose last word may be the surname of a judged turn that opens with the honorific
    (:func:`find_mentions`): the agent's previous segment; on a separated mono call, the other
    voice's turn when this one follows it with no pause. Whisper's word timings drift by a few
    tenths of a second at a change of voice, so the separator's cut can fall between surname and
    honorific (算了算了吴 | 先生，请问还有什么可以帮您)."""
    turn = ctx.judged[i]
    if ctx.transcript.roles == "mono-separated" and turn.index > 0:
        other = ctx.turns[turn.index - 1]
        if other.role != turn.role and 0 <= turn.start - other.end < SEAM_S:
            return other
    return ctx.judged[i - 1] if i else None


def _turns_by_key(mentions: list[Mention]) -> dict[str, set[int]]:
    """The agent turns each surname key is said in, keys in the order first heard."""
    turns: dict[str, set[int]] = {}
    for m in mentions:
        turns.setdefault(m.key, set()).add(id(m.turn))
    return turns


def _repeated_weak(mentions: list[Mention], rules: NameRules, need: int) -> str | None:
    """The one known surname (not a sound-alike of one) that weak mentions put in at least ``need``
    agent turns."""
    turns = _turns_by_key(
        [
            m
            for m in mentions
            if m.addressed and not m.doubled and is_surname(m.surname, m.key, rules)
        ]
    )
    found = [k for k, ts in turns.items() if len(ts) >= need]
    return found[0] if len(found) == 1 else None


def _most_used(mentions: list[Mention]) -> str:
    turns = _turns_by_key(mentions)
    order = list(turns)
    return max(order, key=lambda k: (len(turns[k]), -order.index(k)))


def _display(used: list[Mention], rules: NameRules) -> str:
    """The name as the agent said it most: 王先生 (or Mr Smith)."""
    counts: dict[tuple[str, str], int] = {}
    for m in used:
        counts[(m.surname, m.honorific)] = counts.get((m.surname, m.honorific), 0) + 1
    surname, honorific = max(counts, key=counts.__getitem__)
    return surname + honorific if rules.honorific_position == "after" else f"{honorific} {surname}"


def _self_named(ctx: CallContext):
    """The customer's own 我姓X (weak evidence: the customer's words, maybe misheard)."""
    rules = ctx.lexicon.names
    for turn in ctx.customer_turns() or ([] if not ctx.mono else ctx.judged):
        for pattern in rules.self_name:
            hit = match_pattern(turn, pattern, ctx.lexicon.slot_max)
            if hit is None:
                continue
            surname = hit.values["surname"]
            tokens, keys = keys_of(normalize(surname))
            pick = 0 if rules.surname_part == "first" else -1
            if tokens and is_surname(tokens[pick], keys[pick], rules):
                return hit, surname
    return None


def _first_per_turn(mentions: list[Mention]) -> list[Evidence]:
    seen, out = set(), []
    for m in mentions:
        if id(m.turn) not in seen:
            seen.add(id(m.turn))
            out.append(m.evidence())
    return out
