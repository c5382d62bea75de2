"""The watsonx adapter through the real ibm-watsonx-ai SDK against a local HTTPS stub of the REST API.

Every test runs with outbound connections limited to loopback: a test that needed the internet fails.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from fasttriage.adapters.watsonx import WatsonxCredentials, WatsonxOptions, WatsonxSummarizer
from fasttriage.domain.errors import SummarizerOutputInvalid, SummarizerUnavailable
from fasttriage.domain.models import Assessment, Conversation, ConversationMessage, Language, RedFlag
from fasttriage.domain.prompt import PROMPT_VERSION
from fasttriage.domain.summarizer import REASON_UNAVAILABLE, DeterministicSummarizer, SafeSummarizer
from fasttriage.domain.urgency import Urgency
from watsonx_stub import VALID_API_KEY, ChatReply, WatsonxStub

CHEST_PAIN = RedFlag(
    code="cardiac_chest_pain", label="Chest pain", floor=Urgency.EMERGENCY, evidence="chest pain"
)
FAST = WatsonxOptions(connect_timeout_s=2, read_timeout_s=2, total_budget_s=10, max_retries=2, backoff_s=0.05)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}

VALID = json.dumps(
    {
        "chief_complaint": "Headache for two days",
        "symptoms": [{"name": "headache", "onset": "two days ago", "duration": None, "severity": "moderate"}],
        "relevant_history": ["migraine"],
        "medications": ["ibuprofen"],
        "allergies": [],
        "red_flags": [],
        "urgency": "routine",
        "recommended_disposition": "Book a GP appointment.",
        "follow_up_questions": ["Any fever or neck stiffness?"],
    }
)
MALFORMED = '{"chief_complaint": "Headache", "urgency": "whenever"'


def conversation(*flags: RedFlag) -> Conversation:
    floor = min((flag.floor for flag in flags), key=lambda level: level.rank, default=None)
    return Conversation(
        case_id="0" * 32,
        messages=[
            ConversationMessage(
                message_sid="SM" + "a" * 32,
                received_at=datetime(2026, 11, 28, 8, tzinfo=UTC),
                body="I have had a headache for two days",
            )
        ],
        assessment=Assessment(
            language=Language.EN, red_flags=list(flags), urgency_floor=floor, rules_version="r1"
        ),
    )


# --- fixtures ------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Refuse name lookups and connections to anything but loopback; record the attempts."""
    attempts: list[Any] = []
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in LOOPBACK:
            attempts.append(host)
            raise socket.gaierror(f"test blocked lookup of {host!r}: tests must not need the internet")
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(self: socket.socket, address: Any) -> Any:
        if isinstance(address, tuple) and address[0] not in LOOPBACK:
            attempts.append(address)
            raise ConnectionRefusedError(f"test blocked connection to {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


@pytest.fixture(scope="module")
def stub() -> Iterator[WatsonxStub]:
    with WatsonxStub() as server:
        yield server


@pytest.fixture
def make_summarizer(
    stub: WatsonxStub, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., WatsonxSummarizer]]:
    stub.reset()
    stub.default_content = VALID
    # The SDK copies Credentials(verify=...) into this process-wide variable; restore it afterwards.
    monkeypatch.delenv("WX_CLIENT_VERIFY_REQUESTS", raising=False)
    created: list[WatsonxSummarizer] = []

    def make(options: WatsonxOptions = FAST, **overrides: Any) -> WatsonxSummarizer:
        fields = {
            "api_key": VALID_API_KEY,
            "url": stub.url,
            "project_id": stub.project_id,
            "model_id": stub.model_id,
            "auth_url": stub.auth_url,
            "platform_url": stub.url,
            "ca_bundle": stub.ca_path,
        } | overrides
        summarizer = WatsonxSummarizer(WatsonxCredentials(**fields), options)
        created.append(summarizer)
        return summarizer

    yield make
    for summarizer in created:
        summarizer.close()


# --- happy paths ---------------------------------------------------------------------------------------


