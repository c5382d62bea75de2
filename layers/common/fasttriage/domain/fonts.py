"""Fonts for the PDF: any script a patient may write in, and emoji, with HarfBuzz shaping where it is needed.

Bundled in fasttriage/fonts/ (so the worker image and the local stack carry the same files; licences beside
them, all allowing redistribution):
- DejaVu Sans (regular, bold): Latin, Greek, Cyrillic, and the default face. Bitstream Vera licence.
- Noto Sans Arabic, Hebrew, Devanagari: those scripts, with the OpenType tables HarfBuzz shapes with. OFL 1.1.
- Symbola (2.60, the Debian package's version): monochrome emoji and symbols up to Unicode 9. "Free for any use".

reportlab picks one font per run of text, so `markup` splits a text into runs by the font that has each
character (the script's own font first, then DejaVu, then Symbola) and wraps every run that is not in the
default face in <font name=...>. reportlab shapes runs with uharfbuzz when it is installed (paragraph style
`shaping=1`): Arabic letters join, Devanagari conjuncts and vowel signs form. A character no bundled font has
is printed as its code point, "[U+1FA7A]", never as an empty box.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources
from xml.sax.saxutils import escape

SANS = "FT-Sans"
SANS_BOLD = "FT-Sans-Bold"
ARABIC = "FT-Arabic"
HEBREW = "FT-Hebrew"
DEVANAGARI = "FT-Devanagari"
SYMBOLS = "FT-Symbols"

FILES = {
    SANS: "DejaVuSans.ttf",
    SANS_BOLD: "DejaVuSans-Bold.ttf",
    ARABIC: "NotoSansArabic-Regular.ttf",
    HEBREW: "NotoSansHebrew-Regular.ttf",
    DEVANAGARI: "NotoSansDevanagari-Regular.ttf",
    SYMBOLS: "Symbola.ttf",
}

# The script's own font for these code point ranges (it has the shaping tables); anything else: DejaVu first.
_SCRIPT_RANGES: list[tuple[int, int, str]] = [
    (0x0590, 0x05FF, HEBREW),
    (0xFB1D, 0xFB4F, HEBREW),
    (0x0600, 0x06FF, ARABIC),
    (0x0750, 0x077F, ARABIC),
    (0x08A0, 0x08FF, ARABIC),
    (0xFB50, 0xFDFF, ARABIC),
    (0xFE70, 0xFEFF, ARABIC),
    (0x0900, 0x097F, DEVANAGARI),
    (0xA8E0, 0xA8FF, DEVANAGARI),
    (0x1CD0, 0x1CFF, DEVANAGARI),
]
_FALLBACK_ORDER = (SANS, SYMBOLS, ARABIC, HEBREW, DEVANAGARI)
_SHAPED = frozenset({ARABIC, HEBREW, DEVANAGARI})
# Joiners and selectors belong to the run they sit in (ZWJ in emoji sequences, ZWNJ in Indic and Arabic text).
_NEUTRAL = {0x200C, 0x200D, 0xFE0E, 0xFE0F}


@cache
def register() -> None:
    """Registers the bundled fonts with reportlab once per process (FT-Sans with its bold as a family)."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    folder = resources.files("fasttriage").joinpath("fonts")
    for name, filename in FILES.items():
        with resources.as_file(folder.joinpath(filename)) as path:
            # Only the scripts that need it are shaped: shaping DejaVu would apply its Latin ligatures (st, ft).
            pdfmetrics.registerFont(TTFont(name, str(path), shapable=name in _SHAPED))
    for bold, italic in ((0, 0), (0, 1), (1, 0), (1, 1)):
        addMapping(SANS, bold, italic, SANS_BOLD if bold else SANS)


@cache
def _cmap(name: str) -> frozenset[int]:
    from reportlab.pdfbase import pdfmetrics

    register()
    return frozenset(pdfmetrics.getFont(name).face.charToGlyph)


def font_for(char: str) -> str | None:
    """The bundled font that draws `char`; None when none has it."""
    point = ord(char)
    for low, high, name in _SCRIPT_RANGES:
        if low <= point <= high and point in _cmap(name):
            return name
    return next((name for name in _FALLBACK_ORDER if point in _cmap(name)), None)


def missing(text: str) -> set[str]:
    """Characters of `text` (not spaces or controls) that no bundled font draws."""
    return {
        ch
        for ch in text
        if not ch.isspace()
        and ord(ch) not in _NEUTRAL
        and unicodedata.category(ch) != "Cc"
        and font_for(ch) is None
    }


def _is_arabic(ch: str) -> bool:
    return unicodedata.bidirectional(ch) == "AL"


def arabic_visual_order(line: str) -> str:
    """One line with each Arabic-script stretch (its words and the spaces, digits and punctuation between
    them) in visual word order.

    reportlab without rlbidi shapes each Arabic word right to left (HarfBuzz) but lays the words out left to
    right, so the words of the stretch are reversed here. Hebrew runs come out in visual order already (checked
    on rendered pages, docs/report-sample-scripts.png). A stretch that wraps onto several lines keeps its word
    order only within each line: patient messages are mostly one or two lines.
    """
    out: list[str] = []
    stretch: list[str] = []

    def flush() -> None:
        tail: list[str] = []  # trailing words without Arabic letters (a number, punctuation) stay after it
        while stretch and not any(_is_arabic(c) for c in stretch[-1]):
            tail.insert(0, stretch.pop())
        out.extend(reversed(stretch))
        out.extend(tail)
        stretch.clear()

    for word in line.split(" "):
        if any(_is_arabic(c) for c in word) or (
            stretch and not any(unicodedata.bidirectional(c) in ("L", "R") for c in word)
        ):
            stretch.append(word)
        else:
            flush()
            out.append(word)
    flush()
    return " ".join(out)


def markup(text: str) -> str:
    """`text` as reportlab paragraph markup: escaped, line breaks kept, each run in a font that has it.
    Arabic and Hebrew are shaped right to left by HarfBuzz; Arabic words are put in visual order first."""
    text = "\n".join(arabic_visual_order(line) for line in text.split("\n"))
    runs: list[tuple[str, str]] = []  # (font, escaped text)
    for ch in text:
        if ch == "\n":
            runs.append(("br", "<br/>"))
            continue
        point = ord(ch)
        if ch == " " or point in _NEUTRAL:
            name = runs[-1][0] if runs and runs[-1][0] != "br" else SANS
        elif unicodedata.category(ch) == "Cc":
            continue
        else:
            found = font_for(ch)
            if found is None:
                runs.append((SANS, escape(f"[U+{point:04X}]")))
                continue
            name = found
        if runs and runs[-1][0] == name:
            runs[-1] = (name, runs[-1][1] + escape(ch))
        else:
            runs.append((name, escape(ch)))
    out = []
    for name, chunk in runs:
        out.append(chunk if name in (SANS, "br") else f'<font name="{name}">{chunk}</font>')
    return "".join(out)
