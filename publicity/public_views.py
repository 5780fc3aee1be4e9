"""The public livelihood column (民生工程专栏) at the site root: no login, published items only.

Nothing here reads through a user's scope, so nothing here may read anything unpublished:
every read is a ``selectors.public_*`` function, and notices carry their masked snapshot only.
Objections are rate limited per client address (a fixed window in the shared cache).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from publicity import conf, forms, ratelimit, selectors, services


def column(request):
    today = timezone.localdate()
    return render(
        request,
        "publicity/public/column.html",
        {
            "notices": selectors.public_current_notices(limit=20),
            "submissions": selectors.public_submission_list(limit=12),
            "projects": selectors.public_projects(year=today.year),
            "year": today.year,
            "hotline": settings.SUPERVISION_HOTLINE,
        },
    )


def notice(request, pk):
    notice = selectors.public_notice_get(pk=pk)
    return render(
        request,
        "publicity/public/notice.html",
        {"notice": notice, "hotline": settings.SUPERVISION_HOTLINE},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def objection(request, pk):
    notice = selectors.public_notice_get(pk=pk)
    form = forms.PublicObjectionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        limit, window = conf.objection_rate_limit()
        if not ratelimit.allow(
            scope="objection", address=ratelimit.client_address(request), limit=limit, window=window
        ):
            form.add_error(
                None,
                gettext(
                    "Too many objections from this address; please wait a minute and try again, or call %(phone)s."
                )
                % {"phone": settings.SUPERVISION_HOTLINE},
            )
            status = 429
        elif form.is_valid():
            try:
                services.objection_file_public(notice_id=notice.pk, **form.cleaned_data)
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, error)
            else:
                return redirect("column:objection-filed", pk=notice.pk)
    return render(
        request,
        "publicity/public/objection.html",
        {"notice": notice, "form": form, "hotline": settings.SUPERVISION_HOTLINE},
        status=status,
    )


def objection_filed(request, pk):
    notice = selectors.public_notice_get(pk=pk)
    return render(request, "publicity/public/objection_filed.html", {"notice": notice})


def submission(request, pk):
    item = selectors.public_submission_get(pk=pk)
    return render(request, "publicity/public/submission.html", {"item": item})
