"""Two leg files of one call, paired by name: ``call0412-in.wav`` + ``call0412-out.wav`` → one job.

    [Job] ─pair_legs(naming)─▶ [Job]: a pair's agent leg with ``legs=(agent, customer)``,
                                      a leg without its partner alone, with a note

Recorders that keep each party on a file of its own name the two files alike but for a tag.
A :class:`LegNaming` knows the tag pairs (presets for the common recorders, plus a site's own
pair from ``leg_suffixes``), and which tag is the agent's. A manifest can name the legs instead
(columns ``agent_file`` and ``customer_file``: :func:`manifest_legs`). Which leg is the agent's
by the preset is checked against what is said (``agent_channel = "auto"``, see
docs/recordings.md).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from callreview.errors import SettingsError
from callreview.jobs.engine import Job

LegRole = Literal["agent", "customer"]


@dataclass(frozen=True)
class LegTags:
    """One naming scheme: the stem ends in ``separator + agent`` or ``separator + customer``."""

    name: str
    agent: str
    customer: str
    separators: str = "-_."

    def split(self, stem: str) -> tuple[str, LegRole] | None:
        """``call0412-in`` → ``("call0412-", "agent")``; ``None`` if the stem carries no tag."""
        low = stem.lower()
        for tag, role in ((self.agent, "agent"), (self.customer, "customer")):
            n = len(tag)
            if len(low) > n + 1 and low.endswith(tag.lower()) and low[-n - 1] in self.separators:
                return stem[:-n], role  # type: ignore[return-value]
        return None

    def partner(self, path: Path, role: LegRole) -> str:
        """The name the other leg of ``path`` (the ``role``'s leg) would have."""
        found = self.split(path.stem)
        base = found[0] if found else path.stem + "-"
        return base + (self.customer if role == "agent" else self.agent) + path.suffix


PRESETS: dict[str, LegTags] = {
    "in/out": LegTags("in/out", agent="in", customer="out"),
    "tx/rx": LegTags("tx/rx", agent="tx", customer="rx"),
    "callee/caller": LegTags("callee/caller", agent="callee", customer="caller"),
}
"""Asterisk MixMonitor's ``r()``/``t()`` files run on the agent's channel (``-in``: what the agent
said), a phone's ``_tx``/``_rx`` (sent by the agent, received from the customer), an inbound
call's ``-callee``/``-caller``. A recorder on the other side: ``agent_channel = "auto"``."""
DEFAULT_PRESETS = tuple(PRESETS)


@dataclass(frozen=True)
class LegNaming:
    """The tag schemes tried, in order; the first that fits a file name decides its leg."""

    schemes: tuple[LegTags, ...] = tuple(PRESETS.values())

    def leg(self, path: Path) -> tuple[str, LegRole, LegTags] | None:
        """The call key (folder + name without the tag), the leg's role and the scheme."""
        for scheme in self.schemes:
            found = scheme.split(path.stem)
            if found is not None:
                base, role = found
                key = os.path.join(str(path.parent), base.lower() + "|" + scheme.name)
                return key, role, scheme
        return None


def leg_naming(presets: Sequence[str] = DEFAULT_PRESETS, suffixes: Sequence[str] = ()) -> LegNaming:
    """The naming from the settings ``leg_names`` (preset names, ``[]`` turns pairing off) and
    ``leg_suffixes`` (a site's own ``[agent_tag, customer_tag]``, tried first)."""
    schemes: list[LegTags] = []
    if suffixes:
        if len(suffixes) != 2 or not all(s.strip("-_. ") for s in suffixes):
            raise SettingsError(
                f"leg_suffixes {list(suffixes)!r}: give two tags, the agent's leg then the "
                'customer\'s, e.g. leg_suffixes = ["agent", "customer"]'
            )
        agent, customer = (s.strip("-_. ") for s in suffixes)
        schemes.append(LegTags("site", agent=agent, customer=customer))
    for name in presets:
        if name not in PRESETS:
            raise SettingsError(
                f"leg_names: unknown preset {name!r}; known: {', '.join(PRESETS)} "
                "(or set leg_suffixes for your recorder's own tags)"
            )
        schemes.append(PRESETS[name])
    return LegNaming(tuple(schemes))


def lone_note(path: Path, role: LegRole, partner: str) -> str:
    """The note a leg scored without its partner carries (in the transcript and the log)."""
    other = "customer" if role == "agent" else "agent"
    return (
        f"scored as the {role}'s leg alone: the {other}'s leg ({partner}) was not found; "
        f"the {other}'s side of the call is silent in this review"
    )


def pair_legs(jobs: Iterable[Job], naming: LegNaming = LegNaming()) -> list[Job]:
    """``jobs`` with each pair of legs merged into one job (at the first leg's place), the agent's
    leg as its path; a lone leg stays alone, with a note. Jobs paired already pass through."""
    jobs = list(jobs)
    found: dict[str, dict[LegRole, int]] = {}
    for i, job in enumerate(jobs):
        leg = None if job.legs is not None else naming.leg(job.path)
        if leg is not None:
            found.setdefault(leg[0], {}).setdefault(leg[1], i)
    merged: dict[int, Job] = {}
    dropped: set[int] = set()
    for legs in found.values():
        agent, customer = legs.get("agent"), legs.get("customer")
        if agent is not None and customer is not None:
            first, second = sorted((agent, customer))
            merged[first] = paired(jobs[agent], jobs[customer].path, jobs[customer])
            dropped.add(second)
        else:
            ((role, i),) = legs.items()
            merged[i] = alone(jobs[i], role, naming)
    return [merged.get(i, job) for i, job in enumerate(jobs) if i not in dropped]


def paired(agent: Job, customer: Path, other: Job | None = None) -> Job:
    """One job for both legs: the agent's metadata, its gaps filled from the customer's."""
    meta = agent.meta
    if other is not None:
        meta = replace(
            meta,
            **{
                f: getattr(meta, f) or getattr(other.meta, f)
                for f in ("agent", "call_id", "date", "direction", "customer_name")
            },
        )
    return Job(agent.path, meta, legs=(agent.path, customer))


def alone(job: Job, role: LegRole, naming: LegNaming) -> Job:
    """A leg whose partner is missing: scored as that leg, the other side silent, with a note."""
    leg = naming.leg(job.path)
    partner = leg[2].partner(job.path, role) if leg else "its other leg"
    legs = (job.path, None) if role == "agent" else (None, job.path)
    return Job(job.path, job.meta, legs=legs, note=lone_note(job.path, role, partner))


def manifest_legs(job: Job) -> Job:
    """A manifest row that names ``agent_file`` and ``customer_file`` (kept in the row's extra
    metadata, relative paths made absolute by the manifest reader): one job for both."""
    customer = job.meta.extra.get("customer_file")
    if job.legs is not None or not customer:
        return job
    return Job(job.path, job.meta, legs=(job.path, Path(customer)))


def leg_key(path: Path, naming: LegNaming) -> tuple[str, LegRole] | None:
    """The call key and role of a leg file, for a watcher waiting on its partner."""
    leg = naming.leg(path)
    return None if leg is None else (leg[0], leg[1])


class LegWaiter:
    """``watch``'s side of pairing: a leg that settles waits for its partner up to ``wait_s``
    seconds, then is scored alone (with its note). Holds only the legs it is waiting on and the
    pairs being scored."""

    def __init__(self, naming: LegNaming, wait_s: float) -> None:
        self.naming, self.wait_s = naming, wait_s
        self.held: dict[str, tuple[Path, LegRole, float]] = {}
        self.pairs: dict[str, Job] = {}
        """A pair's job by its agent's path, until its outcome is final (sent again if busy)."""

    def offer(self, path: Path, now: float) -> Job | None:
        """The job for a settled file, or ``None`` while it waits for its other leg."""
        if str(path) in self.pairs:
            return self.pairs[str(path)]
        leg = self.naming.leg(path)
        if leg is None:
            return Job(path)
        key, role, _ = leg
        other = self.held.get(key)
        if other is not None and other[1] != role:
            del self.held[key]
            agent, customer = (path, other[0]) if role == "agent" else (other[0], path)
            job = Job(agent, legs=(agent, customer))
            self.pairs[str(agent)] = job
            return job
        self.held[key] = (path, role, now)
        return None

    def expired(self, now: float, all_now: bool = False) -> list[Job]:
        """Legs that waited ``wait_s`` (``all_now``: every one held) as jobs of their own."""
        out = []
        for key, (path, role, since) in list(self.held.items()):
            if all_now or now - since >= self.wait_s:
                del self.held[key]
                out.append(alone(Job(path), role, self.naming))
        return out

    def partner(self, path: str) -> str | None:
        """The other leg of the pair whose agent leg is ``path``, forgotten now (its outcome is
        final)."""
        job = self.pairs.pop(path, None)
        if job is None or job.legs is None or job.legs[1] is None:
            return None
        return str(job.legs[1])
