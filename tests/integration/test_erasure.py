"""Erasure holds against everything still in flight (issue 13): a job inside its LLM call, a job writing
while the erasure runs, a replayed message, a dead-lettered or delayed job, an S3 delete that fails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fasttriage.adapters.mongo import MongoPatients, MongoRepository
from fasttriage.adapters.s3 import ReportStore
from fasttriage.domain.masking import mask_name, mask_phone
from fasttriage.domain.models import Assessment, InboundMessage, JobKind, Language, TriageJob
from fasttriage.domain.processing import Ports, erase_patient, process_job
from fasttriage.domain.summarizer import DeterministicSummarizer

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
KEY = "ab" * 32


def job(n: int, at: datetime, kind: JobKind = JobKind.MESSAGE) -> TriageJob:
    sid = f"SM{n:032x}"
    return TriageJob(
        job_id=sid,
        kind=kind,
        received_at=at,
        message=InboundMessage(
            message_sid=sid,
            account_sid="AC" + "0" * 32,
            sender="whatsapp:+15550100001",
            recipient="x",
            body=f"sore throat since yesterday {n}",
        ),
        patient_key=KEY,
        case_number=0,
        assessment=Assessment(language=Language.EN, rules_version="r"),
    )


def run(j: TriageJob, ports: Ports) -> Any:
    return process_job(
        j,
        ports,
        now=lambda: j.received_at,
        case_idle_timeout=timedelta(hours=4),
        mask_patient=mask_phone,
        mask_profile=mask_name,
    )


def objects(s3: Any, bucket: str) -> list[str]:
    listed = s3.list_object_versions(Bucket=bucket)
    return [v["Key"] for v in [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])]]


@pytest.fixture
def ports(mongo_db: Any, s3: Any, bucket: str) -> Ports:
    repository = MongoRepository(mongo_db)
    repository.ensure_indexes()
    return Ports(repository, MongoPatients(mongo_db), DeterministicSummarizer(), ReportStore(s3, bucket))


def erase_now(ports: Ports, at: datetime) -> None:
    """What "delete my data" does: the webhook's tombstone, then the worker's erasure job."""
    ports.patients.request_erasure(KEY, at)  # type: ignore[attr-defined]
    erase_patient(job(99, at, JobKind.ERASE), ports)


def assert_nothing_left(mongo_db: Any, s3: Any, bucket: str) -> None:
    assert list(mongo_db["messages"].find({})) == []
    assert list(mongo_db["summaries"].find({})) == []
    assert objects(s3, bucket) == []


# --- 13.3: erasure races an in-flight job --------------------------------------------------------------------


def test_an_erasure_during_the_llm_call_leaves_no_summary_report_or_message(ports, mongo_db, s3, bucket):
    class ErasedMidCall:
        def summarize(self, conversation):
            erase_now(ports, T0 + timedelta(seconds=5))  # "delete my data" handled while the LLM answers
            return DeterministicSummarizer().summarize(conversation)

    racing = Ports(ports.repository, ports.patients, ErasedMidCall(), ports.store)
    outcome = run(job(1, T0), racing)
    assert outcome.skipped and outcome.report_key is None
    assert_nothing_left(mongo_db, s3, bucket)


def test_an_erasure_that_ran_while_the_job_wrote_is_swept_after_the_last_write(ports, mongo_db, s3, bucket):
    class ErasedBeforeTheCaseIsSaved(MongoRepository):
        def save_summary(self, **kwargs):
            erase_now(ports, T0 + timedelta(seconds=5))  # erasure runs, then this job's write lands
            return super().save_summary(**kwargs)

    racing = Ports(ErasedBeforeTheCaseIsSaved(mongo_db), ports.patients, ports.summarizer, ports.store)
    outcome = run(job(1, T0), racing)
    assert outcome.skipped
    assert_nothing_left(mongo_db, s3, bucket)


def test_a_message_after_the_erasure_is_processed_and_kept(ports, mongo_db):
    run(job(1, T0), ports)
    erase_now(ports, T0 + timedelta(minutes=1))
    later = run(job(2, T0 + timedelta(minutes=2)), ports)
    assert later.skipped is None and later.version == 1
    assert [m["_id"] for m in mongo_db["messages"].find({})] == [job(2, T0).message.message_sid]


# --- 13.5: replay after erasure ----------------------------------------------------------------------------


def test_a_replayed_message_after_the_erasure_is_refused(ports, mongo_db, s3, bucket):
    run(job(1, T0), ports)
    erase_now(ports, T0 + timedelta(minutes=1))
    replayed = run(job(1, T0 + timedelta(minutes=5)), ports)  # the same signed request, stamped at receipt
    assert replayed.skipped
    assert_nothing_left(mongo_db, s3, bucket)


def test_twilios_late_retry_of_a_message_queued_before_the_erasure_is_refused(ports, mongo_db, s3, bucket):
    run(job(1, T0), ports)
    erase_now(ports, T0 + timedelta(minutes=1))
    assert run(job(2, T0 + timedelta(seconds=30)), ports).skipped  # in the queue when the erasure came
    assert run(job(2, T0 + timedelta(minutes=3)), ports).skipped  # Twilio retries it after the erasure
    assert_nothing_left(mongo_db, s3, bucket)


def test_the_tombstone_keeps_only_hashes_of_message_sids(ports, mongo_db):
    run(job(1, T0), ports)
    erase_now(ports, T0 + timedelta(minutes=1))
    [tombstone] = mongo_db["patients"].find({})
    sid = job(1, T0).message.message_sid
    assert len(tombstone["erased_messages"]) == 1 and sid not in str(tombstone)


# --- 13.4: dead-letter and delay queues ---------------------------------------------------------------------


@pytest.mark.broker
def test_erasure_removes_the_patients_dead_and_delayed_jobs_and_logs_the_count(
    ports, broker_url, queue_name, service_log
):
    import json

    import pika

    from fasttriage.adapters.consumer import Delivery
    from fasttriage.adapters.deadletters import ParkedJobs
    from fasttriage.adapters.rabbitmq import Topology
    from fasttriage.worker import JobRunner

    topology = Topology(queue_name)
    longest_delay = topology.delay_for(len(topology.retry_delays_s))  # 600 s: cannot expire mid-test
    other = job(7, T0).model_copy(update={"patient_key": "cd" * 32})
    connection = pika.BlockingConnection(pika.URLParameters(broker_url))
    channel = connection.channel()
    topology.declare(channel)
    channel.confirm_delivery()
    for queue, parked in [
        (topology.dead, job(1, T0)),
        (topology.dead, other),
        (topology.dead, job(2, T0)),
        (longest_delay, job(3, T0)),
        (longest_delay, other),
    ]:
        channel.basic_publish("", queue, parked.model_dump_json().encode())
    channel.basic_publish("", topology.dead, b"not a job")

    runner = JobRunner(
        ports=Ports(
            ports.repository,
            ports.patients,
            ports.summarizer,
            ports.store,
            parked=ParkedJobs(lambda: broker_url, queue_name),
        ),
        case_idle_timeout=timedelta(hours=4),
    )
    erasure = job(9, T0 + timedelta(minutes=1), JobKind.ERASE)
    runner(Delivery(erasure.model_dump_json().encode(), queue_name, 1, False, erasure.job_id))

    left: dict[str, list[str]] = {}
    for queue in (topology.dead, longest_delay):
        left[queue] = []
        while (got := channel.basic_get(queue, auto_ack=True))[0] is not None:
            body = got[2]
            left[queue].append(json.loads(body)["patient_key"] if body.startswith(b"{") else body.decode())
    connection.close()
    assert left == {topology.dead: ["cd" * 32, "not a job"], longest_delay: ["cd" * 32]}
    [line] = [json.loads(x) for x in service_log.getvalue().splitlines() if "patient data erased" in x]
    assert line["parked_jobs_removed"] == 3


# --- 13.8: failed S3 deletes ---------------------------------------------------------------------------------


class RefusingDeletes:
    """The real (moto) S3 client, except that DeleteObjects reports the first `failures` calls' keys in Errors
    (HTTP 200, as S3 does for a per-key failure such as AccessDenied)."""

    def __init__(self, client: Any, failures: int) -> None:
        self._client, self.failures, self.calls = client, failures, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def delete_objects(self, **kwargs: Any) -> dict:
        self.calls += 1
        if self.calls <= self.failures:
            objects = kwargs["Delete"]["Objects"]
            return {"Errors": [{**o, "Code": "AccessDenied", "Message": "Access Denied"} for o in objects]}
        return self._client.delete_objects(**kwargs)


def test_a_refused_s3_delete_is_retried_until_the_objects_are_gone(ports, mongo_db, s3, bucket):
    outcome = run(job(1, T0), ports)
    flaky = RefusingDeletes(s3, failures=1)
    store = ReportStore(flaky, bucket, retry_pause_s=0)
    assert store.delete_case(outcome.case_id) == 2
    assert flaky.calls == 2 and objects(s3, bucket) == []


def test_an_erasure_whose_s3_delete_keeps_failing_is_retried_not_acked(ports, mongo_db, s3, bucket):
    from fasttriage.adapters.consumer import Delivery
    from fasttriage.domain.errors import ReportStoreError
    from fasttriage.worker import Decision, JobRunner

    outcome = run(job(1, T0), ports)
    store = ReportStore(RefusingDeletes(s3, failures=99), bucket, retry_pause_s=0)
    with pytest.raises(ReportStoreError, match="AccessDenied"):
        store.delete_case(outcome.case_id)

    runner = JobRunner(
        ports=Ports(ports.repository, ports.patients, ports.summarizer, store),
        case_idle_timeout=timedelta(hours=4),
    )
    erasure = job(9, T0 + timedelta(minutes=1), JobKind.ERASE)
    verdict = runner(Delivery(erasure.model_dump_json().encode(), "q", 1, False, erasure.job_id))
    assert verdict.decision is Decision.RETRY
    assert sorted(objects(s3, bucket)) == [
        f"triage/{outcome.case_id}/raw.json",
        f"triage/{outcome.case_id}/report.pdf",
    ]

    runner.ports = ports  # the retry, once S3 deletes work again, still finds the case's objects
    retried = runner(Delivery(erasure.model_dump_json().encode(), "q", 2, True, erasure.job_id))
    assert retried.decision is Decision.ACK
    assert_nothing_left(mongo_db, s3, bucket)
