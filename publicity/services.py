"""Writes of the publicity app. Keyword-only, the user passed in, each its own transaction.

The notice API other apps call (beneficiaries' three-round notice, party hardship aid):

    notice_publish(*, user, kind, division, title, ends_on=None, rows, columns,
                   source=None, stage="", body="", objection_address="", contact_phone="")
        -> PublicNotice

    The period starts when the notice is posted: ``posted_at`` is the server's moment and
    ``starts_on`` its date in Asia/Shanghai (core.clock), never typed by anyone. The day of
    posting is partial and does not count: the period runs at least settings.NOTICE_MIN_DAYS
    full days, so ``ends_on`` is at least the posting date + NOTICE_MIN_DAYS (``None`` = that
    earliest day; a later one may be chosen, an earlier one is refused). The notice may be
    closed from 00:00 of the day after ``ends_on`` (selectors.notice_close_blocking_reason).

    ``columns`` is a list of ``(key, header, mask)``; ``mask`` is one of "" (shown as is),
    "name" (张*), "id_number" (3412**********1234), "phone" (138****1234), "bank_card",
    "birth_date" (the year only).
    ``rows`` is a list of dicts keyed by the column keys. The rows are masked and frozen into
    the notice: what residents see can never be changed afterwards (withdraw and post again).
    ``source`` is the object the notice is posted for: a model instance or
    ``(app_label, model_name, pk)``; find its notices with ``selectors.notices_for_source``.
    Raises ValidationError (an end before the earliest day, division outside the user's scope,
    an unknown mask, a row missing a column) and PermissionDenied (role).

Then ``selectors.notice_is_clear(notice=…)`` / ``notice_blocking_reason(notice=…)`` tell
whether what the notice was posted for may be approved.
"""

import csv
import datetime
import io

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from common.masking import mask_bank_card, mask_birth_date, mask_id_number, mask_name, mask_phone
from core import clock
from org.audit import audited_save
from org.models import Department, Division
from org.roles import FIELD, OFFICE, require_role
from org.scoping import division_in_scope
from publicity import conf
from publicity.models import (
    Activity,
    ActivityPhoto,
    InfoSubmission,
    Objection,
    PublicNotice,
    QuotaReminder,
    Supervisor,
    SupervisorVisit,
    Survey,
    SurveyResponse,
)
from publicity.states import NOTICE, OBJECTION, SUBMISSION
from publicity.validators import validate_photo

MASKS = {
    "": str,
    "name": mask_name,
    "id_number": mask_id_number,
    "phone": mask_phone,
    "bank_card": mask_bank_card,
    "birth_date": mask_birth_date,  # the year only: beside a masked ID number a date rebuilds it
}


def _in_scope(user, division, field="division"):
    if division is None or not division_in_scope(user, division):
        raise ValidationError({field: gettext("This division is not in your scope.")})


def _clean_text(value, *, field, max_length=None, required=False, label=""):
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: gettext("%(field)s is required.") % {"field": label or field}})
    if max_length and len(text) > max_length:
        raise ValidationError(
            {
                field: gettext("At most %(max)d characters (this has %(length)d).")
                % {"max": max_length, "length": len(text)}
            }
        )
    return text


def _photo(value, field):
    if value:
        try:
            validate_photo(value)
        except ValidationError as error:
            raise ValidationError({field: error.messages}) from None
    return value


# --- Info submissions ---------------------------------------------------------------------

SUBMISSION_FIELDS = ("department", "kind", "title", "body", "photo_before", "photo_after", "media_link")


def _submission_validate(submission: InfoSubmission) -> None:
    """What each kind needs: 图说民生 a photo (after, ideally with before), 视听民生 a link,
    the others a text."""
    kind = submission.kind
    if kind == InfoSubmission.Kind.PHOTO_STORY and not submission.photo_after:
        raise ValidationError(
            {"photo_after": gettext("Livelihood in pictures needs at least the “after” photo.")}
        )
    if kind == InfoSubmission.Kind.AUDIOVISUAL and not submission.media_link and not submission.body.strip():
        raise ValidationError(
            {"media_link": gettext("Audiovisual livelihood needs a link or a description.")}
        )
    if kind in InfoSubmission.TEXT_KINDS and not submission.body.strip():
        raise ValidationError({"body": gettext("This kind of submission needs a text.")})


