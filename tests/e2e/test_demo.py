"""`make demo` as a person runs it: the table, and a real PDF per case, with and without RabbitMQ."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from pypdf import PdfReader

from support import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.broker]


@pytest.mark.parametrize(
    ("amqp_url", "queue_says"),
    [
        (None, "queue: RabbitMQ at"),
        ("amqp://guest:guest@127.0.0.1:1/%2F", "queue: in-memory queue"),  # nothing listens on port 1
    ],
)
def test_demo_prints_the_table_and_writes_a_pdf_per_case(broker_url, tmp_path, amqp_url, queue_says):
    env = {**os.environ, "AMQP_URL": amqp_url or broker_url}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "fasttriage.cli",
            "demo",
            "--events",
            str(ROOT / "events"),
            "--out",
            str(tmp_path),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert queue_says in run.stdout
    table = [line for line in run.stdout.splitlines() if line.startswith("whatsapp:***")]
    assert len(table) == 5 and " emergency " in table[0]  # emergencies listed first
    pdfs = sorted(tmp_path.glob("*.pdf"))
    assert len(pdfs) == 5
    # Escalation (issue 10): the screen-missed sample is paged and its patient told by the worker.
    pages = [json.loads(line) for line in (tmp_path / "pages.jsonl").read_text().splitlines()]
    sent = [json.loads(line) for line in (tmp_path / "outbound.jsonl").read_text().splitlines()]
    emergencies = {re.findall(r"\b[0-9a-f]{32}\b", line)[0] for line in table if " emergency " in line}
    assert {page["summary_id"] for page in pages} == emergencies and len(pages) == len(emergencies)
    assert all(page["reason"] == "new_case" and page["time"] for page in pages)
    [told] = sent  # the other emergencies were told by the webhook's own reply
    assert told["urgency"] == "emergency" and told["text"].startswith("This may be an emergency")
    assert told["summary_id"] in emergencies and "Pages to on-call clinicians" in run.stdout
    for pdf in pdfs:
        assert "FastTriage - triage report" in PdfReader(pdf).pages[0].extract_text()
