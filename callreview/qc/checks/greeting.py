"""Greeting (开头语): the agent's first turns hold a salutation, the company, their own name and an
offer to help.

Inbound parts (004 C、问候): ``salutation``, ``company``, ``agent_name``, ``offer_help``.
Outbound parts (000 回访话术): ``salutation``, ``confirm_identity``, ``agent_name``, ``ask_time``.
"First turns" are the agent's turns starting within ``greeting_window_s`` of the agent's first.

Company and agent name are found by the greeting's **shape** — the lexicon's
patterns (欢迎致电{company}, 我是{agent}, {agent}号为您服务…) — and the words in
the slot are reported as the name taken. 000's short form 「您好！天霖，××号为您服务」
names the company as a clause of its own between the salutation and the agent's
number (or, with no number, the offer to help: 「您好，天霖，很高兴为您服务」): that clause is
taken — unless it addresses the customer (王先生). A staff number said without 工号/号 right
before the offer (「306很高兴为您服务」) is the agent's name: ``{agent:digits}`` patterns.
A salutation heard with a softened first syllable at the very start of the agent's first
turn (引好 / 也好 for 您好, the lexicon's ``salutation_initials``) counts, with its similarity. When
the caller configured ``company_names`` / ``agent_name``, a name heard as such (same sounds) is
found; otherwise the words the shape took must sound like a configured name (``name_threshold``),
else the part is ``review``: a company is named, but maybe not this one.

A first turn that opens with 喂 fails the greeting outright (000 服务忌语), with evidence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from callreview.errors import LexiconError
from callreview.i18n import gettext
from callreview.matching import (
    Hit,
    Pattern,
    PatternHit,
    Phrase,
    Turn,
    compile_phrase,
    find_in,
    find_literal,
    keys_of,
    match_pattern,
    opening_sound_alike,
    similarity_within,
    token_times,
)
from callreview.matching.numbers import number_tokens
from callreview.matching.patterns import SoundAlikeHit
from callreview.qc.checks.base import evidence_of, heard
from callreview.qc.checks.context import CallContext, Finding, find_across, find_part
from callreview.qc.checks.parts import PartsDetails, part, part_evidence, parts_status
from callreview.results import Evidence, ItemResult

Blocked = dict[int, set[int]]
"""Per turn (by id), token indices other greeting parts already explain: slots stop there."""


@dataclass(frozen=True, eq=False)
class GreetingDetails(PartsDetails):
    """The greeting's parts (inbound: salutation, company, agent_name, offer_help; outbound:
    salutation, confirm_identity, agent_name, ask_time), and a bare 喂 opening."""

    OPTIONAL: ClassVar[tuple[str, ...]] = ("suggestion",)
    SHARES: ClassVar[str] = "greeting_parts"

    company_name: str | None = None
    """The company as heard (or given)."""
    agent_name: str | None = None
    """The agent's name or staff number as heard."""
    bare_opening: Evidence | None = None
    """The agent's first words were the lexicon's forbidden opening (喂): the greeting earns
    nothing."""
    suggestion: str | None = None
    """What to say instead; only when the greeting did not pass."""

    @classmethod
    def _read(cls, key: str, value: Any) -> Any:
        if key == "bare_opening":
            return evidence_of(value) if value else value
        return super()._read(key, value)

    @property
    def opened_bare(self) -> bool:
        return bool(self.bare_opening)

    @property
    def bare_word(self) -> str:
        """The forbidden opening the agent's first words were (the lexicon's word, e.g. 喂)."""
        ev = self.bare_opening
        return str(ev.get("matched", "") if isinstance(ev, Mapping) else getattr(ev, "matched", ""))

    def gist(self, status: str, full: bool = False) -> str:
        if self.opened_bare:
            return gettext("opened with %(word)s") % {"word": self.bare_word}
        return super().gist(status, full)

    def bad_evidence(self, ev: Mapping[str, Any]) -> bool:
        return self.opened_bare and ev.get("matched") == self.bare_word

    def explain(self, item: ItemResult) -> Iterable[str]:
        if self.opened_bare:
            yield gettext("%(heard)s — %(word)s is a forbidden opening") % {
                "heard": heard(self.bare_opening),
                "word": self.bare_word,
            }
        yield from super().explain(item)


