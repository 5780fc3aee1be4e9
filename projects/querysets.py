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
        targets_in_scope = (
            self._target_model().objects.filter(project=OuterRef("pk")).filter(scope_q(user, "division"))
        )
        return self.filter(Q(scope_q(user, "division")) | Q(Exists(targets_in_scope)))

    def _target_model(self):
        # The model is known through the relation, so this module never imports models.py.
        return self.model._meta.get_field("targets").related_model

    def owned_by_scope_of(self, user):
        """Projects whose owner division lies inside the user's scope (the ones they manage)."""
        return self.filter(scope_q(user, "division"))


class FundLineQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        project_model = self.model._meta.get_field("project").related_model
        return self.filter(project__in=project_model.objects.visible_to(user).values("pk"))


class FundMovementQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        fund_line_model = self.model._meta.get_field("fund_line").related_model
        project_model = fund_line_model._meta.get_field("project").related_model
        return self.filter(fund_line__project__in=project_model.objects.visible_to(user).values("pk"))
