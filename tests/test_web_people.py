"""Specs of callreview.team.people on both store backends: users, overrides scored by the scorecard,
appeals, the queue's filters, agent figures and automation-vs-people agreement.

Every call is a real scored transcript (tests/fixtures/web_calls.py). Scores by hand, default
scorecard, inbound weights greeting 20 · name 15 · hold 20 · forbidden 30 · closing 15:
02_no_greeting 75.0 = 60/80 (hold n/a); 06_hold_no_permission 80.0 = 80/100; 07_forbidden
62.5 = 50/80 (three forbidden phrases take all 30; hold n/a).
"""

from __future__ import annotations

import json

import pytest
from fixtures.web_calls import PASSWORD, copy_store, drop_store, make_template, transcript_file

from callreview.errors import CallreviewError
from callreview.store import open_store
from callreview.team.people import NotAllowed, NotFound, People, QueueFilter


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def template(request, tmp_path_factory):
    """The fixture's nine scored calls and five users, stored once per backend."""
    url, ids = make_template(request.param, tmp_path_factory.mktemp("web-template"))
    yield request.param, url, ids
    drop_store(request.param, url)


@pytest.fixture
def web(template, tmp_path):
    """A fresh copy of the filled store, on each backend."""
    kind, url, ids = template
    copy = copy_store(kind, url, tmp_path)
    with open_store(copy) as store:
        yield store, People(store), ids
    drop_store(kind, copy)


def users(people):
    return {name: people.user(name) for name in ("rita", "sam", "ann", "bob", "adm")}


# --- users -------------------------------------------------------------------------------


def test_user_add_keeps_an_argon2_hash_and_authenticates(web):
    store, people, _ = web
    ann = people.user("ann")
    assert (ann.role, ann.agent) == ("agent", "A001")
    stored = store.password_hash("ann")
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert people.authenticate("ann", PASSWORD).name == "ann"
    assert people.authenticate("ann", PASSWORD + "x") is None
    assert people.authenticate("nobody", PASSWORD) is None


@pytest.mark.parametrize(
    "name, role, password, agent, message",
    [
        ("rita", "reviewer", PASSWORD, None, "user rita exists already in"),
        (
            "new",
            "boss",
            PASSWORD,
            None,
            "user new: unknown role 'boss'; use one of reviewer, supervisor, agent, admin",
        ),
        (
            "new",
            "agent",
            PASSWORD,
            None,
            "user new: an agent needs --agent-id, the agent id their calls carry in the store",
        ),
        (
            "new",
            "reviewer",
            "short",
            None,
            "user new: the password is too short; use at least 8 characters",
        ),
        (
            "two words",
            "reviewer",
            PASSWORD,
            None,
            "user name 'two words': use 1-64 letters, digits or . _ @ - (no spaces)",
        ),
    ],
)
def test_user_add_refuses_bad_users(web, name, role, password, agent, message):
    _, people, _ = web
    before = len(people.users())
    with pytest.raises(CallreviewError) as err:
        people.add_user(name, role, password, agent)
    assert str(err.value).startswith(message)
    assert len(people.users()) == before


# --- overrides ---------------------------------------------------------------------------


def test_override_changes_the_final_and_stored_score_and_keeps_the_automatic_result(web):
    store, people, ids = web
    rita = people.user("rita")
    call = ids["02_no_greeting"]
    change = people.override(
        call, "greeting", "pass", "greeted with 您好 before the line cut in", rita
    )
    assert (change.from_status, change.to_status, change.by_user, change.version) == (
        "fail",
        "pass",
        "rita",
        1,
    )

    final = people.final(store.call(call))
    assert final.score == 100.0 and final.band == "excellent" and final.band_label == "优秀"
    assert final.auto_score == 75.0 and final.auto_band == "below_standard"
    greeting = final.items["greeting"]
    assert (greeting.auto, greeting.status, greeting.points, greeting.auto_points) == (
        "fail",
        "pass",
        20.0,
        0.0,
    )
    assert final.reviewed and final.reviewed_by == "rita"
    # the automatic review is untouched; the final score is stored beside it
    assert store.call(call).score == 75.0
    kept = store.kept_final(store.call(call).review_id)
    assert (kept.score, kept.band) == (100.0, "excellent")
    history = people.history(call)
    assert [(h.item, h.from_status, h.to_status, h.note, h.by_user) for h in history] == [
        ("greeting", "fail", "pass", "greeted with 您好 before the line cut in", "rita")
    ]
    # the queue shows and filters by the final result
    row = next(r for r in people.queue().rows if r.id == call)
    assert (row.score, row.band, row.auto_score, row.reviewed, row.problems) == (
        100.0,
        "excellent",
        75.0,
        True,
        (),
    )
    assert call not in [r.id for r in people.queue(QueueFilter(failed="greeting")).rows]


