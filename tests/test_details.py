"""Typed item details: the JSON they write is the review JSON's, a stored review reads back as the same
details, and a review rendered from the store reads as the one just scored."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from fixtures.calls import lexicon, scorecard

from callreview.cli.render import gist, render_review
from callreview.qc.checklist import CallInfo, check_transcript
from callreview.qc.checks import DETAILS, as_details
from callreview.qc.checks.closing import ClosingDetails
from callreview.qc.checks.customer_name import NameDetails
from callreview.qc.checks.forbidden import ForbiddenDetails, ForbiddenHit
from callreview.qc.checks.greeting import GreetingDetails
from callreview.qc.checks.hold import Hold, HoldDetails
from callreview.results import ITEMS, CallReview, Evidence, ItemResult
from callreview.transcript import Transcript
from callreview.web.views import moments, say_instead

TRUTH = sorted((Path(__file__).resolve().parent.parent / "audio_samples" / "truth").glob("*.json"))
ITEM_KEYS = ("status", "points", "max_points", "evidence")


def scored(path: Path) -> CallReview:
    return check_transcript(Transcript.load(path), lexicon(), scorecard(), CallInfo())


def stored(review: CallReview) -> CallReview:
    """The review as the web app and the exports get it back from the store: JSON, details as plain dicts."""
    data = json.loads(json.dumps(review.to_dict(), ensure_ascii=False))
    items = {}
    for name, item in data["items"].items():
        evidence = tuple(Evidence(**e) for e in item["evidence"])
        details = {k: v for k, v in item.items() if k not in ITEM_KEYS}
        items[name] = ItemResult(
            name, item["status"], item["points"], item["max_points"], evidence, details
        )
    return replace(review, items=items, metrics=None, delivery={})


@pytest.fixture(scope="module")
def reviews() -> list[CallReview]:
    assert TRUTH, "no truth transcripts under audio_samples/truth"
    return [scored(path) for path in TRUTH]


def test_every_item_of_a_scored_call_has_its_typed_details(reviews):
    for review in reviews:
        for name in ITEMS:
            assert type(review.items[name].details) is DETAILS[name], (review.file, name)


def test_stored_details_read_back_as_the_same_details(reviews):
    for review in reviews:
        for name, item in review.items.items():
            data = json.loads(json.dumps(item.to_dict(), ensure_ascii=False))
            back = as_details(name, {k: v for k, v in data.items() if k not in ITEM_KEYS})
            assert back is not None and type(back) is type(item.details)
            # The same JSON, key for key and in the same order, from the details read back.
            assert json.dumps(back.to_dict(), ensure_ascii=False) == json.dumps(
                {k: v for k, v in data.items() if k not in ITEM_KEYS}, ensure_ascii=False
            ), (review.file, name)
            assert back.gist(item.status, full=True) == item.details.gist(item.status, full=True)


def test_a_review_read_from_the_store_renders_as_the_one_just_scored(reviews):
    for review in reviews:
        fresh = replace(review, metrics=None, delivery={})
        assert render_review(stored(review)) == render_review(fresh), review.file


def test_the_web_app_says_the_same_of_a_stored_item_as_of_a_fresh_one(reviews):
    for review in reviews:
        back = stored(review)
        for name, item in review.items.items():
            d = back.items[name].details
            assert gist(name, item.status, d, full=True) == gist(
                name, item.status, item.details, full=True
            )
            assert say_instead(name, item.status, d) == item.details.advice(item.status)
        # Each hold is a place to click, marked bad when it lacked permission or thanks.
        hold = review.items["hold"].to_dict()
        places = [m for m in moments("hold", hold) if m.role == "hold"]
        assert [(m.start, m.bad) for m in places] == [
            (h["start"], not (h["permission"] and h["thanked"])) for h in hold["holds"]
        ]


EV = Evidence("agent", 3.2, 5.0, "请您稍等一下好吗？", "请您稍等一下好吗", 100.0)
ROUND_TRIP = [
    ("greeting", GreetingDetails({"salutation": {"found": True, "uncertain": False, "text": EV.text, "evidence": EV}}, company_name="天霖", bare_opening=None)),
    ("closing", ClosingDetails({"question": {"found": False, "uncertain": False, "text": None, "evidence": None}}, reason="the customer spoke last (00:52); no agent speech after it", suggestion="还有什么可以帮您？")),
    ("customer_name", NameDetails(name="王先生", count=1, source="agent", asked=EV, key="wang")),
    ("hold", HoldDetails([Hold(1.0, 13.0, 12.0, True, True, False, permission_evidence=EV)], thanks_suggestion="感谢您的耐心等待")),
    ("forbidden", ForbiddenDetails([ForbiddenHit("不知道", "我帮您查询一下", 1.0, 2.0, "我不知道", "不知道", 100.0, "agent")], ni_count=2, nin_count=0, ni_examples=[{"start": 1.0, "text": "你好"}], informal="你", formal=None, politeness_source="")),
]  # fmt: skip


@pytest.mark.parametrize("name, details", ROUND_TRIP, ids=[n for n, _ in ROUND_TRIP])
def test_from_dict_of_to_dict_is_the_same_details(name, details):
    data = json.loads(json.dumps(details.to_dict(), ensure_ascii=False))
    assert as_details(name, data) == details
    weighted = details.with_extra(weight=20.0)
    assert as_details(name, json.loads(json.dumps(weighted.to_dict()))) == weighted


def test_keys_added_after_the_check_keep_the_order_a_dict_gives_them():
    closing = ClosingDetails(
        {},
        last_turn_missing=False,
        reason="the customer spoke last (00:52); no agent speech after it",
        suggestion="x",
    )
    plain = closing.to_dict()
    added = {
        "reason": "rests on a turn only 55% sure",
        "role_confidence": 0.55,
        "unsure_verdict": "fail",
        "weight": 15.0,
    }
    # A field of that name is replaced where it stands (reason); any other key comes after, in order.
    assert list(closing.with_extra(**added).to_dict().items()) == list({**plain, **added}.items())
    greeting = GreetingDetails({}, suggestion="您好")
    assert list(greeting.with_extra(**added).to_dict()) == [*greeting.to_dict(), *added]


def test_the_forbidden_pronoun_keys_are_written_together_even_with_no_formal_form():
    counted = ForbiddenDetails(
        ni_count=1, nin_count=0, ni_examples=[], informal="you", formal=None, politeness_source=""
    )
    assert list(counted.to_dict())[-6:] == [
        "ni_count",
        "nin_count",
        "ni_examples",
        "informal",
        "formal",
        "politeness_source",
    ]
    assert (
        "ni_count" not in ForbiddenDetails().to_dict()
    )  # a lexicon that does not count the pronoun writes none of them


def test_an_item_never_judged_is_no_typed_details():
    # No agent speech: the item's details are only a reason, and stay a plain dict.
    assert as_details("greeting", {"reason": "no agent speech"}) is None
    assert as_details("speech_rate", {"faults": 1}) is None


@pytest.mark.parametrize(
    "holds, credit",
    [
        ([], 1.0),
        ([(True, True)], 1.0),
        ([(True, False)], 0.5),
        ([(False, False), (True, True)], 0.5),
    ],
)
def test_hold_credit_is_the_profiles_permission_and_thanks_shares_averaged_over_holds(
    holds, credit
):
    sc = scorecard()
    details = HoldDetails([Hold(permission=p, thanked=t) for p, t in holds])
    assert details.credit("fail", sc.profile("inbound"), sc) == pytest.approx(credit)
