"""Specs of the log-in limit: failures count per name whatever address they come from, the wait
doubles with each further failure, one address cannot lock out every name, the memory is
bounded, and a name longer than any user's is refused before a password is hashed. The app
through TestClient (each client with its own address); the limiter with a hand-driven clock.
A forged X-Forwarded-For on a real server: test_web_serve.py."""

from __future__ import annotations

from fixtures.web_client import login

from callreview.web import auth

pytest_plugins = ["fixtures.web_app"]  # the web, templates fixtures


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_name_locked_from_one_address_stays_locked_from_another(web):
    make, _, _, _ = web
    attacker = make("203.0.113.9")
    for _ in range(5):
        assert login(attacker, "rita", "guess").status_code == 401
    elsewhere = login(make("198.51.100.7"), "rita")  # the right password, another address
    assert elsewhere.status_code == 429
    assert "Too many failed log-ins for rita; try again in 30 s." in elsewhere.text


def test_names_count_as_one_however_they_are_written(web):
    make, _, _, _ = web
    client = make()
    for typed in ("rita", "Rita", " RITA", "ｒｉｔａ", "rita"):
        assert login(client, typed, "guess").status_code == 401
    assert login(client, "rita").status_code == 429


def test_the_wait_doubles_with_each_further_failure_up_to_a_cap():
    clock = Clock()
    limiter = auth.LoginLimiter(clock=clock)
    waits = []
    for _ in range(4):
        limiter.failed("rita", "a")
        assert limiter.refusal("rita", "a") is None  # four failures: no wait yet
    for _ in range(7):
        limiter.failed("rita", "a")
        waits.append(limiter.refusal("rita", "b"))
        clock.now += auth.MAX_WAIT_S  # past any wait, within the hour failures are remembered
    assert waits == [
        "Too many failed log-ins for rita; try again in 30 s.",
        "Too many failed log-ins for rita; try again in 1 min.",
        "Too many failed log-ins for rita; try again in 2 min.",
        "Too many failed log-ins for rita; try again in 4 min.",
        "Too many failed log-ins for rita; try again in 8 min.",
        "Too many failed log-ins for rita; try again in 15 min.",
        "Too many failed log-ins for rita; try again in 15 min.",
    ]
    limiter.succeeded("rita", "b")
    limiter.failed("rita", "a")
    assert limiter.refusal("rita", "a") is None  # a log-in starts the count again


def test_a_name_quiet_for_an_hour_starts_again():
    clock = Clock()
    limiter = auth.LoginLimiter(clock=clock)
    for _ in range(5):
        limiter.failed("rita", "a")
    clock.now += 3601
    limiter.failed("rita", "a")
    assert limiter.refusal("rita", "a") is None


def test_one_address_cannot_lock_out_every_name(web):
    make, _, _, _ = web
    attacker = make("203.0.113.9")
    for n in range(10):  # ten names locked: 50 failures, the address's allowance
        for _ in range(5):
            assert login(attacker, f"victim{n}", "guess").status_code == 401
    for name in ("sam", "ann"):
        refused = login(attacker, name, "guess")
        assert refused.status_code == 429
        assert "Too many failed log-ins from this address; try again in 5 min." in refused.text
    # what the address was refused did not count against sam or ann
    assert login(make("198.51.100.7"), "sam").status_code == 303
    assert login(make("198.51.100.8"), "ann").status_code == 303


def test_a_name_longer_than_any_users_is_refused_before_hashing(web, monkeypatch):
    import callreview.team.people as people

    hashed: list[str] = []
    monkeypatch.setattr(people, "burn_time", lambda password: hashed.append(password))
    make, _, _, _ = web
    client = make()
    for _ in range(10):
        response = login(client, "r" * 65, "guess")
        assert response.status_code == 401
        assert "Wrong name or password." in response.text
    assert hashed == []
    assert login(client, "r" * 64, "guess").status_code == 401  # as long as a name can be
    assert hashed == ["guess"]


def test_the_limiter_forgets_the_least_recent_beyond_its_bound():
    assert auth.MAX_TRACKED == 10_000
    clock = Clock()
    limiter = auth.LoginLimiter(max_tracked=100, address_failures=10**9, clock=clock)
    for n in range(1000):
        limiter.failed(f"name{n}", f"10.0.{n // 250}.{n % 250}")
    assert limiter.tracked() == (100, 100)
    for _ in range(5):
        limiter.failed("name999", "10.9.9.9")
    assert limiter.refusal("name999", "x") is not None  # the most recent are kept
