"""Photos of a visit: resized, turned upright, stripped of metadata; too many pixels refused."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from fieldwork.models import HomeVisit, VisitPhoto
from fieldwork.tests.builders import household, jpeg_bytes, visit

# --- photos -----------------------------------------------------------------------------------


def test_photo_is_resized_turned_upright_and_stripped(tree, cadre):
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: the camera was turned 90°
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (31.0, 52.0, 30.0), 3: "E", 4: (117.0, 15.0, 0.0)}  # GPS
    raw = jpeg_bytes(size=(4000, 3000), exif=exif.tobytes())
    assert Image.open(io.BytesIO(raw)).getexif().get(0x0112) == 6
    h = household(tree.village)
    v, _ = visit(cadre, h, purpose="collect", photos=[SimpleUploadedFile("IMG_0001.HEIC.jpeg", raw)])
    photo = v.photos.get()
    assert photo.image.name.endswith(".jpg")
    with photo.image.open("rb") as handle:
        stored = Image.open(io.BytesIO(handle.read()))
        stored.load()
    assert stored.format == "JPEG"
    assert stored.size == (1200, 1600)  # upright (portrait), long side 1600
    assert dict(stored.getexif()) == {}  # no orientation left to apply, no GPS, no maker
    assert photo.image.size < len(raw)


def test_transparent_png_becomes_a_jpeg_on_white(tree, cadre):
    buffer = io.BytesIO()
    Image.new("RGBA", (30, 20), (0, 0, 0, 0)).save(buffer, "PNG")
    v, _ = visit(
        cadre,
        household(tree.village),
        purpose="collect",
        photos=[SimpleUploadedFile("a.png", buffer.getvalue())],
    )
    with v.photos.get().image.open("rb") as handle:
        stored = Image.open(io.BytesIO(handle.read()))
        assert stored.format == "JPEG" and stored.getpixel((5, 5))[0] > 240


@pytest.mark.parametrize("limit", ["portal", "pillow"])
def test_photo_with_too_many_pixels_is_refused(tree, cadre, monkeypatch, settings, limit):
    if limit == "portal":
        settings.FIELDWORK_PHOTO_MAX_PIXELS = 9_999  # 100 × 100 is one pixel too many
    else:
        monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # Pillow's own bomb guard
    with pytest.raises(ValidationError, match="too many pixels"):
        visit(
            cadre,
            household(tree.village),
            purpose="collect",
            photos=[SimpleUploadedFile("big.jpg", jpeg_bytes((100, 100)))],
        )
    assert not HomeVisit.objects.exists() and not VisitPhoto.objects.exists()
