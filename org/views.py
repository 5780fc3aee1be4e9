"""Pages of the org app: home, divisions, health. Thin: selectors do the reading."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from org import selectors
from org.models import Division
from org.panels import home_panels_for
from org.scoping import scope_prefix


@login_required
def home(request):
    counts = selectors.home_counts(user=request.user)
    return render(
        request,
        "org/home.html",
        {
            "counts": counts,
            "has_scope": scope_prefix(request.user) is not None,
            "panels": home_panels_for(request.user),
        },
    )


@login_required
def division_list(request):
    level = request.GET.get("level") or None
    if level not in Division.Level.values:
        level = None
    search = (request.GET.get("q") or "").strip()[:40]
    divisions = selectors.division_list(user=request.user, level=level, search=search or None)
    page = Paginator(divisions, 50).get_page(request.GET.get("page"))
    template = "org/_division_rows.html" if request.htmx else "org/division_list.html"
    return render(
        request,
        template,
        {"page": page, "level": level or "", "q": search, "levels": Division.Level.choices},
    )


@login_required
def division_detail(request, pk: int):
    division = selectors.division_get(user=request.user, pk=pk)
    children = selectors.division_list(user=request.user, parent_id=division.pk)
    departments = selectors.department_list(user=request.user).filter(division=division)
    return render(
        request,
        "org/division_detail.html",
        {"division": division, "children": children, "departments": departments},
    )


@never_cache
@require_GET
def healthz(request):
    """Database and Redis state for a load balancer: 200 when both answer, 503 otherwise."""
    from org.health import redis_state

    state = {"database": "ok", "redis": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any database failure is "down", with its class for the operator
        state["database"] = f"error: {type(error).__name__}"
    state["redis"] = redis_state()
    healthy = state["database"] == "ok" and state["redis"] == "ok"
    return JsonResponse({"status": "ok" if healthy else "degraded", **state}, status=200 if healthy else 503)


@require_GET
def robots_txt(request):
    """Search engines may read the public column, nothing else."""
    from django.http import HttpResponse

    lines = ["User-agent: *", "Allow: /$", "Disallow: /"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
