"""Intake end to end on the local stack with the real broker: duplicates, new case, erasure, privacy of logs."""

from __future__ import annotations

import time
from typing import Any

import pytest

from fasttriage.adapters.twilio_webhook import FormParams
from fasttriage.local.demo import post_signed, wait_for_cases
from fasttriage.local.events import fields_of, message_sid, twilio_payload
from fasttriage.local.stack import LocalStack, free_port
from support import event, webhook_events

pytestmark = pytest.mark.broker


@pytest.fixture
def stack(broker_url, queue_name):
    stack = LocalStack(port=free_port(), amqp_url=broker_url, queue_name=queue_name).start()
    yield stack
    stack.stop()


def wait_until(predicate, timeout_s=30.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_a_message_twilio_delivers_twice_ends_as_if_it_came_once(stack):
    form = fields_of(event("webhook_sore_throat_en_1.json"))
    first, second = post_signed(stack.gateway.url, form), post_signed(stack.gateway.url, form)
    assert (first.status_code, second.status_code) == (200, 200)
    sid = dict(form)["MessageSid"]
    wait_for_cases(stack, {sid: 1}, timeout_s=30)
    assert wait_until(lambda: stack.queue.stats.acked >= 2)
    assert stack.db["messages"].count_documents({}) == 1
    assert stack.db["summaries"].count_documents({}) == 1
    assert stack.db["summaries"].find_one({})["version"] == 1


def test_new_starts_a_second_case_for_the_same_patient(stack):
    sender = "whatsapp:+15550100777"

    def send(text):
        form = twilio_payload(sid=message_sid(text), sender=sender, body=text, profile_name="Ana Lima")
        assert post_signed(stack.gateway.url, form).status_code == 200
        return dict(form)["MessageSid"]

    first = send("my knee hurts when I climb stairs")
    wait_for_cases(stack, {first: 1}, timeout_s=30)
    send("new")
    second = send("different thing: I have an earache")
    wait_for_cases(stack, {second: 1}, timeout_s=30)
    ids = {
        stack.runner.repository.case_of_message(first),
        stack.runner.repository.case_of_message(second),
    }
    assert len(ids) == 2


def test_delete_my_data_erases_messages_cases_and_every_report_version(stack):
    conversation = [fields_of(event(p.name)) for p in webhook_events() if "sore_throat" in p.name]
    for form in conversation:
        post_signed(stack.gateway.url, form)
    first = dict(conversation[0])["MessageSid"]
    case_id = wait_for_cases(stack, {first: 2}, timeout_s=30)[first]
    prefix = f"triage/{case_id}/"
    assert stack.s3.list_object_versions(Bucket=stack.settings.reports_bucket, Prefix=prefix).get("Versions")

    sender = dict(conversation[0])["From"]
    erase = twilio_payload(sid=message_sid("erase" + sender), sender=sender, body="Delete my data")
    answer = post_signed(stack.gateway.url, erase)
    assert answer.status_code == 200 and "deleted" in answer.text

    def erased():
        listed = stack.s3.list_object_versions(Bucket=stack.settings.reports_bucket, Prefix=prefix)
        return (
            stack.db["summaries"].count_documents({}) == 0
            and stack.db["messages"].count_documents({}) == 0
            and not listed.get("Versions")
            and not listed.get("DeleteMarkers")
        )

    assert wait_until(erased)


def test_no_message_body_phone_number_or_name_reaches_any_log_line(stack, service_log, capfd):
    samples = [fields_of(event(p.name)) for p in webhook_events()]
    firsts: dict[str, Any] = {}
    for form in samples:
        assert post_signed(stack.gateway.url, form).status_code == 200
        firsts.setdefault(dict(form)["From"], dict(form)["MessageSid"])
    counts = {sid: sum(1 for f in samples if dict(f)["From"] == sender) for sender, sid in firsts.items()}
    wait_for_cases(stack, counts, timeout_s=60)
    output = capfd.readouterr()
    logs = service_log.getvalue() + output.out + output.err
    assert "job published" in logs and "job completed" in logs  # the flow did log
    for form in samples:
        f = FormParams(form)
        secrets = [f["Body"], f["From"], f["From"].split(":")[1], f["WaId"], f["ProfileName"]]
        secrets += [word for word in f["ProfileName"].split() if len(word) > 3]
        for secret in secrets:
            assert secret not in logs, f"patient data in logs: {secret[:12]}..."


def test_local_send_posts_a_signed_message_the_stack_accepts(stack):
    import subprocess
    import sys

    sent = subprocess.run(
        [
            sys.executable,
            "-m",
            "fasttriage.cli",
            "local",
            "send",
            "--url",
            stack.gateway.url,
            "--from",
            "whatsapp:+15550100888",
            "my tooth hurts since yesterday",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert "HTTP 200" in sent.stdout and "We received your message" in sent.stdout
    assert wait_until(lambda: stack.db["messages"].count_documents({}) == 1)
