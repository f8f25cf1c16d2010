"""English calls: the same checklist through the en-US lexicon (words instead of syllables)."""

from __future__ import annotations

from fixtures.calls import review, talk

A, C = "agent", "customer"

GOOD = talk(
    (A, "Hello, thank you for calling Acme Motors, this is Dana. How can I help you today?"),
    (C, "Hi, my name is John Smith, my car is making a noise."),
    (A, "I'm sorry to hear that, Mr. Smith. May I place you on hold while I check your file?"),
    (C, "Sure."),
    12,
    (A, "Thank you for holding, Mr. Smith. Your car is still under warranty."),
    (C, "Great."),
    (A, "Is there anything else I can help you with?"),
    (C, "No, that's all."),
    (A, "Thank you for calling, have a great day. Goodbye!"),
)


def test_good_english_call_passes_every_item():
    result = review(GOOD, "en-US")
    assert {k: i.status for k, i in result.items.items()} == dict.fromkeys(result.items, "pass")
    assert result.items["greeting"].details["company_name"] == "acme motors"
    assert result.items["greeting"].details["agent_name"] == "dana"
    assert (
        result.items["customer_name"].details["name"],
        result.items["customer_name"].details["count"],
    ) == ("mr smith", 2)
    assert result.score == 100


def test_english_forbidden_phrases_and_their_suggestions():
    turns = (
        GOOD[:4]
        + talk(
            (A, "Calm down, sir. I don't know, there's nothing I can do."), start=GOOD[3][2] + 0.5
        )
        + GOOD[4:]
    )
    hits = review(turns, "en-US").items["forbidden"].details["hits"]
    assert [h["phrase"] for h in hits] == ["calm down", "I don't know", "there's nothing I can do"]
    assert hits[0]["suggestion"].startswith("I understand")


def test_english_polite_near_miss_and_customer_words_are_no_hits():
    turns = (
        GOOD[:2]
        + talk(
            (C, "I don't know, calm down, you need to fix it."),
            (A, "I don't know if you received our email, let me check."),
            start=GOOD[1][2] + 0.5,
        )
        + GOOD[2:]
    )
    assert review(turns, "en-US").items["forbidden"].status == "pass"


def test_english_hold_without_asking_and_a_missing_closing():
    turns = talk(
        (A, "Thank you for calling Acme Motors, this is Dana, how can I help?"),
        (C, "My name is Jane Lee, I need my invoice."),
        (A, "Hold on."),
        12,
        (A, "Okay Ms. Lee, I sent it."),
        (C, "Thanks."),
        (A, "Okay, bye."),
    )
    result = review(turns, "en-US")
    hold = result.items["hold"]
    assert (
        hold.status == "fail"
        and hold.details["holds"][0]["imperative_evidence"].matched == "hold on"
    )
    assert result.items["closing"].status == "fail"
    assert {k for k, p in result.items["closing"].details["parts"].items() if p["found"]} == {
        "farewell"
    }
    assert result.items["customer_name"].status == "fail"  # Ms. Lee once
