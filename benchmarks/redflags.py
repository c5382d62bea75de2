"""The red-flag screen on its own: time per message and what importing it costs a cold start.

Messages: every vignette of the tuning sets (tuning.jsonl, tuning_v2.jsonl), screened after one warm-up
pass (the phrase index compiles what it needs on first use). Floors measured in the same run:
- per message: normalizing the text and splitting it into words (the least any screen must do);
- import: a fresh interpreter importing ``fasttriage.domain.models`` (pydantic, which the engine needs
  anyway) beside one importing ``fasttriage.domain.redflags``; the first screen in that fresh process
  (the lazy compile of the phrases it meets) is shown beside it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

from benchmarks.common import ROOT, Row, Section, median, ms, percentile

_GOAL_P50_MS = 0.5
_WORDS = re.compile(r"\w+")
_PROBE = """
import time, sys
t0 = time.perf_counter()
import {module}
t1 = time.perf_counter()
first = 0.0
if {screen}:
    from fasttriage.domain import redflags
    t2 = time.perf_counter()
    redflags.assess({text!r}, model={model})
    first = time.perf_counter() - t2
print((t1 - t0) * 1000, first * 1000)
"""


_RULES_PROBE_TEXT = "my dad has crushing chest pain going into his left arm and he is sweating"
_MODEL_PROBE_TEXT = "i feel awful and my lips are going a funny colour and i cant get words out"


def _messages() -> list[str]:
    texts: list[str] = []
    for name in ("tuning", "tuning_v2"):
        path = ROOT / "tests" / "vignettes" / f"{name}.jsonl"
        if path.exists():
            texts += [
                json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line
            ]
    return texts


def _fresh(module: str, screen: bool, model: bool = False) -> tuple[float, float]:
    # With the model on, a message no rule calls an emergency, so that the model is consulted (and its
    # weights loaded) on that first screen.
    text = _MODEL_PROBE_TEXT if model else _RULES_PROBE_TEXT
    code = _PROBE.format(module=module, screen=screen, model=model, text=text)
    out = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, timeout=120
    )
    imported, first = (float(x) for x in out.stdout.split())
    return imported, first


def run(*, quick: bool = False) -> Section:
    from fasttriage.domain import redflags

    started = time.perf_counter()
    texts = _messages()
    if quick:
        texts = texts[:60]
    rounds = 1 if quick else 5
    for text in texts:
        redflags.assess(text)
    screen: list[float] = []
    with_model: list[float] = []
    floor: list[float] = []
    for _ in range(rounds):
        for text in texts:
            t0 = time.perf_counter()
            redflags.assess(text, model=False)
            t1 = time.perf_counter()
            _WORDS.findall(redflags.normalize(text))
            t2 = time.perf_counter()
            redflags.assess(text, model=True)
            t3 = time.perf_counter()
            screen.append(t1 - t0)
            floor.append(t2 - t1)
            with_model.append(t3 - t2)
    screen_ms, floor_ms = ms(screen), ms(floor)
    s50, s95, f50, f95 = (
        percentile(screen_ms, 50),
        percentile(screen_ms, 95),
        percentile(floor_ms, 50),
        percentile(floor_ms, 95),
    )
    samples = 1 if quick else 5
    engine = [_fresh("fasttriage.domain.redflags", True) for _ in range(samples)]
    models = [_fresh("fasttriage.domain.models", False) for _ in range(samples)]
    # The statistical model on: its weights load on the first screen that consults it.
    first_model_ms = median([_fresh("fasttriage.domain.redflags", True, True)[1] for _ in range(samples)])
    model_ms = ms(with_model)
    m50, m95 = percentile(model_ms, 50), percentile(model_ms, 95)
    import_ms = median([e[0] for e in engine])
    first_ms = median([e[1] for e in engine])
    models_ms = median([m[0] for m in models])
    rows = [
        Row(
            "red-flag screen `redflags.assess`, rules only (`model=False`) p50",
            s50,
            floor=f50,
            comparison=f"+{s50 - f50:.2f} ms",
            goal=f"<= {_GOAL_P50_MS} ms per message",
            passed=s50 <= _GOAL_P50_MS,
        ),
        Row("  screen p95", s95, floor=f95, comparison=f"+{s95 - f95:.2f} ms"),
        Row(
            "  import `fasttriage.domain.redflags` in a fresh interpreter",
            import_ms,
            floor=models_ms,
            comparison=f"+{import_ms - models_ms:.1f} ms",
        ),
        Row("  first screen in that fresh process (lazy phrase compile)", first_ms),
        Row(
            "  screen with the statistical model on (`model=True`) p50",
            m50,
            floor=f50,
            comparison=f"+{m50 - s50:.2f} ms over rules only",
            goal=f"<= {_GOAL_P50_MS} ms per message",
            passed=m50 <= _GOAL_P50_MS,
        ),
        Row(
            "  screen with the model on p95",
            m95,
            floor=f95,
            comparison=f"+{m95 - s95:.2f} ms over rules only",
        ),
        Row(
            "  first screen with the model on in a fresh process (a message it reads; loads the weights)",
            first_model_ms,
            comparison=f"+{first_model_ms - first_ms:.1f} ms over rules only",
        ),
    ]
    notes = [
        f"{len(texts)} messages x {rounds} rounds after one warm-up pass; the floor normalizes each message and "
        "splits it into words (the least any screen does).",
        f"Import floor: a fresh interpreter importing `fasttriage.domain.models` (pydantic), which the engine "
        f"imports anyway; the engine itself adds the catalogue (JSON) and the phrase index. Median of {samples}.",
        f"Catalogue: {len(redflags.FLAGS)} flags, {redflags._INDEX.size} phrase patterns, compiled per first-letters "
        "bucket on first use and cached for the life of the process.",
    ]
    return Section(
        key="redflags",
        title="Red-flag screen (issue 11 catalogue)",
        rows=rows,
        notes=notes,
        seconds=time.perf_counter() - started,
    )
