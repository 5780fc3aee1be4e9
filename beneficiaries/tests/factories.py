import datetime
import itertools

from beneficiaries.models import Person
from core.idcard import make_id_number, parse_id_number
from core.pinyin import search_key

_sequence = itertools.count(1)


def id_number(*, birth=datetime.date(1960, 5, 17), sex="M") -> str:
    """A valid number, different on every call (the birth date moves on by a day)."""
    return make_id_number(
        region="341226", birth_date=birth + datetime.timedelta(days=next(_sequence)), sequence=7, sex=sex
    )


def person(*, village, name="张三", number=None, household=None, **extra) -> Person:
    number = number or id_number()
    info = parse_id_number(number)
    return Person.objects.create(
        id_number=number,
        name=name,
        name_search=search_key(name),
        sex=info.sex,
        birth_date=info.birth_date,
        village=village,
        household=household,
        **extra,
    )


def active_enrolment(
    *, project, village, name="王五", tier="", card="6228480012345678901", active_from=None, **extra
):
    """A person with a bank card, enrolled and active (built directly, not through the steps)."""
    from beneficiaries.models import Enrolment

    somebody = person(village=village, name=name, bank_card=card, bank_name="农行", **extra)
    return Enrolment.objects.create(
        project=project,
        person=somebody,
        village=village,
        tier=tier,
        status=Enrolment.Status.ACTIVE,
        applied_on=datetime.date(2026, 1, 5),
        active_from=active_from or datetime.date(2026, 1, 1),
    )


def standard(
    *,
    project,
    amount="726.00",
    period="year",
    unit="person",
    tier="",
    start=datetime.date(2026, 1, 1),
    proration="month_any",
):
    from beneficiaries.models import SubsidyStandard

    return SubsidyStandard.objects.create(
        project=project,
        tier=tier,
        amount=amount,
        period=period,
        unit=unit,
        effective_from=start,
        proration=proration,
    )


def sent_to_bank(*, batch, user):
    """An approved batch to the bank the way the office does it: its bank file produced (what the
    bank file job records), then marked sent. Returns the batch as sent."""
    from beneficiaries import services

    services.batch_bank_file_record(user=user, batch=batch)
    return services.batch_mark_exported(user=user, batch=batch)
