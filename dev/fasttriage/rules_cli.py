"""`fasttriage rules export --csv`: the whole red-flag catalogue for a clinical safety officer.
`fasttriage rules build-index`: rewrite catalogue/index.json after editing the catalogue.

One row per flag and language/register: id, category, floor, label, source, language, register, the number
of phrases and the phrases themselves (joined with " | "), plus the ``when``/``unless``/``escalate`` terms.
"""

from __future__ import annotations

import csv
from typing import TextIO

from fasttriage.domain import catalogue

COLUMNS = (
    "id",
    "category",
    "floor",
    "label",
    "source",
    "language",
    "register",
    "phrase_count",
    "phrases",
    "when",
    "unless",
    "escalate",
)


def export_csv(out: TextIO, cat: catalogue.Catalogue | None = None) -> int:
    """Write the catalogue as CSV; returns the number of flags written."""
    cat = cat or catalogue.default()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    flags = sorted(cat.flags.values(), key=lambda f: (catalogue.CATEGORIES.index(f.category), f.id))
    for flag in flags:
        when = " OR ".join(" + ".join(alternative) for alternative in flag.when)
        for language, by_register in flag.phrases.items():
            for register, phrases in by_register.items():
                writer.writerow(
                    (
                        flag.id,
                        flag.category,
                        flag.floor.value,
                        flag.label,
                        flag.source,
                        language,
                        register,
                        len(phrases),
                        " | ".join(phrases),
                        when,
                        " ".join(flag.unless),
                        " ".join(flag.escalate),
                    )
                )
    return len(flags)


def run(argv: list[str], out: TextIO, err: TextIO) -> int:
    if argv == ["export", "--csv"]:
        export_csv(out)
        return 0
    if argv == ["build-index"]:
        cat = catalogue.load()
        path = catalogue.write_index(cat)
        out.write(f"wrote {path} ({len(cat.flags)} flags, catalogue digest {cat.digest[:12]})\n")
        return 0
    err.write("usage: fasttriage rules export --csv | fasttriage rules build-index\n")
    return 2
