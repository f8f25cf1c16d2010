"""A call recorded as two leg files is one call: paired by name or manifest, read onto one time
line with each leg's role, scored as the stereo file it was split from would be.

Pairing, reading and the manifest columns need no model; ``batch`` and ``watch`` (the second
leg arriving seconds later) run as real ``callreview`` processes through the model (``model``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import SAMPLES
from test_channel_auto import read_channels, write_pcm
from test_codecs import run as callreview

from callreview.asr.audio import load_audio
from callreview.asr.legs import DRIFT_LIMIT_S, legs_digest, load_legs
from callreview.errors import SettingsError
from callreview.jobs.discover import discover
from callreview.jobs.engine import Job
from callreview.jobs.legs import LegNaming, LegWaiter, leg_naming, pair_legs
from callreview.store import open_store

STEREO = SAMPLES / "09_no_closing.flac"


def split(stereo: Path, agent: Path, customer: Path) -> tuple[Path, Path]:
    """The stereo call's left (agent) and right (customer) channels as two mono WAV legs."""
    samples, rate = read_channels(stereo)
    return write_pcm(agent, samples[:1], rate), write_pcm(customer, samples[1:], rate)


@pytest.mark.parametrize(
    ("agent", "customer"),
    [
        ("call0412-in.wav", "call0412-out.wav"),  # Asterisk MixMonitor r()/t()
        ("call0412_tx.wav", "call0412_rx.wav"),
        ("call0412-callee.wav", "call0412-caller.wav"),
        ("CALL0412-IN.WAV", "CALL0412-OUT.WAV"),
    ],
)
def test_pair_legs_makes_one_job_of_a_presets_two_files(agent, customer):
    jobs = [Job(Path("/r") / customer), Job(Path("/r/other.wav")), Job(Path("/r") / agent)]
    paired = pair_legs(jobs)
    assert [j.path.name for j in paired] == [agent, "other.wav"]
    assert paired[0].legs == (Path("/r") / agent, Path("/r") / customer)
    assert paired[1].legs is None


def test_pair_legs_keeps_legs_of_other_calls_and_folders_apart():
    jobs = [Job(Path("/a/c1-in.wav")), Job(Path("/b/c1-out.wav")), Job(Path("/a/c2-out.wav"))]
    paired = pair_legs(jobs)
    assert [j.legs for j in paired] == [
        (Path("/a/c1-in.wav"), None),
        (None, Path("/b/c1-out.wav")),
        (None, Path("/a/c2-out.wav")),
    ]
    assert paired[0].note == (
        "scored as the agent's leg alone: the customer's leg (c1-out.wav) was not found; "
        "the customer's side of the call is silent in this review"
    )


def test_a_sites_own_leg_tags_come_before_the_presets():
    naming = leg_naming(["in/out"], ["agent", "cust"])
    paired = pair_legs([Job(Path("/r/x.cust.wav")), Job(Path("/r/x.agent.wav"))], naming)
    assert paired[0].legs == (Path("/r/x.agent.wav"), Path("/r/x.cust.wav"))
    assert pair_legs([Job(Path("/r/x-in.wav"))], leg_naming([])) == [Job(Path("/r/x-in.wav"))]


@pytest.mark.parametrize(
    ("presets", "suffixes", "message"),
    [
        (["a/b"], [], "leg_names: unknown preset 'a/b'; known: in/out, tx/rx, callee/caller"),
        ([], ["agent"], "leg_suffixes ['agent']: give two tags"),
    ],
)
def test_leg_settings_are_refused_with_one_line(presets, suffixes, message):
    with pytest.raises(SettingsError, match=message.replace("[", r"\[").replace("]", r"\]")):
        leg_naming(presets, suffixes)


def test_two_legs_read_as_the_stereo_file_they_were_split_from(tmp_path):
    agent, customer = split(STEREO, tmp_path / "c-in.wav", tmp_path / "c-out.wav")
    stereo = load_audio(STEREO)
    both = load_legs(agent, customer)
    assert both.notes == ()
    assert both.recording.is_stereo
    for mine, theirs in zip(both.recording.channels, stereo.channels):
        np.testing.assert_array_equal(mine, theirs)
    assert both.recording.by_role("left")["agent"] is both.recording.channels[0]


def test_a_leg_alone_reads_with_the_other_side_silent(tmp_path):
    _, customer = split(STEREO, tmp_path / "c-in.wav", tmp_path / "c-out.wav")
    alone = load_legs(None, customer).recording
    assert not alone.channels[0].any()
    assert alone.channels[1].any()


def test_legs_that_drift_apart_are_read_with_a_note(tmp_path):
    samples, rate = read_channels(STEREO)
    agent = write_pcm(tmp_path / "c-in.wav", samples[:1], rate)
    short = write_pcm(tmp_path / "c-out.wav", samples[1:, : -int((DRIFT_LIMIT_S + 1) * rate)], rate)
    both = load_legs(agent, short)
    assert len(both.notes) == 1 and "the legs end 3.0 s apart" in both.notes[0]
    assert len(both.recording.channels[0]) == len(both.recording.channels[1])


def test_a_two_leg_call_is_keyed_by_both_legs_content(tmp_path):
    agent, customer = split(STEREO, tmp_path / "c-in.wav", tmp_path / "c-out.wav")
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    copies = [Path(shutil.copy(p, moved)) for p in (agent, customer)]
    assert legs_digest((agent, customer)) == legs_digest(tuple(copies))
    assert legs_digest((agent, customer)) != legs_digest((customer, agent))
    assert legs_digest((agent, None)) != legs_digest((agent, customer))


