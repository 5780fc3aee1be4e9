from django.core.management import call_command

from beneficiaries.models import Person
from fieldwork.models import Concern, HomeVisit
from partycare import eligibility
from partycare.demo import TODAY
from partycare.models import Branch, CampaignTarget, DueItem, PartyMember


def test_demo_seed_is_idempotent_and_realistic(db):
    call_command("seed_demo", profile="small", verbosity=0)
    first = (Branch.objects.count(), PartyMember.objects.count(), CampaignTarget.objects.count())
    visits = (HomeVisit.objects.count(), Concern.objects.count())
    call_command("seed_demo", profile="small", verbosity=0)
    assert (Branch.objects.count(), PartyMember.objects.count(), CampaignTarget.objects.count()) == first
    assert (HomeVisit.objects.count(), Concern.objects.count()) == visits
    assert 200 <= visits[0] <= 400 and visits[1] > 20
    assert set(Concern.objects.values_list("status", flat=True)) == set(Concern.Status.values)
    assert first[0] == 21 and 200 <= first[1] <= 400
    # members are registry persons: one person each, none joined before 18 or after today
    assert PartyMember.objects.values("person").distinct().count() == first[1]
    for m in PartyMember.objects.select_related("person"):
        assert eligibility.add_years(m.person.birth_date, 18) <= m.joined_on <= TODAY
    assert Person.objects.filter(party_member__isnull=False).count() == first[1]
    assert PartyMember.objects.filter(
        person__birth_date__lte=eligibility.anniversary_cutoff(TODAY, 70)
    ).exists()
    assert DueItem.objects.exists()
    # some pairings are helped by the township leader, linked to their portal user
    from partycare.models import Pairing

    linked = Pairing.objects.filter(helper_user__isnull=False)
    assert linked.exists() and {p.helper_user.role for p in linked} == {"township_leader"}
    # concerns are dated by the visit that raised them, not by the day the demo was seeded
    from django.utils import timezone

    for concern in Concern.objects.select_related("visit")[:200]:
        assert timezone.localtime(concern.created_at).date() == concern.visit.visited_on
