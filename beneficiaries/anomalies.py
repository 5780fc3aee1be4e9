"""The anomaly checks (虚报冒领): each rule is a few set-based queries returning findings with
a stable key. ``anomaly_check_run`` (services) upserts them: a rerun refreshes ``last_seen`` of
what it finds again and never adds a second row for the same finding (the key is unique).
"""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils.translation import gettext

from beneficiaries.models import AnomalyFinding, Enrolment, ExclusivePair, Payment, Person, UserPerson

Rule = AnomalyFinding.Rule
CURRENT = Q(status__in=[s for s in Enrolment.Status.values if s != Enrolment.Status.EXITED])


@dataclass
class Found:
    rule: str
    key: str
    village_id: int
    detail: str
    person_id: int | None = None
    enrolment_id: int | None = None
    payment_id: int | None = None
    related: list = field(default_factory=list)


def two_villages():
    """One person (one ID) enrolled, not exited, in two or more villages."""
    current = Enrolment.objects.filter(CURRENT)
    multi = current.values("person_id").annotate(n=Count("village_id", distinct=True)).filter(n__gt=1)
    places: dict[int, dict] = {}
    for person_id, village_id, village, name in (
        current.filter(person_id__in=multi.values("person_id"))
        .values_list("person_id", "village_id", "village__name", "person__name")
        .order_by("person_id", "village__code")
    ):
        entry = places.setdefault(person_id, {"name": name, "villages": {}})
        entry["villages"][village_id] = village
    for person_id, entry in places.items():
        names = "、".join(entry["villages"].values())
        for village_id in entry["villages"]:
            yield Found(
                Rule.TWO_VILLAGES,
                f"two_villages:{person_id}:{village_id}",
                village_id,
                gettext("%(name)s is enrolled in %(villages)s.") % {"name": entry["name"], "villages": names},
                person_id=person_id,
                related=[person_id],
            )


def paid_after_exit():
    """A live payment for a period that starts on or after the person's death or move, or the
    enrolment's exit."""
    rows = (
        Payment.objects.exclude(status=Payment.Status.FAILED)
        .filter(
            Q(enrolment__person__status__in=[Person.Status.DECEASED, Person.Status.MOVED_OUT])
            & Q(enrolment__person__status_on__lt=F("covers_to"))
            | Q(enrolment__status=Enrolment.Status.EXITED, enrolment__exit_on__lt=F("covers_to"))
        )
        .values_list(
            "pk",
            "enrolment_id",
            "enrolment__person_id",
            "enrolment__village_id",
            "enrolment__person__name",
            "covers_from",
            "batch_id",
        )
    )
    for pk, enrolment_id, person_id, village_id, name, period, batch_id in rows:
        yield Found(
            Rule.PAID_AFTER_EXIT,
            f"paid_after_exit:{pk}",
            village_id,
            gettext("%(name)s is in batch %(batch)s for %(period)s after death, moving out or exit.")
            % {"name": name, "batch": batch_id, "period": f"{period:%Y-%m}"},
            person_id=person_id,
            enrolment_id=enrolment_id,
            payment_id=pk,
            related=[person_id],
        )


def above_standard():
    """A payment above what its standard gives for the batch's period."""
    from beneficiaries.services import standard_amount_for

    rows = (
        Payment.objects.exclude(status=Payment.Status.FAILED)
        .filter(standard__isnull=False)
        .select_related("standard", "batch", "enrolment__person")
        .only(
            "pk",
            "amount",
            "covers_from",
            "standard__amount",
            "standard__unit",
            "standard__period",
            "batch__period",
            "enrolment__persons_covered",
            "enrolment__village_id",
            "enrolment__person__name",
        )
    )
    for payment in rows.iterator(chunk_size=5000):
        expected = standard_amount_for(
            payment.standard, period=payment.batch.period, persons=payment.enrolment.persons_covered
        )
        if payment.amount > expected:
            person = payment.enrolment.person
            yield Found(
                Rule.ABOVE_STANDARD,
                f"above_standard:{payment.pk}",
                payment.enrolment.village_id,
                gettext("%(name)s: %(amount)s 元 paid for %(period)s, the standard gives %(expected)s 元.")
                % {
                    "name": person.name,
                    "amount": payment.amount,
                    "period": f"{payment.covers_from:%Y-%m}",
                    "expected": expected,
                },
                person_id=person.pk,
                enrolment_id=payment.enrolment_id,
                payment_id=payment.pk,
                related=[person.pk],
            )