def check_greeting(ctx: CallContext) -> Finding:
    lex = ctx.lexicon.greeting
    first = ctx.judged[0]
    opening = [
        t for t in ctx.judged if t.start <= first.start + ctx.thresholds.greeting_window_s
    ] or [first]
    salutation: Hit | SoundAlikeHit | None = find_part(opening, lex.salutation)
    if salutation is None or not salutation.certain:
        salutation = (
            opening_sound_alike(first, lex.salutation, lex.salutation_initials) or salutation
        )
    company_name = None
    if ctx.call.direction == "outbound":
        outbound = ctx.lexicon.outbound
        if outbound is None:
            raise LexiconError(
                f"{ctx.lexicon.source}: [greeting.outbound]: missing; "
                "add it to score outbound calls (see docs/lexicon-format.md)"
            )
        asks = find_part(opening, outbound.ask_time)
        identity = _take(
            opening,
            outbound.confirm_identity,
            "customer",
            ctx,
            _blocked(opening, [salutation, asks], outbound.agent_name),
        )
        agent, agent_hit = _agent(
            opening,
            outbound.agent_name,
            ctx,
            [salutation, asks, identity],
            outbound.confirm_identity,
        )
        parts = {
            "salutation": part(salutation),
            "confirm_identity": part(identity, identity.values["customer"] if identity else None),
            "agent_name": agent,
            "ask_time": part(asks),
        }
        suggestion = outbound.suggestion
        if agent_hit is not None:
            company_name = agent_hit.values.get("company")
    else:
        offer = find_across(ctx, opening, lex.offer_help)
        agent, agent_hit = _agent(opening, lex.agent_name, ctx, [salutation, offer], lex.company)
        company = _company(
            opening, ctx, [salutation, offer, agent_hit], salutation, agent_hit, offer
        )
        number = company.pop("_agent", None)
        if number is not None:  # the company took the words before the staff number
            agent = {**agent, "value": number}
        if not agent["found"] and not agent.get("uncertain"):
            agent = _number_before(offer, opening, ctx) or agent
        parts = {
            "salutation": part(salutation),
            "company": company,
            "agent_name": agent,
            "offer_help": part(offer),
        }
        suggestion = lex.suggestion
        company_name = company.get("value")

    bare = _bare_opening(first, lex.bare_opening)
    status = "fail" if bare else parts_status(parts)
    evidence = part_evidence(parts)
    if bare and bare not in evidence:
        evidence = (bare,) + evidence
    details = GreetingDetails(
        parts,
        company_name=company_name,
        agent_name=agent.get("value"),
        bare_opening=bare,
        suggestion=None if status == "pass" else suggestion,
    )
    return Finding("greeting", status, evidence, details)


def _bare_opening(first: Turn, openings: Sequence[str]) -> Evidence | None:
    """The agent's very first words are 喂… (a fault whatever follows).

    Matched by characters at the start of the turn; by sound when the word is the
    whole turn (ASR writes a lone 喂 as 为 or 位)."""
    text = first.text
    heard = "".join(text.tokens)
    for word in openings:
        _, keys = keys_of(word)
        n, k = len(keys), len(text.keys)
        alone = (
            n > 0
            and k >= n
            and k % n == 0
            and all(text.keys[i : i + n] == keys for i in range(0, k, n))
        )
        if heard.startswith(word) or alone:
            return Evidence(first.role, first.start, first.end, text.quote(0, 1), word, 100.0)
    return None


# --- company -----------------------------------------------------------------------


def _company(
    turns: Sequence[Turn],
    ctx: CallContext,
    explained: list,
    salutation: Hit | SoundAlikeHit | None,
    agent: PatternHit | None,
    offer: Hit | None = None,
) -> dict[str, Any]:
    lex = ctx.lexicon.greeting
    configured = _names(ctx, "company", ctx.call.company_names)
    if configured:
        hit = find_in(turns, configured)
        if hit is not None and hit.certain:
            return part(hit, hit.phrase.text, source="configured")
    shaped = _take(turns, lex.company, "company", ctx, _blocked(turns, explained, lex.agent_name))
    if shaped is not None:
        place = (shaped.turn, *shaped.spans["company"])
        found = part(shaped, shaped.values["company"], source="greeting")
    else:
        bare = _bare_company(salutation, agent, offer, ctx)
        if bare is None:
            return part(None)
        found = bare
        place = found.pop("_place")
    agent_number = found.pop("_agent", None)
    judged = _judge_name(found, configured, place, ctx)
    if agent_number is not None:
        judged["_agent"] = agent_number
    return judged


