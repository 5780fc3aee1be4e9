"""Pages of the recovery items (追回): the township's list and one item, where staff record the
money recovered and a leader waives it. Thin: selectors read, services write."""

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext

from beneficiaries import selectors, services
from beneficiaries.models import Recovery
from beneficiaries.views.common import LIST_PAGE_SIZE, _act, _int
from org.models import Division, Role
from org.roles import OFFICE, has_role
from org.selectors import division_choices


@login_required
def recovery_list(request):
    status = request.GET.get("status", Recovery.Status.OPEN)
    village_id = _int(request.GET.get("village"))
    recoveries = selectors.recovery_list(
        user=request.user,
        status=status if status in Recovery.Status.values else None,
        village_id=village_id,
    )
    totals = recoveries.order_by().aggregate(count=Count("pk"), amount=Sum("amount"))
    page = Paginator(recoveries, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "beneficiaries/recovery_list.html",
        {
            "page": page,
            "status": status,
            "statuses": Recovery.Status.choices,
            "village_id": village_id,
            "villages": division_choices(user=request.user, level=Division.Level.VILLAGE),
            "count": totals["count"],
            "amount": totals["amount"] or Decimal("0.00"),
        },
    )


@login_required
def recovery_detail(request, pk: int):
    recovery = selectors.recovery_get(user=request.user, pk=pk)
    url = reverse("beneficiaries:recovery-detail", args=[pk])
    if request.method == "POST":
        decision = request.POST.get("decision")
        text = request.POST.get("note", "")
        calls = {
            "recovered": lambda: services.recovery_mark_recovered(
                user=request.user, recovery=recovery, note=text
            ),
            "waive": lambda: services.recovery_waive(user=request.user, recovery=recovery, reason=text),
        }
        if decision not in calls:
            raise Http404
        return _act(request, url, calls[decision], gettext("Saved."))
    is_open = recovery.status == Recovery.Status.OPEN
    return render(
        request,
        "beneficiaries/recovery_detail.html",
        {
            "recovery": recovery,
            "may_recover": is_open and has_role(request.user, *OFFICE),
            "may_waive": is_open and has_role(request.user, Role.TOWNSHIP_LEADER),
        },
    )