@transaction.atomic
def submission_create(
    *,
    user,
    department: Department,
    kind: str,
    title: str,
    body: str = "",
    photo_before=None,
    photo_after=None,
    media_link: str = "",
) -> InfoSubmission:
    """A draft submission for ``department`` (a unit in the user's scope). Township roles only."""
    require_role(user, *OFFICE)
    if department is None or not Department.objects.visible_to(user).filter(pk=department.pk).exists():
        raise ValidationError({"department": gettext("This unit is not in your scope.")})
    submission = InfoSubmission(
        division=department.division,
        department=department,
        kind=kind,
        title=_clean_text(title, field="title", max_length=120, required=True, label=gettext("Title")),
        body=(body or "").strip(),
        photo_before=_photo(photo_before, "photo_before"),
        photo_after=_photo(photo_after, "photo_after"),
        media_link=(media_link or "").strip(),
        created_by=user,
    )
    submission.full_clean(exclude=["photo_before", "photo_after"])
    _submission_validate(submission)
    audited_save(submission, user=user)
    return submission


@transaction.atomic
def submission_update(*, user, submission: InfoSubmission, **changes) -> InfoSubmission:
    """Edit a draft or returned submission; a submitted or decided one is frozen."""
    require_role(user, *OFFICE)
    locked = InfoSubmission.objects.visible_to(user).select_for_update().get(pk=submission.pk)
    if not locked.is_editable:
        raise ValidationError(
            gettext("A submission that is %(status)s cannot be edited.")
            % {"status": locked.get_status_display()}
        )
    for name, value in changes.items():
        if name not in SUBMISSION_FIELDS:
            raise TypeError(name)
        if name == "department":
            if not Department.objects.visible_to(user).filter(pk=value.pk).exists():
                raise ValidationError({"department": gettext("This unit is not in your scope.")})
            locked.division = value.division
        if name in ("photo_before", "photo_after"):
            if not value:
                continue  # keep the stored photo when no new one is uploaded
            _photo(value, name)
        if name == "title":
            value = _clean_text(value, field="title", max_length=120, required=True, label=gettext("Title"))
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    locked.full_clean(exclude=["photo_before", "photo_after"])
    _submission_validate(locked)
    audited_save(locked, user=user)
    return locked


def _submission_qs(user):
    return InfoSubmission.objects.visible_to(user)


def submission_submit(*, user, submission: InfoSubmission) -> InfoSubmission:
    """Send a draft (or a returned piece after rework) to the livelihood office."""
    _submission_validate(submission)
    return SUBMISSION.transition(
        obj=submission, user=user, name="submit", queryset=_submission_qs(user), submitted_at=timezone.now()
    )


def submission_adopt(*, user, submission: InfoSubmission) -> InfoSubmission:
    """The livelihood office adopts a submitted piece (采用)."""
    return SUBMISSION.transition(
        obj=submission,
        user=user,
        name="adopt",
        queryset=_submission_qs(user),
        decided_by=user,
        decided_at=timezone.now(),
    )


def submission_return(*, user, submission: InfoSubmission, comment: str) -> InfoSubmission:
    """The livelihood office returns a piece for rework (退回) with a comment saying why."""
    comment = _clean_text(
        comment, field="return_comment", max_length=2000, required=True, label=gettext("Comment")
    )
    return SUBMISSION.transition(
        obj=submission,
        user=user,
        name="return",
        queryset=_submission_qs(user),
        return_comment=comment,
        decided_by=user,
        decided_at=timezone.now(),
    )


