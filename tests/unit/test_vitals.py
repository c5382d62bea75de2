"""Numbers in a message: vital signs, glucose and ages, read with the thresholds of each age group."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fasttriage.domain.redflags import normalize
from fasttriage.domain.vitals import findings, parse


def read(text: str):
    return parse(normalize(text))


def terms(text: str) -> set[str]:
    return set(findings(normalize(text)))


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("my 3 week old", 3 * 7 / 365),
        ("a 72-year-old man", 72),
        ("68yo F", 68),
        ("72M with chest pain", 72),
        ("aged 4 months", 4 / 12),
        ("bebe de 2 meses", 2 / 12),
        ("RN de 20 dias", 20 / 365),
        ("mon bébé de 6 semaines", 6 * 7 / 365),
        ("Infant 10 weeks", 10 * 7 / 365),
        ("minha filha de 3 anos", 3),
    ],
)
def test_ages_in_days_weeks_months_and_years(text: str, years: float) -> None:
    assert read(text).age_years == pytest.approx(years)


def test_a_duration_is_not_an_age() -> None:
    assert read("fever for 3 days and cough for 2 weeks").age_years is None


@pytest.mark.parametrize(
    ("text", "celsius"),
    [
        ("temp 39.5", 39.5),
        ("temperature of 38,2 C", 38.2),
        ("102.5F", pytest.approx(39.17, abs=0.01)),
        ("a temp of 101 degrees", pytest.approx(38.33, abs=0.01)),
        ("fiebre de 40", 40.0),
        ("fever for 3 days, 39.4", 39.4),
        ("38,5 de fièvre", 38.5),
        ("T 34.2", 34.2),
    ],
)
def test_temperatures_in_celsius_and_fahrenheit(text: str, celsius: object) -> None:
    assert read(text).temperature_c == celsius


def test_a_weight_or_a_gestation_is_not_a_temperature() -> None:
    assert read("weight 38.5 kg, a fever").temperature_c is None
    assert read("38 weeks pregnant").temperature_c is None


def test_the_usual_ways_of_writing_vital_signs() -> None:
    v = read("72M, SpO2 88% on air, HR 134, RR 28, BP 85/50")
    assert (v.spo2, v.heart_rate, v.resp_rate, v.systolic, v.diastolic) == (88, 134, 28, 85, 50)
    assert read("sats were 96 this morning and now 89").spo2 == 89
    assert read("oximetro marcando 87").spo2 == 87
    assert read("pulse 150 bpm").heart_rate == 150
    assert read("breathing 40 breaths a minute").resp_rate == 40
    assert read("pressão 16 por 11").systolic == 160
    assert read("blood pressure 220 over 130").diastolic == 130


@pytest.mark.parametrize(
    ("text", "mmol"),
    [
        ("BM 2.1", 2.1),
        ("sugar is 1.9 mmol", 1.9),
        ("glucose 45 mg/dL", 2.5),
        ("BG 420 mg/dL", pytest.approx(23.33, abs=0.01)),
        ("glicemia 600", pytest.approx(33.33, abs=0.01)),
        ("glycémie 0,40 g/L", pytest.approx(2.22, abs=0.01)),
    ],
)
def test_glucose_in_mmol_per_litre_mg_per_decilitre_and_grams_per_litre(text: str, mmol: object) -> None:
    assert read(text).glucose_mmol == mmol


def test_adult_thresholds_follow_news2() -> None:
    assert "vital_emergency" in terms("SpO2 90%")
    assert "vital_urgent" in terms("SpO2 93%")
    assert not terms("SpO2 97%") & {"vital_emergency", "vital_urgent"}
    assert "vital_emergency" in terms("RR 26")
    assert "vital_emergency" in terms("HR 35")
    assert "vital_emergency" in terms("BP 88/50")
    assert "vital_emergency" in terms("temp 34.5")
    assert "vital_urgent" in terms("HR 115")
    assert not terms("HR 88, RR 16, BP 124/78, temp 37.1") & {"vital_emergency", "vital_urgent"}


def test_child_thresholds_follow_the_nice_traffic_light_by_age() -> None:
    assert "vital_emergency" in terms("my 6 week old has a temp of 38.1")
    assert "vital_urgent" in terms("my 4 month old has a temp of 39.2")
    assert "vital_emergency" not in terms("my 4 month old has a temp of 39.2")
    assert "vital_emergency" not in terms("my 2 year old has a temp of 39.2")
    assert "vital_emergency" in terms("my 2 year old is breathing 64 times a minute, RR 64")
    assert "vital_urgent" in terms("a 2 year old with RR 45")
    assert "vital_urgent" not in terms("a 30 year old with RR 18")
    assert "vital_urgent" in terms("8 month old, heart rate 170")


def test_glucose_bands() -> None:
    assert {"glucose_low_severe", "vital_emergency"} <= terms("BM 2.4")
    assert "glucose_low" in terms("sugar 3.6")
    assert "glucose_high" in terms("glucose 24 mmol")
    assert {"glucose_very_high", "vital_emergency"} <= terms("glucose 600 mg/dl")
    assert not terms("BG 7.2")


def test_fever_and_severe_pregnancy_blood_pressure_become_terms() -> None:
    assert {"fever", "high_fever"} <= terms("temp 39.6")
    assert "fever" not in terms("temp 37.6")
    assert "bp_severe" in terms("BP 162/108")
    assert "infant" in terms("my 3 week old")
    assert "child" in terms("a 9 year old")


def test_text_without_digits_costs_nothing() -> None:
    assert findings("no numbers here at all") == {}


@given(st.text(max_size=200))
def test_any_text_parses_without_error(text: str) -> None:
    findings(normalize(text))
