"""A glucose meter or sensor reading "HI" (above its measurable range, about 600 mg/dL / 33.3 mmol/L) is a
same-day (urgent) flag on its own and an emergency with the DKA/HHS features the catalogue already knows
(HSE hyperglycaemia advice, NICE NG18). "HI" as a greeting, a high five or hi-fi is never a reading: the
flag needs a glucose/sugar/meter word next to it."""

from __future__ import annotations

import pytest

from fasttriage.domain.redflags import assess
from fasttriage.domain.urgency import Urgency

URGENT_ALONE = [
    "Tengo la glucosa en HI",
    "the meter just says HI",
    "my glucometer reads HI",
    "glucose meter showing HI, what do I do?",
    "my sugar reads HI after dinner",
    "HI on my meter twice in a row",
    "la glucosa en HI desde la mañana",
    "el glucómetro marca HI",
    "mi medidor dice HI",
    "a glicose deu HI",
    "o aparelho marca HI",
    "minha glicemia ta em HI",
    "deu HI no aparelho",
]

EMERGENCIES = [
    "My pump stopped working last night, the meter just says HI, I have been sick all morning",
    "meter says HI and I am vomiting",
    "glucometer reads HI, breathing deep and fast",
    "my son's meter says HI and he is really drowsy",
    "la glucosa en HI y estoy vomitando",
    "el glucómetro marca HI y me duele mucho la barriga",
    "a glicose deu HI e ele está confuso",
    "o aparelho marca HI, cetonas altas",
    "the meter says HI and ketones are 3.4",
]

NOT_A_READING = [
    "Hi doctor, my sugar is fine",
    "HI-5",
    "high five",
    "I said hi to the nurse",
    "Hi, I have a rash",
    "hi, type 1 diabetic here, sugars between 6 and 8 this week, can I renew my insulin prescription?",
    "Hi! my meter needs new strips, can you send a prescription?",
    "hi there, my glucometer battery is dead, where do I get a new one?",
    "the meter reader said hi to me this morning",
    "hola doctor, la glucosa bien, 110 en ayunas",
    "oi doutora, a glicose deu 98 hoje de manhã",
    "my sugar meter is hi-tech, it talks to my phone",
    "the meter says hi to you when you switch it on lol",
]


def _floor(text: str) -> Urgency | None:
    return assess(text).urgency_floor


def _codes(text: str) -> set[str]:
    return {flag.code for flag in assess(text).red_flags}


@pytest.mark.parametrize("text", URGENT_ALONE)
def test_a_meter_reading_hi_is_urgent_on_its_own(text: str) -> None:
    assert "glucose_meter_hi" in _codes(text)
    assert _floor(text) is Urgency.URGENT


@pytest.mark.parametrize("text", EMERGENCIES)
def test_a_meter_reading_hi_with_dka_features_is_an_emergency(text: str) -> None:
    assert "glucose_meter_hi" in _codes(text)
    assert "diabetic_emergency" in _codes(text)
    assert _floor(text) is Urgency.EMERGENCY


@pytest.mark.parametrize("text", NOT_A_READING)
def test_hi_as_a_greeting_or_a_high_five_is_not_a_reading(text: str) -> None:
    assert "glucose_meter_hi" not in _codes(text)
    assert _floor(text) is None


def test_a_meters_hi_is_not_read_as_a_head_injury() -> None:
    # "HI" is also the head-injury abbreviation; with vomiting that used to raise head_injury_loc
    assert "head_injury_loc" not in _codes("meter says HI and I am vomiting")
    assert "head_injury_loc" not in _codes("la glucosa en HI y estoy vomitando")


def test_a_pump_failure_with_a_high_sugar_and_being_sick_is_an_emergency() -> None:
    text = "my insulin pump stopped working, sugar is very high and I feel sick"
    assert "diabetic_emergency" in _codes(text)
    assert _floor(text) is Urgency.EMERGENCY


def test_a_lo_reading_stays_an_emergency() -> None:
    # LO is below the meter's range (a severe hypo): unchanged by this flag
    assert _floor("my sugar says LO") is Urgency.EMERGENCY
