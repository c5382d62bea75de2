"""The vignette evaluation: the figures clinicians and the lead rely on to trust the engine."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from fasttriage.domain.redflags import MODEL_ON_BY_DEFAULT
from fasttriage.domain.urgency import Urgency
from fasttriage.evaluation import (
    EMERGENCY_RECALL_TARGET,
    FALSE_EMERGENCY_RATE_TARGET,
    Vignette,
    VignetteError,
    default_dir,
    evaluate,
    evaluate_set,
    load_vignettes,
    main,
)

MIN_TUNING = 150
MIN_HOLDOUT = 120


def write(directory: Path, name: str, rows: list[Any]) -> None:
    (directory / f"{name}.jsonl").write_text(
        "\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8"
    )


def test_holdout_set_meets_the_emergency_recall_and_false_emergency_targets() -> None:
    report = evaluate_set("holdout")

    assert report.emergency_recall >= EMERGENCY_RECALL_TARGET, [m.id for m in report.misses]
    assert report.false_emergency_rate <= FALSE_EMERGENCY_RATE_TARGET, [f.id for f in report.false_alarms]
    assert report.meets_targets


def test_tuning_set_meets_the_same_targets() -> None:
    assert evaluate_set("tuning").meets_targets


def test_vignette_sets_are_large_enough_and_cover_three_languages_and_negatives() -> None:
    for name, minimum in (("tuning", MIN_TUNING), ("holdout", MIN_HOLDOUT)):
        vignettes = load_vignettes(default_dir() / f"{name}.jsonl")
        assert len(vignettes) >= minimum
        assert {vignette.language for vignette in vignettes} == {"en", "es", "pt"}
        assert sum(vignette.expected is None for vignette in vignettes) >= len(vignettes) // 5
        assert len({vignette.id for vignette in vignettes}) == len(vignettes)


def test_tuning_and_holdout_share_no_text() -> None:
    tuning = {v.text.casefold() for v in load_vignettes(default_dir() / "tuning.jsonl")}
    holdout = {v.text.casefold() for v in load_vignettes(default_dir() / "holdout.jsonl")}
    assert not tuning & holdout


def test_figures_count_misses_and_false_alarms_by_id() -> None:
    vignettes = [
        Vignette("caught", "crushing chest pain", Urgency.EMERGENCY, "en"),
        Vignette("missed", "i feel a bit off", Urgency.EMERGENCY, "en"),
        Vignette("false", "i cant breathe", None, "en"),
        Vignette("quiet", "mild cough", None, "en"),
        Vignette("urgent", "blood in my poo", Urgency.URGENT, "en"),
    ]
    report = evaluate("test", vignettes)

    assert report.emergency_recall == 0.5
    assert report.false_emergency_rate == pytest.approx(1 / 3)
    assert report.urgent_recall == 1.0
    assert [outcome.id for outcome in report.misses] == ["missed"]
    assert [outcome.id for outcome in report.false_alarms] == ["false"]
    assert not report.meets_targets


def test_main_exits_1_when_holdout_misses_targets_and_prints_ids_not_texts(tmp_path: Path) -> None:
    write(tmp_path, "holdout", [{"id": "h1", "text": "secret words only", "expected_urgency": "emergency"}])
    out = io.StringIO()

    # rules only: the statistical model (on by default) happens to score these three words as an emergency
    code = main(["--set", "holdout", "--dir", str(tmp_path), "--model", "off"], out=out, err=io.StringIO())

    assert code == 1
    assert "statistical model off" in out.getvalue()
    assert "miss         h1: expected emergency, got none" in out.getvalue()
    assert "secret words" not in out.getvalue()


def test_main_runs_the_shipped_model_setting_by_default(tmp_path: Path) -> None:
    write(tmp_path, "holdout", [{"id": "h1", "text": "no puedo respirar", "expected_urgency": "emergency"}])
    out = io.StringIO()

    main(["--set", "holdout", "--dir", str(tmp_path)], out=out, err=io.StringIO())

    assert f"statistical model {'on' if MODEL_ON_BY_DEFAULT else 'off'}" in out.getvalue()


def test_main_exits_0_when_holdout_meets_targets(tmp_path: Path) -> None:
    write(tmp_path, "holdout", [{"id": "h1", "text": "no puedo respirar", "expected_urgency": "emergency"}])

    assert main(["--set", "holdout", "--dir", str(tmp_path)], out=io.StringIO(), err=io.StringIO()) == 0


def test_a_poor_tuning_set_alone_does_not_fail_the_run(tmp_path: Path) -> None:
    write(tmp_path, "tuning", [{"id": "t1", "text": "nothing here", "expected_urgency": "emergency"}])

    assert main(["--set", "tuning", "--dir", str(tmp_path)], out=io.StringIO(), err=io.StringIO()) == 0


def test_malformed_vignette_file_is_reported_with_its_line_and_exits_2(tmp_path: Path) -> None:
    (tmp_path / "holdout.jsonl").write_text('{"id": "a", "text": "x", "expected_urgency": "soon"}\n')
    err = io.StringIO()

    assert main(["--set", "holdout", "--dir", str(tmp_path)], out=io.StringIO(), err=err) == 2
    assert "holdout.jsonl line 1" in err.getvalue()


def test_missing_vignette_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(VignetteError, match="cannot read"):
        load_vignettes(tmp_path / "absent.jsonl")


def test_default_dir_is_the_repositorys_vignette_folder() -> None:
    assert (default_dir() / "holdout.jsonl").is_file()


# --- issue 11: the new sets, their targets, the breakdowns -----------------------------------------------


def test_tuning_v2_meets_the_goal_overall_on_the_clinical_register_and_for_false_emergencies() -> None:
    report = evaluate_set("tuning_v2")

    assert report.emergency_recall >= 0.90, [m.id for m in report.hardest_misses()]
    assert report.group_recall("register:clinical") >= 0.80
    assert report.false_emergency_rate <= 0.10, [f.id for f in report.false_alarms]
    assert report.meets_targets


def test_v2_sets_carry_category_and_register_for_every_line() -> None:
    vignettes = load_vignettes(default_dir() / "tuning_v2.jsonl")
    assert len(vignettes) >= 600
    assert all(v.category and v.register in ("lay", "clinical") for v in vignettes)
    assert {"en", "es", "pt"} <= {v.language for v in vignettes}


def test_report_breaks_recall_down_and_lists_the_hardest_misses_of_a_tuning_set(tmp_path: Path) -> None:
    rows = [
        {"id": "a", "text": "crushing chest pain and sweating", "expected_urgency": "emergency",
         "language": "en", "register": "lay", "category": "cardiac"},
        {"id": "b", "text": "i feel a bit off", "expected_urgency": "emergency", "language": "en",
         "register": "clinical", "category": "neuro"},
        {"id": "c", "text": "a bit of chest discomfort", "expected_urgency": "emergency", "language": "es",
         "register": "lay", "category": "cardiac"},
        {"id": "d", "text": "mild cough", "expected_urgency": None, "language": "en", "register": "lay",
         "category": "respiratory"},
    ]  # fmt: skip
    write(tmp_path, "tuning_v2", rows)
    out = io.StringIO()

    assert main(["--set", "tuning_v2", "--dir", str(tmp_path)], out=out, err=io.StringIO()) == 0
    text = out.getvalue()
    assert "recall by register, target >= 0.8 clinical: clinical 0.00 (0/1); lay 0.50 (1/2)" in text
    assert "recall by category: cardiac 0.50 (1/2); neuro 0.00 (0/1)" in text
    hard = text.split("hardest emergency misses")[1]
    assert hard.index("hard miss    b") < hard.index("hard miss    c")  # nothing seen before something milder
    assert "i feel a bit off" not in text


def test_holdout_v2_is_judged_on_the_goal_including_the_clinical_register(tmp_path: Path) -> None:
    rows = [
        {"id": f"h{n}", "text": "crushing chest pain and sweating", "expected_urgency": "emergency",
         "language": "en", "register": "lay", "category": "cardiac"}
        for n in range(9)
    ] + [
        {"id": "hc", "text": "i feel a bit off", "expected_urgency": "emergency", "language": "en",
         "register": "clinical", "category": "neuro"},
    ]  # fmt: skip
    write(tmp_path, "holdout_v2", rows)
    out = io.StringIO()

    # 0.90 overall, but 0/1 on the clinical register
    assert main(["--set", "holdout_v2", "--dir", str(tmp_path)], out=out, err=io.StringIO()) == 1
    assert "HOLDOUT_V2 TARGETS MISSED" in out.getvalue()


def test_all_skips_a_set_whose_file_is_absent(tmp_path: Path) -> None:
    write(tmp_path, "holdout", [{"id": "h1", "text": "no puedo respirar", "expected_urgency": "emergency"}])
    out = io.StringIO()

    assert main(["--dir", str(tmp_path)], out=out, err=io.StringIO()) == 0
    assert "[tuning_v2] not present, skipped" in out.getvalue()


def test_holdout_v2_stays_at_or_above_the_goal() -> None:
    # Measured once at the end of issue 11 (0.901 overall, 0.86 clinical, 0.055 false-emergency); pinned at
    # the goal the issue asks, not at the figure. Never tune the rules on this set.
    report = evaluate_set("holdout_v2")

    assert report.emergency_recall >= 0.90
    assert report.group_recall("register:clinical") >= 0.80
    assert report.false_emergency_rate <= 0.10


def test_tuning_v3_stays_at_its_goal() -> None:
    # tuning_v3 (written for the second round of issue 11 before its rules): the rules were tuned on it, so
    # it is held at the goal of the blind set and the tuning sets' false-emergency bound, not at a figure.
    report = evaluate_set("tuning_v3")

    assert report.emergency_recall >= 0.90
    assert report.group_recall("register:clinical") >= 0.80
    assert report.group_recall("register:lay") >= 0.80
    assert report.false_emergency_rate <= 0.05
