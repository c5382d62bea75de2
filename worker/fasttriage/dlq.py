"""Dead letters, for operators: `python -m fasttriage.dlq list|redrive` in the worker image (the admin task of
template.yaml), `fasttriage dlq ...` on a development machine (the same code)."""

from __future__ import annotations

import argparse
import os
import sys

from fasttriage.config import BROKER_REQUIRED, BrokerSettings, StageSettings


class AdminSettings(StageSettings, BrokerSettings):
    """The admin task's settings (template.yaml's AdminTaskDefinition): the broker, with its admin user."""

    required_in_aws = (BROKER_REQUIRED,)


def add_arguments(dlq: argparse.ArgumentParser) -> None:
    dlq_sub = dlq.add_subparsers(dest="dlq_command", required=True)
    dlq_list = dlq_sub.add_parser("list", help="list dead letters without consuming them")
    dlq_list.add_argument("--limit", type=int, default=100)
    dlq_redrive = dlq_sub.add_parser("redrive", help="move dead letters back to their queue")
    dlq_redrive.add_argument("--id", action="append", help="a job's MessageSid (repeatable)")
    dlq_redrive.add_argument("--all", action="store_true")
    for p in (dlq_list, dlq_redrive):
        p.add_argument("--queue", help="job queue (default QUEUE_NAME or triage.jobs)")


def run(args: argparse.Namespace) -> int:
    from fasttriage.adapters.deadletters import list_dead, redrive
    from fasttriage.adapters.secrets import Secrets, amqp_url

    settings = AdminSettings.from_env()
    url = amqp_url(settings, Secrets(settings)) if not os.environ.get("AMQP_URL") else os.environ["AMQP_URL"]
    queue = args.queue or settings.queue_name
    if args.dlq_command == "list":
        letters = list_dead(url, queue, args.limit)
        print(f"{len(letters)} dead letter(s) in {queue}.dead")
        for d in letters:
            print(
                f"  {d.message_id}  attempts={d.attempts}  from={d.origin}  bytes={d.size}  reason={d.reason}"
            )
        return 0
    if not args.all and not args.id:
        print("say which: --id <MessageSid> (repeatable) or --all", file=sys.stderr)
        return 2
    moved = redrive(url, queue, None if args.all else set(args.id))
    print(f"re-drove {len(moved)} job(s) to their queues")
    for d in moved:
        print(f"  {d.message_id} -> {d.origin}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m fasttriage.dlq", description="list or re-drive dead-lettered jobs"
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
