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


# --- how sure the detector is (issue 11: unsure -> every rule set, answer in English) -----------------

from fasttriage.domain.language import detect_language_detail  # noqa: E402


@pytest.mark.parametrize(
    "text",
    [
        "mon père a mal à la poitrine et il transpire beaucoup",
        "mein Kind hat Fieber und kann nicht atmen",
        "mio padre ha un forte dolore al petto",
    ],
)
def test_french_german_and_italian_are_not_confidently_spanish_or_portuguese(text: str) -> None:
    guess = detect_language_detail(text)
    assert not guess.confident
    assert guess.other > 0


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("my chest hurts and i cant breathe properly", Language.EN),
        ("tengo un dolor muy fuerte en el pecho desde hace una hora", Language.ES),
        ("estou com uma dor muito forte no peito faz uma hora", Language.PT),
    ],
)
def test_ordinary_messages_are_detected_with_confidence(text: str, language: Language) -> None:
    guess = detect_language_detail(text)
    assert guess.confident
    assert guess.language is language


def test_a_short_message_is_not_confident_but_keeps_its_best_guess() -> None:
    guess = detect_language_detail("no puedo respirar")
    assert guess.language is Language.ES
    assert not guess.confident


@given(st.text(max_size=300))
def test_the_detail_agrees_with_detect_language(text: str) -> None:
    assert detect_language_detail(text).language is detect_language(text)
