"""Scorecards: item weights, thresholds, deductions and bands — and the scoring of findings.

``load_scorecard(None)`` reads the bundled ``callreview/scorecards/default.toml``;
a path reads a site's own. Validated on load: weights sum to 100 per profile,
only known items and parts, numbers in range; one-line errors with the file and key.

Scoring rules (docs/result-format.md):

* Each item is worth its profile weight; the five weights sum to 100.
* ``greeting`` and ``closing`` earn partial credit per part found (part weights
  sum to 100 within the item). A 喂 opening earns the greeting nothing. A part
  given a 0 share is not required: missing only such parts, the item passes.
* ``customer_name``: all or nothing (used at least ``name_count`` times).
* ``hold``: per hold, ``permission`` and ``thanks`` shares; holds averaged.
* ``forbidden``: the weight minus ``deduction`` per hit, at most ``max_deduction``
  (and never below 0). A hit of a ``critical`` phrase scores the whole call 0.
* ``na`` (no hold) and ``review`` items are kept out: 0 of 0 points, and the
  score is the earned share of the points that remain, scaled to 100. A
  ``review`` item sets ``needs_review`` on the call.
* The band is read from the score rounded to one decimal.
* Delivery metrics (how the agent spoke, ``[delivery]``) are information only
  unless a profile's ``delivery_weights`` gives one points: then it is one more
  item worth that many points — all of them with no fault, none with one —
  added to both sides of the score's share.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from callreview.errors import ScorecardError
from callreview.qc.custom.schema import CustomItem, parse_items
from callreview.qc.labels import LABELS
from callreview.qc.thresholds import DeliveryThresholds, Profile, Thresholds
from callreview.results import ITEMS, METRICS, ItemResult, Status
from callreview.tomlfile import TomlReader, read_toml

if TYPE_CHECKING:
    from callreview.qc.lexicon import Lexicon

FORMAT_VERSION = 1
BUNDLED_DIR = Path(__file__).resolve().parents[1] / "scorecards"
BUNDLED = BUNDLED_DIR / "default.toml"
PROFILES = ("inbound", "outbound")
GREETING_PARTS = {
    "inbound": ("salutation", "company", "agent_name", "offer_help"),
    "outbound": ("salutation", "confirm_identity", "agent_name", "ask_time"),
}
CLOSING_PARTS = ("question", "thanks", "farewell")
HOLD_PARTS = ("permission", "thanks")


@dataclass(frozen=True)
class Band:
    name: str
    label: str
    min: float


@dataclass(frozen=True)
class Scorecard:
    name: str
    version: int
    source: str
    thresholds: Thresholds
    profiles: Mapping[str, Profile]
    bands: tuple[Band, ...]
    """Highest ``min`` first; the last has ``min = 0``."""
    deduction: float = 10.0
    max_deduction: float = 30.0
    critical: tuple[str, ...] = ()
    delivery: DeliveryThresholds = DeliveryThresholds()
    custom: tuple[CustomItem, ...] = ()
    """The scorecard's own ``[[items]]``, in file order (:mod:`callreview.qc.custom`)."""

    def item_ids(self) -> tuple[str, ...]:
        """Every item the scorecard scores, in order: the five built-ins, then its own."""
        return ITEMS + tuple(c.id for c in self.custom)

    def item_label(self, item: str) -> str:
        """What people read for an item: a built-in's bilingual name, a custom item's label."""
        for c in self.custom:
            if c.id == item:
                return c.label
        return LABELS.get(item, item)

    def item_kind(self, item: str) -> str:
        """``"flag"`` for a custom flag (scores nothing, listed and filterable), else ``"item"``."""
        for c in self.custom:
            if c.id == item:
                return c.kind
        return "item"

    def check_lexicon(self, lexicon: Lexicon) -> None:
        """Refuse ``critical`` phrases the lexicon has no [[forbidden]] entry for (they could never
        match), and custom items whose phrase sets the lexicon lacks or whose phrases are
        malformed."""
        from callreview.qc.custom.rule import check_items  # the matcher: only with a lexicon

        known = {e.phrase for e in lexicon.forbidden}
        for phrase in self.critical:
            if phrase not in known:
                raise ScorecardError(
                    f"{self.source}: [forbidden].critical: {phrase!r} is not a [[forbidden]] "
                    f"phrase of lexicon {lexicon.language}; "
                    "use the phrase exactly as the lexicon writes it"
                )
        for item in self.custom:
            try:
                check_items((item,), lexicon)
            except ValueError as err:
                raise ScorecardError(
                    f"{self.source}: line {item.line}: [[items]] '{item.id}': {err}"
                ) from None

    def custom_item(self, name: str) -> CustomItem | None:
        return next((c for c in self.custom if c.id == name), None)

    def profile(self, direction: str) -> Profile:
        try:
            return self.profiles[direction]
        except KeyError:
            raise ScorecardError(
                f"{self.source}: no [profiles.{direction}]; add one (see docs/result-format.md)"
            ) from None

    def band(self, score: float | None) -> Band | None:
        if score is None:
            return None
        score = round(score, 1)
        for band in self.bands:
            if score >= band.min:
                return band
        return self.bands[-1]

    # --- scoring -------------------------------------------------------------------

    def item_result(self, finding: Any, profile: Profile) -> ItemResult:
        """Points for one finding (a :class:`callreview.qc.checks.Finding`). What share of the
        weight the finding earns, and which of its parts are not required, its details say
        (:mod:`callreview.qc.checks`). A custom item's finding is only ever ``review`` here (a
        call whose channels are in doubt): 0 of 0."""
        # the checks and their matcher load with the first call scored, not with the scorecard
        # (the summary, the exports and the web app read a scorecard without scoring a call)
        from callreview.qc.checks import as_details
        from callreview.qc.checks.base import ItemDetails

        custom = self.custom_item(finding.name)
        if custom is not None:
            kept: dict[str, Any] = {**finding.details, "label": custom.label}
            kept.update({"kind": "flag"} if custom.kind == "flag" else {"weight": custom.weight})
            judged = cast(Status, "na" if custom.kind == "flag" else finding.status)
            return ItemResult(finding.name, judged, 0.0, 0.0, finding.evidence, kept)
        weight = float(profile.weights[finding.name])
        typed = as_details(finding.name, finding.details)
        added: dict[str, Any] = {"weight": weight}
        status: Status = finding.status
        if typed is not None and self.critical:
            critical = typed.critical(self.critical)
            if critical is not None:
                added["critical"] = critical
        if typed is not None and status in ("fail", "review"):
            # A part the profile gives no share is not required (a site whose IVR announces the
            # company and the agent's number sets company = 0, agent_name = 0): missing only those,
            # the item passes.
            not_required = typed.not_required(profile)
            if not_required:
                added["not_required"] = not_required
                status = "pass"
        if isinstance(finding.details, ItemDetails):
            details: Mapping[str, Any] = finding.details.with_extra(**added)
        else:
            details = {**finding.details, **added}
        if status in ("na", "review"):
            return ItemResult(finding.name, status, 0.0, 0.0, finding.evidence, details)
        if typed is not None:
            credit = typed.credit(status, profile, self)
        else:
            credit = 1.0 if status == "pass" else 0.0
        return ItemResult(
            finding.name, status, round(weight * credit, 2), weight, finding.evidence, details
        )

    def delivery_result(self, finding: Any, profile: Profile) -> ItemResult:
        """Points for a weighted delivery metric's finding: all with no fault, none with one;
        ``na``/``review`` kept out."""
        weight = float(profile.delivery_weights[finding.name])
        details = {**finding.details, "weight": weight}
        if finding.status in ("na", "review"):
            return ItemResult(finding.name, finding.status, 0.0, 0.0, finding.evidence, details)
        return ItemResult(
            finding.name,
            finding.status,
            weight if finding.status == "pass" else 0.0,
            weight,
            finding.evidence,
            details,
        )

    def overridden(self, item: ItemResult, status: str) -> ItemResult:
        """The item as a person judged it (a reviewer's override): ``pass`` earns its full weight,
        ``fail`` nothing, ``na``/``review`` keep it out of the score (0 of 0). The machine's
        evidence and details stay; :meth:`total` then scores the call as usual."""
        weight = float(item.details.get("weight", item.max_points))
        judged = cast(Status, status)  # an override holds one of the four statuses
        if judged in ("na", "review"):
            return ItemResult(item.name, judged, 0.0, 0.0, item.evidence, item.details)
        return ItemResult(
            item.name,
            judged,
            weight if judged == "pass" else 0.0,
            weight,
            item.evidence,
            item.details,
        )

    def critical_hits(self, items: Mapping[str, ItemResult]) -> list[str]:
        """The critical forbidden phrases heard, then the critical custom items failed (by id)."""
        forbidden = items.get("forbidden")
        hits = []
        if forbidden is not None and forbidden.status == "fail":
            hits = list(forbidden.details.get("critical", ()))
        for c in self.custom:
            found = items.get(c.id)
            if c.critical and found is not None and found.status == "fail":
                hits.append(c.id)
        return hits

    def total(self, items: Mapping[str, ItemResult]) -> float | None:
        """Earned share of the points that count, scaled to 100; None when no item counts.
        ``items`` may hold weighted delivery results beside the five items: they count alike."""
        max_points = sum(i.max_points for i in items.values())
        if max_points <= 0:
            return None
        if self.critical_hits(items):
            return 0.0
        return round(100.0 * sum(i.points for i in items.values()) / max_points, 1)


