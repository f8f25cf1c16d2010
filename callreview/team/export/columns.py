"""The columns of a calls export (CSV and the XLSX Calls sheet): one row per call, stable.

Each column is read from the stored call and its current review (the JSON contract of
:meth:`callreview.results.CallReview.to_dict`, docs/result-format.md). New columns are
only ever added at the end, so a spreadsheet built on these keeps working.

=====================  ==========================================================
column                 value
=====================  ==========================================================
file                   the recording as the store first saw it
call_id, agent, date   the call's metadata (manifest, file name, ``.toml``)
direction              as given, else the scorecard profile used (inbound/outbound)
duration               seconds, 2 decimals
score, band            0–100 (1 decimal) and the band name; empty when not scored
<item>_status          pass / fail / na / review, for greeting, customer_name, hold,
                       forbidden, closing
<item>_points          points earned
name_uses              agent turns that used the customer's name
holds                  holds found
forbidden_hits         certain forbidden phrases, each hit once, joined with `` | ``
needs_review           true when a person must finish the review
speech_rate_median     the agent's median speech rate per minute of speech, in
                       ``speech_rate_unit`` (on a mono recording: everybody's)
speech_rate_unit       what the rate counts: ``characters`` (the lexicon's ``rate_unit``)
fast_stretches         stretches faster than the scorecard's ``rate_max`` for more
                       than its ``fast_min_s`` of speech
interruptions          times the agent talked over the customer (back-channels not counted)
dead_air_total_s       seconds of silence of both parties, announced holds left out
dead_air_longest_s     the longest such silence, seconds
agent_talk_share       the agent's share of both parties' speech, % (0–100)
=====================  ==========================================================

The delivery columns (``speech_rate_median`` on) are the review's ``metrics``; a cell is
empty when the metric was not measured: ``interruptions`` and ``agent_talk_share`` on a
mono recording, all of them for a review stored before the metrics existed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from callreview.store import StoredCall

HIT_SEPARATOR = " | "
ROW_ITEMS = ("greeting", "customer_name", "hold", "forbidden", "closing")
"""The checklist items with a status and points column, spelled out (not ``results.ITEMS``): an item
added to the checklist later gets its columns at the end, after ``needs_review``."""
DELIVERY_COLUMNS: tuple[str, ...] = (
    "speech_rate_median",
    "speech_rate_unit",
    "fast_stretches",
    "interruptions",
    "dead_air_total_s",
    "dead_air_longest_s",
    "agent_talk_share",
)
"""How the agent spoke (the review's ``metrics``), after the checklist's columns."""
COLUMNS: tuple[str, ...] = (
    "file",
    "call_id",
    "agent",
    "date",
    "direction",
    "duration",
    "score",
    "band",
    *(f"{item}_{what}" for item in ROW_ITEMS for what in ("status", "points")),
    "name_uses",
    "holds",
    "forbidden_hits",
    "needs_review",
    *DELIVERY_COLUMNS,
)

Cell = str | float | int | bool | None


def call_row(call: StoredCall) -> tuple[Cell, ...]:
    """The row of one scored call, in :data:`COLUMNS` order (typed: numbers stay numbers)."""
    review = call.review or {}
    items = review.get("items", {})
    per_item: list[Cell] = []
    for name in ROW_ITEMS:
        item = items.get(name, {})
        per_item += [item.get("status"), item.get("points")]
    hits = items.get("forbidden", {}).get("hits", ())
    return (
        call.path,
        call.call_id,
        call.agent,
        call.date,
        call.direction or review.get("profile"),
        review.get("duration_s", call.duration_s),
        review.get("score", call.score),
        review.get("band", call.band),
        *per_item,
        items.get("customer_name", {}).get("count"),
        len(items.get("hold", {}).get("holds", ())),
        HIT_SEPARATOR.join(hit["phrase"] for hit in hits),
        bool(review.get("needs_review", call.needs_review)),
        *delivery_cells(review.get("metrics")),
    )


def delivery_cells(metrics: dict[str, Any] | None) -> tuple[Cell, ...]:
    """The :data:`DELIVERY_COLUMNS` of a review's ``metrics``: ``None`` for a metric not
    measured."""
    metrics = metrics or {}
    rate = metrics.get("speech_rate") or {}
    cuts = metrics.get("interruptions") or {}
    dead = metrics.get("dead_air") or {}
    talk = metrics.get("talk_ratio") or {}
    return (
        rate.get("median"),
        rate.get("unit"),
        len(rate["faults"]) if "faults" in rate else None,
        cuts.get("count"),
        dead.get("total_s"),
        dead.get("longest_s"),
        talk.get("agent_share"),
    )


def text_cell(value: Cell) -> str:
    """A cell as CSV text: empty for none, ``true``/``false`` as in the review JSON."""
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        return inert(value)
    return str(value)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(text: str) -> str:
    """Text a spreadsheet will not run as a formula: a file name or quote that starts with
    ``=``, ``+``, ``-`` or ``@`` gets a leading ``'`` (OWASP's advice against CSV injection)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def stored_call_dict(call: StoredCall) -> dict[str, Any]:
    """A stored call and its current review as one JSON object (a JSON Lines export line)."""
    return {
        "id": call.id,
        "sha256": call.sha256,
        "file": call.path,
        "agent": call.agent,
        "call_id": call.call_id,
        "date": call.date,
        "direction": call.direction,
        "customer_name": call.customer_name,
        "duration_s": call.duration_s,
        "state": call.state,
        "version": call.version,
        "scored_at": call.scored_at,
        "review": call.review,
    }
