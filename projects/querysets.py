"""Scoped querysets of the projects app, all built on the one scoping function (org.scoping).

A project is visible to the users of its owner division (and above), and also to the users
of any division holding one of its targets: a county-wide project split over townships shows
up in each township, which enters progress for its share. Fund lines follow their project.

The project scope is ``pk IN (owned UNION targeted)``: each half is an index lookup narrowed by
the user's division first (the divisions under the scope's code through their code's pattern
index, then their projects or targets through the foreign-key indexes), so its cost follows the
rows in scope, not the size of the database. The former ``owned OR EXISTS(target in scope)``
could only be checked project by project, over every project of every county (issue 17; see
bench/measure_scope.py). Fund lines and movements filter by the same id set directly.
"""

from org.querysets import ScopedQuerySet
from org.scoping import scope_prefix, scope_q

__all__ = ["FundLineQuerySet", "FundMovementQuerySet", "ProjectQuerySet", "ScopedQuerySet"]

EVERYTHING = ""


def visible_project_ids(project_model, user):
    """The ids of the projects ``user`` may see, as a subquery for ``__in``; ``EVERYTHING``
    for a scope that sees every project, ``None`` for one that sees none."""
    prefix = scope_prefix(user)
    if prefix is None or prefix == EVERYTHING:
        return prefix
    target_model = project_model._meta.get_field("targets").related_model
    owned = project_model.objects.filter(scope_q(user, "division")).order_by().values("pk")
    targeted = target_model.objects.filter(scope_q(user, "division")).order_by().values("project_id")
    return owned.union(targeted)


def _by_project(queryset, user, project_model, lookup: str):
    ids = visible_project_ids(project_model, user)
    if ids is None:
        return queryset.none()
    if ids == EVERYTHING:
        return queryset.all()
    return queryset.filter(**{f"{lookup}__in": ids})


class ProjectQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """The projects owned in the user's scope, and those with a target in it."""
        return _by_project(self, user, self.model, "pk")

    def owned_by_scope_of(self, user):
        """Projects whose owner division lies inside the user's scope (the ones they manage)."""
        return self.filter(scope_q(user, "division"))


class FundLineQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        project_model = self.model._meta.get_field("project").related_model
        return _by_project(self, user, project_model, "project_id")


class FundMovementQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        fund_line_model = self.model._meta.get_field("fund_line").related_model
        project_model = fund_line_model._meta.get_field("project").related_model
        return _by_project(self, user, project_model, "fund_line__project_id")
