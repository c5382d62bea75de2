"""The doctors' API through the local gateway and the real RabbitMQ: queue, case, edit, report, audit."""

from __future__ import annotations

import pytest
import requests

from fasttriage.local.demo import sign_in
from fasttriage.local.stack import LocalStack, free_port
from support import seed

pytestmark = pytest.mark.broker


@pytest.fixture(scope="module")
def seeded(broker_url):
    """One stack for the module, fed every signed sample message (emergency chest pain among them)."""
    import uuid

    stack = LocalStack(
        port=free_port(), amqp_url=broker_url, queue_name=f"test.{uuid.uuid4().hex[:10]}"
    ).start()
    try:
        cases = seed(stack)
        yield stack, cases
    finally:
        stack.stop()
        _delete_queues(broker_url, str(stack.queue_name))


def _delete_queues(broker_url: str, name: str) -> None:
    import pika

    from fasttriage.adapters.rabbitmq import emergency_queue

    connection = pika.BlockingConnection(pika.URLParameters(broker_url))
    channel = connection.channel()
    for queue in (name, emergency_queue(name)):
        channel.queue_delete(queue)
    connection.close()


@pytest.fixture
def doctor(seeded):
    stack, _ = seeded
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {sign_in(stack.gateway.url)}"
    return session


def test_the_queue_shows_the_emergency_first_and_pages_with_the_cursor(seeded, doctor):
    stack, cases = seeded
    url = f"{stack.gateway.url}/summaries"
    everything = doctor.get(url, timeout=10).json()["items"]
    assert len(everything) == len(cases)
    assert everything[0]["urgency"] == "emergency"
    # the emergencies come first, newest first: the screen-flagged chest pain and infant fever, and the
    # tracheostomy sample the screen misses (no red flags; the local stub rates it emergency)
    emergencies = [i for i in everything if i["urgency"] == "emergency"]
    assert len(emergencies) == 3 and sum(bool(i["red_flags"]) for i in emergencies) == 2
    ranks = [["emergency", "urgent", "soon", "routine", "self_care"].index(i["urgency"]) for i in everything]
    assert ranks == sorted(ranks)

    first = doctor.get(url, params={"limit": 2}, timeout=10).json()
    second = doctor.get(url, params={"limit": 2, "cursor": first["next_cursor"]}, timeout=10).json()
    assert [i["summary_id"] for i in first["items"] + second["items"]] == [
        i["summary_id"] for i in everything[:4]
    ]
    assert doctor.get(url, params={"cursor": "%%%"}, timeout=10).status_code == 400
    assert doctor.get(url, params={"limit": 500}, timeout=10).status_code == 400


def test_a_doctor_reviews_and_closes_a_case_and_a_stale_edit_is_409(seeded, doctor):
    stack, _ = seeded
    url = f"{stack.gateway.url}/summaries"
    target = doctor.get(url, params={"urgency": "routine,soon,self_care"}, timeout=10).json()["items"][0]
    case_url = f"{url}/{target['summary_id']}"
    loaded = doctor.get(case_url, timeout=10).json()
    assert loaded["versions"] and loaded["summary"]["chief_complaint"]

    taken = doctor.patch(
        case_url,
        json={
            "status": "in_review",
            "expected_version": loaded["version"],
            "expected_revision": loaded["revision"],
        },
        timeout=10,
    )
    stale = doctor.patch(
        case_url,
        json={
            "status": "closed",
            "expected_version": loaded["version"],
            "expected_revision": loaded["revision"],
        },
        timeout=10,
    )
    closed = doctor.patch(
        case_url,
        json={
            "status": "closed",
            "expected_version": loaded["version"],
            "expected_revision": taken.json()["revision"],
        },
        timeout=10,
    )
    assert (taken.status_code, stale.status_code, closed.status_code) == (200, 409, 200)
    assert stale.json()["error"] == "version_conflict"
    assert stack.db["summaries"].find_one({"_id": target["summary_id"]})["status"] == "closed"
    assert target["summary_id"] not in [
        i["summary_id"]
        for i in doctor.get(url, params={"status": "new,in_review"}, timeout=10).json()["items"]
    ]


def test_reads_and_edits_through_the_gateway_land_in_the_audit_trail(seeded, doctor):
    stack, _ = seeded
    before = stack.db["audit"].count_documents({})
    listing = doctor.get(f"{stack.gateway.url}/summaries", params={"urgency": "emergency"}, timeout=10).json()
    case_id = listing["items"][0]["summary_id"]
    link = doctor.get(f"{stack.gateway.url}/summaries/{case_id}/report", timeout=10)
    assert link.status_code == 200 and requests.get(link.json()["url"], timeout=10).content.startswith(
        b"%PDF"
    )

    entries = list(stack.db["audit"].find({}).sort("at", 1))[before:]
    assert [(e["action"], e["username"]) for e in entries] == [
        ("list_summaries", "dr.ada"),
        ("get_report_link", "dr.ada"),
    ]
    assert entries[0]["filter"]["urgency"] == ["emergency"] and entries[1]["summary_id"] == case_id


def test_the_gateway_refuses_anonymous_and_other_groups(seeded):
    stack, _ = seeded
    nurse = sign_in(stack.gateway.url, username="nurse.bo", group="nurses")
    url = f"{stack.gateway.url}/summaries"
    assert requests.get(url, timeout=5).status_code == 401
    assert requests.get(url, headers={"Authorization": f"Bearer {nurse}"}, timeout=5).status_code == 403
    page = requests.get(f"{stack.gateway.url}/console", timeout=5)
    assert page.status_code == 200 and '"sign_in": "dev"' in page.text
