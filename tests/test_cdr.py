"""A PBX's own call records drive ``batch --manifest``: Asterisk's CDR CSV (``Master.csv``, no
header) and FreePBX's CDR report export map onto the manifest's fields (agent, call id, date,
direction) without a converter.

The end-to-end run scores transcript JSONs (named in ``userfield``), so it needs no model.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLES

from callreview.errors import SettingsError
from callreview.jobs.discover import discover
from callreview.store import open_store

TRUTH = SAMPLES / "truth"


def asterisk_line(
    uniqueid: str,
    *,
    channel: str = "SIP/trunk-00000001",
    dstchannel: str = "SIP/8001-0000001a",
    dcontext: str = "from-trunk",
    start: str = "2026-12-01 09:41:07",
    disposition: str = "ANSWERED",
    userfield: str = "",
) -> str:
    """One ``cdr_csv`` line, every field quoted as Asterisk writes it."""
    fields = [
        "",
        "13800138000",
        "4001",
        dcontext,
        '"Li" <13800138000>',
        channel,
        dstchannel,
        "Dial",
        "SIP/8001,30",
        start,
        start,
        "2026-12-01 09:42:10",
        "63",
        "60",
        disposition,
        "DOCUMENTATION",
        uniqueid,
        userfield,
    ]
    return ",".join('"' + f.replace('"', '""') + '"' for f in fields)


@pytest.fixture
def recordings(tmp_path) -> Path:
    folder = tmp_path / "monitor"
    folder.mkdir()
    return folder


def test_an_asterisk_cdr_names_each_calls_agent_id_date_and_direction(recordings):
    for name in ("1733046067.12-in.wav", "1733046067.12-out.wav", "1733046900.40.wav"):
        (recordings / name).write_bytes(b"RIFF")
    lines = [
        asterisk_line("1733046067.12"),  # inbound, both legs named by the uniqueid
        asterisk_line("1733046500.20", disposition="NO ANSWER"),  # no recording: left out
        asterisk_line(
            "1733046900.40",
            channel="PJSIP/8002-00000012",
            dstchannel="SIP/trunk-00000003",
            dcontext="from-internal",
            start="2026-12-02 10:00:00",
        ),
    ]
    (recordings / "Master.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    jobs = discover([], manifest=recordings / "Master.csv")
    assert [(j.path.name, j.legs is not None) for j in jobs] == [
        ("1733046067.12-in.wav", True),
        ("1733046900.40.wav", False),
    ]
    inbound, outbound = (j.meta for j in jobs)
    assert (inbound.agent, inbound.call_id, inbound.date, inbound.direction) == (
        "8001",
        "1733046067.12",
        "2026-12-01",
        "inbound",
    )
    assert (outbound.agent, outbound.date, outbound.direction) == ("8002", "2026-12-02", "outbound")
    assert inbound.extra == {"disposition": "ANSWERED", "billsec": "60"}
    assert "src" not in inbound.extra and "clid" not in inbound.extra  # numbers are not kept


def test_a_freepbx_cdr_report_is_read_by_its_header(recordings):
    (recordings / "2026" / "12" / "01").mkdir(parents=True)
    recording = recordings / "2026" / "12" / "01" / "out-13800138000-8003-20261201-1100-77.2.wav"
    recording.write_bytes(b"RIFF")
    (recordings / "cdr.csv").write_text(
        "calldate,clid,src,dst,dcontext,channel,dstchannel,disposition,billsec,uniqueid,"
        "recordingfile,cnum\n"
        f"2026-12-01 11:00:00,x,8003,13800138000,from-internal,PJSIP/8003-1,SIP/t-2,ANSWERED,"
        f"40,77.2,{recording.name},8003\n",
        encoding="utf-8",
    )
    (job,) = discover([], manifest=recordings / "cdr.csv")
    assert job.path == recording
    assert (job.meta.agent, job.meta.call_id, job.meta.direction) == ("8003", "77.2", "outbound")


def test_a_cdr_whose_recordings_are_nowhere_is_refused_with_one_line(recordings):
    (recordings / "Master.csv").write_text(asterisk_line("1.1") + "\n", encoding="utf-8")
    with pytest.raises(SettingsError) as err:
        discover([], manifest=recordings / "Master.csv")
    assert str(err.value) == (
        f"{recordings / 'Master.csv'}: an Asterisk CDR export, but no line's recording was found "
        f"under {recordings}; put the CSV in the recordings' folder (each named with its call's "
        "uniqueid, or named in userfield/recordingfile)"
    )


def test_an_asterisk_cdr_drives_batch_manifest_end_to_end(tmp_path, recordings):
    for name in ("01_perfect", "10_outbound"):
        shutil.copy(TRUTH / f"{name}.json", recordings)
    lines = [
        asterisk_line("1733046067.12", userfield="01_perfect.json"),
        asterisk_line(
            "1733046900.40",
            channel="SIP/8002-00000012",
            dcontext="from-internal",
            userfield="10_outbound.json",
        ),
    ]
    (recordings / "Master.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "callreview.db"
    done = subprocess.run(
        [sys.executable, "-m", "callreview", "batch", "--manifest", str(recordings / "Master.csv")]
        + ["--db", str(db)],
        cwd=tmp_path,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    with open_store(str(db)) as store:
        calls = {Path(c.path).name: c for c in store.calls()}
    assert sorted(calls) == ["01_perfect.json", "10_outbound.json"]
    perfect, outbound = calls["01_perfect.json"], calls["10_outbound.json"]
    assert (perfect.agent, perfect.call_id, perfect.date, perfect.direction) == (
        "8001",
        "1733046067.12",
        "2026-12-01",
        "inbound",
    )
    assert (outbound.agent, outbound.direction) == ("8002", "outbound")
    assert outbound.review is not None and outbound.review["profile"] == "outbound"
    assert perfect.state == outbound.state == "scored"
