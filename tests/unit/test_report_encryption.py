"""Issue 13.2: a deployed worker stores every report with the stack's KMS key, or does not start."""

from __future__ import annotations

import mongomock
import pytest

from fasttriage.config import ConfigurationError
from fasttriage.worker import WorkerSettings, build_runner

KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/0f3a9c1e-2b4d-4f6a-8b8c-9d0e1f2a3b4c"


class RecordingS3:
    def __init__(self) -> None:
        self.puts: list[dict] = []

    def put_object(self, **kwargs):
        self.puts.append(kwargs)
        return {"VersionId": "v1"}


def test_a_deployed_worker_without_the_data_key_refuses_to_start():
    settings = WorkerSettings(stage="prod", reports_bucket="reports")
    with pytest.raises(ConfigurationError, match="REPORTS_KMS_KEY_ID"):
        build_runner(settings, mongo_db=mongomock.MongoClient()["w"], s3=RecordingS3(), twilio_outbound=False)


def test_a_deployed_worker_puts_reports_with_sse_kms_and_the_data_key():
    s3 = RecordingS3()
    settings = WorkerSettings(stage="prod", reports_bucket="reports", reports_kms_key_id=KEY_ARN)
    runner = build_runner(settings, mongo_db=mongomock.MongoClient()["w"], s3=s3, twilio_outbound=False)
    runner.ports.store.put("triage/x/report.pdf", b"%PDF", "application/pdf")
    [put] = s3.puts
    assert (put["ServerSideEncryption"], put["SSEKMSKeyId"]) == ("aws:kms", KEY_ARN)