# --- loading -----------------------------------------------------------------------


def bundled_scorecards() -> list[Path]:
    """The scorecards that come with callreview (``default``, ``seeds``), by name."""
    return sorted(BUNDLED_DIR.glob("*.toml"))


def resolve_scorecard(path: str | Path | None) -> Path:
    """``None``: the bundled default; a bundled scorecard's name (``seeds``); else a path."""
    if path is None:
        return BUNDLED
    given = str(path)
    if "/" not in given and "\\" not in given and not given.endswith(".toml"):
        named = BUNDLED_DIR / f"{given}.toml"
        if named.is_file() and not Path(given).exists():
            return named
    return Path(path)


def load_scorecard(path: str | Path | None = None) -> Scorecard:
    """Read and validate a scorecard TOML (``None``: the bundled default; a bundled one by name)."""
    path = resolve_scorecard(path)
    data = read_toml(path, ScorecardError, "scorecard")
    r = TomlReader(str(path), ScorecardError, doc="docs/result-format.md")
    r.known(
        data,
        "top level",
        (
            "name",
            "version",
            "description",
            "thresholds",
            "forbidden",
            "delivery",
            "bands",
            "profiles",
            "items",
        ),
    )
    version = int(r.number(data, "version", "top level", 0, 0, 10**6, integer=True))
    if version != FORMAT_VERSION:
        raise r.fail(
            "version",
            f"scorecard format {version} is not the one this callreview reads "
            f"({FORMAT_VERSION}); see docs/result-format.md",
        )
    return Scorecard(
        name=r.text(data, "name", "top level", default=path.stem),
        version=version,
        source=str(path),
        thresholds=_thresholds(r.table(data, "thresholds", "top level", required=False) or {}, r),
        profiles=_profiles(r.table(data, "profiles", "top level") or {}, r),
        bands=_bands(data.get("bands"), r),
        **_forbidden(r.table(data, "forbidden", "top level", required=False) or {}, r),
        delivery=_delivery(r.table(data, "delivery", "top level", required=False) or {}, r),
        custom=parse_items(data.get("items"), r, path.read_text(encoding="utf-8")),
    )


