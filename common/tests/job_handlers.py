"""Throwaway job handlers for the job tests. Not a test module (the real worker imports it too:
see test_jobs.test_job_runs_in_a_real_worker)."""

import io
import time

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import OperationalError

from common.jobs import JobOutcome, register_job
from core.excel import Column, ExportColumn, SheetSpec, read_xlsx, write_xlsx
from org.models import Department, Role

DEPARTMENT_SPEC = SheetSpec(
    "部门",
    [Column("name", "部门名称", max_length=60), Column("phone", "电话", required=False)],
    max_rows=1000,
)
OFFICE_ROLES = [Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER]
EVERY_ROLE = [*OFFICE_ROLES, Role.VILLAGE_CADRE, Role.COUNTY_REVIEWER, Role.COUNTY_AUDITOR]


@register_job("test.department_import", label="导入部门", roles=OFFICE_ROLES)
def department_import(*, job, user, progress):
    parsed = read_xlsx(job.upload, DEPARTMENT_SPEC, name=job.upload_name)
    parsed.raise_for_errors()
    for done, row in enumerate(parsed.rows, 1):
        if row["name"] == job.params.get("fail_at"):
            raise ValidationError(f"第 {row['_row']} 行：模拟的业务校验失败。")
        Department.objects.create(division=job.division, name=row["name"], phone=row["phone"] or "")
        progress(done, len(parsed.rows))
    return JobOutcome(message=f"{len(parsed.rows)} 个部门已导入。")


@register_job("test.department_export", label="导出部门", roles=EVERY_ROLE)
def department_export(*, job, user, progress):
    departments = Department.objects.visible_to(user).select_related("division").order_by("pk")
    total = departments.count()
    output = io.BytesIO()

    def rows():
        for done, department in enumerate(departments.iterator(chunk_size=500), 1):
            progress(done, total)
            yield department

    write_xlsx(
        output,
        sheet_name="部门",
        columns=[ExportColumn("部门名称", value="name"), ExportColumn("所属区划", value="division.name")],
        rows=rows(),
    )
    return JobOutcome(file_bytes=output.getvalue(), filename="部门导出.xlsx", message="导出完成。")


def gate_key(job_id) -> str:
    return f"test-gate:{job_id}"


@register_job("test.gate", label="等待放行", roles=EVERY_ROLE)
def gate(*, job, user, progress):
    """Reports 40 of 100, writes a department, then waits (up to 60 s) until the test opens
    the gate in the cache: other processes can look at the job in between."""
    progress(40, 100)
    Department.objects.create(division=job.division, name=f"门-{job.pk}")
    deadline = time.monotonic() + 60
    while not cache.get(gate_key(job.pk)):
        if time.monotonic() > deadline:
            raise ValidationError("gate never opened")
        time.sleep(0.05)
    progress(100, 100)
    return JobOutcome(file_bytes=b"gate,done\n", filename="结果.csv", message="ok")


@register_job("test.crash", label="崩溃", roles=EVERY_ROLE)
def crash(*, job, user, progress):
    Department.objects.create(division=job.division, name="半截")
    raise RuntimeError("a bug")


@register_job("test.transient", label="数据库断开", roles=EVERY_ROLE)
def transient(*, job, user, progress):
    raise OperationalError("server closed the connection unexpectedly")


@register_job("test.row_warnings", label="带提示完成", roles=EVERY_ROLE)
def row_warnings(*, job, user, progress):
    return JobOutcome(
        message="done with notes",
        errors=[DEPARTMENT_SPEC.row_error(row=3, key="phone", value="123", message="号码太短。")],
    )
