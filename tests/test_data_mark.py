"""The store's data mark (what the web app's caches check): it moves with every committed change
of what the pages show, seen from another connection, and stays with the app's own upkeep (a
session's touch, the audit trail, a lease renewal), on both backends."""

from __future__ import annotations

import time

import pytest
from conftest import SAMPLES
from test_store import scored_call

from callreview.review import Reviewer
from callreview.store import CallMeta, open_store
from callreview.store.schema import MARKED_TABLES
from callreview.store.version import data_version
from callreview.transcript import Transcript


@pytest.fixture(scope="module")
def reviewer() -> Reviewer:
    return Reviewer()


@pytest.fixture(scope="module")
def perfect(reviewer):
    transcript = Transcript.load(SAMPLES / "truth" / "01_perfect.json")
    return transcript, reviewer.check(transcript)


def test_a_write_in_one_connection_moves_the_mark_another_reads(store_url, reviewer, perfect):
    with open_store(store_url) as writer, open_store(store_url) as reader:
        before = data_version(reader)
        call = scored_call(writer, reviewer, perfect)
        scored = data_version(reader)
        assert scored != before
        review = writer.call(call).review_id
        with writer.db.transaction():
            writer.add_override(call, review, "greeting", "pass", "fail", "", "lead", time.time())
            writer.set_final_status(review, "greeting", "fail")
        assert data_version(reader) not in (before, scored)


def test_a_rolled_back_write_leaves_the_mark(store_url, reviewer, perfect):
    with open_store(store_url) as writer, open_store(store_url) as reader:
        call = scored_call(writer, reviewer, perfect)
        before = data_version(reader)
        review = writer.call(call).review_id
        with pytest.raises(RuntimeError), writer.db.transaction():
            writer.add_override(call, review, "greeting", "pass", "fail", "", "lead", time.time())
            raise RuntimeError("given up")
        assert data_version(reader) == before


def test_sessions_the_audit_trail_and_lease_renewals_leave_the_mark(store_url):
    with open_store(store_url) as writer, open_store(store_url) as reader:
        writer.register("b" * 64, "/calls/b.flac", CallMeta(agent="A001"))
        claim = writer.claim("b" * 64, "/calls/b.flac").claim
        before = data_version(reader)
        writer.add_session("t" * 64, "lead", time.time())
        writer.touch_session("t" * 64, time.time() + 120)
        writer.add_audit(time.time(), "lead", "export", "calls", "")
        assert writer.renew(claim)
        assert data_version(reader) == before


def test_every_table_but_the_apps_upkeep_moves_the_mark(fresh_store):
    """A table a migration adds without its triggers would keep pages stale: it must be named in
    MARKED_TABLES (and get them) or be upkeep no page reads."""
    db = fresh_store.db
    if db.name == "sqlite":
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        marked = {
            r[0] for r in db.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger'")
        }
    else:
        tables = {
            r[0]
            for r in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        }
        marked = {
            r[0]
            for r in db.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE 'data_mark_%' AND NOT t.tgisinternal"
            )
        }
    upkeep = {"meta", "data_mark", "sessions", "audit", "redaction_lists"}
    assert marked == set(MARKED_TABLES)
    search = {t for t in tables if t.startswith(("search_", "sqlite_"))}  # the index, FTS5's own
    assert tables - upkeep - search == marked
