"""Party care: the month's care cases by kind and the yearly care coverage, as a section and
a scorecard item (reads partycare.selectors)."""

import datetime
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.money import ZERO
from reports.sources.entries import ItemValue, _col, _s
from reports.sources.units import Period, Unit


def _care_selectors():
    from partycare import selectors

    return selectors


def section_care(unit: Unit, period: Period) -> dict:
    """Care cases of the month by kind (count, members reached, money), and coverage so far this
    year: active members with at least one care case since 1 January (three queries)."""
    care = _care_selectors()
    cases = care.care_case_list(user=unit.viewer)
    kinds = dict(cases.model._meta.get_field("kind").flatchoices)
    month = {
        kind: (count, members, money)
        for kind, count, members, money in cases.filter(occurred_on__range=(period.start, period.end))
        .order_by()
        .values("kind")
        .annotate(count=Count("pk"), members=Count("member", distinct=True), money=Sum("money"))
        .values_list("kind", "count", "members", "money")
    }
    rows = [
        {
            "kind": str(label),
            "count": month.get(kind, (0, 0, ZERO))[0],
            "members": month.get(kind, (0, 0, ZERO))[1],
            "money": _s(month.get(kind, (0, 0, ZERO))[2] or ZERO),
        }
        for kind, label in kinds.items()
    ]
    coverage = care_coverage(unit, period)
    return {
        "columns": [
            _col("kind", _("Kind of care")),
            _col("count", _("Cases this month"), "integer"),
            _col("members", _("Members reached"), "integer"),
            _col("money", _("Money given (yuan)"), "money"),
        ],
        "rows": rows,
        "totals": {
            "kind": gettext("Total"),
            "count": sum(r["count"] for r in rows),
            "money": _s(sum((Decimal(r["money"]) for r in rows), ZERO)),
        },
        "note": gettext(
            "Care coverage this year: %(covered)d of %(members)d active members (%(rate)s) had at least one care case since 1 January."
        )
        % {
            "covered": coverage["covered"],
            "members": coverage["members"],
            "rate": _percent(coverage["rate"]),
        },
    }


def care_coverage(unit: Unit, period: Period) -> dict:
    """Active party members in the unit (a division, or one branch) with a care case between
    1 January and the end of the period, over all active members. One query."""
    return _care_selectors().care_coverage_totals(
        user=unit.viewer,
        start=datetime.date(period.year, 1, 1),
        end=period.end,
        branch_id=unit.branch_id,
    )


def _percent(value) -> str:
    return "—" if value is None else f"{(value * 100).quantize(Decimal('0.01'))}%"


def _coverage_item(unit: Unit, period: Period) -> ItemValue:
    result = care_coverage(unit, period)
    return ItemValue(
        rate=result["rate"],
        numbers={
            gettext("active party members"): result["members"],
            gettext("members with a care case this year"): result["covered"],
        },
    )
