"""The state-machine helper every status field of the portal uses.

A machine lists its transitions (from which states, to which state, which roles may take it,
and an optional extra check). ``transition`` takes the row lock, checks the current state,
the role and the check, writes the new state with ``save()`` (so the audit history records who
changed what), and returns the fresh object. Two people acting at once: the second waits for
the lock, then finds the state already changed and gets a clear refusal.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from org.audit import audited_save
from org.roles import has_role, require_role


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

    def available(self, obj, user) -> list[Transition]:
        """The transitions the user could take now (for buttons; the service re-checks)."""
        state = getattr(obj, self.field)
        return [t for t in self.transitions if state in t.sources and has_role(user, *t.roles)]

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

        Raises PermissionDenied when the user's role may not take it, ValidationError (code
        ``invalid_transition``) when the current state does not allow it, and whatever the
        transition's check raises.
        """
        step = self._by_name[name]
        require_role(user, *step.roles)
        model = type(obj)
        with transaction.atomic():
            base = queryset if queryset is not None else model._default_manager
            locked = base.select_for_update().get(pk=obj.pk)
            self.check(obj=locked, user=user, name=name)
            setattr(locked, self.field, step.target)
            for key, value in changes.items():
                setattr(locked, key, value)
            audited_save(locked, user=user, update_fields=[self.field, *changes])
        return locked
