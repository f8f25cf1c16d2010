"""Lexicons are data: the bundled ones load and hold the seed tables; malformed ones are refused in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from callreview.errors import LexiconError
from callreview.qc.lexicon import load_lexicon

ZH = (Path(__file__).resolve().parent.parent / "callreview" / "lexicons" / "zh-CN.toml").read_text(
    encoding="utf-8"
)

CANONICAL = [
    "听不清", "大声点", "你讲不讲道理", "你可以投诉", "说了半天你怎么还不明白", "我刚才已经和你说过了",
    "这不可能", "这我做不到", "不行", "你说完了吗", "你让我说完好吗", "我们的程序就是这样", "只有等",
    "你别催我", "我也急", "我也没办法", "你急也没用", "你什么态度", "不知道", "我无法回答你", "你应该问",
    "我们只能做到这样", "能做的我们都做了", "那你教我怎么样做", "你过一会再打吧",
]  # fmt: skip


def test_zh_lexicon_has_every_forbidden_phrase_of_the_000_table_with_a_suggestion():
    lex = load_lexicon("zh-CN")
    assert sorted(e.phrase for e in lex.forbidden) == sorted(CANONICAL)
    assert all(e.suggestion for e in lex.forbidden)
    assert (
        dict((e.phrase, e.suggestion) for e in lex.forbidden)["不知道"]
        == "不好意思，这问题我不是很清楚，我查一下再给您答复好吗？"
    )


def test_bundled_lexicons_resolve_by_name_and_say_their_language():
    zh, en = load_lexicon("zh-CN"), load_lexicon("en-US")
    assert (zh.language, zh.version, en.language) == ("zh-CN", 1, "en-US")
    assert {e.phrase for e in en.forbidden} == {
        "calm down",
        "that's not my job",
        "I don't know",
        "you need to",
        "there's nothing I can do",
    }
    assert load_lexicon(zh.source).language == "zh-CN"  # a path works too


def test_the_polite_near_misses_sit_beside_the_phrases_they_resemble():
    lex = {e.phrase: e for e in load_lexicon("zh-CN").forbidden}
    assert "我没听清楚" in [p.text for p in lex["听不清"].near_misses]
    assert "行不行" in [p.text for p in lex["不行"].near_misses]


def write(tmp_path: Path, text: str, name: str = "bad.toml") -> str:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return str(tmp_path / name)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda s: 'language = "zh-CN"\nversion = 1\nrevision "x"\n',
         "bad.toml: line 3, column 10: expected '=' after a key in a key/value pair; fix the TOML syntax"),
        (lambda s: s.replace('phrase = "不知道"\n', 'phrase = "不知道"\nthreshold = 120\n'),
         "bad.toml: [[forbidden]] entry 19 ('不知道'): 'threshold' must be a number 0-100, not 120"),
        (lambda s: s.replace('phrase = "不行"\nsuggestion', 'phrase = "不行"\nsugestion = "x"\nsuggestion'),
         "bad.toml: [[forbidden]] entry 9 ('不行'): unknown key 'sugestion'; known keys: phrase, suggestion, variants, near_misses, not_in_questions, not_after, not_before, threshold, review_margin"),
        (lambda s: s.replace('phrase = "大声点"\nsuggestion = "对不起，我没听清楚，请重复一遍好吗？"\n', 'phrase = "大声点"\n'),
         "bad.toml: [[forbidden]] entry 2 ('大声点'): missing 'suggestion'; add suggestion = \"…\""),
        (lambda s: s.replace('"这里是{company}"', '"这里是{firm}"'),
         "bad.toml: [greeting].company[3]: unknown slot {firm} in '这里是{firm}'; this list takes {company}"),
        (lambda s: s.replace("version = 1 ", "version = 2 "),
         "bad.toml: version: lexicon format 2 is not the one this callreview reads (1); see docs/lexicon-format.md"),
        (lambda s: s.replace("[closing]", "[closings]"),
         "bad.toml: top level: unknown key 'closings'; known keys: language, version, revision, description, match, greeting, hold, closing, names, politeness, delivery, phrases, forbidden"),
        (lambda s: s.replace("review_margin = 5 ", 'review_margin = "5" '),
         "bad.toml: [match]: 'review_margin' must be a number 0-100, not '5'"),
        (lambda s: s.replace('farewell = ["再见", "祝您生活愉快", "祝您愉快", "祝您一路平安", "祝您工作顺利"]', "farewell = []"),
         "bad.toml: [closing]: 'farewell' is empty; add at least one phrase, or the item can never pass"),
        (lambda s: s.replace('misheard_honorifics = { "女士" = ', 'misheard_honorifics = { "女仕" = '),
         "bad.toml: [names].misheard_honorifics: '女仕' is not one of the honorifics; list it in honorifics first"),
        (lambda s: s[: s.index("[[forbidden]]")],
         "bad.toml: top level: no [[forbidden]] entries; add at least one (phrase, suggestion)"),
    ],
)  # fmt: skip
def test_malformed_lexicon_is_refused_with_one_line(tmp_path, edit, message):
    path = write(tmp_path, edit(ZH))
    with pytest.raises(LexiconError) as err:
        load_lexicon(path)
    assert (
        str(err.value) == str(tmp_path / message.split(":", 1)[0]) + ":" + message.split(":", 1)[1]
    )
    assert "\n" not in str(err.value)


def test_unknown_bundled_name_and_missing_file_are_refused(tmp_path):
    with pytest.raises(
        LexiconError,
        match=r"^fr-FR: no bundled lexicon of that name; use one of en-US, zh-CN or a path",
    ):
        load_lexicon("fr-FR")
    with pytest.raises(LexiconError, match=r"nope\.toml: no such lexicon file; check the path$"):
        load_lexicon(tmp_path / "nope.toml")
