"""Audit history (django-simple-history tables) of a record or of a period, for auditors.

Each kind names a selector of its owning app; the history rows are those of the records that
selector lets the user see, so scope applies exactly as on the pages. Encrypted columns and
their blind indexes are never exported.
"""

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.excel import ExportColumn, OutKind


@dataclass(frozen=True)
class HistoryKind:
    key: str
    label: object
    queryset: Callable  # (user) -> the owning app's scoped queryset


def _projects(user):
    from projects import selectors

    return selectors.project_list(user=user, today=timezone.localdate())


def _targets(user):
    from projects import selectors

    return selectors.target_list(user=user)


def _progress(user):
    from projects import selectors

    return selectors.progress_list(user=user)


def _fund_lines(user):
    from projects import selectors

    return selectors.fund_line_list(user=user)


def _fund_movements(user):
    from projects import selectors

    return selectors.fund_movement_list(user=user)


def _persons(user):
    from beneficiaries import selectors

    return selectors.person_list(user=user)


def _reports(user):
    from reports import selectors

    return selectors.monthly_report_list(user=user, current_only=False)


KINDS = [
    HistoryKind("project", _("Livelihood projects"), _projects),
    HistoryKind("target", _("Targets"), _targets),
    HistoryKind("progress", _("Progress reports"), _progress),
    HistoryKind("fund_line", _("Fund lines"), _fund_lines),
    HistoryKind("fund_movement", _("Fund movements"), _fund_movements),
    HistoryKind("person", _("Persons"), _persons),
    HistoryKind("monthly_report", _("Monthly reports"), _reports),
]
HIDDEN_SUFFIXES = ("_cipher", "_index", "_search")
CHANGE_LABELS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}

COLUMNS = [
    ExportColumn("时间", width=20, value="at"),
    ExportColumn("操作人", value="user"),
    ExportColumn("操作", value="change"),
    ExportColumn("记录类型", value="kind"),
    ExportColumn("记录编号", OutKind.INTEGER, value="object_id"),
    ExportColumn("记录", width=30, value="record"),
    ExportColumn("变更内容", width=80, value="changes"),
]


def kind_get(key: str) -> HistoryKind:
    for kind in KINDS:
        if kind.key == key:
            return kind
    raise ValidationError({"kind": gettext("Unknown record type “%(kind)s”.") % {"kind": key}})


def kind_label(key: str) -> str:
    return str(kind_get(key).label)


def history_rows(
    *,
    user,
    kind: str,
    object_id=None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> Iterator[dict]:
    """The changes (oldest first per record) with the fields that changed, before → after."""
    chosen = kind_get(kind)
    base = chosen.queryset(user)
    model = base.model
    visible = base.values("pk")
    history = model.history.filter(id__in=visible)
    if object_id:
        try:
            history = history.filter(id=int(object_id))
        except (TypeError, ValueError):
            raise ValidationError(
                {"object_id": gettext("“%(value)s” is not a record number.") % {"value": object_id}}
            ) from None
    if date_from:
        history = history.filter(history_date__date__gte=date_from)
    if date_to:
        history = history.filter(history_date__date__lte=date_to)
    fields = [
        f.attname
        for f in model._meta.concrete_fields
        if not f.attname.endswith(HIDDEN_SUFFIXES) and f.attname != "snapshot"
    ]
    previous_by_id: dict = {}
    for record in (
        history.select_related("history_user")
        .order_by("id", "history_date", "history_id")
        .iterator(chunk_size=2000)
    ):
        before = previous_by_id.get(record.id)
        changes = []
        for name in fields:
            after_value = getattr(record, name, None)
            if before is None:
                if record.history_type == "+" and after_value not in (None, ""):
                    changes.append(f"{name}={after_value}")
            elif getattr(before, name, None) != after_value:
                changes.append(f"{name}: {getattr(before, name, None)} → {after_value}")
        previous_by_id[record.id] = record
        yield {
            "at": timezone.localtime(record.history_date).strftime("%Y-%m-%d %H:%M:%S"),
            "user": str(record.history_user) if record.history_user_id else "",
            "change": str(CHANGE_LABELS.get(record.history_type, record.history_type)),
            "kind": str(chosen.label),
            "object_id": record.id,
            "record": _record_name(record),
            "changes": "; ".join(changes),
        }


def _record_name(record) -> str:
    for name in ("name", "code"):
        value = getattr(record, name, None)
        if value:
            return str(value)
    return f"#{record.id}"