def test_discover_pairs_a_folders_legs_and_a_manifests_leg_columns(tmp_path):
    folder = tmp_path / "calls"
    folder.mkdir()
    split(STEREO, folder / "c1-in.wav", folder / "c1-out.wav")
    split(STEREO, folder / "a.wav", folder / "b.wav")
    manifest = folder / "calls.csv"
    manifest.write_text("agent_file,customer_file,agent\na.wav,b.wav,A017\n", encoding="utf-8")
    jobs = discover([folder], manifest=manifest)
    assert [(j.legs[0].name, j.legs[1].name) for j in jobs if j.legs] == [
        ("a.wav", "b.wav"),
        ("c1-in.wav", "c1-out.wav"),
    ]
    assert len(jobs) == 2
    assert next(j for j in jobs if j.path.name == "a.wav").meta.agent == "A017"


def test_the_watchers_leg_waits_for_its_partner_then_goes_alone():
    waiter = LegWaiter(LegNaming(), wait_s=5)
    assert waiter.offer(Path("/r/c-out.wav"), now=0) is None
    assert waiter.offer(Path("/r/plain.wav"), now=1) == Job(Path("/r/plain.wav"))
    pair = waiter.offer(Path("/r/c-in.wav"), now=2)
    assert pair is not None and pair.legs == (Path("/r/c-in.wav"), Path("/r/c-out.wav"))
    assert waiter.offer(Path("/r/c-in.wav"), now=3) == pair  # sent again (busy): the same pair
    assert waiter.partner("/r/c-in.wav") == "/r/c-out.wav"
    assert waiter.offer(Path("/r/d-in.wav"), now=10) is None
    assert waiter.expired(now=14) == []
    (lone,) = waiter.expired(now=15)
    assert lone.legs == (Path("/r/d-in.wav"), None) and "d-out.wav" in (lone.note or "")


# --- through the model ---------------------------------------------------------------------


def checklist(review: dict) -> dict:
    return {name: item["status"] for name, item in review["items"].items()} | {
        "score": review["score"]
    }


def stored(db: Path) -> list[tuple[tuple[str, ...], dict]]:
    """Each call's file names and its review."""
    with open_store(str(db)) as store:
        return [
            (tuple(sorted(Path(p).name for p in store.paths(c.id))), store.call(c.id).review)
            for c in store.calls()
        ]


@pytest.mark.model
def test_two_legs_are_one_call_with_the_stereo_files_checklist_by_batch_and_watch(
    tmp_path, bundled_model
):
    out = callreview("score", str(STEREO), "--json", "-", cwd=tmp_path)
    assert out.returncode in (0, 3), out.stderr
    expected = checklist(json.loads(out.stdout))

    folder = tmp_path / "recorder"
    folder.mkdir()
    split(STEREO, folder / "call0412-in.wav", folder / "call0412-out.wav")
    done = callreview("batch", str(folder), "--db", str(tmp_path / "batch.db"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    ((paths, review),) = stored(tmp_path / "batch.db")
    assert paths == ("call0412-in.wav", "call0412-out.wav")
    assert checklist(review) == expected

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    log = tmp_path / "watch.log"
    with open(log, "w") as sink:
        watch = subprocess.Popen(
            [sys.executable, "-m", "callreview", "watch", str(inbox), "--settle", "1"]
            + ["--db", str(tmp_path / "watch.db")],
            cwd=tmp_path,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=os.environ.copy(),
        )
    try:
        shutil.copy(folder / "call0412-out.wav", inbox)
        time.sleep(4)  # the customer's leg settles, then waits for the agent's
        shutil.copy(folder / "call0412-in.wav", inbox)
        deadline = time.monotonic() + 600
        while "\nscored " not in log.read_text() and time.monotonic() < deadline:
            assert watch.poll() is None, log.read_text()
            time.sleep(0.5)
    finally:
        watch.terminate()
        watch.wait(60)
    text = log.read_text()
    assert "waiting  " in text and "one leg of a call" in text
    assert "\nalone " not in text
    ((paths, review),) = stored(tmp_path / "watch.db")
    assert paths == ("call0412-in.wav", "call0412-out.wav")
    assert checklist(review) == expected

    once = tmp_path / "once"  # watch --once: the pair, and a customer's leg whose agent never came
    once.mkdir()
    for name in ("call0412-in.wav", "call0412-out.wav"):
        shutil.copy(folder / name, once)
    shutil.copy(folder / "call0412-out.wav", once / "call0999-out.wav")
    ran = callreview(
        "watch", str(once), "--once", "--settle", "0", "--db", str(tmp_path / "once.db"),
        cwd=tmp_path,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert f"alone    {once / 'call0999-out.wav'}: scored as the customer's leg alone" in ran.stdout
    assert "done: 2 scored" in ran.stdout
    calls = dict(stored(tmp_path / "once.db"))
    assert checklist(calls["call0412-in.wav", "call0412-out.wav"]) == expected
    lone = calls["call0999-out.wav",]
    assert {item["status"] for item in lone["items"].values()} == {"review"}
    with open_store(str(tmp_path / "once.db")) as store:
        (call,) = [c for c in store.calls() if Path(c.path).name == "call0999-out.wav"]
        transcript = store.transcript(call.id)
    assert transcript is not None
    assert transcript.notes[0].startswith("scored as the customer's leg alone")