def test_override_to_not_applicable_takes_the_item_out_of_the_score(web):
    store, people, ids = web
    call = ids["06_hold_no_permission"]
    people.override(
        call, "hold", "na", "the silence was the customer looking for the card", people.user("sam")
    )
    final = people.final(store.call(call))
    assert (final.auto_score, final.score) == (80.0, 100.0)  # 80/100 → 80/80
    assert (final.items["hold"].points, final.items["hold"].max_points) == (0.0, 0.0)


def test_a_second_override_goes_from_the_first_ones_status(web):
    store, people, ids = web
    rita, sam = people.user("rita"), people.user("sam")
    call = ids["02_no_greeting"]
    people.override(call, "greeting", "pass", "first listen", rita)
    people.override(call, "greeting", "review", "not sure after all", sam)
    assert [(h.from_status, h.to_status, h.by_user) for h in people.history(call)] == [
        ("fail", "pass", "rita"),
        ("pass", "review", "sam"),
    ]
    final = people.final(store.call(call))
    assert final.items["greeting"].status == "review" and final.score == 100.0  # 60/60


@pytest.mark.parametrize(
    "who, item, status, note, error, message",
    [
        (
            "ann",
            "greeting",
            "pass",
            "x",
            NotAllowed,
            "user ann (agent) cannot override results; reviewers and supervisors can",
        ),
        (
            "adm",
            "greeting",
            "pass",
            "x",
            NotAllowed,
            "user adm (admin) cannot override results; reviewers and supervisors can",
        ),
        (
            "rita",
            "greeting",
            "pass",
            "   ",
            CallreviewError,
            "a note saying why is required for an override",
        ),
        (
            "rita",
            "greeting",
            "fail",
            "x",
            CallreviewError,
            "call {call}: greeting is fail already; choose another status",
        ),
        (
            "rita",
            "tone",
            "pass",
            "x",
            CallreviewError,
            "unknown checklist item 'tone'; items are greeting, customer_name, hold, forbidden, closing",
        ),
        (
            "rita",
            "greeting",
            "great",
            "x",
            CallreviewError,
            "unknown status 'great'; use one of pass, fail, na, review",
        ),
    ],
)
def test_override_refusals_change_nothing(web, who, item, status, note, error, message):
    store, people, ids = web
    call = ids["02_no_greeting"]
    with pytest.raises(error) as err:
        people.override(call, item, status, note, people.user(who))
    assert str(err.value) == message.format(call=call)
    assert people.history(call) == []
    assert not people.final(store.call(call)).reviewed


def test_override_of_a_call_not_in_the_store_is_not_found(web):
    _, people, _ = web
    with pytest.raises(NotFound):
        people.override(9999, "greeting", "pass", "x", people.user("rita"))


def test_confirm_marks_a_call_reviewed_with_its_automatic_score(web):
    store, people, ids = web
    call = ids["07_forbidden"]
    final = people.confirm(call, people.user("rita"))
    assert final.reviewed and final.score == 62.5 and final.reviewed_by == "rita"
    assert [r.id for r in people.queue(QueueFilter(reviewed=True)).rows] == [call]
    with pytest.raises(NotAllowed):
        people.confirm(call, people.user("ann"))


def test_a_rescore_starts_a_new_version_that_nobody_has_reviewed_yet(web):
    store, people, ids = web
    call = ids["02_no_greeting"]
    people.override(call, "greeting", "pass", "heard it", people.user("rita"))
    from callreview.review import Reviewer

    review = Reviewer().check(store.transcript(call))
    store.add_review(call, review, None, "callreview test", "new-rules")
    fresh = people.final(store.call(call))
    assert not fresh.reviewed and fresh.score == 75.0 and fresh.items["greeting"].status == "fail"
    assert [(h.version, h.to_status) for h in people.history(call)] == [
        (1, "pass")
    ]  # the old override stays in the history
    row = next(r for r in people.queue().rows if r.id == call)
    assert (row.reviewed, row.score) == (False, 75.0)