def _thresholds(t: dict, r: Any) -> Thresholds:
    where = "[thresholds]"
    d = Thresholds()
    if "closing_tail_s" in t:
        raise r.fail(
            where,
            "'closing_tail_s' is gone: the closing now tells a lost last turn from the speech "
            "the recording holds (see docs/result-format.md); delete the line",
        )
    r.known(t, where, tuple(Thresholds.__dataclass_fields__))
    return Thresholds(
        name_count=int(r.number(t, "name_count", where, d.name_count, 0, 100, integer=True)),
        hold_gap_s=r.number(t, "hold_gap_s", where, d.hold_gap_s, 1, 3600),
        announced_hold_gap_s=r.number(
            t, "announced_hold_gap_s", where, d.announced_hold_gap_s, 0.5, 3600
        ),
        hold_lookback_s=r.number(t, "hold_lookback_s", where, d.hold_lookback_s, 0, 3600),
        thanks_window_s=r.number(t, "thanks_window_s", where, d.thanks_window_s, 0, 3600),
        greeting_window_s=r.number(t, "greeting_window_s", where, d.greeting_window_s, 0, 3600),
        closing_window_s=r.number(t, "closing_window_s", where, d.closing_window_s, 0, 3600),
        cut_tolerance_s=r.number(t, "cut_tolerance_s", where, d.cut_tolerance_s, 0, 10),
        timing_tolerance_s=r.number(t, "timing_tolerance_s", where, d.timing_tolerance_s, 0, 10),
        join_gap_s=r.number(t, "join_gap_s", where, d.join_gap_s, 0, 60),
    )


def _delivery(t: dict, r: Any) -> DeliveryThresholds:
    where = "[delivery]"
    d = DeliveryThresholds()
    r.known(t, where, tuple(DeliveryThresholds.__dataclass_fields__))
    return DeliveryThresholds(
        rate_max=r.number(t, "rate_max", where, d.rate_max, 1, 10000),
        fast_min_s=r.number(t, "fast_min_s", where, d.fast_min_s, 0, 3600),
        rate_min_turn_s=r.number(t, "rate_min_turn_s", where, d.rate_min_turn_s, 0.1, 3600),
        pause_s=r.number(t, "pause_s", where, d.pause_s, 0.5, 3600),
        char_max_s=r.number(t, "char_max_s", where, d.char_max_s, 0.05, 60),
        interruption_overlap_s=r.number(
            t, "interruption_overlap_s", where, d.interruption_overlap_s, 0.05, 3600
        ),
        interruptions_max=int(
            r.number(t, "interruptions_max", where, d.interruptions_max, 0, 10000, integer=True)
        ),
        dead_air_min_s=r.number(t, "dead_air_min_s", where, d.dead_air_min_s, 0.5, 3600),
        dead_air_max_s=r.number(t, "dead_air_max_s", where, d.dead_air_max_s, 0, 3600),
        agent_share_max=r.number(t, "agent_share_max", where, d.agent_share_max, 0, 100),
    )


