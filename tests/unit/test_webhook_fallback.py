"""Issue 12: the reply never depends on anything remote; the spool catches what the broker does not confirm;
MongoDB failures degrade instead of failing. Fakes only (the real broker and SQS: tests/integration)."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import RecordingPublisher
from fasttriage.adapters.mongo import MongoPatients
from fasttriage.adapters.registry import GuardedRegistry
from fasttriage.domain.errors import RepositoryError, SpoolError
from fasttriage.domain.models import JobKind
from fasttriage.local.events import message_sid, signed_webhook_event, twilio_payload
from fasttriage.local.faults import FaultyDatabase, Switch

NOTICE = "delete my data"
EMERGENCY_TEXT = "I have crushing chest pain going into my left arm"


class RecordingSpool:
    def __init__(self, fail: bool = False) -> None:
        self.jobs: list[Any] = []
        self.fail = fail

    def put(self, job: Any) -> None:
        if self.fail:
            raise SpoolError("spool write failed: test")
        self.jobs.append(job)


def fields(body: str, sender: str = "whatsapp:+15550104444", seed: str = "") -> list[tuple[str, str]]:
    return twilio_payload(sid=message_sid(body + sender + seed), sender=sender, body=body, profile_name="Pat")


def post(webhook: Any, ctx: Any, body: str, **kw: Any) -> dict[str, Any]:
    return webhook.handler(signed_webhook_event(fields(body, **kw)), ctx)


@pytest.fixture
def spool(webhook: Any) -> RecordingSpool:
    webhook.deps.spool = RecordingSpool()
    return webhook.deps.spool


@pytest.fixture
def mongo_down(webhook: Any, mongo_db: Any) -> Switch:
    switch = Switch()
    webhook.deps.patients = MongoPatients(FaultyDatabase(mongo_db, switch))  # type: ignore[arg-type]
    switch.fail()
    return switch


def test_broker_down_the_job_is_spooled_and_the_patient_gets_the_receipt(webhook, spool, lambda_context):
    webhook.deps.publisher = RecordingPublisher(fail=True)
    answer = post(webhook, lambda_context, "I have a mild headache")

    assert answer["statusCode"] == 200
    assert "We received your message" in answer["body"]
    assert [job.message.body for job in spool.jobs] == ["I have a mild headache"]


def test_broker_down_an_emergency_is_spooled_and_gets_its_instruction(webhook, spool, lambda_context):
    webhook.deps.publisher = RecordingPublisher(fail=True)
    answer = post(webhook, lambda_context, EMERGENCY_TEXT)

    assert answer["statusCode"] == 200
    assert "This may be an emergency" in answer["body"]
    assert spool.jobs[0].assessment.is_emergency


def test_broker_up_nothing_is_spooled(webhook, publisher, spool, lambda_context):
    assert post(webhook, lambda_context, "I have a mild headache")["statusCode"] == 200
    assert len(publisher.jobs) == 1 and spool.jobs == []


def test_both_stores_down_an_emergency_still_gets_its_instruction_and_a_resend_request(
    webhook, lambda_context, service_log
):
    webhook.deps.publisher = RecordingPublisher(fail=True)
    webhook.deps.spool = RecordingSpool(fail=True)
    answer = post(webhook, lambda_context, EMERGENCY_TEXT)

    assert answer["statusCode"] == 200
    assert "This may be an emergency" in answer["body"]
    assert "Please send it again" in answer["body"]
    assert "message not stored" in service_log.getvalue()


def test_both_stores_down_a_plain_message_is_a_503_for_twilio_to_retry(webhook, lambda_context):
    webhook.deps.publisher = RecordingPublisher(fail=True)
    webhook.deps.spool = RecordingSpool(fail=True)
    answer = post(webhook, lambda_context, "I have a mild headache")

    assert answer["statusCode"] == 503
    assert "not_stored" in answer["body"]


def test_first_contact_is_registered_only_once_the_job_is_stored(webhook, lambda_context):
    webhook.deps.publisher = RecordingPublisher(fail=True)
    webhook.deps.spool = RecordingSpool(fail=True)
    assert post(webhook, lambda_context, "hello, I have a rash")["statusCode"] == 503

    webhook.deps.publisher = RecordingPublisher()  # Twilio's retry of the same message, now accepted
    retried = post(webhook, lambda_context, "hello, I have a rash")
    later = post(webhook, lambda_context, "it itches", seed="2")
    assert NOTICE in retried["body"]
    assert NOTICE not in later["body"]


def test_mongo_down_a_message_is_accepted_with_the_notice_repeated(
    webhook, publisher, mongo_down, lambda_context
):
    first = post(webhook, lambda_context, "my knee hurts")
    second = post(webhook, lambda_context, "it is swollen", seed="2")

    assert first["statusCode"] == second["statusCode"] == 200
    assert NOTICE in first["body"] and NOTICE in second["body"]  # may repeat: never missing
    assert [job.case_number for job in publisher.jobs] == [None, None]  # the worker reads it


def test_mongo_down_an_emergency_gets_its_instruction(webhook, publisher, mongo_down, lambda_context):
    answer = post(webhook, lambda_context, EMERGENCY_TEXT)
    assert answer["statusCode"] == 200 and "This may be an emergency" in answer["body"]
    assert publisher.jobs[0].assessment.is_emergency


def test_mongo_down_new_travels_as_a_job(webhook, publisher, mongo_down, lambda_context):
    answer = post(webhook, lambda_context, "new")

    assert answer["statusCode"] == 200 and "New case started" in answer["body"]
    assert [job.kind for job in publisher.jobs] == [JobKind.NEW_CASE]
    assert publisher.jobs[0].message.body == ""


def test_mongo_down_delete_my_data_travels_as_a_job(webhook, publisher, mongo_down, lambda_context):
    answer = post(webhook, lambda_context, "delete my data")

    assert answer["statusCode"] == 200 and "deleted" in answer["body"]
    assert [job.kind for job in publisher.jobs] == [JobKind.ERASE]


def test_mongo_up_again_the_notice_is_sent_once_more_then_no_longer(
    webhook, publisher, mongo_down, lambda_context
):
    post(webhook, lambda_context, "my knee hurts")
    mongo_down.heal()
    after = post(webhook, lambda_context, "still hurts", seed="2")
    later = post(webhook, lambda_context, "still hurts", seed="3")
    assert NOTICE in after["body"] and NOTICE not in later["body"]


class _Patients:
    def __init__(self) -> None:
        self.calls = 0
        self.fail = False

    def lookup(self, patient_key: str) -> tuple[bool, int]:
        self.calls += 1
        if self.fail:
            raise RepositoryError("down")
        return (False, 3)


def test_guarded_registry_never_waits_for_its_first_load_and_cools_down_after_a_failure():
    now = [0.0]
    inner = _Patients()
    registry = GuardedRegistry(lambda: inner, cooldown_s=30, clock=lambda: now[0])  # type: ignore[arg-type,return-value]

    with pytest.raises(RepositoryError, match="not ready"):
        registry.lookup("k")
    assert registry.wait_ready(5)
    assert registry.lookup("k") == (False, 3)

    inner.fail = True
    with pytest.raises(RepositoryError):
        registry.lookup("k")
    inner.fail = False
    with pytest.raises(RepositoryError, match="cooling down"):
        registry.lookup("k")  # not even tried: no request waits on a sick MongoDB
    assert inner.calls == 2
    now[0] = 31.0
    assert registry.lookup("k") == (False, 3)


def test_guarded_registry_that_cannot_be_built_is_retried_after_the_cooldown():
    now = [0.0]
    attempts = []

    def build() -> Any:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("no pymongo")
        return _Patients()

    registry = GuardedRegistry(build, cooldown_s=10, clock=lambda: now[0])
    assert not registry.wait_ready(5)
    registry.warm()
    assert len(attempts) == 1
    now[0] = 11.0
    assert registry.wait_ready(5)


def test_cold_start_webhook_answers_before_the_registry_is_loaded(local_env, lambda_context, monkeypatch):
    """The production wiring: the first request does not import pymongo; it degrades instead."""
    from fasttriage.local.lambdas import load_function

    module = load_function("webhook", fresh=True)
    recorder = RecordingPublisher()
    module.deps.publisher = recorder
    assert isinstance(module.deps.patients, GuardedRegistry)
    assert not module.deps.patients.ready
    monkeypatch.setattr(module.deps.patients, "warm", lambda: None)  # keep it cold for this request
    answer = module.handler(signed_webhook_event(fields("I have a mild headache")), lambda_context)
    assert answer["statusCode"] == 200
    assert NOTICE in answer["body"]
    assert recorder.jobs[0].case_number is None


def test_after_a_failed_publish_the_broker_is_skipped_for_the_cooldown_then_tried_again():
    from fasttriage.adapters.registry import GuardedPublisher
    from fasttriage.domain.errors import PublishError

    now = [0.0]
    inner = RecordingPublisher(fail=True)
    tries = []
    original = inner.publish
    inner.publish = lambda job: (tries.append(job), original(job))  # type: ignore[method-assign,assignment,func-returns-value]
    guarded = GuardedPublisher(inner, cooldown_s=5, clock=lambda: now[0])

    for _ in range(3):
        with pytest.raises(PublishError):
            guarded.publish("job")  # type: ignore[arg-type]
    assert len(tries) == 1  # a silent broker costs one confirm timeout, not one per message
    inner.fail = False
    now[0] = 6.0
    guarded.publish("job")  # type: ignore[arg-type]
    assert inner.jobs == ["job"]


def test_production_wiring_spools_through_the_guarded_publisher(local_env, lambda_context):
    import mongomock

    from fasttriage.adapters.registry import GuardedPublisher
    from fasttriage.local.lambdas import load_function

    module = load_function("webhook", fresh=True)
    assert isinstance(module.deps.publisher, GuardedPublisher)
    module.deps.publisher.publisher = RecordingPublisher(fail=True)
    module.deps.spool = RecordingSpool()
    module.deps.patients = MongoPatients(mongomock.MongoClient()["x"])
    answer = module.handler(signed_webhook_event(fields("I have a mild headache")), lambda_context)
    assert answer["statusCode"] == 200 and len(module.deps.spool.jobs) == 1