def submission_publish(*, user, submission: InfoSubmission) -> InfoSubmission:
    """Show an adopted piece in the public column."""
    return SUBMISSION.transition(
        obj=submission, user=user, name="publish", queryset=_submission_qs(user), published_at=timezone.now()
    )


def submission_unpublish(*, user, submission: InfoSubmission) -> InfoSubmission:
    return SUBMISSION.transition(obj=submission, user=user, name="unpublish", queryset=_submission_qs(user))


# --- Quota reminders ----------------------------------------------------------------------


@transaction.atomic
def quota_reminders_create(*, year: int, month: int) -> int:
    """Write one reminder per unit behind its quota for ``month`` (system task, whole county
    tree). Idempotent: a unit reminded for that month is not reminded twice."""
    from publicity.selectors import quota_rows

    reminders = []
    done = set(QuotaReminder.objects.filter(year=year, month=month).values_list("department_id", flat=True))
    for row in quota_rows(departments=Department.objects.filter(is_active=True), year=year, month=month):
        missing = row.behind(month)
        if missing and row.department.pk not in done:
            reminders.append(
                QuotaReminder(
                    division=row.department.division,
                    department=row.department,
                    year=year,
                    month=month,
                    missing=missing,
                )
            )
    # ignore_conflicts: two deliveries of the task at once still write each reminder once
    QuotaReminder.objects.bulk_create(reminders, ignore_conflicts=True)
    return len(reminders)


# --- Activities ---------------------------------------------------------------------------

ACTIVITY_FIELDS = (
    "division",
    "department",
    "kind",
    "title",
    "held_on",
    "place",
    "organisers",
    "audience_estimate",
    "materials_count",
    "materials_description",
    "notes",
)


def _activity_check(user, activity):
    _in_scope(user, activity.division)
    if (
        activity.department_id
        and not Department.objects.visible_to(user).filter(pk=activity.department_id).exists()
    ):
        raise ValidationError({"department": gettext("This unit is not in your scope.")})
    if activity.held_on and activity.held_on > timezone.localdate() + datetime.timedelta(days=366):
        raise ValidationError({"held_on": gettext("The date is more than a year ahead.")})


@transaction.atomic
def activity_create(*, user, photos=(), **fields) -> Activity:
    """Record a publicity activity. Township roles anywhere in their township, village cadres
    for their village only (the scope decides)."""
    require_role(user, *FIELD)
    unknown = set(fields) - set(ACTIVITY_FIELDS)
    if unknown:
        raise TypeError(", ".join(sorted(unknown)))
    activity = Activity(created_by=user, **fields)
    activity.title = _clean_text(
        activity.title, field="title", max_length=120, required=True, label=gettext("Title")
    )
    _activity_check(user, activity)
    activity.full_clean()
    audited_save(activity, user=user)
    for photo in photos or ():
        activity_photo_add(user=user, activity=activity, image=photo)
    return activity


@transaction.atomic
def activity_update(*, user, activity: Activity, **changes) -> Activity:
    require_role(user, *FIELD)
    locked = Activity.objects.visible_to(user).select_for_update().get(pk=activity.pk)
    for name, value in changes.items():
        if name not in ACTIVITY_FIELDS:
            raise TypeError(name)
        setattr(locked, name, value)
    _activity_check(user, locked)
    locked.full_clean()
    audited_save(locked, user=user)
    return locked


@transaction.atomic
def activity_photo_add(*, user, activity: Activity, image, caption: str = "") -> ActivityPhoto:
    require_role(user, *FIELD)
    if not Activity.objects.visible_to(user).filter(pk=activity.pk).exists():
        raise ValidationError({"activity": gettext("This activity is not in your scope.")})
    _photo(image, "image")
    return ActivityPhoto.objects.create(
        activity=activity, image=image, caption=(caption or "").strip()[:120], uploaded_by=user
    )


# --- Public notices -----------------------------------------------------------------------


