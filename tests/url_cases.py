"""Objects for the every-URL test: for each named URL that takes arguments, the keyword
arguments of an object inside the tree's first village (every role of the tree sees it) and of
one in the other county (only the administrator sees it). A new page with arguments must add
its case here, or the every-URL test fails and names it."""

from dataclasses import dataclass, field

from org.models import Role


@dataclass
class Case:
    inside: dict
    outside: dict | None
    # roles that may open the page at all; others get 403 or 404
    roles: tuple = field(default=tuple(Role))


def _persons(tree):
    from beneficiaries.tests.factories import person

    return person(village=tree.village, name="里村民"), person(village=tree.other_village, name="外村民")


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


def _projects(tree):
    """A project of the first township with a target in the first village (every role of the
    tree sees it), and one of the other county's township."""
    from projects.tests.factories import (
        FundLineFactory,
        FundMovementFactory,
        ProgressFactory,
        SiteFactory,
        project_with_targets,
    )

    made = {}
    for key, township, village in (
        ("inside", tree.township, "village"),
        ("outside", tree.other_township, "other_village"),
    ):
        project, _top, (leaf,) = project_with_targets(
            tree, division=township, villages=(village,), kind="construction"
        )
        line = FundLineFactory(project=project)
        made[key] = {
            "project": project,
            "target": leaf,
            "progress": ProgressFactory(target=leaf),
            "line": line,
            "movement": FundMovementFactory(fund_line=line),
            "site": SiteFactory(project=project, division=leaf.division),
        }
    return made


def _reports(tree):
    """A monthly report and a village scorecard configuration of the first township, and of the
    other county's township."""
    import datetime

    from reports.services import monthly_report_generate
    from reports.tests.factories import scheme

    month = datetime.date(2026, 10, 1)
    return {
        key: {
            "report": monthly_report_generate(township_id=township.pk, month=month),
            "scheme": scheme(township, level="village", items=[("完成率", "completion", "100")]),
        }
        for key, township in (("inside", tree.township), ("outside", tree.other_township))
    }


def build_cases(tree, users) -> dict[str, Case]:
    inside_person, outside_person = _persons(tree)
    inside_job, outside_job = _jobs(tree, users)
    job_case = Case({"pk": inside_job.pk}, {"pk": outside_job.pk})
    p = _projects(tree)

    def pk(what, **options):
        return Case({"pk": p["inside"][what].pk}, {"pk": p["outside"][what].pk}, **options)

    managers = (Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER)
    projects = {
        "projects:excel-template": Case({"kind": "progress"}, None),
        "projects:project-detail": pk("project"),
        "projects:project-edit": pk("project", roles=managers),
        "projects:target-add": pk("project", roles=managers),
        "projects:fund-line-set": pk("project", roles=managers),
        "projects:fund-movement-add": pk("project", roles=managers),
        "projects:site-create": pk("project", roles=managers),
        "projects:target-detail": pk("target"),
        "projects:progress-add": pk("target"),
        "projects:target-split": pk("target", roles=managers),
        "projects:site-detail": pk("site"),
        "projects:site-control-add": pk("site", roles=managers),
        "projects:site-accept": pk("site", roles=(Role.TOWNSHIP_LEADER,)),
        "projects:site-sign": pk("site"),
        "project-detail": pk("project"),
        "target-detail": pk("target"),
        "target-split": pk("target", roles=managers),
        "progress-detail": pk("progress"),
        "fund-line-detail": pk("line"),
        "fund-movement-detail": pk("movement"),
        "site-detail": pk("site"),
        "site-controls": pk("site", roles=managers),
    }
    r = _reports(tree)
    above_village = (Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER, Role.COUNTY_REVIEWER, Role.COUNTY_AUDITOR)

    def report(what, **extra):
        return Case(
            {"pk": r["inside"][what].pk, **extra}, {"pk": r["outside"][what].pk, **extra}, roles=above_village
        )

    reports = {
        "reports:report-detail": report("report"),
        "reports:report-summary": report("report"),
        "reports:report-action": report("report"),
        "reports:report-file": report("report", kind="pdf"),
        "reports:scheme-detail": report("scheme"),
        "reports:scheme-compute": report("scheme"),
        "reports:year-end-file": Case({"kind": "pdf"}, None, roles=above_village),
    }
    return {
        **projects,
        **reports,
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
SKIP = {"logout", "set_language", "api-token"}
