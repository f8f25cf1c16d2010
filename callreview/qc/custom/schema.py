"""A scorecard's custom items (``[[items]]``) as typed data, read and validated.

Each fault is refused with one :class:`~callreview.errors.ScorecardError` line naming the file, the
line of the item (or of its faulty key), the item and what is wrong (docs/scorecards.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from callreview.errors import ScorecardError
from callreview.results import ITEMS, METRICS
from callreview.text import normalize

Kind = Literal["item", "flag"]
Who = Literal["agent", "customer", "either"]
How = Literal["must", "must_not", "at_least"]
Applies = Literal["always", "inbound", "outbound"]
RuleKind = Literal["phrases", "customer_hangs_up_first"]

KINDS: tuple[Kind, ...] = ("item", "flag")
WHO: tuple[Who, ...] = ("agent", "customer", "either")
HOW: tuple[How, ...] = ("must", "must_not", "at_least")
APPLIES: tuple[Applies, ...] = ("always", "inbound", "outbound")
RULES: tuple[RuleKind, ...] = ("phrases", "customer_hangs_up_first")
ANCHORS = ("greeting", "customer_name", "hold", "closing")
"""Built-in items whose evidence another item may be placed before or after."""

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_ITEM_KEYS = (
    "id",
    "label",
    "kind",
    "weight",
    "critical",
    "rule",
    "who",
    "find",
    "phrases",
    "patterns",
    "unless",
    "exact",
    "how",
    "times",
    "applies",
    "when",
    "where",
    "advice",
    "tolerance_s",
)
_LOOK_KEYS = ("who", "find", "phrases", "patterns", "exact")
_WHERE_KEYS = (
    "first_s",
    "last_s",
    "first_turns",
    "last_turns",
    "after",
    "before",
    "around_hold_s",
    "after_customer",
    "after_when",
    "within_s",
)


@dataclass(frozen=True)
class Look:
    """What to listen for: lexicon phrase sets by name, inline phrases and slot patterns."""

    who: Who = "agent"
    find: tuple[str, ...] = ()
    """Lexicon phrase sets: a ``[phrases]`` name of the lexicon, or a built-in list such as
    ``closing.farewell``."""
    phrases: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    """Slot patterns (``我会在{time}给您回电``): a slot takes up to 8 words of one clause."""
    exact: bool = False
    """Only the very characters count, no sound-alike (你 is not 呢/尼)."""


@dataclass(frozen=True)
class Where:
    """Where in the call a hit counts; every key given must hold."""

    first_s: float | None = None
    last_s: float | None = None
    first_turns: int | None = None
    last_turns: int | None = None
    after: str | None = None
    """An item id (built-in or an earlier custom one): only after its first evidence."""
    before: str | None = None
    """An item id: only before its last evidence."""
    around_hold_s: float | None = None
    """Only within this many seconds of a hold the hold item found."""
    after_customer: Look | None = None
    """Only after the customer said this (N/A when they never did)."""
    after_when: bool = False
    """Only from the turn where the ``when`` condition was heard on."""
    within_s: float | None = None
    """With ``after``/``after_customer``/``after_when``: at most this long after that."""


@dataclass(frozen=True)
class CustomItem:
    """One ``[[items]]`` table of a scorecard: a rule over the transcript."""

    id: str
    label: str
    kind: Kind = "item"
    weight: float = 0.0
    """Points it is worth (0 for a flag: it scores nothing)."""
    critical: bool = False
    """A fail scores the whole call 0."""
    rule: RuleKind = "phrases"
    look: Look = Look()
    unless: tuple[str, ...] = ()
    """Phrases that cancel a hit they overlap (你们 for 你)."""
    how: How = "must"
    times: int = 1
    """With ``how = "at_least"``: this many turns with a hit."""
    applies: Applies = "always"
    when: str | Look | None = None
    """Applies only when this custom item fired (found what it looks for), or when this is heard;
    N/A otherwise."""
    where: Where = Where()
    advice: str = ""
    """What to say instead, shown on a fail."""
    tolerance_s: float = 0.3
    """``customer_hangs_up_first``: the customer's last words ending this near the recording's end
    were cut off."""
    line: int = 0
    """Line of its ``[[items]]`` header in the file."""
    depends: tuple[str, ...] = field(default=(), compare=False)
    """Other items it reads (``when``, ``after``, ``before``)."""


def parse_items(entries: Any, r: Any, raw: str) -> tuple[CustomItem, ...]:
    """The ``[[items]]`` of a scorecard (``r``: its TomlReader; ``raw``: its text, for lines)."""
    if entries is None:
        return ()
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise r.fail("items", "must be [[items]] tables, each with id, label and a rule")
    heads = [
        i + 1 for i, text in enumerate(raw.splitlines()) if re.match(r"\s*\[\[items\]\]", text)
    ]
    out: list[CustomItem] = []
    for n, entry in enumerate(entries):
        line = heads[n] if n < len(heads) else 0
        out.append(_Item(r.source, raw, line, entry).parse(out))
    return tuple(out)


class _Item:
    """Reads one ``[[items]]`` table; every fault names the file, the line and the item."""

    def __init__(self, source: str, raw: str, line: int, data: dict) -> None:
        self.source, self.raw, self.line, self.data = source, raw, line, data
        self.name = data.get("id") if isinstance(data.get("id"), str) else "?"

    def fail(self, key: str | None, problem: str) -> ScorecardError:
        line = self._key_line(key) if key else self.line
        return ScorecardError(
            f"{self.source}: line {line}: [[items]] '{self.name}'"
            f"{f' {key}' if key else ''}: {problem}"
        )

    def _key_line(self, key: str) -> int:
        """The line that sets ``key`` (its first part) inside this item, else the item's."""
        first = re.escape(key.split(".")[0].split("[")[0])
        lines = self.raw.splitlines()
        for i in range(self.line, len(lines)):
            text = lines[i]
            if re.match(rf"\s*(\[items\.{first}\]|{first}\s*=)", text):
                return i + 1
            if re.match(r"\s*\[", text) and not re.match(r"\s*\[items\.", text):
                break
        return self.line

    # --- values -------------------------------------------------------------------

    def _known(self, data: dict, keys: tuple[str, ...], at: str | None) -> None:
        for key in data:
            if key not in keys:
                raise self.fail(at or key, f"unknown key '{key}'; known keys: {', '.join(keys)}")

    def _text(self, data: dict, key: str, default: str | None = None) -> str:
        value = data.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"'{key}' must be non-empty text, not {value!r}")
        return value

    def _choice(self, data: dict, key: str, choices: tuple[str, ...], default: str, at: str) -> Any:
        value = data.get(key, default)
        if value not in choices:
            raise self.fail(
                at, f"must be one of {', '.join(repr(c) for c in choices)}, not {value!r}"
            )
        return value

    def _number(
        self, data: dict, key: str, lo: float, hi: float, at: str, integer: bool = False
    ) -> float:
        value = data.get(key)
        ok = isinstance(value, int) if integer else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok or not lo <= float(value or 0) <= hi:
            kind = "a whole number" if integer else "a number"
            raise self.fail(at, f"must be {kind} {lo:g}-{hi:g}, not {value!r}")
        return float(value or 0)

    def _strings(self, data: dict, key: str, at: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(
            isinstance(v, str) and normalize(v) for v in value
        ):
            raise self.fail(at, f"must be a list of non-empty text, not {value!r}")
        return tuple(value)

    def _bool(self, data: dict, key: str, at: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(at, f"must be true or false, not {value!r}")
        return value

    def _look(self, data: dict, at: str, who: str = "agent", need: bool = True) -> Look:
        pre = f"{at}." if at else ""
        self._known(data, _LOOK_KEYS, at or None)
        look = Look(
            who=self._choice(data, "who", WHO, who, f"{pre}who"),
            find=self._strings(data, "find", f"{pre}find"),
            phrases=self._strings(data, "phrases", f"{pre}phrases"),
            patterns=self._strings(data, "patterns", f"{pre}patterns"),
            exact=self._bool(data, "exact", f"{pre}exact"),
        )
        for i, text in enumerate(look.phrases):
            if "{" in text:
                raise self.fail(
                    f"{pre}phrases[{i}]", f"{text!r} has a {{slot}}: put it in patterns"
                )
        for i, text in enumerate(look.patterns):
            if not re.search(r"\{[a-z_]+(:[a-z]+)?\}", text):
                raise self.fail(
                    f"{pre}patterns[{i}]", f"{text!r} has no {{slot}}: put it in phrases"
                )
        if need and not (look.find or look.phrases or look.patterns):
            raise self.fail(at or None, "says nothing to listen for; add find, phrases or patterns")
        return look

    # --- the item -----------------------------------------------------------------

    def parse(self, earlier: list[CustomItem]) -> CustomItem:
        d = self.data
        self._known(d, _ITEM_KEYS, None)
        if "id" not in d:
            raise self.fail(None, "missing 'id'; add id = \"lowercase_name\"")
        item_id = d["id"]
        if not isinstance(item_id, str) or not _ID.match(item_id):
            raise self.fail("id", f"'id' must be lowercase letters, digits and _, not {item_id!r}")
        if item_id in ITEMS or item_id in METRICS:
            raise self.fail("id", f"'{item_id}' is a built-in item's name; choose another id")
        if any(e.id == item_id for e in earlier):
            raise self.fail("id", f"'{item_id}' is used twice; each item needs its own id")
        if "label" not in d:
            raise self.fail(
                None, "missing 'label'; add label = \"确认来电事项 Restated the request\""
            )
        kind = self._choice(d, "kind", KINDS, "item", "kind")
        if kind == "item":
            if "weight" not in d:
                raise self.fail(None, "missing 'weight'; add weight = <points, 1-100>")
            weight = float(self._number(d, "weight", 0, 100, "weight"))
        else:
            if d.get("weight", 0) != 0:
                raise self.fail("weight", "a flag scores nothing; delete its weight")
            weight = 0.0
        critical = self._bool(d, "critical", "critical")
        if critical and kind == "flag":
            raise self.fail("critical", "a flag scores nothing, so it cannot be critical")
        rule = self._choice(d, "rule", RULES, "phrases", "rule")
        how = self._choice(d, "how", HOW, "must", "how")
        if "times" in d and how != "at_least":
            raise self.fail("times", 'times goes with how = "at_least"')
        times = int(self._number(d, "times", 1, 1000, "times", True)) if "times" in d else 1
        known = {e.id for e in earlier}
        depends: list[str] = []
        when: str | Look | None = None
        if "when" in d:
            w = d["when"]
            if isinstance(w, str):
                if w not in known:
                    raise self.fail(
                        "when", f"'{w}' is no custom item above this one; name one defined earlier"
                    )
                when = w
                depends.append(w)
            elif isinstance(w, dict):
                when = self._look(w, "when")
            else:
                raise self.fail("when", "must be an earlier item's id or a table {find = [...]}")
        where = self._where(d.get("where", {}), known, when, depends)
        if rule == "customer_hangs_up_first":
            for key in ("find", "phrases", "patterns", "unless", "how", "times", "where", "who"):
                if key in d:
                    raise self.fail(
                        key, f"rule 'customer_hangs_up_first' reads segment times; delete {key}"
                    )
            look = Look()
        else:
            look = self._look({k: d[k] for k in _LOOK_KEYS if k in d}, "", need=True)
        tolerance = (
            float(self._number(d, "tolerance_s", 0, 10, "tolerance_s"))
            if ("tolerance_s" in d)
            else 0.3
        )
        return CustomItem(
            id=item_id,
            label=self._text(d, "label"),
            kind=kind,
            weight=weight,
            critical=critical,
            rule=rule,
            look=look,
            unless=self._strings(d, "unless", "unless"),
            how=how,
            times=times,
            applies=self._choice(d, "applies", APPLIES, "always", "applies"),
            when=when,
            where=where,
            advice=self._text(d, "advice") if "advice" in d else "",
            tolerance_s=tolerance,
            line=self.line,
            depends=tuple(depends),
        )

    def _where(self, w: Any, known: set[str], when: Any, depends: list[str]) -> Where:
        if not isinstance(w, dict):
            raise self.fail("where", "must be a table, e.g. where = { last_s = 60 }")
        for key in w:
            if key not in _WHERE_KEYS:
                raise self.fail(
                    f"where.{key}", f"unknown key '{key}'; known keys: {', '.join(_WHERE_KEYS)}"
                )
        out: dict[str, Any] = {}
        for key in ("first_s", "last_s", "around_hold_s", "within_s"):
            if key in w:
                out[key] = float(self._number(w, key, 0, 36000, f"where.{key}"))
        for key in ("first_turns", "last_turns"):
            if key in w:
                out[key] = int(self._number(w, key, 1, 100000, f"where.{key}", True))
        for key in ("after", "before"):
            if key in w:
                other = w[key]
                if other not in known and other not in ANCHORS:
                    raise self.fail(
                        f"where.{key}",
                        f"{other!r} is neither a custom item above this one nor one of "
                        f"{', '.join(ANCHORS)}",
                    )
                out[key] = other
                depends.append(other)
        if "after_customer" in w:
            ac = w["after_customer"]
            if isinstance(ac, list):
                ac = {"phrases": ac}
            if not isinstance(ac, dict):
                raise self.fail("where.after_customer", "must be a list of phrases or a table")
            if "who" in ac:
                raise self.fail("where.after_customer", "is always the customer's; delete who")
            out["after_customer"] = self._look(ac, "where.after_customer", who="customer")
        if "after_when" in w:
            out["after_when"] = self._bool(w, "after_when", "where.after_when")
            if out["after_when"] and not isinstance(when, Look):
                raise self.fail(
                    "where.after_when", "needs a when table to be after: when = { find = [...] }"
                )
        if "within_s" in out and not (
            "after" in out or "after_customer" in out or out.get("after_when")
        ):
            raise self.fail("where.within_s", "goes with after, after_customer or after_when")
        return Where(**out)
