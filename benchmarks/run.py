"""`python -m benchmarks.run [--only webhook|worker|scaling|escalation|redflags] [--quick] [--out PATH]`

Runs the benchmarks against the local RabbitMQ (AMQP_URL), moto's S3 server and mongomock, prints each figure
beside its floor with PASS/MISS per goal, and writes docs/benchmarks.md (not with --quick, unless --out).
Exits 0 whether goals pass or miss (the figures are the result); 2 when the broker does not answer.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import ROOT, Section, amqp_url, fmt, machine_info

BENCHMARKS = ("webhook", "worker", "scaling", "escalation", "redflags")
_NO_BROKER = {"redflags"}


def _runner(name: str) -> Callable[..., Section]:
    if name == "webhook":
        from benchmarks.webhook import run
    elif name == "worker":
        from benchmarks.worker import run
    elif name == "escalation":
        from benchmarks.escalation import run
    elif name == "redflags":
        from benchmarks.redflags import run
    else:
        from benchmarks.scaling import run
    return run


def print_section(section: Section) -> None:
    load = section.params.get("load")
    busy = f"; 1-min load average {load[0]:.1f} -> {load[1]:.1f}" if load else ""
    print(f"\n== {section.title} ({section.seconds:.1f} s{busy})")
    width = max(len(r.figure) for r in section.rows)
    for row in section.rows:
        floor = f"floor {fmt(row.floor, row.unit)}" if row.floor is not None else ""
        goal = f"goal {row.goal}" if row.goal else ""
        print(
            f"  {row.figure:<{width}}  {fmt(row.value, row.unit):>12}  {floor:<20} {row.comparison:<10} "
            f"{goal:<36} {row.verdict}".rstrip()
        )
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=BENCHMARKS, help="run one benchmark (its section is replaced)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes; prints only unless --out is given")
    parser.add_argument("--out", type=Path, help="where to write the report (default docs/benchmarks.md)")
    args = parser.parse_args(argv)

    from fasttriage.local.stack import broker_answers

    if args.only not in _NO_BROKER and not broker_answers(amqp_url()):
        print(
            f"RabbitMQ does not answer at {amqp_url()}: start it (`make broker` or `rabbitmq-server -detached`)"
            " or set AMQP_URL.",
            file=sys.stderr,
        )
        return 2

    from benchmarks.common import quiet_logs

    quiet_logs()
    started = time.perf_counter()
    names = [args.only] if args.only else list(BENCHMARKS)
    sections = []
    for name in names:
        print(f"running {name}{' (quick)' if args.quick else ''} ...", flush=True)
        load_before = os.getloadavg()[0]
        section = _runner(name)(quick=args.quick)
        section.params["load"] = (load_before, os.getloadavg()[0])
        print_section(section)
        sections.append(section)
    total = time.perf_counter() - started

    goals = [(s.title, r) for s in sections for r in s.goals]
    missed = [f"{title}: {r.figure.strip()}" for title, r in goals if r.passed is False]
    print(f"\n{len(goals) - len(missed)} of {len(goals)} goals PASS in {total:.0f} s")
    for miss in missed:
        print(f"  MISS {miss}")

    out = args.out or (None if args.quick else ROOT / "docs" / "benchmarks.md")
    if out is not None:
        from benchmarks.report import write

        write(out, sections, machine_info(), total)
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
