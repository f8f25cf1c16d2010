"""`callreview export`: CSV (UTF-8 with BOM), XLSX (Calls + Agents sheets) and JSON Lines from a real store,
on both backends; streamed and written atomically."""

from __future__ import annotations

import csv
import json
import os
import stat
import subprocess
import sys

import pytest
from conftest import REPO
from fixtures.qc_store import fill_team_store
from typer.testing import CliRunner

from callreview.cli import app
from callreview.files import open_output
from callreview.qc.scorecard import load_scorecard
from callreview.tables import display_width
from callreview.team.export.csvfile import write_csv
from callreview.team.finals import final_reviews

runner = CliRunner()
HEADER = [
    "file",
    "call_id",
    "agent",
    "date",
    "direction",
    "duration",
    "score",
    "band",
    "greeting_status",
    "greeting_points",
    "customer_name_status",
    "customer_name_points",
    "hold_status",
    "hold_points",
    "forbidden_status",
    "forbidden_points",
    "closing_status",
    "closing_points",
    "name_uses",
    "holds",
    "forbidden_hits",
    "needs_review",
    "speech_rate_median",
    "speech_rate_unit",
    "fast_stretches",
    "interruptions",
    "dead_air_total_s",
    "dead_air_longest_s",
    "agent_talk_share",
    "auto_score",
    "auto_band",
    "reviewed",
    "reviewed_by",
    "changed",
    "greeting_auto_status",
    "customer_name_auto_status",
    "hold_auto_status",
    "forbidden_auto_status",
    "closing_auto_status",
    "redactions",
]
HITS = "这不可能 | 不知道 | 你别催我 | 你急也没用 | 我们的程序就是这样"


@pytest.fixture
def team_store(fresh_store, tmp_path):
    fill_team_store(fresh_store, tmp_path / "calls")
    return fresh_store


def export(store_url, *args, code=0):
    result = runner.invoke(app, ["export", "--db", store_url, *args])
    assert result.exit_code == code, result.stderr
    return result


