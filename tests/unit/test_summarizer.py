"""The safety net around the LLM: the red-flag floor always wins, and a failing LLM never loses a summary."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fasttriage.domain.errors import SummarizerOutputInvalid, SummarizerUnavailable
from fasttriage.domain.models import (
    Assessment,
    Conversation,
    ConversationMessage,
    Language,
    Provenance,
    RedFlag,
    TriageSummary,
)
from fasttriage.domain.summarizer import (
    DISPOSITIONS,
    REASON_NOT_CONFIGURED,
    REASON_OUTPUT_INVALID,
    REASON_UNAVAILABLE,
    DeterministicSummarizer,
    SafeSummarizer,
    merge_with_floor,
)
from fasttriage.domain.urgency import Urgency

PATIENT_TEXT = "crushing chest pain and my left arm is numb"
CHEST_PAIN = RedFlag(
    code="cardiac_chest_pain", label="Chest pain", floor=Urgency.EMERGENCY, evidence="chest pain"
)


def assessment(*flags: RedFlag, language: Language = Language.EN) -> Assessment:
    floor = min((flag.floor for flag in flags), key=lambda level: level.rank, default=None)
    return Assessment(language=language, red_flags=list(flags), urgency_floor=floor, rules_version="rules-1")


def conversation(body: str = PATIENT_TEXT, *flags: RedFlag, language: Language = Language.EN) -> Conversation:
    return Conversation(
        case_id="0" * 32,
        messages=[
            ConversationMessage(
                message_sid="SM" + "a" * 32, received_at=datetime(2026, 11, 28, tzinfo=UTC), body=body
            )
        ],
        assessment=assessment(*flags, language=language),
    )


def llm_summary(
    urgency: Urgency, disposition: str = "Rest and fluids.", flags: list[RedFlag] | None = None
) -> TriageSummary:
    return TriageSummary(
        chief_complaint="Chest pain",
        red_flags=flags or [],
        urgency=urgency,
        recommended_disposition=disposition,
        language=Language.EN,
        provenance=Provenance(
            producer="llm", model_id="ibm/granite", prompt_version="p1", rules_version="rules-1"
        ),
    )


class FakeLLM:
    def __init__(self, result: TriageSummary | Exception) -> None:
        self.result = result
        self.calls = 0

    def summarize(self, conversation: Conversation) -> TriageSummary:
        self.calls += 1
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


# --- merge_with_floor ----------------------------------------------------------------------------------


def test_llm_saying_routine_is_raised_to_the_emergency_floor() -> None:
    merged = merge_with_floor(llm_summary(Urgency.ROUTINE), assessment(CHEST_PAIN))

    assert merged.urgency is Urgency.EMERGENCY
    assert merged.recommended_disposition == DISPOSITIONS[Urgency.EMERGENCY]


def test_llm_may_raise_urgency_above_an_absent_floor() -> None:
    merged = merge_with_floor(llm_summary(Urgency.EMERGENCY, "Go to the ER."), assessment())

    assert merged.urgency is Urgency.EMERGENCY
    assert merged.recommended_disposition == "Call emergency services now. Go to the ER."


def test_llm_may_raise_urgency_above_a_lower_floor() -> None:
    rash = RedFlag(code="rash", label="Rash", floor=Urgency.SOON)

    assert merge_with_floor(llm_summary(Urgency.URGENT), assessment(rash)).urgency is Urgency.URGENT


def test_engine_red_flags_are_always_included_even_when_the_llm_drops_them() -> None:
    extra = RedFlag(code="llm_syncope", label="Syncope", floor=Urgency.URGENT)

    merged = merge_with_floor(llm_summary(Urgency.EMERGENCY, flags=[extra]), assessment(CHEST_PAIN))

    assert [flag.code for flag in merged.red_flags] == ["cardiac_chest_pain", "llm_syncope"]


def test_a_flag_the_llm_restates_is_not_duplicated() -> None:
    merged = merge_with_floor(llm_summary(Urgency.EMERGENCY, flags=[CHEST_PAIN]), assessment(CHEST_PAIN))

    assert [flag.code for flag in merged.red_flags] == ["cardiac_chest_pain"]


def test_an_llm_flag_floor_raises_an_inconsistent_llm_urgency() -> None:
    extra = RedFlag(code="llm_stroke_signs", label="Stroke signs", floor=Urgency.EMERGENCY)

    assert (
        merge_with_floor(llm_summary(Urgency.SOON, flags=[extra]), assessment()).urgency is Urgency.EMERGENCY
    )


def test_merging_twice_changes_nothing() -> None:
    once = merge_with_floor(llm_summary(Urgency.URGENT, "Same-day clinic."), assessment())

    assert merge_with_floor(once, assessment()) == once


# --- SafeSummarizer ------------------------------------------------------------------------------------


def test_llm_summary_is_used_and_still_lifted_to_the_floor() -> None:
    safe = SafeSummarizer(FakeLLM(llm_summary(Urgency.SELF_CARE)), DeterministicSummarizer())

    summary = safe.summarize(conversation(PATIENT_TEXT, CHEST_PAIN))

    assert summary.provenance.producer == "llm"
    assert summary.urgency is Urgency.EMERGENCY
    assert summary.red_flags == [CHEST_PAIN]


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (
            SummarizerUnavailable("watsonx unavailable after retries or time budget: HTTP 503"),
            REASON_UNAVAILABLE,
        ),
        (SummarizerOutputInvalid("invalid after one repair attempt"), REASON_OUTPUT_INVALID),
    ],
)
def test_each_llm_failure_falls_back_to_the_rules_with_a_short_reason(error: Exception, reason: str) -> None:
    seen: list[tuple[str, Exception | None]] = []
    safe = SafeSummarizer(
        FakeLLM(error), DeterministicSummarizer(), on_fallback=lambda r, e: seen.append((r, e))
    )

    summary = safe.summarize(conversation(PATIENT_TEXT, CHEST_PAIN))

    assert summary.provenance.producer == "fallback"
    assert summary.provenance.fallback_reason == reason
    assert summary.urgency is Urgency.EMERGENCY
    assert summary.red_flags == [CHEST_PAIN]
    assert seen == [(reason, error)]


def test_no_llm_configured_uses_the_rules() -> None:
    summary = SafeSummarizer(None, DeterministicSummarizer()).summarize(conversation())

    assert summary.provenance.producer == "fallback"
    assert summary.provenance.fallback_reason == REASON_NOT_CONFIGURED
    assert summary.urgency is Urgency.ROUTINE


def test_fallback_reason_never_carries_patient_text() -> None:
    leaky = SummarizerOutputInvalid(f"model said: {PATIENT_TEXT}")
    summary = SafeSummarizer(FakeLLM(leaky), DeterministicSummarizer()).summarize(conversation())

    assert PATIENT_TEXT not in (summary.provenance.fallback_reason or "")


def test_a_bug_in_the_primary_is_not_hidden_by_the_fallback() -> None:
    safe = SafeSummarizer(FakeLLM(KeyError("choices")), DeterministicSummarizer())

    with pytest.raises(KeyError):
        safe.summarize(conversation())


# --- DeterministicSummarizer ---------------------------------------------------------------------------


def test_fallback_asks_when_it_started_and_how_bad_when_the_text_does_not_say() -> None:
    summary = DeterministicSummarizer().summarize(conversation("my stomach hurts"))

    assert summary.follow_up_questions[:2] == [
        "When did this start, and how long has it lasted?",
        "How bad is it on a scale from 0 to 10?",
    ]


def test_fallback_does_not_ask_what_the_patient_already_said() -> None:
    summary = DeterministicSummarizer().summarize(conversation("severe stomach pain since yesterday"))

    assert summary.follow_up_questions == ["Do you take any medicines, and do you have any allergies?"]


def test_fallback_questions_are_in_the_patients_language() -> None:
    summary = DeterministicSummarizer().summarize(conversation("me duele la cabeza", language=Language.ES))

    assert summary.follow_up_questions[0] == "¿Cuándo empezó y cuánto tiempo ha durado?"


def test_fallback_summary_is_the_first_line_of_the_patients_words_and_the_floor() -> None:
    summary = DeterministicSummarizer().summarize(conversation(PATIENT_TEXT + "\nmore", CHEST_PAIN))

    assert summary.chief_complaint == PATIENT_TEXT
    assert summary.urgency is Urgency.EMERGENCY
    assert summary.recommended_disposition == DISPOSITIONS[Urgency.EMERGENCY]