# --- appeals -----------------------------------------------------------------------------


def test_appeal_filed_by_the_agent_and_upheld_by_a_supervisor(web):
    store, people, ids = web
    u = users(people)
    call = ids["07_forbidden"]
    appeal = people.file_appeal(call, "forbidden", "这不可能 was about the system", u["ann"])
    assert (appeal.status, appeal.by_user, appeal.item) == ("open", "ann", "forbidden")
    assert [r.id for r in people.queue(QueueFilter(appeals="open")).rows] == [call]
    with pytest.raises(CallreviewError, match=r"an appeal of forbidden is open already"):
        people.file_appeal(call, "forbidden", "again", u["ann"])
    decided = people.decide(appeal.id, "upheld", "the phrase was said to the customer", u["sam"])
    assert (decided.status, decided.decided_by, decided.decision_note) == (
        "upheld",
        "sam",
        "the phrase was said to the customer",
    )
    assert people.final(store.call(call)).score == 62.5 and people.history(call) == []
    assert people.queue(QueueFilter(appeals="open")).rows == []
    assert [r.id for r in people.queue(QueueFilter(appeals="any")).rows] == [call]
    with pytest.raises(CallreviewError, match=r"was upheld already by sam"):
        people.decide(appeal.id, "overturned", "changed my mind", u["sam"])


def test_appeal_overturned_overrides_the_item_in_the_agents_favour(web):
    store, people, ids = web
    u = users(people)
    call = ids["07_forbidden"]
    appeal = people.file_appeal(call, "forbidden", "the customer was not addressed", u["ann"])
    decided = people.decide(appeal.id, "overturned", "agreed after listening", u["sam"])
    assert decided.status == "overturned"
    final = people.final(store.call(call))
    assert (final.auto_score, final.score, final.items["forbidden"].status) == (
        62.5,
        100.0,
        "pass",
    )  # 50/80 → 80/80
    assert [
        (h.item, h.from_status, h.to_status, h.by_user, h.note) for h in people.history(call)
    ] == [
        (
            "forbidden",
            "fail",
            "pass",
            "sam",
            f"appeal #{appeal.id} overturned: agreed after listening",
        )
    ]


@pytest.mark.parametrize(
    "filer, decider, message",
    [
        ("bob", None, "user bob cannot appeal call {call}: agents appeal their own calls"),
        ("rita", None, "user rita cannot appeal call {call}: agents appeal their own calls"),
        ("ann", "rita", "user rita (reviewer) cannot decide appeals; supervisors can"),
        ("ann", "ann", "user ann (agent) cannot decide appeals; supervisors can"),
    ],
)
def test_appeal_refusals(web, filer, decider, message):
    _, people, ids = web
    u = users(people)
    call = ids["07_forbidden"]
    with pytest.raises(NotAllowed) as err:
        appeal = people.file_appeal(call, "forbidden", "a reason", u[filer])
        people.decide(appeal.id, "overturned", "a note", u[decider])
    assert str(err.value) == message.format(call=call)


@pytest.mark.parametrize(
    "item, status", [("greeting", "pass"), ("hold", "na")]
)  # 07_forbidden greets and has no hold
def test_appeal_is_refused_on_an_item_that_did_not_fail_or_wait_for_review(web, item, status):
    _, people, ids = web
    call = ids["07_forbidden"]
    with pytest.raises(CallreviewError) as err:
        people.file_appeal(call, item, "a reason", people.user("ann"))
    assert str(err.value) == (
        f"call {call}: {item} is {status}; appeals are for items that failed or wait for review "
        "(fail, review)"
    )
    assert people.appeals() == []


def test_appeal_is_refused_on_an_item_overridden_to_pass(web):
    _, people, ids = web
    u = users(people)
    call = ids["07_forbidden"]
    people.override(call, "forbidden", "pass", "said about the system", u["rita"])
    with pytest.raises(CallreviewError) as err:
        people.file_appeal(call, "forbidden", "a reason", u["ann"])
    assert str(err.value) == (
        f"call {call}: forbidden is pass; appeals are for items that failed or wait for review "
        "(fail, review)"
    )


