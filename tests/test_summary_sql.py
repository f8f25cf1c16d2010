"""`summary` from SQL over the store's indexes (issue 33) gives exactly the figures folded from
every call's final result (team/finals.py, the reference), on SQLite and PostgreSQL.

The store: the team's two weeks (tests/fixtures/qc_store.py) scored with a site scorecard that
adds an item and a flag of its own, plus a call without an agent, one without a date, one
rescored (its new version counts, not the override made on the old one) and one superseded by
a newer recording at its path; then people's overrides (to ``review`` as well), a confirmed
call, an overturned and an upheld appeal.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixtures.qc_store import TEAM_CALLS, TeamCall, transcript_file
from typer.testing import CliRunner

from callreview.cli import app
from callreview.jobs.engine import Job, score_job
from callreview.qc.scorecard import BUNDLED, load_scorecard
from callreview.review import Reviewer
from callreview.settings import Settings
from callreview.store import CallMeta, open_store
from callreview.team.finals import final_reviews
from callreview.team.people import People
from callreview.team.summary import stored_summary, summarize
from callreview.transcript import Transcript

runner = CliRunner()

CUSTOM = """
[[items]]
id = "offer_more"
label = "再次询问需求"
kind = "item"
weight = 10
who = "agent"
phrases = ["还有什么可以帮您"]
how = "must"
where = { last_s = 30 }

[[items]]
id = "hurried"
label = "客户催促"
kind = "flag"
who = "customer"
phrases = ["快一点"]
how = "must_not"
"""
EXTRA_CALLS = (
    TeamCall("", "2026-11-25", "N01", "03_bare_wei"),  # no agent
    TeamCall("Wang", "", "N02", "07_forbidden"),  # no date: the day it was stored counts
)
RANGES = [(None, None), ("2026-11-23", "2026-11-29"), ("2026-11-30", None), ("2027-01-01", None)]


@pytest.fixture
def site_scorecard(tmp_path) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(BUNDLED.read_text(encoding="utf-8") + CUSTOM, encoding="utf-8")
    return path


@pytest.fixture
def reviewed_store(store_url, tmp_path, site_scorecard):
    """The store described above; returns (url, scorecard path)."""
    reviewer = Reviewer(Settings(scorecard=str(site_scorecard)))
    rules = load_scorecard(site_scorecard)
    folder = tmp_path / "calls"
    folder.mkdir()
    with open_store(store_url) as store:
        for call in (*TEAM_CALLS, *EXTRA_CALLS):
            path = transcript_file(folder, call)
            meta = CallMeta(agent=call.agent or None, date=call.date or None, call_id=call.call_id)
            assert score_job(reviewer, store, Job(path, meta)).status == "scored"
        ids = {c.call_id: c.id for c in store.calls(state="scored")}
        people = People(store, rules)
        boss = people.add_user("boss", "supervisor", "a long password 1")
        lee = people.add_user("lee", "agent", "a long password 2", agent="小李")
        # an override on the version a rescore then replaces: it must not count
        people.override(ids["A03"], "customer_name", "pass", "heard the name", boss)
        transcript = Transcript.load(folder / "小周_2026-11-24_A03.json")
        rescored = reviewer.check(transcript)
        store.add_review(ids["A03"], rescored, None, reviewer.engine, reviewer.fingerprint)
        # a newer recording at the same path supersedes C01
        c01 = next(c for c in store.calls(state="scored") if c.call_id == "C01")
        store.register("f" * 64, c01.path, CallMeta(agent="Wang", date="2026-11-24"))
        claim = store.claim("f" * 64, c01.path).claim
        assert claim is not None
        store.complete(claim, rescored, None, None, reviewer.engine, reviewer.fingerprint)
        assert store.call(c01.id).state == "superseded"  # type: ignore[union-attr]
        # people's decisions on current versions
        people.override(ids["A02"], "forbidden", "pass", "a quote, not the agent's words", boss)
        people.override(ids["B01"], "greeting", "review", "listen again", boss)
        for call, item in ((ids["B03"], "offer_more"), (ids["A05"], "hurried")):
            now = people.final(store.call(call)).items[item].status  # type: ignore[arg-type]
            people.override(call, item, "fail" if now == "pass" else "pass", "heard so", boss)
        people.confirm(ids["A01"], boss)
        for call, decision in ((ids["B05"], "overturned"), (ids["B02"], "upheld")):
            final = people.final(store.call(call))  # type: ignore[arg-type]
            item = next(i for i, f in final.items.items() if f.status in ("fail", "review"))
            appeal = people.file_appeal(call, item, "I did say it", lee)
            people.decide(appeal.id, decision, "listened", boss)
    return store_url, site_scorecard


def reference(store, rules, by, since, until):
    """The figures from every call's body and overrides: team/finals.py, then summarize."""
    calls = store.calls(since=since, until=until, state="scored")
    return summarize(final_reviews(store, calls, rules), by, since, until, rules.item_ids())


