"""Objects for the every-URL test: for each named URL that takes arguments, the keyword
arguments of an object inside the tree's first village (every role of the tree sees it) and of
one in the other county (only the administrator sees it). A new page with arguments must add
its case here, or the every-URL test fails and names it."""

from dataclasses import dataclass, field

from org.models import Role


@dataclass
class Case:
    inside: dict
    outside: dict
    # roles that may open the page at all; others get 403 or 404
    roles: tuple = field(default=tuple(Role))


def _persons(tree):
    from beneficiaries.tests.factories import person

    return person(village=tree.village, name="里村民"), person(village=tree.other_village, name="外村民")


def _partycare(tree, users) -> dict[str, Case]:
    import datetime

    from partycare.models import AidApplication, Campaign, CampaignTarget, CareCase, Pairing
    from partycare.tests.factories import branch, member

    objects = []
    for village, township in ((tree.village, tree.township), (tree.other_village, tree.other_township)):
        m = member(branch=branch(division=village), name="里党员" if village == tree.village else "外党员")
        campaign = Campaign.objects.create(
            division=township,
            holiday="spring_festival",
            year=2027,
            holiday_date=datetime.date(2027, 2, 6),
            created_by=users["admin"],
        )
        CampaignTarget.objects.create(campaign=campaign, member=m, rules="劳模")
        case = CareCase.objects.create(
            member=m,
            kind="talk",
            occurred_on=datetime.date(2026, 1, 5),
            visitors="书记",
            recorded_by=users["admin"],
        )
        aid = AidApplication.objects.create(
            member=m, kind="one_off", year=2026, cause="illness", amount=200, prepared_by=users["admin"]
        )
        pairing = Pairing.objects.create(
            division=village,
            helper_kind="cadre",
            helper_name="帮扶人",
            member=m,
            started_on=datetime.date(2026, 1, 1),
            created_by=users["admin"],
        )
        objects.append(
            {
                "member": m,
                "branch": m.branch,
                "campaign": campaign,
                "case": case,
                "aid": aid,
                "pairing": pairing,
            }
        )
    inside, outside = objects
    cases = {}
    for name, key in [
        ("partycare:member-detail", "member"),
        ("partycare:campaign-detail", "campaign"),
        ("partycare:aid-detail", "aid"),
        ("partycare:aid-pdf", "aid"),
        ("partycare:pairing-detail", "pairing"),
        ("party-branch-detail", "branch"),
        ("party-member-detail", "member"),
        ("care-case-detail", "case"),
        ("care-campaign-detail", "campaign"),
        ("care-campaign-coverage", "campaign"),
        ("aid-application-detail", "aid"),
        ("pairing-detail", "pairing"),
    ]:
        cases[name] = Case({"pk": inside[key].pk}, {"pk": outside[key].pk})
    return cases


def _jobs(tree, users):
    from django.core.files.base import ContentFile

    from common.models import Job

    jobs = []
    for division in (tree.village, tree.other_village):
        job = Job(
            kind="test.echo",
            status=Job.Status.DONE,
            division=division,
            created_by=users["admin"],
            result_name="结果.csv",
        )
        job.result.save("result.csv", ContentFile(b"a,b\n"), save=False)
        job.save()
        jobs.append(job)
    return jobs


def build_cases(tree, users) -> dict[str, Case]:
    inside_person, outside_person = _persons(tree)
    inside_job, outside_job = _jobs(tree, users)
    job_case = Case({"pk": inside_job.pk}, {"pk": outside_job.pk})
    return {
        **_partycare(tree, users),
        "jobs:detail": job_case,
        "jobs:status": job_case,
        "jobs:download": job_case,
        "job-detail": job_case,
        "org:division-detail": Case({"pk": tree.village.pk}, {"pk": tree.other_village.pk}),
        "division-detail": Case({"pk": tree.village.pk}, {"pk": tree.other_village.pk}),
        "beneficiaries:person-detail": Case({"pk": inside_person.pk}, {"pk": outside_person.pk}),
        "person-detail": Case({"pk": inside_person.pk}, {"pk": outside_person.pk}),
    }


# Reachable without logging in (the public column adds its pages here).
PUBLIC = {"site-root", "login", "healthz", "set_language", "javascript-catalog", "api-token"}
# Not pages: POST-only endpoints, redirects after an action, and formats.
SKIP = {
    "logout",
    "set_language",
    "api-token",
    "partycare:member-record",
    "partycare:aid-action",
    "aid-application-act",
}
