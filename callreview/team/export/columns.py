"""The columns of a calls export (CSV and the XLSX Calls sheet): one row per call, stable.

Each column is read from the call's final result (:class:`callreview.team.finals.FinalReview`:
its current review, the JSON contract of :meth:`callreview.results.CallReview.to_dict`,
docs/result-format.md, with people's overrides and overturned appeals applied). The score,
band and status columns are what people see in the web app: the final ones; the automatic
ones have their own columns at the end. New columns are only ever added at the end, so a
spreadsheet built on these keeps working.

=====================  ==========================================================
column                 value
=====================  ==========================================================
file                   the recording as the store first saw it
call_id, agent, date   the call's metadata (manifest, file name, ``.toml``)
direction              as given, else the scorecard profile used (inbound/outbound)
duration               seconds, 2 decimals
score, band            the final score, 0–100 (1 decimal), and its band name; empty when
                       not scored
<item>_status          the final status: pass / fail / na / review, for greeting,
                       customer_name, hold, forbidden, closing
<item>_points          points earned (final)
name_uses              agent turns that used the customer's name
holds                  holds found
forbidden_hits         certain forbidden phrases, each hit once, joined with `` | ``
needs_review           true when some final status is ``review`` (a person must finish it)
speech_rate_median     the agent's median speech rate per minute of speech, in
                       ``speech_rate_unit`` (on a mono recording: everybody's)
speech_rate_unit       what the rate counts: ``characters`` (the lexicon's ``rate_unit``)
fast_stretches         stretches faster than the scorecard's ``rate_max`` for more
                       than its ``fast_min_s`` of speech
interruptions          times the agent talked over the customer (back-channels not counted)
dead_air_total_s       seconds of silence of both parties, announced holds left out
dead_air_longest_s     the longest such silence, seconds
agent_talk_share       the agent's share of both parties' speech, % (0–100)
auto_score, auto_band  what the automation gave, before people's overrides
reviewed               true when a person has reviewed the call's current review
reviewed_by            who did, last
changed                true when a person changed some item's status
<item>_auto_status     the automatic status of each item, beside the final ``<item>_status``
redactions             what is masked in the call's quotes and transcript: each
                       ``label start–end`` (seconds), joined with `` | `` (docs/privacy.md)
<custom>_status,       for each of the scorecard's own items and flags (``[[items]]``), in its
<custom>_points,       order, after all the above: the final status and points and the
<custom>_auto_status   automatic status (a flag that fired: ``fail``, 0 points)
=====================  ==========================================================

The delivery columns (``speech_rate_median`` on) are the review's ``metrics``; a cell is
empty when the metric was not measured: ``interruptions`` and ``agent_talk_share`` on a
mono recording, all of them for a review stored before the metrics existed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from callreview.team.finals import FinalReview

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
    "auto_score",
    "auto_band",
    "reviewed",
    "reviewed_by",
    "changed",
    *(f"{item}_auto_status" for item in ROW_ITEMS),
    "redactions",
)

CUSTOM_FIELDS = ("status", "points", "auto_status")
"""The columns of each of a scorecard's own items, after :data:`COLUMNS`."""

Cell = str | float | int | bool | None


def custom_items(items: Sequence[str]) -> tuple[str, ...]:
    """The items of ``items`` (a scorecard's :meth:`item_ids`) that are not a built-in's."""
    return tuple(item for item in items if item not in ROW_ITEMS)


def columns(custom: Sequence[str] = ()) -> tuple[str, ...]:
    """:data:`COLUMNS`, then the columns of each of the scorecard's own items (``custom``)."""
    return COLUMNS + tuple(f"{item}_{what}" for item in custom for what in CUSTOM_FIELDS)


def call_row(final: FinalReview, custom: Sequence[str] = ()) -> tuple[Cell, ...]:
    """The row of one scored call's final result, in :func:`columns` order (typed: numbers stay
    numbers); ``custom``: the scorecard's own items (empty for a review scored without one)."""
    call = final.call
    review = call.review or {}
    items = review.get("items", {})
    per_item: list[Cell] = []
    for name in ROW_ITEMS:
        item = final.items.get(name)
        per_item += [item.status, item.points] if item else [None, None]
    hits = items.get("forbidden", {}).get("hits", ())
    return (
        call.path,
        call.call_id,
        call.agent,
        call.date,
        call.direction or review.get("profile"),
        review.get("duration_s", call.duration_s),
        final.score,
        final.band,
        *per_item,
        items.get("customer_name", {}).get("count"),
        len(items.get("hold", {}).get("holds", ())),
        HIT_SEPARATOR.join(hit["phrase"] for hit in hits),
        final.needs_review,
        *delivery_cells(review.get("metrics")),
        final.auto_score,
        final.auto_band,
        final.reviewed,
        final.reviewed_by,
        final.changed,
        *(final.items[name].auto if name in final.items else None for name in ROW_ITEMS),
        HIT_SEPARATOR.join(
            f"{r['label']} {r['start']:.2f}–{r['end']:.2f}" for r in review.get("redactions", ())
        )
        or None,
        *(cell for name in custom for cell in _custom_cells(final, name)),
    )


def _custom_cells(final: FinalReview, name: str) -> tuple[Cell, Cell, Cell]:
    item = final.items.get(name)
    return (None, None, None) if item is None else (item.status, item.points, item.auto)


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


def stored_call_dict(final: FinalReview) -> dict[str, Any]:
    """A stored call, its current (automatic) review as stored, and beside it its ``final``
    result, as one JSON object (a JSON Lines export line)."""
    call = final.call
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
        "final": final.to_dict(),
    }
