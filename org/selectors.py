"""Reads of the org app. Everything goes through the user's scope; outside it answers 404."""

from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from org.models import Department, Division, User


def division_list(*, user, level: str | None = None, search: str | None = None, parent_id: int | None = None):
    qs = Division.objects.visible_to(user).select_related("parent")
    if level:
        qs = qs.filter(level=level)
    if parent_id:
        qs = qs.filter(parent_id=parent_id)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(code__startswith=search))
    return qs.annotate(children_count=Count("children", distinct=True)).order_by("code")


def division_choices(*, user, level: str | None = None):
    """Divisions in scope, plain (no annotations), for form and serializer choices."""
    qs = Division.objects.visible_to(user)
    return qs.filter(level=level) if level else qs


def division_get(*, user, pk: int) -> Division:
    """The division, or Http404 when it does not exist or lies outside the user's scope (or the
    number typed is no key at all: beyond the bigint range PostgreSQL would refuse the query)."""
    if not 0 < pk < 2**63:
        raise Http404
    return get_object_or_404(Division.objects.visible_to(user).select_related("parent"), pk=pk)


def department_list(*, user):
    return Department.objects.visible_to(user).select_related("division")


def user_list(*, user):
    return User.objects.visible_to(user).select_related("division")


def home_counts(*, user) -> dict:
    """The numbers on the home page, in three queries whatever the data size."""
    divisions = Division.objects.visible_to(user).aggregate(
        townships=Count("pk", filter=Q(level=Division.Level.TOWNSHIP)),
        villages=Count("pk", filter=Q(level=Division.Level.VILLAGE)),
    )
    people = User.objects.visible_to(user).filter(is_active=True).aggregate(users=Count("pk"))
    departments = Department.objects.visible_to(user).aggregate(departments=Count("pk"))
    return {**divisions, **people, **departments}


def task_user(user_id: int):
    """The acting user of a task, re-fetched; an inactive or deleted user acts on nothing."""
    return User.objects.select_related("division").filter(pk=user_id, is_active=True).first()
