"""Objects for the every-URL test: for each named URL that takes arguments, the keyword
arguments of an object inside the tree's first village (every role of the tree sees it) and of
one in the other county (only the administrator sees it). A new page with arguments must add
its case here, or the every-URL test fails and names it."""

from dataclasses import dataclass, field

from org.models import Role
from org.scoping import Scope

SYSTEM = Scope.system("test data")


@dataclass
class Case:
    inside: dict
    outside: dict | None
    # roles that may open the page at all; others get 403 or 404
    roles: tuple = field(default=tuple(Role))


def _persons(tree):
    from beneficiaries.tests.factories import person

    return person(village=tree.village, name="里村民"), person(village=tree.other_village, name="外村民")


def _publicity(tree, users) -> dict[str, Case]:
    import datetime

    from django.utils import timezone

    from publicity.tests.factories import (
        ActivityFactory,
        NoticeFactory,
        ObjectionFactory,
        SubmissionFactory,
        SupervisorFactory,
    )

    staff = users[Role.TOWNSHIP_STAFF]
    township_roles = (Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER, Role.COUNTY_REVIEWER, Role.COUNTY_AUDITOR)
    editors = (Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER)
    field_roles = (*editors, Role.VILLAGE_CADRE)
    past = timezone.localdate() - datetime.timedelta(days=30)
    inside_department = tree.township.departments.get()
    outside_department = tree.other_township.departments.get()
    submission = SubmissionFactory(department=inside_department, created_by=staff)
    # Outside objects stay off the public column: not published, not currently posted.
    other_submission = SubmissionFactory(department=outside_department, created_by=staff)
    activity = ActivityFactory(division=tree.village, created_by=staff)
    other_activity = ActivityFactory(division=tree.other_village, created_by=staff)
    notice = NoticeFactory(division=tree.village, posted_by=staff)
    other_notice = NoticeFactory(division=tree.other_village, posted_by=staff, starts_on=past)
    objection = ObjectionFactory(notice=notice)
    other_objection = ObjectionFactory(notice=other_notice)
    supervisor = SupervisorFactory(division=tree.township)
    other_supervisor = SupervisorFactory(division=tree.other_township)
    visit = supervisor.visits.create(visited_on=past, place="东庄村道路", recorded_by=staff)
    other_visit = other_supervisor.visits.create(visited_on=past, place="邻村道路", recorded_by=staff)

    from projects.tests.factories import ProjectFactory
    from publicity.models import Survey

    surveys = []
    for township in (tree.township, tree.other_township):
        project = ProjectFactory(division=township, year=past.year)
        survey = Survey.objects.create(
            project=project,
            division=township,
            title="调查",
            awareness_question="q",
            satisfaction_question="q",
            created_by=staff,
        )
        village = tree.village if township == tree.township else tree.other_village
        response = survey.responses.create(
            division=village,
            method="phone",
            responded_on=past,
            is_aware=True,
            satisfaction="satisfied",
            recorded_by=staff,
        )
        surveys.append((survey, response))
    (survey, response), (other_survey, other_response) = surveys

    def pk(a, b, roles=tuple(Role)):
        return Case({"pk": a.pk}, {"pk": b.pk}, roles)

    return {
        "publicity:submission-detail": pk(submission, other_submission, township_roles),
        "publicity:submission-edit": pk(submission, other_submission, editors),
        "publicity:activity-detail": pk(activity, other_activity),
        "publicity:activity-edit": pk(activity, other_activity, field_roles),
        "publicity:notice-detail": pk(notice, other_notice),
        "publicity:notice-pdf": pk(notice, other_notice),
        "publicity:supervisor-detail": pk(supervisor, other_supervisor, township_roles),
        "publicity-submission-detail": pk(submission, other_submission, township_roles),
        "publicity-activity-detail": pk(activity, other_activity),
        "publicity-notice-detail": pk(notice, other_notice),
        "publicity-objection-detail": pk(objection, other_objection),
        "publicity-supervisor-detail": pk(supervisor, other_supervisor, township_roles),
        "publicity-supervisor-visit-detail": pk(visit, other_visit, township_roles),
        "publicity:survey-detail": pk(survey, other_survey),
        "publicity-survey-detail": pk(survey, other_survey),
        "publicity-survey-response-detail": pk(response, other_response),
    }


