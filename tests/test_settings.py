"""callreview.toml and options merge into one Settings; a bad file is refused with file and key."""

from __future__ import annotations

import pytest

from callreview.errors import SettingsError
from callreview.settings import Settings, load_settings


def test_defaults_without_a_settings_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings == Settings()


def test_the_working_folders_file_is_read_and_options_win(tmp_path, monkeypatch):
    (tmp_path / "callreview.toml").write_text(
        'agent_channel = "right"\ncompany_names = ["天霖汽车"]\ndirection = "outbound"\nscorecard = "cards/site.toml"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    settings = load_settings(direction="inbound", model=None)
    assert settings.agent_channel == "right"
    assert settings.company_names == ("天霖汽车",)
    assert settings.direction == "inbound"  # the option wins over the file
    assert settings.scorecard == str(tmp_path / "cards/site.toml")  # relative to the file


@pytest.mark.parametrize("lexicon, language", [("zh-CN", "zh"), ("en-US", "en")])
def test_the_lexicons_language_selects_the_transcription_language(lexicon, language):
    from callreview.review import Reviewer

    assert Reviewer(Settings(lexicon=lexicon)).transcribe_options.language == language


def test_a_lexicon_file_named_anything_still_transcribes_in_its_own_language(tmp_path):
    from callreview.qc.lexicon import BUNDLED_DIR
    from callreview.review import Reviewer

    site = tmp_path / "site.toml"
    site.write_text((BUNDLED_DIR / "en-US.toml").read_text(encoding="utf-8"), encoding="utf-8")
    assert Reviewer(Settings(lexicon=str(site))).transcribe_options.language == "en"
    assert (
        Reviewer(Settings(lexicon=str(site), language="de")).transcribe_options.language == "de"
    )  # the setting wins


@pytest.mark.parametrize(
    "content, message",
    [
        ('agent_chanel = "left"\n', "unknown setting 'agent_chanel'; known settings: "),
        (
            'agent_channel = "middle"\n',
            "'agent_channel' must be one of left, right, auto, not 'middle'",
        ),
        ("cpu_threads = -2\n", "'cpu_threads' must be a whole number ≥ 0, not -2"),
        ("company_names = [1, 2]\n", "'company_names' must be a list of names, not [1, 2]"),
        ('cache = "yes"\n', "'cache' must be true or false, not 'yes'"),
        (
            "device = \n",
            "line 1, column 10: invalid value; fix the TOML syntax",
        ),  # the lexicon's and scorecard's wording: one reader
    ],
)
def test_a_malformed_settings_file_is_refused_with_file_and_key(tmp_path, content, message):
    path = tmp_path / "callreview.toml"
    path.write_text(content)
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    assert str(caught.value).startswith(f"{path}: {message}")


def test_every_kind_of_toml_file_reports_a_syntax_error_alike(tmp_path):
    from callreview.errors import LexiconError, ScorecardError
    from callreview.qc.lexicon import load_lexicon
    from callreview.qc.scorecard import load_scorecard
    from callreview.settings import call_metadata

    bad = tmp_path / "bad.toml"
    bad.write_text("version 1\n", encoding="utf-8")
    recording = tmp_path / "bad.flac"
    messages = []
    for load, error in (
        (load_lexicon, LexiconError),
        (load_scorecard, ScorecardError),
        (load_settings, SettingsError),
        (lambda p: call_metadata(recording), SettingsError),
    ):
        with pytest.raises(error) as caught:
            load(bad)
        messages.append(str(caught.value))
    assert set(messages) == {
        f"{bad}: line 1, column 9: expected '=' after a key in a key/value pair; fix the TOML syntax"
    }


def test_a_settings_file_that_is_not_utf8_is_refused_in_one_line(tmp_path):
    path = tmp_path / "callreview.toml"
    path.write_bytes("lexicon = '中文'\n".encode("gb18030"))
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    assert (
        str(caught.value)
        == f"{path}: cannot be read as UTF-8 text (UnicodeDecodeError); save the settings as UTF-8"
    )


def test_a_missing_config_path_is_refused(tmp_path):
    with pytest.raises(SettingsError, match="no such settings file; check the --config path"):
        load_settings(tmp_path / "nope.toml")


def test_the_model_comes_from_the_option_then_the_environment_then_the_file(tmp_path, monkeypatch):
    from callreview.settings import load_settings

    config = tmp_path / "callreview.toml"
    config.write_text('model = "small"\n', encoding="utf-8")
    monkeypatch.delenv("CALLREVIEW_MODEL", raising=False)
    assert load_settings(config).model == "small"
    monkeypatch.setenv("CALLREVIEW_MODEL", "medium")
    assert load_settings(config).model == "medium"
    assert load_settings(config, model="large-v3").model == "large-v3"


def test_model_load_reads_callreview_toml(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from callreview.cli import app

    monkeypatch.delenv("CALLREVIEW_MODEL", raising=False)
    (tmp_path / "callreview.toml").write_text('model = "./no-such-model"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["model", "--load"])
    assert result.exit_code == 3
    assert result.stderr.startswith(
        f"callreview: error: {tmp_path / 'no-such-model'}: no such model folder;"
    )


def test_the_review_path_transcribes_with_the_transcribers_measured_defaults():
    # One source for how audio is decoded: a Settings default must not shadow the one the
    # transcription bench measures (it once did: batches of 4 against the measured 2).
    from callreview.asr.transcribe import TranscribeOptions
    from callreview.review import Reviewer

    options = Reviewer(Settings()).transcribe_options
    defaults = TranscribeOptions()
    assert (
        options.batch_size,
        options.decode_batch,
        options.beam_size,
        options.customer_beam_size,
    ) == (
        defaults.batch_size,
        defaults.decode_batch,
        defaults.beam_size,
        defaults.customer_beam_size,
    )
    assert Reviewer(Settings(batch_size=1)).transcribe_options.batch_size == 1
    chosen = Reviewer(
        Settings(batch_size=4)
    ).transcribe_options  # the user's batch size is what one decoder call takes
    assert (chosen.batch_size, chosen.decode_batch) == (4, None)
