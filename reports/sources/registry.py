"""The registries: the report's SECTIONS in order and the scorecard's ITEM_SOURCES, with their
look-ups and the builder of a snapshot's sections."""

from collections.abc import Callable

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reports.sources.beneficiaries import _callback_item, section_payments, section_registry_counts
from reports.sources.care import _coverage_item, section_care
from reports.sources.concerns import _concerns_item, section_concerns
from reports.sources.entries import MANUAL, ItemSource, Section
from reports.sources.projects import _fund_item, item_completion, section_funds, section_projects
from reports.sources.publicity import _quota_item, _survey_item, section_publicity
from reports.sources.units import Period, Unit

SECTIONS: list[Section] = [
    Section("projects", _("Targets, progress and completion"), "projects.selectors", section_projects),
    Section("funds", _("Funds by source"), "projects.selectors", section_funds),
    Section("registry", _("Person registry"), "beneficiaries.selectors", section_registry_counts),
    Section(
        "payments",
        _("Beneficiaries and payments of the month"),
        "beneficiaries.selectors",
        lambda unit, period: section_payments(unit, period),
    ),
    Section("publicity", _("Publicity done"), "publicity.selectors", section_publicity),
    Section(
        "concerns",
        _("Concerns opened, resolved and overdue"),
        "partycare.selectors",
        lambda unit, period: section_concerns(unit, period),
    ),
    Section("care", _("Care cases"), "partycare.selectors", section_care),
]


def section_get(key: str) -> Section | None:
    return next((s for s in SECTIONS if s.key == key), None)


def build_sections(unit: Unit, period: Period, *, progress: Callable | None = None) -> list[dict]:
    """Every section for the snapshot, in order; unavailable ones say so."""
    built = []
    for index, section in enumerate(SECTIONS, 1):
        entry = {"key": section.key, "title": str(section.title), "available": section.available}
        if section.available:
            entry.update(section.build(unit, period))
        else:
            entry["note"] = gettext("Not available: %(what)s not yet in the portal.") % {
                "what": section.needs or section.module
            }
        built.append(entry)
        if progress is not None:
            progress(index, len(SECTIONS) + 2)
    return built


ITEM_SOURCES: list[ItemSource] = [
    ItemSource("completion", _("Target completion"), "projects.selectors", item_completion),
    ItemSource(
        "fund_received",
        _("Funds received rate (到位率)"),
        "projects.selectors",
        _fund_item("received", "planned", "received_rate"),
    ),
    ItemSource(
        "fund_allocated",
        _("Funds allocated rate (拨付率)"),
        "projects.selectors",
        _fund_item("allocated", "received", "allocated_rate"),
    ),
    ItemSource(
        "fund_spent",
        _("Funds spending rate (支出率)"),
        "projects.selectors",
        _fund_item("spent", "allocated", "spent_rate"),
    ),
    ItemSource(
        "publicity_quota",
        _("Publicity quota completion"),
        "publicity.selectors",
        lambda u, p: _quota_item(u, p),
    ),
    ItemSource(
        "callback_coverage",
        _("Callback coverage"),
        "beneficiaries.selectors",
        lambda unit, period: _callback_item(unit, period),
    ),
    ItemSource(
        "survey_awareness",
        _("Survey: awareness"),
        "publicity.selectors",
        lambda u, p: _survey_item("aware_count", _("aware"))(u, p),
    ),
    ItemSource(
        "survey_satisfaction",
        _("Survey: satisfaction"),
        "publicity.selectors",
        lambda u, p: _survey_item("satisfied_count", _("satisfied or basically satisfied"))(u, p),
    ),
    ItemSource(
        "concerns_on_time",
        _("Concerns resolved on time"),
        "partycare.selectors",
        lambda unit, period: _concerns_item(unit, period),
    ),
    ItemSource(
        "care_coverage",
        _("Care coverage"),
        "partycare.selectors",
        lambda unit, period: _coverage_item(unit, period),
    ),
]


def item_source_get(key: str) -> ItemSource | None:
    return next((s for s in ITEM_SOURCES if s.key == key), None)


def item_source_choices() -> list[tuple[str, str]]:
    return [(MANUAL, gettext("Typed in by the assessor (inspection, self-assessment)"))] + [
        (s.key, str(s.label)) for s in ITEM_SOURCES
    ]
