"""Text clean-up for matching, as a chain of small named steps.

The display text keeps what was heard (in Simplified); matching reads the
normalized text and its toneless pinyin. Each step is a plain ``str -> str``
function, testable alone; :data:`DEFAULT_STEPS` is the chain used for ``norm``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

Step = Callable[[str], str]

# Sentence-final particles that Whisper adds, drops or swaps (呀/啊) at random.
# 吗 is not here: it turns a statement into a question (稍等一下好吗 is a request).
FINAL_PARTICLES = "呀啊吧呢嘛哦哈啦哇呐噢喔嘞咯"
_PARTICLE_AT_CLAUSE_END = re.compile(f"[{FINAL_PARTICLES}]+(?=[\\s\\W]|$)")
_PUNCTUATION = re.compile(r"[^\w\s]|_", re.UNICODE)
_SPACES = re.compile(r"\s+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # late: only matching and transcription need it

    # tw2s, not t2s: Whisper writes Traditional the Taiwan way, and t2s keeps 著 in
    # 别著急 / 等著 / 急著 (著 is also a Simplified character: 著名); tw2s turns the
    # particle into 着 and keeps 著名 / 著作. Words stay as said (软体 is not made 软件).
    return opencc.OpenCC("tw2s")


def to_simplified(text: str) -> str:
    """Traditional → Simplified Chinese (OpenCC ``tw2s``): Whisper mixes both."""
    return _t2s().convert(text) if _CJK.search(text) else text


def fold_width(text: str) -> str:
    """Full-width letters, digits and punctuation → half-width (NFKC)."""
    return unicodedata.normalize("NFKC", text)


def drop_final_particles(text: str) -> str:
    """Remove 呀/啊/吧/呢… where they end a clause; keep them inside words (酒吧台)."""
    return _PARTICLE_AT_CLAUSE_END.sub("", text)


def drop_punctuation(text: str) -> str:
    """Punctuation → space (between Latin words a space must survive)."""
    return _PUNCTUATION.sub(" ", text)


def lowercase(text: str) -> str:
    return text.lower()


def collapse_spaces(text: str) -> str:
    """Runs of white space → one space; spaces between two CJK characters removed."""
    text = _SPACES.sub(" ", text).strip()
    return re.sub(r"(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])", "", text)


DEFAULT_STEPS: tuple[Step, ...] = (
    fold_width,
    to_simplified,
    drop_final_particles,
    drop_punctuation,
    lowercase,
    collapse_spaces,
)


def normalize(text: str, steps: Sequence[Step] = DEFAULT_STEPS) -> str:
    """Apply ``steps`` in order: the ``norm`` of a segment or a lexicon phrase."""
    for step in steps:
        text = step(text)
    return text


# --- pinyin -----------------------------------------------------------------

# Initials and finals that Mandarin speakers (and Whisper) confuse.
_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"))
_FUZZY_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"))


def syllables(text: str) -> list[str]:
    """Toneless pinyin, one item per Chinese character; other words kept lowercase.

    ``syllables("您好 ok")`` → ``["nin", "hao", "ok"]``. Used to match phrases
    that ASR spelled with the wrong characters (贵心 for 贵姓).
    """
    return list(_syllables(text))


@lru_cache(maxsize=65536)
def _syllables(text: str) -> tuple[str, ...]:
    from pypinyin import Style, lazy_pinyin  # late: heavy dictionary load

    out: list[str] = []
    # pypinyin's stub types the ``errors`` callback as returning str; it takes a list too.
    readings = lazy_pinyin(text, style=Style.NORMAL, errors=_split_other)  # type: ignore[arg-type]
    for item in readings:
        item = item.strip().lower()
        if item:
            out.extend(item.split())
    return tuple(out)


def _split_other(chars: str) -> list[str]:
    return [w for w in _PUNCTUATION.sub(" ", chars).lower().split() if w]


@lru_cache(maxsize=4096)
def fuzzy_syllable(syllable: str) -> str:
    """Fold the confusable initials (zh/z, ch/c, sh/s) and finals (-ng/-n)."""
    for hard, soft in _FUZZY_INITIALS:
        if syllable.startswith(hard):
            syllable = soft + syllable[len(hard) :]
            break
    for hard, soft in _FUZZY_FINALS:
        if syllable.endswith(hard):
            syllable = syllable[: -len(hard)] + soft
            break
    return syllable


def fuzzy_syllables(text: str) -> list[str]:
    """:func:`syllables` with :func:`fuzzy_syllable` applied to each."""
    return [fuzzy_syllable(s) for s in _syllables(text)]


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def join_words(words: Iterable[str]) -> str:
    """Join ASR word pieces: no space between CJK pieces, one between Latin words."""
    out = ""
    for w in words:
        w = w.strip()
        if not w:
            continue
        if out and not (has_cjk(out[-1]) or has_cjk(w[0])):
            out += " "
        out += w
    return out
