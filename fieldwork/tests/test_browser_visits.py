"""The visit form offline, in Debian's Chromium at 375 px: cut the network, fill in a visit,
reload (the draft survives), save (it waits on the phone), reload (the queue survives), restore
the network and find the visit stored once, even when the phone sends it again."""

import io
import json

import pytest
from PIL import Image

from beneficiaries.models import Household
from beneficiaries.tests.factories import person
from fieldwork.models import Concern, HomeVisit
from tests.browser import PHONE, chromium, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buffer, "PNG")
    return buffer.getvalue()


def test_visit_typed_offline_is_kept_and_stored_once(live_server, tree, users, settings):
    household = Household.objects.create(village=tree.village, number="0007", address="东庄村3组")
    household.head = person(village=tree.village, name="张三丰", household=household)
    household.save(update_fields=["head"])
    with chromium() as browser:
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        page = context.new_page()
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        login(page, live_server.url, "cadre", settings.DEMO_PASSWORD)
        form = f"{live_server.url}/partycare/visits/new/"
        page.goto(form)
        page.wait_for_function(
            "() => navigator.serviceWorker && navigator.serviceWorker.ready.then(() => true)"
        )
        page.reload()
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        page.wait_for_function("() => localStorage.getItem('visit-households:cadre') !== null")

        context.set_offline(True)
        page.fill("#household-search", "zsf")
        page.click(".household-option")
        page.select_option("#purpose", "collect")
        page.fill("#notes", "老人腿脚不便，想办残疾证")
        page.click("#add-concern")
        page.select_option(".concern-category", "livelihood")
        page.fill(".concern-description", "残疾证办理")
        page.set_input_files(
            "#photos", files=[{"name": "door.png", "mimeType": "image/png", "buffer": png()}]
        )
        page.wait_for_function("() => document.getElementById('photo-count').textContent.includes('1')")

        page.reload()  # offline: the service worker answers with the cached form
        assert page.input_value("#notes") == "老人腿脚不便，想办残疾证"
        assert page.input_value(".concern-description") == "残疾证办理"
        assert "张三丰" in page.text_content("#household-chosen")
        page.click("#save-visit")
        page.wait_for_function("() => document.getElementById('queue-count').textContent === '1'")
        page.reload()
        page.wait_for_function("() => document.getElementById('queue-count').textContent === '1'")
        assert page.input_value("#notes") == ""
        screenshot(page, "partycare-visit-offline-phone")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert not HomeVisit.objects.exists()

        context.set_offline(False)
        page.wait_for_function(
            "() => document.getElementById('queue-count').textContent === '0'", timeout=20000
        )
        visit = HomeVisit.objects.get()
        assert visit.notes == "老人腿脚不便，想办残疾证" and visit.photos.count() == 1
        assert Concern.objects.get().description == "残疾证办理"

        # The phone sends the same visit twice more (a lost answer, a second tab): stored once.
        statuses = page.evaluate(
            """async (body) => {
                const token = document.cookie.split('; ').find(c => c.startsWith('csrftoken=')).split('=')[1];
                const codes = [];
                for (let i = 0; i < 2; i++) {
                    const r = await fetch('/api/v1/home-visits/', {method: 'POST', body: JSON.stringify(body),
                        headers: {'Content-Type': 'application/json', 'X-CSRFToken': token}});
                    codes.push(r.status);
                }
                return codes;
            }""",
            {
                "client_id": str(visit.client_id),
                "household": household.pk,
                "visited_on": str(visit.visited_on),
                "purpose": "collect",
            },
        )
        assert statuses == [200, 200]
        assert HomeVisit.objects.count() == 1 and Concern.objects.count() == 1
        assert [e for e in errors if "Content Security Policy" in e] == [], json.dumps(errors)
        context.close()


def test_callback_visit_chooses_enrolments_offline(live_server, tree, users, settings):
    """The enrolments come with the household list, so the cadre picks them with no network;
    the visit sent later records one beneficiaries Callback per enrolment ticked."""
    import datetime

    from beneficiaries.models import Callback, Enrolment
    from projects.tests.factories import ProjectFactory

    household = Household.objects.create(village=tree.village, number="0008", address="东庄村5组")
    household.head = person(village=tree.village, name="王大山", household=household)
    household.save(update_fields=["head"])
    wife = person(village=tree.village, name="刘小花", household=household)
    bare = Household.objects.create(village=tree.village, number="0009")
    bare.head = person(village=tree.village, name="孙无项", household=bare)
    bare.save(update_fields=["head"])
    enrolments = {}
    for who, name, code in ((household.head, "农村低保", "DB"), (wife, "高龄津贴", "GL")):
        enrolments[code] = Enrolment.objects.create(
            project=ProjectFactory(division=tree.township, name=name, code=code),
            person=who,
            village=tree.village,
            status=Enrolment.Status.ACTIVE,
            applied_on=datetime.date(2025, 12, 1),
            active_from=datetime.date(2026, 1, 1),
        )
    with chromium() as browser:
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        page = context.new_page()
        login(page, live_server.url, "cadre", settings.DEMO_PASSWORD)
        page.goto(f"{live_server.url}/partycare/visits/new/")
        page.wait_for_function(
            "() => navigator.serviceWorker && navigator.serviceWorker.ready.then(() => true)"
        )
        page.reload()
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        page.wait_for_function(
            "() => (localStorage.getItem('visit-households:cadre') || '').includes('enrolments')"
        )

        context.set_offline(True)
        # a household the phone knows no enrolment of: one set of answers for the household
        page.fill("#household-search", "swx")
        page.click(".household-option")
        page.select_option("#purpose", "callback")
        assert page.is_visible("#callback-household") and page.is_hidden("#callback-choice")
        screenshot(page, "partycare-visit-callback-household-phone")
        page.fill("#household-search", "wds")
        page.click(".household-option")
        assert page.is_hidden("#callback-household") and page.is_visible("#callback-choice")
        page.check(f"#enrolment-{enrolments['DB'].pk}")
        assert page.is_checked(f"#enrolment-{enrolments['DB'].pk}-reached")  # a visit meets them
        page.check(f"#enrolment-{enrolments['DB'].pk}-knew_policy")
        page.check(f"#enrolment-{enrolments['DB'].pk}-received_money")
        page.fill("#notes", "回访低保户")
        page.reload()  # offline: the draft and the ticks survive
        assert page.is_checked(f"#enrolment-{enrolments['DB'].pk}-received_money")
        assert not page.is_checked(f"#enrolment-{enrolments['GL'].pk}")
        screenshot(page, "partycare-visit-callback-phone")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.click("#save-visit")
        page.wait_for_function("() => document.getElementById('queue-count').textContent === '1'")
        assert not HomeVisit.objects.exists()

        context.set_offline(False)
        page.wait_for_function(
            "() => document.getElementById('queue-count').textContent === '0'", timeout=20000
        )
        visit = HomeVisit.objects.get()
        callback = Callback.objects.get()
        assert list(visit.callbacks.all()) == [callback]
        assert callback.enrolment_id == enrolments["DB"].pk and callback.method == "visit"
        assert (callback.reached, callback.knew_policy, callback.received_money, callback.satisfied) == (
            True,
            True,
            True,
            False,
        )
        context.close()


