"""The command line: exact outputs and exit codes, refusals beside successes, docs that cannot drift."""

from __future__ import annotations

import json
import re

import pytest
from conftest import REPO, SAMPLES
from typer.testing import CliRunner

from callreview.cli import app

runner = CliRunner()
TRUTH = SAMPLES / "truth"
COMMANDS = tuple(c.name or c.callback.__name__ for c in app.registered_commands) + tuple(
    g.name for g in app.registered_groups
)
"""Every command the app has, so a new one cannot go undocumented."""


def test_the_app_has_the_commands_of_a_qc_teams_day():
    assert set(COMMANDS) >= {
        "transcribe",
        "score",
        "model",
        "batch",
        "rescore",
        "export",
        "summary",
        "sample",
        "watch",
        "status",
        "serve",
        "user",
    }


def test_score_reads_a_transcript_json_without_the_model(monkeypatch):
    monkeypatch.setenv(
        "CALLREVIEW_MODEL", "/nonexistent/model"
    )  # proves the model is never touched
    result = runner.invoke(app, ["score", str(TRUTH / "07_forbidden.json"), "--json", "-"])
    assert result.exit_code == 0, result.stderr
    review = json.loads(result.stdout)
    assert review["items"]["forbidden"]["status"] == "fail"
    assert sorted(h["phrase"] for h in review["items"]["forbidden"]["hits"]) == sorted(
        ["这不可能", "不知道", "你别催我", "你急也没用", "我们的程序就是这样"]
    )
    assert set(review) >= {"file", "duration_s", "score", "band", "profile", "items"}


def test_score_prints_the_checklist_with_what_to_say_instead():
    result = runner.invoke(app, ["score", str(TRUTH / "07_forbidden.json")])
    assert result.exit_code == 0
    assert "FAIL" in result.stdout and "不知道" in result.stdout
    assert "不好意思，这问题我不是很清楚，我查一下再给您答复好吗" in result.stdout


def test_several_files_give_a_json_array_and_a_bad_one_does_not_stop_the_batch(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    out = tmp_path / "results.json"
    result = runner.invoke(
        app,
        [
            "score",
            str(TRUTH / "01_perfect.json"),
            str(broken),
            str(TRUTH / "09_no_closing.json"),
            "--json",
            str(out),
        ],
    )
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"callreview: error: {broken}: not a readable transcript JSON ("
    )
    assert result.stderr.count("\n") == 1
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [d["file"] for d in data] == [
        "audio_samples/01_perfect.flac",
        str(broken),
        "audio_samples/09_no_closing.flac",
    ]
    assert (
        data[0]["score"] == 100
        and "error" in data[1]
        and data[2]["items"]["closing"]["status"] == "fail"
    )


def test_a_failed_run_leaves_an_existing_result_file_untouched(tmp_path):
    out = tmp_path / "results.json"
    out.write_text('{"kept": true}\n', encoding="utf-8")
    bad_lexicon = tmp_path / "bad.toml"
    bad_lexicon.write_text("language = \n", encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "score",
            str(TRUTH / "01_perfect.json"),
            "--lexicon",
            str(bad_lexicon),
            "--json",
            str(out),
        ],
    )
    assert result.exit_code == 4
    assert result.stderr.startswith(f"callreview: error: {bad_lexicon}")
    assert out.read_text(encoding="utf-8") == '{"kept": true}\n'


def test_unwritable_json_output_is_one_line(tmp_path):
    target = tmp_path / "no-such-folder" / "deeper" / "x.json"
    (tmp_path / "no-such-folder").write_text("a file, not a folder")
    result = runner.invoke(app, ["score", str(TRUTH / "01_perfect.json"), "--json", str(target)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"callreview: error: {target}: cannot write the JSON output (")


def test_a_bad_option_value_is_refused():
    result = runner.invoke(
        app, ["score", str(TRUTH / "01_perfect.json"), "--direction", "sideways"]
    )
    assert result.exit_code == 4
    assert (
        result.stderr
        == "callreview: error: option: 'direction' must be one of inbound, outbound, not 'sideways'\n"
    )


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and re.fullmatch(r"callreview \d+\.\d+\.\d+\n", result.stdout)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Example: callreview " + command in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented_in_the_readme(command):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"callreview {command}" in readme


def test_readme_quick_start_is_what_ci_runs():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    test_command = next(line for line in ci.splitlines() if "pytest" in line)
    assert test_command in readme
    assert "pip install '.[model]' && .venv/bin/callreview score audio_samples/*.flac" in readme


def test_a_batch_ends_with_one_line_per_call_saying_which_to_open(tmp_path):
    missing = tmp_path / "missing.json"
    files = [
        TRUTH / "01_perfect.json",
        TRUTH / "07_forbidden.json",
        missing,
        TRUTH / "09_no_closing.json",
    ]
    result = runner.invoke(app, ["score", *map(str, files)])
    assert result.exit_code == 2
    summary = result.stdout.split("\n\n")[-1].splitlines()
    assert summary == [
        "4 calls · mean score 81.2 · 1 could not be read",
        f" 100.0  优秀    {files[0]}",
        f"  62.5  不合格  {files[1]}  — FAIL forbidden",
        f" error          {missing}",
        f"  81.2  需改进  {files[3]}  — FAIL closing",
    ]


def test_a_calls_metadata_file_sets_its_direction_and_options_win(tmp_path):
    call = tmp_path / "10_outbound.json"
    call.write_text((TRUTH / "10_outbound.json").read_text(encoding="utf-8"), encoding="utf-8")
    as_inbound = json.loads(runner.invoke(app, ["score", str(call), "--json", "-"]).stdout)
    assert (as_inbound["profile"], as_inbound["items"]["greeting"]["status"]) == ("inbound", "fail")
    (tmp_path / "10_outbound.toml").write_text(
        'direction = "outbound"\ncustomer_name = "李"\n', encoding="utf-8"
    )
    review = json.loads(runner.invoke(app, ["score", str(call), "--json", "-"]).stdout)
    assert (review["profile"], review["score"]) == ("outbound", 100)
    assert review["items"]["customer_name"]["source"] == "given"
    forced = json.loads(
        runner.invoke(app, ["score", str(call), "--direction", "inbound", "--json", "-"]).stdout
    )
    assert forced["profile"] == "inbound"  # the command line wins over the metadata file


def test_a_bad_metadata_file_fails_only_its_call(tmp_path):
    calls = [tmp_path / "a.json", tmp_path / "b.json"]
    for call in calls:
        call.write_text((TRUTH / "01_perfect.json").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "a.toml").write_text('direction = "sideways"\n', encoding="utf-8")
    result = runner.invoke(app, ["score", *map(str, calls), "--json", "-"])
    assert result.exit_code == 4
    assert (
        result.stderr
        == f"callreview: error: {tmp_path / 'a.toml'}: 'direction' must be one of inbound, outbound, not 'sideways'\n"
    )
    data = json.loads(result.stdout)
    assert "error" in data[0] and data[1]["score"] == 100