def _bare_company(
    salutation: Any, agent: PatternHit | None, offer: Hit | None, ctx: CallContext
) -> dict[str, Any] | None:
    """000's short form 「您好！天霖，××号为您服务」: the words between the salutation and the next
    part of the greeting — the agent's name or number, or else the offer to help
    (「您好，天霖，很高兴为您服务」).

    They must be a clause of its own (commas around it), of 2 to ``slot_max.company`` words, and
    not an address of the customer (「您好，王女士，…」: it ends with an honorific). Two general
    allowances for what ASR does to this short form:

    * the salutation may end the agent's previous turn (ASR cuts a turn at the pause after 您好),
      and a salutation opening the turn ends a clause as a comma would (领好新东方50 3腰…: ASR
      writes no comma after it);
    * when the words the agent's slot took end in a number (天霖35号为您服务, no comma), the number
      is the staff number and the words before it, from the start of the clause, the company;
    * a staff number on its own ({agent:digits}很高兴为您服务) right after the words ends them as a
      comma would (天霖306很高兴为您服务)."""
    if salutation is None or not salutation.certain:
        return None
    stext = salutation.turn.text
    ends_turn = salutation.last >= len(stext.tokens)

    def after(hit: Any) -> bool:
        if hit is None or (offer is not None and hit is offer and not offer.certain):
            return False
        if hit.turn is salutation.turn:
            return hit.first >= salutation.last
        return ends_turn and hit.turn.start >= salutation.turn.end

    nexts = [h for h in (agent, offer) if h is not None and after(h)]
    if not nexts:
        return None
    nxt = min(nexts, key=lambda h: (h.turn.start, h.first))
    turn = nxt.turn
    text = turn.text
    lo = salutation.last if turn is salutation.turn else 0
    hi = nxt.first
    number = None
    if nxt is agent and agent is not None and "agent" in agent.spans:
        a, b = agent.spans["agent"]
        d = _number_start(text, b, a, ctx)
        if a < d < b:  # the slot took words, then a number: the words are the company's
            hi, number = d, text.span_text(d, b)
        elif d == a < b and a == hi:
            # The slot is the staff number itself (被沉延期30 6很高兴为您服务): it ends the company
            # as a comma would.
            number = text.span_text(a, b)
    if (
        not 2 <= hi - lo <= ctx.lexicon.slot_max.get("company", 12)
        or text.clause[lo] != text.clause[hi - 1]
    ):
        return None
    opens = turn is salutation.turn and salutation.first == 0 and lo == salutation.last
    if lo > 0 and text.clause[lo] == text.clause[lo - 1] and not opens:
        return None  # the clause starts before these words (a salutation opening the turn ends one)
    if number is None and text.clause[hi - 1] == text.clause[hi]:
        return None  # not a clause of its own
    words = "".join(text.tokens[lo:hi])
    if any(words.endswith(h.chars) for h in ctx.lexicon.names.honorifics):
        return None  # the customer addressed, not a company named
    start, end = token_times(turn, lo, hi)
    ev = Evidence(turn.role, start, end, text.quote(lo, hi), "{company}", 100.0)
    found = {
        "found": True,
        "uncertain": False,
        "text": ev.text,
        "evidence": ev,
        "source": "greeting",
        "value": text.span_text(lo, hi),
        "_place": (turn, lo, hi),
    }
    if number is not None:
        found["_agent"] = number
    return found


def _number_before(
    offer: Hit | None, opening: Sequence[Turn], ctx: CallContext
) -> dict[str, Any] | None:
    """A staff number said right before the offer of help, with no 工号 or 号 heard
    (「306，请问有什么可以 帮您」; 「功后5 18，请问有什么可以为您效劳」, its 工号 misheard): the
    agent identifying themself, as in 「306很高兴为您服务」. At least two digits, so a stray 一
    names no one."""
    if offer is None or not offer.certain or not any(offer.turn is t for t in opening):
        return None
    turn, text = offer.turn, offer.turn.text
    d = _number_start(text, offer.first, 0, ctx)
    value = text.span_text(d, offer.first)
    if sum(not c.isspace() for c in value) < 2:
        return None
    start, end = token_times(turn, d, offer.first)
    ev = Evidence(turn.role, start, end, text.quote(d, offer.first), "{agent}", 100.0)
    return {
        "found": True,
        "uncertain": False,
        "text": ev.text,
        "evidence": ev,
        "source": "greeting",
        "value": value,
    }