def test_export_csv_reads_back_through_csv_with_its_bom(team_store, store_url, tmp_path):
    out = tmp_path / "week.csv"
    done = subprocess.run(
        [sys.executable, "-m", "callreview", "export", "--db", store_url, "--csv", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, f"wrote 15 calls to {out}\n", "")
    assert out.read_bytes().startswith(b"\xef\xbb\xbf" + b"file,call_id,agent,")
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == HEADER
    assert len(rows) == 16
    calls = tmp_path / "calls"
    assert rows[2] == [
        str(calls / "小周_2026-11-23_A02.json"),
        "A02",
        "小周",
        "2026-11-23",
        "inbound",
        "53.76",
        "62.5",
        "below_standard",
        "pass",
        "20.0",
        "pass",
        "15.0",
        "na",
        "0.0",
        "fail",
        "0.0",
        "pass",
        "15.0",
        "2",
        "0",
        HITS,
        "false",
        "288.9",
        "characters",
        "0",
        "0",
        "0.0",
        "0.0",
        "61.0",
        "62.5",
        "below_standard",
        "false",
        "",
        "false",
        "pass",
        "pass",
        "na",
        "fail",
        "pass",
        "",  # redactions: nothing personal in this call
    ]  # nobody reviewed it: the final result is the automatic one
    by_id = {row[1]: row for row in rows[1:]}
    assert [row[1] for row in rows[1:]] == [
        "A01",
        "A02",
        "B01",
        "A03",
        "B02",
        "C01",
        "A04",
        "B03",
        "A05",
        "B04",
        "A06",
        "B05",
        "C02",
        "A07",
        "B06",
    ]
    assert by_id["B05"][14:22] == [
        "review",
        "0.0",
        "pass",
        "15.0",
        "2",
        "0",
        HITS,
        "true",
    ]  # hits on a mono call wait for a person
    assert by_id["B05"][22:29] == [
        "292.7",
        "characters",
        "0",
        "",
        "0.0",
        "0.0",
        "",
    ]  # mono: no interruptions or talk share
    assert by_id["B03"][26:28] == [
        "14.0",
        "14.0",
    ]  # 13_two_holds: one silent hold nobody announced is dead air
    assert by_id["B03"][12:14] + by_id["B03"][18:20] == ["fail", "10.0", "3", "2"]
    assert by_id["A03"][6:12] == ["81.2", "needs_improvement", "pass", "20.0", "fail", "0.0"]
    umask = os.umask(0)
    os.umask(umask)
    assert (
        stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask
    )  # not the private mode of the temporary file


def test_export_selects_by_date_and_agent(team_store, store_url, tmp_path):
    out = tmp_path / "zhou.csv"
    export(
        store_url,
        "--agent",
        "小周",
        "--since",
        "2026-11-24",
        "--until",
        "2026-11-30",
        "--csv",
        str(out),
    )
    with open(out, encoding="utf-8-sig", newline="") as fh:
        assert [(r["call_id"], r["agent"], r["date"]) for r in csv.DictReader(fh)] == [
            ("A03", "小周", "2026-11-24"),
            ("A04", "小周", "2026-11-25"),
            ("A05", "小周", "2026-11-26"),
            ("A06", "小周", "2026-11-27"),
            ("A07", "小周", "2026-11-30"),
        ]


def test_export_xlsx_has_calls_and_agents_sheets_with_frozen_header_filter_and_chinese_intact(
    team_store, store_url, tmp_path
):
    from openpyxl import load_workbook

    out = tmp_path / "week.xlsx"
    assert (
        export(
            store_url, "--xlsx", str(out), "--since", "2026-11-23", "--until", "2026-11-29"
        ).stdout
        == f"wrote 13 calls to {out}\n"
    )
    book = load_workbook(out)
    assert book.sheetnames == ["Calls", "Agents"]
    calls = book["Calls"]
    assert (calls.freeze_panes, calls.auto_filter.ref) == ("A2", "A1:AN14")
    rows = list(calls.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER and len(rows) == 14
    assert rows[2] == (
        str(tmp_path / "calls" / "小周_2026-11-23_A02.json"),
        "A02",
        "小周",
        "2026-11-23",
        "inbound",
        53.76,
        62.5,
        "below_standard",
        "pass",
        20,
        "pass",
        15,
        "na",
        0,
        "fail",
        0,
        "pass",
        15,
        2,
        0,
        HITS,
        False,
        288.9,
        "characters",
        0,
        0,
        0,
        0,
        61,
        62.5,
        "below_standard",
        False,
        None,
        False,
        "pass",
        "pass",
        "na",
        "fail",
        "pass",
        None,  # redactions: nothing personal in this call
    )
    assert [r[1] for r in rows[1:]] == [
        "A01",
        "A02",
        "B01",
        "A03",
        "B02",
        "C01",
        "A04",
        "B03",
        "A05",
        "B04",
        "A06",
        "B05",
        "C02",
    ]
    longest_file = max(display_width(r[0]) for r in rows[1:])
    assert calls.column_dimensions["A"].width == min(60, longest_file + 2)
    assert (len(HITS), display_width(HITS)) == (37, 62)  # 25 Chinese characters count as two each
    assert (
        calls.column_dimensions["U"].width == 60
    )  # so the hits column is as wide as the cap, not 37 + 2
    assert [calls.column_dimensions[c].width for c in "BCDEFGH"] == [9, 7, 12, 11, 10, 7, 19]
    agents = book["Agents"]
    assert (agents.freeze_panes, agents.auto_filter.ref) == ("A2", "A1:N5")
    assert list(agents.iter_rows(values_only=True)) == [
        (
            "agent",
            "calls",
            "mean_score",
            "min_score",
            "excellent",
            "good",
            "needs_improvement",
            "below_standard",
            "greeting_fail_rate",
            "customer_name_fail_rate",
            "hold_fail_rate",
            "forbidden_fail_rate",
            "closing_fail_rate",
            "needs_review",
        ),
        ("Wang", 2, 77.5, 75, 0, 0, 1, 1, 0.5, 0, 1, 0, 0, 0),
        ("小周", 6, 85.8, 62.5, 2, 1, 2, 1, 0, 0.1667, 0.3333, 0.1667, 0.1667, 0),
        ("小李", 5, 90, 75, 2, 1, 1, 1, 0.2, 0.2, 0.5, 0, 0, 1),
        ("all", 13, 86.1, 62.5, 4, 2, 4, 3, 0.1538, 0.1538, 0.5, 0.0833, 0.0769, 1),
    ]
    assert agents["I2"].number_format == "0.0%"


def test_export_jsonl_holds_each_stored_call_with_its_current_review(
    team_store, store_url, tmp_path
):
    out = tmp_path / "calls.jsonl"
    export(store_url, "--jsonl", str(out))
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 15
    first = json.loads(lines[0])
    assert set(first) == {
        "id",
        "sha256",
        "file",
        "agent",
        "call_id",
        "date",
        "direction",
        "customer_name",
        "duration_s",
        "state",
        "version",
        "scored_at",
        "review",
        "final",
    }
    for line in lines:
        stored = json.loads(line)
        call = team_store.call(stored["id"])
        assert (stored["agent"], stored["call_id"], stored["state"], stored["version"]) == (
            call.agent,
            call.call_id,
            "scored",
            1,
        )
        assert stored["review"].pop("redactions") is not None  # what is masked: docs/privacy.md
        assert stored["review"] == call.review
    assert json.loads(lines[1])["review"]["items"]["forbidden"]["hits"][0]["phrase"] == "这不可能"


def test_export_several_formats_at_once(team_store, store_url, tmp_path):
    result = export(
        store_url,
        "--csv",
        str(tmp_path / "a.csv"),
        "--jsonl",
        str(tmp_path / "a.jsonl"),
        "--until",
        "2026-11-23",
    )
    assert (
        result.stdout
        == f"wrote 3 calls to {tmp_path / 'a.csv'}\nwrote 3 calls to {tmp_path / 'a.jsonl'}\n"
    )


def test_an_interrupted_export_leaves_the_old_file_and_no_temporary_one(team_store, tmp_path):
    out = tmp_path / "week.csv"
    out.write_text("the export of last week\n", encoding="utf-8")

    def two_calls_then_ctrl_c():
        calls = team_store.calls(state="scored")
        yield next(calls)
        yield next(calls)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        with open_output(out, what="the export") as temp:
            write_csv(final_reviews(team_store, two_calls_then_ctrl_c(), load_scorecard()), temp)
    assert out.read_text(encoding="utf-8") == "the export of last week\n"
    assert list(tmp_path.glob(".week.csv.*")) == []


def test_export_of_no_calls_writes_the_header_only(fresh_store, store_url, tmp_path):
    out = tmp_path / "none.csv"
    assert export(store_url, "--csv", str(out)).stdout == f"wrote 0 calls to {out}\n"
    assert out.read_bytes() == "\ufeff".encode() + ",".join(HEADER).encode() + b"\r\n"


def test_export_into_a_missing_folder_is_one_line_and_exit_1(fresh_store, store_url, tmp_path):
    out = tmp_path / "nowhere" / "week.csv"
    result = export(store_url, "--csv", str(out), code=1)
    assert (
        result.stderr
        == f"callreview: error: {out}: the folder {out.parent} does not exist; create it or write the export elsewhere\n"
    )


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "export: say where to write it: --csv FILE, --xlsx FILE, --jsonl FILE or --html DIR"),
        (
            ["--csv", "x.csv", "--since", "23.11.2026"],
            "--since 23.11.2026: not a date; write it as YYYY-MM-DD, e.g. 2026-11-23",
        ),
        (
            ["--csv", "x.csv", "--until", "2026-13-01"],
            "--until 2026-13-01: no such day; write a real date as YYYY-MM-DD, e.g. 2026-11-23",
        ),
    ],
)
def test_export_refuses_a_bad_option_in_one_line(tmp_path, args, message):
    db = tmp_path / "callreview.db"
    result = runner.invoke(
        app, ["export", "--db", str(db), *[str(tmp_path / a) if a == "x.csv" else a for a in args]]
    )
    assert (result.exit_code, result.stderr, result.stdout) == (
        4,
        f"callreview: error: {message}\n",
        "",
    )
    assert not db.exists() and not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize(
    "text, width",
    [
        ("agent", 5),
        ("小周", 4),
        ("Wang", 4),
        ("王先生您好", 10),
        ("ｆｕｌｌ", 8),
        ("2026-W48 优秀", 13),
        ("", 0),
    ],
)
def test_display_width_counts_wide_characters_as_two(text, width):
    assert display_width(text) == width


