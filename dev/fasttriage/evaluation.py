"""How well the red-flag engine does on the written vignettes.

    python -m fasttriage.evaluation [--set tuning|...|holdout_v5|all] [--dir tests/vignettes] [--model on|off]

Prints, per set: emergency recall (overall, per category, per language, per register), false-emergency rate,
urgent recall, counts, and the misses and false alarms by id (id, expected/actual and the flag codes only,
never the text); for a tuning set, the 20 hardest misses first. Exits 1 when a holdout set misses its
targets (holdout: emergency recall >= 0.98 and false-emergency rate <= 0.05; holdout_v2 and holdout_v3:
>= 0.90 overall, >= 0.80 on the clinical register, <= 0.10), 2 on unreadable vignette files. A set whose file
is absent is skipped with a note (the v2/v3 holdouts are written by another hand and may not exist yet).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from fasttriage.domain.redflags import MODEL_ON_BY_DEFAULT, RULES_VERSION, assess
from fasttriage.domain.urgency import Urgency

EMERGENCY_RECALL_TARGET = 0.98
FALSE_EMERGENCY_RATE_TARGET = 0.05


@dataclass(frozen=True)
class Targets:
    recall: float
    false_emergency: float
    clinical_recall: float = 0.0


# Old sets (issue 3) and the issue-11 sets written with category and register per line.
TARGETS: dict[str, Targets] = {
    "tuning": Targets(EMERGENCY_RECALL_TARGET, FALSE_EMERGENCY_RATE_TARGET),
    "holdout": Targets(EMERGENCY_RECALL_TARGET, FALSE_EMERGENCY_RATE_TARGET),
    "tuning_v2": Targets(0.90, 0.10, 0.80),
    "holdout_v2": Targets(0.90, 0.10, 0.80),
    "tuning_v3": Targets(0.90, 0.05, 0.80),
    "holdout_v3": Targets(0.90, 0.10, 0.80),
    "holdout_v4": Targets(0.90, 0.10, 0.80),
    "holdout_v5": Targets(0.90, 0.10, 0.80),
}
SETS = tuple(TARGETS)
HARDEST = 20
_EXPECTED_VALUES = {"emergency": Urgency.EMERGENCY, "urgent": Urgency.URGENT, None: None}


class VignetteError(ValueError):
    """A vignette file that cannot be read as the documented JSON lines."""


@dataclass(frozen=True)
class Vignette:
    id: str
    text: str
    expected: Urgency | None
    language: str
    category: str = ""
    register: str = ""


@dataclass(frozen=True)
class Outcome:
    id: str
    expected: Urgency | None
    actual: Urgency | None
    flags: tuple[str, ...] = ()

    @property
    def hardness(self) -> int:
        """For a missed emergency: 2 when the engine saw nothing at all, 1 when it saw something milder."""
        return 2 if not self.flags else 1


@dataclass
class SetReport:
    name: str
    targets: Targets = field(default_factory=lambda: TARGETS["holdout"])
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
    # emergency recall by "category:x", "language:x", "register:x": [caught, expected]
    by_group: dict[str, list[int]] = field(default_factory=dict)
    false_by_group: Counter[str] = field(default_factory=Counter)

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

    def group_recall(self, group: str) -> float:
        caught, expected = self.by_group.get(group, [0, 0])
        return caught / expected if expected else 1.0

    @property
    def meets_targets(self) -> bool:
        clinical_ok = (
            "register:clinical" not in self.by_group
            or self.group_recall("register:clinical") >= self.targets.clinical_recall
        )
        return (
            self.emergency_recall >= self.targets.recall
            and self.false_emergency_rate <= self.targets.false_emergency
            and clinical_ok
        )

    def hardest_misses(self, limit: int = HARDEST) -> list[Outcome]:
        emergencies = [m for m in self.misses if m.expected is Urgency.EMERGENCY]
        return sorted(emergencies, key=lambda m: -m.hardness)[:limit]


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
                    category=str(raw.get("category") or ""),
                    register=str(raw.get("register") or ""),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise VignetteError(f"{path.name} line {number}: {exc}") from exc
    return vignettes


def _groups(vignette: Vignette) -> list[str]:
    groups = [f"language:{vignette.language or '?'}"]
    if vignette.category:
        groups.append(f"category:{vignette.category}")
    if vignette.register:
        groups.append(f"register:{vignette.register}")
    return groups


def evaluate(name: str, vignettes: Iterable[Vignette], model: bool | None = None) -> SetReport:
    """``model``: the statistical model on/off (None: the shipped default)."""
    report = SetReport(name=name, targets=TARGETS.get(name, TARGETS["holdout"]))
    for vignette in vignettes:
        assessment = assess(vignette.text, model=model)
        actual = assessment.urgency_floor
        outcome = Outcome(
            vignette.id, vignette.expected, actual, tuple(flag.code for flag in assessment.red_flags)
        )
        report.total += 1
        report.language_matches += assessment.language.value == vignette.language
        if vignette.expected is Urgency.EMERGENCY:
            report.expected_emergencies += 1
            caught = actual is Urgency.EMERGENCY
            for group in _groups(vignette):
                counts = report.by_group.setdefault(group, [0, 0])
                counts[0] += caught
                counts[1] += 1
            if caught:
                report.caught_emergencies += 1
            else:
                report.misses.append(outcome)
            continue
        report.non_emergencies += 1
        if actual is Urgency.EMERGENCY:
            report.false_emergencies += 1
            report.false_alarms.append(outcome)
            report.false_by_group.update(_groups(vignette))
        if vignette.expected is Urgency.URGENT:
            report.expected_urgents += 1
            if actual is not None and actual >= Urgency.URGENT:
                report.caught_urgents += 1
            else:
                report.misses.append(outcome)
        elif actual is Urgency.URGENT:
            report.false_alarms.append(outcome)
    return report


def evaluate_set(name: str, directory: Path | None = None, model: bool | None = None) -> SetReport:
    return evaluate(name, load_vignettes((directory or default_dir()) / f"{name}.jsonl"), model)


def _label(level: Urgency | None) -> str:
    return level.value if level is not None else "none"


def _outcome_line(kind: str, outcome: Outcome) -> str:
    flags = ",".join(outcome.flags) or "-"
    return (
        f"  {kind:<12} {outcome.id}: expected {_label(outcome.expected)}, got {_label(outcome.actual)}"
        f" [{flags}]\n"
    )


def print_report(report: SetReport, out: TextIO) -> None:
    t = report.targets
    out.write(
        f"[{report.name}] {report.total} vignettes ({report.expected_emergencies} emergency, "
        f"{report.expected_urgents} urgent, {report.non_emergencies - report.expected_urgents} no flag)\n"
        f"  emergency recall      {report.emergency_recall:.3f}  "
        f"({report.caught_emergencies}/{report.expected_emergencies}, target >= {t.recall})\n"
        f"  false-emergency rate  {report.false_emergency_rate:.3f}  "
        f"({report.false_emergencies}/{report.non_emergencies}, target <= {t.false_emergency})\n"
        f"  urgent recall         {report.urgent_recall:.3f}  "
        f"({report.caught_urgents}/{report.expected_urgents})\n"
        f"  language detected     {report.language_matches}/{report.total}\n"
    )
    for prefix in ("register", "language", "category"):
        groups = sorted(g for g in report.by_group if g.startswith(prefix + ":"))
        if not groups:
            continue
        cells = [
            f"{g.split(':', 1)[1]} {report.group_recall(g):.2f} ({report.by_group[g][0]}/{report.by_group[g][1]})"
            for g in groups
        ]
        target = (
            f", target >= {t.clinical_recall} clinical" if prefix == "register" and t.clinical_recall else ""
        )
        out.write(f"  recall by {prefix}{target}: " + "; ".join(cells) + "\n")
    if report.false_by_group:
        cells = [f"{g.split(':', 1)[1]} {n}" for g, n in sorted(report.false_by_group.items())]
        out.write("  false emergencies by group: " + "; ".join(cells) + "\n")
    if report.name.startswith("tuning"):
        hardest = report.hardest_misses()
        if hardest:
            out.write(f"  {len(hardest)} hardest emergency misses (nothing seen first):\n")
            for outcome in hardest:
                out.write(_outcome_line("hard miss", outcome))
    for kind, outcomes in (("miss", report.misses), ("false alarm", report.false_alarms)):
        for outcome in outcomes:
            out.write(_outcome_line(kind, outcome))


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m fasttriage.evaluation", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--set", choices=(*SETS, "all"), default="all", dest="which")
    parser.add_argument("--dir", type=Path, default=None, help="folder holding the <set>.jsonl files")
    parser.add_argument(
        "--model",
        choices=("default", "on", "off"),
        default="default",
        help="the statistical red-flag model (default: as shipped, MODEL_ON_BY_DEFAULT)",
    )
    args = parser.parse_args(argv)
    model = {"default": None, "on": True, "off": False}[args.model]
    names = SETS if args.which == "all" else (args.which,)
    directory = args.dir or default_dir()
    shown = MODEL_ON_BY_DEFAULT if model is None else model
    out.write(f"rules {RULES_VERSION}; statistical model {'on' if shown else 'off'}\n")
    status = 0
    for name in names:
        if args.which == "all" and not (directory / f"{name}.jsonl").exists():
            out.write(f"[{name}] not present, skipped\n")
            continue
        try:
            report = evaluate_set(name, directory, model)
        except VignetteError as exc:
            err.write(f"error: {exc}\n")
            return 2
        print_report(report, out)
        if name.startswith("holdout") and not report.meets_targets:
            out.write(f"  {name.upper()} TARGETS MISSED\n")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
