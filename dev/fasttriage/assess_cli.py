"""`fasttriage assess`: run the red-flag engine from a terminal or over a JSON-lines file.

    fasttriage assess "my chest feels crushed"       # readable assessment
    fasttriage assess --jsonl < messages.jsonl       # {"id": ..., "text": ...} per line in,
                                                     # {"id", "urgency", "red_flags", "language"} per line out

`run` receives the arguments after the `assess` subcommand. A malformed input line becomes
{"id": null, "error": "line N: ..."} on stdout and a message on stderr; the other lines are still
assessed and the exit code is 1 at the end. Exit code 2 is a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from fasttriage.domain.models import Assessment
from fasttriage.domain.redflags import assess

EXIT_OK = 0
EXIT_BAD_LINES = 1
EXIT_USAGE = 2


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)


def _parser() -> _Parser:
    parser = _Parser(
        prog="fasttriage assess",
        description="Red flags and urgency floor for a patient's text.",
        add_help=False,
    )
    parser.add_argument("-h", "--help", action="store_true", help="show this help")
    parser.add_argument("text", nargs="*", help="the patient's text (words are joined with spaces)")
    parser.add_argument("--jsonl", action="store_true", help='read {"id", "text"} JSON lines from stdin')
    return parser


def _label(assessment: Assessment) -> str:
    return assessment.urgency_floor.value if assessment.urgency_floor is not None else "none"


def format_assessment(assessment: Assessment) -> str:
    lines = [
        f"language:      {assessment.language.value}",
        f"urgency floor: {_label(assessment)}",
    ]
    if assessment.red_flags:
        lines.append("red flags:")
        for flag in assessment.red_flags:
            lines.append(f"  - {flag.code} [{flag.floor.value}] {flag.label}")
            lines.append(f'      evidence: "{flag.evidence}"')
    else:
        lines.append("red flags:     none")
    lines.append(f"instruction:   {assessment.patient_instruction or '-'}")
    lines.append(f"rules:         {assessment.rules_version}")
    return "\n".join(lines) + "\n"


def _json_line(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False) + "\n"


def _assess_line(number: int, line: str) -> dict[str, Any]:
    """The output record for one input line; raises ValueError with a message for a malformed one."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(record, dict):
        raise ValueError(f"line {number}: expected a JSON object with 'id' and 'text'")
    if "id" not in record:
        raise ValueError(f"line {number}: missing 'id'")
    text = record.get("text")
    if not isinstance(text, str):
        raise ValueError(f"line {number}: 'text' must be a string")
    assessment = assess(text)
    return {
        "id": record["id"],
        "urgency": assessment.urgency_floor.value if assessment.urgency_floor is not None else None,
        "red_flags": [flag.code for flag in assessment.red_flags],
        "language": assessment.language.value,
    }


def _run_jsonl(stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    status = EXIT_OK
    for number, line in enumerate(stdin, start=1):
        if not line.strip():
            continue
        try:
            stdout.write(_json_line(_assess_line(number, line)))
        except ValueError as exc:
            stdout.write(_json_line({"id": None, "error": str(exc)}))
            stderr.write(f"fasttriage assess: {exc}\n")
            status = EXIT_BAD_LINES
    return status


def run(argv: Sequence[str], stdin: TextIO, stdout: TextIO, stderr: TextIO | None = None) -> int:
    """Entry point for `fasttriage assess`; argv excludes the subcommand name."""
    errors = stderr if stderr is not None else sys.stderr
    try:
        parser = _parser()
        args = parser.parse_args(list(argv))
        if args.help:
            parser.print_help(stdout)
            return EXIT_OK
        if args.jsonl and args.text:
            raise _UsageError("give either text or --jsonl, not both")
        if not args.jsonl and not args.text:
            raise _UsageError('give the text to assess, e.g. fasttriage assess "chest pain", or --jsonl')
    except _UsageError as exc:
        errors.write(f"fasttriage assess: {exc}\n")
        return EXIT_USAGE
    if args.jsonl:
        return _run_jsonl(stdin, stdout, errors)
    stdout.write(format_assessment(assess(" ".join(args.text))))
    return EXIT_OK


def main() -> int:
    return run(sys.argv[1:], sys.stdin, sys.stdout, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