def _source_fields(source) -> dict:
    if source is None:
        return {"content_type": None, "object_id": ""}
    if isinstance(source, tuple | list):
        app_label, model_name, pk = source
        content_type = ContentType.objects.get_by_natural_key(app_label, model_name.lower())
        return {"content_type": content_type, "object_id": str(pk)}
    return {"content_type": ContentType.objects.get_for_model(source), "object_id": str(source.pk)}


def notice_snapshot(*, rows: list[dict], columns) -> tuple[list[dict], list[list[str]]]:
    """Mask ``rows`` by ``columns`` into the stored form: ([{"key", "header"}], [[cell]])."""
    heads, maskers = [], []
    for position, column in enumerate(columns):
        try:
            key, header, mask = column
        except (TypeError, ValueError):
            raise ValidationError(
                {
                    "columns": gettext("Column %(number)d must be (key, header, mask).")
                    % {"number": position + 1}
                }
            ) from None
        if (mask or "") not in MASKS:
            raise ValidationError(
                {
                    "columns": gettext("Column “%(key)s” has an unknown mask “%(mask)s”.")
                    % {"key": key, "mask": mask}
                }
            )
        heads.append({"key": str(key), "header": str(header)})
        maskers.append((key, MASKS[mask or ""]))
    cells = []
    for number, row in enumerate(rows, start=1):
        missing = [key for key, _ in maskers if key not in row]
        if missing:
            raise ValidationError(
                {
                    "rows": gettext("Row %(number)d has no value for %(keys)s.")
                    % {"number": number, "keys": ", ".join(missing)}
                }
            )
        cells.append([masker("" if row[key] is None else str(row[key])) for key, masker in maskers])
    return heads, cells


def notice_earliest_end(*, posted_on: datetime.date) -> datetime.date:
    """The earliest last day of a notice posted on ``posted_on``: NOTICE_MIN_DAYS full days
    after it (the day of posting does not count)."""
    return posted_on + datetime.timedelta(days=conf.notice_min_days())


def notice_period_error(*, starts_on: datetime.date, ends_on: datetime.date) -> str | None:
    """Why a notice posted on ``starts_on`` may not end on ``ends_on``, or None: it must run
    NOTICE_MIN_DAYS full days after the day of posting. notice_publish (and so the enrolment and
    aid notices, which go through it) and the notice forms ask this; the database's constraint
    holds the same."""
    earliest = notice_earliest_end(posted_on=starts_on)
    if ends_on >= earliest:
        return None
    return gettext(
        "A notice must stay up at least %(min)d full days after the day it is posted: posted on "
        "%(start)s, it ends on %(earliest)s at the earliest, not %(end)s."
    ) % {
        "min": conf.notice_min_days(),
        "start": starts_on.isoformat(),
        "earliest": earliest.isoformat(),
        "end": ends_on.isoformat(),
    }


@transaction.atomic
def notice_publish(
    *,
    user,
    kind: str,
    division: Division,
    title: str,
    rows: list[dict],
    columns,
    ends_on: datetime.date | None = None,
    source=None,
    stage: str = "",
    body: str = "",
    objection_address: str = "",
    contact_phone: str = "",
) -> PublicNotice:
    """Post a notice with a masked, immutable snapshot of ``rows`` (see the module docstring).
    It starts now (the server's clock); ``ends_on`` is its last full day, the earliest by default."""
    require_role(user, *OFFICE)
    _in_scope(user, division)
    posted_at = clock.now()
    starts_on = clock.today()
    if ends_on is None:
        ends_on = notice_earliest_end(posted_on=starts_on)
    too_short = notice_period_error(starts_on=starts_on, ends_on=ends_on)
    if too_short:
        raise ValidationError({"ends_on": too_short})
    heads, cells = notice_snapshot(rows=rows, columns=columns)
    if not objection_address:
        objection_address = gettext("%(division)s livelihood office") % {
            "division": _township_of(division).name
        }
    notice = PublicNotice(
        division=division,
        kind=kind,
        stage=(stage or "").strip(),
        title=_clean_text(title, field="title", max_length=150, required=True, label=gettext("Title")),
        body=(body or "").strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        objection_address=objection_address.strip()[:200],
        contact_phone=(contact_phone or "").strip(),
        columns=heads,
        rows=cells,
        posted_by=user,
        posted_at=posted_at,
        **_source_fields(source),
    )
    notice.full_clean(exclude=["content_type"])
    audited_save(notice, user=user)
    return notice


