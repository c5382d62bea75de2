"""One webhook cold start, run in a fresh interpreter by benchmarks.webhook: prints its timings as JSON.

Timed: the import of functions/webhook/app.py and the first request (broker connect, topology declare,
confirmed publish), with the production wiring: the patient registry (pymongo) is not on that path; it is
built in the background once the first request is answered (timed apart, as `background_registry_ms`).
Not timed: building the signed event (Twilio's side of the wire).
Only the standard library is imported before the clock starts.
"""

from __future__ import annotations

import json
import sys
import time


def main() -> None:
    started = time.perf_counter()
    from fasttriage.local.lambdas import load_function

    module = load_function("webhook")
    imported = time.perf_counter()
    pymongo_at_import = "pymongo" in sys.modules
    boto3_at_import = "boto3" in sys.modules  # SQS (spool) and SNS (intake page) clients: background only

    from benchmarks.common import webhook_fields
    from fasttriage.local.events import signed_webhook_event
    from fasttriage.local.lambdas import FakeContext

    event = signed_webhook_event(webhook_fields(sys.argv[1], 0, patients=1))
    context = FakeContext()

    first = time.perf_counter()
    answer = module.handler(event, context)
    answered = time.perf_counter()
    loaded = module.deps.patients.wait_ready(30)  # the background load the first answer started
    registry_ready = time.perf_counter()
    module.deps.publisher.close()
    print(
        json.dumps(
            {
                "status": answer["statusCode"],
                "import_ms": (imported - started) * 1000,
                "first_request_ms": (answered - first) * 1000,
                "total_ms": (answered - first + imported - started) * 1000,
                "background_registry_ms": (registry_ready - answered) * 1000,
                "registry_loaded": loaded,
                "pymongo_at_import": pymongo_at_import,
                "boto3_at_import": boto3_at_import,
            }
        )
    )


if __name__ == "__main__":
    main()
