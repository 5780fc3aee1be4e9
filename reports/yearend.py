"""The year-end summary (民生工程工作总结) in the structure of the county summary in seed 004:
totals and funds by source first, then per category (教育文化, 就业, 社会保险, 社会服务,
医疗卫生) each project's money allocated and spent and the people served, with their rates.
The numbers always come from the data; the officer writes the introduction and closing."""

import datetime

from django.utils.translation import gettext

from core.money import ZERO, rate, wan
from projects import selectors as project_selectors
from reports.rendering import html_pdf, sections_xlsx
from reports.selectors import fund_rates_by_source


def _s(value):
    return None if value is None else str(value)


def year_end_data(*, user, year: int, today: datetime.date) -> dict:
    """Four queries: projects with progress and funds, their units, and funds by source."""
    as_of = min(today, datetime.date(year, 12, 31))
    listed = project_selectors.project_list(user=user, today=as_of, year=year)
    projects = list(listed)
    units = dict(
        project_selectors.target_list(user=user)
        .filter(project__year=year, parent__isnull=True)
        .order_by()
        .values_list("project_id", "unit")
    )
    funds = fund_rates_by_source(user=user, year=year, as_of=as_of)
    categories = dict(listed.model.Category.choices)
    grouped = {key: [] for key in categories}
    for project in projects:
        grouped[project.category].append(
            {
                "project_id": project.pk,
                "name": project.name,
                "allocated": _s(wan(project.allocated_total)),
                "spent": _s(wan(project.spent_total)),
                "spent_rate": _s(rate(project.spent_total, project.allocated_total)),
                "target": _s(project.target_total),
                "actual": _s(project.actual_total),
                "unit": units.get(project.pk, ""),
                "completion": _s(rate(project.actual_total, project.target_total)),
            }
        )
    totals = {
        key: sum((r[key] for r in funds["rows"]), ZERO)
        for key in ("planned", "received", "allocated", "spent")
    }
    return {
        "year": year,
        "as_of": as_of,
        "project_count": len(projects),
        "totals": {
            **{k: _s(wan(v)) for k, v in totals.items()},
            "received_rate": _s(rate(totals["received"], totals["planned"])),
            "allocated_rate": _s(rate(totals["allocated"], totals["received"])),
            "spent_rate": _s(rate(totals["spent"], totals["allocated"])),
        },
        "sources": [
            {
                "label": str(r["label"]),
                "planned": _s(wan(r["planned"])),
                "received": _s(wan(r["received"])),
                "allocated": _s(wan(r["allocated"])),
            }
            for r in funds["rows"]
        ],
        "categories": [
            {"key": key, "label": str(label), "projects": grouped[key]} for key, label in categories.items()
        ],
    }


def _columns():
    return [
        {"key": "name", "label": gettext("Project"), "kind": "text"},
        {"key": "allocated", "label": gettext("Allocated (10,000 yuan)"), "kind": "money"},
        {"key": "spent", "label": gettext("Spent (10,000 yuan)"), "kind": "money"},
        {"key": "spent_rate", "label": gettext("Spending rate"), "kind": "percent"},
        {"key": "target", "label": gettext("Target"), "kind": "quantity"},
        {"key": "actual", "label": gettext("Served / done"), "kind": "quantity"},
        {"key": "unit", "label": gettext("Unit"), "kind": "text"},
        {"key": "completion", "label": gettext("Completion rate"), "kind": "percent"},
    ]


def year_end_title(*, division, year: int) -> str:
    return gettext("%(division)s %(year)d livelihood projects work summary") % {
        "division": division.name,
        "year": year,
    }


def year_end_xlsx(*, data: dict, division, summary) -> bytes:
    sections = [
        {
            "key": "sources",
            "title": gettext("Funds by source"),
            "available": True,
            "columns": [
                {"key": "label", "label": gettext("Fund source"), "kind": "text"},
                {"key": "planned", "label": gettext("Planned (10,000 yuan)"), "kind": "money"},
                {"key": "received", "label": gettext("Received (10,000 yuan)"), "kind": "money"},
                {"key": "allocated", "label": gettext("Allocated (10,000 yuan)"), "kind": "money"},
            ],
            "rows": data["sources"],
            "totals": {"label": gettext("Total"), **data["totals"]},
        }
    ] + [
        {
            "key": c["key"],
            "title": c["label"],
            "available": True,
            "columns": _columns(),
            "rows": c["projects"],
        }
        for c in data["categories"]
    ]
    prose = "\n\n".join(
        p for p in (getattr(summary, "introduction", ""), getattr(summary, "closing", "")) if p
    )
    return sections_xlsx(
        title=year_end_title(division=division, year=data["year"]), sections=sections, summary=prose
    )


def year_end_pdf(*, data: dict, division, summary) -> bytes:
    return html_pdf(
        "reports/year_end_pdf.html",
        {
            "title": year_end_title(division=division, year=data["year"]),
            "data": data,
            "summary": summary,
            "columns": _columns(),
        },
    )
