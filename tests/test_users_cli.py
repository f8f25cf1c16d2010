"""Specs of ``callreview user remove | passwd | role | revoke`` as real subprocesses: exact
output, exit codes and refusals, and what the store holds after."""

from __future__ import annotations

import pytest
from fixtures.web_client import cli

from callreview.store import open_store
from callreview.team.people import People


@pytest.fixture
def db(tmp_path):
    """A store with a reviewer (rita) and an agent (ann, A001)."""
    path = tmp_path / "qc.db"
    with open_store(path) as store:
        people = People(store)
        people.add_user("rita", "reviewer", "rita's password")
        people.add_user("ann", "agent", "ann's password", "A001")
    return str(path)


def users(db: str) -> str:
    return cli("user", "list", "--db", db).stdout


def test_user_remove_deletes_the_user(db):
    done = cli("user", "remove", "ann", "--db", db)
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        f"removed ann from {db} (0 sessions ended)\n",
        "",
    )
    assert users(db) == "rita\treviewer\t\n"


def test_user_remove_refuses_an_unknown_name(db):
    done = cli("user", "remove", "nobody", "--db", db)
    assert (done.returncode, done.stdout, done.stderr) == (
        1,
        "",
        f"callreview: error: no user nobody in {db}; see them with: callreview user list\n",
    )


def test_user_passwd_sets_a_new_password(db):
    done = cli("user", "passwd", "rita", "--password-stdin", "--db", db, stdin="brand new pw\n")
    assert (done.returncode, done.stdout) == (0, "new password for rita (0 sessions ended)\n")
    with open_store(db) as store:
        people = People(store)
        assert people.authenticate("rita", "brand new pw").name == "rita"
        assert people.authenticate("rita", "rita's password") is None


def test_user_passwd_refuses_a_short_password_and_keeps_the_old_one(db):
    done = cli("user", "passwd", "rita", "--password-stdin", "--db", db, stdin="short\n")
    assert (done.returncode, done.stderr) == (
        1,
        "callreview: error: user rita: the password is too short; use at least 8 characters\n",
    )
    with open_store(db) as store:
        assert People(store).authenticate("rita", "rita's password").name == "rita"


def test_user_passwd_refuses_an_unknown_name_before_asking(db):
    done = cli("user", "passwd", "nobody", "--db", db)
    assert (done.returncode, done.stderr) == (
        1,
        f"callreview: error: no user nobody in {db}; see them with: callreview user list\n",
    )


def test_user_role_changes_the_role(db):
    done = cli("user", "role", "rita", "supervisor", "--db", db)
    assert (done.returncode, done.stdout) == (0, "rita is now supervisor\n")
    made_agent = cli("user", "role", "rita", "agent", "--agent-id", "A009", "--db", db)
    assert made_agent.stdout == "rita is now agent (agent A009)\n"
    back = cli("user", "role", "ann", "reviewer", "--db", db)
    assert back.stdout == "ann is now reviewer\n"
    assert users(db) == "ann\treviewer\t\nrita\tagent\tA009\n"


def test_user_role_refuses_an_unknown_role_and_an_agent_without_an_id(db):
    boss = cli("user", "role", "rita", "boss", "--db", db)
    assert (boss.returncode, boss.stderr) == (
        1,
        "callreview: error: user rita: unknown role 'boss'; "
        "use one of reviewer, supervisor, agent, admin\n",
    )
    agent = cli("user", "role", "rita", "agent", "--db", db)
    assert (agent.returncode, agent.stderr) == (
        1,
        "callreview: error: user rita: an agent needs --agent-id, "
        "the agent id their calls carry in the store\n",
    )
    assert users(db) == "ann\tagent\tA001\nrita\treviewer\t\n"


def test_user_revoke_ends_the_users_sessions(db):
    with open_store(db) as store:
        store.add_session("a", "rita", 1.0)
        store.add_session("b", "rita", 2.0)
        store.add_session("c", "ann", 3.0)
    done = cli("user", "revoke", "rita", "--db", db)
    assert (done.returncode, done.stdout) == (0, "ended 2 sessions of rita\n")
    with open_store(db) as store:
        assert store.live_sessions("rita") == []
        assert [s.user for s in store.live_sessions("ann")] == ["ann"]


def test_user_revoke_refuses_an_unknown_name(db):
    done = cli("user", "revoke", "nobody", "--db", db)
    assert done.returncode == 1
    assert done.stderr == (
        f"callreview: error: no user nobody in {db}; see them with: callreview user list\n"
    )
