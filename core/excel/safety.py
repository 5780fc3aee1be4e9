"""The file-level checks made before any parsing: name, size, magic bytes, and the zip
directory (uncompressed size and compression ratio: no zip bombs)."""

from __future__ import annotations

import io
import os
import zipfile

from django.conf import settings
from django.utils.translation import gettext

from .errors import _refuse

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls, and also every password-protected .xlsx
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
# A worksheet's XML compresses 10-30x, a sheet of empty styled rows up to ~150x; a member
# compressing better than this is a bomb, not a spreadsheet.
MAX_COMPRESSION_RATIO = 400


def _file_name(upload) -> str:
    name = getattr(upload, "name", None) or (str(upload) if isinstance(upload, str | os.PathLike) else "")
    return os.path.basename(str(name))


def _open_binary(upload):
    """A seekable binary file for ``upload`` (a Django File / UploadedFile / FieldFile, a path,
    bytes or an open binary file) and whether we opened it (and must close it)."""
    if isinstance(upload, bytes | bytearray):
        return io.BytesIO(upload), True
    if isinstance(upload, str | os.PathLike):
        return open(upload, "rb"), True
    if hasattr(upload, "open") and getattr(upload, "closed", False):
        upload.open("rb")
    handle = getattr(upload, "file", upload)
    return handle, False


def _file_size(upload, handle) -> int:
    size = getattr(upload, "size", None)
    if isinstance(size, int):
        return size
    position = handle.tell()
    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    handle.seek(position)
    return size


def check_xlsx_file(upload) -> None:
    """The file-level checks that need no parsing: name, size, magic bytes, zip directory
    (uncompressed size and compression ratio). Raises ExcelRefused. Cheap enough for a form's
    ``clean_upload`` so a user hears at once, not from a background job."""
    handle, opened = _open_binary(upload)
    try:
        _check_file(upload, handle)
    finally:
        if opened:
            handle.close()


def _check_file(upload, handle, *, name: str | None = None) -> None:
    """Every file-level check in turn; the first that fails raises ExcelRefused."""
    name = name or _file_name(upload)
    shown = name or gettext("The file")
    _check_extension(name)
    _check_size(upload, handle, shown)
    _check_magic_bytes(handle, shown)
    members = _zip_members(handle, shown)
    _check_unpacked_size(members, shown)


def _check_extension(name: str) -> None:
    if name and not name.lower().endswith(".xlsx"):
        if name.lower().endswith(".xls"):
            _refuse(
                gettext(
                    "“%(name)s” is an old-format Excel file (.xls). Open it in Excel or WPS and save it as an .xlsx workbook."
                ),
                name=name,
            )
        _refuse(
            gettext("“%(name)s” is not an Excel workbook (.xlsx). Download the template and fill it in."),
            name=name,
        )


def _check_size(upload, handle, shown: str) -> None:
    limit = getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)
    size = _file_size(upload, handle)
    if size > limit:
        _refuse(
            gettext(
                "“%(name)s” is %(size)s MB; files up to %(limit)s MB are accepted. Split it into smaller files."
            ),
            name=shown,
            size=round(size / 1024 / 1024, 1),
            limit=round(limit / 1024 / 1024, 1),
        )


def _check_magic_bytes(handle, shown: str) -> None:
    """A zip (what every .xlsx is), not an OLE file (.xls, or an .xlsx with a password)."""
    handle.seek(0)
    magic = handle.read(4)
    handle.seek(0)
    if magic == OLE_MAGIC:
        _refuse(
            gettext(
                "“%(name)s” is an old-format (.xls) or password-protected workbook. Save it as an .xlsx workbook without a password."
            ),
            name=shown,
        )
    if magic != XLSX_MAGIC:
        _refuse(
            gettext(
                "“%(name)s” is not an Excel workbook (.xlsx) even though its name says so; it may be a renamed CSV or text file. Download the template and fill it in."
            ),
            name=shown,
        )


def _zip_members(handle, shown: str) -> list[zipfile.ZipInfo]:
    """The zip's directory, read without unpacking anything; refused unless it holds a workbook."""
    try:
        archive = zipfile.ZipFile(handle)
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        _refuse(gettext("“%(name)s” is damaged and cannot be opened as an Excel workbook."), name=shown)
    finally:
        handle.seek(0)
    names = {member.filename for member in members}
    if "xl/workbook.xml" not in names:
        _refuse(
            gettext("“%(name)s” is not an Excel workbook (it may be a Word or other Office file)."),
            name=shown,
        )
    return members


def _check_unpacked_size(members: list[zipfile.ZipInfo], shown: str) -> None:
    """No zip bomb: the total unpacked size is bounded, and no large member compresses better
    than a spreadsheet can."""
    max_uncompressed = getattr(settings, "IMPORT_MAX_UNCOMPRESSED_BYTES", DEFAULT_MAX_UNCOMPRESSED_BYTES)
    total = sum(member.file_size for member in members)
    bomb = total > max_uncompressed or any(
        member.file_size > 1024 * 1024
        and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
        for member in members
    )
    if bomb:
        _refuse(
            gettext(
                "“%(name)s” unpacks to %(size)s MB, far more than a spreadsheet of this size holds; it is refused as unsafe. Copy the data into the template and try again."
            ),
            name=shown,
            size=round(total / 1024 / 1024),
        )