def test_text_that_a_spreadsheet_would_run_as_a_formula_is_exported_inert(
    fresh_store, store_url, tmp_path
):
    import shutil

    from conftest import SAMPLES
    from openpyxl import load_workbook

    from callreview.jobs.batch import Job, score_job
    from callreview.review import Reviewer
    from callreview.store import CallMeta

    call = tmp_path / "call.json"
    shutil.copy(SAMPLES / "truth" / "01_perfect.json", call)
    score_job(
        Reviewer(),
        fresh_store,
        Job(call, CallMeta(agent='=HYPERLINK("http://x")', call_id="@SUM(1)", date="2026-11-30")),
    )
    export(store_url, "--csv", str(tmp_path / "out.csv"), "--xlsx", str(tmp_path / "out.xlsx"))
    with open(tmp_path / "out.csv", encoding="utf-8-sig", newline="") as fh:
        [row] = list(csv.DictReader(fh))
    assert (row["agent"], row["call_id"]) == ('\'=HYPERLINK("http://x")', "'@SUM(1)")
    sheet = load_workbook(tmp_path / "out.xlsx")["Calls"]
    values = [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert '\'=HYPERLINK("http://x")' in values and "'@SUM(1)" in values
    assert all(c.data_type != "f" for c in next(sheet.iter_rows(min_row=2, max_row=2)))


def test_export_has_the_delivery_metrics_of_a_call_that_interrupts_and_rushes(
    fresh_store, store_url, tmp_path
):
    import shutil

    from conftest import SAMPLES
    from openpyxl import load_workbook

    from callreview.jobs.batch import Job, score_job
    from callreview.review import Reviewer
    from callreview.store import CallMeta

    call = tmp_path / "14_interrupt_fast.json"
    shutil.copy(SAMPLES / "truth" / "14_interrupt_fast.json", call)
    outcome = score_job(
        Reviewer(), fresh_store, Job(call, CallMeta(agent="A014", date="2026-11-30"))
    )
    metrics = fresh_store.call(outcome.call).review["metrics"]
    rate, cuts, dead, talk = (
        metrics[k] for k in ("speech_rate", "interruptions", "dead_air", "talk_ratio")
    )
    assert (
        cuts["count"] >= 1 and len(rate["faults"]) >= 1 and dead["longest_s"] > 0
    )  # what the sample was made to show
    expected = [
        rate["median"],
        "characters",
        len(rate["faults"]),
        cuts["count"],
        dead["total_s"],
        dead["longest_s"],
        talk["agent_share"],
    ]
    export(store_url, "--csv", str(tmp_path / "out.csv"), "--xlsx", str(tmp_path / "out.xlsx"))
    with open(tmp_path / "out.csv", encoding="utf-8-sig", newline="") as fh:
        [row] = list(csv.DictReader(fh))
    delivery = HEADER[22:29]
    assert [row[k] for k in delivery] == [str(v) for v in expected]
    assert float(row["interruptions"]) >= 1 and float(row["fast_stretches"]) >= 1
    sheet = load_workbook(tmp_path / "out.xlsx")["Calls"]
    header, values = sheet.iter_rows(min_row=1, max_row=2, values_only=True)
    assert list(header) == HEADER
    assert list(values[22:29]) == expected
