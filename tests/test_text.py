"""Normalization steps, one case table each, and the chain used for matching."""

from __future__ import annotations

import pytest
from metrics import cer

from callreview.text import (
    drop_final_particles,
    fold_width,
    fuzzy_syllables,
    join_words,
    normalize,
    syllables,
    to_simplified,
)


@pytest.mark.parametrize(
    "step, given, expected",
    [
        (to_simplified, "請問還有什麼可以幫您", "请问还有什么可以帮您"),
        (to_simplified, "thank you", "thank you"),
        (to_simplified, "先生您別著急，請您等著", "先生您别着急，请您等着"),  # the particle 著 → 着
        (to_simplified, "著名的著作", "著名的著作"),  # the word 著 stays
        (fold_width, "ＡＢＣ１２３，！", "ABC123,!"),
        (drop_final_particles, "好的呀，没问题啊。", "好的，没问题。"),
        (drop_final_particles, "请您稍等一下好吗", "请您稍等一下好吗"),  # 吗 makes a request: kept
        (drop_final_particles, "酒吧台", "酒吧台"),  # inside a word: kept
        (normalize, "您好！請問，還有什麼可以幫您呀？", "您好请问还有什么可以帮您"),
        (normalize, "Thank  YOU for calling.", "thank you for calling"),
    ],
)
def test_each_step_does_one_thing(step, given, expected):
    assert step(given) == expected


def test_pinyin_is_toneless_and_keeps_latin_words():
    assert syllables("您好 OK 贵姓") == ["nin", "hao", "ok", "gui", "xing"]


def test_fuzzy_pinyin_folds_what_asr_confuses():
    # 贵心 (heard) and 贵姓 (said); 吹 and 催: same keys once zh/z ch/c sh/s -ng/-n fold
    assert fuzzy_syllables("贵心") == fuzzy_syllables("贵姓")
    assert fuzzy_syllables("稍等") == ["sao", "den"]


def test_join_words_spaces_only_between_latin_words():
    assert join_words(["您好，", "欢迎", "thank", "you"]) == "您好，欢迎thank you"


@pytest.mark.parametrize(
    "reference, hypothesis, expected",
    [
        ("您好，欢迎致电天霖汽车", "您好欢迎致电天霖汽车", 0.0),
        ("您好，欢迎致电天霖汽车", "你好，欢迎致电天林汽车", 2 / 10),
        ("請問", "请问", 0.0),
    ],
)
def test_cer_counts_only_recognition_errors(reference, hypothesis, expected):
    assert cer(reference, hypothesis) == pytest.approx(expected)


@pytest.mark.parametrize(
    "reference, hypothesis, folded, spelled",
    [
        # Whisper writes the script's numerals as Arabic numbers: heard right, whatever the notation
        ("会员五十元", "会员50元", 0.0, 1 / 5),
        ("您有两千三百积分", "您有2300积分", 0.0, 4 / 8),
        ("工号二零四六", "工号2046", 0.0, 0.0),
        ("尾号八六五三", "尾号86 53", 0.0, 0.0),
        ("百分之二十", "20%", 0.0, 4 / 5),
        # a number heard wrong still counts (over the reference as written: 30元 is 3 characters)
        ("三十元", "13元", 2 / 3, 2 / 3),
        ("上个月二十号", "上个月12号", 2 / 6, 2 / 6),
    ],
)
def test_cer_writes_numbers_one_way_on_both_sides_unless_told_to_spell_digits(
    reference, hypothesis, folded, spelled
):
    assert cer(reference, hypothesis) == pytest.approx(folded)
    assert cer(reference, hypothesis, fold_numbers=False) == pytest.approx(spelled)
