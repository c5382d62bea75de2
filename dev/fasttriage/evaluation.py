"""How well the red-flag engine does on the written vignettes.

    python -m fasttriage.evaluation [--set tuning|holdout|all] [--dir tests/vignettes]

Prints, per set: emergency recall, false-emergency rate, urgent recall, counts, and each miss or false
alarm by id (id and expected/actual only, never the text). Exits 1 when the holdout set misses its
targets (emergency recall >= 0.98, false-emergency rate <= 0.05), 2 on unreadable vignette files.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from fasttriage.domain.redflags import RULES_VERSION, assess
from fasttriage.domain.urgency import Urgency

EMERGENCY_RECALL_TARGET = 0.98
FALSE_EMERGENCY_RATE_TARGET = 0.05
SETS = ("tuning", "holdout")
_EXPECTED_VALUES = {"emergency": Urgency.EMERGENCY, "urgent": Urgency.URGENT, None: None}


class VignetteError(ValueError):
    """A vignette file that cannot be read as the documented JSON lines."""


@dataclass(frozen=True)
class Vignette:
    id: str
    text: str
    expected: Urgency | None
    language: str


@dataclass(frozen=True)
class Outcome:
    id: str
    expected: Urgency | None
    actual: Urgency | None


@dataclass
class SetReport:
    name: str
    total: int = 0
    expected_emergencies: int = 0
    caught_emergencies: int = 0
    non_emergencies: int = 0
    false_emergencies: int = 0
    expected_urgents: int = 0
    caught_urgents: int = 0
    language_matches: int = 0
    misses: list[Outcome] = field(default_factory=list)
    false_alarms: list[Outcome] = field(default_factory=list)

    @property
    def emergency_recall(self) -> float:
        return self.caught_emergencies / self.expected_emergencies if self.expected_emergencies else 1.0

    @property
    def false_emergency_rate(self) -> float:
        return self.false_emergencies / self.non_emergencies if self.non_emergencies else 0.0

    @property
    def urgent_recall(self) -> float:
        """Expected-urgent vignettes given at least an urgent floor."""
        return self.caught_urgents / self.expected_urgents if self.expected_urgents else 1.0

    @property
    def meets_targets(self) -> bool:
        return (
            self.emergency_recall >= EMERGENCY_RECALL_TARGET
            and self.false_emergency_rate <= FALSE_EMERGENCY_RATE_TARGET
        )


def default_dir() -> Path:
    """tests/vignettes of the repository this module lives in, else ./tests/vignettes."""
    # dev/fasttriage/evaluation.py -> the repository root is two levels above the package.
    beside_repo = Path(__file__).resolve().parents[2] / "tests" / "vignettes"
    return beside_repo if beside_repo.is_dir() else Path.cwd() / "tests" / "vignettes"


def load_vignettes(path: Path) -> list[Vignette]:
    vignettes: list[Vignette] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise VignetteError(f"{path}: cannot read ({exc.strerror})") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            expected_raw = raw["expected_urgency"]
            if expected_raw not in _EXPECTED_VALUES:
                raise ValueError(f"expected_urgency must be emergency, urgent or null, not {expected_raw!r}")
            vignettes.append(
                Vignette(
                    id=str(raw["id"]),
                    text=str(raw["text"]),
                    expected=_EXPECTED_VALUES[expected_raw],
                    language=str(raw.get("language", "")),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise VignetteError(f"{path.name} line {number}: {exc}") from exc
    return vignettes


def evaluate(name: str, vignettes: Iterable[Vignette]) -> SetReport:
    report = SetReport(name=name)
    for vignette in vignettes:
        assessment = assess(vignette.text)
        actual = assessment.urgency_floor
        outcome = Outcome(vignette.id, vignette.expected, actual)
        report.total += 1
        report.language_matches += assessment.language.value == vignette.language
        if vignette.expected is Urgency.EMERGENCY:
            report.expected_emergencies += 1
            if actual is Urgency.EMERGENCY:
                report.caught_emergencies += 1
            else:
                report.misses.append(outcome)
            continue
        report.non_emergencies += 1
        if actual is Urgency.EMERGENCY:
            report.false_emergencies += 1
            report.false_alarms.append(outcome)
        if vignette.expected is Urgency.URGENT:
            report.expected_urgents += 1
            if actual is not None and actual >= Urgency.URGENT:
                report.caught_urgents += 1
            else:
                report.misses.append(outcome)
        elif actual is Urgency.URGENT:
            report.false_alarms.append(outcome)
    return report


def evaluate_set(name: str, directory: Path | None = None) -> SetReport:
    return evaluate(name, load_vignettes((directory or default_dir()) / f"{name}.jsonl"))


def _label(level: Urgency | None) -> str:
    return level.value if level is not None else "none"


def print_report(report: SetReport, out: TextIO) -> None:
    out.write(
        f"[{report.name}] {report.total} vignettes ({report.expected_emergencies} emergency, "
        f"{report.expected_urgents} urgent, {report.non_emergencies - report.expected_urgents} no flag)\n"
        f"  emergency recall      {report.emergency_recall:.3f}  "
        f"({report.caught_emergencies}/{report.expected_emergencies}, "
        f"target >= {EMERGENCY_RECALL_TARGET})\n"
        f"  false-emergency rate  {report.false_emergency_rate:.3f}  "
        f"({report.false_emergencies}/{report.non_emergencies}, target <= {FALSE_EMERGENCY_RATE_TARGET})\n"
        f"  urgent recall         {report.urgent_recall:.3f}  "
        f"({report.caught_urgents}/{report.expected_urgents})\n"
        f"  language detected     {report.language_matches}/{report.total}\n"
    )
    for kind, outcomes in (("miss", report.misses), ("false alarm", report.false_alarms)):
        for outcome in outcomes:
            expected, actual = _label(outcome.expected), _label(outcome.actual)
            out.write(f"  {kind:<12} {outcome.id}: expected {expected}, got {actual}\n")


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m fasttriage.evaluation", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--set", choices=(*SETS, "all"), default="all", dest="which")
    parser.add_argument(
        "--dir", type=Path, default=None, help="folder holding tuning.jsonl and holdout.jsonl"
    )
    args = parser.parse_args(argv)
    names = SETS if args.which == "all" else (args.which,)
    out.write(f"rules {RULES_VERSION}\n")
    status = 0
    for name in names:
        try:
            report = evaluate_set(name, args.dir)
        except VignetteError as exc:
            err.write(f"error: {exc}\n")
            return 2
        print_report(report, out)
        if name == "holdout" and not report.meets_targets:
            out.write("  HOLDOUT TARGETS MISSED\n")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
