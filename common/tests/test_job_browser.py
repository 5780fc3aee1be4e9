"""The job page in Chromium at phone width: the bar moves by HTMX polling, stops when done."""

import pytest
from django.core.cache import cache
from django.db import connection

from common.jobs import _progress_key
from common.models import Job
from common.tests import job_handlers  # noqa: F401  (registers the kinds: their labels show)
from org.models import Role
from tests.browser import PHONE, chromium, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_job_page_polls_until_done_on_a_phone(live_server, users, settings):
    staff = users[Role.TOWNSHIP_STAFF]
    failed = Job.objects.create(
        kind="test.department_import",
        created_by=staff,
        division=staff.division,
        status=Job.Status.FAILED,
        upload_name="2026年目标任务（城关镇）.xlsx",
        message="3 errors in the file; nothing was imported. Correct them and upload the file again.",
        errors=[
            {
                "row": 7,
                "column": "C",
                "header": "单位",
                "value": "吨",
                "message": "“吨” is not one of 例, 人, 所, 平方米, 万元.",
            },
            {
                "row": 9,
                "column": "D",
                "header": "金额（元）",
                "value": "12.345",
                "message": "12.345 has more than 2 decimal places; amounts are in yuan with at most 2.",
            },
            {
                "row": 12,
                "column": "A",
                "header": "项目名称",
                "value": "",
                "message": "This cell is required.",
            },
        ],
        error_count=3,
    )
    running = Job.objects.create(
        kind="test.department_export", created_by=staff, division=staff.division, status=Job.Status.RUNNING
    )
    cache.set(_progress_key(running.pk), {"done": 420, "total": 1000}, 60)
    with chromium() as browser:
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        page = context.new_page()
        errors = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        login(page, live_server.url, "staff", settings.DEMO_PASSWORD)

        page.goto(f"{live_server.url}/jobs/{failed.pk}/")
        assert page.locator("h1").inner_text() == "导入部门"
        assert page.locator("#job-status ol li").count() == 3 and page.locator("table").is_hidden()
        assert (
            "第 7 行" in page.locator("#job-status ol li").first.inner_text()
            or "Row 7" in page.locator("#job-status ol li").first.inner_text()
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "job-failed-phone")

        page.goto(f"{live_server.url}/jobs/{running.pk}/")
        assert page.locator(".progress-bar").inner_text() == "42%"
        screenshot(page, "job-running-phone")
        cache.set(_progress_key(running.pk), {"done": 700, "total": 1000}, 60)
        page.locator(".progress-bar", has_text="70%").wait_for(timeout=5000)
        Job.objects.filter(pk=running.pk).update(
            status=Job.Status.DONE,
            processed=1000,
            total=1000,
            message="导出完成。",
            result="jobs/x/result.xlsx",
            result_name="部门导出.xlsx",
        )
        # Inside Playwright's sync API the ORM has a connection of its own: close it.
        connection.close()
        page.locator("a.btn", has_text="部门导出.xlsx").wait_for(timeout=5000)
        assert page.locator("#job-status[hx-trigger]").count() == 0  # polling stopped
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "job-done-phone")
        assert [e for e in errors if "Content Security Policy" in e] == []
        context.close()
