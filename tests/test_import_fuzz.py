"""Every import (each job kind registered with a SheetSpec) fed with bad files: wrong types,
missing columns, merged cells, formula text, a million empty rows, a renamed .csv, a zip bomb,
an empty file. Each ends with a clear message and an unchanged database. New imports are
picked up from the job registry as they land."""

import functools

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from common.jobs import job_enqueue, job_kinds, job_run, job_run_task
from common.models import Job
from core.tests.xlsx_files import million_empty_rows, workbook, zip_bomb

IMPORTS = [kind for kind in job_kinds() if kind.spec is not None]
SKIP_MODELS = {
    "common.job",
    "org.accesslog",
    "sessions.session",
    "axes.accessattempt",
    "axes.accessfailurelog",
    "axes.accesslog",
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(job_run_task, "delay", lambda job_id: None)


def _snapshot() -> dict:
    return {
        model._meta.label_lower: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.label_lower not in SKIP_MODELS and not model._meta.proxy
    }


def _headers(spec):
    return [column.header for column in spec.columns]


@functools.cache
def _zip_bomb() -> bytes:
    return zip_bomb(300 * 1024 * 1024)  # over IMPORT_MAX_UNCOMPRESSED_BYTES (200 MB): built once


def _bad_files(spec) -> dict[str, bytes]:
    headers = _headers(spec)
    wrong = ["不是数字" if column.kind != "text" else "=cmd|' /C calc'!A0" for column in spec.columns]
    formula_text = ["=1+1" for _ in spec.columns]
    return {
        "wrong types": workbook([headers, wrong]),
        "missing column": workbook([headers[:-2], wrong[:-2]]),
        "merged cells": workbook([headers, wrong, wrong], merge=(1, 0, 2, 0)),
        "extra title row": workbook([["2026年民生工程台账"], headers, wrong]),
        "formula text": workbook([headers, formula_text]),
        "a million empty rows": million_empty_rows(headers, [str(v) for v in wrong]),
        "renamed csv": ",".join(headers).encode() + b"\n1,2,3\n",
        "zip bomb": _zip_bomb(),
        "empty file": b"",
    }


def _exported_batch(tree, users):
    """A batch sent to the bank, waiting for its result file."""
    import datetime

    from beneficiaries import services
    from beneficiaries.tests.factories import active_enrolment, sent_to_bank, standard
    from org.models import Role
    from org.tests.factories import UserFactory
    from projects.tests.factories import ProjectFactory

    project = ProjectFactory(division=tree.township, code="FZ")
    standard(project=project)
    active_enrolment(project=project, village=tree.village)
    staff, leader = users[Role.TOWNSHIP_STAFF], users[Role.TOWNSHIP_LEADER]
    batch = services.batch_generate(
        user=staff, project=project, division=tree.township, period_start=datetime.date(2026, 3, 1)
    )
    checker = UserFactory(role=Role.TOWNSHIP_STAFF, division=tree.township)
    services.batch_check(user=checker, batch=batch)  # four-eyes: not the preparer
    services.batch_approve(user=leader, batch=batch)
    return sent_to_bank(batch=batch, user=staff)


# The parameters an import needs besides its file (the record it reads the file into).
PARAMS = {"beneficiaries.reconcile": lambda tree, users: {"batch": _exported_batch(tree, users).pk}}


@pytest.mark.parametrize("kind", IMPORTS, ids=lambda k: k.kind)
def test_every_import_refuses_bad_files_and_changes_nothing(tree, users, kind):
    assert IMPORTS, "no import registered a spec"
    admin = users["admin"]
    params = PARAMS[kind.kind](tree, users) if kind.kind in PARAMS else {}
    for name, content in _bad_files(kind.spec).items():
        before = _snapshot()
        with transaction.atomic():
            job = job_enqueue(
                user=admin,
                kind=kind.kind,
                params=params,
                upload=SimpleUploadedFile("导入.xlsx", content),
                division=tree.township,
            )
        job_run(job_id=job.pk)
        job.refresh_from_db()
        assert job.status == Job.Status.FAILED, (name, job.status)
        assert job.message.strip(), name
        assert "KeyError" not in job.message and "internal" not in job.message.lower(), (name, job.message)
        assert _snapshot() == before, name
