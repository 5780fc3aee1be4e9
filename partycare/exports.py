"""Excel exports of party-member care, written with the shared framework (core.excel):
every text through write_string, formula-looking text escaped. They run as background jobs
(partycare.jobs) with a progress bar; names are shown whole only to the roles that see them whole."""

import io

from django.utils.translation import gettext as _

from core.excel import ExportColumn, OutKind, write_xlsx


def _counted(rows, total: int, progress):
    """Yield ``rows``, reporting progress every 200 rows (and at the end)."""
    done = 0
    for done, row in enumerate(rows, start=1):
        if progress is not None and done % 200 == 0:
            progress(done, total)
        yield row
    if progress is not None:
        progress(done, max(total, done))


def old_member_roster_xlsx(*, members, today, progress=None) -> tuple[bytes, int]:
    columns = [
        ExportColumn(_("Branch"), value="branch.name", width=20),
        ExportColumn(_("Name"), value="person.name"),
        ExportColumn(_("Sex"), value=lambda m: m.person.get_sex_display()),
        ExportColumn(_("Birth date"), OutKind.DATE, value="person.birth_date"),
        ExportColumn(_("Age"), OutKind.INTEGER, value=lambda m: m.age_on(today)),
        ExportColumn(_("Joined the party on"), OutKind.DATE, value="joined_on"),
        ExportColumn(_("Party age"), OutKind.INTEGER, value=lambda m: m.party_age_on(today)),
        ExportColumn(_("Village"), value="person.village.name"),
        ExportColumn(
            _("Fixed allowance or income"), value=lambda m: _("yes") if m.has_fixed_allowance else _("no")
        ),
        ExportColumn(_("Groups"), value=lambda m: "、".join(m.flags()), width=30),
    ]
    output = io.BytesIO()
    rows = members.iterator(chunk_size=2000)
    if progress is not None:
        rows = _counted(rows, members.count(), progress)
    count = write_xlsx(output, sheet_name=_("Old-member roster"), columns=columns, rows=rows)
    return output.getvalue(), count


def aid_payments_xlsx(*, applications) -> tuple[bytes, int]:
    rows = list(applications)
    columns = [
        ExportColumn(_("Branch"), value="member.branch.name", width=20),
        ExportColumn(_("Name"), value="member.person.name"),
        ExportColumn(_("Kind"), value=lambda a: a.get_kind_display(), width=16),
        ExportColumn(_("Cause"), value=lambda a: a.get_cause_display(), width=16),
        ExportColumn(_("Year"), OutKind.INTEGER, value="year"),
        ExportColumn(_("Amount (yuan)"), OutKind.MONEY, value="amount"),
        ExportColumn(_("Paid on"), OutKind.DATE, value="paid_on"),
        ExportColumn(_("Payment reference"), value="payment_reference", width=20),
        ExportColumn(_("Notice reference"), value="notice_reference", width=20),
    ]
    output = io.BytesIO()
    total = sum((a.amount for a in rows), start=0)
    count = write_xlsx(
        output,
        sheet_name=_("Aid payments"),
        columns=columns,
        rows=rows,
        totals=[_("Total"), None, None, None, None, total, None, None, None],
    )
    return output.getvalue(), count


def campaign_coverage_xlsx(*, campaign, coverage) -> tuple[bytes, int]:
    columns = [
        ExportColumn(_("Branch"), value=lambda r: r["branch"].name, width=24),
        ExportColumn(_("To visit"), OutKind.INTEGER, value="due"),
        ExportColumn(_("Visited"), OutKind.INTEGER, value="visited"),
        ExportColumn(_("Coverage"), OutKind.PERCENT, value="rate"),
        ExportColumn(_("Money given (yuan)"), OutKind.MONEY, value="money"),
    ]
    output = io.BytesIO()
    count = write_xlsx(
        output,
        sheet_name=str(campaign.year) + campaign.get_holiday_display(),
        columns=columns,
        rows=coverage["branches"],
        totals=[_("Total"), coverage["due"], coverage["visited"], coverage["rate"], coverage["money"]],
    )
    return output.getvalue(), count
