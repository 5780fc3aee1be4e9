from django.core.management import call_command

from publicity.models import (
    Activity,
    InfoSubmission,
    Objection,
    PublicNotice,
    Supervisor,
    Survey,
    SurveyResponse,
)


def _counts():
    return [
        m.objects.count()
        for m in (InfoSubmission, Activity, PublicNotice, Objection, Supervisor, Survey, SurveyResponse)
    ]


def test_demo_is_idempotent_and_masked(db):
    call_command("seed_demo", profile="small", verbosity=0)
    first = _counts()
    assert all(first), first
    call_command("seed_demo", profile="small", verbosity=0)
    assert _counts() == first
    for notice in PublicNotice.objects.all():
        assert all("*" in row[0] and "*" in row[1] for row in notice.rows)
    _every_notice_obeys_the_rules()


def _every_notice_obeys_the_rules():
    """Issue 15: the demo's notices (publicity, the three enrolment rounds, party aid) read as if
    posted and closed through the services: the period starts on the day of posting in Asia/
    Shanghai, lasts NOTICE_MIN_DAYS full days, nothing is closed before it ends, and each round
    was posted after the previous one closed."""
    import datetime

    from django.conf import settings

    from beneficiaries.models import Enrolment
    from core import clock
    from publicity.selectors import notice_record_error

    kinds = set()
    for notice in PublicNotice.objects.all():
        kinds.add(notice.kind)
        assert clock.local_day(notice.posted_at) == notice.starts_on, notice
        assert notice.ends_on >= notice.starts_on + datetime.timedelta(days=settings.NOTICE_MIN_DAYS)
        assert notice_record_error(notice=notice) is None, notice
        if notice.status == PublicNotice.Status.CLOSED_CLEAR:
            assert notice.closed_at >= clock.start_of_day(notice.closable_on) and notice.closed_by_id
    assert {PublicNotice.Kind.ENROLMENT, PublicNotice.Kind.AID} <= kinds
    triples = set(
        Enrolment.objects.filter(final_notice__isnull=False).values_list(
            "village_notice", "township_notice", "final_notice", "approved_on"
        )
    )
    assert triples
    notices = PublicNotice.objects.in_bulk()
    for village, township, final, approved_on in triples:
        assert notices[village].closed_at <= notices[township].posted_at
        assert notices[township].closed_at <= notices[final].posted_at
        assert approved_on is None or approved_on >= clock.local_day(notices[final].closed_at)
