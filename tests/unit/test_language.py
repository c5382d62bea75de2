"""Replies go out in the language the patient wrote in."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fasttriage.domain.language import detect_language
from fasttriage.domain.models import Language


@pytest.mark.parametrize(
    "text",
    ["my chest hurts and im sweating", "hi, is the clinic open saturday?", "I CANT BREATHE", "no fever"],
)
def test_english_messages_are_detected_as_english(text: str) -> None:
    assert detect_language(text) is Language.EN


@pytest.mark.parametrize(
    "text",
    [
        "tengo dolor de pecho",
        "mi hijo tiene fiebre",
        "no puedo respirar",
        "¿qué hago?",
        "sin fiebre, solo tos",
    ],
)
def test_spanish_messages_are_detected_as_spanish(text: str) -> None:
    assert detect_language(text) is Language.ES


@pytest.mark.parametrize(
    "text",
    [
        "estou com dor no peito",
        "meu filho ta com febre",
        "não consigo respirar",
        "oi, queria marcar consulta",
    ],
)
def test_portuguese_messages_are_detected_as_portuguese(text: str) -> None:
    assert detect_language(text) is Language.PT


def test_portuguese_without_accents_is_still_portuguese() -> None:
    assert detect_language("nao tenho falta de ar, so nariz entupido") is Language.PT


def test_spanish_without_accents_is_still_spanish() -> None:
    assert detect_language("mi bebe de 2 meses tiene fiebre, que hago") is Language.ES


def test_shouting_does_not_change_the_language() -> None:
    assert detect_language("DOR NO PEITO MUITO FORTE") is Language.PT
    assert detect_language("ME DUELE EL PECHO MUCHISIMO") is Language.ES


@pytest.mark.parametrize("text", ["", "ok", "😀👍", "12345", "???"])
def test_text_without_language_signal_defaults_to_english(text: str) -> None:
    assert detect_language(text) is Language.EN


@given(st.text(max_size=300))
def test_detect_language_always_answers_one_of_the_three(text: str) -> None:
    assert detect_language(text) in set(Language)