def test_a_valid_answer_becomes_a_triage_summary_with_llm_provenance(
    make_summarizer: Callable[..., WatsonxSummarizer], stub: WatsonxStub
) -> None:
    latencies: list[float] = []
    summarizer = make_summarizer()
    summarizer._on_latency = latencies.append

    summary = summarizer.summarize(conversation())

    assert summary.chief_complaint == "Headache for two days"
    assert summary.medications == ["ibuprofen"]
    assert summary.urgency is Urgency.ROUTINE
    assert summary.provenance.producer == "llm"
    assert summary.provenance.model_id == stub.model_id
    assert summary.provenance.prompt_version == PROMPT_VERSION
    assert summarizer.last_latency_ms is not None and latencies == [summarizer.last_latency_ms]
    (chat,) = stub.chat_requests
    assert chat.body["model_id"] == stub.model_id
    assert chat.body["project_id"] == stub.project_id
    assert [message["role"] for message in chat.body["messages"]] == ["system", "user"]
    assert "version" in chat.query


def test_the_red_flag_floor_overrides_a_relaxed_model(
    make_summarizer: Callable[..., WatsonxSummarizer],
) -> None:
    summary = make_summarizer().summarize(conversation(CHEST_PAIN))

    assert summary.urgency is Urgency.EMERGENCY
    assert summary.red_flags[0] == CHEST_PAIN


def test_the_sdk_client_is_created_once_and_reused(
    make_summarizer: Callable[..., WatsonxSummarizer], stub: WatsonxStub
) -> None:
    summarizer = make_summarizer()
    assert stub.requests == []  # construction alone touches nothing

    summarizer.summarize(conversation())
    summarizer.summarize(conversation())

    assert len(stub.requests_to("/identity/token")) == 1
    assert len(stub.requests_to("/v2/projects/")) == 1
    assert len(stub.chat_requests) == 2


# --- invalid output ------------------------------------------------------------------------------------


def test_a_malformed_answer_is_repaired_once(
    make_summarizer: Callable[..., WatsonxSummarizer], stub: WatsonxStub
) -> None:
    stub.script(ChatReply.ok(MALFORMED), ChatReply.ok("```json\n" + VALID + "\n```"))

    summary = make_summarizer().summarize(conversation())

    assert summary.provenance.producer == "llm"
    _first, repair = stub.chat_requests
    assert [m["role"] for m in repair.body["messages"]] == ["system", "user", "assistant", "user"]
    assert repair.body["messages"][2]["content"] == MALFORMED
    assert "could not be used" in repair.body["messages"][3]["content"]


def test_malformed_twice_is_output_invalid(
    make_summarizer: Callable[..., WatsonxSummarizer], stub: WatsonxStub
) -> None:
    stub.script(ChatReply.ok(MALFORMED), ChatReply.ok("Sorry, I cannot help with that."))

    with pytest.raises(SummarizerOutputInvalid):
        make_summarizer().summarize(conversation())

    assert len(stub.chat_requests) == 2


# --- unavailable ---------------------------------------------------------------------------------------


def test_throttling_and_unavailability_are_retried_then_succeed(
    make_summarizer: Callable[..., WatsonxSummarizer], stub: WatsonxStub
) -> None:
    stub.script(ChatReply.error(429), ChatReply.error(503))

    summary = make_summarizer().summarize(conversation())

    assert summary.provenance.producer == "llm"
    assert len(stub.chat_requests) == 3


def test_persistent_503_is_unavailable_after_two_retries_within_the_budget(
    make_summarizer: Callable[..., WatsonxSummarizer], stub: WatsonxStub
) -> None:
    stub.script(*[ChatReply.error(503)] * 10)

    with pytest.raises(SummarizerUnavailable, match="HTTP 503"):
        make_summarizer().summarize(conversation())

    assert len(stub.chat_requests) == 3  # the first try and two retries, then it gives up


def test_a_client_error_is_not_retried(
    make_summarizer: Callable[..., WatsonxSummarizer], stub: WatsonxStub
) -> None:
    stub.script(ChatReply.error(400))

    with pytest.raises(SummarizerUnavailable, match="HTTP 400"):
        make_summarizer().summarize(conversation())

    assert len(stub.chat_requests) == 1


def test_a_slow_model_times_out_and_is_unavailable(
    make_summarizer: Callable[..., WatsonxSummarizer], stub: WatsonxStub
) -> None:
    options = FAST.model_copy(update={"read_timeout_s": 0.5, "max_retries": 1})
    stub.script(*[ChatReply.ok(VALID, delay_s=30)] * 3)

    # Had the client waited for the stub's (valid) answer, summarize() would have returned it: the error proves
    # that each read gave up at its timeout, without timing the call on a machine that may be loaded.
    with pytest.raises(SummarizerUnavailable, match="timeout"):
        make_summarizer(options).summarize(conversation())

    assert len(stub.chat_requests) == 2


