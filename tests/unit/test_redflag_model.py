"""The statistical red-flag model (issue 11 item 6): shipped weights, determinism, context safety, threshold,
and the combination max(rules, model)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fasttriage.domain import redflags, textmodel
from fasttriage.domain.urgency import Urgency
from scripts.model_corpus import build as corpus
from scripts.train_redflag_model import TUNING_SETS, VERSION, digest, examples

STRONG = "crushing pain in my chest spreading to my arm and sweating buckets"


def test_the_shipped_weights_load_with_a_threshold_and_the_script_version() -> None:
    model = textmodel.default()
    assert model.version == VERSION
    assert 0.5 <= model.threshold < 1.0
    assert len(model.weights) == 1 << textmodel.BITS
    assert any(model.weights)


def test_the_shipped_weights_were_trained_on_the_current_corpus_and_tuning_sets() -> None:
    # The full retrain (python -m scripts.train_redflag_model --check) compares the file byte for byte;
    # here the digest of the training inputs recorded in the file must match what the script reads today.
    document = json.loads(textmodel.MODEL_FILE.read_text(encoding="utf-8"))
    assert document["inputs_sha256"] == digest(examples())


def test_the_committed_corpus_is_the_generator_output() -> None:
    lines = [json.dumps(row, ensure_ascii=False, sort_keys=True) for row in corpus.build()]
    assert corpus.OUT.read_text(encoding="utf-8").splitlines() == lines
    assert len(lines) > 4000
    assert not any(name.startswith("holdout") for name in TUNING_SETS)


def test_scores_are_deterministic_and_bounded() -> None:
    model = textmodel.default()
    text = redflags.model_text(STRONG)
    first = model.score(text)
    assert first == model.score(text)
    assert 0.0 <= first <= 1.0
    assert model.score("") == 0.0
    keys = textmodel.features("chest pain")
    assert min(keys) >= 0 and max(keys) <= textmodel.MASK


def test_features_do_not_depend_on_the_process_hash_seed() -> None:
    code = "from fasttriage.domain import textmodel; print(sorted(textmodel.features('dor no peito forte')))"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert outputs == {str(sorted(textmodel.features("dor no peito forte"))) + "\n"}


def test_the_model_scores_a_plain_emergency_above_its_threshold() -> None:
    model = textmodel.default()
    assert model.score(redflags.model_text(STRONG)) >= model.threshold
    assert model.score(redflags.model_text("i would like to book a routine check up")) < model.threshold


@pytest.mark.parametrize(
    "text",
    [
        "no chest pain",
        "I have no chest pain and no shortness of breath",
        "my dad had a stroke years ago",
        "family history of heart attacks",
        "what are the signs of a stroke?",
        "is this a heart attack?",
        "if I get chest pain should I call 999?",
        "denies crushing chest pain or sweating",
        "no tengo dolor de pecho",
        "meu pai teve um AVC há anos",
        "never had a seizure",
    ],
)
def test_the_model_reads_nothing_of_negated_past_family_or_hypothetical_clauses(text: str) -> None:
    assert redflags.model_text(text) == ""
    assessment = redflags.assess(text, model=True)
    assert redflags.MODEL_CODE not in {flag.code for flag in assessment.red_flags}


def test_a_current_clause_beside_a_negated_one_is_still_read() -> None:
    assert redflags.model_text("no fever. crushing chest pain now") == "crushing chest pain now"


def test_the_threshold_decides_the_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "i feel awful and my lips are going a funny colour and i cant get words out"
    model = textmodel.default()
    score = model.score(redflags.model_text(text))
    assert score > 0.0
    monkeypatch.setattr(
        textmodel, "default", lambda: model.__class__(model.weights, model.scale, model.bias, score, "t")
    )
    flagged = redflags.assess(text, model=True)
    assert flagged.urgency_floor is Urgency.EMERGENCY
    signal = next(flag for flag in flagged.red_flags if flag.code == redflags.MODEL_CODE)
    assert signal.label == redflags.MODEL_LABEL
    assert signal.floor is Urgency.EMERGENCY
    monkeypatch.setattr(
        textmodel,
        "default",
        lambda: model.__class__(model.weights, model.scale, model.bias, score + 1e-6, "t"),
    )
    assert redflags.MODEL_CODE not in {flag.code for flag in redflags.assess(text, model=True).red_flags}


def test_switched_off_the_model_adds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    model = textmodel.default()
    monkeypatch.setattr(
        textmodel, "default", lambda: model.__class__(model.weights, model.scale, model.bias, 0.0, "t")
    )
    text = "i feel awful and my lips are going a funny colour"
    assert redflags.MODEL_CODE in {flag.code for flag in redflags.assess(text, model=True).red_flags}
    assert redflags.MODEL_CODE not in {flag.code for flag in redflags.assess(text, model=False).red_flags}


@pytest.mark.parametrize(
    "text",
    [
        STRONG,
        "burning when I pee since yesterday",
        "twisted my ankle, it is swollen but I can walk",
        "my baby has a temperature of 38 but is feeding well",
        "dolor de garganta y fiebre",
        "no chest pain",
        "kidney pain with fever and shivering",
    ],
)
def test_the_combination_never_lowers_or_removes_the_rules_flags(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = redflags.assess(text, model=False)
    model = textmodel.default()
    for threshold in (0.0, 2.0):  # always fires / never fires
        monkeypatch.setattr(
            textmodel,
            "default",
            lambda t=threshold: model.__class__(model.weights, model.scale, model.bias, t, "t"),
        )
        combined = redflags.assess(text, model=True)
        if rules.urgency_floor is not None:
            assert combined.urgency_floor is not None and combined.urgency_floor >= rules.urgency_floor
        rule_codes = {flag.code for flag in rules.red_flags}
        assert rule_codes <= {flag.code for flag in combined.red_flags}
        if rules.urgency_floor is Urgency.EMERGENCY:
            assert combined.red_flags == rules.red_flags  # an emergency by rule: the model is not consulted


def test_the_shipped_default_is_the_recorded_decision() -> None:
    # docs/decisions.md, issue 11 item 6: the pre-registered holdout_v4 run decides; the default follows it.
    text = "i feel awful and my lips are going a funny colour and i cant get words out"
    default = redflags.assess(text)
    explicit = redflags.assess(text, model=redflags.MODEL_ON_BY_DEFAULT)
    assert default == explicit


def test_the_shipped_screen_keeps_the_probe_look_alikes_under_the_false_emergency_cap() -> None:
    # The rule tests check the look-alike probe sentences with the rules alone; here the shipped screen
    # (rules + model as switched by MODEL_ON_BY_DEFAULT) must keep them under the pre-registered cap (0.08).
    from unit.test_redflags_v2 import EVERYDAY_WITH_ALARM_WORDS, NEAR_MISSES, NOT_EMERGENCY_CASES, SAME_DAY
    from unit.test_redflags_v3 import NOT_EMERGENCIES

    texts = [*SAME_DAY, *NEAR_MISSES, *EVERYDAY_WITH_ALARM_WORDS, *NOT_EMERGENCY_CASES, *NOT_EMERGENCIES]
    false = [text for text in texts if redflags.assess(text).urgency_floor is Urgency.EMERGENCY]
    assert len(texts) > 200
    assert len(false) / len(texts) <= 0.08, (len(false), len(texts))


# Issue 11d: the model fired on everyday messages that are not about a body ("the app won't load" 0.99).

EVERYDAY = [
    "the app won't load",
    "dandruff keeps coming back",
    "secret words only",
    "I took two paracetamol for a headache",
    "i drank vodka last night and have a headache",
]


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_messages_are_not_emergencies_with_the_shipped_screen(text: str) -> None:
    assessment = redflags.assess(text)
    assert assessment.urgency_floor is not Urgency.EMERGENCY
    assert redflags.MODEL_CODE not in {flag.code for flag in assessment.red_flags}


@pytest.mark.parametrize(
    "text", ["the app won't load", "secret words only", "can you resend the link", "ok see you tuesday"]
)
def test_without_clinical_evidence_the_model_cannot_fire_whatever_its_score(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = textmodel.default()
    monkeypatch.setattr(
        textmodel, "default", lambda: model.__class__(model.weights, model.scale, model.bias, 0.0, "t")
    )
    assert not redflags.model_evidence(text)
    assert redflags.MODEL_CODE not in {flag.code for flag in redflags.assess(text, model=True).red_flags}


@pytest.mark.parametrize(
    "text",
    [
        "keeps blacking out",  # an evidence word, no catalogue term
        "sats 86 percent",  # a vital sign the rules read
        "mi hijo respira muy raro",
        "estou com falta de ar",
        "douleur dans la poitrine",
    ],
)
def test_clinical_evidence_opens_the_gate(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert redflags.model_evidence(text)
    model = textmodel.default()
    monkeypatch.setattr(
        textmodel, "default", lambda: model.__class__(model.weights, model.scale, model.bias, 0.0, "t")
    )
    rules = redflags.assess(text, model=False)
    combined = redflags.assess(text, model=True)
    if rules.urgency_floor is not Urgency.EMERGENCY:
        assert redflags.MODEL_CODE in {flag.code for flag in combined.red_flags}


def test_the_shipped_screen_keeps_routine_v5_under_two_percent_false_emergencies() -> None:
    # tests/vignettes/routine_v5.jsonl: 300 everyday clinic messages written by another engineer (issue 11d);
    # the current model called 16 of them emergencies (0.053), the rules alone 1.
    path = Path(__file__).resolve().parents[1] / "vignettes" / "routine_v5.jsonl"
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(items) == 300
    assert all(item["expected_urgency"] is None for item in items)
    false = [item["id"] for item in items if redflags.assess(item["text"]).urgency_floor is Urgency.EMERGENCY]
    assert len(false) / len(items) <= 0.02, false
