"""What people read for an item or a metric: its name in both languages, its status word, and the
one-line gist of its finding. The terminal (:mod:`callreview.cli.render`) and the web app
(:mod:`callreview.web.views`) show the same words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LABELS = {
    "greeting": "Greeting 开头语",
    "customer_name": "Customer's name 称呼客户姓名",
    "hold": "Hold 等候",
    "forbidden": "Forbidden phrases 服务忌语",
    "closing": "Closing 结束语",
}
METRIC_LABELS = {
    "speech_rate": "Speech rate 语速",
    "interruptions": "Interruptions 抢话",
    "dead_air": "Dead air 静音",
    "talk_ratio": "Talk ratio 说话占比",
}
STATUS = {"pass": "PASS", "fail": "FAIL", "na": "N/A", "review": "REVIEW"}


def gist(name: str, status: str, d: Mapping[str, Any], full: bool = False) -> str:
    """The one-line gist of an item's finding, from its details (typed, or as stored). ``full`` (the
    web app) also says when nothing is wrong ("all parts heard", "none heard") and names forbidden
    hits as such."""
    from callreview.qc.checks import as_details  # the checks' module: not for the labels alone

    typed = as_details(name, d)
    return "" if typed is None else typed.gist(status, full)
