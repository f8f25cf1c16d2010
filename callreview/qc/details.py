"""The item details' names the terminal report and the web app read, where they used to live.

Each item's details now sit beside its check (:mod:`callreview.qc.checks`); this module keeps
the names :mod:`callreview.cli.render` and :mod:`callreview.web.views` import from here.
"""

from callreview.qc.checks import as_details
from callreview.qc.checks.base import PART_LABELS, Place, clock
from callreview.qc.checks.customer_name import NameDetails
from callreview.qc.checks.forbidden import ForbiddenDetails
from callreview.qc.checks.greeting import GreetingDetails

__all__ = [
    "PART_LABELS",
    "ForbiddenDetails",
    "GreetingDetails",
    "NameDetails",
    "Place",
    "as_details",
    "clock",
]
