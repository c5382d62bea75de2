"""Runs one Lambda handler with X-Ray tracing ON, as the Lambda runtime would, in a process of its own.

`python tests/integration/xray_probe.py doctors|doctors-error|webhook` ; the caller sets
AWS_XRAY_DAEMON_ADDRESS to a UDP socket it listens on (a fake X-Ray daemon) and reads every segment sent.
Patient data planted here: PROBE_COMPLAINT (a case body), the presigned URL, the message body and sender.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parents[2])]

import mongomock  # noqa: E402

from fasttriage.adapters.mongo import MongoDoctorsCases, MongoPatients  # noqa: E402
from fasttriage.local.events import rest_event  # noqa: E402
from fasttriage.local.lambdas import FakeContext, load_function  # noqa: E402

PROBE_COMPLAINT = "crushing chest pain radiating to the left arm PHIPROBE"
PROBE_URL = "https://s3.example/triage/PHIPROBE-presigned?X-Amz-Signature=PHIPROBESIG"
CASE_ID = "0123456789abcdef0123456789abcdef"
DOCTOR = {
    "sub": "00000000-0000-4000-8000-00000000d0c1",
    "cognito:username": "dr.ada",
    "cognito:groups": "doctors",
}


class Links:
    def exists(self, key: str, version_id: str | None = None) -> bool:
        return True

    def presigned_get(self, key: str, version_id: str | None, filename: str, expires_s: int) -> str:
        return PROBE_URL


class BrokenCases:
    def __getattr__(self, name: str) -> object:
        raise RuntimeError(f"storage failed while reading {PROBE_COMPLAINT}")


class Publisher:
    def publish(self, job: object) -> None:
        return None


def doctors(broken: bool) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "unit"))
    from test_doctors_api import case_doc

    db: Any = mongomock.MongoClient()["fasttriage"]
    db["summaries"].insert_one(case_doc(CASE_ID, complaint=PROBE_COMPLAINT))
    api = load_function("presign", fresh=True)
    api.deps.cases = BrokenCases() if broken else MongoDoctorsCases(db)
    api.deps.links = Links()
    for path in (
        [f"/summaries/{CASE_ID}"]
        if broken
        else ["/summaries", f"/summaries/{CASE_ID}", f"/summaries/{CASE_ID}/report"]
    ):
        try:
            answer = api.handler(rest_event("GET", path, claims=DOCTOR), FakeContext())
            print("PROBE", path, answer["statusCode"])
        except RuntimeError as exc:
            print("PROBE", path, "raised", type(exc).__name__)


def webhook() -> None:
    from support import event

    hook = load_function("webhook", fresh=True)
    hook.deps.publisher = Publisher()
    hook.deps.patients = MongoPatients(mongomock.MongoClient()["fasttriage"])
    answer = hook.handler(event("webhook_emergency_chest_pain_pt_1.json"), FakeContext())
    print("PROBE", "webhook", answer["statusCode"])


if __name__ == "__main__":
    which = sys.argv[1]
    if which == "webhook":
        webhook()
    else:
        doctors(broken=which == "doctors-error")
