"""Checklist speed: transcripts per second through ``check_transcript``.

Builds synthetic calls (≈100 s, 20–30 segments with word timings, both roles, varied
names, numbers, companies, holds and the odd forbidden phrase) and times the checklist
alone — no audio, no model. About a third of the segments carry ASR-style errors, the
kinds Whisper base makes on 8 kHz calls (audio_samples/README.md): a character swapped
for a homophone (姓→性, 电→店) or a near-pinyin one (您→音, 是→四, 知→资), a dropped
character, an extra character (a doubled one or a filler 嗯/那个). The script prints how
many segments carry them and how many segment texts are distinct. Numbers:

* **cold**: calls whose every segment text is distinct (numbers, names, errors and
  fillers varied until no text repeats), checked once with a fresh lexicon after the
  matcher's and the delivery metrics' caches were cleared: nothing is answered from a
  cache;
* **warm**: the same calls again (scripted agent lines repeat across real calls, so
  the per-text cache is what a call center mostly sees), and the plain generator's
  calls, whose texts repeat as scripted lines do (their share of distinct texts printed);
* **N processes**: cold calls split over worker processes, as ``callreview batch``
  could on an N-core machine (the target is ≥ 1000 transcripts/s on 2 cores);
* **delivery metrics on vs off**: the same warm calls checked with and without the
  metrics (speech rate, interruptions, dead air, talk ratio), in chunks of 100 calls,
  off and on alternating chunk by chunk (and which goes first), for ``--rounds``
  rounds — so the load of a shared machine falls on both alike — with one lexicon
  and scorecard loaded once, timed in CPU seconds of this thread
  (``time.thread_time``: the wall clock also counts waiting for a core). Printed: the totals and the cost (the target: at most 10 %), and the
  spread of the per-round cost. Then cold: fresh calls from the same generator,
  each chunk checked once, off and on alternating likewise.

Everything above except the on/off comparison runs with the metrics on (the default).

    python bench/bench_checks.py                  # 2000 calls, 2 processes, 5 rounds on/off
    python bench/bench_checks.py --calls 5000 --processes 2 --rounds 7
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from callreview.qc.checklist import CallInfo, check_transcript  # noqa: E402
from callreview.qc.lexicon import load_lexicon  # noqa: E402
from callreview.qc.scorecard import load_scorecard  # noqa: E402
from callreview.text import normalize  # noqa: E402
from callreview.transcript import Segment, Transcript, Word  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
COMPANIES = [
    "天霖汽车售后服务中心",
    "星河宽带",
    "安和银行信用卡中心",
    "嘟嘟驿站",
    "乐享家电售后服务热线",
    "顺达快递",
    "畅联通信",
    "恒通物业客服中心",
]
AGENTS = ["小周", "小李", "小陈", "小马", "小张", "三十五号", "二十七号", "小刘"]
OPENINGS = [
    "您好，欢迎致电{company}，我是{agent}，请问有什么可以帮您？",
    "您好，{company}，{agent}为您服务，请问有什么可以帮您？",
    "喂，说吧。",
]
ISSUES = [
    "你好，我上个月在你们店里做的保养，这几天仪表盘上有个灯一直亮着。",
    "我家的宽带从早上开始就上不了网，路由器的灯一直在闪。",
    "我的信用卡昨天在外地被刷了{n}笔，可是卡一直在我身上。",
    "我的快递显示已经签收了，可是我没拿到，单号是{num}。",
    "我前天报修的洗衣机，说好昨天上门的，可是师傅一直没来。",
]
MIDDLE_AGENT = [
    "好的，请问您贵姓？",
    "{name}，麻烦您告诉我一下尾号，我帮您查一下记录。",
    "我看到了，您的订单是{num}，{n}号已经发出了。",
    "非常抱歉给您带来不便，我们会尽快处理，{n}个工作日内给您回复。",
    "{name}，您别着急，我马上帮您登记一下。",
    "这个问题我帮您记录下来了，稍后会有专员联系您。",
    "好的，您的地址是光明路{n}号，对吗？",
    "可能是点了短信里的链接，我现在帮您退订，费用三个工作日内退回。",
    "不知道，系统里没有写。",
    "你急也没用，我们的程序就是这样。",
    "对不起，我没听清楚，请重复一遍好吗？",
    "不好意思，这问题我不是很清楚，我查一下再给您答复好吗？",
]
MIDDLE_CUSTOMER = [
    "我姓{surname}。",
    "尾号是{num}。",
    "好的。",
    "那要多久？",
    "能不能快一点？",
    "嗯，明白了。",
    "那怎么办？",
    "好吧，谢谢。",
    "对，是的。",
    "我也不知道，反正就是不行。",
]
HOLD_ASK = ["好的，查询需要一点时间，请您稍等一下好吗？", "麻烦您稍等片刻。", "你等一下。"]
HOLD_BACK = [
    "{name}，感谢您的耐心等待，我查到了。",
    "让您久等了，查到了，是线路在维修。",
    "查到了，明天下午送到。",
]
CLOSINGS = ["请问还有什么可以帮您？", "{name}，还有其他问题吗？"]
FAREWELLS = ["感谢您的来电，{name}，祝您生活愉快，再见！", "感谢您的来电，再见。", "好，就这样。"]


# ASR-style errors (audio_samples/README.md lists what Whisper base hears on 8 kHz calls).
HOMOPHONES = {  # same toneless pinyin
    "姓": "性",
    "电": "店",
    "致": "至",
    "再": "在",
    "见": "件",
    "谢": "写",
    "请": "清",
    "问": "文",
    "帮": "邦",
    "查": "茶",
    "号": "好",
    "先": "仙",
    "士": "是",
    "心": "新",
    "待": "带",
    "期": "其",
    "线": "现",
    "户": "护",
    "单": "担",
    "程": "成",
    "码": "马",
    "收": "手",
    "递": "地",
    "理": "里",
    "办": "半",
    "费": "飞",
    "客": "刻",
}
NEAR_PINYIN = {  # a close pinyin: nin→yin, shi→si, zhi→zi, zh/ch/sh ↔ z/c/s, -ng ↔ -n
    "您": "音",
    "是": "四",
    "知": "资",
    "服": "福",
    "务": "物",
    "生": "森",
    "声": "深",
    "正": "怎",
    "请": "勤",
    "情": "琴",
    "中": "宗",
    "常": "藏",
    "商": "桑",
    "时": "词",
    "程": "陈",
    "等": "登",
    "名": "民",
    "经": "金",
}
FILLERS = ("嗯", "那个", "就是")


def misspell(rng: random.Random, text: str) -> str:
    """One or two ASR-style errors in ``text`` (see HOMOPHONES / NEAR_PINYIN / FILLERS)."""
    chars = list(text)
    for _ in range(rng.choice((1, 1, 2))):
        kind = rng.random()
        spots = [i for i, c in enumerate(chars) if "\u4e00" <= c <= "\u9fff"]
        if not spots:
            break
        i = rng.choice(spots)
        if kind < 0.35 and (subs := [j for j in spots if chars[j] in HOMOPHONES]):
            j = rng.choice(subs)
            chars[j] = HOMOPHONES[chars[j]]
        elif kind < 0.6 and (subs := [j for j in spots if chars[j] in NEAR_PINYIN]):
            j = rng.choice(subs)
            chars[j] = NEAR_PINYIN[chars[j]]
        elif kind < 0.8 and len(spots) > 3:
            del chars[i]
        elif kind < 0.9:
            chars.insert(i, chars[i])  # a doubled character
        else:
            chars.insert(i, rng.choice(FILLERS))
    return "".join(chars)


ERROR_SHARE = 0.33
"""The share of segments that carry ASR-style errors."""
ERRORS = {"segments": 0, "misspelled": 0}
"""How many segments the generator made, and how many of them it misspelled."""


def synthetic_call(rng: random.Random, index: int, seen: set[str] | None = None) -> Transcript:
    """One call; with ``seen``, every segment text differs from every text in ``seen`` (which it extends)."""
    surname = rng.choice(SURNAMES)
    fill = {
        "company": rng.choice(COMPANIES),
        "agent": rng.choice(AGENTS),
        "surname": surname,
        "name": surname + rng.choice(["先生", "女士", "小姐"]),
    }

    def say(template: str) -> str:
        return template.format(n=rng.randint(2, 99), num=rng.randint(10000, 99999999), **fill)

    script = [("agent", say(rng.choice(OPENINGS))), ("customer", say(rng.choice(ISSUES)))]
    for _ in range(rng.randint(8, 12)):
        script += [
            ("agent", say(rng.choice(MIDDLE_AGENT))),
            ("customer", say(rng.choice(MIDDLE_CUSTOMER))),
        ]
    if rng.random() < 0.5:
        at = rng.randrange(2, len(script) - 2, 2)
        script[at:at] = [
            ("agent", say(rng.choice(HOLD_ASK))),
            ("customer", "好的。"),
            ("hold", ""),
            ("agent", say(rng.choice(HOLD_BACK))),
        ]
    script += [
        ("agent", say(rng.choice(CLOSINGS))),
        ("customer", "没有了，谢谢。"),
        ("agent", say(rng.choice(FAREWELLS))),
    ]

    segments, t = [], 0.3
    for role, text in script:
        if role == "hold":
            t += rng.uniform(12, 20)  # clear of the 10 s hold_gap_s
            continue
        ERRORS["segments"] += 1
        if rng.random() < ERROR_SHARE:
            text = misspell(rng, text)
            ERRORS["misspelled"] += 1
        if seen is not None:
            tries = 0
            while normalize(text) in seen:
                tries += 1
                text = (
                    misspell(rng, text)
                    if tries % 2
                    else f"{rng.choice(FILLERS)}，{text}"
                    if tries < 6
                    else f"{text}{rng.randint(2, 9999)}"
                )
            seen.add(normalize(text))
        words, w = [], t
        for i in range(0, len(text), 2):  # Whisper's Chinese words: one or two characters
            words.append(Word(round(w, 2), round(w + 0.36, 2), text[i : i + 2]))
            w += 0.36
        segments.append(
            Segment(role, round(t, 2), round(w, 2), text, normalize(text), tuple(words))
        )
        t = w + rng.uniform(0.3, 0.8)
    return Transcript(
        f"bench/{index:05d}.flac",
        round(t + 0.5, 2),
        2,
        "synthetic",
        "zh",
        "stereo",
        tuple(segments),
    )


def calls(n: int, seed: int, distinct: bool = False) -> list[Transcript]:
    """``n`` calls; ``distinct``: no two segment texts alike across them all."""
    rng = random.Random(seed)
    seen: set[str] | None = set() if distinct else None
    return [synthetic_call(rng, i, seen) for i in range(n)]


def clear_caches() -> None:
    """Empty the per-text caches (the matcher's pinyin keys and matches, the delivery metrics')."""
    from callreview import delivery, match

    for module in (match, delivery):
        for fn in vars(module).values():
            if hasattr(fn, "cache_clear"):
                fn.cache_clear()


def _texts(transcripts: list[Transcript]) -> tuple[int, int]:
    norms = [s.norm for t in transcripts for s in t.segments]
    return len(set(norms)), len(norms)


def _time(
    transcripts: list[Transcript], metrics: bool = True, clock=time.perf_counter, rules=None
) -> float:
    """Seconds to check ``transcripts``; ``rules``: a (lexicon, scorecard) to reuse, else freshly loaded ones
    (whose phrase sets, and their per-text results, start empty)."""
    lexicon, scorecard = rules or (load_lexicon("zh-CN"), load_scorecard())
    info = CallInfo()
    start = clock()
    for t in transcripts:
        check_transcript(t, lexicon, scorecard, info, metrics=metrics)
    return clock() - start


def _on_off(
    transcripts: list[Transcript], other: list[Transcript] | None = None, chunk: int = 100
) -> tuple[float, float]:
    """CPU seconds to check ``transcripts`` with the metrics off and on (``other``: the calls checked with them on,
    for cold runs), chunk by chunk, the two alternating and taking turns to go first."""
    other = transcripts if other is None else other
    rules = _RULES
    off = on = 0.0
    for i in range(0, len(transcripts), chunk):
        plain, measured = transcripts[i : i + chunk], other[i : i + chunk]
        if (i // chunk) % 2:
            on += _time(measured, metrics=True, clock=time.thread_time, rules=rules)
            off += _time(plain, metrics=False, clock=time.thread_time, rules=rules)
        else:
            off += _time(plain, metrics=False, clock=time.thread_time, rules=rules)
            on += _time(measured, metrics=True, clock=time.thread_time, rules=rules)
    return off, on


_RULES: tuple = ()
"""The lexicon and scorecard the on/off comparison reuses (loaded once in :func:`main`)."""


def _worker(args: tuple[int, int]) -> tuple[int, float, float]:
    """Build ``n`` calls, warm up, wait for the other workers, then check them all."""
    n, seed = args
    transcripts = calls(n, seed, distinct=True)
    _time(calls(20, seed + 10_000))  # load the lexicon and import pypinyin, untimed
    clear_caches()
    _BARRIER.wait()  # every worker starts checking at the same moment
    start = time.perf_counter()  # CLOCK_MONOTONIC: comparable across processes
    _time(transcripts)
    return n, start, time.perf_counter()


_BARRIER = None


def _init(barrier) -> None:
    global _BARRIER
    _BARRIER = barrier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument(
        "--rounds", type=int, default=5, help="alternating rounds of metrics off / on (warm)"
    )
    args = parser.parse_args()

    transcripts = calls(args.calls, seed=1, distinct=True)
    segs = sum(len(t.segments) for t in transcripts) / len(transcripts)
    secs = sum(t.duration_s for t in transcripts) / len(transcripts)
    print(
        f"{args.calls} synthetic calls: {secs:.0f} s and {segs:.0f} segments on average; {os.cpu_count()} CPUs here"
    )
    ERRORS.update(segments=0, misspelled=0)
    probe = calls(args.calls, seed=1)
    with_errors = ERRORS["misspelled"]
    d, n = _texts(transcripts)
    pd, pn = _texts(probe)
    print(
        f"ASR-style errors in {with_errors / pn:.0%} of the plain generator's segments; distinct segment texts: "
        f"{pd / pn:.0%} of the plain calls' ({pd} of {pn}), {d / n:.0%} of the cold run's ({d} of {n})"
    )

    _time(calls(20, seed=99))  # load the lexicon, import pypinyin/rapidfuzz/opencc (untimed)
    clear_caches()
    cold = _time(transcripts)  # a fresh lexicon, caches empty, every text new
    print(
        f"cold, 1 process : {args.calls / cold:8.0f} transcripts/s  ({1000 * cold / args.calls:.2f} ms each; distinct texts, caches cleared)"
    )
    warm = _time(transcripts)
    print(
        f"warm, 1 process : {args.calls / warm:8.0f} transcripts/s  ({1000 * warm / args.calls:.2f} ms each; the same calls again)"
    )
    clear_caches()
    _time(probe[:20])
    plain = _time(probe)
    print(
        f"plain calls     : {args.calls / plain:8.0f} transcripts/s  ({1000 * plain / args.calls:.2f} ms each; texts repeating as scripted lines do)"
    )

    global _RULES
    _RULES = (load_lexicon("zh-CN"), load_scorecard())
    _on_off(probe)  # fill the reused lexicon's phrase-set caches (untimed)
    rounds = [
        _on_off(probe) for _ in range(args.rounds)
    ]  # warm: the plain calls, whose texts repeat
    off, on = sum(r[0] for r in rounds), sum(r[1] for r in rounds)
    n = args.calls * args.rounds
    spread = sorted(b / a - 1 for a, b in rounds)
    print(f"warm, metrics off: {n / off:8.0f} transcripts/CPU-s  ({1e6 * off / n:.0f} µs each)")
    print(f"warm, metrics on : {n / on:8.0f} transcripts/CPU-s  ({1e6 * on / n:.0f} µs each)")
    print(
        f"delivery metrics cost, warm: {on / off - 1:+.1%}, {1e6 * (on - off) / n:.0f} µs a call "
        f"({args.rounds} rounds of {args.calls} calls each way; per round {spread[0]:+.1%} to {spread[-1]:+.1%})"
    )
    fresh = calls(2 * args.calls, seed=2, distinct=True)
    clear_caches()
    cold_off, cold_on = _on_off(fresh[0::2], fresh[1::2])
    print(
        f"cold, metrics off: {args.calls / cold_off:8.0f} transcripts/CPU-s, on: {args.calls / cold_on:.0f}  → cost {cold_on / cold_off - 1:+.1%} (fresh calls with distinct texts, each checked once)"
    )

    if args.processes > 1:
        share = args.calls // args.processes
        barrier = multiprocessing.Manager().Barrier(args.processes)
        with ProcessPoolExecutor(args.processes, initializer=_init, initargs=(barrier,)) as pool:
            done = list(pool.map(_worker, [(share, 1000 + i) for i in range(args.processes)]))
        checked = sum(n for n, _, _ in done)
        wall = max(end for _, _, end in done) - min(start for _, start, _ in done)
        print(
            f"cold, {args.processes} processes: {checked / wall:8.0f} transcripts/s  (wall clock from the first start to the last finish)"
        )


if __name__ == "__main__":
    main()