def big_sideways_jpeg() -> bytes:
    """A 12-megapixel camera picture, taken with the phone turned (EXIF orientation 6: shown
    3000 × 4000), in noise so that it is as heavy as a real one."""
    noise = Image.effect_noise((4000, 3000), 60)
    picture = Image.merge("RGB", (noise, noise.transpose(Image.Transpose.FLIP_LEFT_RIGHT), noise))
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=95, exif=exif.tobytes())
    return buffer.getvalue()


def test_a_camera_photo_is_made_small_and_upright_on_the_phone(live_server, tree, users, settings):
    """Poor signal: the phone keeps and sends a JPEG of at most 1600 px, upright, not the
    camera's megabytes; a small picture is kept as taken."""
    from fieldwork.services import PHOTO_MAX_SIDE

    household = Household.objects.create(village=tree.village, number="0010", address="东庄村1组")
    household.head = person(village=tree.village, name="李照相", household=household)
    household.save(update_fields=["head"])
    original = big_sideways_jpeg()
    assert len(original) > 4_000_000
    with chromium() as browser:
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        page = context.new_page()
        sent = []
        page.on(
            "request",
            lambda r: (
                sent.append(len(r.post_data_buffer or b""))
                if r.method == "POST" and "/api/v1/home-visits/" in r.url
                else None
            ),
        )
        login(page, live_server.url, "cadre", settings.DEMO_PASSWORD)
        page.goto(f"{live_server.url}/partycare/visits/new/")
        page.wait_for_function("() => localStorage.getItem('visit-households:cadre') !== null")
        page.fill("#household-search", "lzx")
        page.click(".household-option")
        page.select_option("#purpose", "collect")
        page.set_input_files(
            "#photos",
            files=[
                {"name": "IMG_0001.JPG", "mimeType": "image/jpeg", "buffer": original},
                {"name": "door.png", "mimeType": "image/png", "buffer": png()},
            ],
        )
        page.wait_for_function("() => document.getElementById('photo-count').textContent.includes('2')")
        kept = page.evaluate(
            """() => new Promise((resolve, reject) => {
                const open = indexedDB.open('portal-visits');
                open.onerror = reject;
                open.onsuccess = () => {
                    const get = open.result.transaction('photos').objectStore('photos').get('cadre');
                    get.onsuccess = async () => resolve(await Promise.all(get.result.map(async (file) => {
                        const bitmap = await createImageBitmap(file);
                        return {name: file.name, type: file.type, size: file.size,
                                width: bitmap.width, height: bitmap.height};
                    })));
                };
            })"""
        )
        camera, door = kept
        assert (camera["name"], camera["type"]) == ("IMG_0001.jpg", "image/jpeg")
        assert (camera["width"], camera["height"]) == (PHOTO_MAX_SIDE * 3 // 4, PHOTO_MAX_SIDE)  # upright
        assert camera["size"] < len(original) / 4
        assert door == {
            "name": "door.png",
            "type": "image/png",
            "size": len(png()),
            "width": 40,
            "height": 30,
        }

        page.evaluate(  # count what each send carries (the browser does not report a form's files)
            """() => {
                const send = window.fetch;
                window.sentBytes = [];
                window.fetch = (url, options) => {
                    if (options && options.body instanceof FormData) {
                        let bytes = 0;
                        for (const [, value] of options.body.entries()) bytes += value.size ?? String(value).length;
                        window.sentBytes.push(bytes);
                    }
                    return send(url, options);
                };
            }"""
        )
        page.click("#save-visit")
        page.wait_for_function("() => window.sentBytes.length === 1", timeout=20000)
        page.wait_for_function(  # '1' since the save, '0' once the portal has stored it
            "() => document.getElementById('queue-count').textContent === '0'", timeout=20000
        )
        sent = page.evaluate("window.sentBytes")
        assert len(sent) == 1 and sent[0] < len(original) / 4
        photos = HomeVisit.objects.get().photos.all()
        assert photos.count() == 2
        screenshot(page, "partycare-visit-photo-phone")
        context.close()
