"""Background jobs of party-member care: the three big exports (老党员摸底登记表 as Excel or
PDF, the year's aid payments, a holiday campaign's coverage). Each re-reads through the
starting user's scope (a campaign outside it fails the job), writes the file, and the job page
shows the progress bar and the download link; common.views.job_download logs the download."""

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.jobs import JobOutcome, register_job
from org.roles import ALL_ROLES
from partycare import exports, pdf, selectors

PDF_ROSTER_LIMIT = 5000


@register_job("partycare.export_old_members", label=_("Export the old-member roster"), roles=ALL_ROLES)
def export_old_members(*, job, user, progress) -> JobOutcome:
    today = timezone.localdate()
    members = selectors.old_member_roster(user=user, today=today)
    if job.params.get("format") == "pdf":
        rows = list(members[:PDF_ROSTER_LIMIT])
        progress(len(rows), len(rows))
        content = pdf.render_pdf("partycare/pdf/old_member_roster.html", {"members": rows, "today": today})
        return JobOutcome(
            file_bytes=content,
            filename="老党员摸底登记表.pdf",
            message=gettext("%(count)d rows exported.") % {"count": len(rows)},
            rows=len(rows),
        )
    content, count = exports.old_member_roster_xlsx(members=members, today=today, progress=progress)
    return JobOutcome(
        file_bytes=content,
        filename="老党员摸底登记表.xlsx",
        message=gettext("%(count)d rows exported.") % {"count": count},
        rows=count,
    )


@register_job("partycare.export_aid_payments", label=_("Export the aid payments"), roles=ALL_ROLES)
def export_aid_payments(*, job, user, progress) -> JobOutcome:
    year = int(job.params["year"])
    content, count = exports.aid_payments_xlsx(applications=selectors.aid_payments(user=user, year=year))
    progress(count, count)
    return JobOutcome(
        file_bytes=content,
        filename=f"帮扶救助发放表{year}.xlsx",
        message=gettext("%(count)d rows exported.") % {"count": count},
        rows=count,
    )


@register_job("partycare.export_campaign_coverage", label=_("Export a campaign's coverage"), roles=ALL_ROLES)
def export_campaign_coverage(*, job, user, progress) -> JobOutcome:
    campaign = selectors.campaign_get(user=user, pk=int(job.params["campaign"]))
    coverage = selectors.campaign_coverage(user=user, campaign=campaign)
    content, count = exports.campaign_coverage_xlsx(campaign=campaign, coverage=coverage)
    progress(count, count)
    return JobOutcome(
        file_bytes=content,
        filename=f"{campaign.year}{campaign.get_holiday_display()}慰问覆盖.xlsx",
        message=gettext("%(count)d rows exported.") % {"count": count},
        rows=count,
    )
