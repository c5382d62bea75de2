"""`fasttriage assess` for a person at a terminal and for a batch of JSON lines."""

from __future__ import annotations

import io
import json

from fasttriage.assess_cli import run


def call(argv: list[str], stdin_text: str = "") -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = run(argv, io.StringIO(stdin_text), stdout, stderr)
    return code, stdout.getvalue(), stderr.getvalue()


def test_single_text_prints_language_floor_flag_evidence_and_instruction() -> None:
    code, out, _ = call(["my dad had a stroke last year and now I can't feel my left arm"])

    assert code == 0
    assert "language:      en" in out
    assert "urgency floor: emergency" in out
    assert "stroke_signs" in out
    assert 'evidence: "cant feel my left arm"' in out
    assert "emergency number" in out


def test_benign_text_prints_no_flags() -> None:
    code, out, _ = call(["sin", "fiebre,", "solo", "tos"])

    assert code == 0
    assert "urgency floor: none" in out
    assert "red flags:     none" in out


def test_jsonl_writes_one_result_per_input_line_in_order() -> None:
    lines = [
        {"id": "a", "text": "DOR NO PEITO MUITO FORTE"},
        {"id": 2, "text": "no chest pain"},
        {"id": "c", "text": "bebe mexendo menos hoje, estou de 34 semanas"},
    ]
    code, out, err = call(["--jsonl"], "\n".join(json.dumps(line) for line in lines) + "\n")

    results = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and err == ""
    assert results == [
        {"id": "a", "urgency": "emergency", "red_flags": ["cardiac_chest_pain"], "language": "pt"},
        {"id": 2, "urgency": None, "red_flags": [], "language": "en"},
        {"id": "c", "urgency": "urgent", "red_flags": ["reduced_fetal_movements"], "language": "pt"},
    ]


def test_malformed_lines_become_error_lines_and_exit_1_without_losing_the_others() -> None:
    stdin = (
        '{"id": 1, "text": "i cant breathe"}\nnot json\n{"id": 3}\n[1, 2]\n{"id": 5, "text": "mild cough"}\n'
    )
    code, out, err = call(["--jsonl"], stdin)

    results = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert [result["id"] for result in results] == [1, None, None, None, 5]
    assert results[1]["error"].startswith("line 2: not valid JSON")
    assert results[2]["error"] == "line 3: 'text' must be a string"
    assert results[3]["error"].startswith("line 4: expected a JSON object")
    assert results[0]["urgency"] == "emergency" and results[4]["urgency"] is None
    assert "line 2" in err and "line 3" in err and "line 4" in err


def test_blank_lines_in_jsonl_are_skipped() -> None:
    code, out, _ = call(["--jsonl"], '\n{"id": 1, "text": "ok"}\n\n')

    assert code == 0
    assert len(out.splitlines()) == 1


def test_unicode_text_survives_the_round_trip() -> None:
    _, out, _ = call(
        ["--jsonl"], json.dumps({"id": "ç", "text": "não consigo respirar 😭"}, ensure_ascii=False)
    )

    assert json.loads(out)["id"] == "ç"
    assert json.loads(out)["urgency"] == "emergency"


def test_missing_text_is_a_usage_error_on_stderr() -> None:
    code, out, err = call([])

    assert code == 2
    assert out == ""
    assert "give the text" in err


def test_text_and_jsonl_together_is_a_usage_error() -> None:
    code, _, err = call(["--jsonl", "chest pain"])

    assert code == 2
    assert "either" in err


def test_help_goes_to_stdout_and_exits_0() -> None:
    code, out, _ = call(["--help"])

    assert code == 0
    assert "--jsonl" in out
