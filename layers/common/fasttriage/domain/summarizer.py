"""Summarizers: the port the worker calls, the deterministic fallback that never fails, and the safety net.

- `Summarizer`: the port (`summarize(conversation) -> TriageSummary`); the watsonx adapter implements it.
- `DeterministicSummarizer`: rules only; the fallback when the LLM is absent or fails.
- `merge_with_floor`: the red-flag engine has the last word on how low urgency may go.
- `SafeSummarizer`: primary (LLM) if it works, else the fallback; always merged with the floor.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

from fasttriage.domain.errors import SummarizerError, SummarizerOutputInvalid
from fasttriage.domain.models import Assessment, Conversation, Language, Provenance, RedFlag, TriageSummary
from fasttriage.domain.urgency import Urgency, most_urgent

DISPOSITIONS = {
    Urgency.EMERGENCY: "Call emergency services now.",
    Urgency.URGENT: "In-person care within hours.",
    Urgency.SOON: "See a clinician within 24-48 hours.",
    Urgency.ROUTINE: "Book a regular appointment.",
    Urgency.SELF_CARE: "Self-care advice; no appointment needed.",
}

# Short, fixed fallback reasons (stored in provenance, logged, counted): never patient text.
REASON_NOT_CONFIGURED = "llm_not_configured"
REASON_UNAVAILABLE = "llm_unavailable"
REASON_OUTPUT_INVALID = "llm_output_invalid"


class Summarizer(Protocol):
    """Turns a patient's conversation into a structured triage summary."""

    def summarize(self, conversation: Conversation) -> TriageSummary: ...


# Words that say when something started or how long it lasted, in the languages the engine detects.
_TIME_WORDS = re.compile(
    r"\b(\d+\s*(h|hrs?|hours?|min|minutes?|days?|weeks?|months?|years?|horas?|d[ií]as?|semanas?|mes(es)?"
    r"|m[eê]s(es)?|anos?|años?)|yesterday|today|tonight|this morning|last night|since|ago|ayer|hoy|anoche"
    r"|desde|hace|ontem|hoje|h[aá]\s+\d+)\b",
    re.IGNORECASE,
)
_SEVERITY_WORDS = re.compile(
    r"\b(\d+\s*/\s*10|mild|moderate|severe|worst|unbearable|leve|moderad[oa]|fuerte|intens[oa]|grave"
    r"|insoportable|insuport[aá]vel|forte)\b",
    re.IGNORECASE,
)
_FOLLOW_UPS: dict[Language, dict[str, str]] = {
    Language.EN: {
        "onset": "When did this start, and how long has it lasted?",
        "severity": "How bad is it on a scale from 0 to 10?",
        "medications": "Do you take any medicines, and do you have any allergies?",
    },
    Language.ES: {
        "onset": "¿Cuándo empezó y cuánto tiempo ha durado?",
        "severity": "¿Qué tan fuerte es, en una escala de 0 a 10?",
        "medications": "¿Toma algún medicamento? ¿Tiene alguna alergia?",
    },
    Language.PT: {
        "onset": "Quando começou e há quanto tempo dura?",
        "severity": "Qual a intensidade, numa escala de 0 a 10?",
        "medications": "Toma algum medicamento? Tem alguma alergia?",
    },
}


class DeterministicSummarizer:
    """A rule-only summary: the patient's own words, the red flags and their urgency floor.

    Used when no LLM is configured, and as the fallback when the LLM fails, so a job is never lost.
    Adds follow-up questions, in the patient's language, for what the text does not seem to say
    (when it started, how severe it is, medicines and allergies).
    """

    def __init__(self, default_urgency: Urgency = Urgency.ROUTINE, reason: str | None = None) -> None:
        self._default = default_urgency
        self._reason = reason

    def summarize(self, conversation: Conversation) -> TriageSummary:
        assessment = conversation.assessment
        urgency = most_urgent(assessment.urgency_floor, self._default) or self._default
        first = next((m.screened_text for m in conversation.messages if m.screened_text.strip()), "")
        if first.strip():
            complaint = first.strip().splitlines()[0][:200]
        elif any(m.location for m in conversation.messages):
            complaint = "(no text: shared a location)"
        else:
            complaint = "(no text: media only)"
        return TriageSummary(
            chief_complaint=complaint,
            red_flags=list(assessment.red_flags),
            urgency=urgency,
            recommended_disposition=DISPOSITIONS[urgency],
            follow_up_questions=_follow_up_questions(conversation.text, assessment.language),
            language=assessment.language,
            provenance=Provenance(
                producer="fallback",
                rules_version=assessment.rules_version,
                fallback_reason=self._reason,
            ),
        )


