"""Issue 12 in the template: the spool (SQS, SSE-KMS with the stack's key), least privilege around it, the
drainer behind an SQS event source mapping, and alarms for spool use and total failure."""

from __future__ import annotations

from typing import Any

import pytest
from infra_support import TEMPLATE, load_cfn, statements


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    return load_cfn(TEMPLATE)["Resources"]


def props(resources: dict[str, Any], name: str) -> dict[str, Any]:
    return resources[name]["Properties"]


def test_spool_and_its_dead_letter_queue_are_encrypted_with_the_data_key_and_keep_jobs_14_days(resources):
    for name in ("SpoolQueue", "SpoolDeadLetterQueue"):
        queue = props(resources, name)
        assert queue["KmsMasterKeyId"] == {"Ref": "DataKey"}, name
        assert queue["MessageRetentionPeriod"] == 1209600, name
    redrive = props(resources, "SpoolQueue")["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": ["SpoolDeadLetterQueue", "Arn"]}


def test_the_webhook_may_only_send_to_the_spool(resources):
    webhook = props(resources, "WebhookFunction")
    assert webhook["Environment"]["Variables"]["SPOOL_QUEUE_URL"] == {"Ref": "SpoolQueue"}
    sqs = [s for s in statements(webhook) if any(a.startswith("sqs:") for a in _actions(s))]
    assert [(_actions(s), s["Resource"]) for s in sqs] == [
        (["sqs:SendMessage"], {"Fn::GetAtt": ["SpoolQueue", "Arn"]})
    ]
    kms = {a for s in statements(webhook) for a in _actions(s) if a.startswith("kms:")}
    # GenerateDataKey for the spool (SQS); GenerateDataKey* for the degraded-intake page (SNS)
    assert kms == {"kms:Decrypt", "kms:GenerateDataKey", "kms:GenerateDataKey*"}


def test_the_webhook_may_page_only_the_on_call_topic_and_use_its_key(resources):
    """The degraded-intake page: PAGE_TOPIC_ARN and sns:Publish on the pager topic, nothing else of SNS; the
    topic is encrypted with the data key, on which the webhook may generate data keys and decrypt."""
    webhook = props(resources, "WebhookFunction")
    assert webhook["Environment"]["Variables"]["PAGE_TOPIC_ARN"] == {"Ref": "PagerTopic"}
    sns = [s for s in statements(webhook) if any(a.startswith("sns:") for a in _actions(s))]
    assert [(_actions(s), s["Resource"]) for s in sns] == [(["sns:Publish"], {"Ref": "PagerTopic"})]
    assert props(resources, "PagerTopic")["KmsMasterKeyId"] == {"Ref": "DataKey"}
    (pages_key,) = [s for s in statements(webhook) if s["Sid"] == "EncryptPagesWithDataKey"]
    assert sorted(_actions(pages_key)) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert pages_key["Resource"] == {"Fn::GetAtt": ["DataKey", "Arn"]}


def test_the_drainer_reads_the_spool_through_an_event_source_mapping_and_reports_item_failures(resources):
    drainer = props(resources, "DrainerFunction")
    assert (drainer["CodeUri"], drainer["Handler"]) == ("functions/drainer/", "app.handler")
    (event,) = drainer["Events"].values()
    assert event["Type"] == "SQS"
    assert event["Properties"]["Queue"] == {"Fn::GetAtt": ["SpoolQueue", "Arn"]}
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    secrets = [s for s in statements(drainer) if "secretsmanager:GetSecretValue" in _actions(s)]
    # the publisher broker user's secret only (issue 13: least RabbitMQ rights), never the administrator's
    assert [s["Resource"] for s in secrets] == [[{"Ref": "BrokerPublisherSecret"}]]
    assert resources["DrainerFunction"]["DependsOn"] == "BrokerUsers"
    timeout = 10  # Globals
    assert props(resources, "SpoolQueue")["VisibilityTimeout"] >= 6 * timeout


def test_alarms_fire_for_spool_use_total_failure_and_a_spool_that_does_not_drain(resources):
    def alarm(name: str) -> dict[str, Any]:
        return props(resources, name)

    assert (alarm("SpoolInUseAlarm")["Namespace"], alarm("SpoolInUseAlarm")["MetricName"]) == (
        "FastTriage",
        "jobs_spooled",
    )
    assert alarm("JobsNotStoredAlarm")["MetricName"] == "jobs_not_stored"
    assert alarm("SpoolNotDrainingAlarm")["MetricName"] == "ApproximateAgeOfOldestMessage"
    assert alarm("SpoolDeadLetterAlarm")["MetricName"] == "ApproximateNumberOfMessagesVisible"
    for name in ("SpoolInUseAlarm", "JobsNotStoredAlarm", "SpoolNotDrainingAlarm", "SpoolDeadLetterAlarm"):
        assert alarm(name)["AlarmActions"] == [{"Ref": "AlarmTopic"}]
        assert (alarm(name)["ComparisonOperator"], alarm(name)["EvaluationPeriods"]) == (
            "GreaterThanThreshold",
            1,
        )


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]