def _township_of(division: Division) -> Division:
    return division.parent if division.level == Division.Level.VILLAGE and division.parent_id else division


# Headers that carry personal data in a table typed or pasted by hand, and how to mask them.
HEADER_MASKS = [
    (("身份证", "证件", "id number", "id card"), "id_number"),
    (("出生", "生日", "birth"), "birth_date"),
    (("银行卡", "账号", "card"), "bank_card"),
    (("电话", "手机", "phone"), "phone"),
    (("姓名", "户主", "name"), "name"),
]


def mask_for_header(header: str) -> str:
    lowered = header.strip().lower()
    for words, mask in HEADER_MASKS:
        if any(word in lowered for word in words):
            return mask
    return ""


def parse_table(text: str) -> tuple[list, list[dict]]:
    """A table pasted from Excel (tabs) or typed as CSV: first line the headers. Columns whose
    header names personal data (姓名, 身份证号, 电话, 银行卡号) are masked."""
    text = (text or "").strip()
    if not text:
        return [], []
    dialect = "excel-tab" if "\t" in text.splitlines()[0] else "excel"
    lines = list(csv.reader(io.StringIO(text), dialect=dialect))
    headers = [h.strip() for h in lines[0]]
    if any(not h for h in headers):
        raise ValidationError({"table": gettext("Every column of the first line needs a header.")})
    columns = [(f"c{i}", header, mask_for_header(header)) for i, header in enumerate(headers)]
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in line):
            continue
        if len(line) > len(headers):
            raise ValidationError(
                {
                    "table": gettext("Line %(number)d has %(cells)d cells but there are %(headers)d headers.")
                    % {"number": number, "cells": len(line), "headers": len(headers)}
                }
            )
        rows.append({f"c{i}": (line[i].strip() if i < len(line) else "") for i in range(len(headers))})
    return columns, rows


def notice_close(*, user, notice: PublicNotice, upheld: bool = False, note: str = "") -> PublicNotice:
    """Close a notice after its period (from 00:00 Asia/Shanghai of the day after ``ends_on``,
    by the server's clock): "no objection" only when every objection is answered and none was
    upheld; "objection upheld" when one was. The refusals are the transitions' guards
    (publicity.permissions), so the page, the API and the admin give the same answer."""
    return NOTICE.transition(
        obj=notice,
        user=user,
        name="close_upheld" if upheld else "close_clear",
        queryset=PublicNotice.objects.visible_to(user),
        closed_by=user,
        closed_at=clock.now(),
        close_note=(note or "").strip(),
    )


def notice_withdraw(*, user, notice: PublicNotice, reason: str) -> PublicNotice:
    """Take a notice down (wrong data): it never clears; post a corrected one."""
    reason = _clean_text(reason, field="close_note", max_length=2000, required=True, label=gettext("Reason"))
    return NOTICE.transition(
        obj=notice,
        user=user,
        name="withdraw",
        queryset=PublicNotice.objects.visible_to(user),
        closed_by=user,
        closed_at=clock.now(),
        close_note=reason,
    )


def _objection_fields(*, name, contact, text):
    name = _clean_text(name, field="name", max_length=40)
    contact = _clean_text(contact, field="contact", max_length=60)
    text = _clean_text(text, field="text", max_length=2000)
    errors = {}
    if not contact:
        errors["contact"] = gettext("Leave a phone number or an address so the answer can reach you.")
    if len(text) < 5:
        errors["text"] = gettext("Say what is wrong in the notice (at least 5 characters).")
    if errors:
        raise ValidationError(errors)
    return name, contact, text


