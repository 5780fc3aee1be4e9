"""Public notices: the service API other apps call, masking, immutability, the objection
lifecycle, closing rules, the A4 PDF and the public pages."""

import contextlib
import datetime
import shutil
import subprocess

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core import clock
from org.models import Role
from publicity import selectors, services
from publicity.models import Objection, PublicNotice
from publicity.tests.factories import NoticeFactory, ObjectionFactory

COLUMNS = [
    ("name", "姓名", "name"),
    ("id", "身份证号", "id_number"),
    ("phone", "电话", "phone"),
    ("amount", "金额", ""),
]
ROWS = [
    {"name": "张三丰", "id": "341226195001011234", "phone": "13812345678", "amount": "600.00"},
    {"name": "欧阳修文", "id": "341226196002022345", "phone": "13987654321", "amount": "960.00"},
]


def _publish(user, division, *, days=7, rows=ROWS, at=None, **extra):
    """Post through the service, now or at the aware moment ``at`` (core.clock.travel); the
    period lasts ``days`` full days after the day of posting."""
    with clock.travel(at) if at is not None else contextlib.nullcontext():
        return services.notice_publish(
            user=user,
            kind=PublicNotice.Kind.ENROLMENT,
            division=division,
            title="2026年城乡低保新增对象公示",
            ends_on=clock.today() + datetime.timedelta(days=days),
            rows=rows,
            columns=COLUMNS,
            **extra,
        )


#: a moment whose 7-full-day period is over today: 09:00 Asia/Shanghai ten days ago
def _past():
    return clock.start_of_day(clock.today() - datetime.timedelta(days=10)) + datetime.timedelta(hours=9)


def _aged(user, division, **extra):
    """A notice posted (through the service) ten days ago: its period is over."""
    return _publish(user, division, at=_past(), **extra)


# --- publishing ---------------------------------------------------------------------------


def test_publish_masks_and_snapshots_the_rows(tree, staff):
    notice = _publish(staff, tree.village, source=("org", "division", tree.village.pk), stage="村级初审榜")
    assert notice.columns == [
        {"key": "name", "header": "姓名"},
        {"key": "id", "header": "身份证号"},
        {"key": "phone", "header": "电话"},
        {"key": "amount", "header": "金额"},
    ]
    assert notice.rows == [
        ["张**", "3412**********1234", "138****5678", "600.00"],
        ["欧阳**", "3412**********2345", "139****4321", "960.00"],
    ]
    assert notice.source == tree.village
    assert list(selectors.notices_for_source(source=tree.village)) == [notice]
    assert notice.objection_address  # defaults to the township's livelihood office
    assert notice.history.count() == 1 and notice.history.first().history_user == staff


def test_publish_accepts_a_model_instance_as_source(tree, staff):
    notice = _publish(staff, tree.village, source=tree.village2)
    assert notice.source == tree.village2


@pytest.mark.parametrize("days, ok", [(6, False), (7, True), (15, True)])
def test_period_of_at_least_seven_full_days(tree, staff, days, ok):
    if ok:
        assert _publish(staff, tree.village, days=days).days == days
    else:
        with pytest.raises(ValidationError) as excinfo:
            _publish(staff, tree.village, days=days)
        assert "7" in excinfo.value.message_dict["ends_on"][0]
        assert PublicNotice.objects.count() == 0


def test_database_refuses_a_short_notice_too(tree, staff):
    notice = NoticeFactory.build(division=tree.village, posted_by=staff)
    notice.ends_on = notice.starts_on + datetime.timedelta(days=6)  # 6 full days
    with pytest.raises(IntegrityError), transaction.atomic():
        notice.save()


def test_publish_refuses_out_of_scope_division_and_wrong_roles(tree, users):
    with pytest.raises(ValidationError):
        _publish(users[Role.TOWNSHIP_STAFF], tree.village3)
    for role in (Role.VILLAGE_CADRE, Role.COUNTY_REVIEWER, Role.COUNTY_AUDITOR):
        with pytest.raises(PermissionDenied):
            _publish(users[role], tree.village)
    assert PublicNotice.objects.count() == 0


def test_publish_refuses_bad_columns_and_rows(tree, staff):
    with pytest.raises(ValidationError) as excinfo:
        services.notice_publish(
            user=staff,
            kind="aid",
            division=tree.village,
            title="x",
            rows=[{"a": 1}],
            columns=[("a", "A", "secret")],
        )
    assert "secret" in str(excinfo.value)
    with pytest.raises(ValidationError) as excinfo:
        _publish(staff, tree.village, rows=[{"name": "张三"}])
    assert "Row 1" in str(excinfo.value) or "第 1 行" in str(excinfo.value) or "1" in str(excinfo.value)


