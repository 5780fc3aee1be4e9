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