@transaction.atomic
def objection_file_public(*, notice_id: int, name: str, contact: str, text: str) -> Objection:
    """A resident files an objection on the public site (no login) while the notice is open.
    Rate limiting is the view's job; this refuses a closed notice and empty input."""
    notice = PublicNotice.objects.public().select_for_update().filter(pk=notice_id).first()
    if notice is None:
        raise ValidationError(gettext("This notice does not exist."))
    if not notice.is_open:
        raise ValidationError(
            gettext("The notice period is over (%(start)s to %(end)s); contact %(address)s.")
            % {"start": notice.starts_on, "end": notice.ends_on, "address": notice.objection_address}
        )
    name, contact, text = _objection_fields(name=name, contact=contact, text=text)
    return Objection.objects.create(
        notice=notice,
        channel=Objection.Channel.ONLINE,
        name=name,
        contact=contact,
        text=text,
        received_at=clock.now(),
    )


@transaction.atomic
def objection_record(
    *, user, notice: PublicNotice, channel: str, name: str, contact: str, text: str, received_at=None
) -> Objection:
    """Staff (or the village cadre for a village notice) record an objection received on paper,
    by phone or in person. Accepted after the period too: a letter may arrive late."""
    require_role(user, *FIELD)
    locked = PublicNotice.objects.visible_to(user).select_for_update().filter(pk=notice.pk).first()
    if locked is None:
        raise ValidationError({"notice": gettext("This notice is not in your scope.")})
    if locked.status == PublicNotice.Status.WITHDRAWN:
        raise ValidationError({"notice": gettext("This notice was withdrawn.")})
    if channel not in Objection.Channel.values or channel == Objection.Channel.ONLINE:
        raise ValidationError({"channel": gettext("Choose how the objection was received.")})
    name, contact, text = _objection_fields(name=name, contact=contact, text=text)
    received_at = received_at or clock.now()
    if received_at > clock.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"received_at": gettext("The objection cannot be received in the future.")})
    objection = Objection(
        notice=locked,
        channel=channel,
        name=name,
        contact=contact,
        text=text,
        received_at=received_at,
        recorded_by=user,
    )
    audited_save(objection, user=user)
    return objection


def objection_answer(*, user, objection: Objection, answer: str, outcome: str) -> Objection:
    """Record the answer given to the objector and whether the objection was upheld."""
    answer = _clean_text(answer, field="answer", max_length=4000, required=True, label=gettext("Answer"))
    if outcome not in Objection.Outcome.values:
        raise ValidationError({"outcome": gettext("Choose whether the objection is upheld.")})
    return OBJECTION.transition(
        obj=objection,
        user=user,
        name="answer",
        queryset=Objection.objects.visible_to(user),
        answer=answer,
        outcome=outcome,
        answered_by=user,
        answered_at=clock.now(),
    )


# --- Supervisors --------------------------------------------------------------------------

SUPERVISOR_FIELDS = ("division", "name", "phone", "work_unit", "appointed_on", "is_active")


@transaction.atomic
def supervisor_create(
    *, user, division, name, phone, work_unit="", appointed_on=None, is_active=True
) -> Supervisor:
    require_role(user, *OFFICE)
    _in_scope(user, division)
    supervisor = Supervisor(
        division=division,
        name=(name or "").strip(),
        phone=(phone or "").strip(),
        work_unit=(work_unit or "").strip(),
        appointed_on=appointed_on,
        is_active=is_active,
    )
    supervisor.full_clean()
    audited_save(supervisor, user=user)
    return supervisor


@transaction.atomic
def supervisor_update(*, user, supervisor: Supervisor, **changes) -> Supervisor:
    require_role(user, *OFFICE)
    locked = Supervisor.objects.visible_to(user).select_for_update().get(pk=supervisor.pk)
    for name, value in changes.items():
        if name not in SUPERVISOR_FIELDS:
            raise TypeError(name)
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    _in_scope(user, locked.division)
    locked.full_clean()
    audited_save(locked, user=user)
    return locked