@pytest.mark.parametrize("status", ["fail", "bogus"])
def test_overturned_with_a_status_no_better_for_the_agent_is_refused(web, status):
    store, people, ids = web
    u = users(people)
    call = ids["07_forbidden"]
    appeal = people.file_appeal(call, "forbidden", "a reason", u["ann"])
    with pytest.raises(CallreviewError) as err:
        people.decide(appeal.id, "overturned", "agreed", u["sam"], status)
    assert str(err.value) == (
        f"appeal {appeal.id}: forbidden is fail and fail is no better for the agent "
        "(fail < review < na < pass); overturn to a better status, or decide upheld"
        if status == "fail"
        else "unknown status 'bogus'; overturn to one of review, na, pass"
    )
    assert people.appeal(appeal.id).status == "open"
    assert people.history(call) == [] and people.final(store.call(call)).score == 62.5


def test_overturned_on_an_item_that_passes_meanwhile_is_refused_and_stays_open(web):
    store, people, ids = web
    u = users(people)
    call = ids["07_forbidden"]
    appeal = people.file_appeal(call, "forbidden", "a reason", u["ann"])
    people.override(call, "forbidden", "pass", "said about the system", u["rita"])
    with pytest.raises(CallreviewError) as err:
        people.decide(appeal.id, "overturned", "agreed", u["sam"])
    assert str(err.value) == (
        f"appeal {appeal.id}: forbidden is pass and pass is no better for the agent "
        "(fail < review < na < pass); overturn to a better status, or decide upheld"
    )
    assert people.appeal(appeal.id).status == "open"
    assert [h.by_user for h in people.history(call)] == ["rita"]
    assert people.decide(appeal.id, "upheld", "it passes now", u["sam"]).status == "upheld"


def test_overturned_to_na_takes_the_item_out_of_the_score_with_history(web):
    store, people, ids = web
    u = users(people)
    call = ids["07_forbidden"]
    appeal = people.file_appeal(call, "forbidden", "the customer said it", u["ann"])
    people.decide(appeal.id, "overturned", "the customer's words", u["sam"], "na")
    final = people.final(store.call(call))
    assert (final.score, final.items["forbidden"].status) == (100.0, "na")  # 50/50
    assert [(h.from_status, h.to_status, h.by_user) for h in people.history(call)] == [
        ("fail", "na", "sam")
    ]
    assert store.kept_final(store.call(call).review_id).score == 100.0


def test_appeal_needs_a_reason(web):
    _, people, ids = web
    with pytest.raises(CallreviewError, match="a reason is required for an appeal"):
        people.file_appeal(ids["07_forbidden"], "forbidden", "", people.user("ann"))
    assert people.appeals() == []


# --- the queue ---------------------------------------------------------------------------


def test_queue_filters(web, tmp_path):
    store, people, ids = web
    from callreview.jobs.batch import Job, score_job
    from callreview.review import Reviewer
    from callreview.store import CallMeta

    # a call with no agent speech: every item waits for a person, and it has no score
    mono = transcript_file(tmp_path, "01_perfect", "no_agent")
    data = json.loads(mono.read_text(encoding="utf-8"))
    for seg in data["segments"]:
        seg["role"] = "customer"
    mono.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    waiting = score_job(
        Reviewer(), store, Job(mono, CallMeta(agent="A003", date="2026-12-04"))
    ).call
    store.save_sample("2026-W48", [ids["07_forbidden"], ids["04_name_zero"]], {"rate": 0.1})

    def q(**f):
        return [r.id for r in people.queue(QueueFilter(**f), sort="id", descending=False).rows]

    assert q(agent="A002") == [ids["02_no_greeting"], ids["04_name_zero"], ids["09_no_closing"]]
    assert q(since="2026-11-24", until="2026-11-26") == [
        ids["07_forbidden"],
        ids["04_name_zero"],
        ids["13_two_holds"],
    ]
    assert q(band="good") == [ids["12_hold_no_thanks"], ids["13_two_holds"]]
    assert q(failed="hold") == [
        ids["06_hold_no_permission"],
        ids["12_hold_no_thanks"],
        ids["13_two_holds"],
    ]
    assert q(needs_review=True) == [waiting]
    assert q(sample="2026-W48") == [ids["07_forbidden"], ids["04_name_zero"]]
    assert q(agent="A002", failed="greeting") == [ids["02_no_greeting"]]
    assert q(reviewed=False) == sorted([*ids.values(), waiting])
    rows = {r.id: r for r in people.queue(per_page=100).rows}
    assert rows[ids["07_forbidden"]].sampled and not rows[ids["01_perfect"]].sampled
    assert rows[waiting].problems == tuple(
        (i, "review") for i in ("greeting", "customer_name", "hold", "forbidden", "closing")
    )


