"""Webhook (issue #4): warm latency of the real handler beside a bare confirmed publish; cold start.

Warm: signed requests through functions/webhook/app.py `handler` with its real RabbitPublisher to the local
broker, interleaved in blocks with the floor: a bare pika publish+confirm of the same kind of job body on one
warm connection (same queue, persistent, mandatory). Cold start: a fresh interpreter per sample
(benchmarks.coldstart_probe), beside the bare import of pika, twilio and aws_lambda_powertools.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from typing import Any

from benchmarks.common import (
    ROOT,
    Row,
    Section,
    amqp_url,
    bench_queue,
    configure_environment,
    make_job,
    median,
    ms,
    percentile,
    webhook_fields,
)

OVERHEAD_GOAL_MS = 1.0
COLD_START_GOAL_MS = 400.0


def _floor_publisher(queue: str) -> tuple[Any, Any]:
    """One warm connection with the publisher's own connection parameters, in confirm mode."""
    import pika

    from benchmarks.common import amqp_url
    from fasttriage.adapters.rabbitmq import connection_parameters

    connection = pika.BlockingConnection(connection_parameters(amqp_url()))
    channel = connection.channel()
    channel.confirm_delivery()
    return connection, channel


def warm(requests: int = 1000, *, warmup: int = 100, block: int = 100, patients: int = 50) -> dict[str, Any]:
    """Latencies (seconds) of `requests` handler calls and as many bare publishes, interleaved by block."""
    import mongomock

    from fasttriage.adapters.mongo import MongoPatients
    from fasttriage.adapters.rabbitmq import job_properties, route_for
    from fasttriage.local.events import signed_webhook_event
    from fasttriage.local.lambdas import FakeContext, load_function
    from fasttriage.observability import metrics

    run = uuid.uuid4().hex[:8]
    total = warmup + requests
    with bench_queue() as queue:
        configure_environment(queue)
        module = load_function("webhook", fresh=True)
        module.deps.patients = MongoPatients(mongomock.MongoClient()["bench"])
        context = FakeContext()
        events = [signed_webhook_event(webhook_fields(f"h{run}", i, patients=patients)) for i in range(total)]
        floor_jobs = [make_job(webhook_fields(f"f{run}", i, patients=patients)) for i in range(total)]
        floor_msgs = [
            (route_for(job, queue), job.model_dump_json().encode(), job_properties(job)) for job in floor_jobs
        ]
        publisher_jobs = [make_job(webhook_fields(f"p{run}", i, patients=patients)) for i in range(total)]
        connection, channel = _floor_publisher(queue)
        handler_s: list[float] = []
        floor_s: list[float] = []
        publisher_s: list[float] = []
        failures = 0

        def handler_block(start: int, stop: int, sink: list[float]) -> None:
            nonlocal failures
            for event in events[start:stop]:
                t0 = time.perf_counter()
                answer = module.handler(event, context)
                sink.append(time.perf_counter() - t0)
                metrics.clear_metrics()  # what the per-invocation flush does in Lambda (metrics disabled here)
                if answer["statusCode"] != 200:
                    failures += 1

        def floor_block(start: int, stop: int, sink: list[float]) -> None:
            for routing_key, body, properties in floor_msgs[start:stop]:
                t0 = time.perf_counter()
                channel.basic_publish("", routing_key, body, properties, mandatory=True)
                sink.append(time.perf_counter() - t0)

        def publisher_block(start: int, stop: int, sink: list[float]) -> None:
            for job in publisher_jobs[start:stop]:
                t0 = time.perf_counter()
                module.deps.publisher.publish(job)
                sink.append(time.perf_counter() - t0)

        series = [(handler_block, handler_s), (floor_block, floor_s), (publisher_block, publisher_s)]
        try:
            for run_block, _ in series:
                run_block(0, warmup, [])
            for i, start in enumerate(range(warmup, total, block)):
                stop = min(start + block, total)
                for run_block, sink in series[i % 3 :] + series[: i % 3]:  # rotate who goes first
                    run_block(start, stop, sink)
            in_process_s = _without_broker(module, f"n{run}", min(requests, 500), patients, context)
            register_s = _register_only(patients_count=patients, count=min(requests, 500))
            screen_s, signature_s = _components(module, events[: min(total, 500)])
        finally:
            connection.close()
            module.deps.publisher.close()
    if failures:
        raise RuntimeError(f"{failures} webhook requests were not answered 200")
    return {
        "handler": handler_s,
        "floor": floor_s,
        "publisher": publisher_s,
        "in_process": in_process_s,
        "register": register_s,
        "screen": screen_s,
        "signature": signature_s,
        "requests": requests,
        "patients": patients,
    }


