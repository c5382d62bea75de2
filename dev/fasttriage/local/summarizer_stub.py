"""The local stack's stand-in for watsonx: a STUB, not a language model and not clinical logic.

It exists so the local stack and the tests can show what happens when the summarizer (the LLM in production)
rates a case more urgent than the red-flag screen did: the patient instruction from the worker and the page
to clinicians (domain.escalation). It takes the deterministic summary and raises its urgency when a few fixed
phrases appear (a dislodged tracheostomy tube, which the screen does not cover today). Its summaries say what made
them: producer "llm", model_id "local-keyword-stub". Never wired in a deployed stack (fasttriage.local only).
"""

from __future__ import annotations

import re

from fasttriage.domain.models import Conversation, TriageSummary
from fasttriage.domain.summarizer import DISPOSITIONS, DeterministicSummarizer
from fasttriage.domain.urgency import Urgency, most_urgent

MODEL_ID = "local-keyword-stub"

# (pattern, urgency): the first that matches the conversation wins; order from most urgent.
# The phrases are chosen so that the red-flag screen does NOT flag them (tests/integration/test_escalation_worker.py
# checks that premise): when the screen learns them, pick other phrases, do not weaken the screen.
STUB_RULES: tuple[tuple[re.Pattern[str], Urgency], ...] = (
    (
        re.compile(
            r"\btrach(?:eostomy)?(?: tube)?\b[^.!?]*\b(?:came|come|fell|falls|pulled) out\b", re.IGNORECASE
        ),
        Urgency.EMERGENCY,
    ),
    (re.compile(r"\breadings?\b[^.!?]*\bhigh\b", re.IGNORECASE), Urgency.URGENT),
)


def stub_urgency(text: str) -> Urgency | None:
    for pattern, urgency in STUB_RULES:
        if pattern.search(text):
            return urgency
    return None


class KeywordStubSummarizer:
    """Satisfies domain.summarizer.Summarizer (the primary, in the LLM's place, behind SafeSummarizer)."""

    def __init__(self) -> None:
        self._rules_only = DeterministicSummarizer()

    def summarize(self, conversation: Conversation) -> TriageSummary:
        summary = self._rules_only.summarize(conversation)
        urgency = most_urgent(summary.urgency, stub_urgency(conversation.text)) or summary.urgency
        provenance = summary.provenance.model_copy(
            update={"producer": "llm", "model_id": MODEL_ID, "prompt_version": None, "fallback_reason": None}
        )
        return summary.model_copy(
            update={
                "urgency": urgency,
                "recommended_disposition": DISPOSITIONS[urgency],
                "provenance": provenance,
            }
        )
