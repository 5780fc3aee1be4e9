"""The one scoped queryset every model of the portal uses."""

from django.db import models

from org.scoping import scope_q


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows how to narrow itself to what a user may see.

    The model names the path from itself to its Division in ``SCOPE_PATH`` (``""`` for Division
    itself, ``"division"``, ``"enrolment__person__village"`` …). Models whose scope needs more
    than one path subclass this and override :meth:`visible_to`, still building on ``scope_q``.
    """

    def visible_to(self, user):
        """The rows ``user`` may see: a user, or an ``org.scoping.Scope`` (``Scope.of(user)``,
        ``Scope.system(reason)`` for everything). ``None`` sees nothing."""
        return self.filter(scope_q(user, self.model.SCOPE_PATH))