def _number_start(text, end: int, lo: int, ctx: CallContext) -> int:
    """Where the run of number tokens that ends at token ``end`` starts (no earlier than ``lo``;
    ``end``: none)."""
    numbers = number_tokens(text, ctx.lexicon.rules.numerals)
    d = end
    while d > lo and d - 1 in numbers:
        d -= 1
    return d


def _judge_name(
    found: dict[str, Any],
    configured: Sequence[Phrase],
    place: tuple[Turn, int, int],
    ctx: CallContext,
) -> dict[str, Any]:
    """The greeting named someone in the right place; with names configured, is it one of them?"""
    if not configured:
        return found
    best, name = max((similarity_within(p, *place), p.text) for p in configured)
    found.update(similarity=round(best, 1))
    if best >= ctx.lexicon.rules.name_threshold:
        found.update(heard=found.get("value"), value=name, source="configured")
    else:  # a name is said, but not a configured one: a person should check
        found.update(found=False, uncertain=True)
    return found


# --- agent's name ------------------------------------------------------------------


def _agent(
    turns: Sequence[Turn],
    patterns: Sequence[Pattern],
    ctx: CallContext,
    explained: list,
    others: Sequence[Pattern],
) -> tuple[dict[str, Any], PatternHit | None]:
    # The call's agent if known, else any of the site's agents (``agent_names``): whoever took the
    # call.
    configured = _names(
        ctx, "agent", (ctx.call.agent_name,) if ctx.call.agent_name else ctx.call.agent_names
    )
    if configured:
        hit = find_in(turns, configured)
        if hit is not None and hit.certain:
            return part(hit, hit.phrase.text, source="configured"), None
    # A configured company name heard is not the agent's name (安和银行68号为您服务: the name is
    # 68), except to a pattern that takes the company itself (我是{company}的{agent}).
    companies = [
        h
        for h in (find_in([t], _names(ctx, "company", ctx.call.company_names)) for t in turns)
        if h is not None and h.certain
    ]
    blocked = _blocked(turns, explained, others)
    without_company = _blocked(turns, explained + companies, others)
    shaped = _take(
        turns,
        patterns,
        "agent",
        ctx,
        lambda p: blocked if "company" in p.slots else without_company,
    )
    if shaped is None:
        return part(None), None
    found = part(shaped, shaped.values["agent"], source="greeting")
    if configured:  # introduced themself; say whether it sounds like the configured name
        found.update(
            similarity=round(
                similarity_within(configured[0], shaped.turn, *shaped.spans["agent"]), 1
            )
        )
    return found, shaped


# --- shared --------------------------------------------------------------------------


def _blocked(turns: Sequence[Turn], explained: list, others: Sequence[Pattern]) -> Blocked:
    """Tokens explained by other parts' hits, plus wherever other parts' pattern words are heard."""
    out: Blocked = {id(t): set() for t in turns}
    for hit in explained:
        if hit is not None and id(hit.turn) in out:
            out[id(hit.turn)].update(range(hit.first, hit.last))
    for turn in turns:
        for pattern in others:
            for literal in pattern.literals:
                for at in find_literal(turn, literal):
                    out[id(turn)].update(range(at, at + len(literal)))
    return out


def _take(
    turns: Sequence[Turn],
    patterns: Sequence[Pattern],
    slot: str,
    ctx: CallContext,
    blocked: Blocked | Callable[[Pattern], Blocked],
) -> PatternHit | None:
    """The first pattern (in lexicon order) heard in the earliest turn with ``slot`` filled."""
    for turn in turns:
        for pattern in patterns:
            if slot not in pattern.slots:
                continue
            stops = blocked(pattern) if callable(blocked) else blocked
            hit = match_pattern(turn, pattern, ctx.lexicon.slot_max, stops.get(id(turn), set()))
            if hit is not None:
                return hit
    return None


def _names(ctx: CallContext, kind: str, names: Sequence[str]) -> tuple[Phrase, ...]:
    """Configured names, compiled once per lexicon: the same sounds in any characters (ASR spells
    names at random)."""
    cache: dict[str, Phrase | None] = ctx.lexicon.cached(f"names:{kind}", dict)
    out: list[Phrase] = []
    for name in names:
        if name not in cache:
            try:
                cache[name] = compile_phrase(
                    name, ctx.lexicon.rules, threshold=100.0, margin=0.0, sound_alike=True
                )
            except ValueError:
                cache[name] = None
        phrase = cache[name]
        if phrase is not None:
            out.append(phrase)
    return tuple(out)