def test_posted_notice_is_immutable(tree, staff):
    notice = _publish(staff, tree.village)
    notice.title = "改过的标题"
    with pytest.raises(ValidationError):
        notice.save()
    notice.rows = []
    with pytest.raises(ValidationError):
        notice.save(update_fields=["rows"])
    assert PublicNotice.objects.get(pk=notice.pk).rows[0][0] == "张**"


def test_the_database_refuses_a_changed_notice_too(tree, staff):
    """Below the model: a queryset update cannot rewrite what residents were shown."""
    from django.db import IntegrityError, transaction

    notice = _publish(staff, tree.village)
    for change in ({"rows": []}, {"title": "改过的标题"}, {"ends_on": notice.ends_on.replace(year=2099)}):
        with pytest.raises(IntegrityError, match="cannot be changed"), transaction.atomic():
            PublicNotice.objects.filter(pk=notice.pk).update(**change)
    PublicNotice.objects.filter(pk=notice.pk).update(close_note="期满无异议")  # the closing fields may
    assert PublicNotice.objects.get(pk=notice.pk).rows[0][0] == "张**"


def test_table_pasted_by_hand_is_masked_by_header():
    columns, rows = services.parse_table(
        "姓名\t身份证号\t户主电话\t人口\n李四\t341226198001011111\t13811112222\t3\n"
    )
    assert [c[2] for c in columns] == ["name", "id_number", "phone", ""]
    _heads, cells = services.notice_snapshot(rows=rows, columns=columns)
    assert cells == [["李*", "3412**********1111", "138****2222", "3"]]


# --- objections and closing ---------------------------------------------------------------


def test_objection_lifecycle_and_clearance(tree, staff, leader):
    notice = _aged(staff, tree.village)
    assert not selectors.notice_is_clear(notice=notice)
    with clock.travel(_past() + datetime.timedelta(days=1)):  # while it was up
        objection = services.objection_file_public(
            notice_id=notice.pk, name="王五", contact="13700000000", text="名单有误。"
        )
    assert objection.channel == Objection.Channel.ONLINE and objection.status == Objection.Status.OPEN
    paper = services.objection_record(
        user=staff,
        notice=notice,
        channel=Objection.Channel.PAPER,
        name="",
        contact="东庄村三组",
        text="某户有车有房。",
    )
    assert paper.recorded_by == staff
    # An unanswered objection blocks closing as "no objection".
    with pytest.raises(ValidationError) as excinfo:
        services.notice_close(user=leader, notice=notice)
    assert excinfo.value.error_dict["status"][0].code == "notice_not_clear"
    assert PublicNotice.objects.get(pk=notice.pk).status == PublicNotice.Status.POSTED
    reason = selectors.notice_blocking_reason(notice=notice)
    assert reason and "2" in reason

    services.objection_answer(
        user=leader, objection=objection, answer="经核实名单无误,已电话告知。", outcome="dismissed"
    )
    services.objection_answer(
        user=leader, objection=paper, answer="经入户核实,该户无车。", outcome="dismissed"
    )
    with pytest.raises(ValidationError):  # answered once, the answer stands
        services.objection_answer(user=leader, objection=paper, answer="再答", outcome="upheld")
    closed = services.notice_close(user=leader, notice=notice, note="公示期满无异议")
    assert closed.status == PublicNotice.Status.CLOSED_CLEAR and closed.closed_by == leader
    assert selectors.notice_is_clear(notice=notice)
    assert selectors.notice_blocking_reason(notice=notice) is None
    assert Objection.objects.get(pk=objection.pk).history.first().history_user == leader


def test_cannot_close_before_the_period_ends(tree, staff):
    notice = _publish(staff, tree.village)
    with pytest.raises(ValidationError):
        services.notice_close(user=staff, notice=notice)
    assert "until" in selectors.notice_blocking_reason(notice=notice) or selectors.notice_blocking_reason(
        notice=notice
    )


def test_upheld_objection_closes_as_upheld_never_clear(tree, staff):
    notice = _aged(staff, tree.village)
    objection = services.objection_record(
        user=staff, notice=notice, channel="visit", name="赵六", contact="13600000000", text="此人已去世。"
    )
    services.objection_answer(
        user=staff, objection=objection, answer="属实,已从名单中删除。", outcome="upheld"
    )
    with pytest.raises(ValidationError):
        services.notice_close(user=staff, notice=notice)
    closed = services.notice_close(user=staff, notice=notice, upheld=True)
    assert closed.status == PublicNotice.Status.CLOSED_UPHELD
    assert not selectors.notice_is_clear(notice=notice)