def _forbidden(f: dict, r: Any) -> dict[str, Any]:
    where = "[forbidden]"
    r.known(f, where, ("deduction", "max_deduction", "critical"))
    return {
        "deduction": r.number(f, "deduction", where, 10, 0, 100),
        "max_deduction": r.number(f, "max_deduction", where, 30, 0, 100),
        "critical": tuple(r.strings(f, "critical", where, required=False)),
    }


def _bands(bands: Any, r: Any) -> tuple[Band, ...]:
    if not isinstance(bands, list) or not bands or not all(isinstance(b, dict) for b in bands):
        raise r.fail("bands", "must be [[bands]] tables, each with name, label and min")
    out = []
    for i, b in enumerate(bands, 1):
        where = f"[[bands]] entry {i}"
        r.known(b, where, ("name", "label", "min"))
        if "min" not in b:
            raise r.fail(where, "missing 'min'; add min = <lowest score of the band, 0-100>")
        out.append(
            Band(
                r.text(b, "name", where),
                r.text(b, "label", where, default=b.get("name")),
                r.number(b, "min", where, 0, 0, 100),
            )
        )
    out.sort(key=lambda b: -b.min)
    if out[-1].min != 0:
        raise r.fail(
            "bands",
            f"the lowest band ('{out[-1].name}') must have min = 0 so every score has a band",
        )
    names = [b.name for b in out]
    if len(set(names)) != len(names) or len({b.min for b in out}) != len(out):
        raise r.fail("bands", "band names and mins must be unique")
    return tuple(out)


def _profiles(p: dict, r: Any) -> dict[str, Profile]:
    for name in p:
        if name not in PROFILES:
            raise r.fail(
                "[profiles]", f"unknown profile '{name}'; known profiles: {', '.join(PROFILES)}"
            )
    if "inbound" not in p:
        raise r.fail("[profiles]", "missing [profiles.inbound]; add its weights")
    out = {}
    for name, table in p.items():
        where = f"[profiles.{name}]"
        if not isinstance(table, dict):
            raise r.fail(where, "must be a table with weights")
        r.known(
            table,
            where,
            ("weights", "greeting_parts", "closing_parts", "hold_parts", "delivery_weights"),
        )
        out[name] = Profile(
            name=name,
            weights=_shares(table, "weights", f"{where}.weights", ITEMS, r, required=True),
            greeting_parts=_shares(
                table, "greeting_parts", f"{where}.greeting_parts", GREETING_PARTS[name], r
            ),
            closing_parts=_shares(
                table, "closing_parts", f"{where}.closing_parts", CLOSING_PARTS, r
            ),
            hold_parts=_shares(table, "hold_parts", f"{where}.hold_parts", HOLD_PARTS, r),
            delivery_weights=_points(
                table, "delivery_weights", f"{where}.delivery_weights", METRICS, r
            ),
        )
    return out


def _points(table: dict, key: str, where: str, names: tuple[str, ...], r: Any) -> dict[str, float]:
    """Named numbers 0-100, no sum required (missing: all 0)."""
    given = table.get(key)
    if given is None:
        return {n: 0.0 for n in names}
    if not isinstance(given, dict):
        raise r.fail(where, f"must be a table like {{ {names[0]} = 5 }}")
    for k in given:
        if k not in names:
            raise r.fail(f"{where}.{k}", f"unknown name '{k}'; known: {', '.join(names)}")
    return {n: float(r.number(given, n, where, 0, 0, 100)) for n in names}


def _shares(
    table: dict, key: str, where: str, names: tuple[str, ...], r: Any, required: bool = False
) -> dict[str, float]:
    """Named numbers 0-100 that sum to 100 (missing table: equal shares)."""
    given = table.get(key)
    if given is None:
        if required:
            raise r.fail(where, f"missing; give {', '.join(names)} as numbers that sum to 100")
        return {n: 100.0 / len(names) for n in names}
    if not isinstance(given, dict):
        raise r.fail(where, f"must be a table like {{ {names[0]} = 20, … }}")
    for k in given:
        if k not in names:
            raise r.fail(f"{where}.{k}", f"unknown name '{k}'; known: {', '.join(names)}")
    shares = {n: float(r.number(given, n, where, 0, 0, 100)) for n in names}
    total = sum(shares.values())
    if abs(total - 100) > 1e-6:
        listed = " + ".join(f"{n} {given.get(n, 0):g}" for n in names)
        raise r.fail(where, f"must sum to 100, not {total:g} ({listed})")
    return shares
