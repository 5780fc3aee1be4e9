"""Home visits (入户走访) by village cadres: offline sync by client id, photos, callback answers.

Writes are keyword-only; each function is its own transaction, takes the acting user, checks
role and scope, and refuses bad input with a message naming the field."""

import datetime
import io
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext

from beneficiaries.models import Callback, Enrolment, Household
from beneficiaries.services import callback_record
from fieldwork import selectors
from fieldwork.models import Concern, HomeVisit, VisitCallback, VisitPhoto
from fieldwork.services.checks import _member_for_write, _not_future, _today
from fieldwork.services.concerns import concern_collect
from org.roles import FIELD, require_role
from org.scoping import division_in_scope

PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTOS_PER_VISIT = 9
PHOTO_MAX_SIDE = 1600  # px, the long side of a stored photo
PHOTO_JPEG_QUALITY = 80
PHOTO_MAX_PIXELS = 50_000_000  # a 50-megapixel camera; more would take gigabytes to decode


def _photo_prepare(photo, *, index: int) -> ContentFile:
    """The photo as it is stored: checked (Pillow reads it; not larger than the limit), turned
    upright by its EXIF orientation, at most PHOTO_MAX_SIDE px on its long side, re-encoded
    as JPEG without any metadata (no GPS position, no camera serial). Raises ValidationError
    naming the photo when it is not a picture or too large."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    limit = getattr(settings, "FIELDWORK_PHOTO_MAX_BYTES", PHOTO_MAX_BYTES)
    name = getattr(photo, "name", "") or str(index + 1)
    if photo.size > limit:
        raise ValidationError(
            {
                "photos": gettext("Photo “%(name)s” is %(size)s MB; the limit is %(limit)s MB.")
                % {"name": name, "size": round(photo.size / 1048576, 1), "limit": round(limit / 1048576, 1)}
            }
        )
    try:
        photo.seek(0)
        with Image.open(photo) as image:
            image.verify()
        photo.seek(0)
        with Image.open(photo) as image:
            pixels = getattr(settings, "FIELDWORK_PHOTO_MAX_PIXELS", PHOTO_MAX_PIXELS)
            if image.width * image.height > pixels:
                raise Image.DecompressionBombError(name)
            image.draft("RGB", (PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))  # JPEG: decode at a smaller scale
            upright = ImageOps.exif_transpose(image)
            if upright.mode in ("RGBA", "LA", "P", "PA"):
                rgba = upright.convert("RGBA")
                upright = Image.new("RGB", rgba.size, "white")
                upright.paste(rgba, mask=rgba.getchannel("A"))
            elif upright.mode != "RGB":
                upright = upright.convert("RGB")
            upright.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE), Image.Resampling.LANCZOS)
            output = io.BytesIO()
            upright.save(output, "JPEG", quality=PHOTO_JPEG_QUALITY, optimize=True)
    except Image.DecompressionBombError:
        raise ValidationError(
            {"photos": gettext("“%(name)s” has too many pixels to be a phone photo.") % {"name": name}}
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError({"photos": gettext("“%(name)s” is not a picture.") % {"name": name}}) from None
    finally:
        photo.seek(0)
    stem = Path(name).stem[:80] or f"photo-{index + 1}"
    return ContentFile(output.getvalue(), name=f"{stem}.jpg")


CALLBACK_ANSWERS = ("knew_policy", "received_money", "satisfied")


def _callbacks_check(*, user, household, callbacks) -> list[dict]:
    """The callbacks of a visit, each with its Enrolment: the household's own (or one of its
    members'), each once, answers only when the beneficiary was reached."""

    wanted = [getattr(item.get("enrolment"), "pk", item.get("enrolment")) for item in callbacks]
    found = {
        enrolment.pk: enrolment
        for enrolment in Enrolment.objects.visible_to(user)
        .filter(Q(household=household) | Q(person__household=household))
        .filter(pk__in=[pk for pk in wanted if isinstance(pk, int)])
    }
    checked, seen = [], set()
    for item, pk in zip(callbacks, wanted, strict=True):
        if pk not in found:
            raise ValidationError(
                {"callbacks": gettext("Enrolment %(pk)s is not one of this household's.") % {"pk": pk}}
            )
        if pk in seen:
            raise ValidationError({"callbacks": gettext("Enrolment %(pk)s is answered twice.") % {"pk": pk}})
        seen.add(pk)
        reached = item.get("reached")
        if not isinstance(reached, bool):
            raise ValidationError(
                {
                    "callbacks": gettext("Say whether the beneficiary of enrolment %(pk)s was reached.")
                    % {"pk": pk}
                }
            )
        answers = {key: item.get(key) for key in CALLBACK_ANSWERS}
        if not reached and any(value is not None for value in answers.values()):
            raise ValidationError(
                {
                    "callbacks": gettext(
                        "The beneficiary of enrolment %(pk)s was not reached, so there are no answers."
                    )
                    % {"pk": pk}
                }
            )
        checked.append({"enrolment": found[pk], "reached": reached, **answers})
    return checked


