"""Issue 11, item 4: medspacy's ConText against the engine's hand-written negation/history/hypothetical code.

Not part of the product and not a dependency: run it in a throwaway virtualenv that has medspacy, e.g.

    python3 -m venv /tmp/ctx && /tmp/ctx/bin/pip install medspacy
    PYTHONPATH=layers/common /tmp/ctx/bin/python scripts/measure_context.py

It screens the tuning sets twice with the same catalogue, clauses and rules: once with the engine's own
context code, once with ConText deciding for every phrase found whether it is negated, historical,
hypothetical or about a family member (ConText's own rules for en/es/pt, accents stripped to match the
engine's normalized text; English rules when the language is unsure). It prints emergency recall,
false-emergency rate and the time per message of each, plus ConText's import and set-up time.
Holdout sets are never read.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "layers" / "common"))

from fasttriage.domain import redflags  # noqa: E402
from fasttriage.domain.models import Language  # noqa: E402
from fasttriage.domain.urgency import Urgency  # noqa: E402

SETS = ("tuning", "tuning_v2")


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _context_pipelines() -> tuple[dict[Language, object], float, float]:
    started = time.perf_counter()
    import medspacy  # noqa: F401  (registers the medspacy_context pipe)
    import spacy

    imported = time.perf_counter()
    resources = Path(spacy.__file__).resolve().parent.parent / "resources"
    pipelines: dict[Language, object] = {}
    for language in Language:
        rules = json.loads((resources / language.value / "context_rules.json").read_text(encoding="utf-8"))
        for rule in rules["context_rules"]:
            rule["literal"] = _plain(rule["literal"])
            rule.pop("pattern", None)  # token patterns match accented forms; the literal is enough here
        path = Path(tempfile.mkdtemp()) / "rules.json"
        path.write_text(json.dumps(rules), encoding="utf-8")
        nlp = spacy.blank(language.value)
        nlp.add_pipe("sentencizer")
        nlp.add_pipe(
            "medspacy_context",
            config={"rules": str(path), "input_span_type": "group", "span_group_name": "findings"},
        )
        pipelines[language] = nlp
    return pipelines, imported - started, time.perf_counter() - imported


def _with_context(pipelines: dict[Language, object]):  # type: ignore[no-untyped-def]
    from spacy.tokens import Span

    def findings(clauses: list[str], languages: tuple[Language, ...]) -> dict[str, redflags._Finding]:
        nlp = pipelines[languages[0] if len(languages) == 1 else Language.EN]
        found: dict[str, redflags._Finding] = {}
        for clause in clauses:
            hits = list(redflags._INDEX.hits(clause))
            if not hits:
                continue
            doc = nlp.make_doc(clause)  # type: ignore[attr-defined]
            spans = []
            for hit in hits:
                span = doc.char_span(hit.start, hit.end, label=hit.name, alignment_mode="expand")
                if span is not None:
                    spans.append(span)
            doc.spans["findings"] = spans
            for _, proc in nlp.pipeline:  # type: ignore[attr-defined]
                doc = proc(doc)
            for span in doc.spans["findings"]:
                name = span.label_
                if name in found:
                    continue
                if span._.is_negated and name not in redflags._NEVER_NEGATED:
                    continue
                if span._.is_hypothetical or span._.is_family:
                    continue
                if span._.is_historical and name not in redflags._CONTEXT_TERMS:
                    continue
                found[name] = redflags._Finding(name, span.text)
        return found

    assert Span.has_extension("is_negated")
    return findings


def _run(rows: list[dict[str, object]]) -> tuple[float, float, float]:
    caught = expected = false = non = 0
    times = []
    for row in rows:
        started = time.perf_counter()
        floor = redflags.assess(str(row["text"])).urgency_floor
        times.append(time.perf_counter() - started)
        if row["expected_urgency"] == "emergency":
            expected += 1
            caught += floor is Urgency.EMERGENCY
        else:
            non += 1
            false += floor is Urgency.EMERGENCY
    return caught / expected, false / non, statistics.median(times) * 1000


def main() -> int:
    data = {
        name: [
            json.loads(line)
            for line in (ROOT / "tests" / "vignettes" / f"{name}.jsonl").open()
            if line.strip()
        ]
        for name in SETS
    }
    for name, rows in data.items():
        for row in rows:  # warm the lazily compiled phrase index
            redflags.assess(str(row["text"]))
        recall, false, p50 = _run(rows)
        print(f"hand-written  {name:<10} recall {recall:.3f}  false-emergency {false:.3f}  p50 {p50:.3f} ms")
    pipelines, import_s, setup_s = _context_pipelines()
    print(f"ConText: import {import_s * 1000:.0f} ms, three pipelines set up in {setup_s * 1000:.0f} ms")
    own = redflags._findings
    redflags._findings = _with_context(pipelines)  # type: ignore[assignment]
    try:
        for name, rows in data.items():
            recall, false, p50 = _run(rows)
            print(
                f"ConText       {name:<10} recall {recall:.3f}  false-emergency {false:.3f}  p50 {p50:.3f} ms"
            )
            by_language: dict[str, list[float]] = {}
            for row in rows:
                floor = redflags.assess(str(row["text"])).urgency_floor
                if row["expected_urgency"] != "emergency":
                    by_language.setdefault(str(row["language"]), []).append(float(floor is Urgency.EMERGENCY))
            rates = ", ".join(f"{k} {statistics.mean(v):.3f}" for k, v in sorted(by_language.items()))
            print(f"              {name:<10} false-emergency by language: {rates}")
    finally:
        redflags._findings = own  # type: ignore[assignment]
    return 0


if __name__ == "__main__":
    sys.exit(main())
