"""The doctors' API handler: queue, case, edits, report links, console, audit, and their errors.

No network: the real MongoRepository on mongomock (in memory) and a fake for the S3 presigner.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import mongomock
import pytest

from fasttriage.adapters.mongo import MongoDoctorsCases
from fasttriage.local.events import rest_event
from support import event, header

KNOWN = "0123456789abcdef0123456789abcdef"
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
DOCTOR = {
    "sub": "00000000-0000-4000-8000-00000000d0c1",
    "cognito:username": "dr.ada",
    "cognito:groups": "doctors",
}
NURSE = {"sub": "u-1", "cognito:username": "nurse.bo", "cognito:groups": "nurses"}


class FakeLinks:
    def __init__(self, stored=True):
        self.stored = stored
        self.asked = []

    def exists(self, key, version_id=None):
        return self.stored

    def presigned_get(self, key, version_id, filename, expires_s):
        self.asked.append((key, version_id, filename, expires_s))
        return f"https://s3.example/{key}?X-Amz-Expires={expires_s}"


def case_doc(
    case_id: str,
    urgency: str = "routine",
    *,
    updated_at: datetime = NOW,
    status: str = "new",
    version: int = 1,
    flags: tuple[str, ...] = (),
    complaint: str = "sore throat",
) -> dict:
    """A summaries document in the shape the worker writes (MongoRepository.save_summary)."""
    ranks = ["emergency", "urgent", "soon", "routine", "self_care"]
    summary = {
        "chief_complaint": complaint,
        "symptoms": [],
        "relevant_history": [],
        "medications": [],
        "allergies": [],
        "red_flags": [{"code": c, "label": c, "floor": urgency, "evidence": "patient words"} for c in flags],
        "urgency": urgency,
        "recommended_disposition": "See a clinician.",
        "follow_up_questions": [],
        "language": "en",
        "provenance": {"producer": "fallback", "rules_version": "test"},
    }
    return {
        "_id": case_id,
        "patient_key": "k" + case_id[:6],
        "patient": "whatsapp:***0102",
        "profile": "J. C.",
        "status": status,
        "open": status != "closed",
        "urgency": urgency,
        "urgency_rank": ranks.index(urgency),
        "version": version,
        "message_count": version,
        "summary": summary,
        "created_at": updated_at - timedelta(minutes=5),
        "updated_at": updated_at,
        "last_message_at": updated_at,
        "reports": {
            str(v): {
                "version": v,
                "key": f"triage/{case_id}/report.pdf",
                "s3_version_id": f"v{v}",
                "created_at": (updated_at - timedelta(minutes=version - v)).isoformat(),
                "urgency": urgency,
            }
            for v in range(1, version + 1)
        },
    }


@pytest.fixture
def db():
    return mongomock.MongoClient()["fasttriage"]


@pytest.fixture
def api(local_env, db):
    from fasttriage.local.lambdas import load_function

    db["summaries"].insert_one(case_doc(KNOWN))
    module = load_function("presign", fresh=True)
    module.deps.cases = MongoDoctorsCases(db)
    module.deps.cases.ensure_indexes()
    module.deps.links = FakeLinks()
    return module


def call(api, ctx, method, path, *, claims=DOCTOR, query=None, body=None, stage="Prod"):
    """One request through the handler, as API Gateway (with its Cognito authorizer) would deliver it."""
    ev = rest_event(
        method,
        path,
        query={k: [v] for k, v in query.items()} if query else None,
        body=json.dumps(body) if body is not None and not isinstance(body, str) else body,
        headers={"Content-Type": "application/json"} if body is not None else None,
        claims=claims,
        stage=stage,
    )
    answer = api.handler(ev, ctx)
    ctype = header(answer, "Content-Type") or ""
    payload = json.loads(answer["body"]) if ctype.startswith("application/json") else answer["body"]
    return answer["statusCode"], payload


def report_event(case_id: str, claims: dict | None = None, query: dict | None = None) -> dict:
    return rest_event("GET", f"/summaries/{case_id}/report", query=query, claims=claims or DOCTOR)


# --- health and report links (the existing contract) -------------------------------------------------------


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


def test_unknown_summary_from_the_sample_event_is_404(api, lambda_context, db):
    db["summaries"].delete_many({})
    answer = api.handler(event("report_unknown_summary.json"), lambda_context)
    assert answer["statusCode"] == 404
    assert json.loads(answer["body"])["error"] == "not_found"


@pytest.mark.parametrize(
    "bad", ["xyz", "0123456789ABCDEF0123456789ABCDEF", "0" * 31, "0" * 33, "..%2F..%2Fetc"]
)
def test_malformed_case_id_is_400(api, lambda_context, bad):
    answer = api.handler(report_event(bad), lambda_context)
    assert answer["statusCode"] == 400
    assert "summary_id" in json.loads(answer["body"])["message"]


def test_unknown_version_is_404_and_malformed_version_is_400(api, lambda_context):
    assert api.handler(report_event(KNOWN, query={"version": ["7"]}), lambda_context)["statusCode"] == 404
    assert api.handler(report_event(KNOWN, query={"version": ["-1"]}), lambda_context)["statusCode"] == 400


def test_report_missing_from_s3_is_404(api, lambda_context):
    api.deps.links.stored = False
    assert api.handler(report_event(KNOWN), lambda_context)["statusCode"] == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/summaries"), ("GET", f"/summaries/{KNOWN}"), ("GET", f"/summaries/{KNOWN}/report")],
)
def test_no_identity_is_401_and_another_group_is_403_on_every_data_route(
    api, lambda_context, db, method, path
):
    assert call(api, lambda_context, method, path, claims=None)[0] == 401
    status, body = call(api, lambda_context, method, path, claims=NURSE)
    assert (status, body["error"]) == (403, "forbidden")
    assert api.deps.links.asked == []
    assert db["audit"].count_documents({}) == 0


def test_a_nurse_cannot_change_a_case(api, lambda_context, db):
    change = {"status": "in_review", "expected_version": 1, "expected_revision": 0}
    assert call(api, lambda_context, "PATCH", f"/summaries/{KNOWN}", claims=NURSE, body=change)[0] == 403
    assert db["summaries"].find_one({"_id": KNOWN})["status"] == "new"


# --- the queue ---------------------------------------------------------------------------------------------


def seed_queue(db) -> dict[str, str]:
    ids = {
        name: f"{i:x}".rjust(32, "a")
        for i, name in enumerate(["old_routine", "emergency", "new_routine", "urgent", "closed_soon"])
    }
    db["summaries"].insert_many(
        [
            case_doc(ids["old_routine"], "routine", updated_at=NOW - timedelta(hours=3)),
            case_doc(
                ids["emergency"],
                "emergency",
                updated_at=NOW - timedelta(hours=5),
                flags=("cardiac_chest_pain",),
            ),
            case_doc(ids["new_routine"], "routine", updated_at=NOW + timedelta(minutes=1)),
            case_doc(ids["urgent"], "urgent", updated_at=NOW - timedelta(hours=1), status="in_review"),
            case_doc(ids["closed_soon"], "soon", updated_at=NOW - timedelta(hours=2), status="closed"),
        ]
    )
    return ids


def test_queue_puts_emergencies_first_then_urgency_then_newest(api, lambda_context, db):
    ids = seed_queue(db)
    status, body = call(api, lambda_context, "GET", "/summaries")

    assert status == 200
    order = [item["summary_id"] for item in body["items"]]
    assert order == [
        ids["emergency"],
        ids["urgent"],
        ids["closed_soon"],
        ids["new_routine"],
        KNOWN,
        ids["old_routine"],
    ]
    first = body["items"][0]
    assert first["urgency"] == "emergency" and first["red_flags"] == ["cardiac_chest_pain"]
    assert first["patient"] == "whatsapp:***0102" and first["profile"] == "J. C."
    assert first["producer"] == "fallback" and first["version"] == 1 and first["status"] == "new"
    assert first["updated_at"].endswith("Z")  # explicit UTC
    assert "patient words" not in json.dumps(body)  # the queue shows codes, never the patient's evidence
    assert body["next_cursor"] is None and body["limit"] == 25


def test_queue_filters_by_urgency_status_and_since(api, lambda_context, db):
    ids = seed_queue(db)

    def listed(**query):
        status, body = call(api, lambda_context, "GET", "/summaries", query=query)
        assert status == 200, body
        return [item["summary_id"] for item in body["items"]]

    assert listed(urgency="emergency") == [ids["emergency"]]
    assert listed(urgency="emergency,urgent") == [ids["emergency"], ids["urgent"]]
    assert listed(status="closed") == [ids["closed_soon"]]
    assert listed(status="new,in_review", urgency="urgent,routine") == [
        ids["urgent"],
        ids["new_routine"],
        KNOWN,
        ids["old_routine"],
    ]
    assert listed(since=(NOW - timedelta(minutes=90)).isoformat()) == [
        ids["urgent"],
        ids["new_routine"],
        KNOWN,
    ]


def test_cursor_pages_through_the_whole_queue_without_gaps_or_repeats(api, lambda_context, db):
    ids = seed_queue(db)
    # Two cases with the same urgency and the same updated_at: the id breaks the tie.
    twins = ["b" * 32, "c" * 32]
    db["summaries"].insert_many([case_doc(t, "routine", updated_at=NOW - timedelta(hours=3)) for t in twins])
    seen, cursor, pages = [], None, 0
    while True:
        status, body = call(
            api,
            lambda_context,
            "GET",
            "/summaries",
            query={"limit": "2", **({"cursor": cursor} if cursor else {})},
        )
        assert status == 200 and len(body["items"]) <= 2
        seen += [item["summary_id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 4
    assert len(seen) == len(set(seen)) == 8
    assert seen[:2] == [ids["emergency"], ids["urgent"]]
    assert seen[-3:] == sorted([ids["old_routine"], *twins])


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        (
            {"cursor": "WzAsIjIwMjYiLCJ4Il0"},
            "cursor",
        ),  # base64 of [0,"2026","x"]: decodes, but is no sort key
        ({"urgency": "critical"}, "urgency"),
        ({"status": "open"}, "status"),
        ({"since": "yesterday"}, "since"),
    ],
)
def test_bad_queue_parameters_are_400_naming_the_field(api, lambda_context, db, query, field):
    status, body = call(api, lambda_context, "GET", "/summaries", query=query)
    assert status == 400
    assert body["error"] == "invalid_request" and field in body["message"]
    assert db["audit"].count_documents({}) == 0


# --- one case ----------------------------------------------------------------------------------------------


def test_a_case_shows_its_structured_summary_and_every_version(api, lambda_context, db):
    db["summaries"].replace_one({"_id": KNOWN}, case_doc(KNOWN, "urgent", version=3, flags=("sepsis",)))
    status, body = call(api, lambda_context, "GET", f"/summaries/{KNOWN}")

    assert status == 200
    assert body["summary"]["chief_complaint"] == "sore throat"
    assert body["summary"]["red_flags"][0]["code"] == "sepsis"
    assert [v["version"] for v in body["versions"]] == [1, 2, 3]
    assert set(body["versions"][0]) == {"version", "created_at", "urgency"}
    assert (body["version"], body["revision"], body["status"]) == (3, 0, "new")


def test_unknown_case_is_404_and_malformed_id_is_400(api, lambda_context):
    assert call(api, lambda_context, "GET", f"/summaries/{'f' * 32}")[0] == 404
    assert call(api, lambda_context, "GET", "/summaries/NOT-AN-ID")[0] == 400


# --- edits -------------------------------------------------------------------------------------------------


def patch(api, ctx, body, case_id=KNOWN, claims=DOCTOR):
    return call(api, ctx, "PATCH", f"/summaries/{case_id}", body=body, claims=claims)


def test_a_doctor_takes_a_case_in_review_then_closes_it(api, lambda_context, db):
    status, body = patch(
        api, lambda_context, {"status": "in_review", "expected_version": 1, "expected_revision": 0}
    )
    assert status == 200, body
    assert (body["status"], body["assignee"], body["revision"]) == ("in_review", "dr.ada", 1)

    status, body = patch(
        api, lambda_context, {"status": "closed", "expected_version": 1, "expected_revision": 1}
    )
    assert status == 200, body
    doc = db["summaries"].find_one({"_id": KNOWN})
    assert (doc["status"], doc["assignee"], doc["revision"], doc["open"]) == ("closed", "dr.ada", 2, False)
    assert doc["version"] == 1  # the summary version belongs to the worker: edits never move it


def test_reopen_and_hand_back_are_allowed_but_new_cannot_jump_to_closed(api, lambda_context, db):
    status, body = patch(
        api, lambda_context, {"status": "closed", "expected_version": 1, "expected_revision": 0}
    )
    assert (status, body["error"]) == (409, "transition_not_allowed")
    assert "from new to closed" in body["message"] and body["current"]["status"] == "new"

    steps = [("in_review", 0), ("new", 1), ("in_review", 2), ("closed", 3), ("in_review", 4)]
    for target, revision in steps:
        status, body = patch(
            api, lambda_context, {"status": target, "expected_version": 1, "expected_revision": revision}
        )
        assert (status, body["status"]) == (200, target)
    assert db["summaries"].find_one({"_id": KNOWN})["open"] is True  # reopened


def test_a_new_patient_message_since_loading_is_a_409_conflict(api, lambda_context, db):
    db["summaries"].update_one({"_id": KNOWN}, {"$set": {"version": 2}})  # the worker added a message
    status, body = patch(
        api, lambda_context, {"status": "in_review", "expected_version": 1, "expected_revision": 0}
    )

    assert (status, body["error"]) == (409, "version_conflict")
    assert "new message" in body["message"]
    assert body["current"] == {"version": 2, "revision": 0, "status": "new", "assignee": None}
    assert db["summaries"].find_one({"_id": KNOWN})["status"] == "new"


def test_two_doctors_editing_the_same_case_one_wins_the_other_gets_409(api, lambda_context, db):
    first = patch(api, lambda_context, {"status": "in_review", "expected_version": 1, "expected_revision": 0})
    bob = {**DOCTOR, "sub": "u-bob", "cognito:username": "dr.bob"}
    second = patch(
        api,
        lambda_context,
        {"status": "in_review", "assignee": "dr.bob", "expected_version": 1, "expected_revision": 0},
        claims=bob,
    )

    assert first[0] == 200 and second[0] == 409
    assert "another edit" in second[1]["message"]
    assert db["summaries"].find_one({"_id": KNOWN})["assignee"] == "dr.ada"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "done", "expected_version": 1, "expected_revision": 0}, "status"),
        ({"status": "closed", "expected_revision": 0}, "expected_version"),
        ({"status": "closed", "expected_version": "1", "expected_revision": 0}, "expected_version"),
        ({"status": "closed", "expected_version": 1}, "expected_revision"),
        (
            {"status": "closed", "expected_version": 1, "expected_revision": 0, "urgency": "routine"},
            "urgency",
        ),
        ({"status": "in_review", "assignee": "", "expected_version": 1, "expected_revision": 0}, "assignee"),
    ],
)
def test_a_bad_patch_body_is_400_naming_the_field(api, lambda_context, db, body, field):
    status, answer = patch(api, lambda_context, body)
    assert status == 400
    assert answer["error"] == "invalid_request" and field in answer["message"]
    assert db["summaries"].find_one({"_id": KNOWN})["status"] == "new"


def test_a_patch_that_is_not_json_is_400(api, lambda_context):
    status, answer = patch(api, lambda_context, "status=closed")
    assert status == 400 and answer["error"] == "invalid_request"


def test_patching_an_unknown_case_is_404(api, lambda_context):
    status, _ = patch(
        api,
        lambda_context,
        {"status": "in_review", "expected_version": 1, "expected_revision": 0},
        case_id="e" * 32,
    )
    assert status == 404


# --- audit -------------------------------------------------------------------------------------------------


class InsertOnly:
    """Wraps the audit collection and fails the test on anything but an insert."""

    def __init__(self, collection):
        self._collection = collection

    def __getattr__(self, name):
        if name != "insert_one":
            raise AssertionError(f"the audit trail must be append-only; {name} was called")
        return getattr(self._collection, name)


def test_every_read_and_edit_of_patient_data_is_audited_append_only(api, lambda_context, db, monkeypatch):
    real = db["audit"]
    original = type(db).__getitem__
    monkeypatch.setattr(
        type(db),
        "__getitem__",
        lambda self, name: InsertOnly(real) if name == "audit" else original(self, name),
    )

    call(api, lambda_context, "GET", "/summaries", query={"urgency": "routine", "status": "new"})
    call(api, lambda_context, "GET", f"/summaries/{KNOWN}")
    call(api, lambda_context, "GET", f"/summaries/{KNOWN}/report")
    patch(api, lambda_context, {"status": "in_review", "expected_version": 1, "expected_revision": 0})
    patch(
        api, lambda_context, {"status": "in_review", "expected_version": 1, "expected_revision": 0}
    )  # stale: 409

    entries = list(real.find({}, {"_id": 0}).sort("at", 1))
    assert [e["action"] for e in entries] == [
        "list_summaries",
        "get_summary",
        "get_report_link",
        "update_summary",
        "update_summary",
    ]
    assert all(e["subject"] == DOCTOR["sub"] and e["username"] == "dr.ada" and e["at"] for e in entries)
    listing, _, link, edit, stale = entries
    assert listing["filter"]["urgency"] == ["routine"] and listing["filter"]["status"] == ["new"]
    assert listing["summary_ids"] == [KNOWN]
    assert link["summary_id"] == KNOWN and link["detail"] == {"version": 1}
    assert (edit["outcome"], edit["detail"]["from"], edit["detail"]["to"]) == ("ok", "new", "in_review")
    assert stale["outcome"] == "version_conflict"
    assert "whatsapp:" not in json.dumps(
        entries, default=str
    )  # who and what, never the patient's identifiers


# --- console -----------------------------------------------------------------------------------------------


def test_console_is_served_without_sign_in_with_a_strict_content_security_policy(api, lambda_context):
    answer = api.handler(rest_event("GET", "/console", stage="Prod"), lambda_context)

    assert answer["statusCode"] == 200
    assert (header(answer, "Content-Type") or "").startswith("text/html")
    csp = header(answer, "Content-Security-Policy") or ""
    assert "default-src 'none'" in csp and "script-src 'sha256-" in csp and "unsafe-inline" not in csp
    assert '"sign_in": "cognito"' in answer["body"]


def test_console_uses_dev_sign_in_only_behind_the_local_gateway(api, lambda_context):
    api.settings = api.settings.model_copy(
        update={
            "cognito_domain": "fasttriage-dev.auth.us-east-1.amazoncognito.com",
            "cognito_client_id": "abc123",
        }
    )
    deployed = api.handler(rest_event("GET", "/console", stage="dev"), lambda_context)["body"]
    local = api.handler(rest_event("GET", "/console", stage="local"), lambda_context)["body"]

    assert '"cognito_domain": "https://fasttriage-dev.auth.us-east-1.amazoncognito.com"' in deployed
    assert '"cognito_client_id": "abc123"' in deployed
    assert '"sign_in": "dev"' in local and "amazoncognito" not in local