def test_the_total_budget_caps_a_call_whatever_the_timeouts(
    make_summarizer: Callable[..., WatsonxSummarizer], stub: WatsonxStub
) -> None:
    options = FAST.model_copy(update={"read_timeout_s": 30, "total_budget_s": 1.5})
    stub.script(*[ChatReply.ok(VALID, delay_s=10)] * 3)

    # The 30 s read timeout alone would have waited for the valid answer at 10 s: the error is the budget's.
    with pytest.raises(SummarizerUnavailable):
        make_summarizer(options).summarize(conversation())


def test_a_slow_iam_counts_against_the_same_budget(
    make_summarizer: Callable[..., WatsonxSummarizer], stub: WatsonxStub
) -> None:
    stub.token_delay_s = 10
    options = FAST.model_copy(update={"read_timeout_s": 30, "total_budget_s": 1.5})

    # Without the budget the token would come at 10 s and the chat call would succeed.
    with pytest.raises(SummarizerUnavailable, match="timeout"):
        make_summarizer(options).summarize(conversation())

    assert stub.chat_requests == []


def test_a_rejected_api_key_is_unavailable_without_calling_the_model(
    make_summarizer: Callable[..., WatsonxSummarizer], stub: WatsonxStub
) -> None:
    with pytest.raises(SummarizerUnavailable, match="authentication"):
        make_summarizer(api_key="revoked-key").summarize(conversation())

    assert len(stub.requests_to("/identity/token")) == 1
    assert stub.chat_requests == []


def test_an_untrusted_certificate_is_refused_not_silently_accepted(
    make_summarizer: Callable[..., WatsonxSummarizer], stub: WatsonxStub
) -> None:
    with pytest.raises(SummarizerUnavailable, match="certificate"):
        make_summarizer(ca_bundle=None).summarize(conversation())

    assert stub.requests == []  # no request got through TLS, not even the API key exchange


def test_an_unreachable_service_is_unavailable(make_summarizer: Callable[..., WatsonxSummarizer]) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"https://127.0.0.1:{probe.getsockname()[1]}"
    with pytest.raises(SummarizerUnavailable, match="network"):
        make_summarizer(url=dead, platform_url=dead, auth_url=f"{dead}/identity/token").summarize(
            conversation()
        )


def test_no_patient_text_reaches_logs_or_error_messages(
    make_summarizer: Callable[..., WatsonxSummarizer], stub: WatsonxStub, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    patient_text = conversation().messages[0].body
    summarizer = make_summarizer()
    summarizer.summarize(conversation())
    stub.script(ChatReply.ok(MALFORMED), ChatReply.ok(MALFORMED), ChatReply.error(400))
    errors = []
    for _ in range(2):
        with pytest.raises((SummarizerOutputInvalid, SummarizerUnavailable)) as error:
            summarizer.summarize(conversation())
        errors.append(str(error.value))

    assert len(stub.chat_requests) == 4
    assert patient_text not in caplog.text
    assert all(patient_text not in message for message in errors)


# --- with the safety net, and offline ------------------------------------------------------------------


def test_safe_summarizer_falls_back_when_watsonx_is_down(
    make_summarizer: Callable[..., WatsonxSummarizer], stub: WatsonxStub
) -> None:
    stub.script(*[ChatReply.error(503)] * 10)
    safe = SafeSummarizer(make_summarizer(), DeterministicSummarizer())

    summary = safe.summarize(conversation(CHEST_PAIN))

    assert summary.provenance.producer == "fallback"
    assert summary.provenance.fallback_reason == REASON_UNAVAILABLE
    assert summary.urgency is Urgency.EMERGENCY


def test_no_test_here_needs_the_internet(
    make_summarizer: Callable[..., WatsonxSummarizer], loopback_only: list[Any]
) -> None:
    make_summarizer().summarize(conversation())
    assert loopback_only == []

    with pytest.raises(OSError):
        socket.create_connection(("iam.cloud.ibm.com", 443), timeout=1)
    assert loopback_only == ["iam.cloud.ibm.com"]
