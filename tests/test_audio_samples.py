"""The bundled sample calls (audio_samples/) agree with their scripts.

Each call script ``audio_samples/calls/NN_slug.toml`` is rendered by
``tools/render_samples.py`` into ``audio_samples/NN_slug.flac`` and
``audio_samples/truth/NN_slug.json``. These tests need no model and no TTS:
they check that what is committed is complete, in the promised format, and
that every script's ``[expected]`` checklist is consistent with its own turns.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from callreview.text import normalize
from callreview.transcript import Transcript

SAMPLES = Path(__file__).resolve().parents[1] / "audio_samples"
CALLS = SAMPLES / "calls"
TRUTH = SAMPLES / "truth"
SCRIPTS = sorted(CALLS.glob("*.toml"))
SLUGS = [p.stem for p in SCRIPTS]

MAX_TOTAL_BYTES = 10_000_000
MIN_SECONDS, MAX_SECONDS = 30.0, 90.0
ITEMS = ("greeting", "customer_name", "hold", "forbidden", "closing")
STATUSES = {
    "greeting": {"pass", "fail"},
    "customer_name": {"pass", "fail"},
    "hold": {"pass", "fail", "na"},
    "forbidden": {"pass", "fail"},
    "closing": {"pass", "fail"},
}
GREETING_PARTS = {
    "inbound": {"salutation", "company", "agent_name", "offer_help"},
    "outbound": {"salutation", "confirm_identity", "agent_name", "ask_time"},
}
CLOSING_PARTS = {"question", "thanks", "farewell"}
HONORIFICS = "先生|女士|小姐|总"

# The canonical forbidden phrases (服务忌语, seed 000); the lexicon uses the same keys.
FORBIDDEN = (
    "听不清",
    "大声点",
    "你讲不讲道理",
    "你可以投诉",
    "说了半天你怎么还不明白",
    "我刚才已经和你说过了",
    "这不可能",
    "这我做不到",
    "不行",
    "你说完了吗",
    "你让我说完好吗",
    "我们的程序就是这样",
    "只有等",
    "你别催我",
    "我也急",
    "我也没办法",
    "你急也没用",
    "你什么态度",
    "不知道",
    "我无法回答你",
    "你应该问",
    "我们只能做到这样",
    "能做的我们都做了",
    "那你教我怎么样做",
    "你过一会再打吧",
)

# The situations the sample set promises to cover (audio_samples/README.md).
REQUIRED = (
    "01_perfect",
    "02_no_greeting",
    "03_bare_wei",
    "04_name_zero",
    "05_name_once",
    "06_hold_no_permission",
    "07_forbidden",
    "08_customer_forbidden_words",
    "09_no_closing",
    "10_outbound",
)


def script(slug: str) -> dict:
    return tomllib.loads((CALLS / f"{slug}.toml").read_text(encoding="utf-8"))


def agent_turns(data: dict) -> list[str]:
    return [t["text"] for t in data["turns"] if t["role"] == "agent"]


def dbfs(x: np.ndarray) -> float:
    return 20 * np.log10(np.sqrt(np.mean(np.square(x, dtype=np.float64))) + 1e-12)


def audio(slug: str) -> np.ndarray:
    data, _ = sf.read(SAMPLES / f"{slug}.flac", dtype="float64", always_2d=True)
    return data


by_slug = pytest.mark.parametrize("slug", SLUGS)


# --- the set -----------------------------------------------------------------------


def test_the_sample_set_covers_every_promised_situation():
    assert set(REQUIRED) <= set(SLUGS), (
        f"missing call scripts: {sorted(set(REQUIRED) - set(SLUGS))}"
    )


@by_slug
def test_every_call_script_has_a_rendered_flac(slug):
    assert (SAMPLES / f"{slug}.flac").is_file(), (
        f"render it: python tools/render_samples.py --only {slug} (dev-only install: see its docstring)"
    )


@by_slug
def test_every_call_script_has_a_truth_transcript(slug):
    assert (TRUTH / f"{slug}.json").is_file(), (
        f"render it: python tools/render_samples.py --only {slug} (dev-only install: see its docstring)"
    )


def test_every_flac_and_truth_transcript_has_a_call_script():
    flacs = {p.stem for p in SAMPLES.glob("*.flac")}
    truths = {p.stem for p in TRUTH.glob("*.json")}
    assert flacs - set(SLUGS) == set(), "FLAC without a script"
    assert truths - set(SLUGS) == set(), "truth JSON without a script"


def test_all_flacs_together_stay_under_10_mb():
    total = sum(p.stat().st_size for p in SAMPLES.glob("*.flac"))
    assert total < MAX_TOTAL_BYTES, f"{total} bytes; keep the line noise light and the calls short"


# --- the audio ---------------------------------------------------------------------


@by_slug
def test_each_flac_is_stereo_8khz_16bit(slug):
    info = sf.info(str(SAMPLES / f"{slug}.flac"))
    assert (info.format, info.channels, info.samplerate, info.subtype) == (
        "FLAC",
        2,
        8000,
        "PCM_16",
    )


@by_slug
def test_each_call_lasts_30_to_90_seconds(slug):
    seconds = sf.info(str(SAMPLES / f"{slug}.flac")).duration
    assert MIN_SECONDS <= seconds <= MAX_SECONDS, f"{seconds:.1f} s"


@by_slug
def test_each_turn_is_heard_on_its_own_channel_only(slug):
    """Agent on the left, customer on the right, the other channel near silent — except
    where the script has the other party talk over the turn (``overlap``)."""
    x = audio(slug)
    segments = Transcript.load(TRUTH / f"{slug}.json").segments
    for seg in segments:
        own = 0 if seg.role == "agent" else 1
        part = x[int(seg.start * 8000) : int(seg.end * 8000)]
        assert dbfs(part[:, own]) > -35, f"{seg.role} turn at {seg.start}s is not on its channel"
        quiet = np.ones(len(part), dtype=bool)
        for other in segments:
            if other.role != seg.role and other.start < seg.end and seg.start < other.end:
                quiet[
                    max(0, int((other.start - seg.start) * 8000)) : int(
                        (other.end - seg.start) * 8000
                    )
                ] = False
        if quiet.sum() > 800:  # at least 0.1 s of the turn with nobody talking over it
            assert dbfs(part[quiet, 1 - own]) < -55, (
                f"{seg.role} turn at {seg.start}s leaks into the other channel"
            )


def test_overlapping_turns_are_only_where_the_scripts_say():
    """Turns of the two parties overlap in the audio exactly where a script turn has ``overlap``, by that much."""
    for slug in SLUGS:
        turns = script(slug)["turns"]
        segments = Transcript.load(TRUTH / f"{slug}.json").segments
        for i, (turn, seg) in enumerate(zip(turns, segments)):
            previous = segments[i - 1] if i else None
            overlap = previous.end - seg.start if previous is not None else 0.0
            if turn.get("overlap"):
                assert overlap == pytest.approx(turn["overlap"], abs=0.01), f"{slug} turn {i}"
            else:
                assert all(seg.start >= s.end for s in segments[:i]), (
                    f"{slug} turn {i} starts before an earlier one ends"
                )


@by_slug
def test_holds_carry_no_speech_on_either_channel(slug):
    """During a hold only line noise (or quiet music on the agent channel) is heard."""
    data = script(slug)
    segments = Transcript.load(TRUTH / f"{slug}.json").segments
    x = audio(slug)
    for turn, seg, nxt in zip(data["turns"], segments, segments[1:]):
        if not turn.get("hold"):
            continue
        assert nxt.start - seg.end >= turn["hold"] - 0.01, (
            "the hold is shorter in the audio than in the script"
        )
        gap = x[int((seg.end + 0.1) * 8000) : int((nxt.start - 0.1) * 8000)]
        assert dbfs(gap[:, 1]) < -60
        assert dbfs(gap[:, 0]) < (-25 if turn.get("music") else -60)


# --- the truth transcripts -------------------------------------------------------------


@by_slug
def test_truth_transcript_loads_and_describes_its_flac(slug):
    truth = Transcript.load(TRUTH / f"{slug}.json")
    assert (truth.model, truth.language, truth.roles, truth.channels) == (
        "script",
        "zh",
        "stereo",
        2,
    )
    assert truth.file == f"audio_samples/{slug}.flac"
    assert truth.duration_s == pytest.approx(
        sf.info(str(SAMPLES / f"{slug}.flac")).duration, abs=0.01
    )
    starts = [s.start for s in truth.segments]
    assert starts == sorted(starts)
    assert all(0 <= s.start < s.end <= truth.duration_s for s in truth.segments)


@by_slug
def test_truth_agent_segments_are_the_script_agent_turns_in_order(slug):
    truth = Transcript.load(TRUTH / f"{slug}.json")
    assert [s.text for s in truth.by_role("agent")] == agent_turns(script(slug))


@by_slug
def test_truth_has_one_segment_per_turn_in_script_order(slug):
    truth = Transcript.load(TRUTH / f"{slug}.json")
    turns = script(slug)["turns"]
    assert [(s.role, s.text) for s in truth.segments] == [(t["role"], t["text"]) for t in turns]
    assert all(not s.words for s in truth.segments)


@by_slug
def test_truth_norm_is_the_normalized_text(slug):
    for seg in Transcript.load(TRUTH / f"{slug}.json").segments:
        assert seg.norm == normalize(seg.text)


# --- the expected checklist ---------------------------------------------------------


@by_slug
def test_expected_has_all_five_items_with_valid_statuses(slug):
    expected = script(slug)["expected"]
    for item in ITEMS:
        assert expected.get(item) in STATUSES[item], f"[expected].{item} = {expected.get(item)!r}"


@by_slug
def test_expected_greeting_status_follows_from_its_parts(slug):
    data = script(slug)
    parts = data["expected"]["greeting_parts"]
    assert set(parts) == GREETING_PARTS[data.get("direction", "inbound")]
    assert data["expected"]["greeting"] == ("pass" if all(parts.values()) else "fail")


@by_slug
def test_expected_greeting_parts_match_what_the_agent_opens_with(slug):
    """Company and agent name are claimed only if the agent's opening turns say them."""
    data = script(slug)
    parts = data["expected"]["greeting_parts"]
    opening = "".join(agent_turns(data)[:2])
    assert parts["salutation"] == ("您好" in opening)
    if "company" in parts:
        assert parts["company"] == bool(data["company"] and data["company"] in opening)
    assert parts["agent_name"] == bool(data["agent_name"] and data["agent_name"] in opening)


