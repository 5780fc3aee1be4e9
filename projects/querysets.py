"""Scoped querysets of the projects app, all built on the one scoping function (org.scoping).

A project is visible to the users of its owner division (and above), and also to the users
of any division holding one of its targets: a county-wide project split over townships shows
up in each township, which enters progress for its share. Fund lines follow their project.
"""

from django.db.models import Exists, OuterRef, Q

from org.querysets import ScopedQuerySet
from org.scoping import scope_prefix, scope_q

__all__ = ["FundLineQuerySet", "FundMovementQuerySet", "ProjectQuerySet", "ScopedQuerySet"]


class ProjectQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        prefix = scope_prefix(user)
        if prefix is None:
            return self.none()
        if prefix == "":
            return self.all()
        from projects.models import Target

        targets_in_scope = Target.objects.filter(project=OuterRef("pk")).filter(scope_q(user, "division"))
        return self.filter(Q(scope_q(user, "division")) | Q(Exists(targets_in_scope)))

    def owned_by_scope_of(self, user):
        """Projects whose owner division lies inside the user's scope (the ones they manage)."""
        return self.filter(scope_q(user, "division"))


class FundLineQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        from projects.models import Project

        return self.filter(project__in=Project.objects.visible_to(user).values("pk"))


class FundMovementQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        from projects.models import Project

        return self.filter(fund_line__project__in=Project.objects.visible_to(user).values("pk"))
