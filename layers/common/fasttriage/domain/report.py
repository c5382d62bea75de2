"""The clinician's PDF report: layout only (reportlab), no I/O. `render_pdf` returns the bytes."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from fasttriage.domain import fonts
from fasttriage.domain.followup import OutboundRecord
from fasttriage.domain.models import ConversationMessage, StoredMedia, TriageSummary
from fasttriage.domain.urgency import Urgency

BANNER_COLOURS = {
    Urgency.EMERGENCY: "#B71C1C",
    Urgency.URGENT: "#E65100",
    Urgency.SOON: "#F9A825",
    Urgency.ROUTINE: "#2E7D32",
    Urgency.SELF_CARE: "#1565C0",
}
BANNER_TEXT = {
    Urgency.EMERGENCY: "EMERGENCY - call emergency services now",
    Urgency.URGENT: "URGENT - in-person care within hours",
    Urgency.SOON: "SOON - a clinician within 24-48 h",
    Urgency.ROUTINE: "ROUTINE - a regular appointment",
    Urgency.SELF_CARE: "SELF-CARE - advice only",
}


@dataclass(frozen=True)
class ReportContext:
    case_id: str
    version: int
    patient: str  # masked
    profile: str | None  # masked
    messages: list[ConversationMessage]
    summary: TriageSummary
    generated_at: datetime
    escalations: list[str] = field(default_factory=list)  # domain.escalation.EscalationEntry.line()
    sent: list[OutboundRecord] = field(
        default_factory=list
    )  # messages to the patient (replies...), in the thread
    images: dict[str, bytes] = field(default_factory=dict)  # thumbnail key -> JPEG bytes, embedded


def _attachments(message: ConversationMessage) -> str:
    """One line per media item: its type and whether a copy is kept with the case."""
    if message.stored_media:
        return "".join(
            f"<br/><i>attachment {m.index + 1}: {escape(m.content_type or 'file')}, "
            f"{'stored with the case' if m.status == 'stored' else escape(m.status)}</i>" + _transcript(m)
            for m in message.stored_media
        )
    return "".join(f"<br/><i>attachment: {escape(a.content_type or 'file')}</i>" for a in message.media)


def _transcript(item: StoredMedia) -> str:
    """A voice note's transcript, marked as a machine transcription (or that it failed)."""
    if item.transcript:
        return f"<br/><b>Voice note, machine transcription:</b> {_text(item.transcript)}"
    if item.transcript_status == "failed":
        return "<br/><i>Voice note: the machine transcription failed; listen to the recording.</i>"
    return ""


def _location(message: ConversationMessage) -> str:
    """A shared location: what the patient's app named it, and a map link."""
    place = message.location
    if place is None:
        return ""
    url = escape(place.map_url, {'"': "&quot;"})
    return (
        f"<br/><b>Shared location:</b> {_text(place.text())}"
        f'<br/><link href="{url}" color="blue"><u>Open map</u></link>'
    )


THUMBNAIL_MAX_MM = 60  # the longest side of a photo in the PDF


def _thumbnails(message: ConversationMessage, images: dict[str, bytes], mm: float) -> list:
    """The message's photos, as the stored thumbnails (already size-capped JPEGs), scaled to fit the cell."""
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image

    flowables = []
    for item in message.stored_media:
        data = images.get(item.thumbnail_key or "")
        if not data:
            continue
        width, height = ImageReader(io.BytesIO(data)).getSize()
        scale = THUMBNAIL_MAX_MM * mm / max(width, height, 1)
        flowables.append(Image(io.BytesIO(data), width=width * scale, height=height * scale, hAlign="LEFT"))
    return flowables


def _naive(moment: datetime) -> datetime:
    return (
        moment.replace(tzinfo=None) if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)
    )


def _sent_line(record: OutboundRecord) -> str:
    """A message sent to the patient, marked as such, with who sent it and its delivery status."""
    status = record.delivery_status or record.state
    error = f", error {escape(record.error_code)}" if record.error_code else ""
    who = escape(record.by or "FastTriage")
    return f"<b>To the patient</b> ({escape(record.kind)}, by {who}; {escape(status)}{error}):<br/>{_text(record.body)}"


def _text(value: str) -> str:
    """Patient text is data, never markup; each run of it in a bundled font that draws it (domain.fonts)."""
    return fonts.markup(value)


