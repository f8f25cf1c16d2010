"""No personal value of a call leaves the store in clear: ``score --json``, the CSV, JSON Lines
and XLSX exports, the static report and the web pages show masks with their label and time, on
SQLite and PostgreSQL; ``--no-redact`` shows them and is in the audit trail."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.personal import SITE_PATTERNS, VALUES, personal_call
from fixtures.web_client import logged_in

from callreview.jobs.batch import Job, score_job
from callreview.qc.scorecard import load_scorecard
from callreview.review import Reviewer
from callreview.store import CallMeta, open_store
from callreview.team.people import People

CLI = [sys.executable, "-m", "callreview"]
LABELS = ("[身份证号]", "[银行卡号]", "[手机号]", "[座机号]", "[邮箱]", "[车牌号]", "[保单号]")
PASSWORD = "correct horse 9"


def config(folder: Path) -> Path:
    """callreview.toml with the site's pattern for policy numbers."""
    lines = ["[redact_patterns]"] + [f'"{k}" = {json.dumps(v)}' for k, v in SITE_PATTERNS.items()]
    path = folder / "callreview.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def assert_masked(text: str, what: str) -> None:
    for value in VALUES:
        assert value not in text, f"{value!r} in {what}"
    for label in LABELS:
        assert label in text, f"{label} missing from {what}"


@pytest.fixture
def bank_call(tmp_path: Path) -> Path:
    path = tmp_path / "bank_call.json"
    path.write_text(json.dumps(personal_call(), ensure_ascii=False), encoding="utf-8")
    config(tmp_path)
    return path


@pytest.fixture
def personal_store(store_url: str, bank_call: Path) -> str:
    with open_store(store_url) as store:
        outcome = score_job(
            Reviewer(), store, Job(bank_call, CallMeta(agent="A1", date="2026-11-02"))
        )
        assert outcome.status == "scored"
        People(store).add_user("rita", "reviewer", PASSWORD, None)
    return store_url


def test_score_json_masks_every_value_with_label_and_time(bank_call: Path) -> None:
    done = run("score", bank_call.name, "--json", "-", cwd=bank_call.parent)
    assert done.returncode == 0, done.stderr
    assert_masked(done.stdout, "score --json")
    result = json.loads(done.stdout)
    assert [r["label"] for r in result["redactions"]][:3] == [
        "[身份证号]",
        "[银行卡号]",
        "[手机号]",
    ]
    assert all(r["start"] < r["end"] for r in result["redactions"])
    assert result["score"] == Reviewer().review(bank_call).score


def test_score_and_transcribe_text_are_masked(bank_call: Path) -> None:
    for command in ("score", "transcribe"):
        done = run(command, bank_call.name, cwd=bank_call.parent)
        assert done.returncode == 0, done.stderr
        assert_masked(done.stdout, command)
        assert "Masked: [身份证号] 00:15–00:18 customer" in done.stdout


def test_transcribe_json_is_masked(bank_call: Path) -> None:
    done = run("transcribe", bank_call.name, "--json", "-", cwd=bank_call.parent)
    assert_masked(done.stdout, "transcribe --json")
    assert len(json.loads(done.stdout)["redactions"]) == 10


def test_no_redact_shows_the_values_with_a_warning(bank_call: Path) -> None:
    done = run("score", bank_call.name, "--json", "-", "--no-redact", cwd=bank_call.parent)
    assert "13912345678" not in done.stdout  # as written: 139 1234 5678 is in the quotes only
    assert "redactions" not in json.loads(done.stdout)
    assert "--no-redact: personal data is shown as said" in done.stderr


def test_every_export_and_the_report_are_masked(personal_store: str, tmp_path: Path) -> None:
    done = run(
        "export",
        "--csv", "calls.csv",
        "--jsonl", "calls.jsonl",
        "--xlsx", "calls.xlsx",
        "--html", "report",
        "--db", personal_store,
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    csv_text = (tmp_path / "calls.csv").read_text(encoding="utf-8-sig")
    for value in VALUES:
        assert value not in csv_text
    assert "[身份证号] 14.6" in csv_text and "[保单号]" in csv_text
    assert_masked((tmp_path / "calls.jsonl").read_text(encoding="utf-8"), "JSON Lines")
    import openpyxl  # an optional extra: only this test reads a workbook

    book = openpyxl.load_workbook(tmp_path / "calls.xlsx", read_only=True)
    cells = " ".join(
        str(c) for s in book.worksheets for row in s.iter_rows(values_only=True) for c in row
    )
    for value in VALUES:
        assert value not in cells
    assert "[手机号]" in cells
    pages = " ".join(p.read_text(encoding="utf-8") for p in (tmp_path / "report").glob("*.html"))
    assert_masked(pages, "the static report")
    assert "Masked personal data" in pages


def test_export_no_redact_is_in_the_audit_trail(personal_store: str, tmp_path: Path) -> None:
    done = run(
        "export", "--jsonl", "all.jsonl", "--no-redact", "--db", personal_store, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "6222 0202 0011 2345 679" in (tmp_path / "all.jsonl").read_text(encoding="utf-8")
    with open_store(personal_store) as store:
        (entry,) = store.audit(action="unredacted")
    assert entry.actor.startswith("cli:") and "all.jsonl" in entry.subject


def test_the_web_pages_are_masked(personal_store: str, bank_call: Path) -> None:
    from starlette.testclient import TestClient

    from callreview.privacy import site_patterns
    from callreview.web.app import create_app

    with open_store(personal_store) as store:
        (call,) = store.calls()
        app = create_app(store, load_scorecard(None), redaction=site_patterns(SITE_PATTERNS))
        with TestClient(app, follow_redirects=False) as client:
            web = logged_in(lambda _address: client, "rita")
            page = web.get(f"/calls/{call.id}")
            assert page.status_code == 200
            assert_masked(page.text, "the call page")
            assert "[身份证号] 00:15–00:18" in page.text
            for item in ("greeting", "customer_name", "closing"):
                form = web.get(f"/calls/{call.id}/override?item={item}")
                for value in VALUES:
                    assert value not in form.text


def test_an_export_keeps_what_it_found_and_lists_it_again_without_the_transcript(
    personal_store: str, tmp_path: Path
) -> None:
    """The CSV and XLSX list a call's redactions from what an earlier export found under the
    same rules; under other rules the transcript is searched again."""
    from callreview.privacy import rules_key, site_patterns
    from callreview.team.export import export

    site = site_patterns(SITE_PATTERNS)
    with open_store(personal_store) as store:
        assert export(store, "csv", tmp_path / "first.csv", rules=site) == 1
        ((key, found),) = store.db.execute("SELECT rules, found FROM redaction_lists").fetchall()
        assert key == rules_key(site) and "[保单号]" in found
        for value in VALUES:
            assert value not in found

        def no_transcript(calls):
            raise AssertionError("the transcript was read again")

        store.transcripts = no_transcript  # type: ignore[method-assign]
        export(store, "csv", tmp_path / "again.csv", rules=site)
        assert (tmp_path / "again.csv").read_bytes() == (tmp_path / "first.csv").read_bytes()
        del store.transcripts
        export(store, "csv", tmp_path / "builtin.csv")  # the built-in kinds only
        builtin = (tmp_path / "builtin.csv").read_text(encoding="utf-8-sig")
        assert "[手机号]" in builtin and "[保单号]" not in builtin
        assert store.db.execute("SELECT COUNT(*) FROM redaction_lists").fetchone()[0] == 2
        assert store.purge_before("2026-12-01") == 1
        assert store.db.execute("SELECT COUNT(*) FROM redaction_lists").fetchone()[0] == 0
