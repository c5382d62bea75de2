"""The doctors' console in a real headless Chromium against the local stack and the real RabbitMQ.

Needs the Debian packages chromium and chromium-driver; without them this test fails (never skips) and says
how to install them. Screenshots are kept at docs/console.png and docs/console-phone.png.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fasttriage.local.events import fields_of
from fasttriage.local.stack import LocalStack, free_port
from support import ROOT, event, seed

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.broker]

INSTALL = "sudo apt-get update && sudo apt-get install -y chromium chromium-driver"
HOSTILE = "<img src=x onerror=\"window.__xss='ran'\">chest pain"


def _browser_paths() -> tuple[str, str]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        missing = ", ".join(n for n, p in (("chromium", chromium), ("chromedriver", driver)) if not p)
        pytest.fail(f"{missing} not found: install it with `{INSTALL}`", pytrace=False)
    return chromium, driver


@pytest.fixture
def stack(broker_url: str, queue_name: str) -> Iterator[LocalStack]:
    stack = LocalStack(port=free_port(), amqp_url=broker_url, queue_name=queue_name).start()
    yield stack
    stack.stop()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    chromium, driver_path = _browser_paths()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1366,900",
    ):
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "safebrowsing.enabled": False,
            # moto ignores response-content-disposition (S3 honours it): make Chrome save PDFs, not show them
            "plugins.always_open_pdf_externally": True,
        },
    )
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    driver.downloads = downloads  # type: ignore[attr-defined]
    yield driver
    driver.quit()


def emergency_case(stack: LocalStack, cases: dict[str, str]) -> str:
    emergency_sid = dict(fields_of(event("webhook_emergency_chest_pain_pt_1.json")))["MessageSid"]
    case_id = cases[emergency_sid]
    assert stack.runner.repository.get(case_id).urgency.value == "emergency"
    return case_id


def wait_for(condition, timeout_s: float = 15.0, what: str = "condition"):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            value = condition()
        except Exception:
            value = None
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_doctor_signs_in_opens_the_emergency_downloads_its_pdf_and_closes_it(stack, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver = browser
    cases = seed(stack)
    emergency = emergency_case(stack, cases)

    driver.get(f"{stack.gateway.url}/console")
    driver.find_element(By.ID, "username").clear()
    driver.find_element(By.ID, "username").send_keys("dr.ada")
    driver.find_element(By.ID, "password").send_keys("local-dev-only")
    driver.find_element(By.ID, "signin-button").click()

    rows = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#queue button.row"), what="the queue")
    assert len(rows) == len(cases)
    emergencies = {d["_id"] for d in stack.db["summaries"].find({"urgency": "emergency"})}
    listed = [row.get_attribute("data-summary-id") for row in rows]
    assert emergency in emergencies and set(listed[: len(emergencies)]) == emergencies  # emergencies on top
    top_badge = rows[0].find_element(By.CSS_SELECTOR, ".badge")
    assert top_badge.text == "EMERGENCY" and "emergency" in top_badge.get_attribute("class")

    Select(driver.find_element(By.ID, "f-urgency")).select_by_value("emergency")
    wait_for(
        lambda: (
            {
                r.get_attribute("data-summary-id")
                for r in driver.find_elements(By.CSS_SELECTOR, "#queue button.row")
            }
            == emergencies
        ),
        what="the urgency filter",
    )
    Select(driver.find_element(By.ID, "f-urgency")).select_by_value("")
    wait_for(
        lambda: len(driver.find_elements(By.CSS_SELECTOR, "#queue button.row")) == len(cases), what="all"
    )
    rows = driver.find_elements(By.CSS_SELECTOR, "#queue button.row")
    listed = [row.get_attribute("data-summary-id") for row in rows]
    rows[listed.index(emergency)].click()
    wait_for(lambda: driver.find_element(By.ID, "d-complaint").text, what="the case")
    assert driver.find_elements(By.CSS_SELECTOR, "#detail .redflags li")
    assert driver.find_elements(By.CSS_SELECTOR, "#detail [data-version]")
    (ROOT / "docs").mkdir(exist_ok=True)
    driver.save_screenshot(str(ROOT / "docs" / "console.png"))

    driver.find_element(By.ID, "download").click()
    pdf = wait_for(
        lambda: [p for p in driver.downloads.glob("*.pdf") if p.stat().st_size > 0],
        what="the downloaded PDF",
    )[0]
    # The file name comes from the presigned Content-Disposition, which S3 honours and moto ignores.
    assert f"fasttriage-{emergency[:8]}-v1.pdf" in driver.find_element(By.ID, "banner").text
    assert pdf.read_bytes().startswith(b"%PDF")
    driver.switch_to.window(driver.window_handles[0])

    driver.find_element(By.CSS_SELECTOR, '[data-action="in_review"]').click()
    wait_for(lambda: driver.find_element(By.CSS_SELECTOR, '[data-action="closed"]'), what="the close button")
    driver.find_element(By.CSS_SELECTOR, '[data-action="closed"]').click()
    wait_for(
        lambda: stack.db["summaries"].find_one({"_id": emergency})["status"] == "closed",
        what="the case to be closed in Mongo",
    )
    wait_for(
        lambda: emergency not in driver.find_element(By.ID, "queue").get_attribute("innerHTML"), what="queue"
    )
    doc = stack.db["summaries"].find_one({"_id": emergency})
    assert (doc["assignee"], doc["revision"]) == ("dr.ada", 2)
    actions = [e["action"] for e in stack.db["audit"].find({"summary_id": emergency})]
    assert {"get_summary", "get_report_link", "update_summary"} <= set(actions)

    # Only the sign-in token is stored, and only for this tab; no patient data in any storage.
    assert driver.execute_script("return window.localStorage.length") == 0
    stored = driver.execute_script("return Object.keys(window.sessionStorage).sort()")
    assert stored == ["ft.token", "ft.who"]

    # A case whose text is hostile HTML: the console shows it as text and never runs it.
    hostile = stack.db["summaries"].find_one({"urgency": {"$ne": "emergency"}})
    stack.db["summaries"].update_one({"_id": hostile["_id"]}, {"$set": {"summary.chief_complaint": HOSTILE}})
    driver.find_element(By.ID, "refresh").click()
    wait_for(lambda: HOSTILE in driver.find_element(By.ID, "queue").text, what="the hostile text, as text")
    assert driver.execute_script("return window.__xss") is None
    original = hostile["summary"]["chief_complaint"]  # put it back for the phone screenshot
    stack.db["summaries"].update_one({"_id": hostile["_id"]}, {"$set": {"summary.chief_complaint": original}})

    # A phone: one column, no sideways scrolling; a case opens full width and goes back to the queue.
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
    )
    driver.get(f"{stack.gateway.url}/console")
    Select(wait_for(lambda: driver.find_element(By.ID, "f-status"), what="filters")).select_by_value("")
    rows = wait_for(
        lambda: driver.find_elements(By.CSS_SELECTOR, "#queue button.row"), what="the queue on a phone"
    )
    wait_for(
        lambda: len(driver.find_elements(By.CSS_SELECTOR, "#queue .chip.closed")) == 1, what="the closed case"
    )
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    driver.save_screenshot(str(ROOT / "docs" / "console-phone.png"))
    driver.find_elements(By.CSS_SELECTOR, "#queue button.row")[0].click()
    wait_for(lambda: driver.find_element(By.ID, "d-complaint").is_displayed(), what="the case on a phone")
    assert not driver.find_element(By.ID, "list-pane").is_displayed()
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    driver.find_element(By.CSS_SELECTOR, "#detail .back").click()
    wait_for(lambda: driver.find_element(By.ID, "list-pane").is_displayed(), what="back to the queue")


def test_a_new_emergency_stays_in_a_banner_until_acknowledged_and_its_case_shows_who_was_told(stack, browser):
    """Issue 10: the queue refreshes itself; an emergency nobody acknowledged stays in a banner (with an
    optional sound, off by default); Acknowledge moves it to in review (audited) and the banner lets it go."""
    from selenium.webdriver.common.by import By

    from fasttriage.local.demo import post_signed
    from fasttriage.local.events import message_sid, twilio_payload

    driver = browser
    cases = seed(stack)
    driver.get(f"{stack.gateway.url}/console")
    assert driver.find_element(By.ID, "username").get_attribute("value") == "dr.ada"
    driver.find_element(By.ID, "password").send_keys("local-dev-only")
    driver.find_element(By.ID, "signin-button").click()

    emergencies = {d["_id"] for d in stack.db["summaries"].find({"urgency": "emergency", "status": "new"})}
    alerted = wait_for(
        lambda: (
            {
                e.get_attribute("data-alert")
                for e in driver.find_elements(By.CSS_SELECTOR, "#alerts [data-alert]")
            }
            == emergencies
        ),
        what="the emergency banner",
    )
    assert alerted and driver.find_element(By.ID, "alerts").is_displayed()
    assert not driver.find_element(By.ID, "sound").is_selected()  # sound is off until the doctor turns it on

    # A new emergency the screen misses (the local stub rates it): it appears without anyone clicking Refresh.
    rows_before = len(driver.find_elements(By.CSS_SELECTOR, "#queue button.row"))
    text = "My daughter's trach tube came out and we cannot get the spare one in"
    sid = message_sid("browser:new-emergency")
    answer = post_signed(
        stack.gateway.url, twilio_payload(sid=sid, sender="whatsapp:+15550100999", body=text)
    )
    assert answer.status_code == 200
    new_case = wait_for(lambda: stack.runner.repository.case_of_message(sid), what="the new case")
    wait_for(lambda: stack.runner.repository.get(new_case), what="its summary")
    wait_for(
        lambda: driver.find_elements(By.CSS_SELECTOR, f'#alerts [data-alert="{new_case}"]'),
        timeout_s=16,  # the console is at most 15 s behind
        what="the new emergency in the banner, without a click",
    )
    assert len(driver.find_elements(By.CSS_SELECTOR, "#queue button.row")) == rows_before + 1
    assert "updated" in driver.find_element(By.ID, "updated").text.lower()

    # Its case says who was told what: the patient (by the worker, the stub in the LLM's place) and on-call.
    driver.find_element(By.CSS_SELECTOR, f'#alerts [data-alert="{new_case}"] button:not(.danger)').click()
    wait_for(
        lambda: driver.find_elements(By.CSS_SELECTOR, "#detail .escalations tr[data-escalation]"),
        what="history",
    )
    history = driver.find_element(By.CSS_SELECTOR, "#detail .escalations").text
    assert "patient told to call emergency services" in history and "worker/LLM" in history
    assert "on-call paged (emergency, new case)" in history
    assert driver.find_element(By.CSS_SELECTOR, '#detail [data-action="in_review"]').text == "Acknowledge"

    # Acknowledge from the banner: the case goes to in review, audited, and leaves the banner for good.
    driver.find_element(By.CSS_SELECTOR, f'#alerts [data-ack="{new_case}"]').click()
    wait_for(
        lambda: stack.db["summaries"].find_one({"_id": new_case})["status"] == "in_review", what="in review"
    )
    wait_for(
        lambda: not driver.find_elements(By.CSS_SELECTOR, f'#alerts [data-alert="{new_case}"]'),
        what="the banner to let the acknowledged case go",
    )
    audit = stack.db["audit"].find_one({"summary_id": new_case, "action": "update_summary"})
    assert (audit["username"], audit["detail"]["to"]) == ("dr.ada", "in_review")
    time.sleep(11)  # a refresh later, it has not come back; the other emergencies are still there
    alerted = {
        e.get_attribute("data-alert") for e in driver.find_elements(By.CSS_SELECTOR, "#alerts [data-alert]")
    }
    assert alerted == emergencies
    assert len(cases) + 1 == stack.db["summaries"].count_documents({})


def test_a_doctor_replies_sees_twilios_delivery_status_and_reveals_the_number_once(stack, browser):
    """Issue 15: the conversation thread (a shared location with its map link), a reply through the local
    messenger, Twilio's signed status callbacks shown as they come, and "Show phone number" (audited)."""
    from urllib.parse import urlencode

    import requests
    from selenium.webdriver.common.by import By

    from fasttriage.adapters.twilio_webhook import FormParams, sign
    from fasttriage.local.constants import LOCAL_ACCOUNT_SID, LOCAL_AUTH_TOKEN
    from fasttriage.local.demo import post_signed
    from fasttriage.local.events import message_sid, twilio_payload

    driver = browser
    patient = "whatsapp:+15550100777"
    first, second = message_sid("browser:reply-1"), message_sid("browser:reply-2")
    assert post_signed(
        stack.gateway.url, twilio_payload(sid=first, sender=patient, body="My ankle is swollen")
    ).ok
    location = [(k, v) for k, v in twilio_payload(sid=second, sender=patient, body="") if k != "MessageType"]
    location += [
        ("MessageType", "location"),
        ("Latitude", "38.7223"),
        ("Longitude", "-9.1393"),
        ("Label", "Home"),
    ]
    assert post_signed(stack.gateway.url, location).ok
    case = wait_for(lambda: stack.runner.repository.case_of_message(second), what="the case")
    wait_for(
        lambda: (stack.runner.repository.get(case) or None) and stack.runner.repository.get(case).version == 2
    )

    driver.get(f"{stack.gateway.url}/console#case={case}")
    driver.find_element(By.ID, "password").send_keys("local-dev-only")
    driver.find_element(By.ID, "signin-button").click()
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#thread li.in"), what="the conversation")
    place = driver.find_element(By.CSS_SELECTOR, "#thread [data-location]")
    assert "Home" in place.text
    assert (
        place.find_element(By.TAG_NAME, "a")
        .get_attribute("href")
        .startswith("https://www.openstreetmap.org/?mlat=38.722300&mlon=-9.139300")
    )
    assert "0100777" not in driver.find_element(By.ID, "detail").text.replace("***0777", "")

    driver.find_element(By.ID, "reply-text").send_keys("Please come in today at 4 pm.")
    driver.find_element(By.ID, "reply-send").click()
    out = wait_for(
        lambda: driver.find_elements(By.CSS_SELECTOR, "#thread li.out[data-kind=reply]"), what="reply"
    )
    assert "Please come in today at 4 pm." in out[0].text and "dr.ada" in out[0].text
    assert out[0].find_element(By.CSS_SELECTOR, "[data-delivery]").get_attribute("data-delivery") == "queued"
    sent = stack.escalation.messenger.replies[-1]
    assert (sent["to"], sent["body"]) == (patient, "Please come in today at 4 pm.")

    url = stack.settings.reply_status_callback_url
    for status, code in (("delivered", ""), ("failed", "63016")):
        fields = [("MessageSid", sent["sid"]), ("MessageStatus", status), ("AccountSid", LOCAL_ACCOUNT_SID)]
        fields += [("ErrorCode", code)] if code else []
        answer = requests.post(
            url,
            data=urlencode(fields),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": sign(url, FormParams(fields), LOCAL_AUTH_TOKEN),
            },
            timeout=10,
        )
        assert answer.status_code == 204
        driver.find_element(By.ID, "refresh").click()
        wait_for(
            lambda s=status: (
                driver.find_element(
                    By.CSS_SELECTOR, "#thread li.out[data-kind=reply] [data-delivery]"
                ).get_attribute("data-delivery")
                == s
            ),
            what=f"the {status} status",
        )
    assert (
        "Twilio error 63016" in driver.find_element(By.CSS_SELECTOR, "#thread li.out[data-kind=reply]").text
    )

    # A photo's thumbnail loads from the reports bucket through a presigned URL, which the CSP allows (img-src).
    import io

    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 30, 30)).save(picture, "JPEG")
    key = f"triage/{case}/media/{first}-0.jpg.thumb.jpg"
    stack.s3.put_object(
        Bucket=stack.settings.reports_bucket, Key=key, Body=picture.getvalue(), ContentType="image/jpeg"
    )
    photo = {
        "index": 0,
        "content_type": "image/jpeg",
        "status": "stored",
        "key": key[:-10],
        "thumbnail_key": key,
    }
    stack.db["messages"].update_one({"_id": first}, {"$set": {"stored_media": [photo]}})
    driver.find_element(By.ID, "refresh").click()
    image = wait_for(lambda: driver.find_element(By.CSS_SELECTOR, "#thread li.in img"), what="the thumbnail")
    wait_for(lambda: driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) == 320,
             what="the thumbnail to load under the CSP")  # fmt: skip
    assert "X-Amz-Signature=" in image.get_attribute("src")

    driver.find_element(By.ID, "reveal-phone").click()
    number = wait_for(lambda: driver.find_element(By.ID, "phone-number"), what="the number")
    assert number.text == "+15550100777" and number.get_attribute("href") == "tel:+15550100777"
    reveals = list(stack.db["audit"].find({"summary_id": case, "action": "reveal_phone"}))
    assert len(reveals) == 1 and reveals[0]["username"] == "dr.ada"
    driver.save_screenshot(str(ROOT / "docs" / "console-reply.png"))
    # Shown once: opening the case again shows the button, not the number.
    driver.find_element(By.CSS_SELECTOR, f'#queue [data-summary-id="{case}"]').click()
    wait_for(lambda: driver.find_element(By.ID, "reveal-phone"), what="the number hidden again")
    assert "+15550100777" not in driver.find_element(By.ID, "detail").text
    assert driver.execute_script("return window.sessionStorage.length") == 2  # the token only, no number