def _follow_up_questions(text: str, language: Language) -> list[str]:
    questions = _FOLLOW_UPS.get(language, _FOLLOW_UPS[Language.EN])
    wanted = []
    if not _TIME_WORDS.search(text):
        wanted.append(questions["onset"])
    if not _SEVERITY_WORDS.search(text):
        wanted.append(questions["severity"])
    wanted.append(questions["medications"])
    return wanted


def merge_with_floor(summary: TriageSummary, assessment: Assessment) -> TriageSummary:
    """The summary with the engine's verdict applied: urgency can be raised by the LLM, never lowered.

    - final urgency = the most urgent of the summary's, the engine's floor and every red flag's floor;
    - every engine red flag is present (first, in engine order); the summary's own extra flags follow;
    - the disposition starts with the standard phrase for the final urgency; the summary's own wording
      is kept after it only when its urgency was not raised (otherwise it would contradict the level).
    Idempotent: merging twice gives the same result.
    """
    engine_codes = {flag.code for flag in assessment.red_flags}
    flags: list[RedFlag] = [
        *assessment.red_flags,
        *(flag for flag in summary.red_flags if flag.code not in engine_codes),
    ]
    final = most_urgent(summary.urgency, assessment.urgency_floor, *(flag.floor for flag in flags))
    assert final is not None  # summary.urgency is always present
    standard = DISPOSITIONS[final]
    own = summary.recommended_disposition.strip()
    if final is not summary.urgency or not own:
        disposition = standard
    elif own.startswith(standard):
        disposition = own
    else:
        disposition = f"{standard} {own}"
    return summary.model_copy(
        update={"urgency": final, "red_flags": flags, "recommended_disposition": disposition}
    )


class SafeSummarizer:
    """Tries the primary summarizer (the LLM); on its known failures uses the deterministic fallback.

    Whatever produced it, the summary is merged with the engine's urgency floor. Only `SummarizerError`s
    fall back: any other exception is a bug and propagates so the worker can dead-letter the job.
    `on_fallback(reason, error)` lets the worker log and count fallbacks (reason is a fixed short code).
    """

    def __init__(
        self,
        primary: Summarizer | None,
        fallback: DeterministicSummarizer,
        on_fallback: Callable[[str, Exception | None], None] | None = None,
    ) -> None:
        self._primary = primary
        self._fallback = fallback
        self._on_fallback = on_fallback

    def summarize(self, conversation: Conversation) -> TriageSummary:
        if self._primary is None:
            return self._use_fallback(conversation, REASON_NOT_CONFIGURED, None)
        try:
            summary = self._primary.summarize(conversation)
        except SummarizerOutputInvalid as exc:
            return self._use_fallback(conversation, REASON_OUTPUT_INVALID, exc)
        except SummarizerError as exc:  # SummarizerUnavailable and any future subclass
            return self._use_fallback(conversation, REASON_UNAVAILABLE, exc)
        return merge_with_floor(summary, conversation.assessment)

    def _use_fallback(
        self, conversation: Conversation, reason: str, error: Exception | None
    ) -> TriageSummary:
        if self._on_fallback is not None:
            self._on_fallback(reason, error)
        summary = self._fallback.summarize(conversation)
        provenance = summary.provenance.model_copy(update={"producer": "fallback", "fallback_reason": reason})
        return merge_with_floor(
            summary.model_copy(update={"provenance": provenance}), conversation.assessment
        )
