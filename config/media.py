"""Files under MEDIA_URL, served only after asking who may see the record that holds them.

There is no static serving of /media/ in any mode (development included): photos, site
documents and generated files hold personal data or lie in someone's scope. Every stored file
belongs to a kind below, found by the start of its storage name; the file is served when a
record of that kind holding it is visible to the user (the model's ``visible_to``, the same
rule as its pages), or is public (published on the public column) for a kind that has public
rows. Files with a checked and logged download of their own (a job's result and upload, a
monthly report's .xlsx and PDF) are never served here; neither is anything no kind names.
Not yours, not public, unknown or missing: 404, the same answer for all.

A new FileField must name its kind here: tests/test_job_ownership.py fails otherwise.
"""

import mimetypes
import posixpath
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Q
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET


@dataclass(frozen=True)
class MediaKind:
    prefix: str  # start of the storage name (the field's upload_to)
    model: str  # "app_label.ModelName"
    fields: tuple
    #: False: the file has its own checked, logged download and is never served under /media/
    served: bool = True
    #: filter of the rows anyone may see (no login): only for what the public column shows, and
    #: only for files that hold no unmasked personal data
    public: dict | None = None


MEDIA_KINDS = [
    # Own downloads: common.views.job_download (requester only, logged), reports.views.report_file.
    MediaKind("jobs/", "common.Job", ("upload", "result"), served=False),
    MediaKind("reports/", "reports.MonthlyReport", ("xlsx", "pdf"), served=False),
    # Home-visit photos (inside households): whoever may see the visit.
    MediaKind("visits/", "fieldwork.VisitPhoto", ("image",)),
    # The six controls' documents of a construction site: whoever may see the site.
    MediaKind("projects/sites/", "projects.SiteControl", ("document",)),
    # Before/after photos of an information submission: public once published (the public
    # column shows them; they are pictures of works, not lists of people), else scoped.
    MediaKind(
        "publicity/infosubmission/",
        "publicity.InfoSubmission",
        ("photo_before", "photo_after"),
        public={"status": "published"},
    ),
    # Photos of a publicity activity: shown on the officers' pages only.
    MediaKind("publicity/activityphoto/", "publicity.ActivityPhoto", ("image",)),
]


INLINE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf"}


def media_kind_for(name: str) -> MediaKind | None:
    return next((kind for kind in MEDIA_KINDS if name.startswith(kind.prefix)), None)


def media_visible(*, user, name: str) -> bool:
    """Whether ``user`` (anonymous included) may fetch the stored file ``name``."""
    kind = media_kind_for(name)
    if kind is None or not kind.served:
        return False
    manager = apps.get_model(kind.model)._default_manager
    holds = Q()
    for field in kind.fields:
        holds |= Q(**{field: name})
    if kind.public is not None and manager.filter(holds, **kind.public).exists():
        return True
    if user is None or not user.is_authenticated:
        return False
    return manager.visible_to(user).filter(holds).exists()


@require_GET
def media_file(request, path: str):
    name = posixpath.normpath(path).lstrip("/")
    if name != path or name.startswith(".") or "\\" in name:
        raise Http404
    if not media_visible(user=request.user, name=name):
        raise Http404
    from django.core.files.storage import default_storage

    try:
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    # Pictures and PDFs open in the browser; anything else (an uploaded .html or .svg would run
    # in the portal's origin) is a download.
    response = FileResponse(handle, content_type=content_type, as_attachment=content_type not in INLINE_TYPES)
    response["Cache-Control"] = "private, no-store" if request.user.is_authenticated else "no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    return response