@pytest.mark.parametrize("by", ["agent", "week", "item"])
def test_sql_summary_equals_the_body_computed_one(reviewed_store, by):
    url, path = reviewed_store
    rules = load_scorecard(path)
    with open_store(url) as store:
        for since, until in RANGES:
            sql = stored_summary(store, rules, by, since, until)
            assert sql.to_dict() == reference(store, rules, by, since, until).to_dict()
        everything = stored_summary(store, rules, by).to_dict()
    total = everything["total"]
    # what the store holds, so the equality above is about something
    # C01 superseded by the newer recording at its path, which counts instead
    assert total["calls"] == len(TEAM_CALLS) + len(EXTRA_CALLS)
    assert {"offer_more", "hurried"} <= set(total["items"])
    assert total["waiting"] >= 2 and everything["waiting"]
    assert total["forbidden_phrases"] and total["parts"]
    if by == "agent":
        assert "(no agent)" in [g["key"] for g in everything["groups"]]


def test_sql_summary_of_a_store_indexed_before_it_fills_the_index_once(reviewed_store):
    """A store written before the summary's index (schema 8): its reviews are indexed on the
    first summary, and the figures are the same."""
    url, path = reviewed_store
    rules = load_scorecard(path)
    with open_store(url) as store:
        for table in ("review_hits", "review_facts"):
            store.db.execute(f"DELETE FROM {table}")
        store.db.execute("DELETE FROM meta WHERE key = 'facts_indexed'")  # as it was before
        assert not store.facts_complete()
        sql = stored_summary(store, rules, "agent").to_dict()
        assert store.facts_complete()
        assert sql == reference(store, rules, "agent", None, None).to_dict()
        assert store.index_facts() == 0


def test_summary_command_prints_the_sql_figures(reviewed_store):
    url, path = reviewed_store
    done = runner.invoke(
        app, ["summary", "--db", url, "--scorecard", str(path), "--by", "week", "--json"]
    )
    assert done.exit_code == 0, done.stderr
    with open_store(url) as store:
        expected = reference(store, load_scorecard(path), "week", None, None).to_dict()
    assert json.loads(done.stdout) == expected


def test_agents_page_figures_agree_with_the_summary(reviewed_store):
    """The web app's agents page (store.agent_tallies, SQL over the same indexes) counts what the
    summary counts: calls, scores, bands and each item's fails of every agent."""
    url, path = reviewed_store
    rules = load_scorecard(path)
    with open_store(url) as store:
        agents = {a.agent: a for a in People(store, rules).agents()}
        summary = stored_summary(store, rules, "agent")
    assert len(agents) == len(summary.groups)
    for g in summary.groups:
        a = agents[None if g.key == "(no agent)" else g.key]
        assert (a.calls, a.minimum) == (g.calls, g.min_score)
        assert a.mean == round(g.mean_score, 1)  # type: ignore[arg-type]  # the page shows one decimal
        assert a.bands == {band: n for band, n in g.bands if n}
        for item in g.items:
            assert a.failures.get(item.item, (0, 0)) == (item.failed, item.judged), item
