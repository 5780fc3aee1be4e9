"""The held lines of a payment batch (findings stop money): the section of the batch page, the
message after generating a batch, and the clear-with-reason form's view."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from beneficiaries import permissions, selectors, services
from beneficiaries.models import PaymentBatch
from beneficiaries.views.common import _int, _refusal
from org.roles import OFFICE, has_role


def held_lines_message(request, batch) -> None:
    """After generating ``batch``: how many of its lines open findings hold, if any."""
    held = len(selectors.held_lines(batch))
    if held:
        messages.warning(
            request,
            ngettext(
                "%(count)d line is held by an open anomaly finding: the batch cannot be checked or "
                "approved until it is cleared with a reason by someone other than you, or the finding "
                "is settled.",
                "%(count)d lines are held by open anomaly findings: the batch cannot be checked or "
                "approved until each is cleared with a reason by someone other than you, or the "
                "findings are settled.",
                held,
            )
            % {"count": held},
        )


def held_lines_context(user, batch) -> dict:
    """The "held lines" section of the batch page (_held_lines.html): the lines, whether the
    user may clear them, and if an officer may not, why (the preparer is told another must)."""
    held = selectors.held_lines(batch)
    open_batch = batch.status in (PaymentBatch.Status.DRAFT, PaymentBatch.Status.CHECKED)
    may_clear = bool(held) and permissions.may_clear_held_lines(user, batch)
    refusal = ""
    if held and open_batch and not may_clear and has_role(user, *OFFICE):
        try:
            permissions.payment_clear_guard(batch, user)
        except (ValidationError, PermissionDenied) as error:
            refusal = _refusal(error)
    return {
        "held_lines": held,
        "may_clear": may_clear,
        "clear_refusal": refusal,
        "held_after_approval": not open_batch,
    }


@login_required
@require_POST
def payment_clear(request, pk: int):
    """Clear one held line of a batch for one finding, with a reason (services.payment_clear);
    a refusal comes back as a message on the batch page, nothing saved."""
    batch = selectors.batch_get(user=request.user, pk=pk)
    payment = (
        selectors.payment_list(user=request.user, batch_id=batch.pk)
        .filter(pk=_int(request.POST.get("payment")))
        .first()
    )
    finding = selectors.anomaly_list(user=request.user).filter(pk=_int(request.POST.get("finding"))).first()
    if payment is None or finding is None:
        raise Http404
    try:
        services.payment_clear(
            user=request.user, payment=payment, finding=finding, reason=request.POST.get("reason", "")
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _refusal(error))
    else:
        messages.success(request, gettext("Line cleared."))
    return redirect(reverse("beneficiaries:batch-detail", args=[pk]) + "#held-lines")