def test_upheld_close_needs_an_upheld_objection(tree, staff):
    notice = _aged(staff, tree.village)
    with pytest.raises(ValidationError):
        services.notice_close(user=staff, notice=notice, upheld=True)


def test_withdrawn_notice_never_clears(tree, staff):
    notice = _publish(staff, tree.village)
    services.notice_withdraw(user=staff, notice=notice, reason="身份证号录入错误")
    assert "withdrawn" in selectors.notice_blocking_reason(notice=notice) or not selectors.notice_is_clear(
        notice=notice
    )
    with pytest.raises(ValidationError):
        services.notice_withdraw(user=staff, notice=notice, reason="again")


def test_auditor_and_cadre_cannot_close_or_answer(tree, users, staff):
    notice = _aged(staff, tree.village)
    objection = ObjectionFactory(notice=notice)
    for role in (Role.COUNTY_AUDITOR, Role.COUNTY_REVIEWER, Role.VILLAGE_CADRE):
        with pytest.raises(PermissionDenied):
            services.notice_close(user=users[role], notice=notice)
        with pytest.raises(PermissionDenied):
            services.objection_answer(user=users[role], objection=objection, answer="x", outcome="dismissed")
    assert Objection.objects.get(pk=objection.pk).status == Objection.Status.OPEN


def test_cadre_records_paper_objection_for_their_village_only(tree, users, staff):
    cadre = users[Role.VILLAGE_CADRE]
    own = _publish(staff, tree.village)
    other = _publish(staff, tree.village2)
    services.objection_record(
        user=cadre, notice=own, channel="paper", name="", contact="一组", text="有异议的内容"
    )
    with pytest.raises(ValidationError):
        services.objection_record(
            user=cadre, notice=other, channel="paper", name="", contact="一组", text="有异议的内容"
        )


@pytest.mark.parametrize(
    "contact, text, field",
    [("", "", "contact"), ("", "名单有误。", "contact"), ("138", "", "text"), ("   ", "   ", "contact")],
)
def test_objection_needs_contact_and_text(tree, staff, contact, text, field):
    notice = _publish(staff, tree.village)
    with pytest.raises(ValidationError) as excinfo:
        services.objection_file_public(notice_id=notice.pk, name="", contact=contact, text=text)
    assert field in excinfo.value.message_dict
    assert Objection.objects.count() == 0


def test_no_online_objection_after_the_period(tree, staff):
    notice = _aged(staff, tree.village)
    with pytest.raises(ValidationError):
        services.objection_file_public(notice_id=notice.pk, name="", contact="138", text="太晚了的异议")
    # A letter that arrives late is still recorded by staff.
    services.objection_record(
        user=staff, notice=notice, channel="paper", name="", contact="138", text="迟到的信件异议"
    )


