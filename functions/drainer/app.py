"""SQS (the spool) -> RabbitMQ: publishes each spooled job with a confirm; SQS deletes only the confirmed ones.

An SQS event source mapping with ReportBatchItemFailures calls this with up to 10 spooled jobs. Every job not
confirmed by the broker (and every malformed one) is reported as a batch item failure, so SQS keeps it and
offers it again after the visibility timeout; after maxReceiveCount it moves to the spool's dead-letter
queue (alarmed). A job published twice (a lost delete) is deduplicated by the worker on MessageSid.
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from fasttriage.adapters.rabbitmq import RabbitPublisher
from fasttriage.adapters.secrets import Secrets, amqp_url
from fasttriage.adapters.spool import SpooledJob, drain
from fasttriage.config import DrainerSettings
from fasttriage.domain.intake import JobPublisher
from fasttriage.observability import logger, metrics, tracer

settings = DrainerSettings.from_env()
secrets = Secrets(settings)
publisher: JobPublisher = RabbitPublisher(
    lambda: amqp_url(settings, secrets),
    settings.queue_name,
    confirm_timeout_s=settings.publish_confirm_timeout_s,
    heartbeat_s=settings.heartbeat_s,
    name="fasttriage-drainer",
    declare_topology=False,  # publish-only broker user: the worker declares the queues
)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    records = [
        SpooledJob(record["messageId"], record["receiptHandle"], record["body"])
        for record in event.get("Records", [])
    ]
    result = drain(records, publisher)
    metrics.add_metric(name="jobs_drained", unit="Count", value=len(result.moved))
    if result.failed:
        metrics.add_metric(name="drain_failures", unit="Count", value=len(result.failed))
    if result.malformed:
        metrics.add_metric(name="spool_malformed", unit="Count", value=len(result.malformed))
    logger.info(
        "spool drained",
        moved=len(result.moved),
        left=len(result.failed),
        malformed=len(result.malformed),
    )
    return {
        "batchItemFailures": [{"itemIdentifier": i} for i in [*result.failed, *result.malformed]],
    }
