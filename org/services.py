"""Writes of the org app: divisions, departments, users, and the four-eyes rule.

Every function is keyword-only, validates its input with a message that names the field,
and is its own transaction: nothing half-saved survives a refusal.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from org.models import CODE_PATTERN, AccessLog, Department, Division, Role, User
from org.roles import ADMIN_ROLES


def ensure_four_eyes(*, prepared_by, acting, what: str = "", step: str = "approve") -> None:
    """Refuse a check or an approval (``step`` "check" or "approve") by the person who prepared
    the thing (the four-eyes rule).

    The rule is never skipped: a record with nobody recorded as its preparer cannot be checked
    or approved until someone is (code ``no_preparer``), and nobody acting is refused too.
    Raises ValidationError (code ``four_eyes``) naming the rule; callers run it inside their
    transaction before any write.
    """
    what = what or gettext("this record")
    if prepared_by is None or acting is None:
        raise ValidationError(
            gettext(
                "Nobody is recorded as having prepared %(what)s, so it cannot be checked or approved "
                "(four-eyes rule): record who prepared it first."
            )
            % {"what": what},
            code="no_preparer",
        )
    if prepared_by.pk == acting.pk:
        if step == "check":
            message = gettext(
                "%(user)s prepared %(what)s and so cannot check it: another person must (four-eyes rule)."
            )
        else:
            message = gettext(
                "%(user)s prepared %(what)s and so cannot approve it: another person must (four-eyes rule)."
            )
        raise ValidationError(message % {"user": acting.display_name, "what": what}, code="four_eyes")


def division_get_by_code(*, code: str, field: str = "division") -> Division:
    """The division with an administrative code, or a ValidationError naming ``field``."""
    code = (code or "").strip()
    if not CODE_PATTERN.match(code):
        raise ValidationError(
            {
                field: gettext("Administrative code “%(code)s” is malformed: use 2, 4, 6, 9 or 12 digits.")
                % {"code": code}
            }
        )
    try:
        return Division.objects.get(code=code)
    except Division.DoesNotExist:
        raise ValidationError(
            {field: gettext("No division has the administrative code “%(code)s”.") % {"code": code}}
        ) from None


@transaction.atomic
def division_create(*, code: str, name: str, level: str, parent_code: str | None = None) -> Division:
    """Create a division under the parent with ``parent_code``; the code must extend the parent's."""
    parent = division_get_by_code(code=parent_code, field="parent") if parent_code else None
    division = Division(code=(code or "").strip(), name=(name or "").strip(), level=level, parent=parent)
    division.full_clean()
    division.save()
    return division


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: str,
    division_code: str | None,
    full_name: str = "",
    phone: str = "",
    department: Department | None = None,
) -> User:
    """Create a user with a role in a division. Refuses a role without a division, a division of
    the wrong level for the role, an unknown or malformed code, and a weak password."""
    from django.contrib.auth.password_validation import validate_password

    if role and role not in Role.values:
        raise ValidationError({"role": gettext("Unknown role “%(role)s”.") % {"role": role}})
    if role and not division_code:
        raise ValidationError(
            {"division": gettext("A %(role)s must be attached to a division.") % {"role": Role(role).label}}
        )
    division = division_get_by_code(code=division_code) if division_code else None
    user = User(
        username=username,
        full_name=full_name,
        role=role,
        division=division,
        phone=phone,
        department=department,
        is_staff=role in ADMIN_ROLES,
    )
    user.full_clean(exclude=["password"])
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    user.set_password(password)
    user.save()
    return user


def access_log_record(
    *,
    user,
    action: str,
    what: str,
    obj=None,
    rows: int = 0,
    division=None,
    request=None,
    unmasked: bool = False,
    requested_by=None,
) -> AccessLog:
    """Record an unmasked view or a download. Callers log before they answer, in the same
    request; the entry is written even when the surrounding transaction is rolled back.

    ``rows``: the data rows seen or downloaded (records, not headers or totals).
    ``unmasked``: the file held whole ID or bank card numbers; a download is then logged as
    DOWNLOAD_UNMASKED. ``requested_by``: who asked for the file (a job's requester)."""
    if unmasked and action == AccessLog.Action.DOWNLOAD:
        action = AccessLog.Action.DOWNLOAD_UNMASKED
    address = None
    if request is not None:
        address = request.META.get("REMOTE_ADDR") or None
    return AccessLog.objects.create(
        user=user,
        action=action,
        what=what[:200],
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        rows=max(int(rows or 0), 0),
        requested_by=requested_by,
        division=division if division is not None else getattr(user, "division", None),
        address=address,
    )
