"""The red-flag catalogue is reviewable data: every flag sourced, floored and phrased in three languages."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from fasttriage.domain import catalogue
from fasttriage.domain.phrase_index import PhraseIndex, expand_leading, literal_prefix, split_alternatives
from fasttriage.domain.redflags import FLAGS, RULES_VERSION
from fasttriage.domain.urgency import Urgency
from fasttriage.rules_cli import COLUMNS, export_csv, run

CAT = catalogue.default()
# Codes the rest of the system stores and reads (Mongo documents, the PDF, the doctors' console).
LEGACY_CODES = {
    "cardiac_chest_pain", "chest_pain", "severe_breathing_difficulty", "breathlessness", "stroke_signs",
    "neuro_symptom_review", "sudden_vision_loss", "thunderclap_headache", "collapse_unresponsive",
    "syncope_recovered", "seizure", "seizure_recovered", "uncontrolled_bleeding", "vomiting_blood",
    "coughing_blood", "gi_bleeding", "anaphylaxis", "facial_swelling", "suicidal_intent", "suicidal_ideation",
    "self_harm", "overdose", "pregnancy_heavy_bleeding", "pregnancy_bleeding", "pregnancy_severe_abdominal_pain",
    "pregnancy_abdominal_pain", "absent_fetal_movements", "reduced_fetal_movements", "pregnancy_neuro",
    "infant_fever", "meningitis_signs", "poisoning", "severe_burn", "burn_review", "major_trauma",
    "head_injury_loc", "sepsis_signs", "severe_abdominal_pain", "possible_dvt", "child_fever_dehydration",
    "unwell_child", "acute_confusion",
}  # fmt: skip


def test_every_flag_has_a_category_a_floor_a_source_and_phrases_in_three_languages_and_two_registers() -> (
    None
):
    for flag in CAT.flags.values():
        assert flag.category in catalogue.CATEGORIES, flag.id
        assert flag.floor in (Urgency.EMERGENCY, Urgency.URGENT), flag.id
        assert len(flag.source) >= 10, flag.id
        assert flag.label, flag.id
        for language in catalogue.LANGUAGES:
            for register in catalogue.REGISTERS:
                assert flag.phrases[language][register], (flag.id, language, register)


def test_the_codes_other_code_relies_on_are_still_in_the_catalogue_with_their_floors() -> None:
    assert set(CAT.flags) >= LEGACY_CODES
    assert FLAGS["cardiac_chest_pain"] == (CAT.flags["cardiac_chest_pain"].label, Urgency.EMERGENCY)
    assert FLAGS["reduced_fetal_movements"][1] is Urgency.URGENT


def test_every_category_of_the_vignette_schema_has_at_least_one_emergency_flag() -> None:
    emergency_categories = {f.category for f in CAT.flags.values() if f.floor is Urgency.EMERGENCY}
    assert emergency_categories == set(catalogue.CATEGORIES)


def test_every_phrase_and_term_compiles_and_every_referenced_term_exists() -> None:
    index = PhraseIndex()
    for term in CAT.terms.values():
        index.add(term.name, term.phrases)
    for flag in CAT.flags.values():
        index.add(flag.id, flag.all_phrases())
        for name in (*(t for alternative in flag.when for t in alternative), *flag.unless, *flag.escalate):
            assert name in CAT.terms, (flag.id, name)
    index.check()
    assert index.size > 1000


def test_the_rules_version_names_the_catalogue_version() -> None:
    assert RULES_VERSION.endswith(CAT.version)


def _copy(tmp_path: Path) -> Path:
    source = Path(catalogue.__file__).parent
    for path in source.glob("*.json"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def test_a_flag_without_a_source_is_refused_with_its_file_and_number(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    data = json.loads((directory / "eye.json").read_text(encoding="utf-8"))
    del data["flags"][0]["source"]
    (directory / "eye.json").write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(catalogue.CatalogueError, match=r"eye.json flag 1: missing 'source'"):
        catalogue.load(directory)


def test_an_unknown_floor_or_term_is_refused(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    data = json.loads((directory / "eye.json").read_text(encoding="utf-8"))
    data["flags"][0]["when"] = [["no_such_term"]]
    (directory / "eye.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(catalogue.CatalogueError, match="unknown term 'no_such_term'"):
        catalogue.load(directory)

    data["flags"][0]["when"] = []
    data["flags"][0]["floor"] = "soon"
    (directory / "eye.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(catalogue.CatalogueError, match="missing 'soon'"):
        catalogue.load(directory)


def test_a_duplicate_flag_id_is_refused(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    data = json.loads((directory / "eye.json").read_text(encoding="utf-8"))
    data["flags"].append(data["flags"][0])
    (directory / "eye.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(catalogue.CatalogueError, match="duplicate flag id"):
        catalogue.load(directory)


# --- the phrase index ---------------------------------------------------------------------------------


def test_alternatives_split_only_at_the_top_level() -> None:
    assert split_alternatives(r"a|(?:b|c)d|[|]x|\|y") == ["a", "(?:b|c)d", "[|]x", r"\|y"]


def test_a_leading_group_is_spelled_out_so_every_phrase_has_a_literal_start() -> None:
    assert expand_leading(r"(?:very )?(?:sick|ill) now") == ["very (?:sick|ill) now", "sick now", "ill now"]
    assert expand_leading(r"(?:a|b)+c") == ["(?:a|b)+c"]
    assert literal_prefix("chest pain") == "chest pain"
    assert literal_prefix(r"chests? hurt") == "chest"
    assert literal_prefix(r"\w+ pain") == ""


def test_the_index_finds_each_name_at_the_word_it_starts_and_compiles_lazily() -> None:
    index = PhraseIndex()
    index.add("fever", [r"fever\w*", r"(?:high|raised) temp\b"])
    index.add("chest", [r"chest (?:pain|tightness)", r"\w+ chest"])
    hits = [(hit.name, hit.text) for hit in index.hits("a raised temp and chest pain")]

    assert ("fever", "raised temp") in hits
    assert ("chest", "chest pain") in hits
    assert ("chest", "and chest") in hits  # the unanchored phrase is tried at every word
    assert not [h for h in index.hits("feverfew tea") if h.text != "feverfew"]


# --- rules export ---------------------------------------------------------------------------------------


def test_rules_export_prints_every_flag_with_its_source_floor_and_phrases() -> None:
    out = io.StringIO()
    written = export_csv(out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))

    assert written == len(CAT.flags)
    assert tuple(rows[0]) == COLUMNS
    assert {row["id"] for row in rows} == set(CAT.flags)
    assert all(row["source"] and row["floor"] in ("emergency", "urgent") for row in rows)
    assert {(row["language"], row["register"]) for row in rows} >= {
        (language, register) for language in catalogue.LANGUAGES for register in catalogue.REGISTERS
    }
    meningism = [row for row in rows if row["id"] == "meningism_fever" and row["language"] == "en"]
    assert any("fever + stiff_neck" in row["when"] for row in meningism)


def test_rules_cli_needs_export_and_csv() -> None:
    err = io.StringIO()
    assert run(["export"], io.StringIO(), err) == 2
    assert "usage" in err.getvalue()
    out = io.StringIO()
    assert run(["export", "--csv"], out, io.StringIO()) == 0
    assert re.match(r"id,category,floor,", out.getvalue())


def test_fasttriage_rules_export_through_the_main_command(capsys: pytest.CaptureFixture[str]) -> None:
    from fasttriage.cli import main

    assert main(["rules", "export", "--csv"]) == 0
    assert "cauda_equina,spine,emergency" in capsys.readouterr().out


# --- the prebuilt phrase index --------------------------------------------------------------------------


def test_the_shipped_index_was_built_from_the_shipped_catalogue() -> None:
    assert catalogue.index_is_current(CAT), "catalogue changed: run `fasttriage rules build-index`"


def test_the_prebuilt_index_finds_what_the_index_built_in_memory_finds() -> None:
    built = catalogue.build_index(CAT)
    loaded = catalogue.load_index(CAT)
    text = "crushing chest pain, spo2 88, no puede respirar, 38 semanas, nao consegue falar, took 30 tablets"
    assert [(h.name, h.start, h.end) for h in loaded.hits(text)] == [
        (h.name, h.start, h.end) for h in built.hits(text)
    ]
    assert loaded.size == built.size


def test_a_stale_index_is_ignored_and_the_index_is_built_from_the_catalogue(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    data = json.loads((directory / "eye.json").read_text(encoding="utf-8"))
    data["flags"][0]["phrases"]["en"]["lay"].append("zzqx sight gone")
    (directory / "eye.json").write_text(json.dumps(data), encoding="utf-8")
    edited = catalogue.load(directory)

    assert not catalogue.index_is_current(edited, directory)
    index = catalogue.load_index(edited, directory)
    assert any(hit.name.endswith(data["flags"][0]["id"]) for hit in index.hits("zzqx sight gone"))

    catalogue.write_index(edited, directory)
    assert catalogue.index_is_current(edited, directory)


def test_rules_build_index_is_offered_by_the_cli() -> None:
    err = io.StringIO()
    assert run(["build-index", "--force"], io.StringIO(), err) == 2
    assert "build-index" in err.getvalue()
