"""The clinician's PDF: what a doctor must see on it, and nothing that breaks it."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from pypdf import PdfReader

from fasttriage.domain.models import (
    ConversationMessage,
    Language,
    Media,
    Provenance,
    RedFlag,
    Symptom,
    TriageSummary,
)
from fasttriage.domain.report import ReportContext, render_pdf
from fasttriage.domain.urgency import Urgency

WHEN = datetime(2026, 11, 28, 8, 30, tzinfo=UTC)


def context(body: str, producer: str = "llm", messages: int = 1) -> ReportContext:
    summary = TriageSummary(
        chief_complaint="Chest pain radiating to the left arm",
        symptoms=[Symptom(name="chest pain", onset="1 hour ago", severity="8/10")],
        medications=["aspirin"],
        allergies=["penicillin"],
        red_flags=[
            RedFlag(
                code="cardiac_chest_pain",
                label="Cardiac-type chest pain",
                floor=Urgency.EMERGENCY,
                evidence="chest pain",
            )
        ],
        urgency=Urgency.EMERGENCY,
        recommended_disposition="Call emergency services now.",
        follow_up_questions=["Are you short of breath?"],
        language=Language.EN,
        provenance=Provenance(
            producer=producer,
            model_id="ibm/granite-3-8b-instruct" if producer == "llm" else None,
            prompt_version="p1",
            rules_version="r1",
        ),
    )
    return ReportContext(
        case_id="ab" * 16,
        version=messages,
        patient="whatsapp:***0101",
        profile="M. S.",
        messages=[
            ConversationMessage(
                message_sid=f"SM{i:032d}",
                received_at=WHEN,
                body=body,
                media=[Media(url="https://api.twilio.com/x", content_type="image/jpeg")] if i == 0 else [],
            )
            for i in range(messages)
        ],
        summary=summary,
        generated_at=WHEN,
    )


def text_of(pdf: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(page.extract_text() for page in reader.pages), len(reader.pages)


def test_report_shows_banner_identifiers_summary_flags_timeline_and_provenance():
    text, _ = text_of(render_pdf(context("crushing chest pain into my left arm")))
    for expected in [
        "EMERGENCY - call emergency services now",
        "whatsapp:***0101",
        "M. S.",
        "Chest pain radiating to the left arm",
        "Cardiac-type chest pain",
        "crushing chest pain into my left arm",
        "2026-11-28 08:30",
        "attachment: image/jpeg",
        "penicillin",
        "Are you short of breath?",
        "ibm/granite-3-8b-instruct",
        "page 1",
    ]:
        assert expected in text, expected


def test_fallback_reports_say_so():
    text, _ = text_of(render_pdf(context("headache", producer="fallback")))
    assert "Automatic fallback summary" in text


def test_patient_text_is_printed_literally_never_as_markup():
    text, _ = text_of(render_pdf(context("<b>bold</b> & <font size=40>big</font> <script>x</script>")))
    assert "<b>bold</b> & <font size=40>big</font>" in text


def test_long_conversations_flow_onto_numbered_pages():
    text, pages = text_of(render_pdf(context("a long message about my symptoms " * 20, messages=25)))
    assert pages > 1 and f"page {pages}" in text