def _yes_no(value) -> str:
    return "—" if value is None else ("是" if value else "否")


def _household_answers(*, user, household, visited_on, answers: dict) -> tuple[list[dict], str]:
    """Answers given for the household as a whole (a phone that had no enrolment list, or an
    older version of the form): one callback for every enrolment of the household active on
    the visit date (the rule of migration 0006). With none, the answers go into the notes."""
    reached = answers.get("reached")
    others = {key: answers.get(key) for key in CALLBACK_ANSWERS}
    if reached is None:
        reached = any(value is not None for value in others.values())
    enrolments = selectors.household_enrolments_on(user=user, household=household, day=visited_on)
    items = [
        {"enrolment": enrolment, "reached": bool(reached), **(others if reached else {})}
        for enrolment in enrolments
    ]
    if items:
        return items, ""
    said = {key: _yes_no(answers.get(key)) for key in ("reached", *CALLBACK_ANSWERS)}
    note = (
        f"【回访】见到本人：{said['reached']}；知晓政策：{said['knew_policy']}；"
        f"收到补助：{said['received_money']}；满意：{said['satisfied']}"
    )
    return [], note


def visit_record(
    *,
    user,
    client_id,
    household,
    visited_on: datetime.date,
    purpose: str,
    notes: str = "",
    photos=(),
    concerns=(),
    callbacks=(),
    callback: dict | None = None,
    member=None,
    today: datetime.date | None = None,
) -> tuple[HomeVisit, bool]:
    """Store a home visit typed (often offline) by a village cadre or township staff, with its
    photos, the concerns raised and, for a callback visit (受益回访), its callbacks.

    Exactly once per ``client_id``: a visit sent again returns the stored one and ``False``
    (nothing else is written: no second photo, concern or callback); the first time ``True``.
    ``concerns`` are dicts with category, description and optionally resident (a Person) and
    is_common. ``callbacks`` are dicts with enrolment (an Enrolment of this household or its
    pk), reached and the answers knew_policy, received_money, satisfied (True/False/None);
    each becomes a beneficiaries ``Callback`` (method visit) through
    ``beneficiaries.services.callback_record``, linked to the visit. ``callback`` (one dict of
    answers for the whole household, as phones without the enrolment list send) is applied
    by ``_household_answers``. Photos are stored resized, upright and without metadata.

    Raises PermissionDenied for roles that do not record, ValidationError naming the field
    for a household outside the user's area, a future date, callbacks on another purpose or
    for another household's enrolment, a photo that is not a picture or too large."""
    require_role(user, *FIELD)
    client_id = _client_uuid(client_id)
    stored = _visit_stored(user=user, client_id=client_id)
    if stored is not None:
        return stored, False
    today = _today(today)
    household = _household_for_write(user, household)
    _not_future(visited_on, field="visited_on", today=today)
    if member is not None:
        member = _member_for_write(user, member)
    if purpose not in HomeVisit.Purpose.values:
        raise ValidationError(
            {"purpose": gettext("“%(value)s” is not a visit purpose.") % {"value": purpose}}
        )
    callbacks, notes = _callbacks_of_visit(
        user=user,
        household=household,
        purpose=purpose,
        visited_on=visited_on,
        notes=(notes or "").strip(),
        callbacks=list(callbacks or ()),
        callback=callback,
    )
    photos = _photos_prepare(list(photos or ()))
    concerns = _concerns_check(list(concerns or ()))
    try:
        with transaction.atomic():
            visit = HomeVisit.objects.create(
                client_id=client_id,
                household=household,
                village=household.village,
                visited_on=visited_on,
                purpose=purpose,
                notes=notes,
                visitor=user,
                member=member,
            )
            _visit_children_store(
                user=user, visit=visit, photos=photos, concerns=concerns, callbacks=callbacks, today=today
            )
    except IntegrityError:
        # The same visit arrived twice at once: the other request stored it.
        stored = _visit_stored(user=user, client_id=client_id)
        if stored is None:
            raise
        return stored, False
    return visit, True


