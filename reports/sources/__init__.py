"""The registry of report SECTIONS and scorecard ITEM SOURCES.


Each entry is a function (unit, period) → numbers that reads the owning app through its
selectors, as the unit would see it. An entry whose app is missing is declared with
``build=None`` (or its module is absent): the report shows it as "not available" and a scorecard
item on it scores nothing and says why. It is never a fake 0.

Units act through a *viewer*: an unsaved, read-only stand-in user with the unit's division and
the role that sees exactly that division (township staff for a township, village cadre for a
village). Selectors narrow everything to it exactly as they do for a person logged in there.

The package, by topic: ``units`` (units, viewers, periods), ``entries`` (what a section, an
item source and an item's value are), one module per app read (``projects``,
``beneficiaries``, ``publicity``, ``concerns``, ``care``), and ``registry`` (the ordered
SECTIONS and ITEM_SOURCES with their look-ups). The names callers use are re-exported here; a
test that replaces a registry list patches ``reports.sources.registry``, where it is read.
"""

from reports.sources.beneficiaries import section_payments, section_registry_counts
from reports.sources.care import care_coverage, section_care
from reports.sources.concerns import section_concerns
from reports.sources.entries import MANUAL, ItemSource, ItemValue, Section
from reports.sources.projects import (
    FUND_LABELS,
    ONE,
    average_completion,
    fund_totals,
    headline,
    item_completion,
    section_funds,
    section_projects,
)
from reports.sources.publicity import section_publicity, survey_available, survey_scores
from reports.sources.registry import (
    ITEM_SOURCES,
    SECTIONS,
    build_sections,
    item_source_choices,
    item_source_get,
    section_get,
)
from reports.sources.units import VIEWER_ROLE, Period, Unit, unit_viewer

__all__ = [
    "FUND_LABELS",
    "ITEM_SOURCES",
    "MANUAL",
    "ONE",
    "SECTIONS",
    "VIEWER_ROLE",
    "ItemSource",
    "ItemValue",
    "Period",
    "Section",
    "Unit",
    "average_completion",
    "build_sections",
    "care_coverage",
    "fund_totals",
    "headline",
    "item_completion",
    "item_source_choices",
    "item_source_get",
    "section_care",
    "section_concerns",
    "section_funds",
    "section_get",
    "section_payments",
    "section_projects",
    "section_publicity",
    "section_registry_counts",
    "survey_available",
    "survey_scores",
    "unit_viewer",
]
