"""What patients read, and the two commands they can send."""

from __future__ import annotations

import pytest

from fasttriage.domain import patient_messages
from fasttriage.domain.models import Language
from fasttriage.domain.patient_messages import is_erasure_command, is_new_case_command, text_for

WHATSAPP_COMFORTABLE_LENGTH = 320


@pytest.mark.parametrize("key", sorted(patient_messages.KEYS))
@pytest.mark.parametrize("language", list(Language))
def test_every_text_exists_in_every_language_and_fits_a_whatsapp_message(
    key: str, language: Language
) -> None:
    text = text_for(key, language)
    assert text.strip()
    assert len(text) <= WHATSAPP_COMFORTABLE_LENGTH


def test_the_texts_are_really_translated() -> None:
    for key in patient_messages.KEYS:
        assert len({text_for(key, language) for language in Language}) == 3


@pytest.mark.parametrize(
    ("language", "number"), [(Language.EN, "911"), (Language.ES, "112"), (Language.PT, "192")]
)
def test_emergency_instruction_names_a_local_emergency_number(language: Language, number: str) -> None:
    assert number in text_for(patient_messages.EMERGENCY, language)


@pytest.mark.parametrize(
    ("language", "command"),
    [(Language.EN, "delete my data"), (Language.ES, "borrar mis datos"), (Language.PT, "apagar meus dados")],
)
def test_privacy_notice_says_what_is_kept_and_quotes_the_erasure_command(
    language: Language, command: str
) -> None:
    notice = text_for(patient_messages.PRIVACY_NOTICE, language)
    assert command in notice
    assert is_erasure_command(command)


def test_english_privacy_notice_mentions_messages_and_summary_for_doctors() -> None:
    notice = text_for(patient_messages.PRIVACY_NOTICE, Language.EN)
    assert "messages" in notice and "summary" in notice and "doctors" in notice


def test_unknown_key_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        text_for("no_such_text", Language.EN)


@pytest.mark.parametrize(
    "text", ["new", "NEW", "New.", " nuevo ", "Novo!", "new case", "nuevo caso", "novo caso", "please new"]
)
def test_new_case_command_is_recognised_in_any_case_and_language(text: str) -> None:
    assert is_new_case_command(text)


@pytest.mark.parametrize(
    "text", ["new pain in my chest", "i have a new rash", "renew my prescription", "", "no"]
)
def test_new_inside_a_longer_message_is_not_a_command(text: str) -> None:
    assert not is_new_case_command(text)


@pytest.mark.parametrize(
    "text",
    [
        "delete my data",
        "Delete my data please",
        "DELETE MY DATA!",
        "erase my data",
        "borrar mis datos",
        "Borrar mis datos, por favor",
        "borra mis datos",
        "apagar meus dados",
        "Apagar os meus dados",
        "apague meus dados",
    ],
)
def test_erasure_command_is_recognised_with_close_variants(text: str) -> None:
    assert is_erasure_command(text)


def test_erasure_command_is_accent_insensitive() -> None:
    assert is_erasure_command("ÁPAGAR MEUS DADOS")


@pytest.mark.parametrize(
    "text",
    [
        "how do i delete my data?",
        "don't delete my data",
        "my data",
        "delete",
        "can you delete my data later, i have chest pain",
    ],
)
def test_erasure_mentioned_inside_another_message_is_not_a_command(text: str) -> None:
    assert not is_erasure_command(text)