def shared_card():
    """One bank card (equal blind index) on beneficiaries of different households: a GROUP BY."""
    beneficiaries = Person.objects.filter(
        bank_card_index__isnull=False, pk__in=Enrolment.objects.filter(CURRENT).values("person_id")
    )
    groups = (
        beneficiaries.values("bank_card_index")
        .annotate(
            households=Count("household_id", distinct=True),
            loose=Count("pk", filter=Q(household__isnull=True), distinct=True),
        )
        .filter(Q(households__gt=1) | Q(loose__gt=1) | Q(households__gte=1, loose__gte=1))
    )
    members: dict[str, list] = {}
    for index, pk, name, village_id in (
        beneficiaries.filter(bank_card_index__in=groups.values("bank_card_index"))
        .values_list("bank_card_index", "pk", "name", "village_id")
        .order_by("bank_card_index", "pk")
    ):
        members.setdefault(index, []).append((pk, name, village_id))
    for index, people in members.items():
        ids = [pk for pk, _n, _v in people]
        names = "、".join(name for _pk, name, _v in people)
        for village_id in sorted({v for _pk, _n, v in people}):
            first = next(pk for pk, _n, v in people if v == village_id)
            yield Found(
                Rule.SHARED_CARD,
                f"shared_card:{index[:32]}:{village_id}",
                village_id,
                gettext("One bank card is recorded for %(names)s, who live in different households.")
                % {"names": names},
                person_id=first,
                related=ids,
            )


def exclusive():
    """Current enrolments of one person in both projects of an exclusive pair."""
    for pair in ExclusivePair.objects.select_related("first", "second"):
        in_second = Enrolment.objects.filter(
            CURRENT, project_id=pair.second_id, person_id=OuterRef("person_id")
        )
        for enrolment_id, person_id, village_id, name in (
            Enrolment.objects.filter(CURRENT, project_id=pair.first_id)
            .filter(Exists(in_second))
            .values_list("pk", "person_id", "village_id", "person__name")
        ):
            yield Found(
                Rule.EXCLUSIVE,
                f"exclusive:{pair.pk}:{person_id}",
                village_id,
                gettext("%(name)s is enrolled in both %(first)s and %(second)s.")
                % {"name": name, "first": pair.first.name, "second": pair.second.name},
                person_id=person_id,
                enrolment_id=enrolment_id,
                related=[person_id],
            )


def cadre_relative():
    """Members of an org user's own household enrolled in a village within that user's division."""
    for link in UserPerson.objects.select_related("user__division", "person").filter(
        user__is_active=True, user__division__isnull=False, person__household__isnull=False
    ):
        user = link.user
        for enrolment_id, person_id, village_id, name, project in (
            Enrolment.objects.filter(CURRENT, person__household_id=link.person.household_id)
            .filter(village__code__startswith=user.division.code)
            .values_list("pk", "person_id", "village_id", "person__name", "project__name")
        ):
            yield Found(
                Rule.CADRE_RELATIVE,
                f"cadre_relative:{user.pk}:{enrolment_id}",
                village_id,
                gettext(
                    "%(name)s (%(project)s) lives in the household of %(user)s, who works in %(division)s."
                )
                % {
                    "name": name,
                    "project": project,
                    "user": user.display_name,
                    "division": user.division.name,
                },
                person_id=person_id,
                enrolment_id=enrolment_id,
                related=[person_id, link.person_id],
            )


RULES = {
    Rule.TWO_VILLAGES: two_villages,
    Rule.PAID_AFTER_EXIT: paid_after_exit,
    Rule.ABOVE_STANDARD: above_standard,
    Rule.SHARED_CARD: shared_card,
    Rule.EXCLUSIVE: exclusive,
    Rule.CADRE_RELATIVE: cadre_relative,
}
