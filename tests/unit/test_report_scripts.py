"""Issue 15.6: the PDF prints any script a patient writes in, and emoji, with the bundled fonts (domain.fonts).

Text is read back with poppler's pdftotext (installed by .ci/run) and the fonts each page uses with pypdf; one
page is kept as PNG at docs/report-sample-scripts.png for a human look.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from fasttriage.domain import fonts
from fasttriage.domain.models import ConversationMessage, Language, Provenance, TriageSummary
from fasttriage.domain.report import ReportContext, render_pdf
from fasttriage.domain.urgency import Urgency
from support import ROOT

TEXTS = {
    "Cyrillic": "Сильная боль в груди и одышка",
    "Greek": "Πονάει πολύ το στήθος μου",
    "Arabic": "عندي ألم شديد في الصدر",
    "Hebrew": "יש לי כאב חזק בחזה",
    "Devanagari": "मेरे सीने में तेज़ दर्द है",
    "Latin": "Dor no peito há duas horas, ação rápida",
}
EMOJI = "I feel sick 🤒 please help 🙏 ❤ ⚠"
NOW = datetime(2026, 11, 30, 8, tzinfo=UTC)


def report(bodies: list[str]) -> bytes:
    messages = [
        ConversationMessage(message_sid=f"SM{i:032x}", received_at=NOW, body=body)
        for i, body in enumerate(bodies)
    ]
    summary = TriageSummary(
        chief_complaint=bodies[0],
        urgency=Urgency.URGENT,
        recommended_disposition="Ver hoje / Осмотр сегодня",
        language=Language.EN,
        provenance=Provenance(producer="fallback", rules_version="r1"),
    )
    return render_pdf(
        ReportContext(
            case_id="c" * 32,
            version=1,
            patient="whatsapp:***0101",
            profile=None,
            messages=messages,
            summary=summary,
            generated_at=NOW,
        )
    )


def pdftotext(pdf: bytes, tmp_path: Path) -> list[str]:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext not found: install poppler-utils (.ci/run does)", pytrace=False)
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    # pdftotext marks right-to-left lines with embedding controls; drop them
    return [line.strip("\u202a\u202b\u202c\u200e\u200f ") for line in out.splitlines()]


def font_names(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():  # type: ignore[index]
            names.add(str(ref.get_object()["/BaseFont"]))
    return names


def test_every_character_of_each_script_and_the_emoji_has_a_glyph_in_a_bundled_font():
    for text in [*TEXTS.values(), EMOJI]:
        assert fonts.missing(text) == set(), text
    assert fonts.font_for("अ") == fonts.DEVANAGARI and fonts.font_for("ع") == fonts.ARABIC
    assert fonts.font_for("🤒") == fonts.SYMBOLS and fonts.font_for("Ж") == fonts.SANS


def test_a_character_no_font_has_prints_as_its_code_point_not_as_a_box():
    assert "\U0001fa7a" in fonts.missing("stethoscope \U0001fa7a")  # Unicode 12: newer than Symbola 2.60
    assert "[U+1FA7A]" in fonts.markup("stethoscope \U0001fa7a")


def test_each_script_reads_back_from_the_pdf_in_logical_order(tmp_path):
    pdf = report(list(TEXTS.values()))
    lines = pdftotext(pdf, tmp_path)
    for script, text in TEXTS.items():
        plain = [unicodedata.normalize("NFKC", line) for line in lines]
        if script == "Hebrew":  # drawn as one right-to-left run: pdftotext reads its glyphs left to right
            found = any(line[::-1] == text for line in plain)
        elif script == "Arabic":  # words put in visual order by domain.fonts, each shaped right to left
            found = any(" ".join(w[::-1] for w in line.split()) == text for line in plain)
        else:
            found = text in lines
        assert found, f"{script} did not read back: {lines}"
    used = {name.split("+", 1)[-1] for name in font_names(pdf)}
    assert not any(name.startswith("Helvetica") for name in used)
    assert {"DejaVuSans", "DejaVuSans-Bold", "NotoSansArabic-Regular", "NotoSansHebrew-Regular"} <= used
    assert "NotoSansDevanagari-Regular" in used


def test_emoji_are_drawn_with_the_symbol_font(tmp_path):
    pdf = report([EMOJI])
    used = {name.split("+", 1)[-1] for name in font_names(pdf)}
    assert "Symbola" in used
    text = "\n".join(pdftotext(pdf, tmp_path))
    # reportlab's ToUnicode map cannot express code points above U+FFFF, so only the BMP symbols read back.
    assert "❤" in text and "⚠" in text and "I feel sick" in text


def test_patient_markup_stays_text_in_every_font():
    assert fonts.markup('<b>x</b> & "ع"') == '&lt;b&gt;x&lt;/b&gt; &amp; "<font name="FT-Arabic">ع</font>"'


def test_sample_page_is_kept_as_png_for_a_human_look(tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm not found: install poppler-utils (.ci/run does)", pytrace=False)
    path = tmp_path / "r.pdf"
    path.write_bytes(report([*TEXTS.values(), EMOJI]))
    target = ROOT / "docs" / "report-sample-scripts"
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-singlefile", str(path), str(target)], check=True)
    assert (ROOT / "docs" / "report-sample-scripts.png").stat().st_size > 10_000