def _partycare(tree, users) -> dict[str, Case]:
    import datetime
    import uuid

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
        from beneficiaries.models import Household
        from fieldwork.models import Concern, HomeVisit

        household = Household.objects.create(village=village, number=f"H{village.code}")
        visit = HomeVisit.objects.create(
            client_id=uuid.uuid4(),
            household=household,
            village=village,
            visited_on=datetime.date(2026, 3, 1),
            purpose="collect",
            visitor=users["admin"],
        )
        concern = Concern.objects.create(
            village=village, category="other", description="路灯", visit=visit, created_by=users["admin"]
        )
        objects.append(
            {
                "visit": visit,
                "concern": concern,
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
        ("fieldwork:concern-detail", "concern"),
        ("home-visit-detail", "visit"),
        ("concern-detail", "concern"),
    ]:
        cases[name] = Case({"pk": inside[key].pk}, {"pk": outside[key].pk})
    # set-up pages: township staff and leaders only (others 403 inside, 404 outside)
    for name, key in [("partycare:branch-edit", "branch"), ("partycare:member-edit", "member")]:
        cases[name] = Case(
            {"pk": inside[key].pk}, {"pk": outside[key].pk}, roles=(Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER)
        )
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


def _beneficiaries(tree, users):
    """An enrolment, a reconciled batch with a payment, a callback, a finding and a recovery
    item in the first village, and the same in the other county."""
    import datetime

    from beneficiaries.models import AnomalyFinding, Callback, Payment, PaymentBatch, Recovery
    from beneficiaries.tests.factories import active_enrolment, standard
    from projects.tests.factories import ProjectFactory

    made = {}
    for key, township, village, name in (
        ("inside", tree.township, tree.village, "里受益人"),
        ("outside", tree.other_township, tree.other_village, "外村民"),
    ):
        project = ProjectFactory(division=township, name=f"{name}项目")
        enrolment = active_enrolment(project=project, village=village, name=name)
        batch = PaymentBatch.objects.create(
            project=project,
            division=township,
            period_start=datetime.date(2026, 3, 1),
            period_end=datetime.date(2026, 3, 31),
            status="reconciled",
        )
        payment = Payment.objects.create(
            batch=batch,
            enrolment=enrolment,
            covers_from=batch.period_start,
            covers_to=batch.period_end,
            months=1,
            amount="60.50",
            status="paid",
        )
        Callback.objects.create(
            enrolment=enrolment, method="phone", called_on=datetime.date(2026, 4, 1), reached=False
        )
        finding = AnomalyFinding.objects.create(
            rule="two_villages",
            key=f"case:{key}",
            village=village,
            person=enrolment.person,
            detail=f"{name} 疑点",
            last_seen=batch.created_at,
        )
        recovery = Recovery.objects.create(
            person=enrolment.person,
            enrolment=enrolment,
            payment=payment,
            covers_from=datetime.date(2026, 3, 21),
            covers_to=batch.period_end,
            last_day=datetime.date(2026, 3, 20),
            reason="deceased",
            amount="21.47",
        )
        made[key] = {
            "enrolment": enrolment,
            "batch": batch,
            "finding": finding,
            "recovery": recovery,
            "person": enrolment.person,
            "standard": standard(project=project),
        }
    return made


def _reports(tree):
    """A monthly report and a village scorecard configuration of the first township, and of the
    other county's township."""
    import datetime

    from reports.models import Scorecard
    from reports.services import monthly_report_generate
    from reports.tests.factories import scheme

    month = datetime.date(2026, 10, 1)
    made = {
        key: {
            "report": monthly_report_generate(user=SYSTEM, township_id=township.pk, month=month),
            "scheme": scheme(township, level="village", items=[("完成率", "completion", "100")]),
        }
        for key, township in (("inside", tree.township), ("outside", tree.other_township))
    }
    for key, village in (("inside", tree.village), ("outside", tree.other_village)):
        made[key]["card"] = Scorecard.objects.create(
            scheme=made[key]["scheme"],
            unit_key=f"division:{village.pk}",
            unit_name=village.name,
            division=village,
            total=0,
            rank=1,
        )
    return made


def build_cases(tree, users) -> dict[str, Case]:
    inside_person, outside_person = _persons(tree)
    inside_job, outside_job = _jobs(tree, users)
    # A job is its requester's (here the administrator's): every other role gets 404 even inside
    # its scope. Each role's own jobs: tests/test_job_ownership.py.
    job_case = Case({"pk": inside_job.pk}, {"pk": outside_job.pk}, roles=())
    p = _projects(tree)

    def pk(what, **options):
        return Case({"pk": p["inside"][what].pk}, {"pk": p["outside"][what].pk}, **options)

    b = _beneficiaries(tree, users)

    def bpk(what, **options):
        return Case({"pk": b["inside"][what].pk}, {"pk": b["outside"][what].pk}, **options)

    managers = (Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER)
    # a batch belongs to a township: a village cadre sees their villagers' payments, not batches
    above_village = tuple(r for r in Role if r != Role.VILLAGE_CADRE)
    beneficiaries = {
        "beneficiaries:person-enrol": bpk("person"),
        "beneficiaries:person-edit": bpk(
            "person", roles=(Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER, Role.VILLAGE_CADRE)
        ),
        "beneficiaries:person-status": bpk("person"),
        "beneficiaries:enrolment-detail": bpk("enrolment"),
        "beneficiaries:enrolment-action": bpk("enrolment"),
        "beneficiaries:callback-add": bpk("enrolment"),
        "beneficiaries:batch-detail": bpk("batch", roles=above_village),
        "beneficiaries:batch-action": bpk("batch", roles=above_village),
        "beneficiaries:payment-clear": bpk("batch", roles=above_village),
        "beneficiaries:batch-bank-file": bpk("batch", roles=above_village),
        "beneficiaries:batch-reconcile": bpk("batch", roles=above_village),
        "beneficiaries:anomaly-detail": bpk("finding"),
        "beneficiaries:recovery-detail": bpk("recovery"),
        "enrolment-detail": bpk("enrolment"),
        "subsidy-standard-detail": bpk("standard"),
        "payment-batch-detail": bpk("batch", roles=above_village),
        "payment-detail": Case(
            {"pk": b["inside"]["batch"].payments.get().pk}, {"pk": b["outside"]["batch"].payments.get().pk}
        ),
        "callback-detail": Case(
            {"pk": b["inside"]["enrolment"].callbacks.get().pk},
            {"pk": b["outside"]["enrolment"].callbacks.get().pk},
        ),
        "anomaly-detail": bpk("finding"),
    }
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
        # the fund ledger is read by township and county roles, not village cadres (README, "Who sees what")
        "fund-line-detail": pk("line", roles=above_village),
        "fund-movement-detail": pk("movement", roles=above_village),
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
        "monthly-report-detail": report("report"),
        # a village's card: every role of the tree sees it, the village cadre included
        "scorecard-detail": Case({"pk": r["inside"]["card"].pk}, {"pk": r["outside"]["card"].pk}),
    }
    return {
        **_publicity(tree, users),
        **projects,
        **beneficiaries,
        **reports,
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
PUBLIC = {
    "site-root",
    "login",
    "healthz",
    "set_language",
    "javascript-catalog",
    "api-token",
    "robots-txt",
    "column:index",
    "public-notice-list",
    # The visit form's service worker and manifest: static, no data, fetched by the browser.
    "fieldwork:service-worker",
    "fieldwork:visit-manifest",
}
# Not pages: POST-only endpoints, redirects after an action, and formats.
SKIP = {
    "logout",
    # /media/<path>: every kind of stored file × visible / not / anonymous is tested in
    # tests/test_job_ownership.py (job files: 404 to everyone; they have their own download).
    "media-file",
    "set_language",
    "api-token",
    # publicity: POST-only actions
    "publicity:submission-action",
    "publicity:notice-action",
    "publicity:objection-answer",
    "publicity-submission-submit",
    "publicity-submission-adopt",
    "publicity-submission-return",
    "publicity-submission-publish",
    "publicity-submission-unpublish",
    "publicity-notice-close",
    "publicity-notice-withdraw",
    "publicity-objection-answer",
    # public column pages with arguments: every visitor sees every published item, so there is
    # no "outside" object; publicity/tests/test_notices.py covers them (masking, 404 when withdrawn)
    "column:notice",
    "column:objection",
    "column:objection-filed",
    "column:submission",
    "public-notice-detail",
    # partycare: POST-only actions
    "partycare:member-record",
    "partycare:aid-action",
    "partycare:pairing-end",
    "aid-application-act",
    "concern-act",
}