def _without_broker(module: Any, run: str, count: int, patients: int, context: Any) -> list[float]:
    """The same handler with an in-memory publisher: the in-process share (parse, verify, screen, TwiML)."""
    from fasttriage.local.events import signed_webhook_event
    from fasttriage.observability import metrics

    class Serialising:
        def publish(self, job: Any) -> None:
            job.model_dump_json().encode()  # the serialisation the real publisher does before the wire

    events = [signed_webhook_event(webhook_fields(run, i, patients=patients)) for i in range(count)]
    real, module.deps.publisher = module.deps.publisher, Serialising()
    out: list[float] = []
    try:
        for event in events:
            t0 = time.perf_counter()
            module.handler(event, context)
            out.append(time.perf_counter() - t0)
            metrics.clear_metrics()
    finally:
        module.deps.publisher = real
    return out[len(out) // 5 :]  # the first fifth warms up


def _components(module: Any, events: list[dict]) -> tuple[list[float], list[float]]:
    """Two in-process steps on their own, on the same requests: the red-flag screen and the signature check."""
    from urllib.parse import parse_qsl

    from fasttriage.adapters.twilio_webhook import FormParams, called_url
    from fasttriage.domain import redflags

    screen, signature = [], []
    for event in events:
        form = FormParams(parse_qsl(event["body"], keep_blank_values=True))
        body = form.get("Body") or ""
        t0 = time.perf_counter()
        redflags.assess(body)
        screen.append(time.perf_counter() - t0)
        url, sig = called_url(event), event["headers"]["X-Twilio-Signature"]
        t0 = time.perf_counter()
        valid = module.deps.verifier.is_valid(url, form, sig)
        signature.append(time.perf_counter() - t0)
        if not valid:
            raise RuntimeError("a benchmark request is not correctly signed")
    return screen, signature


def _register_only(*, patients_count: int, count: int) -> list[float]:
    """mongomock's share: MongoPatients.lookup (the webhook's one registry call for a known patient) on a
    collection holding `patients_count` patients."""
    from datetime import UTC, datetime

    import mongomock

    from fasttriage.adapters.mongo import MongoPatients

    patients = MongoPatients(mongomock.MongoClient()["register"])
    now = datetime.now(UTC)
    keys = [f"{i:064x}" for i in range(patients_count)]
    for key in keys:
        patients.register(key, now)
    out = []
    for i in range(count):
        t0 = time.perf_counter()
        patients.lookup(keys[i % patients_count])
        out.append(time.perf_counter() - t0)
    return out


def fallback(requests: int = 300, *, warmup: int = 30) -> dict[str, Any]:
    """The fallback path: the broker refuses connections, so the handler spools each job to SQS (moto's
    server, in a process of its own), beside the bare SQS send_message of the same body (floor) and the
    alternative store, an S3 put with SSE-KMS; then the drain of the spooled jobs to the real broker."""
    import mongomock

    from benchmarks.common import moto_s3
    from fasttriage.adapters.mongo import MongoPatients
    from fasttriage.adapters.rabbitmq import RabbitPublisher
    from fasttriage.adapters.registry import GuardedPublisher
    from fasttriage.adapters.s3 import s3_client
    from fasttriage.adapters.spool import SpoolDrainer, SqsSpool, sqs_client
    from fasttriage.local.events import signed_webhook_event
    from fasttriage.local.lambdas import FakeContext, load_function
    from fasttriage.local.stack import free_port
    from fasttriage.observability import metrics

    run = uuid.uuid4().hex[:8]
    total = warmup + requests
    with bench_queue() as queue, moto_s3() as endpoint:
        configure_environment(queue)
        module = load_function("webhook", fresh=True)
        module.deps.patients = MongoPatients(mongomock.MongoClient()["fallback"])
        sqs = sqs_client(endpoint, "us-east-1")
        spool = SqsSpool(lambda: sqs, sqs.create_queue(QueueName=f"spool-{run}")["QueueUrl"])
        module.deps.spool = spool
        refused = f"amqp://guest:guest@127.0.0.1:{free_port()}/%2F"  # nothing listens: connection refused
        module.deps.publisher = GuardedPublisher(RabbitPublisher(lambda: refused, queue), cooldown_s=3600)
        s3 = s3_client(endpoint, "us-east-1")
        bucket = f"spool-{run}"
        s3.create_bucket(Bucket=bucket)
        key_id = boto_kms_key(endpoint)
        context = FakeContext()
        events = [signed_webhook_event(webhook_fields(f"s{run}", i, patients=50)) for i in range(total)]
        bodies = [make_job(webhook_fields(f"b{run}", i, patients=50)).model_dump_json() for i in range(total)]
        handler_s: list[float] = []
        send_s: list[float] = []
        s3_s: list[float] = []
        first_s = 0.0
        for i, (event, body) in enumerate(zip(events, bodies, strict=True)):
            t0 = time.perf_counter()
            answer = module.handler(event, context)
            elapsed = time.perf_counter() - t0
            metrics.clear_metrics()
            if answer["statusCode"] != 200:
                raise RuntimeError("a request was not answered 200 on the fallback path")
            if i == 0:
                first_s = elapsed  # the one request that still tries the broker (refused) before spooling
            t1 = time.perf_counter()
            sqs.send_message(QueueUrl=spool.queue_url, MessageBody=body)
            t2 = time.perf_counter()
            s3.put_object(
                Bucket=bucket,
                Key=f"spool/{i}.json",
                Body=body.encode(),
                ServerSideEncryption="aws:kms",
                SSEKMSKeyId=key_id,
            )
            t3 = time.perf_counter()
            if i >= warmup:
                handler_s.append(elapsed)
                send_s.append(t2 - t1)
                s3_s.append(t3 - t2)
        publisher = RabbitPublisher(lambda: amqp_url(), queue)
        drainer = SpoolDrainer(spool, publisher)
        spooled = 2 * total
        t0 = time.perf_counter()
        while drainer.moved < spooled:
            if not drainer.drain_once().moved:
                break
        drain_s = time.perf_counter() - t0
        publisher.close()
        module.deps.publisher.close()
    if drainer.moved != spooled:
        raise RuntimeError(f"the drainer moved {drainer.moved} of {spooled} spooled jobs")
    return {
        "handler": handler_s,
        "send": send_s,
        "s3_put": s3_s,
        "first_ms": first_s * 1000,
        "drain_per_job_ms": drain_s * 1000 / spooled,
        "requests": requests,
    }


INTAKE_EMERGENCIES = (
    "I have crushing chest pain going into my left arm",
    "my baby is 2 months old and has a fever of 39",
    "I cut my hand and it will not stop bleeding",
)


class _CountingPager:
    def __init__(self, pager: Any) -> None:
        self._pager = pager
        self.published = 0

    def publish(self, page: Any, *, now: Any) -> str:
        answer = str(self._pager.publish(page, now=now))
        self.published += 1
        return answer


def intake_page(requests: int = 200, *, warmup: int = 20, hanging: int = 5) -> dict[str, Any]:
    """The degraded-intake page's cost to the patient's reply: emergency messages with the broker refusing
    connections (every job spooled to SQS), interleaved with the on-call page to SNS (moto's server, the
    webhook's own client: one attempt, INTAKE_PAGE_TIMEOUT_S) and without it; beside a bare SNS publish
    of a page (the floor). Then a few with SNS hanging (a socket that never answers): the timeout's cost."""
    import mongomock

    from benchmarks.common import moto_s3
    from fasttriage.adapters.mongo import MongoPatients
    from fasttriage.adapters.pager import LazySnsPager, SnsPager, sns_client
    from fasttriage.adapters.rabbitmq import RabbitPublisher
    from fasttriage.adapters.registry import GuardedPublisher
    from fasttriage.adapters.spool import SqsSpool, sqs_client
    from fasttriage.local.events import message_sid, signed_webhook_event, twilio_payload
    from fasttriage.local.lambdas import FakeContext, load_function
    from fasttriage.local.stack import free_port
    from fasttriage.observability import metrics

    run = uuid.uuid4().hex[:8]
    total = warmup + requests

    def event(i: int) -> dict[str, Any]:
        text = INTAKE_EMERGENCIES[i % len(INTAKE_EMERGENCIES)]
        fields = twilio_payload(
            sid=message_sid(f"page{run}:{i}"), sender=f"whatsapp:+1556{i % 50:07d}", body=text
        )
        return signed_webhook_event(fields)

    with bench_queue() as queue, moto_s3() as endpoint:
        configure_environment(queue)
        module = load_function("webhook", fresh=True)
        timeout_s = module.settings.intake_page_timeout_s
        module.deps.patients = MongoPatients(mongomock.MongoClient()["intake_page"])
        sqs = sqs_client(endpoint, "us-east-1")
        module.deps.spool = SqsSpool(lambda: sqs, sqs.create_queue(QueueName=f"spool-{run}")["QueueUrl"])
        refused = f"amqp://guest:guest@127.0.0.1:{free_port()}/%2F"
        module.deps.publisher = GuardedPublisher(RabbitPublisher(lambda: refused, queue), cooldown_s=3600)
        sns = sns_client(endpoint, "us-east-1", timeout_s=timeout_s, total_attempts=1)
        topic = sns.create_topic(Name=f"pages-{run}")["TopicArn"]
        pager = _CountingPager(SnsPager(topic, client=sns))
        context = FakeContext()
        with_page: list[float] = []
        without_page: list[float] = []
        bare: list[float] = []
        for i in range(2 * total):
            module.deps.pager = pager if i % 2 == 0 else None
            request = event(i)
            t0 = time.perf_counter()
            answer = module.handler(request, context)
            elapsed = time.perf_counter() - t0
            metrics.clear_metrics()
            if answer["statusCode"] != 200 or "emergency" not in answer["body"]:
                raise RuntimeError("an emergency was not answered 200 with its instruction")
            if i < 2 * warmup:
                continue
            if i % 2 == 0:
                with_page.append(elapsed)
                t1 = time.perf_counter()
                sns.publish(TopicArn=topic, Subject="FastTriage benchmark page", Message="x" * 300)
                bare.append(time.perf_counter() - t1)
            else:
                without_page.append(elapsed)
        from fasttriage.local.faults import SilentServer

        silent = SilentServer()
        try:
            module.deps.pager = LazySnsPager(
                topic, lambda: sns_client(silent.url, "us-east-1", timeout_s=timeout_s, total_attempts=1)
            )
            hung: list[float] = []
            for i in range(hanging):
                request = event(2 * total + i)
                t0 = time.perf_counter()
                answer = module.handler(request, context)
                hung.append(time.perf_counter() - t0)
                metrics.clear_metrics()
                if answer["statusCode"] != 200:
                    raise RuntimeError("SNS hanging changed the answer")
        finally:
            silent.close()
        module.deps.publisher.close()
    return {
        "with_page": with_page,
        "without_page": without_page,
        "bare_publish": bare,
        "hanging": hung,
        "timeout_s": timeout_s,
        "requests": requests,
        "published": pager.published,
        "expected": total,
    }


def boto_kms_key(endpoint: str) -> str:
    import boto3

    kms = boto3.client("kms", endpoint_url=endpoint, region_name="us-east-1")
    return str(kms.create_key(Description="benchmark spool key")["KeyMetadata"]["KeyId"])


def _run_python(code_or_module: list[str], env: dict[str, str]) -> str:
    return _python(code_or_module, env).stdout


def _python(arguments: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def cold(repeats: int = 5) -> dict[str, Any]:
    """Cold starts in fresh interpreters (median of `repeats`), beside the bare imports and `python -c pass`."""
    samples: list[dict[str, float]] = []
    bare: list[float] = []
    interpreter: list[float] = []
    with bench_queue() as queue:
        env = {**os.environ, **configure_environment(queue)}
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
        # As deployed: a MongoDB URI and a spool (neither is contacted by the first request; the background
        # load after the answer builds their clients, which connect lazily).
        env["MONGO_URI"] = "mongodb://127.0.0.1:9/fasttriage"
        env["SPOOL_QUEUE_URL"] = "http://127.0.0.1:9/000000000000/spool"
        env["PAGE_TOPIC_ARN"] = "arn:aws:sns:us-east-1:000000000000:fasttriage-bench-pages"  # the intake page
        for i in range(repeats):
            out = _run_python(["-m", "benchmarks.coldstart_probe", f"cold{uuid.uuid4().hex[:6]}{i}"], env)
            sample = json.loads(out.strip().splitlines()[-1])
            if sample.pop("status") != 200:
                raise RuntimeError("the cold-start request was not answered 200")
            samples.append(sample)
            bare.append(
                float(
                    _run_python(
                        [
                            "-c",
                            "import time; t = time.perf_counter(); import pika, twilio, aws_lambda_powertools; "
                            "print((time.perf_counter() - t) * 1000)",
                        ],
                        env,
                    )
                )
            )
            t0 = time.perf_counter()
            _run_python(["-c", "pass"], env)
            interpreter.append((time.perf_counter() - t0) * 1000)
        heaviest = _heaviest_packages(env)
    return {
        "samples": samples,
        "bare_import_ms": bare,
        "interpreter_ms": interpreter,
        "heaviest_packages": heaviest,
    }


def _heaviest_packages(env: dict[str, str], top: int = 8) -> list[tuple[str, float]]:
    """`python -X importtime` of the handler module: own import time summed by top-level package (ms)."""
    result = _python(
        [
            "-X",
            "importtime",
            "-c",
            "from fasttriage.local.lambdas import load_function; load_function('webhook')",
        ],
        env,
    )
    totals: dict[str, float] = {}
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \| \s*(\S+)", line)
        if match:
            package = match.group(2).split(".")[0]
            totals[package] = totals.get(package, 0.0) + int(match.group(1)) / 1000
    return sorted(totals.items(), key=lambda item: -item[1])[:top]


def _why_warm(overhead: float, publisher_extra: float, inproc: float, register: float, screen: float) -> str:
    verdict = "PASS" if overhead <= OVERHEAD_GOAL_MS else "MISS"
    return (
        f"**{verdict}: where the {overhead:.2f} ms of p50 overhead go (p50s of this run; they do not add up "
        f"exactly).** `RabbitPublisher.publish` costs {publisher_extra:+.2f} ms over the bare publish of the "
        f"same body; the handler's in-process work (Powertools decorators and routing, signature check, form "
        f"parsing, red-flag screen, pydantic job, TwiML) costs {inproc:.2f} ms with an in-memory publisher, of "
        f"which mongomock's `register` is {register:.2f} ms and the red-flag screen {screen:.2f} ms (the largest "
        f"single step). The remaining {overhead - publisher_extra - inproc:+.2f} ms is not attributed: the "
        "in-memory pass runs back to back, while each real call waits ~1 ms on the broker, leaving the CPU "
        "to other processes on this shared 2-core machine. Without the test double the overhead would be "
        f"about {overhead - register:.2f} ms (goal {OVERHEAD_GOAL_MS:g} ms)."
    )


def _why_cold(
    total: float, imp: float, registry: float, first: float, bare: float, heaviest: list[tuple[str, float]]
) -> str:
    verdict = "PASS" if total <= COLD_START_GOAL_MS else "MISS"
    packages = ", ".join(f"`{name}` {t:.0f} ms" for name, t in heaviest)
    xray = (
        " `aws_xray_sdk` comes in through Powertools' `Tracer()` (fasttriage/observability.py), which imports "
        "the X-Ray SDK even with POWERTOOLS_TRACE_DISABLED=true; importing it builds the SDK's global recorder, "
        "whose sampler creates botocore X-Ray clients (a session and service models read from JSON)."
        if any(name == "aws_xray_sdk" for name, _ in heaviest)
        else ""
    )
    return (
        f"**{verdict}: the cold start is {total:.0f} ms against {COLD_START_GOAL_MS:g} ms**: importing "
        f"app.py takes {imp:.0f} ms ({imp / COLD_START_GOAL_MS:.0%} of the budget), the first request "
        f"{first:.0f} ms; the three libraries alone import in {bare:.0f} ms. pymongo is no longer on this path: "
        f"the first request answers with the registry not yet loaded (the privacy notice is included, the job "
        f"carries no case number and the worker reads it), and the registry loads in the background after the "
        f"answer ({registry:.0f} ms, not in the figure). Own import "
        f"time by top-level package (python -X importtime of app.py, one run): {packages}.{xray}"
    )


def run(*, quick: bool = False) -> Section:
    started = time.perf_counter()
    if quick:
        w = warm(60, warmup=20, block=20, patients=10)
        c = cold(1)
        f = fallback(20, warmup=5) | {"intake_page": intake_page(10, warmup=3, hanging=1)}
    else:
        w = warm(1000)
        c = cold(5)
        f = fallback(300) | {"intake_page": intake_page(200)}
    return build_section(w, c, time.perf_counter() - started, f)


def _fallback_rows(f: dict[str, Any]) -> tuple[list[Row], list[str]]:
    handler, send, put = ms(f["handler"]), ms(f["send"]), ms(f["s3_put"])
    h50, s50, p50 = percentile(handler, 50), percentile(send, 50), percentile(put, 50)
    rows = [
        Row(
            "Fallback path: handler p50, broker down, job spooled to SQS (moto)",
            h50,
            floor=s50,
            comparison=f"{h50 - s50:+.2f} ms",
        ),
        Row(
            "  fallback handler p99",
            percentile(handler, 99),
            floor=percentile(send, 99),
            comparison=f"{percentile(handler, 99) - percentile(send, 99):+.2f} ms",
        ),
        Row("  first request of the outage (refused connection, then the spool)", f["first_ms"]),
        Row("  bare SQS `send_message` of the same body p50 (moto; the floor)", s50),
        Row("  bare S3 `put_object` SSE-KMS of the same body p50 (moto; the alternative spool)", p50),
        Row(
            "  drain: spooled job to the broker with a confirm, then deleted (mean per job)",
            f["drain_per_job_ms"],
        ),
    ]
    notes = [
        f"Fallback: {f['requests']} signed requests with the broker refusing connections: the first one "
        "tries the broker, then `GuardedPublisher` skips it for its cool-down and every job goes straight to "
        "the spool (SQS, moto's server in its own process). Beside each: a bare `send_message` of the same "
        "job body (the floor) and the alternative we did not choose, an S3 `put_object` with SSE-KMS. moto "
        "answers over local HTTP: these figures compare the code paths, not AWS's service latencies (see "
        "docs/decisions.md). A broker that goes silent instead of refusing costs one confirm timeout "
        "(PUBLISH_CONFIRM_TIMEOUT_S, 4 s) for the first request, then the cool-down applies.",
    ]
    if "intake_page" in f:
        page_rows, page_notes = _intake_page_rows(f["intake_page"])
        rows += page_rows
        notes += page_notes
    return rows, notes


def _intake_page_rows(p: dict[str, Any]) -> tuple[list[Row], list[str]]:
    paged, unpaged, bare, hung = (
        ms(p["with_page"]),
        ms(p["without_page"]),
        ms(p["bare_publish"]),
        ms(p["hanging"]),
    )
    p50, u50 = percentile(paged, 50), percentile(unpaged, 50)
    if p["published"] != p["expected"]:
        raise RuntimeError(f"{p['published']} intake pages published for {p['expected']} emergencies")
    rows = [
        Row(
            "Emergency, broker down: handler p50 with the on-call page to SNS (moto)",
            p50,
            floor=u50,
            comparison=f"{p50 - u50:+.2f} ms",
        ),
        Row("  same, p99", percentile(paged, 99), floor=percentile(unpaged, 99)),
        Row("  bare SNS `publish` of a page p50 (moto)", percentile(bare, 50)),
        Row(
            f"  SNS hanging: handler max with INTAKE_PAGE_TIMEOUT_S={p['timeout_s']:g} s ({len(hung)} requests)",
            max(hung),
        ),
    ]
    notes = [
        f"Intake page: {p['requests']} emergency messages with the broker refusing connections, each spooled, "
        "alternately with the degraded-intake page to SNS (the webhook's client: one attempt, "
        "INTAKE_PAGE_TIMEOUT_S) and without a pager (the floor); then SNS replaced by a socket that never "
        "answers. moto over local HTTP: the difference is the code path plus one local HTTP round trip, not "
        "AWS's SNS latency.",
    ]
    return rows, notes


def build_section(
    w: dict[str, Any], c: dict[str, Any], seconds: float, f: dict[str, Any] | None = None
) -> Section:
    handler, floor = ms(w["handler"]), ms(w["floor"])
    in_process, register = ms(w["in_process"]), ms(w["register"])
    p50 = percentile(ms(w["publisher"]), 50)
    h50, h99, f50, f99 = (
        percentile(handler, 50),
        percentile(handler, 99),
        percentile(floor, 50),
        percentile(floor, 99),
    )
    overhead = h50 - f50
    reg50 = percentile(register, 50)
    inproc = percentile(in_process, 50)
    screen50 = percentile(ms(w["screen"]), 50)
    total = median([s["total_ms"] for s in c["samples"]])
    imp = median([s["import_ms"] for s in c["samples"]])
    registry = median([s["background_registry_ms"] for s in c["samples"]])
    first = median([s["first_request_ms"] for s in c["samples"]])
    bare = median(c["bare_import_ms"])
    interp = median(c["interpreter_ms"])
    rows = [
        Row(
            "Warm handler p50 (real RabbitPublisher)",
            h50,
            floor=f50,
            comparison=f"{overhead:+.2f} ms",
            goal=f"p50 overhead <= {OVERHEAD_GOAL_MS:g} ms",
            passed=overhead <= OVERHEAD_GOAL_MS,
        ),
        Row("Warm handler p99", h99, floor=f99, comparison=f"{h99 - f99:+.2f} ms"),
        Row(
            "  `RabbitPublisher.publish` alone p50 (serialise + publish + confirm)",
            p50,
            floor=f50,
            comparison=f"{p50 - f50:+.2f} ms",
        ),
        Row("  handler p50 with an in-memory publisher (in-process work only)", inproc),
        Row("  mongomock `MongoPatients.lookup` p50 (a test double; inside the line above)", reg50),
        Row("  red-flag screen `redflags.assess` p50 (inside the line above)", screen50),
        Row("  Twilio signature check p50 (inside the line above)", percentile(ms(w["signature"]), 50)),
        Row(
            f"Cold start: import app.py + first request (median of {len(c['samples'])})",
            total,
            floor=bare,
            comparison=f"{total - bare:+.0f} ms",
            goal=f"<= {COLD_START_GOAL_MS:g} ms",
            passed=total <= COLD_START_GOAL_MS,
        ),
        Row("  import of functions/webhook/app.py", imp),
        Row(
            "  registry (pymongo) loaded in the background after the first answer (not in the figure)",
            registry,
        ),
        Row("  first request (AMQP connect + topology declare + confirmed publish)", first),
        Row("Bare `import pika, twilio, aws_lambda_powertools` (context)", bare),
        Row("Interpreter start, `python -c pass` wall time (context; not in the cold-start figure)", interp),
    ]
    notes = [
        _why_warm(overhead, p50 - f50, inproc, reg50, screen50),
        _why_cold(total, imp, registry, first, bare, c["heaviest_packages"]),
        f"{w['requests']} signed requests (distinct MessageSids, {w['patients']} patients, the sample texts "
        "in en/es/pt, two of five red-flagged as emergencies, one with a photo), as many bare publishes "
        "and as many `RabbitPublisher.publish` calls, interleaved in blocks of 100 (rotating which goes first) after "
        "100 warm-up calls of each.",
        "Floor: `channel.basic_publish` of a pre-serialised job body of the same shape on one warm "
        "confirm-mode connection opened with the publisher's own connection parameters; same queue "
        "(route_for), persistent, mandatory.",
        "The handler's figure includes its `patients.lookup` call on mongomock (a linear scan of the "
        "patients collection per call; production pays a MongoDB round trip there instead, bounded by "
        "REGISTRY_TIMEOUT_MS and skipped for REGISTRY_COOLDOWN_S after a failure).",
        "Cold start: a fresh interpreter per sample; timed from before the import of app.py to the first "
        "answer, leaving out mongomock's import and building the signed event; the interpreter's own start "
        "is listed apart. Each sample's first request opens the AMQP connection and declares the topology.",
    ]
    if f is not None:
        extra_rows, extra_notes = _fallback_rows(f)
        rows += extra_rows
        notes += extra_notes
    return Section(
        key="webhook",
        title="Webhook (issue #4)",
        rows=rows,
        params={"requests": w["requests"], "cold_starts": len(c["samples"])},
        notes=notes,
        seconds=seconds,
    )
