"""A scorecard's custom items as typed data (filled by the scorecard loader)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["item", "flag"]


@dataclass(frozen=True)
class CustomItem:
    """One ``[[items]]`` table of a scorecard."""

    id: str
    label: str
    kind: Kind = "item"
    weight: float = 0.0
