"""The state-machine helper every status field of the portal uses.

A machine lists its transitions (from which states, to which state, which roles may take it,
and an optional extra check). ``transition`` takes the row lock, checks the current state,
the role and the check, writes the new state with ``save()`` (so the audit history records who
changed what), and returns the fresh object. Two people acting at once: the second waits for
the lock, then finds the state already changed and gets a clear refusal.

A transition's ``check`` is its guard (four-eyes, a notice cleared …), written once in the app's
``permissions.py``. ``available`` runs role, state and guard, so a page offers only the steps
that would succeed; ``blocked`` says why the others are not offered. ``transition`` reads the row
through the user's scope: the caller's scoped queryset, or ``visible_to(user)`` of the model's
manager, never the bare manager; a row outside the scope answers 404.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext

from org.audit import audited_save
from org.roles import has_role, require_role


def in_scope(obj, user) -> bool:
    """Whether the user's scope holds ``obj``: the same reading ``transition`` locks through."""
    return type(obj)._default_manager.visible_to(user).filter(pk=obj.pk).exists()


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple
    target: str
    roles: tuple
    label: str = ""
    #: extra rule, called with (obj, user) under the lock; raises ValidationError to refuse
    check: Callable | None = None


@dataclass
class StateMachine:
    field: str
    transitions: Iterable[Transition]
    _by_name: dict = field(init=False, repr=False)

    def __post_init__(self):
        self.transitions = tuple(self.transitions)
        self._by_name = {t.name: t for t in self.transitions}

    def get(self, name: str) -> Transition:
        return self._by_name[name]

    def refusal(self, obj, user, name: str) -> str | None:
        """Why ``user`` may not take ``name`` on ``obj`` as it is (role, state, the guard), as one
        sentence; None when the step would pass. Writes nothing."""
        try:
            self.check(obj=obj, user=user, name=name)
        except (PermissionDenied, ValidationError) as error:
            return " ".join(getattr(error, "messages", None) or [str(error)]) or gettext(
                "You are not allowed to do this."
            )
        return None

    def allows(self, obj, user, name: str) -> bool:
        return self.refusal(obj, user, name) is None

    def available(self, obj, user) -> list[Transition]:
        """The transitions the user could take now: role, state and the transition's guard all
        pass (for buttons; the service re-checks under the row lock)."""
        state = getattr(obj, self.field)
        return [
            t
            for t in self.transitions
            if state in t.sources and has_role(user, *t.roles) and self.refusal(obj, user, t.name) is None
        ]

    def blocked(self, obj, user) -> dict[str, str]:
        """The steps open from the current state for the user's role that the guard refuses,
        ``{name: reason}`` (the batch's preparer is told another person must check it …).
        Steps of other roles are not listed: they are someone else's work, not a refusal."""
        state = getattr(obj, self.field)
        reasons = {}
        for t in self.transitions:
            if state in t.sources and has_role(user, *t.roles):
                reason = self.refusal(obj, user, t.name)
                if reason is not None:
                    reasons[t.name] = reason
        return reasons

    def check(self, *, obj, user, name: str) -> None:
        """Raise what ``transition`` would raise for ``user`` taking ``name`` on ``obj`` as it is
        (role, state, the transition's own check), without writing anything. A service that
        must do other work before the transition (post a notice …) calls it first."""
        step = self._by_name[name]
        require_role(user, *step.roles)
        state = getattr(obj, self.field)
        if state not in step.sources:
            current = getattr(obj, f"get_{self.field}_display", lambda: state)()
            message = gettext("“%(action)s” is not possible while the record is %(state)s.") % {
                "action": step.label or step.name,
                "state": current,
            }
            raise ValidationError({self.field: ValidationError(message, code="invalid_transition")})
        if step.check is not None:
            step.check(obj, user)

    def transition(self, *, obj, user, name: str, queryset=None, **changes):
        """Take transition ``name`` on ``obj`` as ``user``; ``changes`` are further fields to set
        in the same save (approved_by, reason …). Returns the locked, updated object.

        ``queryset`` is the caller's scoped queryset; without one the row is read through
        ``visible_to(user)`` of the model's manager (never the bare manager).

        Raises Http404 when the row is outside the user's scope (or gone), PermissionDenied when
        the user's role may not take it, ValidationError (code ``invalid_transition``) when the
        current state does not allow it, and whatever the transition's check raises.
        """
        step = self._by_name[name]
        require_role(user, *step.roles)
        model = type(obj)
        with transaction.atomic():
            base = queryset if queryset is not None else model._default_manager.visible_to(user)
            try:
                locked = base.select_for_update().get(pk=obj.pk)
            except model.DoesNotExist:
                raise Http404 from None
            self.check(obj=locked, user=user, name=name)
            setattr(locked, self.field, step.target)
            for key, value in changes.items():
                setattr(locked, key, value)
            audited_save(locked, user=user, update_fields=[self.field, *changes])
        return locked
