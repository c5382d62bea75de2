"""A small statistical red-flag model: hashed word and character n-grams, logistic-regression weights.

Pure Python at inference (no numpy): the webhook Lambda imports it on a cold start. The weights are trained
offline by ``scripts/train_redflag_model.py`` on a corpus this project writes itself
(``scripts/model_corpus/``) plus the tuning vignette sets, and shipped as ``redflag_model.json`` beside this
file: int8 weights (base64) with one scale, the bias, the threshold chosen by cross-validation and the
digest of the training inputs.

The model reads only what the rule engine's clause analysis calls current (``redflags.model_text``: no
negated, past, family-history, hypothetical or question clause), so it cannot raise urgency on "no chest
pain" or "my dad had a stroke years ago"; ``redflags.assess`` combines it as max(rules, model).
"""

from __future__ import annotations

import base64
import json
import math
import re
import zlib
from array import array
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MODEL_FILE = Path(__file__).with_name("redflag_model.json")
BITS = 17
MASK = (1 << BITS) - 1
_TOKEN = re.compile(r"[a-z]+|\d+(?:[.,]\d+)?")
_CHAR_N = 4


def features(text: str) -> set[int]:
    """The hashed feature indexes of a normalized text (binary features; scaled to unit length when scored:
    each present feature has the value 1/sqrt(number of features))."""
    tokens = _TOKEN.findall(text)
    if not tokens:
        return set()
    crc = zlib.crc32
    keys: set[int] = set()
    previous = "<s>"
    for token in tokens:
        keys.add(crc(b"w" + token.encode()) & MASK)
        keys.add(crc(f"b{previous} {token}".encode()) & MASK)
        previous = token
    joined = " " + " ".join(tokens) + " "
    for start in range(len(joined) - _CHAR_N + 1):
        keys.add(crc(b"c" + joined[start : start + _CHAR_N].encode()) & MASK)
    return keys


@dataclass(frozen=True)
class Model:
    weights: array  # int8 weights, one per hashed feature, times ``scale``
    scale: float
    bias: float
    threshold: float
    version: str

    def score(self, text: str) -> float:
        """Probability-like score in [0, 1] that the (current, normalized) text describes an emergency."""
        keys = features(text)
        if not keys:
            return 0.0
        weights = self.weights
        total = self.bias + self.scale / math.sqrt(len(keys)) * sum(weights[key] for key in keys)
        if total < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-total))


def encode(
    weights: list[float], bias: float, threshold: float, version: str, inputs_digest: str
) -> dict[str, object]:
    """The JSON document for trained weights (int8 quantized with one scale)."""
    largest = max((abs(w) for w in weights), default=0.0) or 1.0
    scale = largest / 127.0
    quantized = array("b", (max(-127, min(127, round(w / scale))) for w in weights))
    return {
        "version": version,
        "bits": BITS,
        "char_n": _CHAR_N,
        "bias": round(bias, 6),
        "scale": scale,
        "threshold": threshold,
        "inputs_sha256": inputs_digest,
        "weights_int8_b64": base64.b64encode(quantized.tobytes()).decode("ascii"),
    }


def decode(document: dict[str, object]) -> Model:
    if document.get("bits") != BITS or document.get("char_n") != _CHAR_N:
        raise ValueError("the red-flag model file was trained with other feature settings")
    raw = array("b")
    raw.frombytes(base64.b64decode(str(document["weights_int8_b64"])))
    if len(raw) != 1 << BITS:
        raise ValueError("the red-flag model file has the wrong number of weights")
    return Model(
        weights=raw,
        scale=float(document["scale"]),  # type: ignore[arg-type]
        bias=float(document["bias"]),  # type: ignore[arg-type]
        threshold=float(document["threshold"]),  # type: ignore[arg-type]
        version=str(document["version"]),
    )


@cache
def default() -> Model:
    """The shipped model, loaded on first use."""
    return decode(json.loads(MODEL_FILE.read_text(encoding="utf-8")))
