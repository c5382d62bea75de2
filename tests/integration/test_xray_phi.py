"""Issue 13.1: with X-Ray tracing on, no patient data (case bodies, report URLs, messages, error texts)
reaches the X-Ray daemon. Each handler runs in its own process, as in Lambda, against a fake daemon: a UDP
socket on localhost named by AWS_XRAY_DAEMON_ADDRESS."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from support import event

PROBE = Path(__file__).with_name("xray_probe.py")
ROOT = Path(__file__).resolve().parents[2]


def traced_run(which: str, local_env: dict[str, str]) -> tuple[str, list[bytes]]:
    daemon = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    daemon.bind(("127.0.0.1", 0))
    daemon.settimeout(0.2)
    port = daemon.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POWERTOOLS_", "AWS_SAM", "_X_AMZN"))}
    env.update(local_env)
    env.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": "fasttriage-probe",
            "LAMBDA_TASK_ROOT": str(ROOT),
            "_X_AMZN_TRACE_ID": "Root=1-5f84c7a1-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1",
            "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{port}",
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
            "POWERTOOLS_TRACE_DISABLED": "false",
            "POWERTOOLS_SERVICE_NAME": "probe",
        }
    )
    try:
        done = subprocess.run(
            [sys.executable, str(PROBE), which], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr[-2000:]
        segments = []
        while True:
            try:
                segments.append(daemon.recv(65536))
            except TimeoutError:
                break
    finally:
        daemon.close()
    probe_lines = [
        line.removeprefix("PROBE ") for line in done.stdout.splitlines() if line.startswith("PROBE ")
    ]
    return "\n".join(probe_lines), segments


def assert_traced_without(segments: list[bytes], secrets: list[str]) -> None:
    assert any(b"## handler" in s for s in segments), "the handler ran untraced: the probe proves nothing"
    sent = b"\n".join(segments).decode()
    assert "handler response" not in sent
    for secret in secrets:
        assert secret not in sent


def test_doctors_api_sends_no_case_body_or_report_url_to_xray(local_env):
    from xray_probe import PROBE_COMPLAINT, PROBE_URL

    out, segments = traced_run("doctors", local_env)
    assert out.split() == ["/summaries", "200", "/summaries/0123456789abcdef0123456789abcdef", "200",
                           "/summaries/0123456789abcdef0123456789abcdef/report", "200"]  # fmt: skip
    assert_traced_without(segments, ["PHIPROBE", PROBE_COMPLAINT, PROBE_URL])


def test_doctors_api_error_text_stays_out_of_xray(local_env):
    out, segments = traced_run("doctors-error", local_env)
    assert out.endswith("raised UnhandledError")  # the text of the original error is gone
    assert_traced_without(segments, ["PHIPROBE", "chest pain"])


def test_webhook_sends_no_message_or_reply_to_xray(local_env):
    import urllib.parse

    form = urllib.parse.parse_qs(event("webhook_emergency_chest_pain_pt_1.json")["body"])
    out, segments = traced_run("webhook", local_env)
    assert out.split()[:2] == ["webhook", "200"]
    number = form["From"][0].split(":")[-1]
    assert_traced_without(segments, [form["Body"][0], number, form["Body"][0][:20], "<Response"])