# --- PDF ----------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils missing")
def test_pdf_is_a4_with_an_embedded_cjk_font_and_masked_data(tree, staff, client, tmp_path):
    notice = _publish(staff, tree.village, contact_phone="0558-1234567")
    client.force_login(staff)
    response = client.get(reverse("publicity:notice-pdf", args=[notice.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "notice.pdf"
    path.write_bytes(response.content)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk, fonts
    assert all(" yes " in line for line in cjk), fonts  # embedded (emb column)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "595.28 x 841.89" in info or "A4" in info, info
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "张**" in text and "3412**********1234" in text
    assert "341226195001011234" not in text and "张三丰" not in text
    # the objection address, the hotline and the period
    assert notice.objection_address.split()[0] in text and "0558-12345" in text
    assert f"{notice.ends_on.year}年{notice.ends_on.month}月{notice.ends_on.day}日" in text


# --- public pages and public API ----------------------------------------------------------


def test_public_notice_page_is_masked_and_escaped(tree, staff, client):
    rows = [
        {
            "name": "<script>alert(1)</script>",
            "id": "341226195001011234",
            "phone": "13812345678",
            "amount": "1",
        }
    ]
    notice = _publish(staff, tree.village, rows=rows, body="<b>加粗</b><img src=x onerror=alert(1)>")
    body = client.get(reverse("column:notice", args=[notice.pk])).content.decode()
    assert "<script>alert(1)" not in body and "&lt;" in body
    assert "<img src=x" not in body and "&lt;b&gt;" in body
    assert "341226195001011234" not in body and "3412**********1234" in body
    assert reverse("column:objection", args=[notice.pk]) in body


def test_public_column_lists_current_notices_only(tree, staff, client):
    current = _publish(staff, tree.village)
    old = _aged(staff, tree.village2)
    withdrawn = _publish(staff, tree.village2)
    services.notice_withdraw(user=staff, notice=withdrawn, reason="错误")
    body = client.get("/").content.decode()
    assert current.title in body
    assert reverse("column:notice", args=[old.pk]) not in body
    assert reverse("column:notice", args=[withdrawn.pk]) not in body
    assert client.get(reverse("column:notice", args=[withdrawn.pk])).status_code == 404
    assert "0558-12345" in body  # the supervision hotline


def test_public_pages_link_to_nothing_private(tree, staff, client):
    import re

    notice = _publish(staff, tree.village)
    for url in [
        "/",
        reverse("column:notice", args=[notice.pk]),
        reverse("column:objection", args=[notice.pk]),
    ]:
        body = client.get(url).content.decode()
        for href in re.findall(r'href="([^"]+)"', body):
            assert not href.startswith(("/publicity/", "/admin/", "/home/", "/api/", "/org/")), (url, href)


def test_public_objection_form_files_and_thanks(tree, staff, client):
    notice = _publish(staff, tree.village)
    url = reverse("column:objection", args=[notice.pk])
    response = client.post(url, {"name": "", "contact": "13700001111", "text": "<script>x</script>名单有误"})
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert objection.text == "<script>x</script>名单有误"  # stored as typed, shown escaped
    client.force_login(staff)
    body = client.get(reverse("publicity:notice-detail", args=[notice.pk])).content.decode()
    assert "&lt;script&gt;x&lt;/script&gt;" in body and "<script>x</script>" not in body


def test_public_objection_with_nothing_says_what_is_missing(tree, staff, client):
    notice = _publish(staff, tree.village)
    response = client.post(
        reverse("column:objection", args=[notice.pk]), {"name": "", "contact": "", "text": ""}
    )
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"contact", "text"}
    assert Objection.objects.count() == 0


def test_objections_are_rate_limited_per_address_and_nothing_valid_is_lost(tree, staff, client, settings):
    notice = _publish(staff, tree.village)
    url = reverse("column:objection", args=[notice.pk])
    statuses = [
        client.post(url, {"contact": "137", "text": f"第{i}条异议内容"}, REMOTE_ADDR="10.0.0.1").status_code
        for i in range(100)
    ]
    limit = settings.OBJECTION_RATE_LIMIT[0] if hasattr(settings, "OBJECTION_RATE_LIMIT") else 5
    assert statuses[:limit] == [302] * limit
    assert set(statuses[limit:]) == {429}
    assert Objection.objects.count() == limit  # every accepted one is kept, the rest refused
    refused = client.post(url, {"contact": "137", "text": "再来一条"}, REMOTE_ADDR="10.0.0.1")
    assert "wait" in refused.content.decode() or "一分钟后再试" in refused.content.decode()
    # Another address is not affected.
    assert (
        client.post(url, {"contact": "137", "text": "另一个地址"}, REMOTE_ADDR="10.0.0.2").status_code == 302
    )


def test_public_api_shows_current_notices_masked_without_objections(tree, staff):
    notice = _publish(staff, tree.village)
    ObjectionFactory(notice=notice, name="王五", contact="13700000000")
    api = APIClient()
    response = api.get("/api/v1/public/notices/")
    assert response.status_code == 200
    data = response.json()["results"]
    assert [row["id"] for row in data] == [notice.pk]
    text = response.content.decode()
    assert "341226195001011234" not in text and "张三丰" not in text and "13700000000" not in text
    assert "objections" not in data[0] and "posted_by" not in data[0]
    assert api.post("/api/v1/public/notices/", {}).status_code in (401, 403, 405)


def test_public_column_shows_the_years_projects_with_progress(tree, client):
    from decimal import Decimal

    from projects.tests.factories import ProgressFactory, project_with_targets

    _project, _top, children = project_with_targets(
        tree, quantity="100", name="城乡低保", year=timezone.localdate().year
    )
    ProgressFactory(target=children[0], month=timezone.localdate().replace(day=1), actual=Decimal("30"))
    body = client.get("/").content.decode()
    assert "城乡低保" in body and "30.00%" in body and 'style="width: 30%"' in body
