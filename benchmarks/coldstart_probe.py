"""One webhook cold start, run in a fresh interpreter by benchmarks.webhook: prints its timings as JSON.

Timed: the import of functions/webhook/app.py, the import of the Mongo adapter (pymongo, which production
imports on the first request) and the first request (broker connect, topology declare, confirmed publish).
Not timed: mongomock (a test double) and building the signed event (Twilio's side of the wire).
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
    from fasttriage.adapters.mongo import MongoPatients

    adapter_imported = time.perf_counter()

    import mongomock  # the test double: not part of a production cold start

    from benchmarks.common import webhook_fields
    from fasttriage.local.events import signed_webhook_event
    from fasttriage.local.lambdas import FakeContext

    module.deps.patients = MongoPatients(mongomock.MongoClient()["coldstart"])
    event = signed_webhook_event(webhook_fields(sys.argv[1], 0, patients=1))
    context = FakeContext()

    first = time.perf_counter()
    answer = module.handler(event, context)
    answered = time.perf_counter()
    module.deps.publisher.close()
    print(
        json.dumps(
            {
                "status": answer["statusCode"],
                "import_ms": (imported - started) * 1000,
                "mongo_adapter_ms": (adapter_imported - imported) * 1000,
                "first_request_ms": (answered - first) * 1000,
                "total_ms": (imported - started + adapter_imported - imported + answered - first) * 1000,
            }
        )
    )


if __name__ == "__main__":
    main()
