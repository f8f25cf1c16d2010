"""What people do with stored results: users, reviewers' overrides, agents' appeals, and the
reviewer's queue, agent figures and agreement rates built on them.

    People(store, scorecard) ── add_user · authenticate ───────▶ users
                             ── override · confirm ─▶ overrides, kept final scores
                             ── file_appeal · decide ─▶ appeals (open → upheld | overturned)
                             ── queue · agents · agreement · final ─▶ web app, static report

The rules live here and in :mod:`.users` (who may do what) and :mod:`.finals` (what a final
result is); every row is read and written through the store (:mod:`callreview.store.people`,
:mod:`callreview.store.queue`). The final score of a reviewed version is kept in the store
so the queue can sort and filter by it. A ``rescore`` adds a new version: overrides stay with
the version they were made on (in the history), and the call is unreviewed again until a
person looks at it.

**Appeals**: an agent disputes one item of their own call with a reason: an item whose
final status is ``fail`` or ``review`` (a passed or not-applicable item has nothing to appeal),
one open appeal an item at a time. A supervisor ``upheld`` it (the result stands) or
``overturned`` it: the item is overridden in the agent's favour, through the same override path
(history, kept final score), with the supervisor's note. Overturned must move the item up
:data:`FAVOUR` (fail < review < na < pass) from its final status; anything else is refused.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import replace

from callreview.errors import CallreviewError
from callreview.qc.scorecard import Scorecard, load_scorecard
from callreview.results import ITEMS, STATUSES
from callreview.store import (
    APPEAL_STATUSES,
    SORTS,
    Appeal,
    AppealStatus,
    Override,
    QueueFilter,
    QueuePage,
    QueueRow,
    Store,
    StoredCall,
)
from callreview.team.agreement import Agreement
from callreview.team.figures import AgentSummary, agent_summaries, agreements
from callreview.team.finals import FinalItem, FinalReview, final_review
from callreview.team.users import (
    MIN_PASSWORD,
    ROLES,
    NotAllowed,
    NotFound,
    Role,
    User,
    burn_time,
    check_new_user,
    hash_password,
    verify_password,
)

__all__ = [
    "APPEAL_STATUSES",
    "ITEMS",
    "MAX_NOTE",
    "MIN_PASSWORD",
    "ROLES",
    "SORTS",
    "STATUSES",
    "AgentSummary",
    "Appeal",
    "AppealStatus",
    "FinalItem",
    "FinalReview",
    "NotAllowed",
    "NotFound",
    "Override",
    "People",
    "QueueFilter",
    "QueuePage",
    "QueueRow",
    "Role",
    "User",
    "hash_password",
    "verify_password",
]

MAX_NOTE = 2000
APPEALABLE = ("fail", "review")
"""The final statuses an agent may appeal."""
FAVOUR = ("fail", "review", "na", "pass")
"""Statuses from worst to best for the agent: ``fail`` costs the item's points, ``review`` and
``na`` keep it out of the score (``na`` settles it, ``review`` leaves it to a person), ``pass``
earns them. An overturned appeal must move the item up this list."""


class People:
    """Users, overrides, appeals and the queue, on one :class:`~callreview.store.Store`."""

    def __init__(self, store: Store, scorecard: Scorecard | None = None) -> None:
        self.store = store
        self._scorecard = scorecard

    @property
    def scorecard(self) -> Scorecard:
        if self._scorecard is None:
            self._scorecard = load_scorecard(None)
        return self._scorecard

    # --- users ------------------------------------------------------------------------

    def add_user(self, name: str, role: str, password: str, agent: str | None = None) -> User:
        """A new user; the password is kept as an argon2 hash only."""
        check_new_user(name, role, password, agent)
        if self.user(name) is not None:
            raise CallreviewError(
                f"user {name} exists already in {self.store.where}; choose another name"
            )
        self.store.add_user(name, role, agent, hash_password(password))
        user = self.user(name)
        assert user is not None
        return user

    def user(self, name: str) -> User | None:
        stored = self.store.user(name)
        return User.of(stored) if stored else None

    def users(self) -> list[User]:
        return [User.of(u) for u in self.store.users()]

    def authenticate(self, name: str, password: str) -> User | None:
        """The user if the password is theirs; ``None`` otherwise (as slowly for an unknown
        name)."""
        hashed = self.store.password_hash(name)
        if hashed is None:
            burn_time(password)
            return None
        return self.user(name) if verify_password(hashed, password) else None

    def sync(self) -> int:
        """Index the item statuses of reviews not indexed yet; returns how many were added."""
        return self.store.index_items()

    # --- a call's final result ------------------------------------------------------------

    def final(self, call: StoredCall) -> FinalReview:
        """The call's current review with the overrides made on it, scored by the scorecard."""
        if call.review is None or call.review_id is None:
            raise NotFound(f"call {call.id} is not scored yet; there is nothing to review")
        statuses = self.store.override_statuses(call.review_id)
        kept = self.store.kept_final(call.review_id)
        return final_review(
            call,
            statuses,
            self.scorecard,
            kept.reviewed_by if kept else None,
            kept.reviewed_at if kept else None,
        )

    # --- overrides --------------------------------------------------------------------

    def override(
        self, call: int, item: str, status: str, note: str, by: User, *, appeal: int | None = None
    ) -> Override:
        """Set an item's final status on the call's current review, with a required note."""
        if not by.can_override:
            raise NotAllowed(
                f"user {by.name} ({by.role}) cannot override results; reviewers and supervisors can"
            )
        with self.store.transaction():
            return self._override(call, item, status, note, by)

    def _override(self, call: int, item: str, status: str, note: str, by: User) -> Override:
        self._known_item(item)
        if status not in STATUSES:
            raise CallreviewError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
        note = _note(note, "a note saying why is required for an override")
        self.store.lock_call(call)
        stored, review = self._scored(call)
        statuses = self.store.override_statuses(review)
        scored = (stored.review or {})["items"]
        if item not in scored:
            raise CallreviewError(
                f"call {call} was scored without {item}; rescore it with this scorecard first"
            )
        auto = scored[item]["status"]
        before = statuses.get(item, auto)
        if before == status:
            raise CallreviewError(f"call {call}: {item} is {status} already; choose another status")
        now = time.time()
        change = self.store.add_override(call, review, item, before, status, note, by.name, now)
        self.store.add_audit(now, by.name, "override", f"call {call}", f"{item} {before}→{status}")
        statuses[item] = status
        self.store.index_review(review, call, (stored.review or {})["items"])
        self.store.set_final_status(review, item, status)
        self._keep_final(stored, review, statuses, by, now)
        return Override(
            change, call, review, item, before, status, note, by.name, now, stored.version
        )

    def _known_item(self, item: str) -> None:
        """Refuse an item the scorecard does not score (its own items are items too)."""
        items = self.scorecard.item_ids()
        if item not in items:
            raise CallreviewError(f"unknown checklist item {item!r}; items are {', '.join(items)}")

    def confirm(self, call: int, by: User) -> FinalReview:
        """A reviewer has listened and the result stands as it is now: the call counts as
        reviewed."""
        if not by.can_override:
            raise NotAllowed(
                f"user {by.name} ({by.role}) cannot review results; reviewers and supervisors can"
            )
        with self.store.transaction():
            self.store.lock_call(call)
            stored, review = self._scored(call)
            self.store.index_review(review, call, (stored.review or {})["items"])
            statuses = self.store.override_statuses(review)
            now = time.time()
            self._keep_final(stored, review, statuses, by, now)
            self.store.add_audit(now, by.name, "confirm", f"call {call}", "result stands")
        return self.final(self._scored(call)[0])

    def _keep_final(
        self, stored: StoredCall, review: int, statuses: Mapping[str, str], by: User, now: float
    ) -> None:
        final = final_review(stored, statuses, self.scorecard)
        self.store.keep_final(review, stored.id, final.score, final.band, by.name, now)

    def _scored(self, call: int) -> tuple[StoredCall, int]:
        """The call and its current review version's id; refused when there is none."""
        stored = self.store.call(call)
        if stored is None:
            raise NotFound(f"no call {call} in {self.store.where}")
        if stored.review is None or stored.review_id is None:
            raise NotFound(f"call {call} is not scored yet; there is nothing to review")
        return stored, stored.review_id

    def history(self, call: int) -> list[Override]:
        """Every override of the call, on any review version, oldest first."""
        return self.store.overrides(call)

    # --- appeals ----------------------------------------------------------------------

    def file_appeal(self, call: int, item: str, reason: str, by: User) -> Appeal:
        """An agent disputes one item of their own call."""
        stored, _ = self._scored(call)
        if by.role != "agent" or by.agent is None or stored.agent != by.agent:
            raise NotAllowed(
                f"user {by.name} cannot appeal call {call}: agents appeal their own calls"
            )
        self._known_item(item)
        reason = _note(reason, "a reason is required for an appeal")
        with self.store.transaction():
            self.store.lock_call(call)
            stored, review = self._scored(call)
            current = self._final_status(stored, review, item)
            if current not in APPEALABLE:
                raise CallreviewError(
                    f"call {call}: {item} is {current}; appeals are for items that failed or "
                    "wait for review (fail, review)"
                )
            open_ = self.store.open_appeal(call, item)
            if open_ is not None:
                raise CallreviewError(
                    f"call {call}: an appeal of {item} is open already (#{open_}); "
                    "wait for its decision"
                )
            filed = self.store.add_appeal(call, item, reason, by.name, time.time())
            self.store.add_audit(time.time(), by.name, "appeal", f"call {call}", f"{item} #{filed}")
        return self.appeal(filed)  # type: ignore[return-value]

    def decide(
        self, appeal: int, decision: str, note: str, by: User, status: str = "pass"
    ) -> Appeal:
        """``upheld``: the result stands. ``overturned``: the item becomes ``status`` (an override
        with the note)."""
        if not by.can_decide:
            raise NotAllowed(f"user {by.name} ({by.role}) cannot decide appeals; supervisors can")
        if decision not in ("upheld", "overturned"):
            raise CallreviewError(f"unknown decision {decision!r}; use upheld or overturned")
        note = _note(note, "a note explaining the decision is required")
        with self.store.transaction():
            found = self.appeal(appeal)
            if found is None:
                raise NotFound(f"no appeal {appeal} in {self.store.where}")
            if found.status != "open":
                raise CallreviewError(
                    f"appeal {appeal} was {found.status} already by {found.decided_by}"
                )
            if decision == "overturned":
                self.store.lock_call(found.call)
                stored, review = self._scored(found.call)
                current = self._final_status(stored, review, found.item)
                if status not in FAVOUR:
                    raise CallreviewError(
                        f"unknown status {status!r}; overturn to one of {', '.join(FAVOUR[1:])}"
                    )
                if FAVOUR.index(status) <= FAVOUR.index(current):
                    raise CallreviewError(
                        f"appeal {appeal}: {found.item} is {current} and {status} is no better "
                        f"for the agent ({' < '.join(FAVOUR)}); overturn to a better status, "
                        "or decide upheld"
                    )
                self._override(
                    found.call, found.item, status, f"appeal #{appeal} overturned: {note}", by
                )
            if not self.store.decide_appeal(appeal, decision, by.name, time.time(), note):
                raise CallreviewError(
                    f"appeal {appeal} was decided by someone else meanwhile; reload the call"
                )
            self.store.add_audit(
                time.time(), by.name, "decide", f"appeal {appeal}", f"{decision}, {found.item}"
            )
        return self.appeal(appeal)  # type: ignore[return-value]

    def _final_status(self, stored: StoredCall, review: int, item: str) -> str:
        """The item's final status on the call's current review (its latest override, else the
        automatic one); refused when the review has no such item."""
        items = (stored.review or {}).get("items", {})
        if item not in items:
            raise CallreviewError(f"call {stored.id} has no {item} result to appeal")
        return self.store.override_statuses(review).get(item, items[item]["status"])

    def appeal(self, appeal: int) -> Appeal | None:
        return self.store.appeal(appeal)

    def appeals(self, call: int | None = None, status: str | None = None) -> list[Appeal]:
        return self.store.appeals(call, status)

    # --- the queue and the figures --------------------------------------------------------

    def queue(
        self,
        filters: QueueFilter = QueueFilter(),
        sort: str = "date",
        descending: bool = True,
        page: int = 1,
        per_page: int = 50,
    ) -> QueuePage:
        """A page of scored calls with their final score, filtered and sorted."""
        self.sync()
        found = self.store.queue(filters, sort, descending, page, per_page)
        order = self.scorecard.item_ids()
        if order == ITEMS:
            return found
        rank = {item: i for i, item in enumerate(order)}
        # the scorecard's own items in its order (the store knows the built-ins' only)
        rows = [
            replace(r, problems=tuple(sorted(r.problems, key=lambda p: rank.get(p[0], len(rank)))))
            for r in found.rows
        ]
        return replace(found, rows=rows)

    def queue_rows(self, filters: QueueFilter = QueueFilter()) -> Iterator[QueueRow]:
        """Every call of the queue (date order), streamed: the static report's index."""
        page = 1
        while True:
            chunk = self.queue(filters, sort="date", descending=False, page=page, per_page=500)
            yield from chunk.rows
            if page >= chunk.pages:
                return
            page += 1

    def agents_list(self) -> list[str]:
        return self.store.agent_names()

    def agents(self, filters: QueueFilter = QueueFilter()) -> list[AgentSummary]:
        """Per agent: calls, mean and minimum final score, band counts, failure rate per item,
        weekly trend."""
        self.sync()
        return agent_summaries(self.store.agent_tallies(filters))

    def agreement(self) -> list[Agreement]:
        """Per item, over calls whose current review a person has reviewed: automatic vs
        final."""
        self.sync()
        return agreements(self.store.agreement_counts(), self.scorecard.item_ids())


def _note(text: str | None, missing: str) -> str:
    text = (text or "").strip()
    if not text:
        raise CallreviewError(missing)
    if len(text) > MAX_NOTE:
        raise CallreviewError(f"the note is {len(text)} characters long; keep it under {MAX_NOTE}")
    return text
