"""`fasttriage`: the command line for people: demo, the local stack, red-flag assessment, dead letters."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _local(args: argparse.Namespace) -> int:
    if args.local_command == "serve":
        import time

        from fasttriage.local.constants import LOCAL_DEV_PASSWORD
        from fasttriage.local.demo import replay, sample_events
        from fasttriage.local.stack import LocalStack

        stack = LocalStack(port=args.port, echo_pages=True).start()
        print(f"FastTriage local stack on {stack.gateway.url} ({stack.queue_description}). Ctrl-C stops it.")
        print(
            "  pages to on-call clinicians and messages the worker sends patients are printed below (PAGE/PATIENT)"
        )
        print(f"  POST {stack.gateway.url}/webhook/twilio   GET {stack.gateway.url}/console")
        print(f"  console dev sign-in: any user name, password '{LOCAL_DEV_PASSWORD}'")
        if args.seed:
            samples = sample_events(Path(args.events))
            replay(stack.gateway.url, samples)
            print(f"  seeded {len(samples)} sample message(s) from {args.events}/")
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            stack.stop()
        return 0
    if args.local_command == "send":
        import uuid

        from fasttriage.local.demo import post_signed
        from fasttriage.local.events import twilio_payload

        sid = "SM" + uuid.uuid4().hex
        answer = post_signed(
            args.url, twilio_payload(sid=sid, sender=args.sender, body=args.text, profile_name=args.profile)
        )
        print(f"HTTP {answer.status_code} (MessageSid {sid})")
        print(answer.text)
        return 0 if answer.status_code == 200 else 1
    if args.local_command == "make-events":
        from fasttriage.local.samples import write_events

        for path in write_events(Path(args.dir)):
            print(path)
        return 0
    if args.local_command == "token":
        from fasttriage.local.devauth import issue_token

        print(issue_token(args.username, [args.group]))
        return 0
    return 2


def _dlq(args: argparse.Namespace) -> int:
    from fasttriage.dlq import run  # worker/fasttriage/dlq.py: the worker image runs it too

    return run(args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fasttriage", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run the whole flow locally on the events/ samples")
    demo.add_argument("--events", default="events")
    demo.add_argument("--out", default="out")
    demo.add_argument("--timeout", type=float, default=120.0)

    local = sub.add_parser("local", help="the local stack")
    local_sub = local.add_subparsers(dest="local_command", required=True)
    serve = local_sub.add_parser("serve", help="keep the local stack running")
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument("--seed", action="store_true", help="replay the events/ samples once it is up")
    serve.add_argument("--events", default="events")
    send = local_sub.add_parser("send", help="post a signed WhatsApp message to a running local stack")
    send.add_argument("--from", dest="sender", default="whatsapp:+15551234567")
    send.add_argument("--profile", default="Local Tester")
    send.add_argument("--url", default="http://127.0.0.1:3000")
    send.add_argument("text")
    events = local_sub.add_parser("make-events", help="(re)write the signed events/ samples")
    events.add_argument("--dir", default="events")
    token = local_sub.add_parser("token", help="print a local dev sign-in token")
    token.add_argument("--username", default="dr.ada")
    token.add_argument("--group", default="doctors")

    dlq = sub.add_parser("dlq", help="list or re-drive dead-lettered jobs (AMQP_URL or the broker settings)")
    from fasttriage.dlq import add_arguments

    add_arguments(dlq)

    sub.add_parser("assess", help="red-flag assessment of a text (or --jsonl on stdin)", add_help=False)
    sub.add_parser(
        "rules",
        help="the red-flag catalogue: `rules export --csv` (every flag and source), `rules build-index`",
    )

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "assess":
        from fasttriage.assess_cli import run

        return run(argv[1:], sys.stdin, sys.stdout)
    if argv and argv[0] == "rules":
        from fasttriage.rules_cli import run as rules_run

        return rules_run(argv[1:], sys.stdout, sys.stderr)
    args = parser.parse_args(argv)
    if args.command == "demo":
        from fasttriage.local.demo import run_demo

        return run_demo(Path(args.events), Path(args.out), timeout_s=args.timeout)
    if args.command == "local":
        return _local(args)
    if args.command == "dlq":
        return _dlq(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
