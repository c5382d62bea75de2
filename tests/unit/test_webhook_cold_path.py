"""What a webhook cold start loads: only what the patient's answer needs. The MongoDB driver, boto3 (spool,
page) and the doctors' side (cases, replies: the status-callback route) load later, off the answer's path; the
cold-start benchmark (`make bench`) measures the time, this checks the modules."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import LOCAL_ENV

NOT_AT_COLD_START = (
    "pymongo",
    "boto3",
    "fasttriage.domain.cases",
    "fasttriage.domain.replies",
    "fasttriage.domain.escalation",
)


def test_a_cold_start_loads_neither_the_database_driver_nor_aws_sdks_nor_the_doctors_side():
    probe = (
        "import json, sys\n"
        "from fasttriage.local.lambdas import load_function\n"
        "load_function('webhook')\n"
        f"print(json.dumps([name for name in {NOT_AT_COLD_START!r} if name in sys.modules]))\n"
    )
    env = {**os.environ, **LOCAL_ENV}
    env.pop("PUBLIC_WEBHOOK_URL", None)
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
