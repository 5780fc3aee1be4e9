"""Upload checks: a photo is judged by its content (Pillow), never by its name or extension."""

import uuid
import warnings
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext

from publicity import conf

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


def validate_photo(upload) -> None:
    """Refuse files over PHOTO_MAX_BYTES and anything Pillow does not read as a photo."""
    from PIL import Image

    if upload is None:
        return
    limit = conf.photo_max_bytes()
    name = PurePath(getattr(upload, "name", "") or "").name
    if upload.size > limit:
        raise ValidationError(
            gettext("“%(name)s” is %(size)s; a photo may be at most %(limit)s.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="photo_too_large",
        )
    position = upload.tell() if hasattr(upload, "tell") else 0
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                image_format = image.format
                image.verify()
    except Exception:  # Pillow raises many kinds; any of them means "not a photo we can show"
        raise ValidationError(
            gettext("“%(name)s” is not a photo (JPEG, PNG, WebP or GIF).") % {"name": name},
            code="not_an_image",
        ) from None
    finally:
        upload.seek(position)
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(
            gettext("“%(name)s” is not a photo (JPEG, PNG, WebP or GIF).") % {"name": name},
            code="not_an_image",
        )


def photo_path(instance, filename) -> str:
    """Unguessable names: a photo's URL must not lead to its neighbours."""
    return f"publicity/{instance._meta.model_name}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()[:6]}"