@transaction.atomic
def supervisor_visit_record(
    *, user, supervisor: Supervisor, visited_on, place, opinion="", follow_up=""
) -> SupervisorVisit:
    require_role(user, *OFFICE)
    if not Supervisor.objects.visible_to(user).filter(pk=supervisor.pk).exists():
        raise ValidationError({"supervisor": gettext("This supervisor is not in your scope.")})
    if visited_on and visited_on > timezone.localdate():
        raise ValidationError({"visited_on": gettext("A visit cannot be in the future.")})
    visit = SupervisorVisit(
        supervisor=supervisor,
        visited_on=visited_on,
        place=(place or "").strip(),
        opinion=(opinion or "").strip(),
        follow_up=(follow_up or "").strip(),
        recorded_by=user,
    )
    visit.full_clean()
    audited_save(visit, user=user)
    return visit


# --- Surveys (知晓率 / 满意度) --------------------------------------------------------------


@transaction.atomic
def survey_create(
    *,
    user,
    project,
    division: Division,
    title: str = "",
    awareness_question: str = "",
    satisfaction_question: str = "",
) -> Survey:
    """A survey of ``project`` in ``division`` (the township or the county running it). The
    project must be one the user sees (their own, or a county project with targets in their
    scope). One survey per project and division."""
    from publicity.selectors import survey_project_choices

    require_role(user, *OFFICE)
    _in_scope(user, division)
    if project is None or not survey_project_choices(user=user).filter(pk=project.pk).exists():
        raise ValidationError({"project": gettext("This project is not in your scope.")})
    if Survey.objects.filter(project=project, division=division).exists():
        raise ValidationError(
            {
                "project": gettext("%(division)s already has a survey of %(project)s.")
                % {"division": division.name, "project": project.name}
            }
        )
    survey = Survey(
        project=project,
        division=division,
        title=(title or "").strip()
        or gettext("%(year)s survey: %(project)s") % {"year": project.year, "project": project.name},
        awareness_question=(awareness_question or "").strip() or str(Survey.DEFAULT_AWARENESS),
        satisfaction_question=(satisfaction_question or "").strip() or str(Survey.DEFAULT_SATISFACTION),
        created_by=user,
    )
    survey.full_clean()
    audited_save(survey, user=user)
    return survey


@transaction.atomic
def survey_response_record(
    *,
    user,
    survey: Survey,
    division: Division,
    method: str,
    is_aware: bool,
    satisfaction: str,
    responded_on=None,
    respondent_name: str = "",
    respondent_phone: str = "",
    comment: str = "",
) -> SurveyResponse:
    """Record one resident's answers after a call or a visit. Staff for any village of their
    township, a cadre for their own village; the village must lie under the survey's division."""
    require_role(user, *FIELD)
    if not Survey.objects.visible_to(user).filter(pk=survey.pk).exists():
        raise ValidationError({"survey": gettext("This survey is not in your scope.")})
    _in_scope(user, division)
    if division.level != Division.Level.VILLAGE or not division.code.startswith(survey.division.code):
        raise ValidationError(
            {"division": gettext("Choose a village of %(division)s.") % {"division": survey.division.name}}
        )
    responded_on = responded_on or timezone.localdate()
    if responded_on > timezone.localdate():
        raise ValidationError({"responded_on": gettext("The date cannot be in the future.")})
    response = SurveyResponse(
        survey=survey,
        division=division,
        method=method,
        responded_on=responded_on,
        respondent_name=(respondent_name or "").strip(),
        respondent_phone=(respondent_phone or "").strip(),
        is_aware=bool(is_aware),
        satisfaction=satisfaction,
        comment=(comment or "").strip(),
        recorded_by=user,
    )
    response.full_clean()
    audited_save(response, user=user)
    return response