@by_slug
def test_expected_name_count_is_the_agent_turns_that_use_the_name(slug):
    data = script(slug)
    expected = data["expected"]
    pattern = re.compile(f"{re.escape(data['customer_name'])}(?:{HONORIFICS})")
    uses = [len(pattern.findall(text)) for text in agent_turns(data)]
    assert max(uses) <= 1, "one use per agent turn keeps 'count' unambiguous"
    assert sum(uses) == expected["customer_name_count"]
    assert expected["customer_name"] == ("pass" if expected["customer_name_count"] >= 2 else "fail")


@by_slug
def test_expected_holds_are_the_scripted_holds(slug):
    data = script(slug)
    expected = data["expected"]
    holds = expected["holds"]
    assert len(holds) == sum(1 for t in data["turns"] if t.get("hold"))
    assert all(set(h) == {"permission", "thanked"} for h in holds)
    if not holds:
        assert expected["hold"] == "na"
    else:
        assert expected["hold"] == (
            "pass" if all(h["permission"] and h["thanked"] for h in holds) else "fail"
        )


@by_slug
def test_expected_forbidden_phrases_are_exactly_what_the_agent_says(slug):
    data = script(slug)
    expected = data["expected"]
    said = sorted(p for text in agent_turns(data) for p in FORBIDDEN if p in text)
    assert set(expected["forbidden_phrases"]) <= set(FORBIDDEN), "use the canonical phrases"
    assert sorted(expected["forbidden_phrases"]) == said
    assert expected["forbidden"] == ("fail" if said else "pass")


@by_slug
def test_expected_closing_status_follows_from_its_parts(slug):
    expected = script(slug)["expected"]
    parts = expected["closing_parts"]
    assert set(parts) == CLOSING_PARTS
    assert expected["closing"] == ("pass" if all(parts.values()) else "fail")


def test_the_customer_forbidden_words_call_has_them_only_on_the_customer_side():
    data = script("08_customer_forbidden_words")
    customer = "".join(t["text"] for t in data["turns"] if t["role"] == "customer")
    assert {"这不可能", "不知道", "我也没办法"} <= {p for p in FORBIDDEN if p in customer}
    assert data["expected"]["forbidden"] == "pass"