def render_pdf(ctx: ReportContext) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    fonts.register()
    styles = getSampleStyleSheet()
    for style in styles.byName.values():  # every style: the bundled fonts, shaped (Arabic, Devanagari)
        bold = getattr(style, "fontName", "").endswith("Bold")
        style.fontName = fonts.SANS_BOLD if bold else fonts.SANS
        style.shaping = 1
    body = styles["BodyText"]
    h2 = styles["Heading2"]
    banner_style = ParagraphStyle("banner", parent=body, textColor=colors.white, fontSize=14, leading=18)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10, textColor=colors.HexColor("#555555"))
    summary = ctx.summary
    story: list = []

    banner = Table(
        [[Paragraph(f"<b>{BANNER_TEXT[summary.urgency]}</b>", banner_style)]],
        colWidths=[180 * mm],
    )
    banner.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(BANNER_COLOURS[summary.urgency])),
                ("TOPPADDING", (0, 0), (-1, -1), 8),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    story += [Paragraph("FastTriage - triage report", styles["Title"]), banner, Spacer(1, 6)]

    if summary.provenance.producer == "fallback":
        story.append(
            Paragraph(
                "<b>Automatic fallback summary:</b> the language model was not used for this version; "
                "the summary below is the patient's own words and the rule-based red flags.",
                body,
            )
        )

    ident = [
        ["Case", ctx.case_id],
        ["Version", str(ctx.version)],
        ["Patient", ctx.patient],
        ["WhatsApp profile", ctx.profile or "-"],
        ["Language", summary.language.value],
        ["Generated", ctx.generated_at.strftime("%Y-%m-%d %H:%M UTC")],
    ]
    story.append(_grid(ident, Table, TableStyle, colors, mm))

    story.append(Paragraph("Summary", h2))
    rows = [
        ["Chief complaint", Paragraph(_text(summary.chief_complaint), body)],
        ["Urgency", summary.urgency.value],
        ["Disposition", Paragraph(_text(summary.recommended_disposition), body)],
    ]
    if summary.symptoms:
        lines = [
            ", ".join(
                part
                for part in (
                    s.name,
                    f"onset {s.onset}" if s.onset else "",
                    f"for {s.duration}" if s.duration else "",
                    f"severity {s.severity}" if s.severity else "",
                )
                if part
            )
            for s in summary.symptoms
        ]
        rows.append(["Symptoms", Paragraph(_text("\n".join(lines)), body)])
    for label, values in (
        ("History", summary.relevant_history),
        ("Medications", summary.medications),
        ("Allergies", summary.allergies),
        ("Ask the patient", summary.follow_up_questions),
    ):
        if values:
            rows.append([label, Paragraph(_text("\n".join(values)), body)])
    story.append(_grid(rows, Table, TableStyle, colors, mm))

    story.append(Paragraph("Red flags", h2))
    if summary.red_flags:
        flag_rows = [["Flag", "Floor", "Evidence"]] + [
            [Paragraph(_text(f.label), body), f.floor.value, Paragraph(_text(f.evidence or "-"), body)]
            for f in summary.red_flags
        ]
        story.append(_grid(flag_rows, Table, TableStyle, colors, mm, header=True))
    else:
        story.append(Paragraph("None found by the rule engine.", body))

    if ctx.escalations:
        story.append(Paragraph("Escalation", h2))
        story.append(Paragraph(_text("\n".join(ctx.escalations)), body))

    story.append(Paragraph("Messages", h2))
    rows_by_time: list[tuple[datetime, int, list]] = [
        (
            m.received_at,
            0,
            [
                m.received_at.strftime("%Y-%m-%d %H:%M"),
                [
                    Paragraph(
                        (_text(m.body) if m.body or m.location else "(no text)")
                        + _location(m)
                        + _attachments(m),
                        body,
                    ),
                    *_thumbnails(m, ctx.images, mm),
                ],
            ],
        )
        for m in ctx.messages
    ]
    rows_by_time += [
        (r.created_at, 1, [r.created_at.strftime("%Y-%m-%d %H:%M"), Paragraph(_sent_line(r), body)])
        for r in ctx.sent
        if r.created_at is not None
    ]
    timeline = [["When (UTC)", "Message"]] + [
        row for _, _, row in sorted(rows_by_time, key=lambda item: (_naive(item[0]), item[1]))
    ]
    story.append(_grid(timeline, Table, TableStyle, colors, mm, header=True))

    p = summary.provenance
    story += [
        Spacer(1, 8),
        Paragraph(
            _text(
                f"Produced by: {p.producer}"
                + (f" ({p.model_id}, prompt {p.prompt_version})" if p.model_id else "")
                + f"; rules {p.rules_version}"
                + (f"; fallback reason: {p.fallback_reason}" if p.fallback_reason else "")
            ),
            small,
        ),
        Paragraph(
            "Decision support only: a clinician must review this report. It contains patient health data.",
            small,
        ),
    ]

    def page_number(canvas, doc) -> None:  # type: ignore[no-untyped-def]
        canvas.saveState()
        canvas.setFont(fonts.SANS, 8)
        canvas.drawRightString(200 * mm, 10 * mm, f"Case {ctx.case_id} v{ctx.version} - page {doc.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title=f"FastTriage case {ctx.case_id} v{ctx.version}",
        author="FastTriage",
        invariant=1,
    )
    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return buffer.getvalue()


def _grid(rows, Table, TableStyle, colors, mm, header: bool = False):  # type: ignore[no-untyped-def]
    widths = [35 * mm, 145 * mm] if len(rows[0]) == 2 else [55 * mm, 25 * mm, 100 * mm]
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), fonts.SANS),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#BBBBBB")),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
    ]
    if header:
        style += [
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
            ("FONTNAME", (0, 0), (-1, 0), fonts.SANS_BOLD),
        ]
    else:
        style.append(("FONTNAME", (0, 0), (0, -1), fonts.SANS_BOLD))
    table.setStyle(TableStyle(style))
    return table