def _client_uuid(client_id) -> uuid.UUID:
    try:
        return uuid.UUID(str(client_id))
    except ValueError:
        raise ValidationError(
            {"client_id": gettext("“%(value)s” is not a UUID.") % {"value": client_id}}
        ) from None


def _household_for_write(user, household) -> Household:
    household_pk = getattr(household, "pk", household)
    found = Household.objects.visible_to(user).select_related("village").filter(pk=household_pk).first()
    if found is None:
        raise ValidationError(
            {"household": gettext("Household %(pk)s is not in your village.") % {"pk": household_pk}}
        )
    return found


def _callbacks_of_visit(*, user, household, purpose, visited_on, notes, callbacks, callback):
    """The checked callbacks of a callback visit, and its notes (answers for the whole household
    without an enrolment list become a line of the notes when nobody in it is enrolled)."""
    if (callbacks or callback) and purpose != HomeVisit.Purpose.CALLBACK:
        raise ValidationError({"callbacks": gettext("Only a callback visit records callback answers.")})
    if callbacks:
        return _callbacks_check(user=user, household=household, callbacks=callbacks), notes
    if callback:
        callbacks, note = _household_answers(
            user=user, household=household, visited_on=visited_on, answers=callback
        )
        return callbacks, f"{notes}\n{note}".strip()
    return [], notes


def _photos_prepare(photos) -> list[ContentFile]:
    if len(photos) > PHOTOS_PER_VISIT:
        raise ValidationError(
            {"photos": gettext("At most %(count)s photos a visit.") % {"count": PHOTOS_PER_VISIT}}
        )
    return [_photo_prepare(photo, index=index) for index, photo in enumerate(photos)]


def _concerns_check(concerns) -> list[dict]:
    for index, item in enumerate(concerns):
        if (
            item.get("category") not in Concern.Category.values
            or not str(item.get("description", "")).strip()
        ):
            raise ValidationError(
                {
                    "concerns": gettext("Concern %(number)s needs a category and a description.")
                    % {"number": index + 1}
                }
            )
    return concerns


def _visit_children_store(*, user, visit, photos, concerns, callbacks, today) -> None:
    """The photos, concerns and callbacks of a new visit, inside its transaction."""
    for photo in photos:
        VisitPhoto.objects.create(visit=visit, image=photo)
    for item in concerns:
        concern_collect(
            user=user,
            village=visit.village,
            category=item["category"],
            description=item["description"],
            resident=item.get("resident"),
            visit=visit,
            is_common=bool(item.get("is_common")),
        )
    for item in callbacks:
        made = callback_record(
            user=user,
            enrolment=item["enrolment"],
            method=Callback.Method.VISIT,
            called_on=visit.visited_on,
            reached=item["reached"],
            today=today,
            **{key: item.get(key) for key in CALLBACK_ANSWERS},
        )
        VisitCallback.objects.create(visit=visit, callback=made, enrolment=item["enrolment"])


def _visit_stored(*, user, client_id) -> HomeVisit | None:
    stored = HomeVisit.objects.filter(client_id=client_id).select_related("village").first()
    if stored is not None and not division_in_scope(user, stored.village):
        raise ValidationError({"client_id": gettext("This visit id is already used.")})
    return stored