def test_queue_sorts_with_calls_without_a_score_last_and_pages(web):
    store, people, ids = web
    by_score = people.queue(sort="score", descending=False, per_page=4)
    assert [r.score for r in by_score.rows] == [62.5, 75.0, 80.0, 81.2]
    assert (by_score.total, by_score.pages) == (9, 3)
    last = people.queue(sort="score", descending=False, page=3, per_page=4)
    assert [r.score for r in last.rows] == [100.0]
    newest = people.queue(sort="date", descending=True, per_page=2)
    assert [r.date for r in newest.rows] == ["2026-12-03", "2026-12-02"]
    assert [r.agent for r in people.queue(sort="agent", descending=False).rows][:3] == ["A001"] * 3


# --- figures -----------------------------------------------------------------------------


def test_agents_figures_use_the_final_results(web):
    store, people, ids = web
    people.override(
        ids["07_forbidden"], "forbidden", "pass", "said of the system", people.user("rita")
    )
    figures = {a.agent: a for a in people.agents()}
    a1 = figures["A001"]
    assert a1.calls == 3
    assert a1.mean == round((100.0 + 100.0 + 80.0) / 3, 1)  # 07 is 100 after the override
    assert a1.minimum == 80.0
    assert a1.bands == {"excellent": 2, "needs_improvement": 1}
    assert a1.failures["hold"] == (1, 2)  # 06 failed; 07 has no hold
    assert a1.failure_rate("forbidden") == 0.0
    assert a1.weeks == [("2026-W47", 1, 100.0), ("2026-W48", 1, 100.0), ("2026-W49", 1, 80.0)]
    assert a1.reviewed == 1
    assert figures["A002"].failure_rate("greeting") == pytest.approx(100 / 3)


def test_agreement_over_reviewed_calls_matches_the_hand_computed_fixture(web):
    """greeting over 8 reviewed calls: automatic pass→final pass 5 (01 07 06 04 12), pass→fail 2
    (09 13, overridden), fail→fail 1 (02, confirmed). p_o = 6/8; automatic 7 pass 1 fail, final
    5 pass 3 fail: p_e = (7·5 + 1·3)/64 = 38/64; kappa = (48/64 - 38/64)/(26/64) = 5/13."""
    store, people, ids = web
    rita = people.user("rita")
    for name in (
        "01_perfect",
        "07_forbidden",
        "06_hold_no_permission",
        "04_name_zero",
        "12_hold_no_thanks",
        "02_no_greeting",
    ):
        people.confirm(ids[name], rita)
    for name in ("09_no_closing", "13_two_holds"):
        people.override(ids[name], "greeting", "fail", "no company name heard", rita)
    rows = {a.item: a for a in people.agreement()}
    greeting = rows["greeting"]
    assert (greeting.count, greeting.agreed) == (8, 6)
    assert greeting.percent == pytest.approx(75.0)
    assert greeting.kappa == pytest.approx(5 / 13)
    assert greeting.table[:2] == ((5, 2, 0, 0), (0, 1, 0, 0))
    # forbidden: all 8 agree (07 fail→fail, the others pass→pass): 100 %, kappa 1
    assert (rows["forbidden"].percent, rows["forbidden"].kappa) == (100.0, pytest.approx(1.0))
    # hold: agreed on every call but only 'fail' and 'na' and 'pass' all on the diagonal
    assert rows["hold"].count == 8 and rows["hold"].percent == 100.0
    # the call nobody reviewed (xss_01_perfect) and unreviewed ones are not counted
    assert all(a.count == 8 for a in rows.values())
