"""Dialogs written from real customer-service patterns, scored as transcript JSON: the closing is a
fail with evidence when the recording goes on after the customer's last words, review only when it
is cut or agent speech went unheard; plain statements of what cannot be done are no forbidden hits."""

from __future__ import annotations

import pytest
from fixtures.calls import lexicon, scorecard
from fixtures.dialogs import DIALOGS, dialog

from callreview.cli.render import clock
from callreview.qc.checklist import CallInfo, check_transcript
from callreview.transcript import Transcript

CUSTOMER_LAST = ["broadband_customer_last", "plan_customer_gives_up"]


def score(data: dict):
    return check_transcript(
        Transcript.from_dict(data, data["file"]), lexicon(), scorecard(), CallInfo()
    )


@pytest.mark.parametrize("name", CUSTOMER_LAST)
def test_the_customer_speaking_last_with_the_recording_going_on_is_a_fail_with_evidence(name):
    data = dialog(name, tail=4.0)
    closing = score(data).items["closing"]
    last = data["segments"][-1]
    assert closing.status == "fail" and not closing.details["last_turn_missing"]
    assert (
        closing.details["reason"]
        == f"the customer spoke last ({clock(last['start'])}); no agent speech after it"
    )
    assert any(e.role == "customer" and e.text == last["text"] for e in closing.evidence)


@pytest.mark.parametrize("name", CUSTOMER_LAST)
@pytest.mark.parametrize(
    "tail, unheard, why",
    [
        (0.1, (), "the recording stops mid-speech (customer"),  # cut while the customer talks
        (
            5.0,
            [("agent", 0.8, 2.4)],
            "agent speech at",
        ),  # the agent said something the decoder lost
        (
            2.0,
            [("customer", 0.5, 1.9)],
            "the recording stops mid-speech (customer",
        ),  # unheard speech runs into the end
    ],
)
def test_the_closing_is_review_only_when_the_recording_is_cut_or_agent_speech_went_unheard(
    name, tail, unheard, why
):
    closing = score(dialog(name, tail=tail, unheard=unheard)).items["closing"]
    assert closing.status == "review" and closing.details["reason"].startswith(why)


@pytest.mark.parametrize("name", CUSTOMER_LAST)
def test_the_customers_own_unheard_speech_is_no_lost_closing(name):
    closing = score(dialog(name, tail=5.0, unheard=[("customer", 0.5, 1.5)])).items["closing"]
    assert closing.status == "fail"


@pytest.mark.parametrize("name", sorted(DIALOGS))
def test_no_forbidden_hits_in_plain_statements_of_what_cannot_be_done(name):
    forbidden = score(dialog(name)).items["forbidden"]
    assert (forbidden.status, forbidden.details["hits"], forbidden.details["possible_hits"]) == (
        "pass",
        [],
        [],
    )


def test_a_complete_call_with_free_wording_passes_every_item():
    review = score(dialog("invoice_facts"))
    assert {k: i.status for k, i in review.items.items()} == {
        "greeting": "pass",
        "customer_name": "pass",
        "hold": "na",
        "forbidden": "pass",
        "closing": "pass",
    }
    assert review.items["greeting"].details["company_name"] == "城北移动"


def test_an_ivr_style_greeting_lacks_company_and_agent_on_the_default_scorecard():
    greeting = score(dialog("broadband_customer_last")).items["greeting"]
    found = {k for k, p in greeting.details["parts"].items() if p["found"]}
    assert (greeting.status, found, greeting.points) == ("fail", {"salutation", "offer_help"}, 10)


def test_a_staff_number_without_hao_names_the_agent():
    greeting = score(dialog("plan_customer_gives_up")).items["greeting"]
    assert (
        greeting.details["agent_name"] == "306" and greeting.details["parts"]["agent_name"]["found"]
    )


def test_the_technician_is_not_a_second_customer_name():
    name = score(dialog("broadband_customer_last")).items["customer_name"]
    assert (name.status, name.details["name"], name.details["count"]) == ("pass", "李女士", 2)
