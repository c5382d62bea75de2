"""The doctors' API handler: health, report links, and its errors (fakes for Mongo and S3)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest
from fasttriage.domain.models import (
    CaseRecord,
    Language,
    Provenance,
    ReportRef,
    TriageSummary,
)
from fasttriage.domain.urgency import Urgency
from support import event

KNOWN = "0123456789abcdef0123456789abcdef"
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


class FakeCases:
    def __init__(self, records):
        self.records = {r.summary_id: r for r in records}

    def get(self, summary_id):
        return self.records.get(summary_id)


class FakeLinks:
    def __init__(self, stored=True):
        self.stored = stored
        self.asked = []

    def exists(self, key, version_id=None):
        return self.stored

    def presigned_get(self, key, version_id, filename, expires_s):
        self.asked.append((key, version_id, filename, expires_s))
        return f"https://s3.example/{key}?X-Amz-Expires={expires_s}"


def record() -> CaseRecord:
    summary = TriageSummary(
        chief_complaint="sore throat",
        urgency=Urgency.ROUTINE,
        recommended_disposition="Book a regular appointment.",
        language=Language.EN,
        provenance=Provenance(producer="fallback", rules_version="test"),
    )
    ref = ReportRef(
        version=1,
        key=f"triage/{KNOWN}/report.pdf",
        s3_version_id="v1",
        created_at=NOW,
        urgency=Urgency.ROUTINE,
    )
    return CaseRecord(
        summary_id=KNOWN,
        patient="whatsapp:***0102",
        urgency=Urgency.ROUTINE,
        version=1,
        summary=summary,
        message_count=1,
        created_at=NOW,
        updated_at=NOW,
        last_message_at=NOW,
        reports={"1": ref},
    )


@pytest.fixture
def api(local_env):
    from fasttriage.local.lambdas import load_function

    module = load_function("presign", fresh=True)
    module.deps.cases = FakeCases([record()])
    module.deps.links = FakeLinks()
    return module


def report_event(summary_id: str, claims: dict | None = None, query: dict | None = None) -> dict:
    ev = copy.deepcopy(event("report_unknown_summary.json"))
    ev["path"] = f"/summaries/{summary_id}/report"
    ev["pathParameters"] = {"summary_id": summary_id}
    if claims is not None:
        ev["requestContext"]["authorizer"] = {"claims": claims}
    if query is not None:
        ev["queryStringParameters"] = {k: v[-1] for k, v in query.items()}
        ev["multiValueQueryStringParameters"] = query
    return ev


def test_health_is_200(api, lambda_context):
    answer = api.handler(event("health.json"), lambda_context)
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"status": "ok"}


def test_known_report_gets_a_presigned_url_that_expires_within_five_minutes(api, lambda_context):
    answer = api.handler(report_event(KNOWN), lambda_context)

    assert answer["statusCode"] == 200
    body = json.loads(answer["body"])
    assert body["version"] == 1
    assert "X-Amz-Expires=300" in body["url"]
    key, version_id, filename, ttl = api.deps.links.asked[0]
    assert (key, version_id, ttl) == (f"triage/{KNOWN}/report.pdf", "v1", 300)
    assert filename == "fasttriage-01234567-v1.pdf"


def test_unknown_summary_from_the_sample_event_is_404(api, lambda_context):
    api.deps.cases.records.clear()
    answer = api.handler(event("report_unknown_summary.json"), lambda_context)
    assert answer["statusCode"] == 404
    assert json.loads(answer["body"])["error"] == "not_found"


@pytest.mark.parametrize(
    "bad", ["xyz", "0123456789ABCDEF0123456789ABCDEF", "0" * 31, "0" * 33, "..%2F..%2Fetc"]
)
def test_malformed_summary_id_is_400(api, lambda_context, bad):
    answer = api.handler(report_event(bad), lambda_context)
    assert answer["statusCode"] == 400
    assert "summary_id" in json.loads(answer["body"])["message"]


def test_unknown_version_is_404_and_malformed_version_is_400(api, lambda_context):
    assert api.handler(report_event(KNOWN, query={"version": ["7"]}), lambda_context)["statusCode"] == 404
    assert api.handler(report_event(KNOWN, query={"version": ["-1"]}), lambda_context)["statusCode"] == 400


def test_report_missing_from_s3_is_404(api, lambda_context):
    api.deps.links.stored = False
    assert api.handler(report_event(KNOWN), lambda_context)["statusCode"] == 404


def test_no_identity_is_401_and_another_group_is_403(api, lambda_context):
    no_claims = report_event(KNOWN)
    del no_claims["requestContext"]["authorizer"]
    nurse = report_event(KNOWN, claims={"sub": "u-1", "cognito:groups": "nurses"})

    assert api.handler(no_claims, lambda_context)["statusCode"] == 401
    assert api.handler(nurse, lambda_context)["statusCode"] == 403
    assert api.deps.links.asked == []
